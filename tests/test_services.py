"""Every action against the simulator: success, each error path, and no duplicates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conftest import make_entry, setup_entry
from tests.helpers import SmallSite, book, entity_id, next_poll

DOMAIN = "workplace"
NO_RESPONSE = ("cancel_booking", "remove_guest", "cancel_meeting", "signal", "write_zone_metadata")


@pytest.fixture
async def loaded(hass: HomeAssistant, site_entry: MockConfigEntry) -> MockConfigEntry:
    """The small site's entry, set up."""
    return await setup_entry(hass, site_entry)


async def act(
    hass: HomeAssistant, service: str, entry: MockConfigEntry, **data: Any
) -> dict[str, Any]:
    """Call one of our actions and return its response."""
    response = await hass.services.async_call(
        DOMAIN,
        service,
        {"config_entry_id": entry.entry_id, **data},
        blocking=True,
        return_response=service not in NO_RESPONSE,
    )
    await hass.async_block_till_done()
    return dict(response or {})


def in_minutes(minutes: float) -> str:
    """An ISO time relative to now."""
    return (dt_util.utcnow() + timedelta(minutes=minutes)).isoformat()


def status_of(hass: HomeAssistant, site: SmallSite, space_id: str) -> str:
    """The status sensor's state of a space."""
    state = hass.states.get(entity_id(hass, "sensor", site.uid(space_id, "status")))
    assert state is not None
    return state.state


async def test_create_booking_shows_at_once_and_fires_once(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A booking made from Home Assistant is on the desk right away; `booked` fires once."""
    site = small_site
    status = entity_id(hass, "sensor", site.uid(site.desk1, "status"))
    response = await act(
        hass,
        "create_booking",
        loaded,
        space=status,
        start=in_minutes(-1),
        end=in_minutes(120),
        user_email="Ada@Example.com",
        user_name="Ada Lovelace",
        title="Focus time",
    )
    booking = response["booking"]
    assert booking["space_id"] == site.desk1
    assert booking["space_name"] == "Desk 1.01"
    assert booking["status"] == "reserved"
    assert booking["person"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert status_of(hass, site, site.desk1) == "booked"
    assert [e["type"] for e in bus_events] == ["booked"]
    assert bus_events[0]["source"] == "action"
    assert bus_events[0]["booking_id"] == booking["id"]
    assert bus_events[0]["config_entry_id"] == loaded.entry_id
    event_state = hass.states.get(entity_id(hass, "event", site.uid(site.desk1, "activity")))
    assert event_state is not None
    assert event_state.attributes["event_type"] == "booked"

    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["booked"]
    assert len(small_site.sim.bookings) == 1


async def test_create_booking_clash_names_the_other_booking(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """409: the message says which booking holds the space."""
    other = book(
        small_site.sim, small_site.desk1, starts_in=-60, ends_in=3600, email="grace@example.com"
    )
    with pytest.raises(HomeAssistantError) as caught:
        await act(
            hass,
            "create_booking",
            loaded,
            space_id=small_site.desk1,
            start=in_minutes(0),
            end=in_minutes(30),
        )
    assert caught.value.translation_key == "conflict"
    assert f"#{other}" in str(caught.value)
    assert "Grace Hopper" in str(caught.value)
    assert len(small_site.sim.bookings) == 1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"space_id": "desk-nope"}, "space_not_found"),
        ({"space": "sensor.not_ours"}, "space_not_found"),
        ({}, "space_required"),
        ({"space_id": "desk-1-01", "end": -30}, "end_before_start"),
        ({"space_id": "desk-1-01", "user_email": "not-an-email"}, "invalid_email"),
    ],
)
async def test_create_booking_bad_input(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    data: dict[str, Any],
    key: str,
) -> None:
    """Bad input is refused with a clear, translated message and nothing is booked."""
    times = {"start": in_minutes(0), "end": in_minutes(data.pop("end", 30))}
    with pytest.raises(ServiceValidationError) as caught:
        await act(hass, "create_booking", loaded, **times, **data)
    assert caught.value.translation_key == key
    assert str(caught.value)
    assert small_site.sim.bookings == {}


async def test_unknown_and_unloaded_entries(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Actions name a loaded Workplace entry, or say what is wrong."""
    with pytest.raises(ServiceValidationError) as unknown:
        await hass.services.async_call(
            DOMAIN,
            "cancel_booking",
            {"config_entry_id": "nope", "booking_id": "1"},
            blocking=True,
        )
    assert unknown.value.translation_key == "entry_not_found"
    assert await hass.config_entries.async_unload(loaded.entry_id)
    with pytest.raises(ServiceValidationError) as unloaded:
        await act(hass, "cancel_booking", loaded, booking_id="1")
    assert unloaded.value.translation_key == "entry_not_loaded"


async def test_timed_out_create_is_reconciled_into_one_booking(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """PlaceOS books but its answer comes too late: we find the booking, never book twice."""
    sim = small_site.sim
    loaded.runtime_data.client.request_timeout = 0.3
    sim.faults.answer_late_next(2, path="/api/staff/v1/bookings")
    response = await act(
        hass,
        "create_booking",
        loaded,
        space_id=small_site.desk2,
        start=in_minutes(-1),
        end=in_minutes(60),
    )
    assert len(sim.bookings) == 1
    assert response["booking"]["id"] == str(next(iter(sim.bookings)))
    assert [
        method
        for method, path in sim.faults.requests
        if path.startswith("/api/staff/v1/bookings") and method == "POST"
    ] == ["POST"]
    assert status_of(hass, small_site, small_site.desk2) == "booked"
    assert [e["type"] for e in bus_events] == ["booked"]


async def test_dropped_create_is_reconciled(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """The connection drops after PlaceOS booked: reconciled, one booking."""
    sim = small_site.sim
    sim.faults.drop_next(path="/api/staff/v1/bookings")
    await act(
        hass,
        "create_booking",
        loaded,
        space_id=small_site.desk2,
        start=in_minutes(0),
        end=in_minutes(60),
    )
    assert len(sim.bookings) == 1


async def test_failed_create_says_nothing_was_booked(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """A 503 before booking: clearly failed, nothing booked, not retried."""
    sim = small_site.sim
    sim.faults.fail_next(503, path="/api/staff/v1/bookings")
    sim.faults.requests.clear()
    with pytest.raises(HomeAssistantError) as caught:
        await act(
            hass,
            "create_booking",
            loaded,
            space_id=small_site.desk2,
            start=in_minutes(0),
            end=in_minutes(60),
        )
    assert caught.value.translation_key == "cannot_connect"
    assert "no booking was made" in str(caught.value)
    assert sim.bookings == {}
    assert [m for m, _ in sim.faults.requests].count("POST") == 1


async def test_create_whose_check_fails_is_reported_unknown(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Answer lost and the check fails too: the user is told to look before retrying."""
    sim = small_site.sim
    sim.faults.drop_next(path="/api/staff/v1/bookings")
    sim.faults.fail_next(500, path="/api/staff/v1/bookings")
    with pytest.raises(HomeAssistantError) as caught:
        await act(
            hass,
            "create_booking",
            loaded,
            space_id=small_site.desk2,
            start=in_minutes(0),
            end=in_minutes(60),
        )
    assert caught.value.translation_key == "outcome_unknown"
    assert len(sim.bookings) == 1


async def test_timed_out_create_not_found_is_unknown(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Too slow before booking: we cannot know yet, and say so instead of guessing."""
    sim = small_site.sim
    loaded.runtime_data.client.request_timeout = 0.3
    sim.faults.delay_next(2, path="/api/staff/v1/bookings", count=1)
    with pytest.raises(HomeAssistantError) as caught:
        await act(
            hass,
            "create_booking",
            loaded,
            space_id=small_site.desk2,
            start=in_minutes(0),
            end=in_minutes(60),
        )
    assert caught.value.translation_key == "outcome_unknown"


async def test_check_in_and_out_by_space(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Check in the space's current booking, then out; entities follow at once."""
    site = small_site
    book(site.sim, site.desk1, starts_in=-60, ends_in=3600)
    await next_poll(hass, freezer)
    occupied = entity_id(hass, "binary_sensor", site.uid(site.desk1, "occupied"))
    response = await act(hass, "check_in", loaded, space_id=site.desk1)
    assert response["booking"]["status"] == "checked_in"
    assert hass.states.get(occupied).state == "on"
    response = await act(hass, "check_out", loaded, space=occupied)
    assert response["booking"]["status"] == "checked_out"
    assert status_of(hass, site, site.desk1) == "free"
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["booked", "checked_in", "checked_out"]
    assert [e["source"] for e in bus_events] == ["poll", "action", "action"]


async def test_check_in_errors(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Too early (405), no booking now, unknown booking: each has its own message."""
    site = small_site
    early = book(site.sim, site.desk1, starts_in=3 * 3600, ends_in=4 * 3600)
    with pytest.raises(HomeAssistantError) as too_early:
        await act(hass, "check_in", loaded, booking_id=early)
    assert too_early.value.translation_key == "not_allowed"
    assert "hour" in str(too_early.value)
    with pytest.raises(ServiceValidationError) as nothing_now:
        await act(hass, "check_in", loaded, space_id=site.desk2)
    assert nothing_now.value.translation_key == "no_current_booking"
    with pytest.raises(ServiceValidationError) as unknown:
        await act(hass, "check_in", loaded, booking_id="999999")
    assert unknown.value.translation_key == "booking_not_found"
    with pytest.raises(ServiceValidationError) as neither:
        await act(hass, "check_in", loaded)
    assert neither.value.translation_key == "booking_required"


async def test_approve_and_reject(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A pending room booking is approved (booked) or rejected (free), each announced once."""
    site = small_site
    first = book(site.sim, site.room, starts_in=-60, ends_in=3600, booking_type="room")
    await next_poll(hass, freezer)
    assert status_of(hass, site, site.room) == "pending_approval"
    await act(hass, "approve_booking", loaded, booking_id=first)
    assert status_of(hass, site, site.room) == "booked"
    await act(hass, "reject_booking", loaded, booking_id=first)
    assert status_of(hass, site, site.room) == "free"
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["booked", "approved", "rejected"]


async def test_cancel_and_update(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Moving a booking away frees the desk; cancelling announces it once."""
    site = small_site
    booking = book(site.sim, site.desk1, starts_in=-60, ends_in=3600)
    await next_poll(hass, freezer)
    response = await act(
        hass,
        "update_booking",
        loaded,
        booking_id=booking,
        start=in_minutes(60),
        end=in_minutes(120),
        title="Later",
    )
    assert response["booking"]["title"] == "Later"
    assert status_of(hass, site, site.desk1) == "free"
    await act(hass, "cancel_booking", loaded, booking_id=booking)
    assert site.sim.booking(booking)["deleted"] is True
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["booked", "cancelled"]
    with pytest.raises(ServiceValidationError):
        await act(hass, "cancel_booking", loaded, booking_id="424242")


async def test_update_into_a_clash(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Moving onto a booked desk is refused with the clash named."""
    site = small_site
    mine = book(site.sim, site.desk1, starts_in=0, ends_in=3600)
    theirs = book(site.sim, site.desk2, starts_in=0, ends_in=3600, name="Grace Hopper")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "update_booking", loaded, booking_id=mine, space_id=site.desk2)
    assert f"#{theirs}" in str(caught.value)


async def test_list_bookings(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Today's bookings, by space, person or zone."""
    site = small_site
    book(site.sim, site.desk1, starts_in=60, ends_in=600)
    book(site.sim, site.desk3, starts_in=60, ends_in=600, email="grace@example.com", name="Grace")
    everything = await act(hass, "list_bookings", loaded)
    assert len(everything["bookings"]) == 2
    graces = await act(hass, "list_bookings", loaded, user_email="grace@example.com")
    assert [b["space_id"] for b in graces["bookings"]] == [site.desk3]
    desk1 = await act(hass, "list_bookings", loaded, space_id=site.desk1)
    assert [b["space_id"] for b in desk1["bookings"]] == [site.desk1]
    level2 = await act(hass, "list_bookings", loaded, zone_id=site.level2)
    assert [b["space_id"] for b in level2["bookings"]] == [site.desk3]
    with pytest.raises(ServiceValidationError) as bad_zone:
        await act(hass, "list_bookings", loaded, zone_id="zone-nope")
    assert bad_zone.value.translation_key == "zone_not_found"
    with pytest.raises(ServiceValidationError) as bad_door_zone:
        await act(hass, "report_access", loaded, person="ada@example.com", zone_id="zone-nope")
    assert bad_door_zone.value.translation_key == "zone_not_found"
    with pytest.raises(ServiceValidationError) as backwards:
        await act(hass, "list_bookings", loaded, start=in_minutes(60), end=in_minutes(0))
    assert backwards.value.translation_key == "end_before_start"


async def test_guests(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Add a visitor (once, even when the answer is lost), see them arrive, remove them."""
    site = small_site
    booking = book(site.sim, site.room, starts_in=-60, ends_in=3600, booking_type="room")
    await next_poll(hass, freezer)
    site.sim.faults.drop_next(path=f"/api/staff/v1/bookings/{booking}/attendee")
    response = await act(
        hass,
        "add_guest",
        loaded,
        booking_id=booking,
        email="Visitor@Example.com",
        name="Vera Visitor",
        organisation="Acme",
    )
    assert response["guest"]["email"] == "visitor@example.com"
    assert [g["email"] for g in site.sim.booking(booking)["attendees"]] == ["visitor@example.com"]
    again = await act(
        hass,
        "add_guest",
        loaded,
        booking_id=booking,
        email="visitor@example.com",
        name="Vera V. Visitor",
        organisation="Acme Corp",
    )
    assert again["guest"]["name"] == "Vera V. Visitor"
    assert again["guest"]["organisation"] == "Acme Corp"
    assert len(site.sim.booking(booking)["attendees"]) == 1
    sim_guests = site.sim.booking(booking)["guests"]
    assert sim_guests[0]["name"] == "Vera V. Visitor"

    site.sim.check_in_guest(booking, "visitor@example.com")
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    arrivals = [e for e in bus_events if e["type"] == "guest_arrived"]
    assert len(arrivals) == 1
    assert arrivals[0]["guest"] == {"name": "Vera V. Visitor", "email": "visitor@example.com"}

    await act(hass, "remove_guest", loaded, space_id=site.room, email="visitor@example.com")
    assert site.sim.booking(booking)["attendees"] == []


async def test_report_access(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A person seen at the door gets today's booking checked in; nobody matched is not an error."""
    site = small_site
    booking = book(site.sim, site.desk3, starts_in=20 * 60, ends_in=4 * 3600)
    await next_poll(hass, freezer)
    nothing = await act(hass, "report_access", loaded, person="nobody@example.com")
    assert nothing == {"matched": None}
    elsewhere = await act(
        hass, "report_access", loaded, person="ada@example.com", zone_id=site.level1
    )
    assert elsewhere == {"matched": None}
    matched = await act(
        hass, "report_access", loaded, person="ADA@example.com", zone_id=site.level2
    )
    assert matched["matched"]["id"] == str(booking)
    assert matched["matched"]["status"] == "checked_in"
    left = await act(hass, "report_access", loaded, person="ada@example.com", direction="out")
    assert left["matched"]["status"] == "checked_out"


async def test_remote_refusals_are_explained(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """403, 410, 422, 429, 401 and outages each get their own message; 401 starts reauth."""
    site = small_site
    booking = book(site.sim, site.desk1, starts_in=-60, ends_in=3600)
    cases = [
        (403, b"", "no_permission"),
        (409, b'{"error":"Conflicting booking","bookings":[]}', "conflict"),
        (410, b'{"error":"Booking limit reached","limit":1}', "limit_reached"),
        (
            422,
            b'{"error":"bad","failures":[{"field":"booking_end","reason":"too far"}]}',
            "rejected",
        ),
        (429, b'{"error":"slow down"}', "rate_limited_action"),
        (302, b"", "unexpected"),
        (401, b'{"error":"unknown X-API-Key"}', "invalid_auth"),
    ]
    for status, body, key in cases:
        site.sim.faults.fail_next(status, body=body, path=f"/api/staff/v1/bookings/{booking}")
        with pytest.raises(HomeAssistantError) as caught:
            await act(hass, "approve_booking", loaded, booking_id=booking)
        assert caught.value.translation_key == key, status
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_a_plain_user_key_cannot_check_in_others(
    hass: HomeAssistant, small_site: SmallSite
) -> None:
    """PlaceOS's real 403 for someone else's booking reaches the user as a clear message."""
    sim = small_site.sim
    user = sim.add_user("Plain User", "plain@example.com")
    entry = make_entry(sim, [small_site.building])
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "api_key": sim.issue_key(user)}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    booking = book(sim, small_site.desk1, starts_in=-60, ends_in=3600)
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "check_in", entry, booking_id=booking)
    assert caught.value.translation_key == "no_permission"


async def test_booking_limit_from_the_server(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """PlaceOS's own booking limit is explained with the number."""
    sim = small_site.sim
    sim.booking_limits["desk"] = 1
    await act(
        hass,
        "create_booking",
        loaded,
        space_id=small_site.desk1,
        start=in_minutes(0),
        end=in_minutes(60),
        user_email="ada@example.com",
    )
    with pytest.raises(HomeAssistantError) as caught:
        await act(
            hass,
            "create_booking",
            loaded,
            space_id=small_site.desk2,
            start=in_minutes(0),
            end=in_minutes(60),
            user_email="ada@example.com",
        )
    assert caught.value.translation_key == "limit_reached"
    assert "1" in str(caught.value)
    assert len(sim.bookings) == 1


async def test_calendar_create_and_delete(
    hass: HomeAssistant,
    small_site: SmallSite,
    loaded: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """An event in a level's calendar books the desk in its location; deleting cancels it."""
    site = small_site
    calendar = entity_id(hass, "calendar", site.uid(site.level1, "bookings"))
    start = dt_util.now().replace(microsecond=0) + timedelta(hours=1)
    await hass.services.async_call(
        "calendar",
        "create_event",
        {
            "entity_id": calendar,
            "summary": "Workshop prep",
            "location": "desk 1.02",
            "start_date_time": start.isoformat(),
            "end_date_time": (start + timedelta(hours=1)).isoformat(),
        },
        blocking=True,
    )
    await hass.async_block_till_done()
    [booking] = site.sim.bookings.values()
    rendered = site.sim.booking(booking.id)
    assert rendered["asset_id"] == site.desk2
    assert rendered["title"] == "Workshop prep"
    assert [e["type"] for e in bus_events] == ["booked"]

    with pytest.raises(ServiceValidationError) as nowhere:
        await hass.services.async_call(
            "calendar",
            "create_event",
            {
                "entity_id": calendar,
                "summary": "x",
                "location": "Desk 2.01",
                "start_date_time": start.isoformat(),
                "end_date_time": (start + timedelta(hours=1)).isoformat(),
            },
            blocking=True,
        )
    assert nowhere.value.translation_key == "calendar_space_required"
    with pytest.raises(ServiceValidationError) as all_day:
        await hass.services.async_call(
            "calendar",
            "create_event",
            {
                "entity_id": calendar,
                "summary": "x",
                "location": "Desk 1.02",
                "start_date": start.date().isoformat(),
                "end_date": (start + timedelta(days=1)).date().isoformat(),
            },
            blocking=True,
        )
    assert all_day.value.translation_key == "calendar_all_day"

    entity = hass.data["calendar"].get_entity(calendar)
    await entity.async_delete_event(str(booking.id))
    await hass.async_block_till_done()
    assert site.sim.booking(booking.id)["deleted"] is True
    assert [e["type"] for e in bus_events] == ["booked", "cancelled"]


async def test_local_times_and_lost_cancels(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """Times without a zone are local; a cancel whose answer is lost is checked, not repeated."""
    sim, site = small_site.sim, small_site
    start = dt_util.now().replace(microsecond=0, tzinfo=None) + timedelta(hours=1)
    response = await act(
        hass,
        "create_booking",
        loaded,
        space_id=site.desk1,
        start=start.isoformat(sep=" "),
        end=(start + timedelta(hours=1)).isoformat(sep=" "),
    )
    booking = response["booking"]
    expected = start.replace(tzinfo=dt_util.get_default_time_zone())
    assert datetime.fromisoformat(booking["start"]) == expected

    sim.faults.drop_next(path=f"/api/staff/v1/bookings/{booking['id']}")
    await act(hass, "cancel_booking", loaded, booking_id=booking["id"])
    assert sim.booking(int(booking["id"]))["deleted"] is True

    other = book(sim, site.desk2, starts_in=3600, ends_in=7200)
    sim.faults.fail_next(502, path=f"/api/staff/v1/bookings/{other}")
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "cancel_booking", loaded, booking_id=other)
    assert "not cancelled" in str(caught.value)
    assert sim.booking(other)["deleted"] is False


async def test_guest_not_added_when_the_server_failed(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """A 503 on adding a guest: checked, not there, clearly failed, not retried."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk1, starts_in=-60, ends_in=3600)
    sim.faults.fail_next(503, path=f"/api/staff/v1/bookings/{booking}/attendee")
    sim.faults.requests.clear()
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "add_guest", loaded, booking_id=booking, email="v@example.com", name="V")
    assert "the guest was not added" in str(caught.value)
    assert [m for m, p in sim.faults.requests if p.endswith("/attendee")] == ["POST"]
    assert sim.booking(booking)["attendees"] == []


async def test_guest_refused_by_placeos(
    hass: HomeAssistant, small_site: SmallSite, loaded: MockConfigEntry
) -> None:
    """A 400 for a guest who is not on the booking is PlaceOS's refusal, shown as such."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk1, starts_in=-60, ends_in=3600)
    sim.faults.fail_next(
        400, path=f"/api/staff/v1/bookings/{booking}/attendee", body=b'{"error":"banned guest"}'
    )
    with pytest.raises(HomeAssistantError) as caught:
        await act(hass, "add_guest", loaded, booking_id=booking, email="x@example.com", name="X")
    assert caught.value.translation_key == "rejected"
    assert "banned guest" in str(caught.value)
