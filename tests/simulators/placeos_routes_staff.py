"""Staff API booking routes (``/api/staff/v1``; catalog §3.7, §3.4, §2.3)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .placeos_booking_input import read_attendee_body, read_booking_body
from .placeos_booking_query import BookingFilter
from .placeos_bookings import require_create_fields
from .placeos_directory import Caller
from .placeos_errors import (
    bad_request,
    forbidden,
    invalid_parameter,
    missing_parameter,
    unauthorized,
    validation_failed,
)
from .placeos_http import (
    Surface,
    authorize,
    authorize_or_anonymous,
    json_body,
    json_response,
    next_page_link,
    optional_query_int,
    path_int,
    query_bool,
    query_flag,
    query_int,
    query_list,
    required_query,
    tenant_of,
)
from .placeos_model import Booking

STAFF = "/api/staff/v1"
BOOKINGS = f"{STAFF}/bookings"
BUILD = {"commit": "sim-placeos", "build_time": "2026-01-01T00:00:00Z"}


def register(app: web.Application) -> None:
    one = f"{BOOKINGS}/{{id}}"
    app.add_routes(
        [
            web.get(STAFF, health),
            web.get(f"{STAFF}/", health),
            web.get(f"{BOOKINGS}/booked", booked_assets),
            web.get(BOOKINGS, list_bookings),
            web.get(f"{BOOKINGS}/", list_bookings),
            web.post(BOOKINGS, create_booking),
            web.post(f"{BOOKINGS}/", create_booking),
            web.get(one, show_booking),
            web.patch(one, update_booking),
            web.put(one, update_booking),
            web.delete(one, delete_booking),
            web.post(f"{one}/check_in", check_in),
            web.post(f"{one}/checkin", check_in),
            web.post(f"{one}/approve", approve),
            web.post(f"{one}/reject", reject),
            web.post(f"{one}/update_state", update_state),
            web.patch(f"{one}/ext_data", patch_extension_data),
            web.patch(f"{one}/ext_data/", patch_extension_data),
            web.get(f"{one}/guests", booking_guests),
            web.post(f"{one}/attendee", add_attendee),
            web.delete(f"{one}/attendee/{{email}}", remove_attendee),
            web.post(f"{one}/guests/{{email}}/check_in", guest_check_in),
            web.post(f"{one}/guests/{{email}}/checkin", guest_check_in),
        ]
    )


async def health(_request: web.Request) -> web.Response:
    return json_response(BUILD)


# -- index -----------------------------------------------------------------------------------


def _booking_filter(
    request: web.Request, caller: Caller | None, *, forced_listing: bool
) -> BookingFilter | None:
    """Index parameters → filter; ``None`` when an event link is asked for (no events here)."""
    now = tenant_of(request).clock.now_int()
    start = query_int(request, "period_start", now)
    end = query_int(request, "period_end", now + 3600)
    if request.query.get("event_id") or request.query.get("ical_uid"):
        return None  # the simulator holds no calendar-event metadata → empty answer
    booking_type = request.query.get("type", "").strip()
    if not booking_type:
        raise missing_parameter("type", "String")
    zones = query_list(request, "zones")
    user_id = request.query.get("user")
    user_email = request.query.get("email")
    if caller is not None and (
        user_id == "current" or (user_id is None and not zones and user_email is None)
    ):
        # No zones/email/user: only the caller's own bookings (§3.7).
        user_id, user_email = caller.user.id, caller.user.email
    if caller is None:
        user_id = user_email = None

    def flag(name: str) -> bool:
        # `/booked` pins the lifecycle filters off and never lists rejected ones (§3.7 booked)
        return not forced_listing and query_flag(request, name)

    return BookingFilter(
        period_start=start,
        period_end=end,
        booking_type=booking_type,
        zones=tuple(zones),
        user_id=user_id,
        user_email=user_email,
        include_booked_by=query_flag(request, "include_booked_by"),
        include_open_and_public=booking_type == "group-event" and bool(zones),
        public_only=caller is None,
        permission=request.query.get("permission") if caller is not None else None,
        checked_in=query_bool(request, "checked_in"),
        created_before=optional_query_int(request, "created_before"),
        created_after=optional_query_int(request, "created_after"),
        approved=query_bool(request, "approved"),
        extension_data=request.query.get("extension_data"),
        state=request.query.get("state"),
        department=request.query.get("department"),
        rejected=False if forced_listing else query_bool(request, "rejected"),
        include_deleted=flag("include_deleted"),
        deleted=flag("deleted"),
        include_checked_out=flag("include_checked_out"),
        checked_out=flag("checked_out"),
    )


def _paged_bookings(
    request: web.Request, wanted: BookingFilter, *, default_limit: int, link_ext: str
) -> tuple[list[Booking], dict[str, str]]:
    """One page plus Staff API paging headers (``Content-Range`` with -1, relative Link)."""
    limit = query_int(request, "limit", default_limit, restriction="Int32")
    offset = query_int(request, "offset", 0, restriction="Int32")
    if limit < 0:
        raise invalid_parameter("limit", "Int32", str(limit))
    if offset < 0:
        raise invalid_parameter("offset", "Int32", str(offset))
    matches = tenant_of(request).bookings.select(wanted)
    page = matches[offset : offset + limit]
    range_end = offset + len(page)
    headers = {
        "X-Total-Count": str(len(matches)),
        "Content-Range": f"bookings {offset}-{range_end - 1}/{len(matches)}",
    }
    if range_end < len(matches):
        # `<base>/<link_ext>?…`: the index link has a slash before `?` (§3.7 paging).
        headers["Link"] = next_page_link(
            f"{BOOKINGS}/{link_ext}", request.query.items(), offset=range_end, limit=limit
        )
    return page, headers


async def list_bookings(request: web.Request) -> web.Response:
    caller = authorize_or_anonymous(request)
    wanted = _booking_filter(request, caller, forced_listing=False)
    if wanted is None:
        return json_response([])
    page, headers = _paged_bookings(request, wanted, default_limit=100, link_ext="")
    return json_response(tenant_of(request).bookings.render_all(page), headers=headers)


async def booked_assets(request: web.Request) -> web.Response:
    """Distinct asset ids of live bookings in the period (§3.7 booked)."""
    caller = authorize_or_anonymous(request)
    wanted = _booking_filter(request, caller, forced_listing=True)
    if wanted is None:
        return json_response([])
    page, headers = _paged_bookings(request, wanted, default_limit=100_000, link_ext="booked")
    asset_ids: dict[str, None] = {}
    for booking in page:
        if booking.checked_out_at is None and not booking.deleted:
            asset_ids.update(dict.fromkeys(booking.asset_ids))
    return json_response(list(asset_ids), headers=headers)


# -- single booking --------------------------------------------------------------------------


def _find(request: web.Request) -> Booking:
    return tenant_of(request).bookings.get(path_int(request))


def _confirm_access(caller: Caller, booking: Booking) -> None:
    """Support/admin, or the booking's user / booker (§2.3); else 403 with no body."""
    user = caller.user
    if user.is_support or user.id in (booking.user_id, booking.booked_by_id):
        return
    if booking.user_email == user.email.lower():
        return
    raise forbidden()


def _confirm_attendee_access(caller: Caller | None, booking: Booking) -> None:
    """Adding/removing attendees: public bookings are open to all, open ones to the tenant."""
    if booking.permission == "public":
        return
    if caller is None:
        raise unauthorized("")
    if booking.permission == "open":
        return
    _confirm_access(caller, booking)


def _rendered(request: web.Request, booking: Booking, status: int = 200) -> web.Response:
    return json_response(tenant_of(request).bookings.render(booking), status=status)


async def show_booking(request: web.Request) -> web.Response:
    authorize(request, Surface.STAFF)
    return _rendered(request, _find(request))


async def create_booking(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    fields = read_booking_body(await json_body(request))
    event_ref = request.query.get("event_id") or request.query.get("ical_uid")
    if event_ref:
        require_create_fields(fields)
        raise validation_failed(
            "error linking booking to event",
            [("event_id", f"Could not find metadata for event ARRAY['{event_ref}']")],
        )
    booking = tenant_of(request).bookings.create(
        fields,
        caller.user,
        utm_source=request.query.get("utm_source"),
        limit_override=optional_query_int(request, "limit_override", restriction="Int32"),
    )
    response = _rendered(request, booking, status=201)
    response.headers["Location"] = f"{BOOKINGS}/{booking.id}"
    return response


async def update_booking(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    _confirm_access(caller, booking)
    fields = read_booking_body(await json_body(request))
    tenant_of(request).bookings.update(
        booking,
        fields,
        caller.user,
        limit_override=optional_query_int(request, "limit_override", restriction="Int32"),
    )
    return _rendered(request, booking)


async def delete_booking(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    _confirm_access(caller, booking)
    tenant_of(request).bookings.delete(booking, utm_source=request.query.get("utm_source"))
    return web.Response(status=202)


async def check_in(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    _confirm_access(caller, booking)
    state = query_bool(request, "state")
    tenant_of(request).bookings.check_in(
        booking, state=state is not False, utm_source=request.query.get("utm_source")
    )
    return _rendered(request, booking)


async def approve(request: web.Request) -> web.Response:
    """No ownership filter on approve/reject (§2.3)."""
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    tenant_of(request).bookings.approve(
        booking, caller.user, utm_source=request.query.get("utm_source")
    )
    return _rendered(request, booking)


async def reject(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    tenant_of(request).bookings.reject(
        booking, caller.user, utm_source=request.query.get("utm_source")
    )
    return _rendered(request, booking)


async def update_state(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    _confirm_access(caller, booking)
    state = required_query(request, "state")
    tenant_of(request).bookings.update_state(
        booking, state, utm_source=request.query.get("utm_source")
    )
    return _rendered(request, booking)


async def patch_extension_data(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    _confirm_access(caller, booking)
    changes: Any = await json_body(request)
    if not isinstance(changes, dict):
        raise bad_request("Expected a JSON object of extension data")
    tenant_of(request).bookings.merge_extension_data(booking, changes)
    return _rendered(request, booking)


# -- guests of a booking ---------------------------------------------------------------------


async def booking_guests(request: web.Request) -> web.Response:
    authorize(request, Surface.STAFF)
    booking = _find(request)
    return json_response(tenant_of(request).bookings.guest_list(booking))


async def add_attendee(request: web.Request) -> web.Response:
    caller = authorize_or_anonymous(request)
    booking = _find(request)
    _confirm_attendee_access(caller, booking)
    if booking.deleted:
        return web.Response(status=405)
    attendee = read_attendee_body(await json_body(request))
    return json_response(tenant_of(request).bookings.add_attendee(booking, attendee))


async def remove_attendee(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.STAFF)
    booking = _find(request)
    _confirm_attendee_access(caller, booking)
    if booking.deleted:
        return web.Response(status=405)
    tenant_of(request).bookings.remove_attendee(booking, request.match_info["email"])
    return web.Response(status=202)


async def guest_check_in(request: web.Request) -> web.Response:
    authorize(request, Surface.STAFF)
    booking = _find(request)
    state = query_bool(request, "state")
    guest = tenant_of(request).bookings.guest_check_in(
        booking, request.match_info["email"], state=state is not False
    )
    return json_response(guest)
