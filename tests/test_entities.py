"""Entities follow the building as the simulated clock moves."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_STATE_CHANGED, STATE_OFF, STATE_ON
from homeassistant.core import Event, EventStateChangedData, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from tests.conftest import make_entry, setup_entry
from tests.helpers import SmallSite, book, calendar_events, device_of, entity_id, next_poll
from tests.simulators.placeos import PlaceOSSimulator
from tests.test_services import act


async def test_desk_goes_free_booked_checked_in_free(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A desk's status, occupancy and its level's counters follow one booking's life."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk1, starts_in=1800, ends_in=7200)
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", site.uid(site.desk1, "status"))
    occupied = entity_id(hass, "binary_sensor", site.uid(site.desk1, "occupied"))
    checked_in = entity_id(hass, "sensor", site.uid(site.level1, "checked_in"))
    free = entity_id(hass, "sensor", site.uid(site.level1, "free_spaces"))

    state = hass.states.get(status)
    assert state is not None
    assert state.state == "free"
    assert state.attributes["booking_id"] is None
    assert state.attributes["next_booking_start"] is not None
    assert hass.states.get(free).state == "3"  # two desks and the room on level 1

    await next_poll(hass, freezer, timedelta(minutes=30))
    state = hass.states.get(status)
    assert state.state == "booked"
    assert state.attributes["booking_id"] == str(booking)
    assert state.attributes["booked_for"] == "Ada Lovelace"
    assert "ada@example.com" not in str(state.attributes)
    assert hass.states.get(occupied).state == STATE_OFF
    assert hass.states.get(free).state == "2"

    sim.check_in(booking)
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == "checked_in"
    assert hass.states.get(occupied).state == STATE_ON
    assert hass.states.get(checked_in).state == "1"

    sim.check_out(booking)
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == "free"
    assert hass.states.get(occupied).state == STATE_OFF
    assert hass.states.get(checked_in).state == "0"
    assert hass.states.get(free).state == "3"


async def test_room_waiting_for_approval(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A booking of an approval room shows pending until approved, and is not counted free."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.room, starts_in=-60, ends_in=3600, booking_type="room")
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", site.uid(site.room, "status"))
    assert hass.states.get(status).state == "pending_approval"

    sim.approve(booking)
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == "booked"

    sim.reject(booking)
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == "free"


async def test_booking_that_ends_frees_the_desk(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """When a checked-in booking's end passes, the desk is free again."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk2, starts_in=-60, ends_in=600)
    sim.check_in(booking)
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", site.uid(site.desk2, "status"))
    assert hass.states.get(status).state == "checked_in"

    await next_poll(hass, freezer, timedelta(minutes=11))
    assert hass.states.get(status).state == "free"


async def test_zone_counters_and_calendar(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
) -> None:
    """Levels and the building count today's bookings; the calendar lists them."""
    sim, site = small_site.sim, small_site
    book(sim, site.desk1, starts_in=-60, ends_in=3600)
    book(
        sim,
        site.desk3,
        starts_in=600,
        ends_in=1200,
        email="grace@example.com",
        name="Grace Hopper",
        title="Pairing",
    )
    cancelled = book(sim, site.desk2, starts_in=60, ends_in=600)
    sim.delete_booking(cancelled)
    await setup_entry(hass, site_entry)

    level1_today = entity_id(hass, "sensor", site.uid(site.level1, "bookings_today"))
    building_today = entity_id(hass, "sensor", site.uid(site.building, "bookings_today"))
    assert hass.states.get(level1_today).state == "1"
    assert hass.states.get(building_today).state == "2"

    calendar = entity_id(hass, "calendar", site.uid(site.level2, "bookings"))
    state = hass.states.get(calendar)
    assert state.state == STATE_OFF  # Grace's booking starts in ten minutes
    assert state.attributes["message"] == "Desk 2.01 · Grace Hopper"
    assert state.attributes["description"] == "Pairing"

    events = await calendar_events(hass, calendar, 2)
    assert [event["summary"] for event in events] == ["Desk 2.01 · Grace Hopper"]

    level1_calendar = entity_id(hass, "calendar", site.uid(site.level1, "bookings"))
    assert hass.states.get(level1_calendar).state == STATE_ON  # Ada's booking is on now


async def test_an_open_calendar_view_shows_a_new_booking_at_once(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    entity_registry: er.EntityRegistry,
) -> None:
    """A booking later than the next one changes no state, yet an open calendar shows it.

    Bookings calendars start blue in Home Assistant's calendar view. No frozen clock here:
    the bound on waiting for the frontend's message needs the event loop's clock to run.
    """
    sim, site = small_site.sim, small_site
    book(
        sim, site.desk3, starts_in=600, ends_in=1200, email="grace@example.com", name="Grace Hopper"
    )
    await setup_entry(hass, site_entry)
    calendar = entity_id(hass, "calendar", site.uid(site.level2, "bookings"))
    registered = entity_registry.async_get(calendar)
    assert registered is not None
    assert registered.options["calendar"]["color"] == "#03a9f4"

    client = await hass_ws_client(hass)
    now = dt_util.now()
    await client.send_json_auto_id(
        {
            "type": "calendar/event/subscribe",
            "entity_id": calendar,
            "start": now.isoformat(),
            "end": (now + timedelta(hours=12)).isoformat(),
        }
    )
    async with asyncio.timeout(10):  # a bound against hanging, not a measurement
        assert (await client.receive_json())["success"]
        shown = await client.receive_json()
    assert [e["summary"] for e in shown["event"]["events"]] == ["Desk 2.01 · Grace Hopper"]
    state_before = hass.states.get(calendar)

    book(
        sim, site.desk3, starts_in=7200, ends_in=9000, email="alan@example.com", name="Alan Turing"
    )
    await site_entry.runtime_data.async_refresh()
    async with asyncio.timeout(10):
        shown = await client.receive_json()
    assert [e["summary"] for e in shown["event"]["events"]] == [
        "Desk 2.01 · Grace Hopper",
        "Desk 2.01 · Alan Turing",
    ]
    assert hass.states.get(calendar) == state_before  # still Grace's booking next


async def test_a_renamed_desk_keeps_following_its_bookings(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    entity_registry: er.EntityRegistry,
) -> None:
    """A user renames a desk's status sensor: the new id shows the next booking, the old is gone."""
    sim, site = small_site.sim, small_site
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", site.uid(site.desk1, "status"))
    assert hass.states.get(status).state == "free"
    entity_registry.async_update_entity(status, new_entity_id="sensor.window_desk")
    await hass.async_block_till_done()
    assert hass.states.get(status) is None
    assert hass.states.get("sensor.window_desk").state == "free"

    book(sim, site.desk1, starts_in=-60, ends_in=3600)
    await next_poll(hass, freezer)
    assert hass.states.get("sensor.window_desk").state == "booked"


def state_changes(hass: HomeAssistant) -> list[str]:
    """The entity ids of every state change from now on, in order."""
    changes: list[str] = []

    def record(event: Event[EventStateChangedData]) -> None:
        changes.append(event.data["entity_id"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    return changes


def desk1_check_in_writes(hass: HomeAssistant, site: SmallSite) -> list[str]:
    """What a check-in on desk 1 changes: that desk and the checked-in counters above it."""
    return sorted(
        [
            entity_id(hass, "sensor", site.uid(site.desk1, "status")),
            entity_id(hass, "binary_sensor", site.uid(site.desk1, "occupied")),
            entity_id(hass, "event", site.uid(site.desk1, "activity")),
            entity_id(hass, "sensor", site.uid(site.level1, "checked_in")),
            entity_id(hass, "sensor", site.uid(site.building, "checked_in")),
        ]
    )


async def test_idle_poll_writes_no_state(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A poll in which nothing changed writes nothing; one change writes only what it touched."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk1, starts_in=-60, ends_in=7200)
    await setup_entry(hass, site_entry)
    changes = state_changes(hass)
    await next_poll(hass, freezer)
    assert changes == []

    sim.check_in(booking)
    await next_poll(hass, freezer)
    assert sorted(changes) == desk1_check_in_writes(hass, site)


async def test_a_booking_gone_from_the_server_frees_its_desk(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A booking the server no longer lists (purged, not cancelled) stops holding the desk."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk1, starts_in=-60, ends_in=7200)
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", site.uid(site.desk1, "status"))
    assert hass.states.get(status).state == "booked"
    sim.tenant.bookings.forget(booking)
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == "free"


async def test_a_command_writes_only_what_it_touched(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A check-in through the action updates that desk and its zones, no other entity."""
    sim, site = small_site.sim, small_site
    booking = book(sim, site.desk1, starts_in=-60, ends_in=7200)
    book(sim, site.desk2, starts_in=-60, ends_in=7200)
    await setup_entry(hass, site_entry)
    changes = state_changes(hass)
    await act(hass, "check_in", site_entry, booking_id=booking)
    await hass.async_block_till_done()
    assert sorted(changes) == desk1_check_in_writes(hass, site)


async def test_spaces_appear_and_disappear_without_restart(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A desk added on the server gets entities at the next poll; a removed one loses its device."""
    sim, site = small_site.sim, small_site
    book(sim, site.desk2, starts_in=-60, ends_in=7200)
    await setup_entry(hass, site_entry)
    new_desk = sim.add_desk(site.level2, "Desk 2.02", desk_id="desk-2-02")
    await next_poll(hass, freezer)
    new_status = entity_id(hass, "sensor", site.uid(new_desk, "status"))
    assert hass.states.get(new_status).state == "free"
    desk2 = entity_id(hass, "sensor", site.uid(site.desk2, "status"))
    assert hass.states.get(desk2).state == "booked"  # the known booking outlived the change
    device = device_of(hass, site_entry, f"{site.unique_prefix}_{new_desk}")
    assert device is not None
    assert device.name == "Desk 2.02"
    level_device = device_of(hass, site_entry, f"{site.unique_prefix}_{site.level2}")
    assert device.via_device_id == level_device.id

    sim.remove_desk(site.level1, site.desk1)
    await next_poll(hass, freezer)
    assert device_of(hass, site_entry, f"{site.unique_prefix}_{site.desk1}") is None
    assert hass.states.get(entity_id(hass, "sensor", site.uid(site.desk2, "status"))) is not None


async def test_space_entities_can_be_turned_off(hass: HomeAssistant, small_site: SmallSite) -> None:
    """With per-space entities off, only zones and the account get entities."""
    entry = await setup_entry(
        hass, make_entry(small_site.sim, [small_site.level1], space_entities=False)
    )
    states = hass.states.async_all()
    assert not [s for s in states if s.entity_id.endswith("_status")]
    assert [s for s in states if s.entity_id.startswith("calendar.")]
    assert entry.state.value == "loaded"


async def test_seeded_campus_names_are_unambiguous(
    hass: HomeAssistant, placeos: PlaceOSSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Two buildings both have a "Desk 1.01": each gets its building in the name, stably."""
    buildings = placeos.building_ids()
    entry = await setup_entry(hass, make_entry(placeos, buildings))
    statuses = [
        state
        for state in hass.states.async_all("sensor")
        if state.attributes.get("device_class") == "enum"
    ]
    assert len(statuses) == len(placeos.desk_ids()) + len(placeos.room_ids())
    assert not [state.entity_id for state in statuses if state.entity_id[-2:-1] == "_"]
    names = [state.name for state in statuses]
    assert len(set(names)) == len(names)
    assert any(name.startswith(placeos.zone_name(buildings[0])) for name in names)
    assert "non existing `via_device`" not in caplog.text
    assert entry.runtime_data.data.zone_states


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_last_update_sensor(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The account's diagnostic sensor shows the last good poll and stays available in outages."""
    await setup_entry(hass, site_entry)
    last_update = entity_id(hass, "sensor", f"{small_site.unique_prefix}_last_update")
    first = hass.states.get(last_update).state
    await next_poll(hass, freezer)
    second = hass.states.get(last_update).state
    assert second > first
    assert hass.states.get(last_update).attributes["rate_limited_until"] is None
    small_site.sim.faults.fail_next(
        429, path="/api/staff/v1/bookings", headers={"Retry-After": "300"}
    )
    await next_poll(hass, freezer)
    until = datetime.fromisoformat(hass.states.get(last_update).attributes["rate_limited_until"])
    assert until == dt_util.utcnow() + timedelta(seconds=300)
    await next_poll(hass, freezer, timedelta(seconds=300))
    assert hass.states.get(last_update).attributes["rate_limited_until"] is None
    await small_site.sim.go_down()
    await next_poll(hass, freezer)
    assert hass.states.get(last_update).state > second
    outage = hass.states.get(last_update)
    await next_poll(hass, freezer)
    assert hass.states.get(last_update) == outage


async def test_a_poll_needs_no_per_space_requests(
    hass: HomeAssistant, placeos: PlaceOSSimulator
) -> None:
    """150 desks and 12 rooms in two buildings cost 10 requests a poll, whatever their number.

    2 zone listings, per building one desk-metadata and one room query, one bookings query per
    booking type (desk, room) for both buildings at once, one for the rooms' meetings and one
    for today's visitors; each fits in one page.
    """
    entry = await setup_entry(hass, make_entry(placeos, placeos.building_ids()))
    placeos.faults.requests.clear()
    await entry.runtime_data.async_refresh()
    paths = sorted(path.split("?")[0] for _, path in placeos.faults.requests)
    assert len(paths) == 10
    assert paths.count("/api/staff/v1/bookings") == 2
    assert paths.count("/api/staff/v1/events") == 1
    assert paths.count("/api/staff/v1/guests") == 1
    assert len(entry.runtime_data.data.spaces) == 162
