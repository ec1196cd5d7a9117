"""PlaceOS records held by the simulator and their JSON rendering (catalog §5).

Times are unix seconds (ints), ids of zones/systems/users are strings, booking and guest ids
are integers, enums render lower-case (§5). ``None`` renders as JSON ``null`` so every field
of the catalog tables is always present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
import hashlib
import random
import string
from typing import Any
import uuid

JsonDict = dict[str, Any]

TENANT_ID = 1
EARLY_CHECKIN_SECONDS = 3600  # tenant default `early_checkin` (§3.7 check-in)
ID_ALPHABET = string.ascii_letters + string.digits


class IdFactory:
    """PlaceOS-looking string ids (``zone-Ab3…``), deterministic for a seeded simulator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def make(self, prefix: str, length: int = 11) -> str:
        while True:
            candidate = f"{prefix}-" + "".join(self._rng.choices(ID_ALPHABET, k=length))
            if candidate not in self._issued:
                self._issued.add(candidate)
                return candidate

    def secret(self, length: int = 32) -> str:
        return "".join(self._rng.choices(ID_ALPHABET, k=length))


def email_digest(email: str) -> str:
    """Lower-cased email digest PlaceOS stores next to addresses (used to match ``email=``)."""
    return hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()


# -- tenant structure -----------------------------------------------------------------------


@dataclass
class Zone:
    id: str
    name: str
    tags: list[str]
    parent_id: str | None
    created_at: int
    display_name: str | None = None
    description: str = ""
    code: str | None = None
    location: str | None = None
    timezone: str | None = None
    capacity: int = 0
    count: int = 0
    updated_at: int = 0

    def render(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "display_name": self.display_name,
            "location": self.location,
            "description": self.description,
            "code": self.code,
            "type": None,
            "count": self.count,
            "capacity": self.capacity,
            "map_id": None,
            "tags": list(self.tags),
            "triggers": [],
            "parent_id": self.parent_id,
            "timezone": self.timezone,
            "images": [],
            "playlists": [],
            "place_id": None,
            "created_at": self.created_at,
            "updated_at": self.updated_at or self.created_at,
        }


@dataclass
class ControlSystem:
    """A room (§5.6); ``zones`` lists org, building and level."""

    id: str
    name: str
    email: str
    zones: list[str]
    created_at: int
    capacity: int = 8
    features: list[str] = field(default_factory=list)
    bookable: bool = True
    approval: bool = False
    timezone: str | None = None
    description: str = ""
    display_name: str | None = None
    map_id: str | None = None
    updated_at: int = 0

    def render(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "email": self.email,
            "capacity": self.capacity,
            "features": list(self.features),
            "bookable": self.bookable,
            "public": False,
            "display_name": self.display_name,
            "code": None,
            "type": None,
            "map_id": self.map_id,
            "approval": self.approval,
            "images": [],
            "security_groups": [],
            "timezone": self.timezone,
            "support_url": "",
            "timetable_url": None,
            "camera_snapshot_urls": [],
            "camera_url": None,
            "room_booking_url": None,
            "version": 1,
            "installed_ui_devices": 0,
            "zones": list(self.zones),
            "modules": [],
            "orientation": "unspecified",
            "playlists": [],
            "signage": False,
            "signage_last_seen": None,
            "space_config": None,
            "created_at": self.created_at,
            "updated_at": self.updated_at or self.created_at,
        }


@dataclass
class Metadata:
    """Named JSON document attached to a zone/system/user (§5.8)."""

    name: str
    parent_id: str
    details: Any
    created_at: int
    updated_at: int
    description: str = ""
    modified_by_id: str | None = None

    def render(self) -> JsonDict:
        return {
            "name": self.name,
            "description": self.description,
            "details": self.details,
            "parent_id": self.parent_id,
            "schema_id": None,
            "editors": [],
            "modified_by_id": self.modified_by_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


# -- people and keys ------------------------------------------------------------------------


class Permission(Enum):
    USER = "user"
    SUPPORT = "support"
    ADMIN = "admin"


@dataclass
class User:
    id: str
    name: str
    email: str
    authority_id: str
    permissions: Permission
    created_at: int
    department: str | None = None
    groups: list[str] = field(default_factory=list)
    title: str | None = None  # job title, as the calendar provider's directory knows it
    phone: str | None = None

    @property
    def is_support(self) -> bool:
        """Support or admin: may manage anyone's bookings (§2.3)."""
        return self.permissions in (Permission.SUPPORT, Permission.ADMIN)

    @property
    def is_admin(self) -> bool:
        """``sys_admin``: sees the admin view of users (§5.7)."""
        return self.permissions is Permission.ADMIN

    @property
    def directory_id(self) -> str:
        """The calendar provider's id of the person (e.g. an Azure AD object id), not ``user-…``."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{self.email}"))

    def render_directory(self) -> JsonDict:
        """``PlaceCalendar::User`` (§3.2 ``staff_details``).

        A plain ``JSON::Serializable`` type: nil attributes are left out, not sent as null.
        """
        rendered: JsonDict = {
            "id": self.directory_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "department": self.department,
            "title": self.title,
            "photo": None,
            "username": self.email,
            "office_location": None,
            "suspended": False,
            "unmapped": None,
        }
        return {key: value for key, value in rendered.items() if value is not None}

    def render_listed(self, *, admin: bool) -> JsonDict:
        """An entry of ``GET /api/engine/v2/users``: public fields, admin ones for admins (§5.7)."""
        full = self.render() | {"login_count": 0, "last_login": None, "photo_upload_id": None}
        fields = PUBLIC_USER_FIELDS + (ADMIN_USER_FIELDS if admin else ())
        return {key: full[key] for key in ("id", *fields)}

    def render(self) -> JsonDict:
        first, _, last = self.name.partition(" ")
        return {
            "id": self.id,
            "email": self.email,
            "email_digest": email_digest(self.email),
            "name": self.name,
            "nickname": None,
            "first_name": first or None,
            "last_name": last or None,
            "groups": list(self.groups),
            "country": None,
            "building": None,
            "department": self.department,
            "image": None,
            "phone": self.phone,
            "authority_id": self.authority_id,
            "deleted": False,
            "locatable": True,
            "preferred_language": None,
            "work_preferences": [],
            "work_overrides": {},
            "sys_admin": self.permissions is Permission.ADMIN,
            "support": self.is_support,
            "ui_theme": None,
            "login_name": None,
            "staff_id": None,
            "card_number": None,
            "misc": None,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }


# What the REST API shows of other users (model ``PUBLIC_DATA`` / ``ADMIN_DATA``, §5.7).
PUBLIC_USER_FIELDS = (
    "email_digest", "email", "nickname", "name", "first_name", "last_name", "groups",
    "country", "building", "image", "created_at", "authority_id", "deleted", "department",
    "preferred_language", "staff_id", "phone", "work_preferences", "work_overrides",
    "login_count", "last_login", "photo_upload_id", "locatable",
)  # fmt: skip
ADMIN_USER_FIELDS = ("sys_admin", "support", "misc", "login_name", "card_number", "ui_theme")


@dataclass
class ApiKey:
    """``<id>.<secret>`` key of a user (§2.1); scopes default to ``["public"]``."""

    id: str
    secret: str
    user_id: str
    scopes: list[str]
    expires_at: float | None = None

    @property
    def token(self) -> str:
        return f"{self.id}.{self.secret}"


# -- guests ---------------------------------------------------------------------------------


@dataclass
class Guest:
    """Visitor profile, unique per tenant by lower-cased email (§5.3)."""

    id: int
    email: str
    name: str | None  # nilable in the model: a PATCH may clear it
    created_at: int
    updated_at: int
    preferred_name: str | None = None
    phone: str | None = None
    organisation: str | None = None
    notes: str | None = None
    photo: str | None = None
    banned: bool = False
    dangerous: bool = False
    extension_data: JsonDict = field(default_factory=dict)

    def render(self, attendance: Attendee | None = None) -> JsonDict:
        return {
            "id": self.id,
            "tenant_id": TENANT_ID,
            "email": self.email,
            "name": self.name,
            "preferred_name": self.preferred_name,
            "phone": self.phone,
            "organisation": self.organisation,
            "notes": self.notes,
            "photo": self.photo,
            "banned": self.banned,
            "dangerous": self.dangerous,
            "searchable": f"{self.name or ''} {self.email}".strip().lower(),
            "extension_data": dict(self.extension_data),
            "checked_in": attendance.checked_in if attendance else None,
            "visit_expected": attendance.visit_expected if attendance else None,
            # output-only associations (§5.3); the visitor routes fill the one that applies
            "booking": None,
            "event": None,
            "event_metadata": None,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }

    def render_visiting(self, attendance: Attendee | None) -> JsonDict:
        """``Guest#to_h``: attendance flags default to false when there is no attendance."""
        rendered = self.render(attendance)
        rendered["checked_in"] = bool(attendance and attendance.checked_in)
        rendered["visit_expected"] = bool(attendance and attendance.visit_expected)
        return rendered


@dataclass
class Attendee:
    """A guest's attendance of one booking or one meeting (§5.4 output shape).

    Exactly one of ``booking_id`` and ``event_id`` is set; ``event_id`` is the meeting's
    event-metadata id (an integer), not the calendar's event id (§5.1 ``event_id``).
    """

    id: int
    guest_id: int
    booking_id: int | None
    created_at: int
    updated_at: int
    checked_in: bool = False
    visit_expected: bool = True
    event_id: int | None = None

    def render(self, guest: Guest) -> JsonDict:
        return {
            "id": self.id,
            "checked_in": self.checked_in,
            "visit_expected": self.visit_expected,
            "guest_id": self.guest_id,
            "tenant_id": TENANT_ID,
            "event_id": self.event_id,
            "booking_id": self.booking_id,
            "email": guest.email,
            "name": guest.name,
            "preferred_name": guest.preferred_name,
            "phone": guest.phone,
            "organisation": guest.organisation,
            "notes": guest.notes,
            "photo": guest.photo,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


# -- bookings -------------------------------------------------------------------------------


class BookingState(Enum):
    """``current_state`` / ``history[].state`` values (§5.1)."""

    RESERVED = "reserved"
    CHECKED_IN = "checked_in"
    CHECKED_OUT = "checked_out"
    NO_SHOW = "no_show"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    ENDED = "ended"
    UNKNOWN = "unknown"


@dataclass
class Booking:
    id: int
    booking_type: str
    booking_start: int
    booking_end: int
    asset_ids: list[str]
    user_id: str
    user_email: str
    user_name: str
    booked_by_id: str
    booked_by_email: str
    booked_by_name: str
    created: int
    updated_at: int
    zones: list[str] = field(default_factory=list)
    last_changed: int | None = None
    timezone: str | None = None
    title: str | None = None
    description: str | None = None
    department: str | None = None
    process_state: str | None = None
    approved: bool = False
    approved_at: int | None = None
    rejected: bool = False
    rejected_at: int | None = None
    approver_id: str | None = None
    approver_name: str | None = None
    approver_email: str | None = None
    checked_in: bool = False
    checked_in_at: int | None = None
    checked_out_at: int | None = None
    deleted: bool = False
    deleted_at: int | None = None
    booked_from: str | None = None
    extension_data: JsonDict = field(default_factory=dict)
    history: list[JsonDict] = field(default_factory=list)
    parent_id: int | None = None
    event_id: int | None = None
    images: list[str] = field(default_factory=list)
    induction: str = "tentative"
    permission: str = "private"
    recurrence_type: str = "none"
    recurrence_days: int = 0b1111111
    recurrence_nth_of_month: int = 1
    recurrence_interval: int = 1
    recurrence_end: int | None = None
    all_day: bool = False

    @property
    def asset_id(self) -> str:
        """First of ``asset_ids`` — the server keeps them in sync on save (§5.1)."""
        return self.asset_ids[0] if self.asset_ids else ""

    def overlaps(self, start: int, end: int) -> bool:
        """The catalog's overlap rule: ``start < period_end && end > period_start``."""
        return self.booking_start < end and self.booking_end > start

    def blocks_its_assets(self) -> bool:
        """Whether it still occupies its assets for clash purposes (§3.7 clash rule)."""
        return not (self.rejected or self.deleted or self.checked_out_at is not None)


def _is_cancelled(booking: Booking) -> bool:
    deleted_at = booking.deleted_at
    return deleted_at is not None and (
        booking.booking_start > deleted_at
        or (booking.booking_end > deleted_at and booking.checked_in)
    )


def booking_state(booking: Booking, now: int) -> BookingState:
    """``current_state`` per the model's state machine (§5.1), first match wins."""
    b = booking
    if (
        b.booking_end > now
        and not b.checked_in
        and b.checked_in_at is None
        and b.deleted_at is None
        and b.rejected_at is None
        and b.checked_out_at is None
    ):
        return BookingState.RESERVED
    if (
        b.checked_in_at is not None
        and b.checked_in
        and b.checked_out_at is None
        and b.booking_end > now
        and not _is_cancelled(b)
    ):
        return BookingState.CHECKED_IN
    if b.checked_out_at is not None and b.booking_end >= b.checked_out_at:
        return BookingState.CHECKED_OUT
    if (
        b.checked_in_at is None
        and not _is_cancelled(b)
        and (b.booking_end < now or (b.deleted_at is not None and b.booking_end >= b.deleted_at))
    ):
        return BookingState.NO_SHOW
    if b.rejected_at is not None and b.booking_start > b.rejected_at:
        return BookingState.REJECTED
    if _is_cancelled(b):
        return BookingState.CANCELLED
    if b.checked_out_at is None and b.checked_in_at is not None and b.booking_end < now:
        return BookingState.ENDED
    return BookingState.UNKNOWN


def render_booking(
    booking: Booking, now: int, attendance: list[tuple[Attendee, Guest]]
) -> JsonDict:
    """Booking JSON with every §5.1 field; ``current_state`` computed for ``now``."""
    b = booking
    return {
        "id": b.id,
        "tenant_id": TENANT_ID,
        "booking_type": b.booking_type,
        "booking_start": b.booking_start,
        "booking_end": b.booking_end,
        "timezone": b.timezone,
        "asset_id": b.asset_id,
        "asset_ids": list(b.asset_ids),
        "user_id": b.user_id,
        "user_email": b.user_email,
        "user_name": b.user_name,
        "zones": list(b.zones),
        "process_state": b.process_state,
        "last_changed": b.last_changed,
        "approved": b.approved,
        "approved_at": b.approved_at,
        "rejected": b.rejected,
        "rejected_at": b.rejected_at,
        "approver_id": b.approver_id,
        "approver_name": b.approver_name,
        "approver_email": b.approver_email,
        "department": b.department,
        "title": b.title,
        "checked_in": b.checked_in,
        "checked_in_at": b.checked_in_at,
        "checked_out_at": b.checked_out_at,
        "description": b.description,
        "deleted": b.deleted,
        "deleted_at": b.deleted_at,
        "booked_by_id": b.booked_by_id,
        "booked_by_email": b.booked_by_email,
        "booked_by_name": b.booked_by_name,
        "booked_from": b.booked_from,
        "extension_data": dict(b.extension_data),
        "history": [dict(entry) for entry in b.history],
        "email_digest": email_digest(b.user_email),
        "booked_by_email_digest": email_digest(b.booked_by_email),
        "created": b.created,
        "parent_id": b.parent_id,
        "event_id": b.event_id,
        "instance": None,
        "linked_event": None,
        "linked_bookings": None,
        "current_state": booking_state(b, now).value,
        "attendees": [attendee.render(guest) for attendee, guest in attendance],
        "guests": [guest.render(attendee) for attendee, guest in attendance],
        "images": list(b.images),
        "induction": b.induction,
        "permission": b.permission,
        "recurrence_type": b.recurrence_type,
        "recurrence_days": b.recurrence_days,
        "recurrence_nth_of_month": b.recurrence_nth_of_month,
        "recurrence_interval": b.recurrence_interval,
        "recurrence_end": b.recurrence_end,
        "all_day": b.all_day,
        "created_at": b.created,
        "updated_at": b.updated_at,
    }
