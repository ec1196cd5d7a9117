"""Server-side semantics of ``GET /api/staff/v1/bookings`` filtering (catalog §3.7 query).

Recurring series are not expanded (the simulator stores no recurring bookings).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .placeos_model import Booking, email_digest


@dataclass(frozen=True)
class BookingFilter:
    """Parsed index parameters, after the own-bookings rule has been applied (hashable)."""

    period_start: int
    period_end: int
    booking_type: str
    zones: tuple[str, ...] = ()
    user_id: str | None = None
    user_email: str | None = None
    include_booked_by: bool = False
    include_open_and_public: bool = False  # group-event bookings people may join
    public_only: bool = False  # unauthenticated callers
    permission: str | None = None
    checked_in: bool | None = None
    created_before: int | None = None
    created_after: int | None = None
    approved: bool | None = None
    rejected: bool | None = None
    extension_data: str | None = None
    state: str | None = None
    department: str | None = None
    include_deleted: bool = False
    deleted: bool = False
    include_checked_out: bool = False
    checked_out: bool = False


def select_bookings(bookings: Iterable[Booking], wanted: BookingFilter) -> list[Booking]:
    """Matching bookings in the server's order: recurrence type, then created (not start)."""
    found = [booking for booking in bookings if _matches(booking, wanted)]
    # Enums sort as the stored upper-case names; `id` breaks ties of equal `created` seconds.
    return sorted(found, key=lambda b: (b.recurrence_type.upper(), b.created, b.id))


def _matches(booking: Booking, wanted: BookingFilter) -> bool:
    return (
        booking.booking_type == wanted.booking_type
        and booking.overlaps(wanted.period_start, wanted.period_end)
        and _visible(booking, wanted)
        and (not wanted.zones or any(zone in booking.zones for zone in wanted.zones))
        and _owned(booking, wanted)
        and _flags_match(booking, wanted)
        and _lifecycle_match(booking, wanted)
    )


def _visible(booking: Booking, wanted: BookingFilter) -> bool:
    if wanted.public_only:
        return booking.permission == "public"
    return wanted.permission is None or booking.permission == wanted.permission.lower()


def _owned(booking: Booking, wanted: BookingFilter) -> bool:
    """Model scope ``by_user_or_email``: user id OR email digest (OR booked-by / open)."""
    user_id, email = wanted.user_id, wanted.user_email
    if user_id is None and email is None:
        return True
    if wanted.include_open_and_public and booking.permission in ("open", "public"):
        return True
    digest = email_digest(email) if email is not None else None
    if user_id is not None:
        if booking.user_id == user_id or (digest and email_digest(booking.user_email) == digest):
            return True
        return wanted.include_booked_by and booking.booked_by_id == user_id
    if email_digest(booking.user_email) == digest:
        return True
    return wanted.include_booked_by and email_digest(booking.booked_by_email) == digest


def _flags_match(booking: Booking, wanted: BookingFilter) -> bool:
    if wanted.checked_in is True and not booking.checked_in:
        return False
    # `checked_in=false` means "checked out", not "not yet checked in" (§3.7).
    if wanted.checked_in is False and (booking.checked_out_at is None or booking.checked_in):
        return False
    # created_before/after compare against last_changed, not created (§3.7).
    changed = booking.last_changed
    if wanted.created_before is not None and not (
        changed is not None and changed < wanted.created_before
    ):
        return False
    if wanted.created_after is not None and not (
        changed is not None and changed > wanted.created_after
    ):
        return False
    if wanted.approved is not None and booking.approved != wanted.approved:
        return False
    if wanted.rejected is not None and booking.rejected != wanted.rejected:
        return False
    if wanted.state is not None and booking.process_state != wanted.state:
        return False
    if wanted.department is not None and booking.department != wanted.department:
        return False
    return wanted.extension_data is None or _extension_data_contains(
        booking.extension_data, wanted.extension_data
    )


def _lifecycle_match(booking: Booking, wanted: BookingFilter) -> bool:
    """Deleted and checked-out bookings are hidden unless asked for (§3.7)."""
    if not wanted.include_deleted and booking.deleted != wanted.deleted:
        return False
    if wanted.include_checked_out:
        return True
    return (booking.checked_out_at is not None) == wanted.checked_out


def _extension_data_contains(data: dict[str, object], encoded: str) -> bool:
    """``{k1:v1,k2:v2}``; dotted keys reach nested objects; values compare as strings."""
    pairs = encoded.replace("{", "").replace("}", "").split(",")
    for pair in pairs:
        key, _, value = pair.partition(":")
        current: object = data
        for part in key.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if current != value:
            return False
    return True
