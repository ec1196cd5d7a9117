"""All state of one simulated Deskbee account: structure, people, devices, bookings, passes.

The account owns the clock, the timezone (booking ``date``/``start_hour`` are read in it and
timestamps render with its offset) and the settings shared by the rule books. State changes
worth a webhook are handed to ``notify`` listeners as ``Notice`` objects.
"""

from __future__ import annotations

from collections.abc import Callable
import random
from zoneinfo import ZoneInfo

from .clock import SimClock
from .deskbee_bookings import BookingBook
from .deskbee_errors import invalid_field, not_found
from .deskbee_guestpass import GuestPassBook
from .deskbee_model import (
    PLACE_TYPES,
    Building,
    Device,
    Floor,
    Notice,
    Place,
    Site,
    User,
    UuidFactory,
)

DEFAULT_SITE = "São Paulo"
DEFAULT_ADDRESS = "Av. Paulista, 1000 - Bela Vista, São Paulo - SP, 01310-100"
DEFAULT_SECTOR = "Open Space"


class DeskbeeAccount:
    """One Deskbee account (tenant) identified by its ``code``."""

    def __init__(self, *, code: str, clock: SimClock, timezone: str, rng: random.Random) -> None:
        self.code = code
        self.clock = clock
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self.ids = UuidFactory(rng)
        self.sites: dict[str, Site] = {}
        self.buildings: dict[str, Building] = {}
        self.floors: dict[str, Floor] = {}
        self.places: dict[str, Place] = {}
        self.users: dict[str, User] = {}
        self._users_by_email: dict[str, User] = {}  # thousands of users at benchmark scale
        self.devices: dict[str, Device] = {}
        # Booking settings (apply to bookings created afterwards).
        self.tolerance_minutes = 15
        self.min_tolerance = 30
        self.participant_checkin = True
        # S1 shows no e-mail in a booking's person/owner; S2 did. Off = S1.
        self.booking_person_email = False
        self.listeners: list[Callable[[Notice], None]] = []
        self.bookings = BookingBook(self)
        self.guest_passes = GuestPassBook(self)

    # -- notifications ------------------------------------------------------------------------

    def notify(self, notice: Notice) -> None:
        for listener in self.listeners:
            listener(notice)

    def settle(self) -> None:
        """Apply the clock's transitions (fall, system check-out, pass expiry)."""
        self.bookings.settle()

    def now(self) -> float:
        """Simulated time in whole seconds (what the API serialises)."""
        return float(self.clock.now_int())

    # -- structure ----------------------------------------------------------------------------

    def add_site(self, name: str) -> Site:
        site = Site(self.ids.make(), name)
        self.sites[site.uuid] = site
        return site

    def default_site(self) -> Site:
        for site in self.sites.values():
            return site
        return self.add_site(DEFAULT_SITE)

    def add_building(
        self, name: str, *, address: str = DEFAULT_ADDRESS, site_uuid: str | None = None
    ) -> Building:
        site = self.sites[site_uuid] if site_uuid else self.default_site()
        building = Building(self.ids.make(), name, address, site.uuid, self.now())
        self.buildings[building.uuid] = building
        return building

    def add_floor(self, building_uuid: str, name: str, *, sector: str = DEFAULT_SECTOR) -> Floor:
        if building_uuid not in self.buildings:
            raise not_found("Building not found.")
        floor = Floor(
            self.ids.make(), name, building_uuid, self.ids.make(), sector, created_at=self.now()
        )
        self.floors[floor.uuid] = floor
        return floor

    def add_place(
        self,
        floor_uuid: str,
        name: str,
        *,
        place_type: str = "workspace",
        capacity: int = 1,
        requires_approval: bool = False,
        qrcode: str | None = None,
    ) -> Place:
        if floor_uuid not in self.floors:
            raise not_found("Floor not found.")
        if place_type not in PLACE_TYPES:
            raise invalid_field("place_type", f"The selected place type {place_type} is invalid.")
        now = self.now()
        code = qrcode or f"{PLACE_TYPES[place_type].code_prefix}-{self.ids.token(8).upper()}"
        place = Place(
            uuid=self.ids.make(),
            name=name,
            floor_uuid=floor_uuid,
            place_type=place_type,
            capacity=capacity,
            qrcode=code,
            created_at=now,
            updated_at=now,
            requires_approval=requires_approval,
        )
        self.places[place.uuid] = place
        return place

    def remove_place(self, place_uuid: str) -> None:
        place = self.place(place_uuid)
        place.removed = True
        place.updated_at = self.now()

    def add_user(
        self,
        name: str,
        email: str,
        *,
        enrollment: str | None = None,
        profile: str = "employee",
        documents: list[dict[str, str]] | None = None,
    ) -> User:
        address = email.strip().lower()
        if self.user_by_email(address) is not None:
            raise invalid_field("email", "The email has already been taken.")
        now = self.now()
        user = User(
            uuid=self.ids.make(),
            name=name,
            email=address,
            enrollment=enrollment,
            created_at=now,
            updated_at=now,
            profile=profile,
            timezone=self.timezone,
            documents=list(documents or []),
            person_uuid=self.ids.make(),
        )
        self.users[user.uuid] = user
        self._users_by_email[address] = user
        return user

    def add_device(
        self, code: str, building_uuid: str, *, action: str = "checkin", identifier: str = "email"
    ) -> Device:
        if building_uuid not in self.buildings:
            raise not_found("Building not found.")
        if action not in ("checkin", "checkout"):
            raise invalid_field("action", "The action must be checkin or checkout.")
        device = Device(code, building_uuid, action, identifier)
        self.devices[code] = device
        return device

    # -- lookups ------------------------------------------------------------------------------

    def building(self, building_uuid: str) -> Building:
        found = self.buildings.get(building_uuid)
        if found is None:
            raise not_found("Building not found.")
        return found

    def floor(self, floor_uuid: str) -> Floor:
        found = self.floors.get(floor_uuid)
        if found is None:
            raise not_found("Floor not found.")
        return found

    def place(self, place_uuid: str) -> Place:
        found = self.places.get(place_uuid)
        if found is None or found.removed:
            raise not_found("Place not found.")
        return found

    def user(self, user_uuid: str) -> User:
        found = self.users.get(user_uuid)
        if found is None:
            raise not_found("User not found.")
        return found

    def user_by_email(self, email: str) -> User | None:
        return self._users_by_email.get(email.strip().lower())

    def require_user_by_email(self, email: str) -> User:
        user = self.user_by_email(email)
        if user is None:
            raise not_found(f"User {email} not found.")
        return user

    def find_person(self, identifier: str, kind: str) -> User | None:
        """The user an automation identifier names (e-mail, enrollment or a document)."""
        value = identifier.strip()
        for user in self.users.values():
            if kind == "email" and user.email == value.lower():
                return user
            if kind == "enrollment" and user.enrollment == value:
                return user
            if kind == "document" and any(doc.get("doc") == value for doc in user.documents):
                return user
        return None

    def building_of_place(self, place: Place) -> Building:
        return self.buildings[self.floors[place.floor_uuid].building_uuid]

    def live_places(self, place_type: str | None = None) -> list[Place]:
        return [
            p
            for p in self.places.values()
            if not p.removed and (place_type is None or p.place_type == place_type)
        ]

    def parking_floors(self) -> list[Floor]:
        """Floors holding parking spots: what ``/parkings`` lists."""
        with_spots = {p.floor_uuid for p in self.live_places("parking")}
        return [f for f in self.floors.values() if f.uuid in with_spots]
