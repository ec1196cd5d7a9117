"""The SignalR entries hub ``/v1/hub/entries`` (catalog §6), JSON protocol over WebSocket.

* ``POST /v1/hub/entries/negotiate?negotiateVersion=1&site_id=…`` → ``{negotiateVersion: 1,
  connectionId, connectionToken, availableTransports: [{transport: "WebSockets",
  transferFormats: ["Text", "Binary"]}]}`` (without ``negotiateVersion``: version 0, no
  ``connectionToken``). Only WebSockets is offered.
* ``GET /v1/hub/entries?site_id=…[&user_id=…][&id=<connectionToken>]`` upgrades to a
  WebSocket. Skipping negotiation (no ``id``) is allowed, as the Core streaming page
  recommends; an ``id`` must be a token handed out by ``negotiate`` and unused (else 404).
* Auth (both routes): ``access_token`` query parameter or ``Authorization: Bearer``; missing,
  unknown, expired or revoked → 401 (empty body) before any upgrade. The token is checked at
  connect only — an open connection outlives its token, like ASP.NET Core SignalR by default.
* ``site_id`` missing → 400; another site, a caller without a site user, or a site without
  the ``events_streaming`` feature → 403. ``user_id`` (platform user id) limits the
  connection to that user's entries; anyone but that user needs the ``site_admin`` role.
* Handshake: the first record must be ``{"protocol":"json","version":1}`` + ``\\x1e``; the
  answer is ``{}`` + ``\\x1e``. Another protocol or version → ``{"error": …}`` + ``\\x1e``
  and close; nothing within ``handshake_timeout`` seconds → close.
* After the handshake the server sends entries and pings (``salto_stream``). From the client
  it accepts pings (type 6, they only keep the connection alive), close (type 7 → the server
  closes), and answers an invocation that carries an ``invocationId`` with a completion
  error (the hub has no client-callable methods). Unparsable input → type 7 with an error,
  then close.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType, web

from .salto_errors import SaltoError
from .salto_http import (
    RouteTable,
    identity_of,
    json_response,
    services_of,
    site_user_for,
)
from .salto_identity import AccessToken
from .salto_stream import RECORD_SEPARATOR, EntryStream, HubConnection, frame

TRANSPORTS = [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]
HANDSHAKE_PROTOCOL = "json"
HANDSHAKE_VERSION = 1
CLOSE_TIMEOUT = 2.0  # seconds to wait for the client's close frame


def _token_of(request: web.Request) -> AccessToken:
    identity = identity_of(request)
    value = request.query.get("access_token")
    if value:
        return identity.authenticate(value)
    return identity.authenticate_header(request.headers.get("Authorization"))


def _subscription(request: web.Request) -> tuple[str, str | None]:
    """Checks auth and permissions; returns ``(site_id, user_id filter)``."""
    services = services_of(request)
    token = _token_of(request)
    site_id = request.query.get("site_id", "").strip()
    if not site_id:
        raise web.HTTPBadRequest(text="site_id is required")
    site = services.site
    if site_id.lower() != site.site.id or "events_streaming" not in site.site.features:
        raise web.HTTPForbidden
    member = site_user_for(services, token)
    if member is None or member.blocked:
        raise web.HTTPForbidden
    user_id = request.query.get("user_id", "").strip().lower() or None
    if user_id is not None and user_id != member.user.id and "site_admin" not in member.roles:
        raise web.HTTPForbidden
    return site_id.lower(), user_id


def _auth_failure(error: SaltoError) -> web.Response:
    return web.Response(status=error.status, headers=error.headers)


async def negotiate(request: web.Request) -> web.StreamResponse:
    try:
        _subscription(request)
    except SaltoError as error:
        return _auth_failure(error)
    services = services_of(request)
    ids = services.site.ids
    connection_id = ids.token(22)
    if request.query.get("negotiateVersion", "0") == "0":
        services.stream.negotiated.add(connection_id)
        return json_response({"connectionId": connection_id, "availableTransports": TRANSPORTS})
    connection_token = ids.token(22)
    services.stream.negotiated.add(connection_token)
    return json_response(
        {
            "negotiateVersion": 1,
            "connectionId": connection_id,
            "connectionToken": connection_token,
            "availableTransports": TRANSPORTS,
        }
    )


async def hub(request: web.Request) -> web.StreamResponse:
    try:
        site_id, user_id = _subscription(request)
    except SaltoError as error:
        return _auth_failure(error)
    stream = services_of(request).stream
    connection_token = request.query.get("id")
    if connection_token is not None and connection_token not in stream.negotiated:
        raise web.HTTPNotFound(text="No Connection with that ID")
    ws = web.WebSocketResponse(timeout=CLOSE_TIMEOUT, autoping=True, max_msg_size=1 << 20)
    if not ws.can_prepare(request).ok:
        if connection_token is None:
            raise web.HTTPBadRequest(text="Connection ID required")
        raise web.HTTPBadRequest(text="Only WebSockets is supported")
    if connection_token is not None:
        stream.negotiated.discard(connection_token)
    await ws.prepare(request)
    connection = HubConnection(ws, request, site_id, user_id)
    stream.attach(connection)
    records = _Records()
    try:
        pending = await _handshake(stream, connection, records)
        if pending is not None:
            stream.start(connection)
            await _read_loop(stream, connection, records, pending)
    finally:
        await stream.detach(connection)
        if not ws.closed:
            await ws.close()
    return ws


class _Records:
    """Splits incoming text into ``\\x1e``-terminated records."""

    def __init__(self) -> None:
        self.buffer = ""

    def feed(self, text: str) -> list[str]:
        self.buffer += text
        *records, self.buffer = self.buffer.split(RECORD_SEPARATOR)
        return records


async def _receive_text(ws: web.WebSocketResponse, timeout: float | None) -> str | None:
    """The next text (binary decoded) payload; ``None`` when the socket is done."""
    while True:
        message = await ws.receive(timeout=timeout)
        if message.type == WSMsgType.TEXT:
            return str(message.data)
        if message.type == WSMsgType.BINARY:
            return bytes(message.data).decode("utf-8", "replace")
        if message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            return None
        if message.type == WSMsgType.ERROR:
            return None


async def _handshake(
    stream: EntryStream, connection: HubConnection, records: _Records
) -> list[str] | None:
    """Complete the handshake; returns records that came after it (``None``: failed)."""
    ws = connection.ws
    pending: list[str] = []
    try:
        async with asyncio.timeout(stream.handshake_timeout):
            while not pending:
                text = await _receive_text(ws, None)
                if text is None:
                    return None
                pending = records.feed(text)
    except TimeoutError:
        return None
    error = _handshake_error(pending[0])
    if error is not None:
        await ws.send_str(frame({"error": error}))
        return None
    await ws.send_str("{}" + RECORD_SEPARATOR)
    return pending[1:]


def _handshake_error(record: str) -> str | None:
    try:
        request = json.loads(record)
    except ValueError:
        return "An unexpected error occurred during connection handshake."
    if not isinstance(request, dict):
        return "An unexpected error occurred during connection handshake."
    protocol = request.get("protocol")
    if protocol != HANDSHAKE_PROTOCOL:
        return f"The protocol '{protocol}' is not supported."
    version = request.get("version")
    if version != HANDSHAKE_VERSION:
        return f"The server does not support version {version} of the '{protocol}' protocol."
    return None


async def _read_loop(
    stream: EntryStream, connection: HubConnection, records: _Records, pending: list[str]
) -> None:
    while True:
        for record in pending:
            if not await _handle(connection, record):
                return
        try:
            text = await _receive_text(connection.ws, stream.client_timeout)
        except TimeoutError:
            await connection.ws.send_str(frame({"type": 7}))
            return
        if text is None:
            return
        pending = records.feed(text)


async def _handle(connection: HubConnection, record: str) -> bool:
    """Act on one client message; ``False`` ends the connection."""
    try:
        message: Any = json.loads(record)
        kind = message["type"]
    except ValueError, KeyError, TypeError:
        error = "Connection closed with an error. InvalidDataException: Invalid message."
        await connection.ws.send_str(frame({"type": 7, "error": error}))
        return False
    if kind == 7:
        return False
    if kind == 1 and isinstance(message.get("invocationId"), str):
        target = message.get("target")
        error = f"Failed to invoke '{target}' due to an error on the server."
        completion = {"type": 3, "invocationId": message["invocationId"], "error": error}
        connection.queue.put_nowait(frame(completion))
    return True  # pings (6), acks and fire-and-forget invocations need no answer


ROUTES: RouteTable = [
    ("POST", "/v1/hub/entries/negotiate", negotiate),
    ("GET", "/v1/hub/entries", hub),
]
