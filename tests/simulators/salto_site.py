"""One SALTO KS site: its IQs, locks, people, pods and entry log (catalog §4.1-§4.7).

Lookups raise the API's errors (404 ``2202`` for an unknown id), so routes and the
simulator's direct methods share them. ``settle`` applies the clock: locks whose open time
has passed read ``locked`` again (§4.2).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from .clock import SimClock
from .salto_constants import DEFAULT_OPEN_TIME, LOCKED_STATES
from .salto_entries import EntryLog
from .salto_errors import not_found, value_invalid
from .salto_model import IdFactory, Iq, Lock, PlatformUser, Pod, Site, SiteUser

SETTABLE_LOCK_FIELDS = frozenset(
    {
        "online",
        "battery_level",
        "intrusion_alarm",
        "left_open_alarm",
        "locked_state",
        "privacy_mode",
        "customer_reference",
        "floor",
        "lock_type",
        "open_time",
        "offline_access_keys_count",
    }
)
SETTABLE_IQ_FIELDS = frozenset(
    {"online", "otp_enabled", "customer_reference", "data_sync_state", "signal_strength"}
)


class SaltoSite:
    """The state of one site, shared by the HTTP routes and the direct methods."""

    def __init__(
        self,
        clock: SimClock,
        ids: IdFactory,
        *,
        name: str,
        site_uid: str,
        time_zone: str = "Europe/Berlin",
        country_code: str = "DE",
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.site = Site(ids.make(), site_uid, name, time_zone, country_code)
        self.zone = ZoneInfo(time_zone)
        self.iqs: dict[str, Iq] = {}
        self.locks: dict[str, Lock] = {}
        self.platform_users: dict[str, PlatformUser] = {}
        self.site_users: dict[str, SiteUser] = {}
        self.pods: dict[str, Pod] = {}
        self.entries = EntryLog(clock, ids)
        self.default_open_time = DEFAULT_OPEN_TIME
        self.users_bare_array = False  # GET /users was once measured as a bare array (§3)

    def now(self) -> float:
        return self.clock.now()

    def settle(self) -> None:
        now = self.now()
        for lock in self.locks.values():
            lock.settle(now)

    # -- IQs and locks ----------------------------------------------------------------------

    def add_iq(self, name: str) -> Iq:
        mac = ".".join(self.ids.hex(2) for _ in range(3))
        iq = Iq(self.ids.make(), name, mac)
        self.iqs[iq.id] = iq
        return iq

    def iq(self, iq_id: str) -> Iq:
        try:
            return self.iqs[iq_id]
        except KeyError:
            raise not_found("Iq") from None

    def set_iq(self, iq_id: str, **fields: Any) -> None:
        iq = self.iq(iq_id)
        unknown = set(fields) - SETTABLE_IQ_FIELDS
        if unknown:
            raise TypeError(f"unknown IQ fields: {sorted(unknown)}")
        for name, value in fields.items():
            setattr(iq, name, value)

    def add_lock(
        self,
        name: str,
        *,
        iq_id: str | None = None,
        online: bool = True,
        battery: str = "fresh",
        lock_type: str = "escutcheon_pin",
        floor: str | None = None,
    ) -> Lock:
        if iq_id is None:
            iq_id = next(iter(self.iqs)) if self.iqs else self.add_iq("IQ 01").id
        lock = Lock(
            self.ids.make(),
            name,
            "01" + self.ids.hex(12),
            self.iq(iq_id).id,
            lock_type=lock_type,
            floor=floor,
            online=online,
            battery_level=battery,
            open_time=self.default_open_time,
        )
        self.locks[lock.id] = lock
        return lock

    def lock(self, lock_id: str) -> Lock:
        try:
            return self.locks[lock_id]
        except KeyError:
            raise not_found("Lock") from None

    def iq_of(self, lock: Lock) -> Iq:
        return self.iqs[lock.iq_id]

    def set_lock(self, lock_id: str, **fields: Any) -> None:
        """Change what the lock reports (``locked_state`` sets its resting state)."""
        lock = self.lock(lock_id)
        unknown = set(fields) - SETTABLE_LOCK_FIELDS
        if unknown:
            raise TypeError(f"unknown lock fields: {sorted(unknown)}")
        for name, value in fields.items():
            if name == "locked_state":
                if value not in LOCKED_STATES:
                    raise value_invalid("locked_state")
                if value == "unlocked":
                    lock.unlock(self.now())
                else:
                    lock.resting_state = value
                    lock.unlocked_until = None
            else:
                setattr(lock, name, value)

    def remove_lock(self, lock_id: str) -> None:
        self.lock(lock_id)
        del self.locks[lock_id]
        for pod in self.pods.values():
            pod.locks = [lid for lid in pod.locks if lid != lock_id]
            for guest in pod.guests:
                guest.access_rule.locks = [lid for lid in guest.access_rule.locks if lid != lock_id]

    # -- people -----------------------------------------------------------------------------

    def add_platform_user(
        self,
        first_name: str,
        last_name: str,
        email: str | None,
        *,
        tag_number: str | None = None,
        has_profile: bool = True,
    ) -> PlatformUser:
        person = PlatformUser(
            self.ids.make(),
            first_name,
            last_name,
            email.strip().lower() if email else None,
            tag_number=tag_number,
            has_profile=has_profile,
        )
        self.platform_users[person.id] = person
        return person

    def add_site_user(
        self,
        person: PlatformUser,
        *,
        roles: list[str] | None = None,
        remote_access: bool = False,
        alias: str | None = "",
        invited: bool = False,
    ) -> SiteUser:
        member = SiteUser(
            self.ids.make(),
            person,
            list(roles or ["site_user"]),
            alias=alias,
            remote_access=remote_access,
            tag_owned_by_this_site=person.tag_number is not None,
            invited=invited,
        )
        self.site_users[member.id] = member
        return member

    def add_person(
        self,
        first_name: str,
        last_name: str,
        email: str | None = None,
        *,
        roles: list[str] | None = None,
        tag_number: str | None = None,
        remote_access: bool = False,
    ) -> SiteUser:
        tag = tag_number if tag_number is not None else "0" + self.ids.digits(7)
        person = self.add_platform_user(first_name, last_name, email, tag_number=tag)
        return self.add_site_user(person, roles=roles, remote_access=remote_access)

    def site_user(self, site_user_id: str) -> SiteUser:
        try:
            return self.site_users[site_user_id]
        except KeyError:
            raise not_found("User") from None

    def site_user_of(self, platform_user_id: str) -> SiteUser | None:
        return next((u for u in self.site_users.values() if u.user.id == platform_user_id), None)

    def platform_user_by_email(self, email: str) -> PlatformUser | None:
        wanted = email.strip().lower()
        return next((u for u in self.platform_users.values() if u.email == wanted), None)

    def site_user_by_name(self, first_name: str, last_name: str) -> SiteUser | None:
        return next(
            (
                u
                for u in self.site_users.values()
                if (u.user.first_name, u.user.last_name) == (first_name, last_name)
            ),
            None,
        )

    # -- pods -------------------------------------------------------------------------------

    def pod(self, pod_id: str) -> Pod:
        try:
            return self.pods[pod_id]
        except KeyError:
            raise not_found("Pod") from None

    # -- subscription -----------------------------------------------------------------------

    def active_user_amount(self) -> int:
        subscribed = [u for u in self.site_users.values() if u.subscription_state == "subscribed"]
        return min(len(subscribed), self.site.subscribed_user_amount)
