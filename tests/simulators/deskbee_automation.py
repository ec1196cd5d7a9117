"""Check-in automation: turnstile/device events → check-ins and check-outs (catalog §6.11).

Each event ``{device, person, date, entrance?}`` names a device (linked to one building) and
a person identifier of the device's configured type (e-mail, enrollment or a document).
The action is ``entrance`` when sent (1 = entry → check-in, 0 = exit → check-out), else the
device's configured action. Only workstations, parkings and lockers in the device's building
take part: a check-in takes every ``reserved`` booking whose check-in window contains the
event ``date`` (default now); a check-out ends every ``busy`` one. Check-ins and check-outs
made here count as API ones (``is_checkin_api`` / ``is_checkout_api``) and emit the same
webhooks. Unknown devices/persons and malformed events become ``fails`` entries
(``id`` = the person identifier sent, or the event's index when there is none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .deskbee_errors import DeskbeeError
from .deskbee_format import parse_iso
from .deskbee_model import AUTOMATION_TYPES, Booking, JsonDict, State

if TYPE_CHECKING:
    from .deskbee_account import DeskbeeAccount


@dataclass
class AutomationResult:
    success: list[JsonDict] = field(default_factory=list)
    fails: list[JsonDict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.success and not self.fails


def run_events(account: DeskbeeAccount, events: list[Any]) -> AutomationResult:
    result = AutomationResult()
    for index, event in enumerate(events):
        _run_one(account, index, event, result)
    return result


def _action(event: dict[str, Any], default: str) -> str | None:
    entrance = event.get("entrance")
    if entrance is None or entrance == "":
        return default
    try:
        return {1: "checkin", 0: "checkout"}.get(int(entrance))
    except TypeError, ValueError:
        return None


def _run_one(account: DeskbeeAccount, index: int, event: Any, result: AutomationResult) -> None:
    if not isinstance(event, dict):
        result.fails.append({"id": str(index), "message": "The event must be an object."})
        return
    code, identifier = str(event.get("device") or ""), str(event.get("person") or "")
    fail_id = identifier or str(index)
    if not code or not identifier:
        result.fails.append(
            {"id": fail_id, "message": "The device and person fields are required."}
        )
        return
    sent_date = event.get("date")
    when = parse_iso(str(sent_date)) if sent_date else account.now()
    if when is None:
        result.fails.append({"id": fail_id, "message": "The date must be an ISO 8601 date-time."})
        return
    device = account.devices.get(code)
    if device is None:
        result.fails.append({"id": fail_id, "message": f"Device {code} not found."})
        return
    person = account.find_person(identifier, device.identifier)
    if person is None:
        result.fails.append({"id": fail_id, "message": f"Person {identifier} not found."})
        return
    action = _action(event, device.action)
    if action is None:
        result.fails.append({"id": fail_id, "message": "The entrance must be 1 or 0."})
        return
    for booking in _bookings_here(account, person.uuid, device.building_uuid):
        try:
            if action == "checkin" and booking.state is State.RESERVED:
                if not booking.checkin_min_time <= when <= booking.checkin_max_time:
                    continue
                account.bookings.check_in(booking, at=when, via_api=True)
            elif action == "checkout" and booking.state is State.BUSY:
                account.bookings.check_out(booking, at=when, via_api=True)
            else:
                continue
        except DeskbeeError as refusal:
            result.fails.append({"id": fail_id, "message": refusal.message})
            continue
        result.success.append(
            {"device": code, "person": identifier, "date": sent_date, "booking_uuid": booking.uuid}
        )


def _bookings_here(account: DeskbeeAccount, person_uuid: str, building_uuid: str) -> list[Booking]:
    found = []
    for booking in account.bookings.bookings.values():
        if booking.person_uuid != person_uuid:
            continue
        place = account.places[booking.place_uuid]
        if place.place_type not in AUTOMATION_TYPES:
            continue
        if account.floors[place.floor_uuid].building_uuid == building_uuid:
            found.append(booking)
    return sorted(found, key=lambda b: b.start)
