"""Meetings in rooms' resource calendars and their JSON (catalog §3.5, §5.5).

A meeting is one calendar event on a room's resource calendar (the room's ``email``), as the
Staff API sees it through the tenant's Office365/Google credentials. Its JSON is a
``PlaceCalendar::Event``: a plain ``JSON::Serializable`` type, so attributes that are nil are
left out rather than sent as ``null`` (unlike the PostgreSQL models of §5.1/§5.3).

Two renderings exist because the server has both:
* ``render_event`` — the event "augmented" by the Staff API (``calendar``, ``system_id``,
  ``system``, ``extension_data`` and the visitors' ``checked_in``/``visit_expected``), as the
  events routes answer;
* ``render_provider_event`` — the provider's event as fetched, which is what the guest index
  embeds as a meeting guest's ``event`` (§3.4, §5.3): no Staff API additions, so the room is
  only known from the ``resource`` attendee's email.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .placeos_booking_input import AttendeeInput
from .placeos_model import TENANT_ID, Attendee, ControlSystem, Guest, JsonDict

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
NEEDS_ACTION = "needsAction"
ACCEPTED = "accepted"


def iso_time(unix: int) -> str:
    """Crystal ``Time#to_json``: RFC 3339 in UTC, e.g. ``2026-01-01T09:00:00Z``."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _compact(data: JsonDict) -> JsonDict:
    """``JSON::Serializable`` leaves nil attributes out."""
    return {key: value for key, value in data.items() if value is not None}


@dataclass
class Meeting:
    """One event of a room's calendar plus the Staff API's event metadata for it."""

    id: str
    system_id: str
    calendar: str  # the room's resource email: the calendar the event lives in
    host: str  # lower-cased email of the organiser
    event_start: int
    event_end: int
    title: str
    body: str
    attendees: list[AttendeeInput]  # invitees incl. the host; the room is added on render
    private: bool
    all_day: bool
    timezone: str | None
    location: str
    ical_uid: str
    creator: str
    created: int
    updated: int
    metadata_id: int  # id of the event metadata row (what attendees link to, §5.5)
    status: str = CONFIRMED
    extension_data: JsonDict = field(default_factory=dict)

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    def overlaps(self, start: int, end: int) -> bool:
        """Same overlap rule as bookings: ``start < period_end && end > period_start``."""
        return self.event_start < end and self.event_end > start

    def involves(self, email: str) -> bool:
        """Host or invitee: whose own calendar also holds the event."""
        wanted = email.strip().lower()
        return wanted == self.host or any(a.email == wanted for a in self.attendees)

    def on_calendar(self, calendar: str) -> bool:
        """The room's calendar, or the calendar of anyone invited."""
        return calendar.strip().lower() == self.calendar or self.involves(calendar)


def _room_attendee(meeting: Meeting, system: ControlSystem | None) -> AttendeeInput:
    """The room invited as a resource; resource calendars accept automatically."""
    name = (system.display_name or system.name) if system is not None else meeting.location
    return AttendeeInput(name=name, email=meeting.calendar, resource=True, response_status=ACCEPTED)


def _render_attendee(attendee: AttendeeInput, visit: JsonDict | None) -> JsonDict:
    """§5.4 input shape; ``visit`` adds the Staff API's attendance flags of tracked people."""
    rendered: JsonDict = {
        "name": attendee.name,
        "email": attendee.email,
        "response_status": attendee.response_status,
        "resource": bool(attendee.resource),
        "organizer": attendee.organizer,
        "extension_data": {},
    }
    if visit is not None:
        rendered.update(visit)
    return _compact(rendered)


def _provider_fields(meeting: Meeting) -> JsonDict:
    return {
        "event_start": meeting.event_start,
        "event_end": meeting.event_end,
        "id": meeting.id,
        "host": meeting.host,
        "title": meeting.title,
        "body": meeting.body,
        "hide_attendees": False,
        "location": meeting.location,
        "private": meeting.private,
        "all_day": meeting.all_day,
        "timezone": meeting.timezone,
        "recurring": False,
        "created": iso_time(meeting.created),
        "updated": iso_time(meeting.updated),
        "attachments": [],
        "status": meeting.status,
        "creator": meeting.creator,
        "ical_uid": meeting.ical_uid,
        "visibility": "private" if meeting.private else "normal",
    }


def render_provider_event(meeting: Meeting, system: ControlSystem | None) -> JsonDict:
    """The event as the calendar provider returns it (no Staff API augmentation)."""
    invitees = [a for a in meeting.attendees if a.email != meeting.host]
    host = [a for a in meeting.attendees if a.email == meeting.host]
    people = [*invitees, _room_attendee(meeting, system), *host]
    rendered = _provider_fields(meeting)
    rendered["attendees"] = [_render_attendee(attendee, None) for attendee in people]
    return _compact(rendered)


def render_event(
    meeting: Meeting,
    system: ControlSystem | None,
    *,
    calendar: str,
    visitors: list[tuple[Attendee, Guest]],
) -> JsonDict:
    """``StaffApi::Event.augment``: the provider event plus calendar, system and metadata.

    ``visitors`` are the meeting's tracked guests; the host is tracked too (the server
    creates an attendance for the host, ``visit_expected`` true). A cancelled event has lost
    its metadata, so its ``extension_data`` is empty.
    """
    by_email = {guest.email: (attendee, guest) for attendee, guest in visitors}
    rendered = render_provider_event(meeting, system)
    attendees: list[JsonDict] = []
    for entry in rendered["attendees"]:
        email = entry["email"]
        if email in by_email and not meeting.cancelled:
            attendee, guest = by_email[email]
            entry.update(
                {
                    "checked_in": attendee.checked_in,
                    "visit_expected": attendee.visit_expected,
                    "extension_data": dict(guest.extension_data),
                }
            )
        elif email == meeting.host and not meeting.cancelled:
            entry.update({"checked_in": False, "visit_expected": True})
        attendees.append(entry)
    rendered["attendees"] = attendees
    rendered["calendar"] = calendar
    rendered["system_id"] = meeting.system_id
    rendered["system"] = system.render() if system is not None else {"id": meeting.system_id}
    rendered["extension_data"] = {} if meeting.cancelled else dict(meeting.extension_data)
    return rendered


def render_event_metadata(meeting: Meeting) -> JsonDict:
    """``EventMetadata`` (§5.5), as a guest's ``event_metadata`` embeds it."""
    return {
        "id": meeting.metadata_id,
        "tenant_id": TENANT_ID,
        "system_id": meeting.system_id,
        "event_id": meeting.id,
        "recurring_master_id": None,
        "ical_uid": meeting.ical_uid,
        "resource_master_id": None,
        "host_email": meeting.host,
        "resource_calendar": meeting.calendar,
        "event_start": meeting.event_start,
        "event_end": meeting.event_end,
        "cancelled": meeting.cancelled,
        "ext_data": dict(meeting.extension_data),
        "setup_time": 0,
        "breakdown_time": 0,
        "setup_event_id": None,
        "breakdown_event_id": None,
        "permission": "private",
        "created_at": meeting.created,
        "updated_at": meeting.updated,
    }
