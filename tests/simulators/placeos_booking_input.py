"""Reading booking request bodies the way the Staff API deserialises them (§3.7, §5.1).

Only model attributes are read; unknown keys (e.g. the driver's ``asset_name``) are ignored.
A value of the wrong JSON type is a 400 (Crystal ``JSON::SerializableError``). Enum values
are accepted in any case and stored lower-case. The result holds only the keys that were
present, which is what the server's ``*_present?`` checks look at.

The readers are shared with the calendar-event bodies (``placeos_event_input``), which name
their own model in the 400 message through ``read_attributes``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .placeos_errors import bad_request

INDUCTION_VALUES = ("tentative", "accepted", "declined")
PERMISSION_VALUES = ("private", "open", "public")
RECURRENCE_VALUES = ("none", "daily", "weekly", "monthly")


@dataclass
class AttendeeInput:
    """§5.4 input shape (the fields the simulator keeps)."""

    name: str
    email: str
    visit_expected: bool | None = None
    response_status: str | None = None
    resource: bool | None = None
    organizer: bool | None = None
    checked_in: bool | None = None
    preferred_name: str | None = None
    phone: str | None = None
    organisation: str | None = None
    notes: str | None = None
    photo: str | None = None
    banned: bool | None = None
    dangerous: bool | None = None
    extension_data: dict[str, Any] | None = None


Reader = Callable[[str, Any], Any]


class WrongTypeError(Exception):
    """A body value of the wrong JSON type; ``read_attributes`` turns it into a 400."""

    def __init__(self, key: str, kind: str) -> None:
        super().__init__(f"{key}: expected {kind}")
        self.key = key
        self.kind = kind


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _expect(key: str, kind: str) -> Exception:
    return WrongTypeError(key, kind)


def _int(key: str, value: Any) -> int:
    if not _is_int(value):
        raise _expect(key, "Int64")
    return int(value)


def _str(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _expect(key, "String")
    return value


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _expect(key, "Bool")
    return value


def _str_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _expect(key, "Array(String)")
    return list(value)


def _object(key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _expect(key, "Hash(String, JSON::Any)")
    return dict(value)


def _email(key: str, value: Any) -> str:
    return _str(key, value).strip().lower()


def _enum(allowed: tuple[str, ...]) -> Reader:
    def read(key: str, value: Any) -> str:
        text = _str(key, value).lower()
        if text not in allowed:
            raise bad_request(f"Unknown enum value '{value}' for booking attribute '{key}'")
        return text

    return read


def _nullable(reader: Reader) -> Reader:
    def read(key: str, value: Any) -> Any:
        return None if value is None else reader(key, value)

    return read


def _attendees(key: str, value: Any) -> list[AttendeeInput]:
    if not isinstance(value, list):
        raise _expect(key, "Array(PlaceCalendar::Event::Attendee)")
    return [_attendee(key, item) for item in value]


def _attendee(key: str, item: Any) -> AttendeeInput:
    if not isinstance(item, dict):
        raise _expect(key, "PlaceCalendar::Event::Attendee")
    if not isinstance(item.get("name"), str) or not isinstance(item.get("email"), str):
        raise bad_request("attendees require a name and an email")

    def optional(field: str, reader: Reader) -> Any:
        return _nullable(reader)(f"{key}.{field}", item.get(field))

    return AttendeeInput(
        name=item["name"],
        email=item["email"].strip().lower(),
        visit_expected=optional("visit_expected", _bool),
        response_status=optional("response_status", _str),
        resource=optional("resource", _bool),
        organizer=optional("organizer", _bool),
        checked_in=optional("checked_in", _bool),
        preferred_name=optional("preferred_name", _str),
        phone=optional("phone", _str),
        organisation=optional("organisation", _str),
        notes=optional("notes", _str),
        photo=optional("photo", _str),
        banned=optional("banned", _bool),
        dangerous=optional("dangerous", _bool),
        extension_data=optional("extension_data", _object),
    )


# Non-nilable model attributes reject null (400); nilable ones accept it.
BOOKING_ATTRIBUTES: dict[str, Reader] = {
    "booking_type": _str,
    "booking_start": _int,
    "booking_end": _int,
    "timezone": _nullable(_str),
    "asset_id": _str,
    "asset_ids": _str_list,
    "user_id": _nullable(_str),
    "user_email": _email,
    "user_name": _str,
    "zones": _str_list,
    "process_state": _nullable(_str),
    "approved": _bool,
    "approved_at": _nullable(_int),
    "rejected": _bool,
    "rejected_at": _nullable(_int),
    "approver_id": _nullable(_str),
    "approver_name": _nullable(_str),
    "approver_email": _nullable(_email),
    "department": _nullable(_str),
    "title": _nullable(_str),
    "description": _nullable(_str),
    "checked_in": _bool,
    "checked_in_at": _nullable(_int),
    "checked_out_at": _nullable(_int),
    "booked_from": _nullable(_str),
    "extension_data": _nullable(_object),
    "parent_id": _nullable(_int),
    "images": _str_list,
    "induction": _enum(INDUCTION_VALUES),
    "permission": _enum(PERMISSION_VALUES),
    "recurrence_type": _enum(RECURRENCE_VALUES),
    "recurrence_days": _int,
    "recurrence_nth_of_month": _int,
    "recurrence_interval": _int,
    "recurrence_end": _nullable(_int),
    "all_day": _bool,
    "attendees": _nullable(_attendees),
    "instance": _nullable(_int),
}


def read_attributes(body: Any, readers: dict[str, Reader], model: str) -> dict[str, Any]:
    """Typed values of the attributes present in a JSON object body; 400 on a wrong type."""
    if not isinstance(body, dict):
        raise bad_request(f"Expected a JSON object for the {model}")
    try:
        return {key: reader(key, body[key]) for key, reader in readers.items() if key in body}
    except WrongTypeError as wrong:
        raise bad_request(f"Expected {wrong.kind} for {model} attribute '{wrong.key}'") from None


def read_booking_body(body: Any) -> dict[str, Any]:
    """Typed values of the booking attributes present in a JSON body."""
    return read_attributes(body, BOOKING_ATTRIBUTES, "booking")


def read_attendee_body(body: Any) -> AttendeeInput:
    """Body of ``POST /bookings/{id}/attendee``."""
    try:
        return _attendee("attendee", body)
    except WrongTypeError as wrong:
        raise bad_request(f"Expected {wrong.kind} for booking attribute '{wrong.key}'") from None


def read_attendee_list(key: str, value: Any) -> list[AttendeeInput]:
    """An ``attendees`` array (§5.4 input shape), as a ``Reader`` for other bodies."""
    return _attendees(key, value)


# Readers other bodies (calendar events, guests) reuse.
read_int: Reader = _int
read_str: Reader = _str
read_bool: Reader = _bool
read_object: Reader = _object
read_email: Reader = _email
nullable = _nullable
