"""Deskbee records held by the simulator (catalog §5, §7).

Times are unix seconds; rendering to the wire shapes lives in ``deskbee_render``. A booking
stores the state it was last put in; the time-driven transitions (``reserved`` → ``fall``
when the tolerance passes, ``busy`` → ``last`` when the booking ends) are applied by
``BookingBook.settle`` from the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import random
from typing import Any
import uuid as uuid_module

JsonDict = dict[str, Any]


class UuidFactory:
    """uuid4-shaped ids, deterministic for a seeded simulator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def make(self) -> str:
        return str(uuid_module.UUID(int=self._rng.getrandbits(128), version=4))

    def token(self, length: int = 32) -> str:
        alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self._rng.choices(alphabet, k=length))


# -- place types -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceType:
    name: str
    description: str
    code_prefix: str

    def render(self) -> JsonDict:
        return {"name": self.name, "description": self.description, "code_prefix": self.code_prefix}


PLACE_TYPES: dict[str, PlaceType] = {
    kind.name: kind
    for kind in (
        PlaceType("workspace", "Estação de Trabalho.", "EST"),
        PlaceType("meetingroom", "Sala de Reunião.", "SAL"),
        PlaceType("parking", "Vaga de Estacionamento.", "VAG"),
        PlaceType("locker", "Armário.", "ARM"),
        PlaceType("dininghall", "Refeitório.", "REF"),
        PlaceType("bus", "Ônibus.", "ONI"),
        PlaceType("service", "Serviço.", "SER"),
    )
}
MEETING_ROOM = "meetingroom"
# Place types the check-in automation acts on (§6.11).
AUTOMATION_TYPES = frozenset({"workspace", "parking", "locker"})


# -- structure -------------------------------------------------------------------------------


@dataclass
class Site:
    uuid: str
    name: str
    is_active: bool = True


@dataclass
class Building:
    uuid: str
    name: str
    address: str
    site_uuid: str
    created_at: float
    is_active: bool = True


@dataclass
class Floor:
    uuid: str
    name: str
    building_uuid: str
    sector_uuid: str
    sector_name: str
    created_at: float
    is_active: bool = True


@dataclass
class Place:
    uuid: str
    name: str
    floor_uuid: str
    place_type: str
    capacity: int
    qrcode: str
    created_at: float
    updated_at: float
    requires_approval: bool = False
    is_active: bool = True
    removed: bool = False
    assigned_user_uuid: str | None = None

    @property
    def kind(self) -> PlaceType:
        return PLACE_TYPES[self.place_type]


@dataclass
class User:
    uuid: str
    name: str
    email: str
    enrollment: str | None
    created_at: float
    updated_at: float
    profile: str = "employee"
    status: bool = True
    language: str = "pt_BR"
    timezone: str = "America/Sao_Paulo"
    documents: list[JsonDict] = field(default_factory=list)
    person_uuid: str = ""


@dataclass
class Device:
    """A check-in automation device: turnstile/reader linked to a building (§6.11)."""

    code: str
    building_uuid: str
    action: str = "checkin"  # checkin | checkout
    identifier: str = "email"  # email | enrollment | document


# -- bookings --------------------------------------------------------------------------------


class State(StrEnum):
    RESERVED = "reserved"
    WAITING = "waiting"
    BUSY = "busy"
    LAST = "last"
    FALL = "fall"
    REJECTED = "rejected"
    CANCELED = "canceled"


# Webhook ``status.id`` (always a string on the wire). Only 1 and 5 are documented (§8);
# the others are the simulator's choice.
STATUS_IDS: dict[State, str] = {
    State.RESERVED: "1",
    State.WAITING: "2",
    State.REJECTED: "3",
    State.CANCELED: "4",
    State.BUSY: "5",
    State.LAST: "6",
    State.FALL: "7",
}
# States that hold the place (clash check).
BLOCKING = frozenset({State.RESERVED, State.WAITING, State.BUSY})


@dataclass
class Checkin:
    """One check-in (host or meeting participant) with its check-out."""

    uuid: str
    person_uuid: str
    person_name: str
    person_email: str | None
    checkin_at: float
    checkout_at: float | None = None
    is_checkin_api: bool = False
    is_checkout_api: bool = False
    is_checkout_system: bool = False
    enrollment: str | None = None


@dataclass
class MeetingGuest:
    uuid: str
    name: str
    email: str | None
    language: str = "pt_BR"


@dataclass
class Booking:
    uuid: str
    place_uuid: str
    person_uuid: str
    owner_uuid: str
    start: float
    end: float
    state: State
    tolerance_minutes: int
    min_tolerance: int
    created_at: float
    updated_at: float
    title: str | None = None
    description: str | None = None
    is_online: bool = False
    guests: list[MeetingGuest] = field(default_factory=list)
    checkin: Checkin | None = None
    participant_checkins: list[Checkin] = field(default_factory=list)
    deleted_at: float | None = None

    @property
    def checkin_min_time(self) -> float:
        return self.start - self.min_tolerance * 60

    @property
    def checkin_max_time(self) -> float:
        return self.start + self.tolerance_minutes * 60

    def overlaps(self, start: float, end: float) -> bool:
        return self.start < end and start < self.end


# -- guest pass ------------------------------------------------------------------------------


class PassStatus(StrEnum):
    ACTIVE = "active"
    CANCELED = "canceled"
    EXPIRED = "expired"
    PASSED = "passed"


# Guest-pass ``status`` (id is an int on the wire). Only 4 = Passed is documented (§6.5).
PASS_STATUS: dict[PassStatus, tuple[int, str]] = {
    PassStatus.ACTIVE: (1, "Active"),
    PassStatus.CANCELED: (2, "Canceled"),
    PassStatus.EXPIRED: (3, "Expired"),
    PassStatus.PASSED: (4, "Passed"),
}


@dataclass
class PassGuest:
    """One invited guest (a ``GuestPassGuest``); its uuid is what the API addresses."""

    uuid: str
    name: str
    email: str | None
    language: str
    token_access: str
    status: PassStatus
    updated_at: float
    master_uuid: str = ""


@dataclass
class GuestPass:
    """One invitation (the "master") for one or more guests."""

    uuid: str
    title: str
    description: str | None
    floor_uuid: str
    start: float
    end: float
    person_uuid: str
    approver_uuid: str
    booking_uuid: str | None
    created_at: float
    updated_at: float
    guests: list[PassGuest] = field(default_factory=list)
    doc_type: str | None = None
    doc_number: str | None = None


# -- notifications ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    """A state change worth a webhook: ``event`` + ``resource`` + ``included`` (§8)."""

    event: str
    action: str
    route: str
    resource_uuid: str
    included: JsonDict | None
