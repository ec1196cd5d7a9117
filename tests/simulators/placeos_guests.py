"""Guests and their attendance of bookings (§3.4, §5.3, §5.4).

Guests are unique per tenant by lower-cased email; a booking's attendees each link one guest.
"""

from __future__ import annotations

from .clock import SimClock
from .placeos_booking_input import AttendeeInput
from .placeos_model import Attendee, Guest


class GuestBook:
    """Guest profiles and per-booking attendance."""

    def __init__(self, clock: SimClock) -> None:
        self._clock = clock
        self.guests: dict[str, Guest] = {}  # by lower-cased email
        self._guests_by_id: dict[int, Guest] = {}
        self._attendance: dict[int, list[Attendee]] = {}  # by booking id
        self._next_guest_id = 1
        self._next_attendee_id = 1

    # -- guests ---------------------------------------------------------------------------

    def guest(self, email: str) -> Guest | None:
        return self.guests.get(email.strip().lower())

    def guest_by_id(self, guest_id: int) -> Guest | None:
        return self._guests_by_id.get(guest_id)

    def upsert(self, attendee: AttendeeInput, *, refresh_contact: bool) -> Guest:
        """Find the guest by email or create it from the attendee.

        On booking create the server also refreshes name/organisation/phone of an existing
        guest (``refresh_contact``); on update it leaves them alone (§3.7 create/update).
        """
        now = self._clock.now_int()
        guest = self.guest(attendee.email)
        if guest is None:
            guest = Guest(
                id=self._next_guest_id,
                email=attendee.email,
                name=attendee.name,
                preferred_name=attendee.preferred_name,
                phone=attendee.phone,
                organisation=attendee.organisation,
                notes=attendee.notes,
                photo=attendee.photo,
                banned=bool(attendee.banned),
                dangerous=bool(attendee.dangerous),
                created_at=now,
                updated_at=now,
            )
            self._next_guest_id += 1
            self.guests[guest.email] = guest
            self._guests_by_id[guest.id] = guest
        elif refresh_contact:
            guest.name = attendee.name
            guest.organisation = attendee.organisation
            guest.phone = attendee.phone
        if attendee.extension_data is not None:
            guest.extension_data = dict(attendee.extension_data)
        guest.updated_at = now
        return guest

    # -- attendance -----------------------------------------------------------------------

    def attendance(self, booking_id: int) -> list[tuple[Attendee, Guest]]:
        pairs: list[tuple[Attendee, Guest]] = []
        for attendee in self._attendance.get(booking_id, []):
            guest = self.guest_by_id(attendee.guest_id)
            if guest is not None:
                pairs.append((attendee, guest))
        return pairs

    def attendee(self, booking_id: int, email: str) -> Attendee | None:
        wanted = email.strip().lower()
        return next(
            (attendee for attendee, guest in self.attendance(booking_id) if guest.email == wanted),
            None,
        )

    def attach(self, booking_id: int, guest: Guest, *, checked_in: bool = False) -> Attendee:
        """Link a guest to a booking (an existing link is kept as it is)."""
        existing = self.attendee(booking_id, guest.email)
        if existing is not None:
            return existing
        now = self._clock.now_int()
        attendee = Attendee(
            id=self._next_attendee_id,
            guest_id=guest.id,
            booking_id=booking_id,
            checked_in=checked_in,
            created_at=now,
            updated_at=now,
        )
        self._next_attendee_id += 1
        self._attendance.setdefault(booking_id, []).append(attendee)
        return attendee

    def detach(self, booking_id: int, email: str) -> bool:
        wanted = self.attendee(booking_id, email)
        if wanted is None:
            return False
        self._attendance[booking_id] = [
            attendee for attendee in self._attendance[booking_id] if attendee is not wanted
        ]
        return True

    def set_checked_in(self, attendee: Attendee, *, state: bool) -> None:
        attendee.checked_in = state
        attendee.updated_at = self._clock.now_int()
