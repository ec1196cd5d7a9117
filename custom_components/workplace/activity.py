"""What happened to bookings between two looks: derived once, so each occurrence fires once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .api import Booking, BookingStatus, Guest


class ActivityType(StrEnum):
    """The occurrences automations can react to; the `activity` event entity's event types."""

    BOOKED = "booked"
    CANCELLED = "cancelled"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    APPROVED = "approved"
    REJECTED = "rejected"
    GUEST_ARRIVED = "guest_arrived"


class ActivitySource(StrEnum):
    """How we learnt about an occurrence."""

    POLL = "poll"
    ACTION = "action"


_ENTERED = {
    BookingStatus.CHECKED_IN: ActivityType.CHECKED_IN,
    BookingStatus.CHECKED_OUT: ActivityType.CHECKED_OUT,
    BookingStatus.CANCELLED: ActivityType.CANCELLED,
    BookingStatus.REJECTED: ActivityType.REJECTED,
}
_WAITING = frozenset({BookingStatus.PENDING_APPROVAL})
_APPROVED = frozenset({BookingStatus.RESERVED, BookingStatus.CHECKED_IN})


@dataclass(frozen=True, slots=True)
class Activity:
    """One occurrence on one booking (and, for arrivals, one guest)."""

    type: ActivityType
    booking: Booking
    guest: Guest | None = None

    def payload(self) -> dict[str, Any]:
        """The documented event data, without the entry and source (the caller adds them)."""
        booking = self.booking
        data: dict[str, Any] = {
            "type": self.type.value,
            "booking_id": booking.id,
            "booking_type": booking.booking_type,
            "space_id": booking.space_ids[0] if booking.space_ids else None,
            "start": booking.start.isoformat(),
            "end": booking.end.isoformat(),
            "person": {"name": booking.person.name, "email": booking.person.email},
            "guests": [{"name": g.name, "email": g.email} for g in booking.guests],
        }
        if self.guest is not None:
            data["guest"] = {"name": self.guest.name, "email": self.guest.email}
        return data


def is_stale(known: Booking, seen: Booking) -> bool:
    """Whether `seen` is an older version of the booking than `known`.

    Answers can cross in flight: a poll that began before one of our commands may return the
    booking as it was before the command. Such an answer must neither undo nor repeat it.
    """
    if known.updated_at is None or seen.updated_at is None:
        return False
    return seen.updated_at < known.updated_at


def merge(
    known: Mapping[str, Booking], polled: Mapping[str, Booking], applied: Mapping[str, Booking]
) -> dict[str, Booking]:
    """The bookings to show after a poll: the poll, except where we know a newer version.

    `applied` holds what our own commands returned while the poll was under way.
    """
    merged = dict(polled)
    for booking_id, booking in merged.items():
        previous = known.get(booking_id)
        if previous is not None and previous is not booking and is_stale(previous, booking):
            merged[booking_id] = previous
    for booking_id, booking in applied.items():
        current = merged.get(booking_id)
        if current is None or not is_stale(current, booking):
            merged[booking_id] = booking
    return merged


def activities(old: Booking | None, new: Booking, *, since: datetime) -> list[Activity]:
    """What changed from `old` to `new`.

    A booking we had not seen counts as booked only if it was created after `since` (the start
    of our watch): a booking that merely entered the polled window is not news.
    """
    found: list[Activity] = []
    if old is None:
        if new.created_at is None or new.created_at < since:
            return []
        found.append(Activity(ActivityType.BOOKED, new))
        old_status = BookingStatus.RESERVED
        old_arrived: set[str] = set()
    else:
        old_status = old.status
        old_arrived = {guest.email for guest in old.guests if guest.checked_in}
    if old_status in _WAITING and new.status in _APPROVED:
        found.append(Activity(ActivityType.APPROVED, new))
    if new.status is not old_status and (entered := _ENTERED.get(new.status)):
        found.append(Activity(entered, new))
    found.extend(
        Activity(ActivityType.GUEST_ARRIVED, new, guest)
        for guest in new.guests
        if guest.checked_in and guest.email not in old_arrived
    )
    return found


def diff(
    old: Mapping[str, Booking], new: Mapping[str, Booking], *, since: datetime
) -> list[Activity]:
    """Every occurrence between two sets of bookings, in booking order."""
    found: list[Activity] = []
    for booking_id, booking in new.items():
        previous = old.get(booking_id)
        # Unchanged bookings come back as the same object from the client.
        if previous is None or (previous is not booking and previous != booking):
            found.extend(activities(previous, booking, since=since))
    return found
