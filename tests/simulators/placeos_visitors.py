"""Who is visiting: guests of bookings and of room meetings (catalog §3.4, §5.3).

Answers the guest index for a period and "is this guest expected today", rendering each
guest with its attendance flags and the booking or meeting it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
import zoneinfo

from .clock import SimClock
from .placeos_bookings import BookingBook
from .placeos_guests import GuestBook
from .placeos_meeting_model import Meeting, render_event_metadata
from .placeos_meetings import MeetingBook
from .placeos_model import Attendee, Booking, ControlSystem, Guest, JsonDict

# The Staff API's "today" is in the `timezone` parameter, else STAFF_TIME_ZONE whose
# default is Australia/Sydney (application.cr `get_timezone`).
DEFAULT_TIME_ZONE = "Australia/Sydney"


@dataclass(frozen=True)
class Visit:
    """One attendance and what it attends."""

    attendee: Attendee
    starts: int
    booking: Booking | None = None
    meeting: Meeting | None = None


class Visitors:
    """Read-only view over bookings, meetings and guests."""

    def __init__(
        self, clock: SimClock, bookings: BookingBook, meetings: MeetingBook, guests: GuestBook
    ) -> None:
        self._clock = clock
        self._bookings = bookings
        self._meetings = meetings
        self._guests = guests

    def in_period(
        self,
        start: int,
        end: int,
        *,
        booking_zones: list[str],
        calendars: dict[str, ControlSystem | None],
    ) -> tuple[list[JsonDict], int]:
        """``GET /guests?period_start&period_end``: visitors and the count of failed calendars.

        Meeting guests come from the rooms' calendars (people's calendars add none), then
        booking visitors of bookings overlapping the period in any of ``booking_zones`` (all
        zones when empty). One entry per email; a later one replaces an earlier one in place.
        The server does not skip deleted bookings here; the simulator does (catalog §3.4
        "visitors of bookings", and a cancelled visit is no visit).
        """
        entries: dict[str, JsonDict] = {}
        errors = 0
        for calendar, system in calendars.items():
            if system is None:
                continue
            if system.id in self._meetings.failing_calendars:
                errors += 1
                continue
            for meeting in self._meetings.listed(calendar, start, end):
                event = self._meetings.render_provider(meeting)
                for attendee, guest in self._meetings.visitors(meeting):
                    entries[guest.email] = guest.render_visiting(attendee) | {"event": event}
        for booking in self._bookings_with_guests(start, end, booking_zones):
            rendered = self._bookings.render(booking)
            for attendee, guest in self._guests.attendance(booking.id):
                entries[guest.email] = guest.render_visiting(attendee) | {"booking": rendered}
        return list(entries.values()), errors

    def _bookings_with_guests(self, start: int, end: int, zones: list[str]) -> list[Booking]:
        found: list[Booking] = []
        for booking_id in self._guests.booking_ids():
            booking = self._bookings.bookings.get(booking_id)
            if (
                booking is not None
                and not booking.deleted
                and booking.overlaps(start, end)
                and (not zones or any(zone in booking.zones for zone in zones))
            ):
                found.append(booking)
        return sorted(found, key=lambda booking: (booking.created, booking.id))

    # -- one guest ------------------------------------------------------------------------

    def render_today(self, guest: Guest, timezone: str, *, with_booking: bool) -> JsonDict:
        """The guest and its first expected visit from now to the end of today (§3.4 show).

        ``show`` embeds the booking of a booking visit (``with_booking``); ``update`` renders
        plain attendance. A meeting visit carries the meeting's ``event_metadata``.
        """
        visit = self._first_visit_today(guest, timezone)
        rendered = guest.render_visiting(visit.attendee if visit else None)
        if visit is not None and visit.booking is not None and with_booking:
            rendered["booking"] = self._bookings.render(visit.booking)
        if visit is not None and visit.meeting is not None:
            rendered["event_metadata"] = render_event_metadata(visit.meeting)
        return rendered

    def _first_visit_today(self, guest: Guest, timezone: str) -> Visit | None:
        """Model ``attending_today``: visit expected, ends from now on, starts by tonight.

        Like the model's SQL, deleted bookings still count; a cancelled meeting has lost its
        metadata and attendees, so it does not.
        """
        now = self._clock.now_int()
        tonight = _end_of_day(now, timezone)
        visits: list[Visit] = []
        for attendee in self._guests.attendances_of(guest.id):
            if not attendee.visit_expected:
                continue
            visit = self._visit(attendee)
            if visit is not None and visit.starts <= tonight and self._ends(visit) >= now:
                visits.append(visit)
        return min(visits, key=lambda visit: visit.starts, default=None)

    def _visit(self, attendee: Attendee) -> Visit | None:
        if attendee.booking_id is not None:
            booking = self._bookings.bookings.get(attendee.booking_id)
            return Visit(attendee, booking.booking_start, booking=booking) if booking else None
        event_id = self._guests.meeting_of(attendee)
        meeting = self._meetings.meetings.get(event_id) if event_id else None
        if meeting is None or meeting.cancelled:
            return None
        return Visit(attendee, meeting.event_start, meeting=meeting)

    @staticmethod
    def _ends(visit: Visit) -> int:
        if visit.booking is not None:
            return visit.booking.booking_end
        assert visit.meeting is not None
        return visit.meeting.event_end


def valid_timezone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except zoneinfo.ZoneInfoNotFoundError, ValueError:
        return False
    return True


def _end_of_day(now: int, timezone: str) -> int:
    """Last second of ``now``'s date in ``timezone`` (Crystal ``at_end_of_day.to_unix``)."""
    zone = zoneinfo.ZoneInfo(timezone)
    today = datetime.fromtimestamp(now, zone).date()
    return int(datetime.combine(today, time(23, 59, 59), zone).timestamp())
