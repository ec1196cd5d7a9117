"""Fan-out of new entries to SignalR hub connections, and the test controls (catalog §6).

Each connection (after its handshake) gets every new entry of its site — or only those of
``user_id`` when it subscribed with one — as an invocation
``{"type":1,"target":"ReceiveMessage","arguments":["<entry JSON>"]}`` + ``\\x1e``, the
argument being the entry exactly as the REST list renders it, serialised to a string.
Frames go through a per-connection queue and sender task so direct methods (synchronous)
can publish; ``await flush()`` waits until everything queued has been written.

Server keep-alive pings ``{"type":6}`` go out every ``ping_interval`` seconds (real time;
``None`` = never, SignalR's default is 15 s). A connection that sends nothing for
``client_timeout`` seconds (``None`` = never; SignalR default 30 s) is closed with
``{"type":7}``.

Controls: ``drop_all()`` aborts every TCP connection without a close frame (what clients
see as 1006); ``close_all(error=…)`` closes politely with a type-7 message; ``stall()``
stops sending anything (pings included) without closing, frames wait in the queues and
flow again on ``resume()``; ``replay_last(n)`` sends the last ``n`` entries again;
``connections`` counts open, handshaken connections.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import json
import logging

from aiohttp import web

from .salto_format import dumps
from .salto_model import Entry, JsonDict
from .salto_render import entry as render_entry
from .salto_site import SaltoSite

_LOGGER = logging.getLogger(__name__)

RECORD_SEPARATOR = "\x1e"
PING_FRAME = json.dumps({"type": 6}) + RECORD_SEPARATOR
DEFAULT_PING_INTERVAL = 15.0
DEFAULT_CLIENT_TIMEOUT = 30.0
DEFAULT_HANDSHAKE_TIMEOUT = 15.0
FLUSH_TIMEOUT = 5.0
CLOSE_AFTER = object()  # queue marker: close the socket once the frames before it are sent


def frame(message: JsonDict) -> str:
    return json.dumps(message, separators=(",", ":")) + RECORD_SEPARATOR


def invocation(entry: JsonDict) -> str:
    argument = dumps(entry).decode()
    return frame({"type": 1, "target": "ReceiveMessage", "arguments": [argument]})


@dataclass(eq=False)
class HubConnection:
    """One WebSocket on the entries hub."""

    ws: web.WebSocketResponse
    request: web.Request
    site_id: str
    user_id: str | None
    queue: asyncio.Queue[str | object] = field(default_factory=asyncio.Queue)
    handshaken: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def wants(self, entry: Entry) -> bool:
        return self.user_id is None or entry.user_id == self.user_id

    def abort(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class EntryStream:
    """Every hub connection of the simulator plus the controls tests use."""

    def __init__(self, site: SaltoSite) -> None:
        self.site = site
        self.ping_interval: float | None = DEFAULT_PING_INTERVAL
        self.client_timeout: float | None = DEFAULT_CLIENT_TIMEOUT
        self.handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT
        self.published = 0  # invocations queued, over all connections
        self.accepted = 0  # WebSocket connections ever accepted
        self.negotiated: set[str] = set()  # connection tokens handed out, not yet used
        self._live: list[HubConnection] = []
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._changed = asyncio.Event()  # a connection came, finished its handshake or went
        site.entries.listeners.append(self.publish)

    # -- what tests read --------------------------------------------------------------------

    @property
    def connections(self) -> int:
        """Open connections that completed the SignalR handshake."""
        return sum(1 for c in self._live if c.handshaken and not c.ws.closed)

    @property
    def stalled(self) -> bool:
        return not self._flowing.is_set()

    async def wait_connected(self, count: int = 1, timeout: float = 5.0) -> None:
        """Wait until at least ``count`` handshaken connections are open."""
        async with asyncio.timeout(timeout):
            while self.connections < count:
                await self._next_change()

    async def wait_disconnected(self, timeout: float = 5.0) -> None:
        """Wait until no connection is open any more."""
        async with asyncio.timeout(timeout):
            while self._live:
                await self._next_change()

    async def _next_change(self) -> None:
        self._changed.clear()
        await self._changed.wait()

    # -- controls ---------------------------------------------------------------------------

    def publish(self, entry: Entry) -> None:
        """Queue ``entry`` for every handshaken connection that wants it."""
        rendered: JsonDict | None = None
        for connection in self._live:
            if connection.handshaken and connection.wants(entry):
                rendered = rendered or render_entry(entry, self.site)
                connection.queue.put_nowait(invocation(rendered))
                self.published += 1

    def publish_raw(self, argument: str) -> None:
        """Send one message argument exactly as given (e.g. unreadable) to every listener."""
        message = frame({"type": 1, "target": "ReceiveMessage", "arguments": [argument]})
        for connection in self._live:
            if connection.handshaken:
                connection.queue.put_nowait(message)

    def replay_last(self, count: int = 1) -> None:
        """Send the last ``count`` entries again (as a reconnecting server might)."""
        for entry in self.site.entries.last(count):
            self.publish(entry)

    def drop_all(self) -> None:
        """Abort every connection at the TCP level: no close frame (clients see 1006)."""
        for connection in list(self._live):
            connection.abort()

    def close_all(self, error: str | None = None, *, allow_reconnect: bool | None = None) -> None:
        """Send ``{"type":7[,"error"][,"allowReconnect"]}`` then close each connection."""
        message: JsonDict = {"type": 7}
        if error is not None:
            message["error"] = error
        if allow_reconnect is not None:
            message["allowReconnect"] = allow_reconnect
        for connection in list(self._live):
            if not connection.handshaken:  # nothing may precede the handshake answer
                connection.abort()
                continue
            connection.queue.put_nowait(frame(message))
            connection.queue.put_nowait(CLOSE_AFTER)

    def stall(self) -> None:
        """Stop sending anything (pings too) without closing; frames wait for ``resume``."""
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    async def flush(self) -> None:
        """Wait until every queued frame has been written (returns at once while stalled)."""
        if self.stalled:
            return
        waits = [c.queue.join() for c in self._live if c.handshaken and not c.ws.closed]
        if waits:
            async with asyncio.timeout(FLUSH_TIMEOUT):
                await asyncio.gather(*waits)

    async def shutdown(self) -> None:
        self.drop_all()
        for connection in list(self._live):
            await self._stop_tasks(connection)

    # -- connection life (used by the hub route) --------------------------------------------

    def attach(self, connection: HubConnection) -> None:
        self.accepted += 1
        self._live.append(connection)
        self._changed.set()

    def start(self, connection: HubConnection) -> None:
        """The handshake is done: start sending queued frames and pings."""
        connection.handshaken = True
        self._changed.set()
        connection.tasks.append(asyncio.create_task(self._send_loop(connection)))
        if self.ping_interval:
            connection.tasks.append(asyncio.create_task(self._ping_loop(connection)))

    async def detach(self, connection: HubConnection) -> None:
        if connection in self._live:
            self._live.remove(connection)
            self._changed.set()
        await self._stop_tasks(connection)

    async def _stop_tasks(self, connection: HubConnection) -> None:
        current = asyncio.current_task()
        tasks = [t for t in connection.tasks if t is not current]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        connection.tasks.clear()
        while not connection.queue.empty():  # nothing will send these now
            connection.queue.get_nowait()
            connection.queue.task_done()

    async def _send_loop(self, connection: HubConnection) -> None:
        while True:
            item = await connection.queue.get()
            try:
                await self._flowing.wait()
                if item is CLOSE_AFTER:
                    await connection.ws.close()
                elif isinstance(item, str) and not connection.ws.closed:
                    await connection.ws.send_str(item)
            except (ConnectionError, RuntimeError) as error:
                _LOGGER.debug("hub send failed: %s", error)
            finally:
                connection.queue.task_done()

    async def _ping_loop(self, connection: HubConnection) -> None:
        while True:
            interval = self.ping_interval
            if not interval:
                return
            await asyncio.sleep(interval)
            if not self.stalled and not connection.ws.closed:
                connection.queue.put_nowait(PING_FRAME)
