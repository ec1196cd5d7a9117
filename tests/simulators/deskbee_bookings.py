"""Booking rules: the §7 state machine, the check-in window and the clash check.

```
create ──> reserved ──check-in──> busy ──check-out (or end, by the system)──> last
   │          │  └─ no check-in before checkin_max_time ──> fall   (from the clock)
   │          └─ cancel / DELETE (before check-in) ──> canceled (deleted_at set)
   └─ place requires approval ──> waiting ──> reserved | rejected
```

Check-in is allowed for ``reserved`` bookings from ``start - min_tolerance`` up to
``start + tolerance.minutes`` (``tolerance.checkin_min_time`` .. ``checkin_max_time``);
outside it the answer is 422 with a message naming the window. A place is held by bookings
in ``reserved``, ``waiting`` or ``busy``; a new or moved booking overlapping one of those on
the same place is a 409.

Every state change hands a ``Notice`` to the account (→ webhooks): ``booking``
created/updated/deleted, ``checkin`` checkin/checkout, ``guest_checkin`` for a meeting
participant, ``locker`` open-locker when a locker is checked in or out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import math
from typing import TYPE_CHECKING

from . import deskbee_render as render
from .deskbee_booking_index import BookingIndex
from .deskbee_errors import conflict, not_found, refused
from .deskbee_format import iso
from .deskbee_model import (
    BLOCKING,
    MEETING_ROOM,
    Booking,
    Checkin,
    MeetingGuest,
    Notice,
    Place,
    State,
    User,
)
from .deskbee_paths import BOOKING_ROUTE

if TYPE_CHECKING:
    from .deskbee_account import DeskbeeAccount

SEEDED_CHECKIN_DELAY = 120  # seconds after start a directly created busy/last booking checked in


@dataclass
class MeetingInput:
    """Meeting-room fields of a create/update (``None`` = leave as is on update)."""

    title: str | None = None
    description: str | None = None
    is_online: bool | None = None
    guests: list[tuple[str, str | None, str]] | None = None  # (name, email, language)


class BookingBook:
    """Every booking of the account by uuid, and the rules that change them."""

    def __init__(self, account: DeskbeeAccount) -> None:
        self.account = account
        self.bookings: dict[str, Booking] = {}
        self.index = BookingIndex()

    # -- queries ------------------------------------------------------------------------------

    def get(self, booking_uuid: str) -> Booking:
        found = self.bookings.get(booking_uuid)
        if found is None:
            raise not_found("Booking not found.")
        return found

    def clashes(
        self, place_uuid: str, start: float, end: float, *, exclude: str | None = None
    ) -> list[Booking]:
        return [
            b
            for b in self.index.at_place(place_uuid)
            if b.uuid != exclude and b.state in BLOCKING and b.overlaps(start, end)
        ]

    def first_free(self, floor_uuid: str, start: float, end: float) -> Place | None:
        """The first bookable workstation of a floor (by name) free for the period."""
        candidates = sorted(
            (
                p
                for p in self.account.live_places("workspace")
                if p.floor_uuid == floor_uuid and p.is_active
            ),
            key=lambda p: p.name,
        )
        return next((p for p in candidates if not self.clashes(p.uuid, start, end)), None)

    # -- writes -------------------------------------------------------------------------------

    def create(
        self,
        *,
        place: Place,
        person: User,
        owner: User,
        start: float,
        end: float,
        meeting: MeetingInput | None = None,
        state: State | None = None,
        made_at: float | None = None,
        announce: bool = True,
    ) -> Booking:
        """A new booking; ``state`` forces a lifecycle stage (direct/seeding use only).

        Seeding only: ``made_at`` back-dates its creation (and last update), and
        ``announce=False`` skips the ``created`` notice — a booking made long ago is no news.
        """
        if end <= start:
            raise refused("The end hour must be after the start hour.", "end_hour")
        target = state or (State.WAITING if place.requires_approval else State.RESERVED)
        if target in BLOCKING and self.clashes(place.uuid, start, end):
            raise conflict(f"The place {place.name} is already booked for this period.")
        now = self.account.now()
        account = self.account
        record = Booking(
            uuid=account.ids.make(),
            place_uuid=place.uuid,
            person_uuid=person.uuid,
            owner_uuid=owner.uuid,
            start=float(int(start)),
            end=float(int(end)),
            state=target,
            tolerance_minutes=account.tolerance_minutes,
            min_tolerance=account.min_tolerance,
            created_at=now if made_at is None else made_at,
            updated_at=now if made_at is None else made_at,
        )
        if place.place_type == MEETING_ROOM:
            self._apply_meeting(record, meeting or MeetingInput())
        self._arrange(record, target, now)
        self.bookings[record.uuid] = record
        self.index.added(record)
        if announce:
            self._notify_booking(record, "created")
        return record

    def _arrange(self, record: Booking, state: State, now: float) -> None:
        """Fill the records a directly created booking in ``state`` would have."""
        if state in (State.BUSY, State.LAST):
            checkin_at = (
                min(now, record.start + SEEDED_CHECKIN_DELAY) if record.start <= now else now
            )
            record.checkin = self._new_checkin(record, checkin_at, via_api=False)
            if state is State.LAST:
                record.checkin.checkout_at = max(checkin_at, min(now, record.end))
        if state is State.CANCELED:
            record.deleted_at = now

    def update(
        self,
        record: Booking,
        *,
        start: float | None = None,
        end: float | None = None,
        place: Place | None = None,
        meeting: MeetingInput | None = None,
    ) -> Booking:
        if record.state not in BLOCKING:
            raise refused(f"The booking is {record.state.value} and can no longer be changed.")
        new_start = record.start if start is None else float(int(start))
        new_end = record.end if end is None else float(int(end))
        target = place or self.account.places[record.place_uuid]
        if record.state is State.BUSY and (
            new_start != record.start or target.uuid != record.place_uuid
        ):
            raise refused("A booking in progress can only change its end hour.", "start_hour")
        if new_end <= new_start:
            raise refused("The end hour must be after the start hour.", "end_hour")
        if new_end <= self.account.now():
            raise refused("The booking cannot end in the past.", "end_hour")
        if self.clashes(target.uuid, new_start, new_end, exclude=record.uuid):
            raise conflict(f"The place {target.name} is already booked for this period.")
        record.start, record.end = new_start, new_end
        if target.uuid != record.place_uuid:
            previous_place, record.place_uuid = record.place_uuid, target.uuid
            self.index.moved(record, previous_place)
            if target.requires_approval and record.state is State.RESERVED:
                record.state = State.WAITING
        if meeting is not None and target.place_type == MEETING_ROOM:
            self._apply_meeting(record, meeting)
        record.updated_at = self.account.now()
        self._notify_booking(record, "updated")
        return record

    def _apply_meeting(self, record: Booking, meeting: MeetingInput) -> None:
        if meeting.title is not None:
            record.title = meeting.title
        if meeting.description is not None:
            record.description = meeting.description
        if meeting.is_online is not None:
            record.is_online = meeting.is_online
        if meeting.guests is not None:
            # The list is replaced; guests kept (same e-mail, or same name without one) keep
            # their uuid.
            previous = {(g.email or g.name).lower(): g for g in record.guests}
            replaced: list[MeetingGuest] = []
            for name, email, language in meeting.guests:
                kept = previous.get((email or name).lower())
                if kept is not None:
                    kept.name, kept.language = name, language
                    replaced.append(kept)
                else:
                    replaced.append(MeetingGuest(self.account.ids.make(), name, email, language))
            record.guests = replaced

    def check_in(
        self, record: Booking, *, at: float | None = None, via_api: bool = True
    ) -> Booking:
        when = self.account.now() if at is None else at
        self.ensure_can_check_in(record, when)
        record.checkin = self._new_checkin(record, when, via_api=via_api)
        record.state = State.BUSY
        record.updated_at = self.account.now()
        self._notify_checkin(record, "checkin")
        return record

    def ensure_can_check_in(self, record: Booking, when: float) -> None:
        zone = self.account.zone
        window = f"{iso(record.checkin_min_time, zone)} to {iso(record.checkin_max_time, zone)}"
        if record.state is State.BUSY:
            raise refused("Check-in already done for this booking.", "checkin")
        if record.state is State.WAITING:
            raise refused(
                "The booking is waiting for approval; check-in is not allowed.", "checkin"
            )
        if record.state is State.FALL or (
            record.state is State.RESERVED and when > record.checkin_max_time
        ):
            raise refused(
                f"Check-in tolerance expired: check-in was allowed from {window}.", "checkin"
            )
        if record.state is not State.RESERVED:
            raise refused(
                f"The booking is {record.state.value}; check-in is not allowed.", "checkin"
            )
        if when < record.checkin_min_time:
            raise refused(f"Check-in not allowed yet: it is allowed from {window}.", "checkin")

    def _new_checkin(self, record: Booking, when: float, *, via_api: bool) -> Checkin:
        host = self.account.users[record.person_uuid]
        return Checkin(
            uuid=self.account.ids.make(),
            person_uuid=host.uuid,
            person_name=host.name,
            person_email=host.email,
            checkin_at=when,
            is_checkin_api=via_api,
            enrollment=host.enrollment,
        )

    def check_out(
        self, record: Booking, *, at: float | None = None, via_api: bool = True
    ) -> Booking:
        if record.state is not State.BUSY or record.checkin is None:
            raise refused(
                f"The booking is {record.state.value}; only a checked-in booking can check out.",
                "checkout",
            )
        when = self.account.now() if at is None else at
        record.checkin.checkout_at = max(when, record.checkin.checkin_at)
        record.checkin.is_checkout_api = via_api
        record.state = State.LAST
        record.updated_at = self.account.now()
        self._notify_checkin(record, "checkout")
        return record

    def cancel(self, record: Booking) -> Booking:
        """Cancel (soft delete) before check-in; cancelling a cancelled booking is a no-op."""
        if record.state is State.CANCELED:
            return record
        if record.state is State.BUSY:
            raise refused("The booking is already checked in; check out instead.", "uuid")
        if record.state not in (State.RESERVED, State.WAITING):
            raise refused(
                f"The booking is {record.state.value} and can no longer be canceled.", "uuid"
            )
        now = self.account.now()
        record.state = State.CANCELED
        record.deleted_at = now
        record.updated_at = now
        self._notify_booking(record, "deleted")
        return record

    def approve(self, record: Booking) -> Booking:
        return self._decide(record, State.RESERVED)

    def reject(self, record: Booking) -> Booking:
        return self._decide(record, State.REJECTED)

    def _decide(self, record: Booking, outcome: State) -> Booking:
        if record.state is not State.WAITING:
            raise refused(f"The booking is {record.state.value}, not waiting for approval.")
        record.state = outcome
        record.updated_at = self.account.now()
        self._notify_booking(record, "updated")
        return record

    def participant_check_in(
        self, record: Booking, *, name: str, email: str | None, person_uuid: str
    ) -> Checkin:
        """A meeting participant checks in (only meeting rooms with participant check-in)."""
        place = self.account.places[record.place_uuid]
        if place.place_type != MEETING_ROOM or not self.account.participant_checkin:
            raise refused("Participant check-in is not enabled for this place.")
        now = self.account.now()
        if record.state not in (State.RESERVED, State.BUSY):
            raise refused(f"The booking is {record.state.value}; check-in is not allowed.")
        if not record.checkin_min_time <= now <= record.end:
            raise refused("Participant check-in is only allowed during the booking.")
        user = self.account.users.get(person_uuid)
        entry = Checkin(
            uuid=self.account.ids.make(),
            person_uuid=person_uuid,
            person_name=name,
            person_email=email,
            checkin_at=now,
            enrollment=user.enrollment if user else None,
        )
        record.participant_checkins.append(entry)
        self.index.touched(record)
        self.account.notify(
            Notice(
                "guest_checkin",
                "checkin",
                BOOKING_ROUTE.format(uuid=record.uuid),
                record.uuid,
                render.hook_guest_checkin(self.account, record, entry),
            )
        )
        return entry

    # -- the clock ----------------------------------------------------------------------------

    def settle(self) -> None:
        """``reserved`` past its tolerance → ``fall``; ``busy`` past its end → ``last``."""
        now = self.account.now()
        if now < self.index.next_due:
            return  # nothing can have fallen due since the last scan
        self.index.next_due = math.inf
        for record in list(self.bookings.values()):
            if record.state is State.RESERVED and now > record.checkin_max_time:
                record.state = State.FALL
                record.updated_at = record.checkin_max_time
                self._notify_booking(record, "updated")
            elif record.state is State.BUSY and now >= record.end and record.checkin:
                record.checkin.checkout_at = max(record.end, record.checkin.checkin_at)
                record.checkin.is_checkout_system = True
                record.state = State.LAST
                record.updated_at = record.end
                self._notify_checkin(record, "checkout")
            if record.state not in BLOCKING:
                for entry in record.participant_checkins:
                    if entry.checkout_at is None:
                        entry.checkout_at = min(now, record.end)
            self.index.watch(record)

    # -- notifications ------------------------------------------------------------------------

    def _notify_booking(self, record: Booking, action: str) -> None:
        self.index.touched(record)
        self.account.notify(
            Notice(
                "booking",
                action,
                BOOKING_ROUTE.format(uuid=record.uuid),
                record.uuid,
                render.hook_booking(self.account, record),
            )
        )

    def _notify_checkin(self, record: Booking, action: str) -> None:
        self.index.touched(record)
        self.account.notify(
            Notice(
                "checkin",
                action,
                BOOKING_ROUTE.format(uuid=record.uuid),
                record.uuid,
                render.hook_checkin(self.account, record),
            )
        )
        place = self.account.places[record.place_uuid]
        if place.place_type == "locker":
            self.account.notify(
                Notice(
                    "locker",
                    "open-locker",
                    f"/places/{place.uuid}",
                    place.uuid,
                    {"place_uuid": place.uuid, "place_type": "locker"},
                )
            )

    def checkins_of(self, record: Booking) -> Iterable[Checkin]:
        """Host check-in first, then participants (``GET /bookings/{uuid}/checkins``)."""
        if record.checkin is not None:
            yield record.checkin
        yield from record.participant_checkins
