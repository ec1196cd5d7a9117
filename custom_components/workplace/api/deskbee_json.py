"""Deskbee JSON: reading v1.1 answers into our models and error bodies into our error tree.

Shapes follow the catalog `reference/deskbee.md` (§4 errors, §5 objects, §7 states). Types are
loose there (ids and minutes as strings, `type` as a slug or an object): read them defensively.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from .exceptions import (
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConflictError,
    WorkplaceError,
    WorkplaceNotFoundError,
    WorkplaceRateLimitError,
    WorkplaceServerError,
    WorkplaceValidationError,
)
from .json_fields import opt_str, req_str
from .models import Booking, BookingStatus, Guest, Person, Space, SpaceKind, Visitor, Zone, ZoneKind
from .transport import Response

# Deskbee place types and our neutral space kinds and booking types (§5 PlaceType slugs).
KIND_OF_PLACE: Final = {
    "workspace": SpaceKind.DESK,
    "meetingroom": SpaceKind.ROOM,
    "parking": SpaceKind.PARKING,
    "locker": SpaceKind.LOCKER,
}
PLACE_OF_BOOKING_TYPE: Final = {
    "desk": "workspace",
    "room": "meetingroom",
    "parking": "parking",
    "locker": "locker",
}
BOOKING_TYPE_OF_KIND: Final = {kind: kind.value for kind in SpaceKind}

STATUS_OF_STATE: Final = {
    "reserved": BookingStatus.RESERVED,
    "busy": BookingStatus.CHECKED_IN,
    "last": BookingStatus.CHECKED_OUT,
    "fall": BookingStatus.NO_SHOW,
    "waiting": BookingStatus.PENDING_APPROVAL,
    "rejected": BookingStatus.REJECTED,
    "canceled": BookingStatus.CANCELLED,
    "cancelled": BookingStatus.CANCELLED,
}


def error_for(method: str, path: str, response: Response) -> WorkplaceError:
    """Map a Deskbee error body `{error, id, message, errors}` onto the library's errors."""
    body = _error_body(response)
    status = response.status
    message = str(body.get("message") or body.get("id") or f"HTTP {status}")
    where = f"{method} {path}"
    if status == 401 or body.get("id") in ("oauth_escope", "oauth_server"):  # noqa: PLR2004
        return WorkplaceAuthenticationError(f"{where}: {message}")
    if status == 404:  # noqa: PLR2004
        return WorkplaceNotFoundError(f"{where}: {message}")
    if status == 409:  # noqa: PLR2004
        return WorkplaceConflictError(message)
    if status in (400, 422):
        return WorkplaceValidationError(message, failures=_failures(body))
    if status == 429:  # noqa: PLR2004
        return WorkplaceRateLimitError(f"{where}: {message}", retry_after=response.retry_after)
    if status >= 500:  # noqa: PLR2004
        return WorkplaceServerError(f"{where}: {message}")
    return WorkplaceBadResponseError(f"{where}: unexpected HTTP {status}")


def _error_body(response: Response) -> dict[str, Any]:
    try:
        body = response.json()
    except WorkplaceBadResponseError:
        return {}
    return body if isinstance(body, dict) else {}


def _failures(body: Mapping[str, Any]) -> tuple[str, ...]:
    errors = body.get("errors")
    if not isinstance(errors, dict):
        return ()
    return tuple(
        f"{field}: {'; '.join(map(str, reasons)) if isinstance(reasons, list) else reasons}"
        for field, reasons in errors.items()
    )


def data_of(body: Any) -> Any:
    """The `data` of a success envelope (§3.1)."""
    if not isinstance(body, dict) or "data" not in body:
        msg = "Expected a {data: ...} envelope"
        raise WorkplaceBadResponseError(msg)
    return body["data"]


def parse_time(value: Any) -> datetime:
    """An ISO 8601 time with offset (naive ones are taken as UTC)."""
    if not isinstance(value, str):
        msg = "not an ISO date-time"
        raise TypeError(msg)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _opt_time(item: Mapping[str, Any], key: str) -> datetime | None:
    value = item.get(key)
    return None if value in (None, "") else parse_time(value)


def _type_slug(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name")
    return value if isinstance(value, str) else None


def parse_buildings(item: Any) -> list[Zone]:
    """A building and its floors (`include=floors`)."""
    building = Zone(id=req_str(item, "uuid"), name=req_str(item, "name"), kind=ZoneKind.BUILDING)
    floors = item.get("floors") or []
    return [
        building,
        *(
            Zone(
                id=req_str(floor, "uuid"),
                name=req_str(floor, "name"),
                kind=ZoneKind.LEVEL,
                parent_id=building.id,
            )
            for floor in floors
            if isinstance(floor, dict) and floor.get("is_active", True) is not False
        ),
    ]


def parse_place(item: Any, level_by_id: Mapping[str, Zone]) -> Space | None:
    """A Place (§6.1 #8) on a tracked floor, if it is a kind we book."""
    kind = KIND_OF_PLACE.get(_type_slug(item.get("type")) or "")
    area = item.get("area") if isinstance(item.get("area"), dict) else {}
    floor = area.get("floor") if isinstance(area.get("floor"), dict) else item.get("floor")
    level = level_by_id.get(str(floor.get("uuid"))) if isinstance(floor, dict) else None
    if kind is None or level is None:
        return None
    capacity = item.get("capacity")
    return Space(
        id=req_str(item, "uuid"),
        name=opt_str(item, "name_display") or req_str(item, "name"),
        kind=kind,
        zone_id=level.id,
        building_id=level.parent_id,
        booking_type=BOOKING_TYPE_OF_KIND[kind],
        capacity=capacity if isinstance(capacity, int) and not isinstance(capacity, bool) else None,
    )


def parse_person(item: Any) -> Person:
    """A person (PersonShort or User)."""
    email = opt_str(item, "email")
    return Person(
        name=opt_str(item, "name"), email=email.lower() if email else None, id=opt_str(item, "uuid")
    )


def parse_booking(item: Any) -> Booking:
    """A Booking (§5 BookingResource)."""
    place = item.get("place") if isinstance(item.get("place"), dict) else {}
    kind = KIND_OF_PLACE.get(_type_slug(place.get("type")) or "")
    start, end = parse_time(item.get("start_date")), parse_time(item.get("end_date"))
    if end <= start:
        msg = "end_date is not after start_date"
        raise ValueError(msg)
    state = str(item.get("state") or "").lower()
    status = BookingStatus.CANCELLED if item.get("deleted_at") else STATUS_OF_STATE.get(state)
    if status is None:
        msg = f"unknown booking state {state!r}"
        raise ValueError(msg)
    checkin = item.get("checkin") if isinstance(item.get("checkin"), dict) else {}
    meeting = item.get("meeting") if isinstance(item.get("meeting"), dict) else {}
    zone_ids = tuple(
        str(zone["uuid"])
        for zone in (place.get("building"), place.get("floor"))
        if isinstance(zone, dict) and zone.get("uuid")
    )
    person = item.get("person") if isinstance(item.get("person"), dict) else {}
    owner = item.get("owner") if isinstance(item.get("owner"), dict) else None
    return Booking(
        id=req_str(item, "uuid"),
        booking_type=BOOKING_TYPE_OF_KIND[kind] if kind else "other",
        space_ids=(req_str(place, "uuid"),),
        zone_ids=zone_ids,
        start=start,
        end=end,
        status=status,
        person=parse_person(person),
        booked_by=parse_person(owner) if owner else None,
        title=opt_str(meeting, "title") or opt_str(item, "public_title"),
        checked_in_at=_opt_time(checkin, "checkin"),
        checked_out_at=_opt_time(checkin, "checkout"),
        guests=tuple(
            Guest(
                id=req_str(guest, "uuid"),
                email=(opt_str(guest, "email") or req_str(guest, "uuid")).lower(),
                name=opt_str(guest, "name"),
            )
            for guest in item.get("guests") or []
            if isinstance(guest, dict)
        ),
        updated_at=_opt_time(item, "updated_at"),
        created_at=_opt_time(item, "created_at"),
    )


def guest_pass_cancelled(item: Any) -> bool:
    """Whether a guest pass was cancelled: only "Passed" has a known status id (§6.5)."""
    status = item.get("status") if isinstance(item, dict) else None
    name = str(status.get("name") or "") if isinstance(status, dict) else ""
    return name.lower().startswith("cancel")


def parse_guest_pass(item: Any) -> list[Visitor]:
    """A guest pass (list item: one guest; created pass: several guests) as visitors (§6.5)."""
    area = item.get("area") if isinstance(item.get("area"), dict) else {}
    zone_ids = tuple(
        str(zone["uuid"])
        for zone in (area.get("building"), area.get("floor"))
        if isinstance(zone, dict) and zone.get("uuid")
    )
    host = item.get("person") if isinstance(item.get("person"), dict) else None
    start = _opt_time(item, "start_date")
    status = item.get("status") if isinstance(item.get("status"), dict) else {}
    guests = item.get("guests") if isinstance(item.get("guests"), list) else [item]
    return [
        Visitor(
            guest=Guest(
                id=req_str(guest, "uuid"),
                email=(opt_str(guest, "email") or req_str(guest, "uuid")).lower(),
                name=opt_str(guest, "name") or opt_str(item, "title"),
                # Status 4 is "Passed": the visitor came through reception (§6.5).
                checked_in=str((guest.get("status") or status or {}).get("id")) == "4",
            ),
            booking_id=opt_str(item, "booking_uuid"),
            zone_ids=zone_ids,
            start=start,
            host=parse_person(host) if host else None,
        )
        for guest in guests
        if isinstance(guest, dict)
    ]
