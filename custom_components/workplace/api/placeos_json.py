"""PlaceOS JSON: reading answers into our models and error bodies into our error tree.

Shapes follow the catalog `reference/placeos.md` (§4 errors, §5 models). Anything we cannot read
is skipped item by item and logged, never fatal to a whole answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial
import logging
from typing import Any, Final

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
    WorkplaceServerError,
    WorkplaceUnsupportedError,
    WorkplaceValidationError,
)
from .json_fields import opt_str, parse_all, req_str
from .models import (
    MEETING,
    Booking,
    BookingStatus,
    Guest,
    Person,
    Space,
    SpaceKind,
    Visitor,
    Zone,
    ZoneKind,
)
from .transport import Response

LOGGER = logging.getLogger(__name__)

# Desk ids live in the `details` of the zone metadata named "desks" (a PlaceOS convention, §8 [I]).
DESKS_METADATA: Final = "desks"


# -- error mapping ---------------------------------------------------------------------------


_SIMPLE_ERRORS: Final[dict[int, type[WorkplaceError]]] = {
    401: WorkplaceAuthenticationError,
    404: WorkplaceNotFoundError,
    405: WorkplaceNotAllowedError,
    408: WorkplaceConnectionError,
    # No tenant, or no calendar behind it (§4: 501), or a calendar needing SSO tokens (511).
    501: WorkplaceUnsupportedError,
    511: WorkplaceUnsupportedError,
}


def error_for(method: str, url: URL, response: Response) -> WorkplaceError:
    """Map a PlaceOS error answer (shapes in catalog §4) onto the library's error tree."""
    status = response.status
    body = _error_body(response)
    reason = str(body.get("error") or f"HTTP {status}")
    if status == 403:  # noqa: PLR2004 - PlaceOS answers 403 with an empty body
        return WorkplacePermissionError(f"{method} {url.path}: not permitted")
    if status == 409:  # noqa: PLR2004
        clashing = parse_all(
            body.get("bookings") or [], lambda item: parse_booking(item, frozenset()), "booking"
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
        return WorkplaceServerError(f"{method} {url.path}: {reason}")
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


def parse_zone(item: Any, *, kind: ZoneKind) -> Zone:
    """A Zone (§5.6) of a known kind."""
    return Zone(
        id=req_str(item, "id"),
        name=opt_str(item, "display_name") or req_str(item, "name"),
        kind=kind,
        parent_id=opt_str(item, "parent_id"),
        timezone=opt_str(item, "timezone"),
    )


def parse_desks(children: Any, level_by_id: Mapping[str, Zone]) -> list[Space]:
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
        desks.extend(parse_all(details, partial(_parse_desk, level=level), "desk"))
    return desks


def _parse_desk(item: Any, *, level: Zone) -> Space:
    return Space(
        id=req_str(item, "id"),
        name=opt_str(item, "name") or req_str(item, "id"),
        kind=SpaceKind.DESK,
        zone_id=level.id,
        building_id=level.parent_id,
        booking_type="desk",
        capacity=1,
        bookable=item.get("bookable") is not False,
    )


def room_calendar(item: Any) -> str | None:
    """The room's resource calendar address, which calendar events use to name the room."""
    email = opt_str(item, "email")
    return email.lower() if email else None


def parse_room(item: Any, level_by_id: Mapping[str, Zone]) -> Space | None:
    """A bookable ControlSystem (§5.6) on one of the levels, else None."""
    level = next((level_by_id[z] for z in _str_list(item, "zones") if z in level_by_id), None)
    if level is None:
        return None  # a room of a level we do not track
    return Space(
        id=req_str(item, "id"),
        name=opt_str(item, "display_name") or req_str(item, "name"),
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


def parse_booking(item: Any, approval_space_ids: frozenset[str]) -> Booking:
    """A Booking (§5.1); unapproved bookings of approval spaces are pending."""
    space_ids = _str_list(item, "asset_ids") or (
        (req_str(item, "asset_id"),) if item.get("asset_id") else ()
    )
    start, end = _req_time(item, "booking_start"), _req_time(item, "booking_end")
    if end <= start:
        msg = "booking_end is not after booking_start"
        raise ValueError(msg)
    booked_by = Person(
        name=opt_str(item, "booked_by_name"),
        email=opt_str(item, "booked_by_email"),
        id=opt_str(item, "booked_by_id"),
    )
    return Booking(
        id=req_str(item, "id"),
        booking_type=req_str(item, "booking_type"),
        space_ids=space_ids,
        zone_ids=_str_list(item, "zones"),
        start=start,
        end=end,
        status=_booking_status(
            item, needs_approval=any(s in approval_space_ids for s in space_ids)
        ),
        person=Person(
            name=opt_str(item, "user_name"),
            email=opt_str(item, "user_email"),
            id=opt_str(item, "user_id"),
        ),
        booked_by=booked_by if booked_by.email or booked_by.name else None,
        title=opt_str(item, "title"),
        checked_in_at=_opt_time(item, "checked_in_at"),
        checked_out_at=_opt_time(item, "checked_out_at"),
        guests=tuple(parse_all(item.get("attendees") or [], parse_attendee, "attendee")),
        updated_at=_opt_time(item, "updated_at"),
        created_at=_opt_time(item, "created") or _opt_time(item, "created_at"),
    )


def parse_attendee(item: Any) -> Guest:
    """An Attendee (§5.4), a Guest (§5.3) or a meeting attendee (input shape, no id)."""
    key = next((k for k in ("guest_id", "id") if item.get(k) is not None), "email")
    return Guest(
        id=req_str(item, key),
        email=req_str(item, "email").lower(),
        name=opt_str(item, "name"),
        organisation=opt_str(item, "organisation"),
        checked_in=item.get("checked_in") is True,
    )


def parse_event(item: Any, rooms_by_calendar: Mapping[str, str] | None = None) -> Booking:
    """A room's calendar event (§5.5) as a booking of type "meeting" of that room.

    Meetings and bookings then share one model: the room's status, calendars and occurrences
    treat both alike. The host is the person; attendees are the guests. An event as the
    calendar provider returns it (inside a visitor) names its room only as the attendee with
    `resource: true`, by the room's calendar address.
    """
    system = item.get("system") if isinstance(item.get("system"), dict) else {}
    system_id = opt_str(item, "system_id") or opt_str(system, "id")
    if system_id is None:
        calendars = [
            str(attendee.get("email", "")).lower()
            for attendee in item.get("attendees") or []
            if isinstance(attendee, dict) and attendee.get("resource") is True
        ]
        rooms = rooms_by_calendar or {}
        system_id = next((rooms[c] for c in calendars if c in rooms), None)
    if system_id is None:
        msg = "the event names no room"
        raise KeyError(msg)
    start = _req_time(item, "event_start")
    end = _opt_time(item, "event_end") or start
    if end <= start:
        msg = "event_end is not after event_start"
        raise ValueError(msg)
    host = opt_str(item, "host")
    attendees = [
        a for a in item.get("attendees") or [] if not (isinstance(a, dict) and a.get("resource"))
    ]
    return Booking(
        id=req_str(item, "id"),
        booking_type=MEETING,
        space_ids=(system_id,),
        start=start,
        end=end,
        status=BookingStatus.CANCELLED
        if item.get("status") == "cancelled"
        else BookingStatus.RESERVED,
        person=Person(name=_host_name(item, host), email=host.lower() if host else None),
        title=None if item.get("private") is True else opt_str(item, "title"),
        guests=tuple(
            guest
            for guest in parse_all(attendees, parse_attendee, "attendee")
            if guest.email != (host or "").lower()
        ),
        updated_at=_opt_iso(item, "updated"),
        created_at=_opt_iso(item, "created"),
    )


def _host_name(item: Mapping[str, Any], host: str | None) -> str | None:
    for attendee in item.get("attendees") or []:
        if isinstance(attendee, dict) and attendee.get("organizer") is True:
            return opt_str(attendee, "name")
        if (
            isinstance(attendee, dict)
            and host
            and str(attendee.get("email", "")).lower() == host.lower()
        ):
            return opt_str(attendee, "name")
    return None


def _opt_iso(item: Mapping[str, Any], key: str) -> datetime | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        msg = f"{key} is not an ISO date-time"
        raise TypeError(msg)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_visitor(item: Any, rooms_by_calendar: Mapping[str, str]) -> Visitor:
    """A visitor expected in the period (§3.4 `query_guests`), with what they visit."""
    booking = item.get("booking") if isinstance(item.get("booking"), dict) else None
    event = item.get("event") if isinstance(item.get("event"), dict) else None
    visit = (
        parse_booking(booking, frozenset())
        if booking
        else parse_event(event, rooms_by_calendar)
        if event
        else None
    )
    return Visitor(
        guest=parse_attendee(item),
        booking_id=visit.id if visit and visit.booking_type != MEETING else None,
        meeting_id=visit.id if visit and visit.booking_type == MEETING else None,
        space_ids=visit.space_ids if visit else (),
        zone_ids=visit.zone_ids if visit else (),
        start=visit.start if visit else None,
        host=visit.person if visit else None,
    )


def parse_person(item: Any) -> Person:
    """A directory person (§3.2 `staff_details`) or a PlaceOS user (§5.7)."""
    return Person(
        name=opt_str(item, "name"),
        email=req_str(item, "email").lower(),
        id=opt_str(item, "id"),
    )
