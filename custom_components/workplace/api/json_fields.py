"""Reading JSON fields the same careful way for every provider.

An item we cannot read is skipped and logged, never fatal to a whole answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
import logging
from typing import Any

import orjson

from .exceptions import WorkplaceBadResponseError

LOGGER = logging.getLogger(__name__)


def parse_all[T](raw: Iterable[Any], parse: Callable[[Any], T | None], what: str) -> list[T]:
    """Parse each item; an item we cannot read is skipped and logged, never fatal."""
    parsed: list[T] = []
    for item in raw:
        result = _parse_one(item, parse, what)
        if result is not None:
            parsed.append(result)
    return parsed


def _parse_one[T](item: Any, parse: Callable[[Any], T | None], what: str) -> T | None:
    try:
        return parse(item)
    except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as err:
        LOGGER.warning("Skipping a malformed %s: %s", what, err)
        return None


@dataclass(slots=True)
class Page:
    """One page of a listing as it came: decoded only if someone needs its items."""

    body: bytes
    decode: Callable[[], list[Any]]
    _items: list[Any] | None = None

    @classmethod
    def decoded(cls, body: bytes, items: list[Any]) -> Page:
        """A page already decoded."""
        return cls(body, lambda: items, items)

    @property
    def items(self) -> list[Any]:
        """The page's items (decoded once, on first use)."""
        if self._items is None:
            self._items = self.decode()
        return self._items


@dataclass(slots=True)
class KnownItems[T]:
    """Parses a listing polled again and again, reusing what unchanged parts parsed to.

    A poll of thousands of bookings mostly repeats the last one. A page whose bytes are the
    same as last time is neither decoded nor parsed again; within a changed page, an item
    whose JSON is the same as last time is not parsed again. Either way the very same objects
    come back, so callers can tell "unchanged" by identity. Only the last listing is kept.
    """

    _items: dict[int, T] = field(default_factory=dict)
    _pages: dict[int, list[tuple[int, T]]] = field(default_factory=dict)

    async def parse_pages(
        self, pages: AsyncIterable[Page], parse: Callable[[Any], T | None], what: str
    ) -> list[T]:
        """Like `parse_all` over every page, reusing what unchanged pages and items parsed to.

        Each page is parsed as it arrives and dropped: the decoded JSON of a whole listing
        is never held at once (thousands of short-lived objects that the garbage collector
        would otherwise have to walk again and again).
        """
        items: dict[int, T] = {}
        pages_now: dict[int, list[tuple[int, T]]] = {}
        parsed: list[T] = []
        # Bound once: this loop runs for every booking of every poll.
        recall, dumps = self._items.get, orjson.dumps
        async for page in pages:
            page_key = hash(page.body)
            known = self._pages.get(page_key)
            if known is None:
                known = []
                for item in page.items:
                    # Items come from orjson, so orjson writes each back: same text, same item.
                    fingerprint = hash(dumps(item))
                    result = recall(fingerprint)
                    if result is None:
                        result = _parse_one(item, parse, what)
                        if result is None:
                            continue
                    known.append((fingerprint, result))
            pages_now[page_key] = known
            items.update(known)
            parsed.extend(result for _, result in known)
        self._items, self._pages = items, pages_now
        return parsed


def expect_object(value: Any) -> dict[str, Any]:
    """Return the value if it is a JSON object, else refuse the answer."""
    if not isinstance(value, dict):
        msg = f"Expected a JSON object, got {type(value).__name__}"
        raise WorkplaceBadResponseError(msg)
    return value


def req_str(item: Mapping[str, Any], key: str) -> str:
    """A required id or text (ints are ids too), as a string."""
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        msg = f"{key} is not a usable id or text: {type(value).__name__}"
        raise ValueError(msg)
    return str(value)


def opt_str(item: Mapping[str, Any], key: str) -> str | None:
    """An optional non-empty text."""
    value = item.get(key)
    return value if isinstance(value, str) and value else None
