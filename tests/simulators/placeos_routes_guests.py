"""Staff API guest routes (``/api/staff/v1/guests``; catalog §3.4, §5.3).

Guests are visitor profiles; the index either lists visitors expected in a period (of bookings
and of room meetings) or searches the profiles. Show and update skip the token scope check
(guests.cr ``skip_action :check_jwt_scope``).
"""

from __future__ import annotations

import re

from aiohttp import web

from .placeos_booking_input import (
    Reader,
    nullable,
    read_attributes,
    read_bool,
    read_email,
    read_object,
    read_str,
)
from .placeos_errors import invalid_parameter, not_found
from .placeos_http import (
    Surface,
    authorize,
    json_body,
    json_response,
    optional_query_int,
    query_list,
    tenant_of,
)
from .placeos_model import Guest
from .placeos_routes_events import readable_calendars
from .placeos_routes_staff import STAFF
from .placeos_visitors import DEFAULT_TIME_ZONE, valid_timezone

GUESTS = f"{STAFF}/guests"
# The index strips everything but word characters, spaces and @-.~_" from `q`.
_UNSEARCHABLE = re.compile(r"[^\w\s@\-.~_\"]")

GUEST_ATTRIBUTES: dict[str, Reader] = {
    "email": nullable(read_email),
    "name": nullable(read_str),
    "preferred_name": nullable(read_str),
    "phone": nullable(read_str),
    "organisation": nullable(read_str),
    "notes": nullable(read_str),
    "photo": nullable(read_str),
    "banned": nullable(read_bool),
    "dangerous": nullable(read_bool),
    "extension_data": nullable(read_object),
}


def register(app: web.Application) -> None:
    one = f"{GUESTS}/{{id}}"
    app.add_routes(
        [
            web.get(GUESTS, list_guests),
            web.get(f"{GUESTS}/", list_guests),
            web.get(one, show_guest),
            web.patch(one, update_guest),
            web.put(one, update_guest),
        ]
    )


async def list_guests(request: web.Request) -> web.Response:
    """Visitors in a period (both bounds given), else a search of the profiles (§3.4).

    The period form takes ``zone_ids`` (rooms' meetings and bookings) and ``zones``
    (bookings only), plus ``system_ids``/``calendars``. The search form lists the first
    1500 guests by name matching every word of ``q`` as a prefix, with no attendance.
    """
    caller = authorize(request, Surface.STAFF)
    tenant = tenant_of(request)
    start = optional_query_int(request, "period_start")
    end = optional_query_int(request, "period_end")
    if start is None or end is None:
        query = _UNSEARCHABLE.sub("", request.query.get("q", "")).strip().lower()
        return json_response([guest.render(None) for guest in tenant.guests.search(query)])
    zone_ids = query_list(request, "zone_ids")
    calendars = tenant.meetings.matching_calendars(
        calendars=readable_calendars(caller, query_list(request, "calendars")),
        zone_ids=zone_ids,
        system_ids=query_list(request, "system_ids"),
    )
    visitors, errors = tenant.visitors.in_period(
        start,
        end,
        booking_zones=list(dict.fromkeys([*query_list(request, "zones"), *zone_ids])),
        calendars=calendars,
    )
    headers = {"X-Calendar-Errors": str(errors)} if errors else None
    return json_response(visitors, headers=headers)


def _find_guest(request: web.Request) -> Guest:
    """By numeric id or by email (case-insensitive); 404 otherwise."""
    wanted = request.match_info["id"]
    guest = tenant_of(request).guests.find(wanted)
    if guest is None:
        raise not_found(f"could not find guest {wanted}")
    return guest


def _timezone(request: web.Request) -> str:
    """Whose "today": the ``timezone`` parameter, else the server default (§3.4 show)."""
    name = request.query.get("timezone") or DEFAULT_TIME_ZONE
    if not valid_timezone(name):
        raise invalid_parameter("timezone", "String", name)
    return name


async def show_guest(request: web.Request) -> web.Response:
    """The guest with ``checked_in``/``visit_expected`` of its first visit today (+ booking)."""
    authorize(request, Surface.STAFF, check_scope=False)
    guest = _find_guest(request)
    visitors = tenant_of(request).visitors
    return json_response(visitors.render_today(guest, _timezone(request), with_booking=True))


async def update_guest(request: web.Request) -> web.Response:
    """Copy present attributes, merge ``extension_data`` (§3.4 update); 200 + the guest."""
    authorize(request, Surface.STAFF, check_scope=False)
    guest = _find_guest(request)
    changes = read_attributes(await json_body(request), GUEST_ATTRIBUTES, "guest")
    tenant = tenant_of(request)
    tenant.guests.patch(guest, changes)
    return json_response(
        tenant.visitors.render_today(guest, _timezone(request), with_booking=False)
    )
