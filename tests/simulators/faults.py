"""Provider-neutral fault injection for the aiohttp simulators.

A ``FaultInjector`` holds queued faults; its ``middleware`` applies them to matching requests
before (or, for dropped answers, after) the simulator handles them. It also logs every
request it sees so tests can count calls.

Matching: a fault applies to the next requests whose path starts with ``path`` (all paths
when ``None``). Per request, every matching delay is slept first, then at most one outcome
fault (fail, malformed or drop) is applied, oldest first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import Enum

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A JSON document cut off in the middle: what a proxy or crashed worker sends.
MALFORMED_JSON_BODY = b'{"id": 1, "name": "trunc'


class FaultKind(Enum):
    """What a queued fault does to the request it catches."""

    FAIL = "fail"
    DELAY = "delay"
    MALFORMED = "malformed"
    DROP = "drop"
    LATE = "late"


@dataclass
class QueuedFault:
    """One queued fault and how many more requests it will catch."""

    kind: FaultKind
    remaining: int
    path: str | None
    status: int = 500
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (
            self.remaining > 0
            and (self.path is None or path.startswith(self.path))
            and self.method in (None, method)
        )


class FaultInjector:
    """Queue of faults applied by an aiohttp middleware, plus a log of every request."""

    def __init__(self) -> None:
        self._faults: list[QueuedFault] = []
        self.requests: list[tuple[str, str]] = []
        # Requests being handled right now, and the most there ever were at once.
        self.in_flight = 0
        self.max_in_flight = 0

    # -- queueing -------------------------------------------------------------------------

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        path: str | None = None,
        method: str | None = None,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with this status/body/headers, unhandled."""
        payload = body.encode() if isinstance(body, str) else (body or b"")
        self._queue(
            QueuedFault(
                FaultKind.FAIL,
                count,
                path,
                status=status,
                body=payload,
                headers=dict(headers or {}),
                method=method,
            )
        )

    def delay_next(self, seconds: float, *, count: int = 1, path: str | None = None) -> None:
        """Sleep ``seconds`` before handling the next ``count`` matching requests."""
        self._queue(QueuedFault(FaultKind.DELAY, count, path, seconds=seconds))

    def malformed_next(self, *, count: int = 1, path: str | None = None) -> None:
        """Answer 200 with a truncated JSON body (content type application/json), unhandled."""
        self._queue(QueuedFault(FaultKind.MALFORMED, count, path))

    def drop_next(
        self, *, count: int = 1, path: str | None = None, method: str | None = None
    ) -> None:
        """Handle the request (its state change happens) then cut the connection unanswered."""
        self._queue(QueuedFault(FaultKind.DROP, count, path, method=method))

    def answer_late_next(
        self,
        seconds: float,
        *,
        count: int = 1,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Handle the request (its state change happens) but hold the answer back ``seconds``."""
        self._queue(QueuedFault(FaultKind.LATE, count, path, seconds=seconds, method=method))

    def clear(self) -> None:
        """Forget every queued fault (keeps the request log; empty it with ``requests.clear()``)."""
        self._faults.clear()

    @property
    def pending(self) -> int:
        """Number of requests still to be caught by queued faults."""
        return sum(fault.remaining for fault in self._faults)

    def _queue(self, fault: QueuedFault) -> None:
        if fault.remaining > 0:
            self._faults.append(fault)

    def _take(self, request: web.Request, kinds: set[FaultKind]) -> list[QueuedFault]:
        """Consume one use of every matching fault of ``kinds`` (outcomes: only the first)."""
        taken: list[QueuedFault] = []
        for fault in self._faults:
            if fault.kind in kinds and fault.matches(request.method, request.path):
                fault.remaining -= 1
                taken.append(fault)
                if fault.kind is not FaultKind.DELAY:
                    break
        self._faults = [fault for fault in self._faults if fault.remaining > 0]
        return taken

    # -- middleware -----------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Log the request, then apply queued faults around the real handler."""
        self.requests.append((request.method, request.path_qs))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._apply(request, handler)
        finally:
            self.in_flight -= 1

    async def _apply(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        for delay in self._take(request, {FaultKind.DELAY}):
            await asyncio.sleep(delay.seconds)
        outcomes = self._take(
            request, {FaultKind.FAIL, FaultKind.MALFORMED, FaultKind.DROP, FaultKind.LATE}
        )
        outcome = outcomes[0] if outcomes else None
        if outcome is None:
            return await handler(request)
        if outcome.kind is FaultKind.FAIL:
            return web.Response(status=outcome.status, body=outcome.body, headers=outcome.headers)
        if outcome.kind is FaultKind.LATE:
            response = await handler(request)
            await asyncio.sleep(outcome.seconds)
            return response
        if outcome.kind is FaultKind.MALFORMED:
            return web.Response(
                status=200, body=MALFORMED_JSON_BODY, content_type="application/json"
            )
        return await _handle_then_drop(request, handler)


async def _handle_then_drop(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Run the handler so its side effects happen, then abort the connection unanswered."""
    try:
        response = await handler(request)
    except web.HTTPException as error:  # an error answer is lost just the same
        response = web.Response(status=error.status)
    transport = request.transport
    if transport is not None:
        transport.abort()
    # aiohttp finds the transport closing when it writes this and quietly treats it as a
    # client that went away, so nothing reaches the wire.
    return response
