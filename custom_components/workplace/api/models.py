"""Provider-neutral models shared by every Workplace provider client."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from mashumaro.mixins.orjson import DataClassORJSONMixin


class ZoneKind(StrEnum):
    """Where a zone sits in a site's hierarchy."""

    BUILDING = "building"
    LEVEL = "level"


class SpaceKind(StrEnum):
    """What a bookable space is."""

    DESK = "desk"
    ROOM = "room"
    PARKING = "parking"
    LOCKER = "locker"


class BookingStatus(StrEnum):
    """The lifecycle of a booking, as the provider last reported it.

    Time does not move a booking between these: a reserved booking whose end has passed is
    still `reserved` here; whether it is current is a question of its `start` and `end`.
    """

    RESERVED = "reserved"
    PENDING_APPROVAL = "pending_approval"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# The booking type of a room's calendar event: meetings are shown and announced like bookings.
MEETING = "meeting"

ACTIVE_BOOKING_STATUSES = frozenset(
    {BookingStatus.RESERVED, BookingStatus.PENDING_APPROVAL, BookingStatus.CHECKED_IN}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Account(DataClassORJSONMixin):
    """The tenant an account belongs to and who the account is."""

    tenant_id: str
    tenant_name: str
    user_id: str
    user_name: str
    user_email: str
    server_version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Zone(DataClassORJSONMixin):
    """A building or a level of one."""

    id: str
    name: str
    kind: ZoneKind
    parent_id: str | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Space(DataClassORJSONMixin):
    """Something people book: a desk, a meeting room, a parking spot, a locker."""

    id: str
    name: str
    kind: SpaceKind
    zone_id: str
    building_id: str | None = None
    booking_type: str
    capacity: int | None = None
    bookable: bool = True
    requires_approval: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Person(DataClassORJSONMixin):
    """Someone a booking is for or was made by."""

    name: str | None = None
    email: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Guest(DataClassORJSONMixin):
    """A visitor: an attendee of a booking or a pass holder."""

    id: str
    email: str
    name: str | None = None
    organisation: str | None = None
    checked_in: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Booking(DataClassORJSONMixin):
    """A reservation of one space for a period."""

    id: str
    booking_type: str
    space_ids: tuple[str, ...]
    zone_ids: tuple[str, ...] = ()
    start: datetime
    end: datetime
    status: BookingStatus
    person: Person = field(default_factory=Person)
    booked_by: Person | None = None
    title: str | None = None
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    guests: tuple[Guest, ...] = ()
    # When the provider last changed the booking; orders answers that cross in flight.
    updated_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def is_active(self) -> bool:
        """Whether the booking still holds its space (not cancelled, rejected or checked out)."""
        return self.status in ACTIVE_BOOKING_STATUSES

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether the booking's period meets the half-open period [start, end)."""
        return self.start < end and self.end > start


@dataclass(frozen=True, slots=True, kw_only=True)
class Visitor(DataClassORJSONMixin):
    """A guest expected in a period, and the booking or meeting they come for."""

    guest: Guest
    booking_id: str | None = None
    meeting_id: str | None = None
    space_ids: tuple[str, ...] = ()
    zone_ids: tuple[str, ...] = ()
    start: datetime | None = None
    host: Person | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Site(DataClassORJSONMixin):
    """An access-control site (SALTO KS)."""

    id: str
    name: str
    time_zone: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Lock(DataClassORJSONMixin):
    """A door lock or wall reader."""

    id: str
    name: str
    online: bool | None = None
    locked_state: str | None = None
    battery_level: str | None = None
    intrusion_alarm: bool | None = None
    left_open_alarm: bool | None = None
    lock_type: str | None = None
    floor: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PodGuest(DataClassORJSONMixin):
    """A guest of a pod and the rule that lets them in."""

    id: str
    email: str | None = None
    name: str | None = None
    access_rule: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Pod(DataClassORJSONMixin):
    """A group of locks with members and guests (SALTO KS pods)."""

    id: str
    name: str
    lock_ids: tuple[str, ...] = ()
    members: int = 0
    guests: tuple[PodGuest, ...] = ()
    max_guest_amount: int | None = None

    @property
    def guest_capacity_left(self) -> int | None:
        """How many more guests may be invited."""
        if self.max_guest_amount is None:
            return None
        return max(0, self.max_guest_amount - len(self.guests))


@dataclass(frozen=True, slots=True, kw_only=True)
class DoorEntry(DataClassORJSONMixin):
    """One door event: an opening, a rejection, an office-mode change."""

    id: str
    lock_id: str
    time: datetime
    category: str
    detail: str | None = None
    access_by: str | None = None
    person_name: str | None = None

    @property
    def granted(self) -> bool:
        """Whether the door let the person in."""
        return self.category == "lock_opened"
