"""Commands shared by actions and calendar writes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from homeassistant.components.calendar.const import EVENT_END, EVENT_START, EVENT_SUMMARY
from homeassistant.util import dt as dt_util

from .api import MEETING, BookingStatus, PlaceOSClient, Space
from .errors import invalid, remote_errors

if TYPE_CHECKING:
    from .coordinator import WorkplaceCoordinator


def event_times(event: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """A calendar event's start and end; bookings need times, not whole days."""
    start, end = event.get(EVENT_START), event.get(EVENT_END)
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        raise invalid("calendar_all_day")
    return dt_util.as_utc(start), dt_util.as_utc(end)


async def book_from_event(
    coordinator: WorkplaceCoordinator, space: Space, event: Mapping[str, Any]
) -> None:
    """Book a space for a calendar event's time, titled by its summary."""
    start, end = event_times(event)
    async with remote_errors(coordinator.config_entry):
        booking = await coordinator.client.create_booking(
            space=space, start=start, end=end, title=event.get(EVENT_SUMMARY) or None
        )
    coordinator.async_apply(booking)


async def cancel(coordinator: WorkplaceCoordinator, uid: str, *, system_id: str | None) -> None:
    """Cancel a meeting or a booking by id, and show it at once.

    A cancelled meeting is not returned by the calendar, so it is marked cancelled here; a
    cancelled booking is read back.
    """
    client = coordinator.client
    known = coordinator.find_booking(uid)
    async with remote_errors(coordinator.config_entry):
        if (
            known is not None
            and known.booking_type == MEETING
            and isinstance(client, PlaceOSClient)
        ):
            meeting_system = system_id or known.space_ids[0]
            await client.cancel_meeting(uid, system_id=meeting_system)
            booking = replace(known, status=BookingStatus.CANCELLED, updated_at=dt_util.utcnow())
        else:
            await client.cancel_booking(uid)
            booking = await client.get_booking(uid)
    coordinator.async_apply(booking)
