"""SALTO KS Connect JSON: reading answers into our models and `ErrorCode` bodies into errors.

Shapes follow the catalog `reference/salto-ks.md` (§3 conventions, §4 objects, §4.7 entries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from .exceptions import (
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceError,
    WorkplaceNotFoundError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    WorkplaceRefusedError,
    WorkplaceServerError,
    WorkplaceValidationError,
)
from .json_fields import opt_str, req_str
from .models import DoorEntry, Lock, Pod, PodGuest, Site
from .transport import Response

# Codes people must be told about in their own words (§3 table, §4.2, §4.6). 2202 is not one:
# it is "<something> not found" (404), a missing object, unless it is about the code (OTP).
REFUSAL_CODES: Final = frozenset(
    {
        "3102",
        "2203",
        "2213",
        "2214",
        "2215",
        "2216",
        "2217",
        "2218",
        "2219",
        "2220",
        "2221",
        "2222",
    }
)


def error_for(method: str, path: str, response: Response) -> WorkplaceError:
    """Map `{ErrorCode, Message}` (the code is a string in practice) onto the errors."""
    body = _body(response)
    code = str(body.get("ErrorCode") or "")
    message = str(body.get("Message") or body.get("title") or f"HTTP {response.status}")
    status = response.status
    where = f"{method} {path}"
    if status == 401 or code == "1500":  # noqa: PLR2004
        return WorkplaceAuthenticationError(f"{where}: {message}")
    if code == "3102" or (code == "2202" and "otp" in message.lower()):
        # 3102 is both a wrong code (400 `otp_invalid`) and a blocked one (403 `otp_blocked`);
        # a missing code is 404 2202 "Otp is invalid" (§3, §4.2).
        blocked = status == 403 or "blocked" in message.lower()  # noqa: PLR2004
        return WorkplaceRefusedError(message, code="otp_blocked" if blocked else "otp_invalid")
    if code in REFUSAL_CODES:
        return WorkplaceRefusedError(message, code=code)
    if status == 403:  # noqa: PLR2004
        return WorkplacePermissionError(f"{where}: {message}")
    if status == 404:  # noqa: PLR2004
        return WorkplaceNotFoundError(f"{where}: {message}")
    if status in (400, 405, 422):
        return WorkplaceValidationError(message, failures=(code,) if code else ())
    if status == 429:  # noqa: PLR2004
        return WorkplaceRateLimitError(f"{where}: {message}", retry_after=response.retry_after)
    if status >= 500:  # noqa: PLR2004
        return WorkplaceServerError(f"{where}: {message}")
    return WorkplaceBadResponseError(f"{where}: unexpected HTTP {status}")


def _body(response: Response) -> dict[str, Any]:
    try:
        body = response.json()
    except WorkplaceBadResponseError:
        return {}
    return body if isinstance(body, dict) else {}


def items_of(body: Any) -> tuple[list[Any], str | None]:
    """Items and next page link of a list: an `{items, next_page_link}` envelope or bare (§3)."""
    if isinstance(body, list):
        return body, None
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        link = body.get("next_page_link")
        return body["items"], link if isinstance(link, str) and link else None
    msg = f"Expected a list or an items envelope, got {type(body).__name__}"
    raise WorkplaceBadResponseError(msg)


def _opt_bool(item: Mapping[str, Any], key: str) -> bool | None:
    value = item.get(key)
    return value if isinstance(value, bool) else None


def parse_time(value: Any) -> datetime:
    """An ISO date-time; naive ones are UTC (`utc_date_time`)."""
    if not isinstance(value, str):
        msg = "not an ISO date-time"
        raise TypeError(msg)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_site(item: Any) -> Site:
    """A site: its UUID, not the human `site_uid`, is what the API takes (§3)."""
    return Site(
        id=req_str(item, "id"),
        name=opt_str(item, "customer_reference")
        or opt_str(item, "site_uid")
        or req_str(item, "id"),
        time_zone=opt_str(item, "time_zone"),
    )


def parse_lock(item: Any) -> Lock:
    """A Lock (§4.2)."""
    return Lock(
        id=req_str(item, "id"),
        name=opt_str(item, "customer_reference") or req_str(item, "id"),
        online=_opt_bool(item, "online"),
        locked_state=opt_str(item, "locked_state"),
        battery_level=opt_str(item, "battery_level"),
        intrusion_alarm=_opt_bool(item, "intrusion_alarm"),
        left_open_alarm=_opt_bool(item, "left_open_alarm"),
        lock_type=opt_str(item, "lock_type"),
        floor=opt_str(item, "floor"),
    )


def parse_pod(item: Any) -> Pod:
    """A pod with its locks, members and guests (§4.6)."""
    locks = item.get("locks") or []
    return Pod(
        id=req_str(item, "id"),
        name=opt_str(item, "customer_reference") or req_str(item, "id"),
        lock_ids=tuple(
            str(lock["id"] if isinstance(lock, dict) else lock) for lock in locks if lock
        ),
        members=len(item.get("members") or []),
        guests=tuple(_guest(g) for g in item.get("guests") or [] if isinstance(g, dict)),
        max_guest_amount=item.get("max_guest_amount")
        if isinstance(item.get("max_guest_amount"), int)
        else None,
    )


def _guest(item: Mapping[str, Any]) -> PodGuest:
    nested, rule_item = item.get("user"), item.get("access_rule")
    user: Mapping[str, Any] = nested if isinstance(nested, dict) else item
    rule: Mapping[str, Any] = rule_item if isinstance(rule_item, dict) else {}
    name = " ".join(p for p in (opt_str(user, "first_name"), opt_str(user, "last_name")) if p)
    email = opt_str(user, "email")
    return PodGuest(
        id=req_str(item, "id"),
        email=email.lower() if email else None,
        name=name or None,
        access_rule=opt_str(rule, "access_rule_type"),
    )


def parse_entry(item: Any) -> DoorEntry:
    """A door entry (§4.7), from REST or from the stream (same fields)."""
    name = " ".join(
        p for p in (opt_str(item, "user_first_name"), opt_str(item, "user_last_name")) if p
    )
    return DoorEntry(
        id=req_str(item, "id"),
        lock_id=req_str(item, "lock_id"),
        time=parse_time(item.get("utc_date_time")),
        category=req_str(item, "event_category"),
        detail=opt_str(item, "event_detail"),
        access_by=opt_str(item, "access_by"),
        person_name=name or opt_str(item, "user_alias"),
    )
