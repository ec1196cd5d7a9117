"""Booking rules of the Staff API (catalog §3.7, §5.1): create, update, delete, check-in,
approval, clash detection, booking limits, history.

Methods take the acting user and already-typed input and raise ``PlaceOSError`` exactly where
the server answers with an error. Authorisation (who may touch which booking) is the HTTP
layer's job; the simulator's direct methods bypass it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
import zoneinfo

from .clock import SimClock
from .placeos_booking_input import AttendeeInput
from .placeos_booking_query import BookingFilter, select_bookings
from .placeos_directory import Directory
from .placeos_errors import (
    bad_request,
    booking_conflict,
    booking_limit_reached,
    not_allowed,
    not_found,
    validation_failed,
)
from .placeos_guests import GuestBook
from .placeos_model import (
    EARLY_CHECKIN_SECONDS,
    Booking,
    BookingState,
    JsonDict,
    User,
    booking_state,
    render_booking,
)

MAX_CACHED_LISTINGS = 64
VALIDATION_MESSAGE = "error validating booking data"
MISSING_REQUIRED = "Missing one of booking_start, booking_end, booking_type or asset_ids"

# Body attributes a create copies onto the new booking as they are.
CREATE_COPIED = (
    "booking_type", "booking_start", "booking_end", "timezone", "zones", "process_state",
    "approved", "approved_at", "rejected", "rejected_at", "approver_id", "approver_name",
    "approver_email", "department", "title", "description", "checked_in", "checked_in_at",
    "checked_out_at", "booked_from", "parent_id", "images", "induction", "permission",
    "recurrence_type", "recurrence_days", "recurrence_nth_of_month", "recurrence_interval",
    "recurrence_end", "all_day",
)  # fmt: skip

# The only attributes an update applies (§3.7 update_booking); assets and user_email are
# handled separately.
UPDATE_APPLIED = (
    "zones", "booking_start", "booking_end", "all_day", "title", "description", "images",
    "induction", "recurrence_end", "recurrence_interval", "recurrence_nth_of_month",
    "recurrence_days", "recurrence_type", "permission",
)  # fmt: skip
NON_NILABLE = set(UPDATE_APPLIED) - {"title", "description", "recurrence_end"}


class BookingBook:
    """All bookings of the tenant and the rules that change them."""

    def __init__(self, clock: SimClock, directory: Directory, guests: GuestBook) -> None:
        self._clock = clock
        self._directory = directory
        self._guests = guests
        self.bookings: dict[int, Booking] = {}
        self.booking_limits: dict[str, int] = {}  # tenant `booking_limits`: type -> max
        self.early_checkin = EARLY_CHECKIN_SECONDS
        self._next_id = 1
        # Clash checks and paged listings stay cheap at benchmark scale (20 000 bookings):
        # an asset index, and the last filtered listing per filter until the next write.
        self._by_asset: dict[str, set[int]] = {}
        self._version = 0
        self._listings: dict[BookingFilter, list[Booking]] = {}
        self._listings_version = -1

    # -- reading --------------------------------------------------------------------------

    def get(self, booking_id: int) -> Booking:
        booking = self.bookings.get(booking_id)
        if booking is None:
            raise not_found(f"could not find booking with id: {booking_id}")
        return booking

    def render(self, booking: Booking) -> JsonDict:
        return render_booking(booking, self._clock.now_int(), self._guests.attendance(booking.id))

    def render_all(self, bookings: list[Booking]) -> list[JsonDict]:
        now = self._clock.now_int()
        return [render_booking(b, now, self._guests.attendance(b.id)) for b in bookings]

    def state(self, booking: Booking) -> BookingState:
        return booking_state(booking, self._clock.now_int())

    def select(self, wanted: BookingFilter) -> list[Booking]:
        """Index listing in server order; repeated pages of one query reuse the result."""
        if self._listings_version != self._version:
            self._listings.clear()
            self._listings_version = self._version
        listing = self._listings.get(wanted)
        if listing is None:
            listing = select_bookings(self.bookings.values(), wanted)
            if len(self._listings) >= MAX_CACHED_LISTINGS:
                self._listings.clear()
            self._listings[wanted] = listing
        return listing

    def changed(self) -> None:
        """Note a write (call it after mutating a ``Booking`` directly)."""
        self._version += 1

    def _sharing_assets(self, asset_ids: list[str]) -> list[Booking]:
        """Bookings holding any of ``asset_ids``, in id order."""
        found: set[int] = set()
        for asset_id in asset_ids:
            found |= self._by_asset.get(asset_id, set())
        return [self.bookings[number] for number in sorted(found) if number in self.bookings]

    def _index(self, booking: Booking) -> None:
        for asset_id in booking.asset_ids:
            self._by_asset.setdefault(asset_id, set()).add(booking.id)

    def _unindex(self, booking: Booking) -> None:
        for asset_id in booking.asset_ids:
            self._by_asset.get(asset_id, set()).discard(booking.id)

    def forget(self, booking_id: int) -> None:
        """Remove a booking outright (no API does this; direct methods undoing a create)."""
        booking = self.bookings.pop(booking_id, None)
        if booking is not None:
            self._unindex(booking)
            self.changed()

    # -- clash detection and limits -------------------------------------------------------

    def clashes(self, booking: Booking) -> list[Booking]:
        """Same type, overlapping time, shared asset, still active; visitors never clash."""
        if booking.booking_type.lower() == "visitor":
            return []
        return [
            other
            for other in self._sharing_assets(booking.asset_ids)
            if other.id != booking.id
            and other.booking_type == booking.booking_type
            and other.overlaps(booking.booking_start, booking.booking_end)
            and other.blocks_its_assets()
        ]

    def _raise_on_clash(self, booking: Booking) -> None:
        clashing = self.clashes(booking)
        if clashing:
            raise booking_conflict(self.render_all(clashing))

    def _check_limits(self, booking: Booking, limit_override: int | None) -> None:
        """Concurrent bookings per user in shared zones, capped per type (§3.7 limits)."""
        limit = (
            limit_override
            if limit_override is not None
            else self.booking_limits.get(booking.booking_type)
        )
        if limit is None or not booking.zones:
            return
        owner = booking.user_id or booking.booked_by_id
        zones = set(booking.zones)
        concurrent = [
            other
            for other in self.bookings.values()
            if other.id != booking.id
            and other.booking_type == booking.booking_type
            and other.overlaps(booking.booking_start, booking.booking_end)
            and other.user_id == owner
            and zones.intersection(other.zones)
            and not other.rejected
            and not other.deleted
            and self.state(other) is not BookingState.CHECKED_OUT
        ]
        if len(concurrent) >= limit:
            raise booking_limit_reached(limit, self.render_all(concurrent))

    # -- saving ---------------------------------------------------------------------------

    def _save(self, booking: Booking, utm_source: str | None = None) -> Booking:
        """Persist: stamp, remember the source once, append history on a state change."""
        self.changed()
        now = self._clock.now_int()
        booking.updated_at = now
        if booking.booked_from is None:
            booking.booked_from = utm_source
        state = booking_state(booking, now)
        last = booking.history[-1]["state"] if booking.history else None
        if state is not BookingState.UNKNOWN and last != state.value:
            entry: JsonDict = {"state": state.value, "time": now}
            if utm_source is not None:
                entry["source"] = utm_source
            booking.history.append(entry)
        return booking

    @staticmethod
    def _validate(booking: Booking, instance: int | None = None) -> None:
        failures: list[tuple[str | None, str]] = []
        if booking.recurrence_type != "none" and not booking.timezone:
            failures.append(("timezone", "required for recurring bookings"))
        if booking.timezone and not _valid_timezone(booking.timezone):
            failures.append(("timezone", "must be a valid IANA timezone"))
        if not booking.asset_ids:
            failures.append(("asset_ids", "must not be empty"))
        if len(set(booking.asset_ids)) != len(booking.asset_ids):
            failures.append(("asset_ids", "must be unique"))
        if booking.booking_end <= booking.booking_start:
            failures.append(("booking_end", "must be after booking_start"))
        if instance is not None:
            failures.append(("instance", "must not be set"))
        if failures:
            raise validation_failed(VALIDATION_MESSAGE, failures)

    # -- create ---------------------------------------------------------------------------

    def create(
        self,
        fields: dict[str, Any],
        booked_by: User,
        *,
        utm_source: str | None = None,
        limit_override: int | None = None,
    ) -> Booking:
        """``POST /bookings``: 422 missing fields, 409 clash, 410 limit, 422 validation."""
        require_create_fields(fields)
        booking = self._new_booking(fields, booked_by)
        self._raise_on_clash(booking)
        self._check_limits(booking, limit_override)
        self._validate(booking, fields.get("instance"))
        self.bookings[booking.id] = booking
        self._index(booking)
        self._next_id += 1
        self._save(booking, utm_source)
        for attendee in fields.get("attendees") or []:
            guest = self._guests.upsert(attendee, refresh_contact=True)
            self._guests.attach(booking.id, guest, checked_in=bool(attendee.checked_in))
        return booking

    def _new_booking(self, fields: dict[str, Any], booked_by: User) -> Booking:
        now = self._clock.now_int()
        asset_ids = list(fields.get("asset_ids") or [])
        if not asset_ids and fields.get("asset_id"):
            asset_ids = [fields["asset_id"]]
        # `before_save`: owner fields left out default to the creator (§3.7 create).
        booking = Booking(
            id=self._next_id,
            booking_type="",
            booking_start=0,
            booking_end=0,
            asset_ids=asset_ids,
            user_id=fields.get("user_id") or booked_by.id,
            user_email=fields.get("user_email") or booked_by.email,
            user_name=fields.get("user_name") or booked_by.name,
            booked_by_id=booked_by.id,
            booked_by_email=booked_by.email,
            booked_by_name=booked_by.name,
            created=now,
            updated_at=now,
            last_changed=now,
        )
        for key in CREATE_COPIED:
            if key in fields:
                setattr(booking, key, fields[key])
        if fields.get("extension_data") is not None:
            booking.extension_data = dict(fields["extension_data"])
        return booking

    # -- update ---------------------------------------------------------------------------

    def update(
        self,
        booking: Booking,
        fields: dict[str, Any],
        acting: User,
        *,
        limit_override: int | None = None,
    ) -> Booking:
        """``PATCH /bookings/{id}``: applies only the server's field list (§3.7)."""
        draft = _copy(booking)
        original_assets = list(booking.asset_ids)
        for key in UPDATE_APPLIED:
            if key in fields and not (fields[key] is None and key in NON_NILABLE):
                setattr(draft, key, fields[key])
        _apply_asset_change(draft, fields)
        self._apply_host_change(draft, fields)
        if fields.get("extension_data"):
            draft.extension_data = {**draft.extension_data, **fields["extension_data"]}

        # An "unallocated…" placeholder asset may be swapped without losing approval.
        assets_moved = (
            draft.asset_ids != original_assets
            and bool(original_assets)
            and not original_assets[0].startswith("unallocated")
        )
        window_widened = (
            draft.booking_start < booking.booking_start or draft.booking_end > booking.booking_end
        )
        reset_state = assets_moved or window_widened
        if reset_state:
            self._reset_for_new_slot(draft, acting)

        slot_changed = (
            draft.booking_start != booking.booking_start
            or draft.booking_end != booking.booking_end
            or draft.asset_ids != original_assets
        )
        if slot_changed:
            self._raise_on_clash(draft)
        if reset_state:
            self._check_limits(draft, limit_override)
        self._validate(draft)
        if fields.get("attendees") is not None:
            self._replace_attendees(booking.id, fields["attendees"])
        self._unindex(booking)
        _copy_into(draft, booking)
        self._index(booking)
        return self._save(booking)

    def _apply_host_change(self, draft: Booking, fields: dict[str, Any]) -> None:
        new_email = fields.get("user_email")
        if not new_email or new_email == draft.user_email:
            return
        host = self._directory.user_by_email(new_email)
        if host is None:
            raise not_found(f"user {new_email} not found")
        draft.user_email = host.email
        draft.user_id = host.id
        draft.user_name = host.name

    def _reset_for_new_slot(self, draft: Booking, acting: User) -> None:
        """Moved asset or widened window: approval and check-in start over (§3.7)."""
        now = self._clock.now_int()
        draft.checked_in = False
        draft.rejected = False
        draft.approved = False
        draft.last_changed = now
        draft.history.append(
            {
                "state": BookingState.RESERVED.value,
                "time": now,
                "source": f"updated by {acting.email}",
            }
        )

    def _replace_attendees(self, booking_id: int, attendees: list[AttendeeInput]) -> None:
        """Full replacement; entries without ``visit_expected`` are kept but not (re)created."""
        wanted = {attendee.email for attendee in attendees}
        for _, guest in self._guests.attendance(booking_id):
            if guest.email not in wanted:
                self._guests.detach(booking_id, guest.email)
        for attendee in attendees:
            if attendee.visit_expected is None:
                continue
            guest = self._guests.upsert(attendee, refresh_contact=False)
            self._guests.attach(booking_id, guest)

    # -- lifecycle ------------------------------------------------------------------------

    def delete(self, booking: Booking, *, utm_source: str | None = None) -> None:
        """Soft delete (§3.7 booking_delete)."""
        booking.deleted = True
        booking.deleted_at = self._clock.now_int()
        self._save(booking, utm_source)

    def check_in(
        self, booking: Booking, *, state: bool = True, utm_source: str | None = None
    ) -> Booking:
        """``POST /bookings/{id}/check_in?state=`` rules (§3.7 booking_check_in)."""
        if booking.deleted:
            raise not_allowed()
        now = self._clock.now_int()
        already_checked_out = booking_state(booking, now) is BookingState.CHECKED_OUT
        if not state:
            if already_checked_out:
                return booking  # double check-out answers 200 with the booking unchanged
            booking.checked_in = False
            booking.checked_out_at = now
            return self._save(booking, utm_source)
        self._allow_check_in(booking, now, already_checked_out)
        booking.checked_in = True
        booking.checked_in_at = now
        attendance = self._guests.attendance(booking.id)
        if len(attendance) == 1:
            self._guests.set_checked_in(attendance[0][0], state=True)
        return self._save(booking, utm_source)

    def _allow_check_in(self, booking: Booking, now: int, already_checked_out: bool) -> None:
        if already_checked_out:
            raise not_allowed("a checked out booking cannot be checked back in")
        if booking.booking_end <= now:
            raise not_allowed("The booking has ended")
        if booking.booking_start - now > self.early_checkin:
            hours = self.early_checkin / 3600  # Crystal prints the float, e.g. "1.0"
            raise not_allowed(f"Can only check in an {hours} hour before the booking start")
        if booking.booking_start > now:
            in_the_way = self._occupying_until_start(booking, now)
            if in_the_way:
                raise booking_conflict(self.render_all(in_the_way))

    def _occupying_until_start(self, booking: Booking, now: int) -> list[Booking]:
        """Early check-in: someone else holds the asset between now and the start."""
        if booking.booking_type.lower() == "visitor":
            return []
        return [
            other
            for other in self._sharing_assets(booking.asset_ids)
            if other.id != booking.id
            and other.booking_type == booking.booking_type
            and other.booking_start < booking.booking_start
            and other.booking_end > now
            and other.blocks_its_assets()
        ]

    def approve(
        self, booking: Booking, approver: User, *, utm_source: str | None = None
    ) -> Booking:
        """Approve, then re-check clashes — the approval is already saved when 409 comes."""
        if booking.deleted:
            raise not_allowed()
        now = self._clock.now_int()
        booking.approver_id = approver.id
        booking.approver_email = approver.email
        booking.approver_name = approver.name
        booking.approved = True
        booking.approved_at = now
        booking.rejected = False
        booking.rejected_at = None
        self._save(booking, utm_source)
        self._raise_on_clash(booking)
        return booking

    def reject(self, booking: Booking, approver: User, *, utm_source: str | None = None) -> Booking:
        """Reject; the server then clears the approver fields again."""
        if booking.deleted:
            raise not_allowed()
        booking.approved = False
        booking.approved_at = None
        booking.rejected = True
        booking.rejected_at = self._clock.now_int()
        booking.approver_id = booking.approver_email = booking.approver_name = None
        return self._save(booking, utm_source)

    def update_state(
        self, booking: Booking, state: str, *, utm_source: str | None = None
    ) -> Booking:
        booking.process_state = state
        return self._save(booking, utm_source)

    def merge_extension_data(self, booking: Booking, changes: dict[str, Any]) -> Booking:
        if changes:
            booking.extension_data = {**booking.extension_data, **changes}
            self._save(booking)
        return booking

    # -- guests of a booking --------------------------------------------------------------

    def add_attendee(self, booking: Booking, attendee: AttendeeInput) -> JsonDict:
        if self._guests.attendee(booking.id, attendee.email) is not None:
            raise bad_request("Attendee already exists in this booking")
        guest = self._guests.upsert(attendee, refresh_contact=False)
        attendance = self._guests.attach(booking.id, guest)
        return attendance.render(guest)

    def remove_attendee(self, booking: Booking, email: str) -> None:
        if not self._guests.detach(booking.id, email):
            raise bad_request("Attendee not found in this booking")

    def guest_check_in(self, booking: Booking, email: str, *, state: bool) -> JsonDict:
        """Check a guest in/out; checking in also checks the booking in, once (§3.4)."""
        if booking.deleted:
            raise not_allowed()
        attendee = self._guests.attendee(booking.id, email)
        guest = self._guests.guest(email)
        if attendee is None or guest is None:
            raise not_found(f"could not find guest {email} on booking {booking.id}")
        self._guests.set_checked_in(attendee, state=state)
        if state and not booking.checked_in:
            booking.checked_in = True
            if booking.checked_in_at is None:
                booking.checked_in_at = self._clock.now_int()
            self._save(booking)
        rendered = guest.render(attendee)
        rendered["booking"] = self.render(booking)
        return rendered

    def guest_list(self, booking: Booking) -> list[JsonDict]:
        rendered_booking = self.render(booking)
        guests: list[JsonDict] = []
        for attendee, guest in self._guests.attendance(booking.id):
            entry = guest.render(attendee)
            entry["booking"] = rendered_booking
            guests.append(entry)
        return guests


def require_create_fields(fields: dict[str, Any]) -> None:
    """422 unless start, end, type and an asset are present (§3.7 create)."""
    has_asset = "asset_ids" in fields or "asset_id" in fields
    if not ({"booking_start", "booking_end", "booking_type"} <= fields.keys() and has_asset):
        raise validation_failed(VALIDATION_MESSAGE, [(None, MISSING_REQUIRED)])


def _valid_timezone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except zoneinfo.ZoneInfoNotFoundError, ValueError:
        return False
    return True


def _apply_asset_change(draft: Booking, fields: dict[str, Any]) -> None:
    """Model ``update_assets``: ``asset_ids`` wins; a lone ``asset_id`` replaces a single asset."""
    if fields.get("asset_ids") is not None:
        draft.asset_ids = list(fields["asset_ids"])
    elif fields.get("asset_id") and len(draft.asset_ids) <= 1:
        draft.asset_ids = [fields["asset_id"]]


def _copy(booking: Booking) -> Booking:
    return replace(
        booking,
        asset_ids=list(booking.asset_ids),
        zones=list(booking.zones),
        extension_data=dict(booking.extension_data),
        history=[dict(entry) for entry in booking.history],
        images=list(booking.images),
    )


def _copy_into(source: Booking, target: Booking) -> None:
    target.__dict__.update(source.__dict__)
