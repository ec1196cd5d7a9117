"""SALTO KS records held by the simulator (catalog §4).

Times are unix seconds on the ``SimClock``; ``salto_render`` turns records into wire JSON.
A lock stores its *resting* state (``locked`` or ``office_mode``); an opening sets
``unlocked_until`` and the lock reads ``unlocked`` until the clock passes it (§4.2: it
re-locks by itself after its open time, no "lock" call).

Two ids per person (§4.4): ``PlatformUser.id`` (entries' ``user_id``, ``/me``) and
``SiteUser.id`` (``/users/{id}``); the identity ``sub`` is a third one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import random
from typing import Any
import uuid as uuid_module

from .salto_constants import DEFAULT_OPEN_TIME, SUBSCRIPTION_FEATURES

JsonDict = dict[str, Any]


class IdFactory:
    """uuid4-shaped ids and tokens, deterministic for a seeded simulator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def make(self) -> str:
        return str(uuid_module.UUID(int=self.rng.getrandbits(128), version=4))

    def token(self, length: int = 32, alphabet: str | None = None) -> str:
        chars = alphabet or "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        return "".join(self.rng.choices(chars, k=length))

    def hex(self, length: int) -> str:
        return self.token(length, "0123456789ABCDEF")

    def digits(self, length: int) -> str:
        return self.token(length, "0123456789")


@dataclass
class Site:
    id: str
    site_uid: str
    customer_reference: str
    time_zone: str
    country_code: str
    owner_id: str = ""  # platform user id
    subscribed_user_amount: int = 25
    pin_enabled: bool = True
    installation_state: str = "released"
    mkey_compatible: bool = True
    subscription_type: str = "default"
    features: list[str] = field(default_factory=lambda: list(SUBSCRIPTION_FEATURES))


@dataclass
class Iq:
    id: str
    customer_reference: str
    mac: str
    online: bool = True
    otp_enabled: bool = True
    operator: str = "Telekom.de KPN Mode 7"
    state: str = "active"
    led_enabled: bool = True
    data_sync_state: str = "synced"
    signal_strength: int = 21
    revision: str = "2.0"


@dataclass
class Lock:
    id: str
    customer_reference: str
    mac: str
    iq_id: str
    lock_type: str = "escutcheon_pin"
    floor: str | None = None
    online: bool = True
    resting_state: str = "locked"  # locked | office_mode (| none | uncertain via set_lock)
    unlocked_until: float | None = None
    open_time: float = DEFAULT_OPEN_TIME
    battery_level: str = "fresh"
    left_open_alarm: bool = False
    intrusion_alarm: bool = False
    privacy_mode: bool = False
    offline_access_keys_limit: int = 360
    offline_access_keys_count: int = 0
    communication_type: str = "blue_net"
    iq_link_state: str = "attached"
    tag_registration_state: str = "not_started"

    def locked_state(self, now: float) -> str:
        if self.unlocked_until is not None and now < self.unlocked_until:
            return "unlocked"
        return self.resting_state

    def settle(self, now: float) -> None:
        if self.unlocked_until is not None and now >= self.unlocked_until:
            self.unlocked_until = None

    def unlock(self, now: float) -> None:
        """An opening: ``unlocked`` for ``open_time`` seconds, then back to rest."""
        if self.resting_state != "office_mode":
            self.unlocked_until = now + self.open_time


@dataclass
class PlatformUser:
    id: str
    first_name: str
    last_name: str
    email: str | None
    tag_number: str | None = None
    phone: str | None = None
    language: str = "en-GB"
    image_url: str | None = None
    has_profile: bool = True
    is_managed_by_current_site: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class SiteUser:
    id: str
    user: PlatformUser
    roles: list[str]
    alias: str | None = ""
    remote_access: bool = False
    blocked: bool = False
    subscription_state: str = "subscribed"
    use_pin: bool = True
    toggle_easy_office_mode: bool = False
    toggle_manual_office_mode: bool = False
    override_privacy_mode: bool = False
    tag_owned_by_this_site: bool = False
    expires_at: str | None = None
    activated_iqs: dict[str, float] = field(default_factory=dict)  # iq id → activation time
    invited: bool = False  # added through a pod by an unknown email (§4.6)


@dataclass
class Schedule:
    """A weekly window (§4.5 time schedule shape, used by pod access rules)."""

    days: tuple[bool, bool, bool, bool, bool, bool, bool]
    start_time: str = "00:00:00"
    end_time: str = "23:59:59"
    start_date: str | None = None
    end_date: str | None = None


@dataclass
class AccessRule:
    rule_type: str
    locks: list[str] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


@dataclass
class PodGuest:
    id: str  # PodGuest.Id — what remove_guests_ids takes (seed 004)
    site_user_id: str
    access_rule: AccessRule


@dataclass
class PodMember:
    site_user_id: str
    tag_id: str | None = None
    remote_access: bool = True


@dataclass
class Pod:
    id: str
    customer_reference: str
    max_guest_amount: int
    locks: list[str]
    access_rule: AccessRule
    members: list[PodMember] = field(default_factory=list)
    guests: list[PodGuest] = field(default_factory=list)


@dataclass
class Entry:
    """One access event, with the lock, IQ and user as they were at that moment."""

    id: str
    seq: int
    at: float  # event time (UTC unix seconds)
    stored_at: float  # when the cloud stored it (expiration counts from here)
    event_category: str
    event_detail: str | None
    lock_id: str
    lock_mac_address: str
    lock_customer_reference: str
    iq_id: str
    iq_customer_reference: str
    iq_mac_address: str
    iq_revision: str
    access_by: str
    access_detail: str | None
    exit_requested: bool = False
    user_id: str | None = None
    user_first_name: str | None = None
    user_last_name: str | None = None
    user_image_url: str | None = None
    user_alias: str | None = None
