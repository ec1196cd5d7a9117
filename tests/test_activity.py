"""Occurrences fire exactly once: across polls, our own actions, reloads and restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.workplace.activity import ActivityType, diff, merge
from custom_components.workplace.api import Booking, BookingStatus, Guest
from tests.conftest import make_entry, setup_entry
from tests.helpers import SmallSite, book, entity_id, next_poll


async def test_changes_between_polls_fire_once(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """Booked, checked in and checked out elsewhere: each announced once, with a full payload."""
    sim, site = small_site.sim, small_site
    await setup_entry(hass, site_entry)
    booking = book(sim, site.desk1, starts_in=-60, ends_in=3600)
    await next_poll(hass, freezer)
    sim.check_in(booking)
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    sim.check_out(booking)
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["booked", "checked_in", "checked_out"]
    first = bus_events[0]
    assert first["config_entry_id"] == site_entry.entry_id
    assert first["provider"] == "placeos"
    assert first["space_id"] == site.desk1
    assert first["booking_id"] == str(booking)
    assert first["person"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert first["source"] == "poll"
    assert {"time", "start", "end", "booking_type"} <= first.keys()
    state = hass.states.get(entity_id(hass, "event", site.uid(site.desk1, "activity")))
    assert state is not None
    assert state.attributes["event_type"] == "checked_out"
    assert state.attributes["person_name"] == "Ada Lovelace"
    assert "ada@example.com" not in str(state.attributes)


async def test_nothing_fires_for_what_exists_at_start_reload_or_restart(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """State found at start-up is not news; after a restart neither; a later change is, once."""
    sim, site = small_site.sim, small_site
    checked_in = book(sim, site.desk1, starts_in=-60, ends_in=3600)
    sim.check_in(checked_in)
    cancelled = book(sim, site.desk2, starts_in=600, ends_in=3600)
    sim.delete_booking(cancelled)
    book(sim, site.room, starts_in=-60, ends_in=3600, booking_type="room")
    await setup_entry(hass, site_entry)
    await next_poll(hass, freezer)
    assert bus_events == []

    activity = entity_id(hass, "event", site.uid(site.desk1, "activity"))
    sim.check_out(checked_in)
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["checked_out"]
    last_event = hass.states.get(activity)

    assert await hass.config_entries.async_reload(site_entry.entry_id)
    await hass.async_block_till_done()
    await next_poll(hass, freezer)
    assert await hass.config_entries.async_unload(site_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(site_entry.entry_id)
    await hass.async_block_till_done()
    await next_poll(hass, freezer)
    assert [e["type"] for e in bus_events] == ["checked_out"]
    assert hass.states.get(activity).state == last_event.state


async def test_a_booking_entering_the_window_is_not_news(
    hass: HomeAssistant,
    small_site: SmallSite,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """An old booking for next week that enters the polled horizon is not announced as booked."""
    sim, site = small_site.sim, small_site
    freezer.move_to(datetime(2026, 11, 23, 8, tzinfo=dt_util.get_default_time_zone()))
    book(sim, site.desk1, starts_in=86400 + 3600, ends_in=86400 + 7200)
    freezer.tick(timedelta(minutes=5))  # made a while before Home Assistant started watching
    await setup_entry(hass, make_entry(sim, [site.building], horizon_days=1))
    assert site_entry_bookings(hass) == 0
    await next_poll(hass, freezer, timedelta(days=1, hours=1))
    assert site_entry_bookings(hass) == 1
    assert bus_events == []


def site_entry_bookings(hass: HomeAssistant) -> int:
    """How many bookings the only Workplace entry knows."""
    [entry] = hass.config_entries.async_entries("workplace")
    return len({b.id for items in entry.runtime_data.data.bookings_by_zone.values() for b in items})


def _booking(status: BookingStatus, updated: int, **extra: Any) -> Booking:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    return Booking(
        id="1",
        booking_type="desk",
        space_ids=("desk-1",),
        start=start,
        end=start + timedelta(hours=8),
        status=status,
        updated_at=start + timedelta(seconds=updated),
        created_at=start,
        **extra,
    )


def test_an_older_answer_neither_undoes_nor_repeats() -> None:
    """A poll answer older than what an action returned is ignored, so nothing fires twice."""
    since = datetime(2026, 1, 1, tzinfo=UTC)
    reserved = _booking(BookingStatus.RESERVED, 0)
    checked_in = _booking(BookingStatus.CHECKED_IN, 10)
    known = {"1": checked_in}
    merged = merge(known, {"1": reserved}, {})
    assert merged == known
    assert diff(known, merged, since=since) == []
    # An action's result that lands while a poll was under way wins over the older poll answer.
    assert merge({"1": reserved}, {"1": reserved}, {"1": checked_in}) == {"1": checked_in}
    # ...but not over a newer one.
    checked_out = _booking(BookingStatus.CHECKED_OUT, 20)
    assert merge({}, {"1": checked_out}, {"1": checked_in}) == {"1": checked_out}


def test_what_each_change_means() -> None:
    """Status changes and arrivals map to the documented occurrence types."""
    since = datetime(2026, 1, 1, tzinfo=UTC)
    pending = _booking(BookingStatus.PENDING_APPROVAL, 0)
    approved = _booking(BookingStatus.CHECKED_IN, 5)
    guest = Guest(id="g", email="v@example.com", name="Vera", checked_in=True)
    arrived = _booking(BookingStatus.CHECKED_IN, 9, guests=(guest,))
    found = diff({"1": pending}, {"1": approved}, since=since)
    assert [a.type for a in found] == [ActivityType.APPROVED, ActivityType.CHECKED_IN]
    found = diff({"1": approved}, {"1": arrived}, since=since)
    assert [(a.type, a.guest) for a in found] == [(ActivityType.GUEST_ARRIVED, guest)]
    assert diff({"1": arrived}, {"1": arrived}, since=since) == []
