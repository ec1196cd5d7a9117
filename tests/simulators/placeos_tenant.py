"""All state of one simulated PlaceOS tenant: authority, people, buildings, bookings, guests."""

from __future__ import annotations

import random

from .clock import SimClock
from .placeos_bookings import BookingBook
from .placeos_buildings import Buildings
from .placeos_directory import Directory
from .placeos_guests import GuestBook
from .placeos_model import IdFactory, JsonDict

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
