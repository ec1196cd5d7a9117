"""Reading JSON fields the same careful way for every provider.

An item we cannot read is skipped and logged, never fatal to a whole answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
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
class KnownItems[T]:
    """Parses a listing polled again and again, reusing what unchanged items parsed to.

    A poll of thousands of bookings mostly repeats the last one. An item whose JSON is the
    same as last time is not parsed again and comes back as the very same object, so callers
    can tell "unchanged" by identity. Only the last listing is remembered.
    """

    _last: dict[int, T] = field(default_factory=dict)

    def parse_all(self, raw: Iterable[Any], parse: Callable[[Any], T | None], what: str) -> list[T]:
        """Like `parse_all`, reusing the results of items unchanged since the last call."""
        last, current = self._last, {}
        parsed: list[T] = []
        for item in raw:
            # Items come from orjson, so orjson can write each back: same text, same item.
            fingerprint = hash(orjson.dumps(item))
            result = last.get(fingerprint)
            if result is None:
                result = _parse_one(item, parse, what)
                if result is None:
                    continue
            current[fingerprint] = result
            parsed.append(result)
        self._last = current
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
