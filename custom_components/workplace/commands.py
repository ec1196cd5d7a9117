"""Commands shared by actions and calendar writes."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from homeassistant.util import dt as dt_util

from .api import MEETING, BookingStatus
from .errors import remote_errors

if TYPE_CHECKING:
    from .coordinator import WorkplaceCoordinator


async def cancel(coordinator: WorkplaceCoordinator, uid: str, *, system_id: str | None) -> None:
    """Cancel a meeting or a booking by id, and show it at once.

    A cancelled meeting is not returned by the calendar, so it is marked cancelled here; a
    cancelled booking is read back.
    """
    client = coordinator.client
    known = coordinator.find_booking(uid)
    async with remote_errors(coordinator.config_entry):
        if known is not None and known.booking_type == MEETING:
            meeting_system = system_id or known.space_ids[0]
            await client.cancel_meeting(uid, system_id=meeting_system)
            booking = replace(known, status=BookingStatus.CANCELLED, updated_at=dt_util.utcnow())
        else:
            await client.cancel_booking(uid)
            booking = await client.get_booking(uid)
    coordinator.async_apply(booking)
