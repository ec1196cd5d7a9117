"""Client for the PlaceOS Staff API and the PlaceOS engine REST API.

Paths, parameters and quirks follow our catalog `reference/placeos.md`; every PlaceOS quirk stays
inside this module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
import logging
from typing import Any, Final

import aiohttp
from yarl import URL

from .exceptions import (
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConflictError,
    WorkplaceConnectionError,
    WorkplaceError,
    WorkplaceLimitReachedError,
    WorkplaceNotAllowedError,
    WorkplaceNotFoundError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    WorkplaceValidationError,
)
from .models import Account, Booking, BookingStatus, Person, Space, SpaceKind, Zone, ZoneKind
from .transport import Response, send

LOGGER = logging.getLogger(__name__)

STAFF_API: Final = "/api/staff/v1"
ENGINE_API: Final = "/api/engine/v2"

# Our choice, not a documented server maximum: the driver's default is 100 (catalog §3.7), and
# larger pages mean fewer requests per refresh. The REST API clamps `limit` to 10 000 (§6).
BOOKINGS_PAGE_SIZE: Final = 1000
INDEX_PAGE_SIZE: Final = 1000
# A runaway server (a `next` link that never ends) must not keep us paging forever.
MAX_PAGES: Final = 1000

# Desk ids live in the `details` of the zone metadata named "desks" (a PlaceOS convention, §8 [I]).
DESKS_METADATA: Final = "desks"


@dataclass(slots=True)
class PlaceOSClient:
    """Talks to one PlaceOS tenant with an API key (`X-API-Key`, catalog §2.1)."""

    url: str
    api_key: str
    session: aiohttp.ClientSession
    request_timeout: float = 30.0
    _base: URL = field(init=False, repr=False)

    def __post_init__(self) -> None:
        """Normalise the origin once."""
        self._base = URL(self.url.rstrip("/"))

    def __repr__(self) -> str:
        """Name the server, never the key."""
        return f"PlaceOSClient(url={self.url!r})"

    # -- account ---------------------------------------------------------------------------

    async def get_account(self) -> Account:
        """Check the key and tell which tenant (authority) and user it belongs to."""
        user = _expect_object(await self._get_json(f"{ENGINE_API}/users/current"))
        authority = _expect_object(await self._get_json("/auth/authority"))
        try:
            return Account(
                tenant_id=_req_str(authority, "id"),
                tenant_name=_opt_str(authority, "name") or _req_str(authority, "domain"),
                user_id=_req_str(user, "id"),
                user_name=_opt_str(user, "name") or _req_str(user, "email"),
                user_email=_req_str(user, "email"),
                server_version=_opt_str(authority, "version"),
            )
        except (KeyError, TypeError, ValueError) as err:
            msg = f"Unexpected account data: {err}"
            raise WorkplaceBadResponseError(msg) from err

    # -- zones and spaces -----------------------------------------------------------------

    async def get_zones(self) -> list[Zone]:
        """Return every building and level zone of the tenant."""
        zones: list[Zone] = []
        for kind in (ZoneKind.BUILDING, ZoneKind.LEVEL):
            raw = await self._get_all(f"{ENGINE_API}/zones", {"tags": kind.value})
            zones.extend(_parse_all(raw, partial(_parse_zone, kind=kind), "zone"))
        return zones

    async def get_spaces(self, levels: Collection[Zone]) -> list[Space]:
        """Return the desks and bookable rooms of the given levels.

        One metadata request and one systems query per building, never one per space.
        """
        level_by_id = {level.id: level for level in levels}
        buildings = sorted({level.parent_id for level in levels if level.parent_id})
        spaces: list[Space] = []
        for building_id in buildings:
            children = await self._get_json(
                f"{ENGINE_API}/metadata/{building_id}/children", {"name": DESKS_METADATA}
            )
            spaces.extend(_parse_desks(children, level_by_id))
            systems = await self._get_all(
                f"{ENGINE_API}/systems", {"zone_id": building_id, "bookable": "true"}
            )
            spaces.extend(_parse_all(systems, lambda item: _parse_room(item, level_by_id), "room"))
        return spaces

    # -- bookings -------------------------------------------------------------------------

    async def get_bookings(
        self,
        *,
        booking_type: str,
        zone_ids: Collection[str],
        start: datetime,
        end: datetime,
        approval_space_ids: Collection[str] = (),
    ) -> list[Booking]:
        """Return the bookings of one type that overlap [start, end) in any of the zones.

        Zones must be given: without them PlaceOS returns only the caller's own bookings.
        Bookings of spaces in `approval_space_ids` that are neither approved nor rejected are
        reported as pending approval.
        """
        if not zone_ids:
            return []
        raw = await self._get_all(
            f"{STAFF_API}/bookings",
            {
                "type": booking_type,
                "zones": ",".join(sorted(zone_ids)),
                "period_start": str(int(start.timestamp())),
                "period_end": str(int(end.timestamp())),
                # Checked-out bookings are hidden by default; we show them as checked out.
                "include_checked_out": "true",
            },
            page_size=BOOKINGS_PAGE_SIZE,
        )
        approval = frozenset(approval_space_ids)
        return _parse_all(raw, lambda item: _parse_booking(item, approval), "booking")

    # -- plumbing ---------------------------------------------------------------------------

    async def _request(
        self, method: str, path_or_url: str | URL, params: Mapping[str, str] | None = None
    ) -> Response:
        url = path_or_url if isinstance(path_or_url, URL) else self._base.with_path(path_or_url)
        if params:
            url = url.update_query(params)
        response = await send(
            self.session,
            method,
            url,
            headers={"Accept": "application/json", "X-API-Key": self.api_key},
            timeout=self.request_timeout,
        )
        if response.status >= 300:  # noqa: PLR2004
            raise _error_for(method, url, response)
        return response

    async def _get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return (await self._request("GET", path, params)).json()

    async def _get_all(
        self, path: str, params: Mapping[str, str], *, page_size: int = INDEX_PAGE_SIZE
    ) -> list[Any]:
        """Follow `Link: rel="next"` until it ends, repeats or a page comes back empty.

        Staff API links are relative and have a slash before `?` (`/bookings/?…`, §3.7).
        """
        items: list[Any] = []
        target: str | URL = path
        query: Mapping[str, str] | None = {**params, "limit": str(page_size), "offset": "0"}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            response = await self._request("GET", target, query)
            page = response.json()
            if not isinstance(page, list):
                msg = f"Expected a list from {path}, got {type(page).__name__}"
                raise WorkplaceBadResponseError(msg)
            items.extend(page)
            link = response.next_link
            if not page or not link or link in seen:
                return items
            seen.add(link)
            target, query = self._base.join(URL(link)), None
        msg = f"{path} kept paging past {MAX_PAGES} pages"
        raise WorkplaceBadResponseError(msg)


# -- error mapping ---------------------------------------------------------------------------


_SIMPLE_ERRORS: Final[dict[int, type[WorkplaceError]]] = {
    401: WorkplaceAuthenticationError,
    404: WorkplaceNotFoundError,
    405: WorkplaceNotAllowedError,
    408: WorkplaceConnectionError,
}


def _error_for(method: str, url: URL, response: Response) -> WorkplaceError:
    """Map a PlaceOS error answer (shapes in catalog §4) onto the library's error tree."""
    status = response.status
    body = _error_body(response)
    reason = str(body.get("error") or f"HTTP {status}")
    if status == 403:  # noqa: PLR2004 - PlaceOS answers 403 with an empty body
        return WorkplacePermissionError(f"{method} {url.path}: not permitted")
    if status == 409:  # noqa: PLR2004
        clashing = _parse_all(
            body.get("bookings") or [], lambda item: _parse_booking(item, frozenset()), "booking"
        )
        return WorkplaceConflictError(reason, conflicting=tuple(clashing))
    if status == 410:  # noqa: PLR2004
        limit = body.get("limit")
        return WorkplaceLimitReachedError(reason, limit=limit if isinstance(limit, int) else None)
    if status in (400, 422):
        return WorkplaceValidationError(reason, failures=_failures(body))
    if status == 429:  # noqa: PLR2004
        return WorkplaceRateLimitError(reason, retry_after=response.retry_after)
    if error := _SIMPLE_ERRORS.get(status):
        return error(f"{method} {url.path}: {reason}")
    if status >= 500:  # noqa: PLR2004
        return WorkplaceConnectionError(f"{method} {url.path}: {reason}")
    return WorkplaceBadResponseError(f"{method} {url.path}: unexpected HTTP {status}")


def _error_body(response: Response) -> dict[str, Any]:
    """The JSON error object, or {} for empty (403) or non-JSON bodies."""
    try:
        body = response.json()
    except WorkplaceBadResponseError:
        return {}
    return body if isinstance(body, dict) else {}


def _failures(body: Mapping[str, Any]) -> tuple[str, ...]:
    if parameter := body.get("parameter"):
        return (f"{parameter}: {body.get('restriction', 'invalid')}",)
    failures = body.get("failures")
    if not isinstance(failures, list):
        return ()
    return tuple(
        f"{item.get('field')}: {item.get('reason')}" for item in failures if isinstance(item, dict)
    )


# -- parsing -----------------------------------------------------------------------------------


def _parse_all[T](raw: Iterable[Any], parse: Callable[[Any], T | None], what: str) -> list[T]:
    """Parse each item; an item we cannot read is skipped and logged, never fatal."""
    parsed: list[T] = []
    for item in raw:
        try:
            result = parse(item)
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError) as err:
            LOGGER.warning("Skipping a malformed PlaceOS %s: %s", what, err)
            continue
        if result is not None:
            parsed.append(result)
    return parsed


def _expect_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        msg = f"Expected a JSON object, got {type(value).__name__}"
        raise WorkplaceBadResponseError(msg)
    return value


def _req_str(item: Mapping[str, Any], key: str) -> str:
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
        msg = f"{key} is not a usable id or text: {type(value).__name__}"
        raise ValueError(msg)
    return str(value)


def _opt_str(item: Mapping[str, Any], key: str) -> str | None:
    value = item.get(key)
    return value if isinstance(value, str) and value else None


def _opt_int(item: Mapping[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{key} is not an integer"
        raise TypeError(msg)
    return int(value)


def _req_time(item: Mapping[str, Any], key: str) -> datetime:
    value = _opt_time(item, key)
    if value is None:
        msg = f"{key} is missing"
        raise KeyError(msg)
    return value


def _opt_time(item: Mapping[str, Any], key: str) -> datetime | None:
    seconds = _opt_int(item, key)
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _str_list(item: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = item.get(key) or []
    if not isinstance(value, list):
        msg = f"{key} is not a list"
        raise TypeError(msg)
    return tuple(entry for entry in value if isinstance(entry, str) and entry)


def _parse_zone(item: Any, *, kind: ZoneKind) -> Zone:
    return Zone(
        id=_req_str(item, "id"),
        name=_opt_str(item, "display_name") or _req_str(item, "name"),
        kind=kind,
        parent_id=_opt_str(item, "parent_id"),
        timezone=_opt_str(item, "timezone"),
    )


def _parse_desks(children: Any, level_by_id: Mapping[str, Zone]) -> list[Space]:
    """Desks from `metadata/{building}/children?name=desks` (§3.6): one entry per child zone."""
    if not isinstance(children, list):
        msg = f"Expected a list of zone metadata, got {type(children).__name__}"
        raise WorkplaceBadResponseError(msg)
    desks: list[Space] = []
    for child in children:
        if not isinstance(child, dict) or not isinstance(child.get("zone"), dict):
            LOGGER.warning("Skipping malformed PlaceOS zone metadata")
            continue
        level = level_by_id.get(str(child["zone"].get("id")))
        details = ((child.get("metadata") or {}).get(DESKS_METADATA) or {}).get("details")
        if level is None or details is None:
            continue
        if not isinstance(details, list):
            LOGGER.warning("Skipping PlaceOS desks of %s: details is not a list", level.id)
            continue
        desks.extend(_parse_all(details, partial(_parse_desk, level=level), "desk"))
    return desks


def _parse_desk(item: Any, *, level: Zone) -> Space:
    return Space(
        id=_req_str(item, "id"),
        name=_opt_str(item, "name") or _req_str(item, "id"),
        kind=SpaceKind.DESK,
        zone_id=level.id,
        building_id=level.parent_id,
        booking_type="desk",
        capacity=1,
        bookable=item.get("bookable") is not False,
    )


def _parse_room(item: Any, level_by_id: Mapping[str, Zone]) -> Space | None:
    level = next((level_by_id[z] for z in _str_list(item, "zones") if z in level_by_id), None)
    if level is None:
        return None  # a room of a level we do not track
    return Space(
        id=_req_str(item, "id"),
        name=_opt_str(item, "display_name") or _req_str(item, "name"),
        kind=SpaceKind.ROOM,
        zone_id=level.id,
        building_id=level.parent_id,
        booking_type="room",
        capacity=_opt_int(item, "capacity"),
        bookable=item.get("bookable") is not False,
        requires_approval=item.get("approval") is True,
    )


def _booking_status(item: Mapping[str, Any], *, needs_approval: bool) -> BookingStatus:
    """Our status from PlaceOS flags; `checked_in=false` with `checked_out_at` is checked out."""
    if item.get("deleted") is True:
        return BookingStatus.CANCELLED
    if item.get("rejected") is True:
        return BookingStatus.REJECTED
    if item.get("checked_in") is True:
        return BookingStatus.CHECKED_IN
    if item.get("checked_out_at") is not None:
        return BookingStatus.CHECKED_OUT
    if needs_approval and item.get("approved") is not True:
        return BookingStatus.PENDING_APPROVAL
    return BookingStatus.RESERVED


def _parse_booking(item: Any, approval_space_ids: frozenset[str]) -> Booking:
    space_ids = _str_list(item, "asset_ids") or (
        (_req_str(item, "asset_id"),) if item.get("asset_id") else ()
    )
    start, end = _req_time(item, "booking_start"), _req_time(item, "booking_end")
    if end <= start:
        msg = "booking_end is not after booking_start"
        raise ValueError(msg)
    booked_by = Person(
        name=_opt_str(item, "booked_by_name"),
        email=_opt_str(item, "booked_by_email"),
        id=_opt_str(item, "booked_by_id"),
    )
    return Booking(
        id=_req_str(item, "id"),
        booking_type=_req_str(item, "booking_type"),
        space_ids=space_ids,
        zone_ids=_str_list(item, "zones"),
        start=start,
        end=end,
        status=_booking_status(
            item, needs_approval=any(s in approval_space_ids for s in space_ids)
        ),
        person=Person(
            name=_opt_str(item, "user_name"),
            email=_opt_str(item, "user_email"),
            id=_opt_str(item, "user_id"),
        ),
        booked_by=booked_by if booked_by.email or booked_by.name else None,
        title=_opt_str(item, "title"),
        checked_in_at=_opt_time(item, "checked_in_at"),
        checked_out_at=_opt_time(item, "checked_out_at"),
    )
