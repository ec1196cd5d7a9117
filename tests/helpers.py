"""Small helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er, translation
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from tests.simulators.deskbee import DeskbeeSimulator
from tests.simulators.placeos import PlaceOSSimulator
from tests.simulators.salto import SaltoSimulator

POLL = timedelta(seconds=60)


async def next_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta = POLL
) -> None:
    """Let time pass until the coordinator polls again, and wait for it to settle."""
    freezer.tick(delta)
    async_fire_time_changed(hass)
    # Scheduled refreshes run as background tasks doing real I/O with the simulator.
    await hass.async_block_till_done(wait_background_tasks=True)


async def calendar_events(hass: HomeAssistant, calendar: str, hours: float) -> list[dict[str, Any]]:
    """The events a calendar entity lists for the next hours, as `calendar.get_events` returns."""
    response = await hass.services.async_call(
        "calendar",
        "get_events",
        {"entity_id": calendar, "duration": {"hours": hours}},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    return cast("list[dict[str, Any]]", cast("dict[str, Any]", response[calendar])["events"])


async def form_error_text(hass: HomeAssistant, result: Mapping[str, Any]) -> str:
    """The English text a config flow form shows for its error (as the frontend looks it up)."""
    texts = await translation.async_get_translations(hass, "en", "config", ["workplace"])
    [error] = result["errors"].values()
    return texts[f"component.workplace.config.error.{error}"]


def device_of(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> dr.DeviceEntry | None:
    """The entry's device with this identifier (identifiers are unique per entry only)."""
    return dr.async_get(hass).async_get_device_by_identifier(("workplace", key), entry.entry_id)


def entity_id(hass: HomeAssistant, platform: str, unique_id: str) -> str:
    """The entity id Home Assistant gave to one of our unique ids."""
    found = er.async_get(hass).async_get_entity_id(platform, "workplace", unique_id)
    assert found is not None, f"no {platform} entity with unique id {unique_id}"
    return found


@dataclass
class SmallSite:
    """A hand-made tenant: one building, two levels, three desks and an approval room."""

    sim: PlaceOSSimulator
    building: str
    level1: str
    level2: str
    desk1: str
    desk2: str
    desk3: str
    room: str

    @property
    def unique_prefix(self) -> str:
        """Prefix of our entities' unique ids (entry unique id)."""
        return f"placeos_{self.sim.authority_id}"

    def uid(self, object_id: str, key: str) -> str:
        """Unique id of one entity of a space or zone."""
        return f"{self.unique_prefix}_{object_id}_{key}"


def build_small_site(sim: PlaceOSSimulator) -> SmallSite:
    """Populate an empty simulator with a small, predictable building."""
    # The people the tests book for are in the directory, as real staff would be.
    sim.add_user("Ada Lovelace", "ada@example.com")
    sim.add_user("Grace Hopper", "grace@example.com")
    building = sim.add_building("Harbour House")
    level1 = sim.add_level(building, "Level 1")
    level2 = sim.add_level(building, "Level 2")
    return SmallSite(
        sim=sim,
        building=building,
        level1=level1,
        level2=level2,
        desk1=sim.add_desk(level1, "Desk 1.01", desk_id="desk-1-01"),
        desk2=sim.add_desk(level1, "Desk 1.02", desk_id="desk-1-02"),
        desk3=sim.add_desk(level2, "Desk 2.01", desk_id="desk-2-01"),
        room=sim.add_room(level1, "Harbour Room", capacity=8, approval=True),
    )


def book(
    sim: PlaceOSSimulator,
    space_id: str,
    *,
    starts_in: float,
    ends_in: float,
    email: str = "ada@example.com",
    name: str = "Ada Lovelace",
    booking_type: str = "desk",
    title: str | None = None,
) -> int:
    """Book a space for someone, relative to the simulator's clock; returns the booking id."""
    now = sim.clock.now()
    booking = sim.create_booking(
        asset_id=space_id,
        booking_type=booking_type,
        start=now + starts_in,
        end=now + ends_in,
        user_email=email,
        user_name=name,
        title=title,
    )
    return int(booking["id"])


@dataclass
class DeskbeeSite:
    """A hand-made Deskbee account: one building, one floor, two desks and a meeting room."""

    sim: DeskbeeSimulator
    building: str
    floor: str
    desk1: str
    desk2: str
    room: str

    def uid(self, object_id: str, key: str) -> str:
        """Unique id of one entity of a space or zone."""
        return f"deskbee_{self.sim.client_id}_{object_id}_{key}"

    def book(self, place: str, *, starts_in: float, ends_in: float, **extra: Any) -> str:
        """Book a place for Ada, relative to the simulator's clock; returns the booking uuid."""
        now = self.sim.clock.now()
        booking = self.sim.create_booking(
            place_uuid=place,
            person_email=extra.pop("person_email", "ada@example.com"),
            start=now + starts_in,
            end=now + ends_in,
            **extra,
        )
        return str(booking["uuid"])


def build_deskbee_site(sim: DeskbeeSimulator) -> DeskbeeSite:
    """Populate an empty Deskbee simulator with a small, predictable building."""
    sim.add_user("Ada Lovelace", "ada@example.com", enrollment="1001")
    sim.add_user("Grace Hopper", "grace@example.com", enrollment="1002")
    building = sim.add_building("Torre Norte")
    floor = sim.add_floor(building, "1º Andar")
    sim.add_device("turnstile-1", building)
    return DeskbeeSite(
        sim=sim,
        building=building,
        floor=floor,
        desk1=sim.add_place(floor, "EST 1.001"),
        desk2=sim.add_place(floor, "EST 1.002"),
        room=sim.add_place(floor, "Sala Jupiter", place_type="meetingroom", capacity=6),
    )


@dataclass
class SaltoSite:
    """A site with a front door, a meeting-room door and a pod over both."""

    sim: SaltoSimulator
    front: str
    room: str
    pod: str

    def uid(self, object_id: str, key: str) -> str:
        """Unique id of one entity."""
        return f"salto_ks_{self.sim.site_id}_{object_id}_{key}"


def midday_timezone(now: datetime | None = None) -> str:
    """A time zone where it is about a quarter to noon now: mid-slot in the working day.

    The scale seed books the working day in equal slots; measuring in the middle of one
    keeps bookings from all starting or ending during a measurement.
    """
    hour = (now or datetime.now(UTC)).hour + (now or datetime.now(UTC)).minute / 60
    ahead = round(11.75 - hour)
    ahead = (ahead + 12) % 24 - 12  # between -12 and +11
    # Etc/GMT names count the other way round: Etc/GMT-8 is eight hours ahead of UTC.
    return "Etc/GMT" if ahead == 0 else f"Etc/GMT{-ahead:+d}"
