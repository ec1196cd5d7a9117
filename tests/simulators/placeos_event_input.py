"""Reading calendar-event request bodies (``PlaceCalendar::Event``, catalog §3.5, §5.5).

Like booking bodies: only known attributes are read, a wrong JSON type is a 400, and the
result holds only the keys that were present. ``event_start`` is the one attribute the model
requires (§5.5); its absence is the 400 Crystal's ``JSON::Serializable`` gives. The real
model also declares ``attendees``, ``private`` and ``all_day`` without defaults, which may make
them required on a live server too [I]; the simulator accepts bodies without them.
"""

from __future__ import annotations

from typing import Any

from .placeos_booking_input import (
    Reader,
    WrongTypeError,
    nullable,
    read_attendee_list,
    read_attributes,
    read_bool,
    read_email,
    read_int,
    read_object,
    read_str,
)
from .placeos_errors import bad_request

MODEL = "PlaceCalendar::Event"


def _system_id(key: str, value: Any) -> str:
    """``system`` is a System object (or ``{id}``); only its ``id`` matters on input."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise WrongTypeError(key, "PlaceCalendar::Event::System")
    return str(value["id"])


EVENT_ATTRIBUTES: dict[str, Reader] = {
    "event_start": read_int,
    "event_end": nullable(read_int),
    "host": nullable(read_email),
    "title": nullable(read_str),
    "body": nullable(read_str),
    "attendees": read_attendee_list,
    "private": read_bool,
    "all_day": read_bool,
    "timezone": nullable(read_str),
    "location": nullable(read_str),
    "system_id": nullable(read_str),
    "system": nullable(_system_id),
    "extension_data": nullable(read_object),
}


def read_event_body(body: Any) -> dict[str, Any]:
    """Typed attributes of an event body; ``system.id`` folds into a missing ``system_id``.

    ``recurrence`` is not read: the simulator keeps no recurring series.
    """
    fields = read_attributes(body, EVENT_ATTRIBUTES, MODEL)
    if "event_start" not in fields:
        raise bad_request(f"Missing JSON attribute: event_start\n  parsing {MODEL}")
    if "event_end" not in fields or fields["event_end"] is None:
        # The server calls `event_end.not_nil!` on create and update (a 500 there).
        raise bad_request("event_end is required")
    system_from_object = fields.pop("system", None)
    if not fields.get("system_id") and system_from_object:
        fields["system_id"] = system_from_object
    return fields
