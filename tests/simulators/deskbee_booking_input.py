"""Reading booking and guest-pass write bodies into validated values (catalog §3.2, §6.5, §6.6).

Failures collect per field like Laravel's validator and raise one 422
``unprocessable_entity`` with the ``errors`` map. Dates and hours are read in the account
timezone: booking ``date`` is ``Y/m/d`` (``d/m/Y`` tolerated), guest-pass ``date`` is
``d/m/Y`` only, hours ``H:i``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from .deskbee_account import DeskbeeAccount
from .deskbee_bookings import MeetingInput
from .deskbee_errors import invalid
from .deskbee_format import at, parse_booking_date, parse_dmy, parse_hour
from .deskbee_guestpass import GuestInput
from .deskbee_model import Floor, Place, User

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})


class Validator:
    """Collects ``field → [messages]`` and raises them as one 422."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def done(self) -> None:
        if self.errors:
            raise invalid(self.errors)


def text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    result = str(value).strip()
    return result or None


def flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_WORDS


def _label(name: str) -> str:
    return name.replace("_", " ")


def read_schedule(
    body: dict[str, Any],
    account: DeskbeeAccount,
    check: Validator,
    *,
    required: bool,
    parse_date: Callable[[str], date | None] = parse_booking_date,
    date_format: str = "Y/m/d",
) -> tuple[float, float] | None:
    """``date`` + ``start_hour`` + ``end_hour`` → (start, end); all three or none."""
    names = ("date", "start_hour", "end_hour")
    given = {name: text(body, name) for name in names}
    if not required and not any(given.values()):
        return None
    for name in names:
        if given[name] is None:
            message = (
                f"The {_label(name)} field is required."
                if required
                else "The date, start_hour and end_hour fields must be sent together."
            )
            check.add(name, message)
    day = parse_date(given["date"]) if given["date"] else None
    if given["date"] and day is None:
        check.add("date", f"The date does not match the format {date_format}.")
    hours = {}
    for name in ("start_hour", "end_hour"):
        raw = given[name]
        if raw:
            parsed = parse_hour(raw)
            if parsed is None:
                check.add(name, f"The {_label(name)} does not match the format H:i.")
            else:
                hours[name] = parsed
    if day is None or len(hours) < 2:
        return None
    start = at(day, hours["start_hour"], account.zone)
    end = at(day, hours["end_hour"], account.zone)
    if end <= start:
        check.add("end_hour", "The end hour must be a date after start hour.")
        return None
    if end <= account.now():
        check.add("date", "It is not possible to book in the past.")
        return None
    return start, end


def read_user(
    body: dict[str, Any], account: DeskbeeAccount, check: Validator, names: tuple[str, ...]
) -> User | None:
    """The first of ``names`` present names the user; required."""
    for name in names:
        value = text(body, name)
        if value is not None:
            found = account.users.get(value.lower())
            if found is None:
                check.add(name, f"The selected {_label(name)} is invalid.")
            return found
    check.add(names[0], f"The {_label(names[0])} field is required.")
    return None


def read_place(
    body: dict[str, Any],
    account: DeskbeeAccount,
    check: Validator,
    *,
    meeting_room: bool,
    required: bool,
) -> Place | None:
    """``place_uuid`` of the right kind (meeting room or not): wrong kind → 422."""
    value = text(body, "place_uuid")
    if value is None:
        if required:
            check.add("place_uuid", "The place uuid field is required.")
        return None
    found = account.places.get(value.lower())
    if found is None or found.removed:
        check.add("place_uuid", "The selected place uuid is invalid.")
        return None
    if (found.place_type == "meetingroom") != meeting_room:
        wanted = "a meeting room" if meeting_room else "a workstation"
        check.add("place_uuid", f"The selected place must be {wanted}.")
        return None
    return found


def read_floor(
    body: dict[str, Any], account: DeskbeeAccount, check: Validator, name: str
) -> Floor | None:
    value = text(body, name)
    if value is None:
        return None
    found = account.floors.get(value.lower())
    if found is None:
        check.add(name, f"The selected {_label(name)} is invalid.")
    return found


def read_meeting(body: dict[str, Any], check: Validator) -> MeetingInput | None:
    raw = body.get("meeting")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        check.add("meeting", "The meeting must be an object.")
        return None
    language = str(raw.get("guest_language") or "pt_BR")
    guests: list[tuple[str, str | None, str]] | None = None
    if "guests" in raw:
        guests = []
        items = raw["guests"] if isinstance(raw["guests"], list) else []
        for index, item in enumerate(items):
            if isinstance(item, str) and "@" in item:
                guests.append((item.split("@", 1)[0], item.strip().lower(), language))
            elif isinstance(item, dict) and (item.get("email") or item.get("name")):
                email = str(item["email"]).strip().lower() if item.get("email") else None
                name = str(item.get("name") or (email or "").split("@", 1)[0])
                guests.append((name, email, str(item.get("language") or language)))
            else:
                check.add(f"meeting.guests.{index}", "Each guest needs an email or a name.")
    return MeetingInput(
        title=str(raw["title"]) if raw.get("title") is not None else None,
        description=str(raw["description"]) if raw.get("description") is not None else None,
        is_online=flag(raw["is_online"]) if "is_online" in raw else None,
        guests=guests,
    )


def read_owner(header: str | None, account: DeskbeeAccount, check: Validator) -> User | None:
    """``User-Scope`` header → the booker; unknown uuid → 422."""
    if header is None:
        return None
    found = account.users.get(header)
    if found is None:
        check.add("user_scope", "The selected user scope is invalid.")
    return found


def read_guests(body: dict[str, Any], check: Validator) -> list[GuestInput]:
    raw = body.get("guests")
    if not isinstance(raw, list) or not raw:
        check.add("guests", "The guests field is required.")
        return []
    guests: list[GuestInput] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not str(item.get("name") or "").strip():
            check.add(f"guests.{index}.name", "The guest name field is required.")
            continue
        email = str(item.get("email") or "").strip().lower() or None
        if email is not None and "@" not in email:
            check.add(f"guests.{index}.email", "The guest email must be a valid email address.")
            continue
        guests.append(
            GuestInput(str(item["name"]).strip(), email, str(item.get("language") or "pt_BR"))
        )
    return guests


def read_pass_schedule(
    body: dict[str, Any], account: DeskbeeAccount, check: Validator
) -> tuple[float, float] | None:
    """Guest-pass ``date`` is ``d/m/Y`` (unlike bookings)."""
    return read_schedule(
        body, account, check, required=True, parse_date=parse_dmy, date_format="d/m/Y"
    )
