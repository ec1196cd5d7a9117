"""Rules for meetings in rooms' resource calendars (catalog §3.5, §5.5).

The real Staff API relays event writes to Office365/Google; the simulator plays both parts:
each room's calendar holds its meetings, and the Staff API's event metadata (``ext_data``,
the external guests' attendance) lives on the meeting. Methods take typed input (see
``placeos_event_input``) and raise ``PlaceOSError`` where the server answers with an error.
Who may touch which meeting is the HTTP layer's job.

Simulator rules where the real server defers to the calendar provider:
* a room's calendar never holds two overlapping meetings that are not cancelled (409);
* every event belongs to one room (``system_id``); there are no personal-only events;
* cancelling (``DELETE``) keeps the event with ``status: "cancelled"`` (as Google's
  ``showDeleted`` shows it) instead of removing it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
import zoneinfo

from .clock import SimClock
from .placeos_booking_input import AttendeeInput
from .placeos_buildings import Buildings
from .placeos_directory import Directory
from .placeos_errors import bad_request, event_conflict, missing_parameter, not_found
from .placeos_guests import GuestBook
from .placeos_meeting_model import (
    ACCEPTED,
    CANCELLED,
    NEEDS_ACTION,
    Meeting,
    render_event,
    render_provider_event,
)
from .placeos_model import Attendee, ControlSystem, Guest, IdFactory, JsonDict, User


class MeetingBook:
    """Every room meeting of the tenant and the rules that change them."""

    def __init__(
        self,
        clock: SimClock,
        buildings: Buildings,
        directory: Directory,
        guests: GuestBook,
        *,
        ids: IdFactory,
        email_domain: str,
    ) -> None:
        self._clock = clock
        self._buildings = buildings
        self._directory = directory
        self._guests = guests
        self._ids = ids
        self._email_domain = email_domain
        self.meetings: dict[str, Meeting] = {}
        # Rooms whose calendar fetch fails: left out of listings and counted in
        # `X-Calendar-Errors` (§3.5 query_events).
        self.failing_calendars: set[str] = set()
        self._next_metadata_id = 1

    # -- lookups --------------------------------------------------------------------------

    def get(self, event_id: str) -> Meeting:
        meeting = self.meetings.get(event_id)
        if meeting is None:
            raise not_found(f"could not find event {event_id}")
        return meeting

    def system(self, system_id: str) -> ControlSystem:
        """The room; an unknown id is the REST client's error, which the server maps to 404."""
        system = self._buildings.systems.get(system_id)
        if system is None:
            raise not_found(f"could not find system with id: {system_id}")
        return system

    def on_system(self, event_id: str, system_id: str) -> Meeting:
        """The event as found on the room's resource calendar (``?system_id=``)."""
        system = self.system(system_id)
        meeting = self.meetings.get(event_id)
        if meeting is None or meeting.calendar != system.email:
            raise not_found(f"event {event_id} not found on system calendar {system.email}")
        return meeting

    def on_calendar(self, event_id: str, calendar: str) -> Meeting:
        """The event as found on a room's or a person's calendar (``?calendar=``)."""
        meeting = self.meetings.get(event_id)
        if meeting is None or not meeting.on_calendar(calendar):
            raise not_found(f"event {event_id} not found on calendar {calendar}")
        return meeting

    def matching_calendars(
        self,
        *,
        calendars: list[str],
        zone_ids: list[str],
        system_ids: list[str],
        capacity: int | None = None,
        features: list[str] | None = None,
        bookable: bool | None = None,
        default: str | None = None,
    ) -> dict[str, ControlSystem | None]:
        """Calendar id → room (``None`` for people), like the server's ``matching_calendar_ids``.

        Named calendars first, then the rooms of each zone (any of the zones; capacity,
        features and bookable narrow the zone search only), then the named rooms (an unknown
        one is a 404). With nothing asked for, ``default`` (the caller's own calendar).
        """
        found: dict[str, ControlSystem | None] = {c.strip().lower(): None for c in calendars}
        for zone_id in zone_ids:
            for system in self._buildings.search_systems(
                zone_ids=[zone_id],
                bookable=bookable,
                capacity=capacity,
                features=list(features or []),
                emails=[],
                query=None,
            ):
                found[system.email.lower()] = system
        for system_id in system_ids:
            system = self.system(system_id)
            found[system.email.lower()] = system
        if default is not None and not (found or zone_ids or system_ids):
            found[default.lower()] = None
        return found

    def listed(
        self,
        calendar: str,
        start: int,
        end: int,
        *,
        include_cancelled: bool = False,
        ical_uid: str | None = None,
    ) -> list[Meeting]:
        """A calendar's events overlapping the period, in start order, as providers list them."""
        found = [
            meeting
            for meeting in self.meetings.values()
            if meeting.on_calendar(calendar)
            and meeting.overlaps(start, end)
            and (include_cancelled or not meeting.cancelled)
            and (ical_uid is None or meeting.ical_uid == ical_uid)
        ]
        return sorted(found, key=lambda meeting: (meeting.event_start, meeting.id))

    def visitors(self, meeting: Meeting) -> list[tuple[Attendee, Guest]]:
        """The meeting's tracked external guests."""
        return self._guests.meeting_attendance(meeting.id)

    # -- rendering ------------------------------------------------------------------------

    def render(self, meeting: Meeting, calendar: str | None = None) -> JsonDict:
        """The augmented event, as fetched from ``calendar`` (the room's by default)."""
        return render_event(
            meeting,
            self._buildings.systems.get(meeting.system_id),
            calendar=calendar or meeting.calendar,
            visitors=self.visitors(meeting),
        )

    def render_provider(self, meeting: Meeting) -> JsonDict:
        return render_provider_event(meeting, self._buildings.systems.get(meeting.system_id))

    # -- writes ---------------------------------------------------------------------------

    def create(self, fields: dict[str, Any], creator: User) -> Meeting:
        """``POST /events``: the event lands in the room's calendar, its guests are tracked.

        The host defaults to the creator; the host is kept as an accepted organiser, the
        room is invited as a resource, and invitees without an answer are ``needsAction``.
        """
        system_id = fields.get("system_id")
        if not system_id:
            raise missing_parameter("system_id", "String")  # the simulator has room events only
        system = self.system(system_id)
        host = fields.get("host") or creator.email
        invited = list(fields.get("attendees") or [])
        start, end = int(fields["event_start"]), int(fields["event_end"])
        _check_slot(start, end)
        now = self._clock.now_int()
        event_id = self._ids.make("evt", 16)
        meeting = Meeting(
            id=event_id,
            system_id=system.id,
            calendar=system.email,
            host=host,
            event_start=start,
            event_end=end,
            title=fields.get("title") or "",
            body=fields.get("body") or "",
            attendees=self._invitees(invited, host, system.email),
            private=bool(fields.get("private", False)),
            all_day=bool(fields.get("all_day", False)),
            timezone=_valid_timezone(fields.get("timezone") or system.timezone),
            location=system.display_name or system.name,
            ical_uid=f"{event_id}@{self._email_domain}",
            creator=host,  # created in the host's calendar, whoever asked
            created=now,
            updated=now,
            metadata_id=self._next_metadata_id,
            extension_data=dict(fields.get("extension_data") or {}),
        )
        self._raise_on_clash(meeting)
        self._next_metadata_id += 1
        self.meetings[meeting.id] = meeting
        self._sync_guests(meeting)
        return meeting

    def update(self, meeting: Meeting, fields: dict[str, Any]) -> Meeting:
        """``PATCH /events/{id}``: present attributes change; ``extension_data`` is merged.

        A ``system_id`` other than the meeting's moves it to that room. Attendees are a
        full replacement list (the host stays). A cancelled meeting stays cancelled.
        """
        draft = replace(meeting, attendees=list(meeting.attendees))
        new_system_id = fields.get("system_id")
        if new_system_id and new_system_id != meeting.system_id:
            system = self.system(new_system_id)
            draft.system_id, draft.calendar = system.id, system.email
            draft.location = system.display_name or system.name
        for key in ("title", "body"):
            if key in fields:
                setattr(draft, key, fields[key] or "")
        for key in ("event_start", "event_end", "private", "all_day"):
            if fields.get(key) is not None:
                setattr(draft, key, fields[key])
        if fields.get("timezone"):
            draft.timezone = _valid_timezone(fields["timezone"])
        if fields.get("attendees") is not None:
            draft.attendees = self._invitees(fields["attendees"], draft.host, draft.calendar)
        if fields.get("extension_data"):
            draft.extension_data = {**draft.extension_data, **fields["extension_data"]}
        _check_slot(draft.event_start, draft.event_end)
        moved = (draft.event_start, draft.event_end, draft.calendar) != (
            meeting.event_start,
            meeting.event_end,
            meeting.calendar,
        )
        if moved and not draft.cancelled:
            self._raise_on_clash(draft)
        draft.updated = self._clock.now_int()
        meeting.__dict__.update(draft.__dict__)
        if not meeting.cancelled:
            self._sync_guests(meeting)
        return meeting

    def cancel(self, meeting: Meeting) -> None:
        """``DELETE /events/{id}``: cancelled, its metadata (ext_data, guests) destroyed."""
        if meeting.cancelled:
            return
        meeting.status = CANCELLED
        meeting.updated = self._clock.now_int()
        meeting.extension_data = {}
        self._guests.forget_meeting(meeting.id)

    def set_metadata(self, meeting: Meeting, changes: dict[str, Any], *, merge: bool) -> JsonDict:
        """``PATCH``/``PUT /events/{id}/metadata/{system_id}`` → the resulting ext_data."""
        meeting.extension_data = {**meeting.extension_data, **changes} if merge else dict(changes)
        return dict(meeting.extension_data)

    # -- helpers --------------------------------------------------------------------------

    def _invitees(
        self, attendees: list[AttendeeInput], host: str, room_email: str
    ) -> list[AttendeeInput]:
        """Invitees without duplicates, resources or the host, then the host as organiser."""
        host_entry = next((a for a in attendees if a.email == host), None)
        user = self._directory.user_by_email(host)
        host_name = user.name if user is not None else (host_entry.name if host_entry else host)
        seen: set[str] = set()
        invitees: list[AttendeeInput] = []
        for attendee in attendees:
            if attendee.email in seen or attendee.email in (host, room_email) or attendee.resource:
                continue
            seen.add(attendee.email)
            invitees.append(
                replace(
                    attendee,
                    response_status=attendee.response_status or NEEDS_ACTION,
                    organizer=None,
                )
            )
        organiser = AttendeeInput(
            name=host_name,
            email=host,
            response_status=ACCEPTED,
            organizer=True,
            visit_expected=True,
        )
        return [*invitees, organiser]

    def _is_internal(self, email: str) -> bool:
        """Tenant people and rooms are colleagues and resources, not visitors."""
        if self._directory.user_by_email(email) is not None:
            return True
        return any(system.email == email for system in self._buildings.systems.values())

    def _sync_guests(self, meeting: Meeting) -> None:
        """External invitees become guests; expected to visit unless they say otherwise."""
        guests: list[tuple[Guest, bool]] = []
        for attendee in meeting.attendees:
            if attendee.email == meeting.host or attendee.resource:
                continue
            if self._is_internal(attendee.email):
                continue
            guest = self._guests.upsert(attendee, refresh_contact=False)
            expected = attendee.visit_expected if attendee.visit_expected is not None else True
            guests.append((guest, expected))
        self._guests.set_meeting_guests(meeting.id, meeting.metadata_id, guests)

    def _raise_on_clash(self, meeting: Meeting) -> None:
        clashing = [
            other
            for other in self.meetings.values()
            if other.id != meeting.id
            and other.calendar == meeting.calendar
            and not other.cancelled
            and other.overlaps(meeting.event_start, meeting.event_end)
        ]
        if clashing:
            raise event_conflict([self.render(other) for other in clashing])


def _check_slot(start: int, end: int) -> None:
    if end <= start:
        raise bad_request("event_end must be after event_start")


def _valid_timezone(name: str | None) -> str | None:
    """IANA name or nothing; the server's ``Time::Location.load`` fails on anything else."""
    if name is None:
        return None
    try:
        zoneinfo.ZoneInfo(name)
    except zoneinfo.ZoneInfoNotFoundError, ValueError:
        raise bad_request(f"invalid timezone '{name}'") from None
    return name
