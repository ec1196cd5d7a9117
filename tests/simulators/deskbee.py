"""Stateful fake of the Deskbee public REST API v1.1 (catalog ``shared/reference/deskbee.md``).

``DeskbeeSimulator`` serves one account on loopback over real HTTP (API under
``f"{sim.url}/v1.1"``) and offers direct methods to shape its state from tests and the demo.
Direct booking methods skip HTTP and auth but apply the same rules as the API (they raise
``DeskbeeError`` where the API would answer with an error) and emit the same webhooks; they
act like the Deskbee app, so their check-ins/outs are not flagged ``is_checkin_api``.

Webhooks are queued on each state change. Tests send them with ``await
sim.flush_webhooks()``; the standalone server (``start_webhook_delivery``) sends them in the
background soon after the change.

Usage::

    sim = DeskbeeSimulator(seed=1)
    await sim.start()
    # POST f"{sim.url}/v1.1/oauth/token" with sim.client_id / sim.client_secret
    await sim.stop()
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from . import deskbee_render as render
from .clock import SimClock
from .deskbee_account import DEFAULT_ADDRESS, DeskbeeAccount
from .deskbee_auth import KNOWN_SCOPES, Credentials, RateLimit
from .deskbee_bookings import MeetingInput
from .deskbee_errors import DeskbeeError
from .deskbee_guestpass import GuestInput
from .deskbee_http import build_app
from .deskbee_model import Booking, JsonDict, State, UuidFactory
from .deskbee_paths import API_PREFIX
from .deskbee_seed import seed_account
from .deskbee_webhooks import Delivery, WebhookEmitter, WebhookMode
from .faults import FaultInjector
from .serving import LoopbackServer

if TYPE_CHECKING:
    from aiohttp import web

__all__ = ["DeskbeeError", "DeskbeeSimulator", "FaultInjector", "SimClock"]

DEFAULT_EVENTS = ("booking", "checkin", "guest_checkin")


class DeskbeeSimulator:
    """One Deskbee account served over HTTP on loopback."""

    def __init__(
        self,
        *,
        clock: SimClock | None = None,
        seed: int | None = 1,
        timezone: str = "America/Sao_Paulo",
        account: str = "acme",
    ) -> None:
        self.clock = clock or SimClock()
        self.faults = FaultInjector()
        id_rng = random.Random(f"deskbee-ids-{seed}") if seed is not None else random.Random()
        key_rng = random.Random(f"deskbee-keys-{seed}") if seed is not None else random.Random()
        self.account = account
        self.model = DeskbeeAccount(code=account, clock=self.clock, timezone=timezone, rng=id_rng)
        self.credentials = Credentials(self.clock, UuidFactory(key_rng), account)
        client = self.credentials.add_client(KNOWN_SCOPES)
        self.client_id = client.client_id
        self.client_secret = client.client_secret
        self.webhooks = WebhookEmitter(account_code=account, clock=self.clock, zone=self.model.zone)
        self.model.listeners.append(self.webhooks.notice)
        self._server = LoopbackServer(
            build_app(self.model, self.credentials, self.faults), self.clock
        )
        if seed is not None:
            self.seed_account(random.Random(seed))

    # -- serving ------------------------------------------------------------------------------

    @property
    def app(self) -> web.Application:
        """The aiohttp application served (add extra routes, e.g. ``--bench``, before start)."""
        return self._server.app

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``; the API lives under ``f"{url}/v1.1"``."""
        return self._server.url

    @property
    def api_url(self) -> str:
        return self._server.url + API_PREFIX

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def timezone(self) -> str:
        return self.model.timezone

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        await self._server.start(host, port)

    async def stop(self) -> None:
        await self.webhooks.close()
        await self._server.stop()

    async def go_down(self) -> None:
        """Stop listening (connection refused) but keep all state and the port."""
        await self._server.go_down()

    async def come_up(self) -> None:
        await self._server.come_up()

    # -- credentials --------------------------------------------------------------------------

    @property
    def token_lifetime(self) -> int:
        return self.credentials.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.credentials.token_lifetime = seconds

    @property
    def expires_in_as_string(self) -> bool:
        return self.credentials.expires_in_as_string

    @expires_in_as_string.setter
    def expires_in_as_string(self, value: bool) -> None:
        self.credentials.expires_in_as_string = value

    @property
    def enforce_scopes(self) -> bool:
        """Check the known scopes of each route (off by default; names are partly unknown)."""
        return self.credentials.enforce_scopes

    @enforce_scopes.setter
    def enforce_scopes(self, value: bool) -> None:
        self.credentials.enforce_scopes = value

    @property
    def tokens_issued(self) -> int:
        return self.credentials.tokens_issued

    def add_client(self, scopes: tuple[str, ...] = KNOWN_SCOPES) -> tuple[str, str]:
        """Another ClientApi; returns ``(client_id, client_secret)``."""
        client = self.credentials.add_client(scopes)
        return client.client_id, client.client_secret

    def revoke_client(self, client_id: str | None = None) -> None:
        """Token calls → 401 ``oauth_server``; its tokens → 401 ``unauthenticated``."""
        self.credentials.revoke(client_id or self.client_id)

    def expire_tokens(self) -> None:
        """Every token issued so far becomes invalid (401 ``unauthenticated``)."""
        self.credentials.expire_all()

    def set_rate_limit(
        self, max_requests: int | None, per_seconds: float = 60.0, *, retry_after: bool = False
    ) -> None:
        """At most ``max_requests`` per token per window (simulated seconds) → 429.

        ``None`` switches it off. ``retry_after`` adds a ``Retry-After`` header (none is
        documented).
        """
        self.credentials.rate_limit = (
            None if max_requests is None else RateLimit(max_requests, per_seconds, retry_after)
        )

    # -- account settings ---------------------------------------------------------------------

    @property
    def tolerance_minutes(self) -> int:
        """Minutes after start a check-in is still allowed (new bookings)."""
        return self.model.tolerance_minutes

    @tolerance_minutes.setter
    def tolerance_minutes(self, minutes: int) -> None:
        self.model.tolerance_minutes = minutes

    @property
    def min_tolerance(self) -> int:
        """Minutes before start a check-in is already allowed (new bookings)."""
        return self.model.min_tolerance

    @min_tolerance.setter
    def min_tolerance(self, minutes: int) -> None:
        self.model.min_tolerance = minutes

    @property
    def booking_person_email(self) -> bool:
        """Render ``email`` in bookings' ``person``/``owner`` (S2 did, S1 does not)."""
        return self.model.booking_person_email

    @booking_person_email.setter
    def booking_person_email(self, value: bool) -> None:
        self.model.booking_person_email = value

    # -- account model ------------------------------------------------------------------------

    def add_building(self, name: str, *, address: str = DEFAULT_ADDRESS) -> str:
        return self.model.add_building(name, address=address).uuid

    def add_floor(self, building_uuid: str, name: str) -> str:
        return self.model.add_floor(building_uuid, name).uuid

    def add_place(
        self,
        floor_uuid: str,
        name: str,
        *,
        place_type: str = "workspace",
        capacity: int = 1,
        requires_approval: bool = False,
    ) -> str:
        return self.model.add_place(
            floor_uuid,
            name,
            place_type=place_type,
            capacity=capacity,
            requires_approval=requires_approval,
        ).uuid

    def remove_place(self, place_uuid: str) -> None:
        self.model.remove_place(place_uuid)

    def add_user(
        self, name: str, email: str, *, enrollment: str | None = None, profile: str = "employee"
    ) -> str:
        return self.model.add_user(name, email, enrollment=enrollment, profile=profile).uuid

    def add_device(
        self, code: str, building_uuid: str, *, action: str = "checkin", identifier: str = "email"
    ) -> None:
        self.model.add_device(code, building_uuid, action=action, identifier=identifier)

    def seed_account(self, rng: random.Random) -> None:
        seed_account(self, rng)

    def user_uuid(self, email: str) -> str:
        return self.model.require_user_by_email(email).uuid

    def building_uuids(self) -> list[str]:
        return list(self.model.buildings)

    def floor_uuids(self, building_uuid: str | None = None) -> list[str]:
        return [
            f.uuid
            for f in self.model.floors.values()
            if building_uuid is None or f.building_uuid == building_uuid
        ]

    def place_uuids(self, place_type: str | None = None) -> list[str]:
        return [p.uuid for p in self.model.live_places(place_type)]

    # -- bookings -----------------------------------------------------------------------------

    @property
    def bookings(self) -> dict[str, Booking]:
        return self.model.bookings.bookings

    def create_booking(
        self,
        *,
        place_uuid: str,
        person_email: str,
        start: float,
        end: float,
        title: str | None = None,
        state: str | None = "reserved",
        owner_email: str | None = None,
        guests: list[tuple[str, str | None]] | None = None,
    ) -> JsonDict:
        """Book directly in any state (``None`` = as the API would: ``waiting`` if approval)."""
        model = self.model
        model.settle()
        person = model.require_user_by_email(person_email)
        owner = model.require_user_by_email(owner_email) if owner_email else person
        meeting = MeetingInput(
            title=title,
            guests=[(name, email, "pt_BR") for name, email in guests] if guests else None,
        )
        record = model.bookings.create(
            place=model.place(place_uuid),
            person=person,
            owner=owner,
            start=start,
            end=end,
            meeting=meeting,
            state=State(state) if state else None,
        )
        return render.booking(model, record)

    def _booking(self, booking_uuid: str) -> Booking:
        self.model.settle()
        return self.model.bookings.get(booking_uuid)

    def check_in(self, booking_uuid: str) -> JsonDict:
        record = self.model.bookings.check_in(self._booking(booking_uuid), via_api=False)
        return render.booking(self.model, record)

    def check_out(self, booking_uuid: str) -> JsonDict:
        record = self.model.bookings.check_out(self._booking(booking_uuid), via_api=False)
        return render.booking(self.model, record)

    def cancel(self, booking_uuid: str) -> JsonDict:
        record = self.model.bookings.cancel(self._booking(booking_uuid))
        return render.booking(self.model, record)

    def approve(self, booking_uuid: str) -> JsonDict:
        record = self.model.bookings.approve(self._booking(booking_uuid))
        return render.booking(self.model, record)

    def reject(self, booking_uuid: str) -> JsonDict:
        record = self.model.bookings.reject(self._booking(booking_uuid))
        return render.booking(self.model, record)

    def booking(self, booking_uuid: str) -> JsonDict:
        return render.booking(self.model, self._booking(booking_uuid))

    def participant_check_in(
        self, booking_uuid: str, email: str, name: str | None = None
    ) -> JsonDict:
        """A meeting participant checks in (emits ``guest_checkin``); returns the check-in."""
        record = self._booking(booking_uuid)
        user = self.model.user_by_email(email)
        guest = next((g for g in record.guests if g.email == email.strip().lower()), None)
        if user is not None:
            person_uuid, person_name = user.uuid, user.name
        elif guest is not None:
            person_uuid, person_name = guest.uuid, guest.name
        else:
            person_uuid, person_name = self.model.ids.make(), name or email.split("@", 1)[0]
        entry = self.model.bookings.participant_check_in(
            record, name=person_name, email=email.strip().lower(), person_uuid=person_uuid
        )
        return render.checkin_entry(self.model, entry)

    # -- guest passes -------------------------------------------------------------------------

    def guest_passes(self) -> list[JsonDict]:
        """Every GuestPassGuest as ``GET /guestpass`` renders it (all periods)."""
        self.model.settle()
        return [render.pass_guest(self.model, p, g) for p, g in self.model.guest_passes.listing()]

    def create_guest_pass(
        self,
        *,
        host_email: str,
        floor_uuid: str,
        start: float,
        end: float,
        guests: list[tuple[str, str | None]],
        title: str = "Visita",
        description: str | None = None,
    ) -> JsonDict:
        """Invite guests (``(name, email)`` pairs); returns the ``POST /guestpass`` answer."""
        model = self.model
        invitation = model.guest_passes.create(
            title=title,
            floor=model.floor(floor_uuid),
            start=start,
            end=end,
            host=model.require_user_by_email(host_email),
            guests=[GuestInput(name, email) for name, email in guests],
            description=description,
        )
        return render.pass_created(model, invitation)

    def pass_guest(self, guest_uuid: str) -> JsonDict:
        """The visitor arrived (status 4 Passed)."""
        invitation, guest = self.model.guest_passes.mark_passed(guest_uuid)
        return render.pass_guest(self.model, invitation, guest)

    def cancel_guest_pass(self, guest_uuid: str) -> JsonDict:
        invitation, guest = self.model.guest_passes.cancel(guest_uuid)
        return render.pass_guest(self.model, invitation, guest)

    # -- webhooks -----------------------------------------------------------------------------

    def subscribe(
        self,
        url: str,
        secret: str,
        *,
        events: tuple[str, ...] = DEFAULT_EVENTS,
        algorithm: str = "sha256",
        prefix: str = "",
    ) -> str:
        """Deliver ``events`` to ``url`` signed with ``secret``; returns the subscription id."""
        return self.webhooks.subscribe(
            url, secret, events=events, algorithm=algorithm, prefix=prefix
        ).uuid

    @property
    def webhook_deliveries(self) -> list[tuple[int | None, JsonDict]]:
        """``(status or None, payload)`` of every delivery attempt, in order."""
        return self.webhooks.deliveries

    @property
    def webhook_mode(self) -> WebhookMode:
        return self.webhooks.mode

    @property
    def pending_webhooks(self) -> list[Delivery]:
        return self.webhooks.pending

    @property
    def dropped_webhooks(self) -> list[Delivery]:
        """Deliveries given up after the last retry."""
        return self.webhooks.dropped

    @property
    def webhook_retry_waits(self) -> tuple[float, ...]:
        return self.webhooks.retry_waits

    @webhook_retry_waits.setter
    def webhook_retry_waits(self, waits: tuple[float, ...]) -> None:
        self.webhooks.retry_waits = waits

    async def flush_webhooks(self) -> None:
        """Apply the clock's transitions, then send everything queued (and retry failures)."""
        self.model.settle()
        await self.webhooks.flush()

    def start_webhook_delivery(self) -> None:
        """Send webhooks in the background soon after each change (the standalone server)."""
        self.webhooks.start_background(self.model.settle)
