"""Date and JSON formatting as the SALTO KS API writes them (catalog §4.7 raw answers).

* ``utc_date_time``: whole seconds with ``Z`` (``2026-08-19T12:50:38Z``).
* ``local_date_time``: site-local wall time without offset (``2026-08-19T14:50:38``).
* ``expiration_date_time``: milliseconds with .NET's trailing zeros trimmed
  (``2026-11-17T12:50:17.42Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from typing import Any
from zoneinfo import ZoneInfo


def utc_seconds(timestamp: float) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def local_seconds(timestamp: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(int(timestamp), zone).strftime("%Y-%m-%dT%H:%M:%S")


def utc_millis(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC)
    millis = f"{moment.microsecond // 1000:03d}".rstrip("0")
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{millis}Z" if millis else f"{base}Z"


def parse_datetime(text: str, zone: ZoneInfo | None = None) -> float:
    """ISO 8601 → unix seconds; without an offset the time is UTC (or ``zone`` if given).

    Raises ``ValueError`` on anything else.
    """
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    moment = datetime.fromisoformat(raw)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or UTC)
    return moment.timestamp()


def dumps(data: Any) -> bytes:
    """Compact JSON, non-ASCII kept (door names like ``Tür 01``)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
