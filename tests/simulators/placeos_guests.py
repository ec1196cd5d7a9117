"""Guests and their attendance of bookings and meetings (§3.4, §5.3, §5.4).

Guests are unique per tenant by lower-cased email; a booking's attendees each link one guest,
and so do the external guests of a room's meeting (keyed by the calendar event id).
"""

from __future__ import annotations

from typing import Any

from .clock import SimClock
from .placeos_booking_input import AttendeeInput
from .placeos_buildings import text_matches
from .placeos_errors import validation_failed
from .placeos_model import Attendee, Guest

MAX_LISTED = 1500  # guest index without a period: first 1500 by name (§3.4)
GUEST_VALIDATION = "error validating tenant data"  # sic, the server's wording
# Attributes ``PATCH /guests/{id}`` copies when present (§3.4 update, model ``patch``).
PATCHED_FIELDS = ("name", "preferred_name", "phone", "organisation", "notes", "photo")


class GuestBook:
    """Guest profiles and their attendance of bookings and meetings."""

    def __init__(self, clock: SimClock) -> None:
        self._clock = clock
        self.guests: dict[str, Guest] = {}  # by lower-cased email
        self._guests_by_id: dict[int, Guest] = {}
        self._attendance: dict[int, list[Attendee]] = {}  # by booking id
        self._meeting_attendance: dict[str, list[Attendee]] = {}  # by calendar event id
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

    def booking_ids(self) -> list[int]:
        """Bookings that have (or had) guests attached."""
        return [number for number, attendees in self._attendance.items() if attendees]

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

    # -- meetings -------------------------------------------------------------------------

    def meeting_attendance(self, event_id: str) -> list[tuple[Attendee, Guest]]:
        pairs: list[tuple[Attendee, Guest]] = []
        for attendee in self._meeting_attendance.get(event_id, []):
            guest = self.guest_by_id(attendee.guest_id)
            if guest is not None:
                pairs.append((attendee, guest))
        return pairs

    def set_meeting_guests(
        self, event_id: str, metadata_id: int, guests: list[tuple[Guest, bool]]
    ) -> None:
        """Make ``(guest, visit_expected)`` the meeting's guests; kept ones keep check-in state."""
        now = self._clock.now_int()
        existing = {
            attendee.guest_id: attendee for attendee in self._meeting_attendance.get(event_id, [])
        }
        kept: list[Attendee] = []
        for guest, visit_expected in guests:
            attendee = existing.get(guest.id)
            if attendee is None:
                attendee = Attendee(
                    id=self._next_attendee_id,
                    guest_id=guest.id,
                    booking_id=None,
                    event_id=metadata_id,
                    created_at=now,
                    updated_at=now,
                )
                self._next_attendee_id += 1
            elif attendee.visit_expected != visit_expected:
                attendee.updated_at = now
            attendee.visit_expected = visit_expected
            kept.append(attendee)
        self._meeting_attendance[event_id] = kept

    def forget_meeting(self, event_id: str) -> None:
        """A cancelled meeting's metadata is destroyed, and its attendees with it (§3.5)."""
        self._meeting_attendance.pop(event_id, None)

    # -- lookups across bookings and meetings ---------------------------------------------

    def attendances_of(self, guest_id: int) -> list[Attendee]:
        """Every booking and meeting attendance of one guest."""
        groups = [*self._attendance.values(), *self._meeting_attendance.values()]
        return [attendee for group in groups for attendee in group if attendee.guest_id == guest_id]

    def meeting_of(self, attendee: Attendee) -> str | None:
        """The calendar event id a meeting attendance belongs to."""
        for event_id, attendees in self._meeting_attendance.items():
            if any(item is attendee for item in attendees):
                return event_id
        return None

    def find(self, id_or_email: str) -> Guest | None:
        """``/guests/{id}``: a numeric id, else an email (§3.4)."""
        text = id_or_email.strip()
        if text.lstrip("-").isdigit():
            return self.guest_by_id(int(text))
        return self.guest(text)

    def search(self, query: str) -> list[Guest]:
        """Guest index without a period: every word a prefix of a searchable word, by name.

        The server's ``tsv_search`` covers email (also split on ``@._``), name, preferred
        name, organisation, phone and id; an empty query lists everyone (§3.4).
        """
        found = [
            guest
            for guest in self.guests.values()
            if text_matches(
                query,
                (
                    guest.email,
                    guest.name,
                    guest.preferred_name,
                    guest.organisation,
                    guest.phone,
                    str(guest.id),
                ),
            )
        ]
        return sorted(found, key=lambda guest: (guest.name or "", guest.id))[:MAX_LISTED]

    # -- updates --------------------------------------------------------------------------

    def patch(self, guest: Guest, changes: dict[str, Any]) -> Guest:
        """``PATCH /guests/{id}`` (model ``Guest#patch``, §3.4).

        Present attributes are copied (null clears a nilable one, and is ignored for email,
        banned and dangerous, which cannot be nil); ``extension_data`` is merged key by key.
        """
        email = changes.get("email")
        if isinstance(email, str) and email.strip().lower() != guest.email:
            self._change_email(guest, email.strip().lower())
        for key in PATCHED_FIELDS:
            if key in changes:
                setattr(guest, key, changes[key])
        for key in ("banned", "dangerous"):
            if changes.get(key) is not None:
                setattr(guest, key, changes[key])
        if changes.get("extension_data"):
            guest.extension_data = {**guest.extension_data, **changes["extension_data"]}
        guest.updated_at = self._clock.now_int()
        return guest

    def _change_email(self, guest: Guest, email: str) -> None:
        if "@" not in email:
            raise validation_failed(GUEST_VALIDATION, [("email", "is an invalid email")])
        if email in self.guests:
            # the unique (tenant, email) index refuses the save (§5.3)
            raise validation_failed(GUEST_VALIDATION, [("email", "has already been taken")])
        del self.guests[guest.email]
        guest.email = email
        self.guests[email] = guest
