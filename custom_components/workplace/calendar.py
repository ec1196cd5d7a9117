"""A calendar per building and level: its bookings as events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.components.calendar.const import (
    EVENT_LOCATION,
    EVENT_SUMMARY,
    CalendarEntityFeature,
)
from homeassistant.util import dt as dt_util

from .api import MEETING, PlaceOSClient, SpaceKind
from .commands import book_from_event, cancel, event_times
from .entity import SpaceEntity, ZoneEntity, add_entities_as_they_appear
from .errors import invalid, remote_errors

if TYPE_CHECKING:
    from collections.abc import Iterator

    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Booking, Space, Zone
    from .coordinator import WorkplaceConfigEntry

PARALLEL_UPDATES = 1

# The colours a new calendar gets in Home Assistant's calendar view (the user can change them):
# desk and room bookings in blue, meetings in purple, so the two read apart side by side.
BOOKINGS = CalendarEntityDescription(
    key="bookings", translation_key="bookings", initial_color="#03a9f4"
)
MEETINGS = CalendarEntityDescription(
    key="meetings", translation_key="meetings", initial_color="#9c27b0"
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a bookings calendar per zone, including zones that appear later."""

    def zone_calendars(zone: Zone) -> list[ZoneBookingsCalendar]:
        return [ZoneBookingsCalendar(entry.runtime_data, BOOKINGS, zone)]

    def room_calendars(space: Space) -> list[RoomCalendar]:
        if space.kind is not SpaceKind.ROOM:
            return []
        return [RoomCalendar(entry.runtime_data, MEETINGS, space)]

    add_entities_as_they_appear(
        entry, async_add_entities, zone_entities=zone_calendars, space_entities=room_calendars
    )


class ZoneBookingsCalendar(ZoneEntity, CalendarEntity):
    """The zone's active bookings within the polled horizon, as calendar events.

    Whenever they change (a poll, a push, our own write) the state is written, which also
    refreshes the calendar views open in the frontend (Home Assistant's event listeners).

    Creating an event books the space named in its location; deleting one cancels the booking.
    """

    _attr_supported_features = (
        CalendarEntityFeature.CREATE_EVENT | CalendarEntityFeature.DELETE_EVENT
    )

    @property
    def event(self) -> CalendarEvent | None:
        """The booking happening now, or else the next one."""
        now = dt_util.utcnow()
        booking = next((b for b in self._bookings() if b.end > now), None)
        return self._event(booking) if booking else None

    @property
    def shown(self) -> object:
        """The current or next booking, and every booking an open calendar view may show."""
        return self.event, self.coordinator.data.bookings_by_zone.get(self.zone_id)

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
        event_times(kwargs)  # a whole-day event is refused first, whatever its location
        space = self._space_named(kwargs.get(EVENT_LOCATION))
        await book_from_event(self.coordinator, space, kwargs)

    async def async_delete_event(
        self,
        uid: str,
        recurrence_id: str | None = None,
        recurrence_range: str | None = None,
    ) -> None:
        """Cancel the booking behind the event."""
        await cancel(self.coordinator, uid, system_id=None)

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

    def _bookings(self) -> Iterator[Booking]:
        """The zone's active bookings by start (lazily: the next one is usually near)."""
        return (
            booking
            for booking in self.coordinator.data.bookings_by_zone.get(self.zone_id, ())
            if booking.is_active
        )

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


class RoomCalendar(SpaceEntity, CalendarEntity):
    """A meeting room's meetings and bookings.

    Deleting an event cancels the meeting (or booking); moving or renaming a meeting changes it
    in the room's calendar; creating an event books the room.
    """

    _attr_supported_features = (
        CalendarEntityFeature.CREATE_EVENT
        | CalendarEntityFeature.DELETE_EVENT
        | CalendarEntityFeature.UPDATE_EVENT
    )

    @property
    def event(self) -> CalendarEvent | None:
        """The meeting happening now, or else the next one."""
        now = dt_util.utcnow()
        booking = next((b for b in self._bookings() if b.end > now), None)
        return _room_event(booking) if booking else None

    @property
    def shown(self) -> object:
        """The current or next meeting, and every meeting an open calendar view may show."""
        return self.event, self.coordinator.data.bookings_by_space.get(self.space_id)

    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """The room's meetings and bookings that overlap the asked period."""
        return [_room_event(b) for b in self._bookings() if b.overlaps(start_date, end_date)]

    async def async_create_event(self, **kwargs: Any) -> None:
        """Book the room for the event's time."""
        await book_from_event(self.coordinator, self.coordinator.data.spaces[self.space_id], kwargs)

    async def async_update_event(
        self,
        uid: str,
        event: dict[str, Any],
        recurrence_id: str | None = None,
        recurrence_range: str | None = None,
    ) -> None:
        """Move or rename the meeting (or booking) behind the event."""
        start, end = event_times(event)
        client = self.coordinator.client
        known = self.coordinator.find_booking(uid)
        async with remote_errors(self.coordinator.config_entry):
            if (
                known is not None
                and known.booking_type == MEETING
                and isinstance(client, PlaceOSClient)
            ):
                booking = await client.update_meeting(
                    uid,
                    system_id=self.space_id,
                    start=start,
                    end=end,
                    title=event.get(EVENT_SUMMARY),
                )
            else:
                booking = await client.update_booking(
                    uid, start=start, end=end, title=event.get(EVENT_SUMMARY)
                )
        self.coordinator.async_apply(booking)

    async def async_delete_event(
        self,
        uid: str,
        recurrence_id: str | None = None,
        recurrence_range: str | None = None,
    ) -> None:
        """Cancel the meeting (or booking) behind the event."""
        await cancel(self.coordinator, uid, system_id=self.space_id)

    def _bookings(self) -> Iterator[Booking]:
        """The room's active bookings and meetings by start."""
        return (
            booking
            for booking in self.coordinator.data.bookings_by_space.get(self.space_id, ())
            if booking.is_active
        )


def _room_event(booking: Booking) -> CalendarEvent:
    who = booking.person.name or booking.person.email
    return CalendarEvent(
        start=booking.start,
        end=booking.end,
        summary=booking.title or (f"Booked by {who}" if who else booking.booking_type),
        description=f"Host: {who}" if who and booking.title else None,
        uid=booking.id,
    )
