"""Cursor pagination (catalog §3.3).

``limit`` (default 25, clamped to 250; not a positive integer → 422) and an opaque
``cursor``: base64url JSON ``{"offset": N, "_pointsToNextItems": bool}`` like Laravel's
cursor paginator. Answers carry absolute ``links.next`` / ``links.prev`` (``null`` at the
ends) that repeat the request's query with the cursor replaced, and
``meta {path, per_page}``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
import json
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from .deskbee_errors import invalid_field, unexpected_value

DEFAULT_LIMIT = 25
MAX_LIMIT = 250


@dataclass
class Page[T]:
    items: list[T]
    links: dict[str, str | None]
    meta: dict[str, Any]


def encode_cursor(offset: int, *, forward: bool) -> str:
    raw = json.dumps({"offset": offset, "_pointsToNextItems": forward}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        offset = payload["offset"]
    except binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError:
        raise unexpected_value("The cursor is invalid.") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise unexpected_value("The cursor is invalid.")
    return offset


def read_limit(request: web.Request) -> int:
    raw = request.query.get("limit")
    if raw is None or raw.strip() == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw.strip())
    except ValueError:
        raise invalid_field("limit", "The limit must be an integer.") from None
    if limit < 1:
        raise invalid_field("limit", "The limit must be at least 1.")
    return min(limit, MAX_LIMIT)


def endpoint_url(request: web.Request) -> str:
    """Absolute URL of the endpoint, without query (``meta.path``)."""
    return f"{request.scheme}://{request.host}{request.path}"


def _link(request: web.Request, offset: int, *, forward: bool) -> str:
    params = [(key, value) for key, value in request.query.items() if key != "cursor"]
    params.append(("cursor", encode_cursor(offset, forward=forward)))
    return f"{endpoint_url(request)}?{urlencode(params)}"


def paginate[T](
    request: web.Request, items: Sequence[T], *, per_page_as_string: bool = True
) -> Page[T]:
    limit = read_limit(request)
    cursor = request.query.get("cursor")
    offset = decode_cursor(cursor) if cursor else 0
    chunk = list(items[offset : offset + limit])
    following = offset + limit
    links: dict[str, str | None] = {
        "prev": _link(request, max(0, offset - limit), forward=False) if offset > 0 else None,
        "next": _link(request, following, forward=True) if following < len(items) else None,
    }
    per_page: str | int = str(limit) if per_page_as_string else limit
    return Page(chunk, links, {"path": endpoint_url(request), "per_page": per_page})
