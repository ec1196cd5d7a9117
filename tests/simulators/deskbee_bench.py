"""Benchmark controls of the Deskbee simulator (``--bench``); common routes in ``bench``.

* ``POST /_bench/change?fraction=0.01``: of the N bookings that overlap today (account's
  local day) and still hold their place (``reserved``, ``waiting`` or ``busy``: finished,
  cancelled and rejected ones are not active), ``round(fraction * N)`` picked in a seeded
  random order are given up as their person would in the app: ``reserved``/``waiting`` are
  cancelled (``canceled``, ``deleted_at`` set); ``busy`` ones, which Deskbee refuses to
  cancel, are checked out (``last``). ``updated_at`` moves to now and the usual webhooks go
  out. Answers ``{"changed": [booking uuids], "spaces": [their place uuids]}``.
* ``POST /_bench/push?count=N&interval=S``: N distinct bookings under way now that are
  checked in (or still in their check-in window) are checked out (or in) one after the
  other, S seconds apart, through the model, so the webhook emitter delivers one
  ``checkin`` webhook each. Answers once every delivery was answered:
  ``{"pushed": [{"booking", "space", "action", "sent", "status"}, ...]}`` where ``sent`` is
  ``time.time()`` right before the delivery's POST and ``status`` the receiver's answer
  (``null``: none). Fewer bookings may qualify than asked for. 409 without a webhook
  subscription to ``checkin``; 504 (with what was delivered) if deliveries hang.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
import random
import time
from typing import TYPE_CHECKING

from aiohttp import web

from .bench import answer, local_day, pick, query_count, query_float, refuse, register_common
from .deskbee_errors import DeskbeeError
from .deskbee_model import BLOCKING, Booking, State

if TYPE_CHECKING:
    from .deskbee import DeskbeeSimulator
    from .deskbee_webhooks import Delivery, WebhookEmitter

PUSH_TIMEOUT = 30.0  # seconds the last delivery may take before the push gives up


def register_bench(sim: DeskbeeSimulator, *, seed: int = 1) -> None:
    """Add the ``/_bench/`` routes to the simulator's app (before it starts)."""
    controls = _Controls(sim, random.Random(f"deskbee-bench-{seed}"))
    register_common(sim.app, faults=sim.faults, clock=sim.clock, settle=sim.model.settle)
    sim.app.router.add_post("/_bench/change", controls.change)
    sim.app.router.add_post("/_bench/push", controls.push)


class _Controls:
    """The change and push routes of one simulator, sharing one seeded random order."""

    def __init__(self, sim: DeskbeeSimulator, rng: random.Random) -> None:
        self.sim = sim
        self.rng = rng

    async def change(self, request: web.Request) -> web.Response:
        fraction = query_float(request, "fraction", 0.01, minimum=0.0)
        model = self.sim.model
        model.settle()
        start, end = local_day(model.now(), model.zone)
        active = [
            record
            for record in model.bookings.bookings.values()
            if record.state in BLOCKING and record.overlaps(start, end)
        ]
        chosen = pick(self.rng, active, round(fraction * len(active)))
        for record in chosen:
            if record.state is State.BUSY:
                model.bookings.check_out(record, via_api=False)
            else:
                model.bookings.cancel(record)
        return answer(
            {
                "changed": [record.uuid for record in chosen],
                "spaces": [record.place_uuid for record in chosen],
            }
        )

    async def push(self, request: web.Request) -> web.Response:
        count = query_count(request)
        interval = query_float(request, "interval", 0.0, minimum=0.0)
        emitter = self.sim.webhooks
        if not any("checkin" in s.events for s in emitter.subscriptions):
            raise refuse("no webhook subscription to checkin (--webhook-url)", web.HTTPConflict)
        model = self.sim.model
        model.settle()
        chosen = pick(self.rng, _togglable(model.bookings.bookings.values(), model.now()), count)
        watcher = _DeliveryWatcher(emitter)
        pushed: list[tuple[Booking, str]] = []
        try:
            for number, record in enumerate(chosen):
                if number and interval:
                    await asyncio.sleep(interval)
                model.settle()
                action = _toggle(self.sim, record)
                if action is not None:
                    watcher.expect(record.uuid)
                    pushed.append((record, action))
            done = await watcher.wait(PUSH_TIMEOUT)
        finally:
            watcher.close()
        items = [
            {
                "booking": record.uuid,
                "space": record.place_uuid,
                "action": action,
                "sent": watcher.sent[record.uuid],
                "status": watcher.status[record.uuid],
            }
            for record, action in pushed
            if record.uuid in watcher.status
        ]
        if not done:
            missing = [record.uuid for record, _ in pushed if record.uuid not in watcher.status]
            return answer({"pushed": items, "missing": missing}, status=504)
        return answer({"pushed": items})


def _togglable(records: Iterable[Booking], now: float) -> list[Booking]:
    """Under way now and checked in, or reserved and still allowed to check in."""
    return [
        record
        for record in records
        if record.start <= now < record.end
        and (
            record.state is State.BUSY
            or (
                record.state is State.RESERVED
                and record.checkin_min_time <= now <= record.checkin_max_time
            )
        )
    ]


def _toggle(sim: DeskbeeSimulator, record: Booking) -> str | None:
    """Check out a checked-in booking, check in a reserved one; ``None`` if it moved on."""
    book = sim.model.bookings
    try:
        if record.state is State.BUSY:
            book.check_out(record, via_api=False)
            return "checkout"
        book.check_in(record, via_api=False)
    except DeskbeeError:  # finished or fallen since it was picked
        return None
    return "checkin"


class _DeliveryWatcher:
    """The first ``checkin`` delivery of each expected booking: when sent, how answered."""

    def __init__(self, emitter: WebhookEmitter) -> None:
        self.emitter = emitter
        self.sent: dict[str, float] = {}
        self.status: dict[str, int | None] = {}
        self._expected: set[str] = set()
        self._all_answered = asyncio.Event()
        self._all_answered.set()
        self.emitter.before_send.append(self._sending)
        self.emitter.after_send.append(self._answered)

    def expect(self, booking_uuid: str) -> None:
        self._expected.add(booking_uuid)
        self._all_answered.clear()

    async def wait(self, timeout: float) -> bool:
        """Whether every expected delivery was answered within ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._all_answered.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def close(self) -> None:
        self.emitter.before_send.remove(self._sending)
        self.emitter.after_send.remove(self._answered)

    def _sending(self, delivery: Delivery) -> None:
        booking_uuid = _checkin_of(delivery)
        if booking_uuid in self._expected and booking_uuid not in self.sent:
            self.sent[booking_uuid] = time.time()

    def _answered(self, delivery: Delivery, status: int | None) -> None:
        booking_uuid = _checkin_of(delivery)
        if booking_uuid in self.sent and booking_uuid not in self.status:
            self.status[booking_uuid] = status
            if self._expected <= self.status.keys():
                self._all_answered.set()


def _checkin_of(delivery: Delivery) -> str | None:
    """The booking a ``checkin`` delivery is about (``None`` for other events)."""
    payload = delivery.payload
    if payload.get("event") != "checkin":
        return None
    uuid: str = payload["resource"]["uuid"]
    return uuid
