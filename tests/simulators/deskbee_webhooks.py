"""Webhook deliveries (catalog §8): signed envelopes, retries and misbehaviour for tests.

Every ``Notice`` of the account becomes one delivery per subscription listening to its
event. A delivery is ``POST``ed with ``Content-Type: application/json`` and
``X-Hub-Signature`` = hex HMAC (SHA-256 by default, SHA-1 optional, optional ``sha256=`` /
``sha1=`` prefix) of the raw body keyed with the subscription secret. The body is encoded
like PHP (``\\/`` escaped slashes), so only the raw bytes verify.

Envelope: ``subscription_id``, ``transaction_id`` (new per delivery; the same on retries,
duplicates and replays), ``account``, ``send_at`` (when the change happened, account
offset), ``event``, ``resource {action, route, uuid}``, ``included``.

Anything but a 200 answer (other 2xx included) or a failed connection is retried: 5 more
attempts (6 in all), then dropped. With ``flush()`` (tests) each call sends everything
queued once — new deliveries and one retry of each failed one; in the background
(``start_background``, demo) retries wait ``retry_waits`` (short; production is 10 s, 100 s,
1000 s, …).

``WebhookMode`` misbehaves on purpose: duplicates, reorders, replays, forged or missing
signatures, oversized bodies. Forged/unsigned attempts and extra copies (duplicates,
replays) are one-shot: never retried.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import contextlib
from dataclasses import dataclass, field, replace
import hashlib
import hmac
import logging
import uuid
from zoneinfo import ZoneInfo

import aiohttp

from .clock import SimClock
from .deskbee_format import iso, php_json
from .deskbee_model import JsonDict, Notice

_LOGGER = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature"
MAX_ATTEMPTS = 6  # the first + 5 retries (§8)
PRODUCTION_WAITS = (10.0, 100.0, 1000.0, 10000.0, 100000.0)
DEMO_WAITS = (1.0, 2.0, 4.0, 8.0, 16.0)
PUMP_PERIOD = 0.5  # seconds between background checks (clock transitions, due retries)
HOLD_LIMIT = 5.0  # seconds the background holds a partial reorder batch
ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1}


@dataclass(frozen=True)
class Subscription:
    uuid: str
    url: str
    secret: str
    events: frozenset[str]
    algorithm: str = "sha256"
    prefix: str = ""


@dataclass
class Delivery:
    subscription: Subscription
    transaction_id: str
    payload: JsonDict
    body: bytes
    attempts: int = 0
    due: float = 0.0  # event-loop time of the next attempt (background mode)
    retry: bool = True
    moded: bool = False  # WebhookMode already applied
    secret: str | None = None  # forge: sign with this key instead
    unsigned: bool = False


def sign(secret: str, body: bytes, algorithm: str = "sha256", prefix: str = "") -> str:
    digest = hmac.new(secret.encode(), body, ALGORITHMS[algorithm]).hexdigest()
    return f"{prefix}{digest}"


@dataclass
class WebhookMode:
    """Test controls: each applies to the next deliveries sent."""

    emitter: WebhookEmitter
    duplicates: int = 0
    reorder: int = 0
    reorder_size: int = 0
    forged: list[str] = field(default_factory=list)
    unsigned: int = 0
    oversize: list[int] = field(default_factory=list)

    def duplicate_next(self, n: int = 1) -> None:
        """Send each of the next ``n`` deliveries twice (same ``transaction_id``)."""
        self.duplicates += n

    def reorder_next(self, n: int = 2) -> None:
        """Hold the next ``n`` deliveries and send them in reverse order."""
        self.reorder = self.reorder_size = n

    def replay_last(self) -> None:
        """Queue the last sent envelope again, byte for byte (same ``transaction_id``)."""
        self.emitter.replay_last()

    def sign_with(self, secret: str, count: int = 1) -> None:
        """Sign the next ``count`` deliveries with ``secret`` (forged; not retried)."""
        self.forged.extend([secret] * count)

    def unsigned_next(self, count: int = 1) -> None:
        """Send the next ``count`` deliveries without ``X-Hub-Signature`` (not retried)."""
        self.unsigned += count

    def oversize_next(self, size: int, count: int = 1) -> None:
        """Pad the next ``count`` bodies with trailing spaces to at least ``size`` bytes."""
        self.oversize.extend([size] * count)

    def reset(self) -> None:
        self.duplicates = self.reorder = self.reorder_size = self.unsigned = 0
        self.forged.clear()
        self.oversize.clear()


class WebhookEmitter:
    """Queues deliveries for the account's notices and sends them."""

    def __init__(self, *, account_code: str, clock: SimClock, zone: ZoneInfo) -> None:
        self.account_code = account_code
        self.clock = clock
        self.zone = zone
        self.subscriptions: list[Subscription] = []
        self.deliveries: list[tuple[int | None, JsonDict]] = []
        self.dropped: list[Delivery] = []
        self.mode = WebhookMode(self)
        self.retry_waits: tuple[float, ...] = DEMO_WAITS
        self.timeout = 10.0
        # Observers (benchmark controls): called right before each attempt's POST, and with
        # its outcome (status, None = no answer) once it has one.
        self.before_send: list[Callable[[Delivery], None]] = []
        self.after_send: list[Callable[[Delivery, int | None], None]] = []
        self._queue: list[Delivery] = []
        self._held: list[Delivery] = []
        self._held_since = 0.0
        self._last: Delivery | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    # -- subscribing and queueing -------------------------------------------------------------

    def subscribe(
        self,
        url: str,
        secret: str,
        *,
        events: tuple[str, ...],
        algorithm: str = "sha256",
        prefix: str = "",
    ) -> Subscription:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {algorithm!r}; use one of {sorted(ALGORITHMS)}")
        subscription = Subscription(
            str(uuid.uuid4()), url, secret, frozenset(events), algorithm, prefix
        )
        self.subscriptions.append(subscription)
        return subscription

    @property
    def pending(self) -> list[Delivery]:
        """Deliveries waiting to be sent (new, held for reordering or awaiting a retry)."""
        return [*self._queue, *self._held]

    def notice(self, notice: Notice) -> None:
        for subscription in self.subscriptions:
            if notice.event not in subscription.events:
                continue
            envelope: JsonDict = {
                "subscription_id": subscription.uuid,
                "transaction_id": str(uuid.uuid4()),
                "account": self.account_code,
                "send_at": iso(self.clock.now(), self.zone),
                "event": notice.event,
                "resource": {
                    "action": notice.action,
                    "route": notice.route,
                    "uuid": notice.resource_uuid,
                },
            }
            if notice.included is not None:
                envelope["included"] = notice.included
            self._queue.append(
                Delivery(subscription, envelope["transaction_id"], envelope, php_json(envelope))
            )
        self._wake.set()

    def replay_last(self) -> None:
        if self._last is None:
            raise RuntimeError("nothing was delivered yet")
        extra = replace(
            self._last, attempts=0, due=0.0, retry=False, moded=True, secret=None, unsigned=False
        )
        self._queue.append(extra)
        self._wake.set()

    # -- sending ------------------------------------------------------------------------------

    async def flush(self) -> None:
        """Send everything queued now: new deliveries and one retry of each failed one."""
        async with self._lock:
            for delivery in self._take(force=True):
                await self._attempt(delivery)

    def _take(self, *, force: bool) -> list[Delivery]:
        now = asyncio.get_running_loop().time()
        ready = [d for d in self._queue if force or d.due <= now]
        self._queue = [d for d in self._queue if d not in ready]
        batch: list[Delivery] = []
        for delivery in ready:
            if delivery.moded:
                batch.append(delivery)
                continue
            delivery.moded = True
            mode = self.mode
            if mode.reorder > 0:
                if not self._held:
                    self._held_since = now
                self._held.append(delivery)
                mode.reorder -= 1
                if mode.reorder == 0:
                    batch.extend(self._release())
                continue
            batch.extend(self._apply_mode(delivery))
        if self._held and (force or now - self._held_since >= HOLD_LIMIT):
            self.mode.reorder = 0
            batch.extend(self._release())
        return batch

    def _release(self) -> list[Delivery]:
        released: list[Delivery] = []
        for delivery in reversed(self._held):
            released.extend(self._apply_mode(delivery))
        self._held = []
        return released

    def _apply_mode(self, delivery: Delivery) -> list[Delivery]:
        mode = self.mode
        if mode.oversize:
            size = mode.oversize.pop(0)
            delivery.body += b" " * max(0, size - len(delivery.body))
        if mode.forged:
            delivery.secret, delivery.retry = mode.forged.pop(0), False
        if mode.unsigned > 0:
            mode.unsigned -= 1
            delivery.unsigned, delivery.retry = True, False
        sent = [delivery]
        if mode.duplicates > 0:
            mode.duplicates -= 1
            sent.append(replace(delivery, retry=False))
        return sent

    async def _attempt(self, delivery: Delivery) -> None:
        delivery.attempts += 1
        subscription = delivery.subscription
        headers = {"Content-Type": "application/json", "User-Agent": "Deskbee-Webhook/1.1"}
        if not delivery.unsigned:
            headers[SIGNATURE_HEADER] = sign(
                delivery.secret or subscription.secret,
                delivery.body,
                subscription.algorithm,
                subscription.prefix,
            )
        status: int | None
        for observer in list(self.before_send):
            observer(delivery)
        try:
            async with self._client().post(
                subscription.url,
                data=delivery.body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as answer:
                status = answer.status
                await answer.read()
        except aiohttp.ClientError, TimeoutError, OSError:
            status = None
        self.deliveries.append((status, delivery.payload))
        self._last = delivery
        for outcome_observer in list(self.after_send):
            outcome_observer(delivery, status)
        if status == 200 or not delivery.retry:
            return
        if delivery.attempts >= MAX_ATTEMPTS:
            self.dropped.append(delivery)
            return
        wait = self.retry_waits[min(delivery.attempts, len(self.retry_waits)) - 1]
        delivery.due = asyncio.get_running_loop().time() + wait
        self._queue.append(delivery)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- background (demo) --------------------------------------------------------------------

    def start_background(self, tick: Callable[[], None]) -> None:
        """Deliver soon after each change; ``tick`` applies the clock's transitions first."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._pump(tick))

    async def _pump(self, tick: Callable[[], None]) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), PUMP_PERIOD)
            self._wake.clear()
            try:
                tick()
                async with self._lock:
                    for delivery in self._take(force=False):
                        await self._attempt(delivery)
            except Exception:  # the demo must keep delivering whatever happens
                _LOGGER.exception("webhook delivery failed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
