"""Meeting rooms' calendars, visitors, people, signals and zone metadata."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import ServiceValidationError, Unauthorized
from homeassistant.util import dt as dt_util
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.workplace.const import CONF_ALLOW_METADATA_WRITES
from tests.conftest import make_entry, setup_entry
from tests.helpers import SmallSite, book, calendar_events, entity_id, next_poll
from tests.test_services import act, in_minutes, status_of


def meeting(site: SmallSite, starts_in: float, ends_in: float, **extra: Any) -> str:
    """Put a meeting in the room's calendar, relative to now."""
    now = site.sim.clock.now()
    return site.sim.add_meeting(
        site.room,
        start=now + starts_in,
        end=now + ends_in,
        title=extra.pop("title", "Planning"),
        host_email=extra.pop("host_email", "ada@example.com"),
        host_name=extra.pop("host_name", "Ada Lovelace"),
        **extra,
    )


async def test_room_calendar_shows_meetings(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A meeting on now makes the room busy and shows on its calendar; private ones untitled."""
    site = small_site
    meeting(site, -600, 3000)
    meeting(site, 4000, 5000, title="Board", private=True)
    await setup_entry(hass, site_entry)
    calendar = entity_id(hass, "calendar", site.uid(site.room, "meetings"))
    state = hass.states.get(calendar)
    assert state is not None
    assert state.state == "on"
    assert state.attributes["message"] == "Planning"
    assert status_of(hass, site, site.room) == "booked"
    summaries = [event["summary"] for event in await calendar_events(hass, calendar, 3)]
    assert summaries == ["Planning", "Booked by Ada Lovelace"]


async def test_a_meeting_is_not_checked_in_as_a_booking(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """The room's status says it is a meeting; checking it in is refused with a clear reason."""
    site = small_site
    meeting(site, -600, 3000)
    await setup_entry(hass, site_entry)
    status = hass.states.get(entity_id(hass, "sensor", site.uid(site.room, "status")))
    assert status is not None
    assert status.attributes["booking_type"] == "meeting"
    for action in ("check_in", "check_out"):
        with pytest.raises(ServiceValidationError) as refused:
            await act(hass, action, site_entry, space=status.entity_id)
        assert refused.value.translation_key == "meeting_not_a_booking"
        assert refused.value.translation_placeholders == {"meeting": "Planning"}
    assert status_of(hass, site, site.room) == "booked"


async def test_meetings_are_announced_once(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new meeting is `booked`, a cancelled one `cancelled`, each once."""
    site = small_site
    await setup_entry(hass, site_entry)
    event_id = meeting(site, 600, 1800)
    await next_poll(hass, freezer)
    site.sim.cancel_meeting(event_id)
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert [(e["type"], e["booking_type"]) for e in bus_events] == [
        ("booked", "meeting"),
        ("cancelled", "meeting"),
    ]
    assert bus_events[0]["booking_id"] == event_id
    assert bus_events[0]["space_id"] == site.room


async def test_room_calendar_writes(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Moving a meeting in the calendar moves it; deleting cancels it and frees the room."""
    site = small_site
    event_id = meeting(site, -600, 3000)
    await setup_entry(hass, site_entry)
    calendar = entity_id(hass, "calendar", site.uid(site.room, "meetings"))
    entity = hass.data["calendar"].get_entity(calendar)
    new_start = dt_util.utcnow().replace(microsecond=0) + timedelta(hours=2)
    await entity.async_update_event(
        event_id,
        {"dtstart": new_start, "dtend": new_start + timedelta(hours=1), "summary": "Planning v2"},
    )
    await hass.async_block_till_done()
    moved = site.sim.meeting(event_id)
    assert moved["event_start"] == int(new_start.timestamp())
    assert moved["title"] == "Planning v2"
    assert status_of(hass, site, site.room) == "free"

    await entity.async_delete_event(event_id)
    await hass.async_block_till_done()
    assert site.sim.meeting(event_id)["status"] == "cancelled"
    assert hass.states.get(calendar).state == "off"

    start = dt_util.now().replace(microsecond=0) + timedelta(hours=4)
    await hass.services.async_call(
        "calendar",
        "create_event",
        {
            "entity_id": calendar,
            "summary": "Walk-in",
            "start_date_time": start.isoformat(),
            "end_date_time": (start + timedelta(minutes=30)).isoformat(),
        },
        blocking=True,
    )
    assert [b.asset_ids for b in site.sim.bookings.values()] == [[site.room]]


async def test_meeting_actions(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """update_meeting moves it and merges or replaces its metadata; cancel_meeting cancels it."""
    site = small_site
    event_id = meeting(site, 600, 1800)
    entry = await setup_entry(hass, site_entry)
    response = await act(
        hass,
        "update_meeting",
        entry,
        meeting_id=event_id,
        title="Planning (moved)",
        start=in_minutes(60),
        end=in_minutes(90),
        metadata={"catering": "coffee"},
    )
    assert response["meeting"]["title"] == "Planning (moved)"
    assert response["metadata"] == {"catering": "coffee"}
    response = await act(hass, "update_meeting", entry, meeting_id=event_id, metadata={"av": "yes"})
    assert response["metadata"] == {"catering": "coffee", "av": "yes"}
    response = await act(
        hass,
        "update_meeting",
        entry,
        meeting_id=event_id,
        metadata={"only": "this"},
        replace_metadata=True,
    )
    assert response["metadata"] == {"only": "this"}
    await act(hass, "cancel_meeting", entry, meeting_id=event_id)
    assert site.sim.meeting(event_id)["status"] == "cancelled"
    with pytest.raises(ServiceValidationError) as unknown:
        await act(hass, "cancel_meeting", entry, meeting_id="nope")
    assert unknown.value.translation_key == "meeting_not_found"


async def test_tenant_without_calendars(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    freezer: FrozenDateTimeFactory,
) -> None:
    """No calendar service: rooms work from bookings alone, said once in the log."""
    site = small_site
    site.sim.faults.fail_next(
        501, path="/api/staff/v1/events", count=3, body=b'{"error":"no calendar"}'
    )
    await setup_entry(hass, site_entry)
    await next_poll(hass, freezer)
    assert status_of(hass, site, site.desk1) == "free"
    assert caplog.text.count("room calendars are not available") == 1
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert "room calendars are available again" in caplog.text


async def test_visitors_expected_and_arriving(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Today's visitors are counted per zone and listed; one arriving fires guest_arrived once."""
    site = small_site
    booking = book(site.sim, site.desk1, starts_in=-60, ends_in=3600)
    site.sim.add_guest(booking, "vera@example.com", "Vera Visitor")
    meeting(site, 1800, 3600, attendees=[{"email": "olga@partner.example", "name": "Olga Outside"}])
    entry = await setup_entry(hass, site_entry)
    visitors = entity_id(hass, "sensor", site.uid(site.level1, "expected_visitors"))
    state = hass.states.get(visitors)
    assert state is not None
    assert state.state == "2"
    listed = {v["name"]: v for v in state.attributes["visitors"]}
    assert set(listed) == {"Vera Visitor", "Olga Outside"}
    assert listed["Vera Visitor"]["host"] == "Ada Lovelace"
    assert listed["Vera Visitor"]["checked_in"] is False
    level2 = entity_id(hass, "sensor", site.uid(site.level2, "expected_visitors"))
    assert hass.states.get(level2).state == "0"

    response = await act(
        hass, "check_in_guest", entry, space_id=site.desk1, email="Vera@example.com"
    )
    assert response["guest"]["checked_in"] is True
    assert status_of(hass, site, site.desk1) == "checked_in"
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    arrivals = [e for e in bus_events if e["type"] == "guest_arrived"]
    assert len(arrivals) == 1
    assert arrivals[0]["guest"]["email"] == "vera@example.com"
    state = hass.states.get(visitors)
    assert {v["name"]: v["checked_in"] for v in state.attributes["visitors"]}["Vera Visitor"]


async def test_people_are_resolved(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A person by name books for their email; unknown or ambiguous people are refused."""
    sim, site = small_site.sim, small_site
    sim.add_user("Ada Byron", "ada.byron@example.com")
    entry = await setup_entry(hass, site_entry)
    times = {"start": in_minutes(0), "end": in_minutes(60)}
    response = await act(
        hass, "create_booking", entry, space_id=site.desk1, person="grace hopper", **times
    )
    assert response["booking"]["person"] == {"name": "Grace Hopper", "email": "grace@example.com"}
    with pytest.raises(ServiceValidationError) as unknown:
        await act(
            hass, "create_booking", entry, space_id=site.desk2, person="Nobody Known", **times
        )
    assert unknown.value.translation_key == "person_not_found"
    with pytest.raises(ServiceValidationError) as ambiguous:
        await act(hass, "create_booking", entry, space_id=site.desk2, person="Ada", **times)
    assert ambiguous.value.translation_key == "person_ambiguous"
    assert "ada.byron@example.com" in str(ambiguous.value)
    with pytest.raises(ServiceValidationError) as unknown_email:
        await act(
            hass,
            "create_booking",
            entry,
            space_id=site.desk2,
            user_email="ghost@example.com",
            **times,
        )
    assert unknown_email.value.translation_key == "person_not_found"
    assert len(sim.bookings) == 1
    graces = await act(hass, "list_bookings", entry, person="Grace Hopper")
    assert len(graces["bookings"]) == 1


async def test_signal(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A signal reaches the PlaceOS channel with its payload."""
    entry = await setup_entry(hass, site_entry)
    await act(hass, "signal", entry, channel="doors/main", payload={"person": "ada@example.com"})
    [(channel, body)] = small_site.sim.signals
    assert channel == "doors/main"
    assert b"ada@example.com" in body
    with pytest.raises(ServiceValidationError) as empty:
        await act(hass, "signal", entry, channel=" ")
    assert empty.value.translation_key == "channel_required"


async def test_zone_metadata_writes_are_guarded(
    hass: HomeAssistant,
    small_site: SmallSite,
    hass_admin_user: MockUser,
    hass_read_only_user: MockUser,
) -> None:
    """Off by default; admins only; once written, a new desk appears without a restart."""
    site = small_site
    entry = await setup_entry(hass, make_entry(site.sim, [site.building]))
    desks = {"details": [{"id": "desk-2-09", "name": "Desk 2.09", "bookable": True}]}
    data = {"config_entry_id": entry.entry_id, "zone_id": site.level2, "name": "desks", **desks}
    admin = Context(user_id=hass_admin_user.id)
    with pytest.raises(ServiceValidationError) as disabled:
        await hass.services.async_call(
            "workplace", "write_zone_metadata", data, blocking=True, context=admin
        )
    assert disabled.value.translation_key == "metadata_writes_disabled"

    hass.config_entries.async_update_entry(entry, options={CONF_ALLOW_METADATA_WRITES: True})
    await hass.async_block_till_done()
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            "workplace",
            "write_zone_metadata",
            data,
            blocking=True,
            context=Context(user_id=hass_read_only_user.id),
        )
    await hass.services.async_call(
        "workplace", "write_zone_metadata", data, blocking=True, context=admin
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(entity_id(hass, "sensor", site.uid("desk-2-09", "status"))) is not None


async def test_room_calendar_refuses_whole_days_and_moves_room_bookings(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A room booking (not a meeting) moved in the room calendar is updated as a booking."""
    site = small_site
    booking = book(site.sim, site.room, starts_in=3600, ends_in=7200, booking_type="room")
    site.sim.approve(booking)
    await setup_entry(hass, site_entry)
    calendar = entity_id(hass, "calendar", site.uid(site.room, "meetings"))
    entity = hass.data["calendar"].get_entity(calendar)
    today = dt_util.now().date()
    with pytest.raises(ServiceValidationError) as whole_day:
        await entity.async_update_event(str(booking), {"dtstart": today, "dtend": today})
    assert whole_day.value.translation_key == "calendar_all_day"
    with pytest.raises(ServiceValidationError):
        await entity.async_create_event(dtstart=today, dtend=today, summary="x")
    new_start = dt_util.utcnow().replace(microsecond=0) + timedelta(hours=3)
    await entity.async_update_event(
        str(booking), {"dtstart": new_start, "dtend": new_start + timedelta(hours=1)}
    )
    assert site.sim.booking(booking)["booking_start"] == int(new_start.timestamp())


async def test_meeting_already_gone_counts_as_cancelled(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Cancelling a meeting the calendar no longer has is not an error (as the driver does)."""
    site = small_site
    event_id = meeting(site, 600, 1800)
    entry = await setup_entry(hass, site_entry)
    site.sim.faults.fail_next(404, path=f"/api/staff/v1/events/{event_id}")
    await act(hass, "cancel_meeting", entry, meeting_id=event_id)
    calendar = entity_id(hass, "calendar", site.uid(site.room, "meetings"))
    assert hass.states.get(calendar).state == "off"


async def test_unreadable_meetings_are_skipped(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Meetings without a room, with no duration or a bad date are skipped, not fatal."""
    site = small_site
    now = int(site.sim.clock.now())
    good = {
        "id": "evt-good",
        "system_id": site.room,
        "event_start": now - 60,
        "event_end": now + 600,
        "title": "Good",
    }
    events = [
        good,
        {**good, "id": "evt-roomless", "system_id": None},
        {**good, "id": "evt-instant", "event_end": now - 60},
        {**good, "id": "evt-bad-date", "updated": 12345},
    ]
    site.sim.faults.fail_next(
        200,
        path="/api/staff/v1/events",
        body=orjson.dumps(events),
        headers={"Content-Type": "application/json"},
    )
    await setup_entry(hass, site_entry)
    calendar = entity_id(hass, "calendar", site.uid(site.room, "meetings"))
    assert hass.states.get(calendar).attributes["message"] == "Good"
    assert caplog.text.count("Skipping a malformed meeting") == 3


async def test_meetings_outage_fails_the_poll(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A server error on the calendar part is an outage like any other, not "no calendars"."""
    site = small_site
    await setup_entry(hass, site_entry)
    site.sim.faults.fail_next(503, path="/api/staff/v1/events")
    await next_poll(hass, freezer)
    assert status_of(hass, site, site.desk1) == "unavailable"
    await next_poll(hass, freezer)
    assert status_of(hass, site, site.desk1) == "free"


async def test_metadata_write_needs_a_tracked_zone(
    hass: HomeAssistant, small_site: SmallSite, hass_admin_user: MockUser
) -> None:
    """Only tracked zones can be written."""
    site = small_site
    entry = await setup_entry(
        hass, make_entry(site.sim, [site.building], **{CONF_ALLOW_METADATA_WRITES: True})
    )
    with pytest.raises(ServiceValidationError) as unknown:
        await hass.services.async_call(
            "workplace",
            "write_zone_metadata",
            {
                "config_entry_id": entry.entry_id,
                "zone_id": "zone-nope",
                "name": "desks",
                "details": [],
            },
            blocking=True,
            context=Context(user_id=hass_admin_user.id),
        )
    assert unknown.value.translation_key == "zone_not_found"
