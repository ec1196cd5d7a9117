"""A minimal client of the ASP.NET Core SignalR JSON protocol over WebSocket.

SALTO KS streams door entries as `ReceiveMessage` invocations on its entries hub (catalog §6).
Only what that needs is implemented: skip negotiation, WebSocket transport, the JSON handshake,
invocations, pings and close. Records end with the 0x1E separator.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging
from typing import Any, Final

import aiohttp
import orjson
from yarl import URL

LOGGER = logging.getLogger(__name__)

SEPARATOR: Final = "\x1e"
HANDSHAKE: Final = '{"protocol":"json","version":1}' + SEPARATOR
INVOCATION, PING, CLOSE = 1, 6, 7
PING_FRAME: Final = '{"type":6}' + SEPARATOR
# SignalR servers close clients that say nothing for 30 s; clients ping every 15 s.
KEEPALIVE: Final = 15.0


class StreamClosedError(Exception):
    """The hub closed the stream, or went silent for too long."""


async def listen(
    session: aiohttp.ClientSession,
    url: URL,
    token: str,
    on_message: Callable[[str, list[Any]], None],
    *,
    silence: float = 60.0,
    connected: Callable[[], Awaitable[None] | None] | None = None,
) -> None:
    """Connect once and deliver invocations until the stream ends; raise when it does.

    A stream that sends nothing at all (not even a ping) for `silence` seconds counts as dead.
    We ping the hub ourselves, as SignalR clients do, so that it keeps us.
    """
    async with session.ws_connect(
        url.update_query({"access_token": token}), heartbeat=None, autoping=True
    ) as socket:
        await socket.send_str(HANDSHAKE)
        # The handshake answer (`{}` or `{"error": ...}`) may share a frame with messages.
        records = await _receive(socket, silence)
        if records and "type" not in records[0]:
            handshake = records.pop(0)
            if handshake.get("error"):
                raise StreamClosedError(str(handshake["error"]))
        keepalive = asyncio.create_task(_keep_alive(socket))
        try:
            if connected is not None and (result := connected()) is not None:
                await result
            await _dispatch(socket, records, on_message, silence)
        finally:
            keepalive.cancel()


async def _keep_alive(socket: aiohttp.ClientWebSocketResponse) -> None:
    while not socket.closed:
        await asyncio.sleep(KEEPALIVE)
        await socket.send_str(PING_FRAME)


async def _dispatch(
    socket: aiohttp.ClientWebSocketResponse,
    records: list[dict[str, Any]],
    on_message: Callable[[str, list[Any]], None],
    silence: float,
) -> None:
    while True:
        for record in records:
            kind = record.get("type")
            if kind == INVOCATION:
                arguments = record.get("arguments")
                on_message(
                    str(record.get("target")), arguments if isinstance(arguments, list) else []
                )
            elif kind == CLOSE:
                raise StreamClosedError(str(record.get("error") or "closed by the hub"))
        records = await _receive(socket, silence)


async def _receive(socket: aiohttp.ClientWebSocketResponse, silence: float) -> list[dict[str, Any]]:
    try:
        message = await asyncio.wait_for(socket.receive(), silence)
    except TimeoutError as err:
        msg = f"no message for {silence:g} s"
        raise StreamClosedError(msg) from err
    if message.type in (
        aiohttp.WSMsgType.CLOSE,
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.CLOSING,
    ):
        msg = "the connection closed"
        raise StreamClosedError(msg)
    if message.type is aiohttp.WSMsgType.ERROR:
        msg = f"the connection failed: {socket.exception()}"
        raise StreamClosedError(msg)
    text = message.data if isinstance(message.data, str) else bytes(message.data).decode()
    records: list[dict[str, Any]] = []
    for chunk in text.split(SEPARATOR):
        if not chunk.strip():
            continue
        try:
            record = orjson.loads(chunk)
        except orjson.JSONDecodeError:
            LOGGER.debug("Skipping an unreadable stream record")
            continue
        if isinstance(record, dict):
            records.append(record)
    return records
