"""Wire formats: JSON encoding, ISO timestamps and the request date/hour formats (§3.1, §3.2).

* Responses and webhook bodies are encoded like PHP's ``json_encode`` with default flags
  (Laravel): compact, ``/`` escaped as ``\\/`` and non-ASCII as ``\\uXXXX``. Valid JSON, but a
  webhook signature only verifies over the raw bytes, never over a re-serialisation.
* Timestamps render as ISO 8601 with the account timezone's offset (``…-03:00``).
* Booking ``date`` is ``Y/m/d`` (``d/m/Y`` also accepted, logged); guest pass ``date`` is
  ``d/m/Y`` only; hours are ``H:i``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
import functools
import json
import logging
import re
from typing import Any
from zoneinfo import ZoneInfo

_LOGGER = logging.getLogger(__name__)

_YMD = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")
_HOUR = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def php_json(data: Any) -> bytes:
    """``json_encode($data)``: compact, escaped slashes, ASCII only."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode()


def iso(timestamp: float | None, zone: ZoneInfo) -> str | None:
    """``2024-02-14T16:29:56-03:00`` (``None`` stays ``None``)."""
    if timestamp is None:
        return None
    return _iso(int(timestamp), zone)


@functools.lru_cache(maxsize=65_536)
def _iso(timestamp: int, zone: ZoneInfo) -> str:
    # Listings repeat the same few slot boundaries thousands of times at benchmark scale.
    return datetime.fromtimestamp(timestamp, zone).isoformat(timespec="seconds")


def local_date(timestamp: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(timestamp, zone).date()


def day_start(day: date, zone: ZoneInfo) -> float:
    """Unix time of local midnight starting ``day``."""
    return datetime.combine(day, time(0, 0), zone).timestamp()


def day_end(day: date, zone: ZoneInfo) -> float:
    """Unix time of local midnight ending ``day``."""
    return day_start(day + timedelta(days=1), zone)


def at(day: date, hour: tuple[int, int], zone: ZoneInfo) -> float:
    """Unix time of ``day`` at ``hour`` (H, M) in ``zone``."""
    return datetime.combine(day, time(hour[0], hour[1]), zone).timestamp()


def parse_ymd(text: str) -> date | None:
    """``2024/01/30`` (or with dashes) → date; ``None`` if not that shape."""
    match = _YMD.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_dmy(text: str) -> date | None:
    """``30/01/2024`` → date; ``None`` if not that shape."""
    match = _DMY.match(text.strip())
    if match is None:
        return None
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None


def parse_booking_date(text: str) -> date | None:
    """Booking ``date``: ``Y/m/d`` as documented, ``d/m/Y`` tolerated (position of the year)."""
    parsed = parse_ymd(text)
    if parsed is not None:
        return parsed
    parsed = parse_dmy(text)
    if parsed is not None:
        _LOGGER.debug("booking date %r sent as d/m/Y; the documented format is Y/m/d", text)
    return parsed


def parse_hour(text: str) -> tuple[int, int] | None:
    """``H:i`` (seconds tolerated) → (hour, minute); ``None`` if invalid."""
    match = _HOUR.match(text.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return hour, minute


def parse_iso(text: str) -> float | None:
    """ISO 8601 date-time (``Z`` or offset; naive = UTC) → unix time; ``None`` if invalid."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo("UTC"))
    return parsed.timestamp()


def occupation_time(seconds: float) -> str:
    """Occupation as ``HH:MM`` (the API types it as a string)."""
    minutes = max(0, int(seconds)) // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
