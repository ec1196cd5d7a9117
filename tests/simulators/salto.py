"""Stateful fake of SALTO KS: Connect API, identity server and SignalR entries hub (catalog
``shared/reference/salto-ks.md``).

``SaltoSimulator`` serves one site on loopback over real HTTP and WebSocket. The three
surfaces share one origin (``url``): identity at ``/connect/token`` (``identity_url`` = ``url``),
the Connect API under ``/v1.1`` and ``/v1.2``, the hub at ``/v1/hub/entries``. Direct methods
shape the state from tests and the demo; the ones that act at a door append an entry and
stream it at once, exactly as the API would.

The main login (``username``/``password``) is a site admin with remote access who has
activated every IQ, so ``current_otp()`` — what the SALTO KS app would show them — opens
doors remotely. Time is the ``SimClock``: locks re-lock, OTPs and tokens expire and blocks
clear when it moves, never by real sleeping.

Usage::

    sim = SaltoSimulator(seed=1)
    await sim.start()
    # POST f"{sim.url}/connect/token" (Basic sim.client_id:sim.client_secret,
    #   grant_type=password, username, password, scope="user_api.full_access offline_access")
    # GET f"{sim.url}/v1.2/sites/{sim.site_id}/locks" with the bearer token
    await sim.stop()
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from . import salto_doors as doors, salto_pods as pods, salto_render as render
from .clock import SimClock
from .faults import FaultInjector
from .salto_entry_query import EntryQuery
from .salto_errors import OAuthError, SaltoError
from .salto_http import Services, build_app
from .salto_identity import IdentityServer
from .salto_model import AccessRule, Entry, IdFactory, JsonDict, SiteUser
from .salto_otp import OtpGuard
from .salto_seed import seed_site
from .salto_site import SaltoSite
from .salto_stream import EntryStream
from .serving import LoopbackServer

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["FaultInjector", "OAuthError", "SaltoError", "SaltoSimulator", "SimClock"]

MAIN_USER = ("Home", "Assistant")


class SaltoSimulator:
    """One SALTO KS site, its identity server and its entries hub on loopback."""

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        seed: int | None = 1,
        site_name: str = "Werkhaus Kreuzberg",
        time_zone: str = "Europe/Berlin",
    ) -> None:
        self.clock = clock or SimClock()
        self.faults = FaultInjector()
        rng = random.Random(f"salto-ids-{seed}") if seed is not None else random.Random()
        ids = IdFactory(rng)
        self.state = SaltoSite(
            self.clock, ids, name=site_name, site_uid="DE" + ids.digits(10), time_zone=time_zone
        )
        self.identity = IdentityServer(self.clock, ids, lambda: self.url)
        client = self.identity.add_client()
        self.client_id = client.client_id
        self.client_secret = client.client_secret
        self.state.add_iq("IQ 01")
        first, last = MAIN_USER
        self.username = "home-assistant@werkhaus.example"
        self.password = ids.token(20)
        self._services = Services(
            site=self.state,
            identity=self.identity,
            entries=EntryQuery(self.state),
            stream=EntryStream(self.state),
        )
        admin = self.add_login(
            self.username, self.password, first, last, admin=True, remote_access=True
        )
        self.state.site.owner_id = admin.user.id
        self._server = LoopbackServer(build_app(self._services, self.faults), self.clock)
        if seed is not None:
            seed_site(self, random.Random(seed))

    # -- serving ------------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application served (add extra routes, e.g. ``--bench``, before start)."""
        return self._server.app

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` — API, identity and hub (valid once started)."""
        return self._server.url

    @property
    def identity_url(self) -> str:
        return self._server.url

    @property
    def hub_url(self) -> str:
        return f"{self._server.url}/v1/hub/entries"

    @property
    def port(self) -> int:
        return self._server.port

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await self._server.start(host, port)

    async def stop(self) -> None:
        await self.stream.shutdown()
        await self._server.stop()

    async def go_down(self) -> None:
        """Stop listening (connection refused), cut connections and hub sockets; keep state."""
        self.stream.drop_all()
        await self._server.go_down()

    async def come_up(self) -> None:
        await self._server.come_up()

    def settle(self) -> None:
        """Apply the clock (locks re-lock); the API does this before every request."""
        self.state.settle()

    # -- identity -------------------------------------------------------------------------------

    @property
    def site_id(self) -> str:
        return self.state.site.id

    @property
    def token_lifetime(self) -> int:
        return self.identity.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.identity.token_lifetime = seconds

    @property
    def tokens_issued(self) -> int:
        return self.identity.tokens_issued

    @property
    def refreshes(self) -> int:
        return self.identity.refreshes

    def add_login(
        self,
        username: str,
        password: str,
        first_name: str,
        last_name: str,
        *,
        admin: bool = False,
        remote_access: bool = True,
        activated: bool = True,
    ) -> SiteUser:
        """Another KS login with a site user; ``activated`` = has activated every IQ."""
        roles = ["site_admin", "site_mobile_user"] if admin else ["site_user", "site_mobile_user"]
        member = self.state.add_person(
            first_name, last_name, username, roles=roles, remote_access=remote_access
        )
        self.identity.add_account(username, password, member.user.id)
        ids = self.state.ids
        self._services.guards[member.user.id] = OtpGuard(ids.hex(32), ids.digits(4))
        if activated:
            for iq_id in self.state.iqs:
                member.activated_iqs[iq_id] = self.clock.now()
        return member

    def revoke_user(self, username: str | None = None) -> None:
        """The login stops working: grants → ``invalid_grant``, its tokens → 401."""
        self.identity.revoke(username or self.username)

    def restore_user(self, username: str | None = None) -> None:
        self.identity.restore(username or self.username)

    def expire_tokens(self) -> None:
        """Every access token issued so far answers 401; refresh tokens keep working."""
        self.identity.expire_all()

    def expire_refresh_tokens(self) -> None:
        self.identity.expire_refresh_tokens()

    @property
    def refresh_token_reuse(self) -> bool:
        """Keep refresh tokens valid after use (default: rotate, one-time use)."""
        return self.identity.refresh_token_reuse

    @refresh_token_reuse.setter
    def refresh_token_reuse(self, value: bool) -> None:
        self.identity.refresh_token_reuse = value

    @property
    def require_pkce(self) -> bool:
        return self.identity.require_pkce

    @require_pkce.setter
    def require_pkce(self, value: bool) -> None:
        self.identity.require_pkce = value

    # -- OTP ----------------------------------------------------------------------------------

    def _guard(self, username: str | None) -> OtpGuard:
        account = self.identity.account(username or self.username)
        return self._services.guards[account.platform_user_id]

    def _member(self, username: str | None) -> SiteUser:
        account = self.identity.account(username or self.username)
        member = self.state.site_user_of(account.platform_user_id)
        assert member is not None
        return member

    def current_otp(self, username: str | None = None) -> str:
        """The code the SALTO KS app shows the user now (valid 3 minutes)."""
        return self._guard(username).current(self.clock.now())

    def otp_blocked(self, username: str | None = None) -> bool:
        return self._guard(username).blocked(self.clock.now())

    def set_otp_policy(
        self, *, max_failures: int | None = None, block_seconds: float | None = None
    ) -> None:
        """Failures before ``otp_blocked`` (3 by default) and its duration (300 s)."""
        for guard in self._services.guards.values():
            if max_failures is not None:
                guard.max_failures = max_failures
            if block_seconds is not None:
                guard.block_seconds = block_seconds

    def set_remote_access(self, allowed: bool, username: str | None = None) -> None:
        self._member(username).remote_access = allowed

    # -- IQs and locks ---------------------------------------------------------------------------

    @property
    def iq_ids(self) -> list[str]:
        return list(self.state.iqs)

    def set_iq(self, iq_id: str | None = None, **fields: Any) -> None:
        """``online``, ``otp_enabled``, ``customer_reference``, … of an IQ (default: the first)."""
        self.state.set_iq(iq_id or self.iq_ids[0], **fields)

    def add_lock(
        self,
        name: str,
        *,
        online: bool = True,
        battery: str = "fresh",
        lock_type: str = "escutcheon_pin",
        iq_id: str | None = None,
    ) -> str:
        return self.state.add_lock(
            name, iq_id=iq_id, online=online, battery=battery, lock_type=lock_type
        ).id

    def set_lock(self, lock_id: str, **fields: Any) -> None:
        """``online``, ``battery_level``, ``intrusion_alarm``, ``left_open_alarm``,
        ``locked_state`` (``unlocked`` opens for the open time), ``privacy_mode``,
        ``customer_reference``, ``open_time``, …"""
        self.state.set_lock(lock_id, **fields)

    def remove_lock(self, lock_id: str) -> None:
        self.state.remove_lock(lock_id)

    def lock_ids(self) -> list[str]:
        return list(self.state.locks)

    def lock(self, lock_id: str) -> JsonDict:
        """The lock as ``GET …/locks/{id}`` renders it now."""
        self.settle()
        lock = self.state.lock(lock_id)
        return render.lock(lock, self.state.iq_of(lock), self.clock.now())

    @property
    def open_time(self) -> float:
        """Seconds a lock stays ``unlocked`` after an opening (new locks)."""
        return self.state.default_open_time

    @open_time.setter
    def open_time(self, seconds: float) -> None:
        self.state.default_open_time = seconds
        for lock in self.state.locks.values():
            lock.open_time = seconds

    # -- people ----------------------------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        last_name: str,
        email: str | None = None,
        *,
        tag_number: str | None = None,
    ) -> str:
        """A site user with a tag; returns the platform user id (entries' ``user_id``)."""
        member = self.state.add_person(first_name, last_name, email, tag_number=tag_number)
        return member.user.id

    @property
    def invitations(self) -> list[str]:
        """Emails invited because no user had them (pod guests and members)."""
        return [u.user.email for u in self.state.site_users.values() if u.invited and u.user.email]

    # -- pods ------------------------------------------------------------------------------------

    def add_pod(self, name: str, *, locks: list[str], max_guest_amount: int = 5) -> str:
        body = {"customer_reference": name, "max_guest_amount": max_guest_amount, "locks": locks}
        return pods.create_pod(self.state, body).id

    def pod(self, pod_id: str) -> JsonDict:
        """The pod as ``GET …/pods/{id}`` renders it."""
        return render.pod(self.state, self.state.pod(pod_id))

    def pod_ids(self) -> list[str]:
        return list(self.state.pods)

    def add_guest(self, pod_id: str, *, first_name: str, last_name: str, email: str) -> str:
        """An ``always`` guest (limits apply); returns the PodGuest id."""
        body = {
            "add_guests": [
                {
                    "first_name": first_name,
                    "last_name": last_name,
                    "email": email,
                    "access_rule": {"access_rule_type": "always"},
                }
            ]
        }
        pod = pods.patch_guests(self.state, self.state.pod(pod_id), body)
        return pod.guests[-1].id

    def remove_guest(self, pod_id: str, guest_id: str) -> None:
        pod = self.state.pod(pod_id)
        pod.guests = [g for g in pod.guests if g.id != guest_id]

    def set_guest_rule(self, pod_id: str, guest_id: str, rule: AccessRule) -> None:
        pod = self.state.pod(pod_id)
        next(g for g in pod.guests if g.id == guest_id).access_rule = rule

    def guest_may_open(self, pod_id: str, email: str, lock_id: str) -> bool:
        """Whether the pod's guest with this email may open the lock now (their access rule)."""
        pod = self.state.pod(pod_id)
        for guest in pod.guests:
            if self.state.site_users[guest.site_user_id].user.email == email.lower():
                return pods.guest_may_open(pod, guest, lock_id, self.state.now(), self.state.zone)
        return False

    # -- doors -----------------------------------------------------------------------------------

    def _rendered(self, entry: Entry) -> JsonDict:
        return render.entry(entry, self.state)

    def open_with_tag(
        self, lock_id: str, *, first_name: str, last_name: str, granted: bool = True
    ) -> JsonDict:
        """A person presents their tag: ``lock_opened`` (unlocks) or ``lock_rejected``."""
        self.settle()
        entry = doors.open_with_tag(
            self.state, lock_id, first_name=first_name, last_name=last_name, granted=granted
        )
        return self._rendered(entry)

    def upload_late(
        self, lock_id: str, *, first_name: str, last_name: str, seconds_ago: float
    ) -> JsonDict:
        """A lock that was offline uploads an opening from ``seconds_ago``, queryable from now."""
        self.settle()
        entry = doors.late_opening(
            self.state,
            lock_id,
            first_name=first_name,
            last_name=last_name,
            at=self.state.now() - seconds_ago,
        )
        return self._rendered(entry)

    def open_with_pin(
        self, lock_id: str, *, first_name: str, last_name: str, granted: bool = True
    ) -> JsonDict:
        self.settle()
        entry = doors.open_with_pin(
            self.state, lock_id, first_name=first_name, last_name=last_name, granted=granted
        )
        return self._rendered(entry)

    def reject_unknown_tag(self, lock_id: str, tag_number: str = "02307300") -> JsonDict:
        return self._rendered(doors.reject_unknown_tag(self.state, lock_id, tag_number))

    def reject_unknown_pin(self, lock_id: str) -> JsonDict:
        return self._rendered(doors.reject_unknown_pin(self.state, lock_id))

    def exit_with_handle(self, lock_id: str) -> JsonDict:
        self.settle()
        return self._rendered(doors.exit_with_handle(self.state, lock_id))

    def easy_office_mode(
        self, lock_id: str, *, start: bool, first_name: str, last_name: str
    ) -> JsonDict:
        self.settle()
        entry = doors.easy_office_mode(
            self.state, lock_id, start=start, first_name=first_name, last_name=last_name
        )
        return self._rendered(entry)

    def app_open(self, lock_id: str, *, first_name: str, last_name: str) -> JsonDict:
        """Someone opens from the SALTO KS app: ``lock_opened`` by ``remote``."""
        self.settle()
        person = self.state.site_user_by_name(first_name, last_name) or self.state.add_person(
            first_name, last_name
        )
        return self._rendered(doors.app_open(self.state, lock_id, person))

    def remote_open(
        self, lock_id: str, otp: str | None, *, username: str | None = None
    ) -> JsonDict | None:
        """The locking PATCH without HTTP: same rules and errors (``SaltoError``)."""
        self.settle()
        body = {"locked_state": "unlocked", "otp": otp}
        member = self._member(username)
        entry = doors.remote_locking(self.state, member, self._guard(username), lock_id, body)
        return self._rendered(entry) if entry is not None else None

    # -- entries and stream ----------------------------------------------------------------------

    @property
    def entries(self) -> list[JsonDict]:
        """Every entry (rendered), oldest first — including ones not queryable yet."""
        return [self._rendered(entry) for entry in self.state.entries.items]

    @property
    def entries_delay(self) -> float:
        """Seconds before a new entry shows in ``GET …/entries`` (the stream is immediate)."""
        return self.state.entries.ingest_delay

    @entries_delay.setter
    def entries_delay(self, seconds: float) -> None:
        self.state.entries.ingest_delay = seconds

    def empty_entry_pages(self, count: int = 1) -> None:
        """The next ``count`` entry pages come back empty but still carry a token."""
        self._services.entries.empty_pages += count

    @property
    def entries_page_size(self) -> int:
        return self._services.entries.default_top

    @entries_page_size.setter
    def entries_page_size(self, size: int) -> None:
        self._services.entries.default_top = size

    @property
    def entries_scan_budget(self) -> int:
        """Entries a page may skip by ``$filter`` before answering (possibly empty, with a
        token)."""
        return self._services.entries.scan_budget

    @entries_scan_budget.setter
    def entries_scan_budget(self, count: int) -> None:
        self._services.entries.scan_budget = count

    @property
    def stream(self) -> EntryStream:
        """Hub controls: ``drop_all``, ``stall``/``resume``, ``replay_last``, ``flush``, …"""
        return self._services.stream

    # -- site settings ---------------------------------------------------------------------------

    @property
    def features(self) -> list[str]:
        """Subscription features (drop ``events_streaming`` to refuse the hub)."""
        return self.state.site.features

    @property
    def users_bare_array(self) -> bool:
        return self.state.users_bare_array

    @users_bare_array.setter
    def users_bare_array(self, value: bool) -> None:
        self.state.users_bare_array = value
