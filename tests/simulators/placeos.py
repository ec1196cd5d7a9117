"""Stateful fake of the PlaceOS Staff API + REST API (catalog ``shared/reference/placeos.md``).

``PlaceOSSimulator`` serves one tenant on loopback over real HTTP and offers direct methods
to shape its state from tests and the demo. Direct booking methods skip HTTP and auth but
apply the same model rules as the API (they raise ``PlaceOSError`` where the API would
answer with an error).

Usage::

    sim = PlaceOSSimulator(seed=1)
    await sim.start()
    # talk to sim.url with header X-API-Key: sim.api_key
    await sim.stop()
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from .clock import SimClock
from .faults import FaultInjector
from .placeos_booking_input import AttendeeInput, read_attendee_list, read_attributes
from .placeos_errors import PlaceOSError
from .placeos_http import build_app
from .placeos_meeting_model import Meeting
from .placeos_model import Booking, JsonDict, User
from .placeos_seed import seed_building
from .placeos_tenant import PlaceOSTenant
from .serving import LoopbackServer

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["FaultInjector", "PlaceOSError", "PlaceOSSimulator", "SimClock"]


class PlaceOSSimulator:
    """One PlaceOS tenant served over HTTP on loopback."""

    def __init__(
        self, *, domain: str = "127.0.0.1", clock: SimClock | None = None, seed: int | None = 1
    ) -> None:
        self.clock = clock or SimClock()
        self.faults = FaultInjector()
        id_rng = random.Random(f"placeos-ids-{seed}") if seed is not None else random.Random()
        self.tenant = PlaceOSTenant(domain=domain, clock=self.clock, rng=id_rng)
        directory = self.tenant.directory
        domain_part = self.tenant.email_domain
        self.home_assistant = directory.add_user(
            "Home Assistant", f"home-assistant@{domain_part}", permissions="support"
        )
        # Approvals made through the direct methods are signed by this person.
        self.manager = directory.add_user(
            "Facilities Manager", f"facilities@{domain_part}", permissions="admin"
        )
        self.api_key = directory.issue_key(self.home_assistant.id)
        self._server = LoopbackServer(build_app(self.tenant, self.faults), self.clock)
        if seed is not None:
            self.seed_building(random.Random(seed))

    # -- identity and serving -------------------------------------------------------------

    @property
    def authority_id(self) -> str:
        return self.tenant.authority_id

    @property
    def domain(self) -> str:
        return self.tenant.domain

    @property
    def org_zone_id(self) -> str:
        return self.tenant.buildings.org_zone.id

    @property
    def app(self) -> web.Application:
        """The aiohttp application served (add extra routes, e.g. ``--bench``, before start)."""
        return self._server.app

    @property
    def url(self) -> str:
        return self._server.url

    @property
    def port(self) -> int:
        return self._server.port

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await self._server.start(host, port)

    async def stop(self) -> None:
        await self._server.stop()

    async def go_down(self) -> None:
        """Stop listening (connection refused) but keep all state and the port."""
        await self._server.go_down()

    async def come_up(self) -> None:
        """Listen again on the same port."""
        await self._server.come_up()

    # -- tenant settings ------------------------------------------------------------------

    @property
    def booking_limits(self) -> dict[str, int]:
        """Tenant ``booking_limits`` (booking type → max concurrent per user); empty = none."""
        return self.tenant.bookings.booking_limits

    @property
    def early_checkin(self) -> int:
        return self.tenant.bookings.early_checkin

    @early_checkin.setter
    def early_checkin(self, seconds: int) -> None:
        self.tenant.bookings.early_checkin = seconds

    @property
    def signals(self) -> list[tuple[str, bytes]]:
        """``(channel, body)`` of every ``POST /api/engine/v2/signal`` received."""
        return self.tenant.signals

    # -- building model -------------------------------------------------------------------

    def building_ids(self) -> list[str]:
        """Ids of the building zones, in creation order."""
        return [z.id for z in self.tenant.buildings.zones.values() if "building" in z.tags]

    def zone_name(self, zone_id: str) -> str:
        """The display name of a zone."""
        return self.tenant.buildings.zones[zone_id].name

    def add_building(self, name: str, *, timezone: str | None = None) -> str:
        return self.tenant.buildings.add_building(name, timezone=timezone).id

    def add_level(self, building_id: str, name: str) -> str:
        return self.tenant.buildings.add_level(building_id, name).id

    def add_desk(
        self,
        level_id: str,
        name: str,
        *,
        desk_id: str | None = None,
        bookable: bool = True,
        features: list[str] | None = None,
    ) -> str:
        return self.tenant.buildings.add_desk(
            level_id, name, desk_id=desk_id, bookable=bookable, features=features
        )

    def remove_desk(self, level_id: str, desk_id: str) -> None:
        self.tenant.buildings.remove_desk(level_id, desk_id)

    def add_room(
        self,
        level_id: str,
        name: str,
        *,
        capacity: int = 8,
        approval: bool = False,
        features: list[str] | None = None,
    ) -> str:
        return self.tenant.buildings.add_room(
            level_id, name, capacity=capacity, approval=approval, features=features
        ).id

    def remove_room(self, system_id: str) -> None:
        self.tenant.buildings.remove_room(system_id)

    def seed_building(
        self,
        rng: random.Random,
        *,
        buildings: int = 2,
        levels_per_building: int = 3,
        desks_per_level: int = 25,
        rooms_per_level: int = 2,
    ) -> None:
        seed_building(
            self,
            rng,
            buildings=buildings,
            levels_per_building=levels_per_building,
            desks_per_level=desks_per_level,
            rooms_per_level=rooms_per_level,
        )

    def desk_ids(self) -> list[str]:
        return self.tenant.buildings.desk_ids()

    def room_ids(self) -> list[str]:
        return list(self.tenant.buildings.systems)

    # -- people and keys ------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        email: str,
        *,
        permissions: str = "user",
        department: str | None = None,
    ) -> str:
        return self.tenant.directory.add_user(
            name, email, permissions=permissions, department=department
        ).id

    def issue_key(
        self, user_id: str, *, scopes: list[str] | None = None, expires_at: float | None = None
    ) -> str:
        """A new ``<id>.<secret>`` key; ``expires_at`` is simulated unix time."""
        return self.tenant.directory.issue_key(user_id, scopes=scopes, expires_at=expires_at)

    def revoke_key(self, key: str) -> None:
        self.tenant.directory.revoke_key(key)

    # -- bookings -------------------------------------------------------------------------

    @property
    def bookings(self) -> dict[int, Booking]:
        return self.tenant.bookings.bookings

    def create_booking(
        self,
        *,
        asset_id: str,
        booking_type: str,
        start: float,
        end: float,
        user_email: str,
        user_name: str | None = None,
        zones: list[str] | None = None,
        title: str | None = None,
        checked_in: bool = False,
        approved: bool = False,
    ) -> JsonDict:
        """Book as the person themselves would; zones default to the asset's location."""
        owner = self._person(user_email, user_name)
        location = self.tenant.buildings.find_asset(asset_id)
        fields: dict[str, Any] = {
            "booking_type": booking_type,
            "booking_start": int(start),
            "booking_end": int(end),
            "asset_id": asset_id,
            "zones": list(zones) if zones is not None else list(location.zones if location else ()),
            "title": title,
            "approved": approved,
        }
        book = self.tenant.bookings
        booking = book.create(fields, owner)
        if approved:
            booking.approver_id, booking.approver_email = self.manager.id, self.manager.email
            booking.approver_name, booking.approved_at = self.manager.name, booking.created
        if checked_in:
            try:
                book.check_in(booking)
            except PlaceOSError:
                book.forget(booking.id)  # all or nothing, like one request
                raise
        return book.render(booking)

    def _person(self, email: str, name: str | None) -> User:
        directory = self.tenant.directory
        person = directory.user_by_email(email)
        if person is None:
            fallback = email.split("@", 1)[0].replace(".", " ").title()
            person = directory.add_user(name or fallback, email)
        return person

    def check_in(self, booking_id: int) -> JsonDict:
        book = self.tenant.bookings
        return book.render(book.check_in(book.get(booking_id), state=True))

    def check_out(self, booking_id: int) -> JsonDict:
        book = self.tenant.bookings
        return book.render(book.check_in(book.get(booking_id), state=False))

    def approve(self, booking_id: int) -> JsonDict:
        book = self.tenant.bookings
        return book.render(book.approve(book.get(booking_id), self.manager))

    def reject(self, booking_id: int) -> JsonDict:
        book = self.tenant.bookings
        return book.render(book.reject(book.get(booking_id), self.manager))

    def add_guest(self, booking_id: int, email: str, name: str) -> JsonDict:
        """Put a visitor on a booking, as the booking's host would."""
        booking = self.tenant.bookings.get(booking_id)
        return self.tenant.bookings.add_attendee(
            booking, AttendeeInput(email=email.lower(), name=name, visit_expected=True)
        )

    def check_in_guest(self, booking_id: int, email: str) -> JsonDict:
        """A visitor arrives at reception (checks the booking in too, §3.4)."""
        booking = self.tenant.bookings.get(booking_id)
        return self.tenant.bookings.guest_check_in(booking, email.lower(), state=True)

    def delete_booking(self, booking_id: int) -> None:
        book = self.tenant.bookings
        book.delete(book.get(booking_id))

    def booking(self, booking_id: int) -> JsonDict:
        book = self.tenant.bookings
        return book.render(book.get(booking_id))

    # -- room meetings (calendar events, §3.5) ----------------------------------------------

    @property
    def meetings(self) -> dict[str, Meeting]:
        """Every meeting of every room calendar by event id (cancelled ones included)."""
        return self.tenant.meetings.meetings

    @property
    def failing_calendars(self) -> set[str]:
        """Room ids whose calendar fails to load: skipped, counted in ``X-Calendar-Errors``."""
        return self.tenant.meetings.failing_calendars

    def add_meeting(
        self,
        system_id: str,
        *,
        start: float,
        end: float,
        title: str,
        host_email: str,
        host_name: str | None = None,
        attendees: list[dict[str, Any]] | None = None,
        private: bool = False,
    ) -> str:
        """Book a room through its calendar as the host would; returns the event id.

        ``attendees`` take the §5.4 input shape (``name``, ``email``, optional contact
        details and ``visit_expected``); those who are not tenant users become guests.
        Raises ``PlaceOSError`` like the API: 404 unknown room, 409 room already taken.
        """
        host = self._person(host_email, host_name)
        invited = read_attributes(
            {"attendees": attendees or []}, {"attendees": read_attendee_list}, "meeting"
        )["attendees"]
        fields: dict[str, Any] = {
            "system_id": system_id,
            "event_start": int(start),
            "event_end": int(end),
            "title": title,
            "host": host.email,
            "attendees": invited,
            "private": private,
        }
        return self.tenant.meetings.create(fields, host).id

    def cancel_meeting(self, event_id: str) -> None:
        """The host cancels: the event stays, ``status: "cancelled"``."""
        book = self.tenant.meetings
        book.cancel(book.get(event_id))

    def meeting(self, event_id: str) -> JsonDict:
        """The event as ``GET /events/{id}?system_id=`` renders it (room calendar)."""
        book = self.tenant.meetings
        return book.render(book.get(event_id))
