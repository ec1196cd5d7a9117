"""Staff API calendar-event routes (``/api/staff/v1/events``; catalog §3.5, §5.5).

Who may do what, standing in for the calendar provider's permissions:
* support/admin keys act as a delegate of every calendar (the HA key is a support user);
* other callers read and write only their own calendar, and change only meetings they host
  or are invited to (the server's ``check_access`` zone roles are not modelled).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .placeos_directory import Caller
from .placeos_errors import bad_request, forbidden, invalid_parameter, missing_parameter
from .placeos_event_input import read_event_body
from .placeos_http import (
    Surface,
    authorize,
    json_body,
    json_response,
    optional_query_int,
    query_bool,
    query_flag,
    query_list,
    tenant_of,
)
from .placeos_meeting_model import Meeting
from .placeos_routes_staff import STAFF

EVENTS = f"{STAFF}/events"


def register(app: web.Application) -> None:
    one = f"{EVENTS}/{{id}}"
    metadata = f"{one}/metadata/{{system_id}}"
    app.add_routes(
        [
            web.get(EVENTS, list_events),
            web.get(f"{EVENTS}/", list_events),
            web.post(EVENTS, create_event),
            web.post(f"{EVENTS}/", create_event),
            web.get(one, show_event),
            web.patch(one, update_event),
            web.put(one, update_event),
            web.delete(one, delete_event),
            web.patch(metadata, patch_metadata),
            web.put(metadata, replace_metadata),
        ]
    )


# -- index -----------------------------------------------------------------------------------


def required_period(request: web.Request) -> tuple[int, int]:
    """``period_start`` and ``period_end`` (unix s) are both required: 422, or 400 if not ints."""
    bounds: list[int] = []
    for name in ("period_start", "period_end"):
        value = optional_query_int(request, name)
        if value is None:
            raise missing_parameter(name, "Int64")
        bounds.append(value)
    return bounds[0], bounds[1]


def readable_calendars(caller: Caller, calendars: list[str]) -> list[str]:
    """The named calendars the caller may read: any for support, else only their own."""
    if caller.user.is_support:
        return calendars
    return [calendar for calendar in calendars if calendar.strip().lower() == caller.user.email]


async def list_events(request: web.Request) -> web.Response:
    """Events of the matching calendars overlapping the period (§3.5 query_events).

    No paging. A calendar that fails to load is skipped and counted in ``X-Calendar-Errors``,
    which is only sent when the count is not zero (``failing_calendars`` of the simulator).
    """
    caller = authorize(request, Surface.STAFF)
    start, end = required_period(request)
    book = tenant_of(request).meetings
    asked = query_list(request, "calendars")
    calendars = book.matching_calendars(
        calendars=readable_calendars(caller, asked),
        zone_ids=query_list(request, "zone_ids"),
        system_ids=query_list(request, "system_ids"),
        capacity=optional_query_int(request, "capacity", restriction="Int32"),
        features=query_list(request, "features"),
        bookable=query_bool(request, "bookable"),
        default=None if asked else caller.user.email,
    )
    include_cancelled = query_flag(request, "include_cancelled")
    ical_uid = request.query.get("ical_uid") or None
    events: list[dict[str, Any]] = []
    errors = 0
    for calendar, system in calendars.items():
        if system is not None and system.id in book.failing_calendars:
            errors += 1
            continue
        listed = book.listed(
            calendar, start, end, include_cancelled=include_cancelled, ical_uid=ical_uid
        )
        events.extend(book.render(meeting, calendar) for meeting in listed)
    headers = {"X-Calendar-Errors": str(errors)} if errors else None
    return json_response(events, headers=headers)


# -- one event -------------------------------------------------------------------------------


def _find(
    request: web.Request, caller: Caller, *, write: bool, body_system_id: str | None = None
) -> tuple[Meeting, str]:
    """The event and the calendar it was found on: the room's (``system_id``) or ``calendar``.

    The real server falls back to the caller's own calendar when neither is given; the driver
    always sends one (§3.5 ``get_event``), and the simulator insists on it: 422 for a missing
    ``system_id``. A calendar the caller may not use is 403 on reads and 400 on writes.
    """
    book = tenant_of(request).meetings
    event_id = request.match_info["id"]
    system_id = request.query.get("system_id") or body_system_id
    if system_id:
        meeting = book.on_system(event_id, system_id)
        return meeting, meeting.calendar
    calendar = (request.query.get("calendar") or "").strip().lower()
    if not calendar:
        raise missing_parameter("system_id", "String")
    if calendar != caller.user.email and not caller.user.is_support:
        if write:
            raise invalid_parameter("calendar", "String", calendar)
        raise forbidden()
    return book.on_calendar(event_id, calendar), calendar


def _confirm_involved(caller: Caller, meeting: Meeting) -> None:
    """Changes need the host, an invitee, or a support/admin key; else 403 with no body."""
    if caller.user.is_support or meeting.involves(caller.user.email):
        return
    raise forbidden()


async def show_event(request: web.Request) -> web.Response:
    """One event; this route skips the token scope check (events.cr ``skip_action``)."""
    caller = authorize(request, Surface.STAFF, check_scope=False)
    meeting, calendar = _find(request, caller, write=False)
    return json_response(tenant_of(request).meetings.render(meeting, calendar))


async def create_event(request: web.Request) -> web.Response:
    """201 + the event; the caller must be the host unless support (a delegate)."""
    caller = authorize(request, Surface.STAFF)
    fields = read_event_body(await json_body(request))
    host = fields.get("host")
    if host and host != caller.user.email and not caller.user.is_support:
        raise forbidden()
    book = tenant_of(request).meetings
    meeting = book.create(fields, caller.user)
    return json_response(book.render(meeting), status=201)


async def update_event(request: web.Request) -> web.Response:
    """200 + the event; 409 when the new slot is taken in the room (simulator rule)."""
    caller = authorize(request, Surface.STAFF)
    fields = read_event_body(await json_body(request))
    meeting, calendar = _find(request, caller, write=True, body_system_id=fields.get("system_id"))
    _confirm_involved(caller, meeting)
    book = tenant_of(request).meetings
    book.update(meeting, fields)
    return json_response(book.render(meeting, calendar))


async def delete_event(request: web.Request) -> web.Response:
    """202, empty; the event stays listed as cancelled with ``include_cancelled=true``."""
    caller = authorize(request, Surface.STAFF)
    query_bool(request, "notify")  # validated like the server; no mail goes out here
    meeting, _ = _find(request, caller, write=True)
    _confirm_involved(caller, meeting)
    tenant_of(request).meetings.cancel(meeting)
    return web.Response(status=202)


# -- event metadata --------------------------------------------------------------------------


async def patch_metadata(request: web.Request) -> web.Response:
    """Merge the body into the event's ext_data; skips the scope check like the server."""
    return await _write_metadata(request, merge=True)


async def replace_metadata(request: web.Request) -> web.Response:
    return await _write_metadata(request, merge=False)


async def _write_metadata(request: web.Request, *, merge: bool) -> web.Response:
    """``/events/{id}/metadata/{system_id}`` → the resulting ext_data (§3.5)."""
    caller = authorize(request, Surface.STAFF, check_scope=not merge)
    changes = await json_body(request)
    if not isinstance(changes, dict):
        raise bad_request("Expected a JSON object of extension data")
    book = tenant_of(request).meetings
    meeting = book.on_system(request.match_info["id"], request.match_info["system_id"])
    _confirm_involved(caller, meeting)
    return json_response(book.set_metadata(meeting, changes, merge=merge))
