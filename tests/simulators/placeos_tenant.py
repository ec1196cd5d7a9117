"""All state of one simulated PlaceOS tenant: people, buildings, bookings, guests, meetings."""

from __future__ import annotations

import random

from .clock import SimClock
from .placeos_bookings import BookingBook
from .placeos_buildings import Buildings
from .placeos_directory import Directory
from .placeos_guests import GuestBook
from .placeos_meetings import MeetingBook
from .placeos_model import IdFactory, JsonDict
from .placeos_visitors import Visitors

ORG_NAME = "Acme Corporation"
EMAIL_DOMAIN = "acme.example"


class PlaceOSTenant:
    """One authority/tenant served on one domain."""

    def __init__(self, *, domain: str, clock: SimClock, rng: random.Random) -> None:
        self.domain = domain
        self.clock = clock
        self.email_domain = EMAIL_DOMAIN
        self.ids = IdFactory(rng)
        self.authority_id = self.ids.make("authority")
        self.authority_name = ORG_NAME
        self.directory = Directory(self.ids, clock, self.authority_id)
        self.buildings = Buildings(self.ids, clock, ORG_NAME, EMAIL_DOMAIN)
        self.guests = GuestBook(clock)
        self.bookings = BookingBook(clock, self.directory, self.guests)
        # Event ids come from their own generator so adding meetings leaves every other
        # seeded id (users, keys, zones) as it was.
        event_ids = IdFactory(random.Random(f"placeos-events-{self.authority_id}"))
        self.meetings = MeetingBook(
            clock,
            self.buildings,
            self.directory,
            self.guests,
            ids=event_ids,
            email_domain=EMAIL_DOMAIN,
        )
        self.visitors = Visitors(clock, self.bookings, self.meetings, self.guests)
        self.signals: list[tuple[str, bytes]] = []  # (channel, raw body) of POST /signal

    def render_authority(self) -> JsonDict:
        """``GET /auth/authority`` (§5.9)."""
        return {
            "id": self.authority_id,
            "name": self.authority_name,
            "domain": self.domain,
            "description": f"{self.authority_name} workplace",
            "login_url": "/login?continue={{url}}",
            "logout_url": "/auth/logout",
            "config": {"org_zone": self.buildings.org_zone.id},
            "version": "v2.0.0",
            "session": False,
            "token_valid": False,
            "production": True,
        }
