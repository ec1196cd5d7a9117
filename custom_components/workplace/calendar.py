"""A calendar per building and level: its bookings as events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.calendar import CalendarEntity, CalendarEvent
from homeassistant.components.calendar.const import (
    EVENT_END,
    EVENT_LOCATION,
    EVENT_START,
    EVENT_SUMMARY,
    CalendarEntityFeature,
)
from homeassistant.helpers.entity import EntityDescription
from homeassistant.util import dt as dt_util

from .entity import ZoneEntity, add_entities_as_they_appear
from .errors import invalid, remote_errors

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Booking, Space, Zone
    from .coordinator import WorkplaceConfigEntry

PARALLEL_UPDATES = 1

BOOKINGS = EntityDescription(key="bookings", translation_key="bookings")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a bookings calendar per zone, including zones that appear later."""

    def zone_calendars(zone: Zone) -> list[ZoneBookingsCalendar]:
        return [ZoneBookingsCalendar(entry.runtime_data, BOOKINGS, zone)]

    add_entities_as_they_appear(entry, async_add_entities, zone_entities=zone_calendars)


class ZoneBookingsCalendar(ZoneEntity, CalendarEntity):
    """The zone's active bookings within the polled horizon, as calendar events.

    Creating an event books the space named in its location; deleting one cancels the booking.
    """

    _attr_supported_features = (
        CalendarEntityFeature.CREATE_EVENT | CalendarEntityFeature.DELETE_EVENT
    )

    @property
    def event(self) -> CalendarEvent | None:
        """The booking happening now, or else the next one."""
        now = dt_util.utcnow()
        upcoming = (b for b in self._bookings() if b.end > now)
        booking = next(upcoming, None)
        return self._event(booking) if booking else None

    @property
    def shown(self) -> object:
        """The calendar's state follows the current or next booking."""
        return self.event

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """The bookings that overlap the asked period."""
        return [
            self._event(booking)
            for booking in self._bookings()
            if booking.overlaps(start_date, end_date)
        ]

    async def async_create_event(self, **kwargs: Any) -> None:
        """Book the space the event's location names, for the event's time."""
        start, end = kwargs[EVENT_START], kwargs[EVENT_END]
        if not isinstance(start, datetime) or not isinstance(end, datetime):
            raise invalid("calendar_all_day")
        space = self._space_named(kwargs.get(EVENT_LOCATION))
        async with remote_errors(self.coordinator.config_entry):
            booking = await self.coordinator.client.create_booking(
                space=space,
                start=dt_util.as_utc(start),
                end=dt_util.as_utc(end),
                title=kwargs.get(EVENT_SUMMARY) or None,
            )
        self.coordinator.async_apply(booking)

    async def async_delete_event(
        self,
        uid: str,
        recurrence_id: str | None = None,
        recurrence_range: str | None = None,
    ) -> None:
        """Cancel the booking behind the event."""
        async with remote_errors(self.coordinator.config_entry):
            await self.coordinator.client.cancel_booking(uid)
            booking = await self.coordinator.client.get_booking(uid)
        self.coordinator.async_apply(booking)

    def _space_named(self, location: str | None) -> Space:
        """The zone's space whose id or name the location gives (case-insensitive)."""
        wanted = (location or "").strip().casefold()
        snapshot = self.coordinator.data
        for space in snapshot.spaces.values():
            if self.zone_id not in (space.zone_id, space.building_id):
                continue
            names = {space.id, space.name, snapshot.space_names.get(space.id, space.name)}
            if wanted in {name.casefold() for name in names}:
                return space
        raise invalid("calendar_space_required")

    def _bookings(self) -> list[Booking]:
        return [
            booking
            for booking in self.coordinator.data.bookings_by_zone.get(self.zone_id, ())
            if booking.is_active
        ]

    def _event(self, booking: Booking) -> CalendarEvent:
        spaces = self.coordinator.data.spaces
        where = ", ".join(
            spaces[space_id].name if space_id in spaces else space_id
            for space_id in booking.space_ids
        )
        who = booking.person.name or booking.person.email or ""
        return CalendarEvent(
            start=booking.start,
            end=booking.end,
            summary=" · ".join(part for part in (where, who) if part) or booking.booking_type,
            description=booking.title,
            location=where or None,
            uid=booking.id,
        )
