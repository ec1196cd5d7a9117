"""HTTP plumbing shared by the provider clients: one request, one timeout, one error tree."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
import re
import socket
import time
from typing import TYPE_CHECKING, Any, Final

import aiohttp
import orjson

from .exceptions import (
    WorkplaceBadResponseError,
    WorkplaceConnectionError,
    WorkplaceNotSentError,
    WorkplaceTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from multidict import CIMultiDictProxy
    from yarl import URL

_NEXT_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?next"?')


MAX_PARALLEL_REQUESTS: Final = 4


@dataclass(frozen=True, slots=True)
class Response:
    """A complete HTTP answer, read before the connection was released."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """Decode the body as JSON; an empty body is None."""
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as err:
            msg = f"Malformed JSON in a {self.status} answer"
            raise WorkplaceBadResponseError(msg) from err

    @property
    def next_link(self) -> str | None:
        """The `rel="next"` target of a `Link` header, as the server wrote it."""
        header = self.headers.get("Link")
        if not header:
            return None
        match = _NEXT_LINK.search(header)
        return match.group(1) if match else None

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from `Retry-After` (delta seconds or an HTTP date)."""
        return parse_retry_after(self.headers.get("Retry-After"))


def parse_retry_after(value: str | None) -> float | None:
    """Read a `Retry-After` value; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    return max(0.0, when.timestamp() - time.time())


@dataclass(slots=True)
class ServerLink:
    """What one client keeps about its server across requests.

    None of the three vendors publishes its rate limit: many parallel actions or a burst of
    pushed news queue for a slot rather than hit the server all at once. The server's clock
    (its `Date` header) stamps creation and entry times, which we compare with our own.
    """

    slots: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(MAX_PARALLEL_REQUESTS)
    )
    clock_offset: timedelta = timedelta(0)

    def saw(self, headers: Mapping[str, str]) -> None:
        """Learn how far the server's clock is ahead of ours from an answer's `Date`."""
        try:
            server_now = parsedate_to_datetime(headers.get("Date", ""))
        except TypeError, ValueError:
            return
        if server_now.tzinfo is None:
            return
        # `Date` is cut to the second: the middle of that second is the best guess.
        ahead = (server_now - datetime.now(UTC)).total_seconds() + 0.5
        self.clock_offset = timedelta(seconds=round(ahead))


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: URL,
    *,
    link: ServerLink,
    headers: Mapping[str, str],
    timeout: float,
    json_body: Any = None,
) -> Response:
    """Send one request and read the whole answer, mapping transport failures.

    The timeout starts once a slot is free. Error messages name the method and path only:
    query strings and headers may carry secrets.
    """
    data = None if json_body is None else orjson.dumps(json_body)
    if data is not None:
        headers = {**headers, "Content-Type": "application/json"}
    try:
        async with (
            link.slots,
            asyncio.timeout(timeout),
            session.request(method, url, headers=headers, data=data) as answer,
        ):
            body = await answer.read()
    except TimeoutError as err:
        msg = f"Timed out after {timeout:g} s: {method} {url.path}"
        raise WorkplaceTimeoutError(msg) from err
    except (aiohttp.ClientConnectorError, socket.gaierror) as err:
        msg = f"Could not connect for {method} {url.path}: {type(err).__name__}"
        raise WorkplaceNotSentError(msg) from err
    except (aiohttp.ClientError, OSError) as err:
        msg = f"Could not complete {method} {url.path}: {type(err).__name__}"
        raise WorkplaceConnectionError(msg) from err
    link.saw(answer.headers)
    return Response(status=answer.status, headers=answer.headers, body=body)
