"""Provider-neutral lifecycle of a simulator's HTTP listener on loopback.

Besides start/stop it can take the listener down and bring it back on the same port
(``go_down`` / ``come_up``) so tests can model an outage: while down, new connections are
refused, open keep-alive connections are cut and requests still being handled (e.g. parked
by an injected delay) are abandoned, but the application and its state live on.
"""

from __future__ import annotations

import asyncio
from email.utils import formatdate
from typing import Any

from aiohttp import web

from .clock import SimClock
from .faults import Handler

SHUTDOWN_GRACE = 0.25  # seconds in-flight requests get when the simulator stops


class LoopbackServer:
    """Serves one aiohttp application; can stop listening and resume on the same port."""

    def __init__(self, app: web.Application, clock: SimClock) -> None:
        self._app = app
        self._clock = clock
        # Outermost, so a request sleeping in a fault delay counts as in flight.
        app.middlewares.insert(0, self._track_in_flight)
        app.middlewares.insert(1, self._stamp_date)
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def app(self) -> web.Application:
        """The application served; routes may still be added until ``start``."""
        return self._app

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8765`` (valid once started)."""
        return f"http://{self.host}:{self.port}"

    @property
    def is_up(self) -> bool:
        """Whether the listener currently accepts connections."""
        return self._site is not None

    @web.middleware
    async def _stamp_date(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Stamp `Date` from the simulated clock, as a server whose clock is off would."""
        response = await handler(request)
        if not response.prepared:
            response.headers["Date"] = formatdate(self._clock.now(), usegmt=True)
        return response

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Start serving; ``port=0`` picks a free port (read it back from ``port``)."""
        if self._runner is not None:
            raise RuntimeError("server already started")
        self.host = host
        # A short grace period: a request parked by an injected delay must not hold a
        # test's teardown for aiohttp's default minute.
        self._runner = web.AppRunner(
            self._app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_GRACE
        )
        await self._runner.setup()
        self.port = port
        await self._listen()

    async def stop(self) -> None:
        """Stop serving and release the application."""
        if self._runner is None:
            return
        await self.go_down()
        await self._runner.cleanup()
        self._runner = None

    async def go_down(self) -> None:
        """Refuse new connections, cut open ones and abandon requests in flight."""
        if self._site is not None:
            await self._site.stop()
            self._site = None
        self._cut_open_connections()
        await self._abandon_in_flight()

    async def come_up(self) -> None:
        """Listen again on the same host and port."""
        if self._runner is None:
            raise RuntimeError("server never started")
        if self._site is None:
            await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        self._site = site
        if self.port == 0:
            self.port = _bound_port(site)

    @web.middleware
    async def _track_in_flight(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        task = asyncio.current_task()
        if task is None:
            return await handler(request)
        self._in_flight.add(task)
        try:
            return await handler(request)
        finally:
            self._in_flight.discard(task)

    async def _abandon_in_flight(self) -> None:
        # A cut connection's handler would otherwise keep running (aiohttp does not cancel
        # handlers of vanished clients) and outlive the test that started it.
        current = asyncio.current_task()
        abandoned = [task for task in self._in_flight if task is not current and not task.done()]
        for task in abandoned:
            task.cancel()
        if abandoned:
            await asyncio.wait(abandoned)

    def _cut_open_connections(self) -> None:
        # Stopping the site only closes the listening socket; keep-alive connections from a
        # client's pool would otherwise keep working through an "outage".
        server = self._runner.server if self._runner is not None else None
        if server is None:
            return
        for connection in list(server.connections):
            connection.force_close()


def _bound_port(site: web.TCPSite) -> int:
    server = site._server  # aiohttp exposes no public accessor for the bound socket
    if server is None or not server.sockets:  # type: ignore[attr-defined]
        raise RuntimeError("site is not listening")
    port: int = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    return port
