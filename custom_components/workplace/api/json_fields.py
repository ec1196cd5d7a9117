"""Reading JSON fields the same careful way for every provider.

An item we cannot read is skipped and logged, never fatal to a whole answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
import logging
from typing import Any

from .exceptions import WorkplaceBadResponseError

LOGGER = logging.getLogger(__name__)


def parse_all[T](raw: Iterable[Any], parse: Callable[[Any], T | None], what: str) -> list[T]:
    """Parse each item; an item we cannot read is skipped and logged, never fatal."""
    parsed: list[T] = []
    for item in raw:
        try:
            result = parse(item)
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as err:
            LOGGER.warning("Skipping a malformed %s: %s", what, err)
            continue
        if result is not None:
            parsed.append(result)
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
