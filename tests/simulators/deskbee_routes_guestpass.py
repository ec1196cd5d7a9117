"""Guest pass routes (catalog §6.5).

* ``GET /guestpass``: one item per invited guest (GuestPassGuest); ``search`` keys
  ``period`` (``Y/m/d,Y/m/d``; absent = every pass — the simulator's choice) and ``state``
  (``active|canceled|expired|passed`` or their status ids 1|2|3|4).
* ``POST /guestpass`` (201): ``title``, ``area_uuid`` (a floor uuid), ``date`` (**d/m/Y**),
  ``start_hour``, ``end_hour``, ``person_uuid`` and a non-empty ``guests`` list of
  ``{name, email?, language?}`` are required.
* ``GET /guestpass/{uuid}``, ``POST /guestpass/{uuid}/pass``, ``POST
  /guestpass/{uuid}/cancel`` (alias ``DELETE /guestpass/{uuid}``) address a *guest* uuid.
"""

from __future__ import annotations

from aiohttp import web

from . import deskbee_render as render
from .deskbee_booking_input import Validator, read_guests, read_pass_schedule, read_user, text
from .deskbee_errors import invalid_field
from .deskbee_format import day_end, day_start, parse_booking_date
from .deskbee_http import (
    RouteHandler,
    account_of,
    data_response,
    page_response,
    path_uuid,
    read_body,
    read_object,
)
from .deskbee_model import PASS_STATUS
from .deskbee_paging import paginate
from .deskbee_search import parse_search

LIMITS = {"title": 255, "description": 1000, "doc_type": 20, "doc_number": 50}


async def list_guest_passes(request: web.Request) -> web.Response:
    account = account_of(request)
    book = account.guest_passes
    search = parse_search(request.query.get("search"))
    entries = book.listing()
    period = search.values("period")
    if period:
        days = [d for d in (parse_booking_date(value) for value in period) if d is not None]
        if len(days) != len(period) or len(period) > 2:
            raise invalid_field("period", "The period must be in the format Y/m/d,Y/m/d.")
        start, end = day_start(days[0], account.zone), day_end(days[-1], account.zone)
        entries = [(p, g) for p, g in entries if p.start < end and start < p.end]
    wanted = {value.lower() for value in search.values("state") + search.values("status")}
    if wanted:
        entries = [
            (p, g)
            for p, g in entries
            if {book.status(g).value, str(PASS_STATUS[book.status(g)][0])} & wanted
        ]
    page = paginate(request, entries, per_page_as_string=False)
    return page_response(page, [render.pass_guest(account, p, g) for p, g in page.items])


async def create_guest_pass(request: web.Request) -> web.Response:
    account = account_of(request)
    body = await read_object(request)
    check = Validator()
    title = text(body, "title")
    if title is None:
        check.add("title", "The title field is required.")
    for name, limit in LIMITS.items():
        value = text(body, name)
        if value is not None and len(value) > limit:
            check.add(
                name, f"The {name.replace('_', ' ')} may not be greater than {limit} characters."
            )
    area_uuid = text(body, "area_uuid")
    floor = account.floors.get(area_uuid.lower()) if area_uuid else None
    if area_uuid is None:
        check.add("area_uuid", "The area uuid field is required.")
    elif floor is None:
        check.add("area_uuid", "The selected area uuid is invalid.")
    schedule = read_pass_schedule(body, account, check)
    host = read_user(body, account, check, ("person_uuid",))
    booking_uuid = text(body, "booking_uuid")
    if booking_uuid is not None and booking_uuid.lower() not in account.bookings.bookings:
        check.add("booking_uuid", "The selected booking uuid is invalid.")
    guests = read_guests(body, check)
    check.done()
    assert title is not None  # the validator passed
    assert floor is not None
    assert schedule is not None
    assert host is not None
    invitation = account.guest_passes.create(
        title=title,
        floor=floor,
        start=schedule[0],
        end=schedule[1],
        host=host,
        guests=guests,
        description=text(body, "description"),
        booking_uuid=booking_uuid.lower() if booking_uuid else None,
        doc_type=text(body, "doc_type"),
        doc_number=text(body, "doc_number"),
    )
    return data_response(render.pass_created(account, invitation), status=201)


async def show_guest_pass(request: web.Request) -> web.Response:
    account = account_of(request)
    invitation, guest = account.guest_passes.find(path_uuid(request))
    return data_response(render.pass_detail(account, invitation, guest))


async def pass_guest_pass(request: web.Request) -> web.Response:
    account = account_of(request)
    invitation, guest = account.guest_passes.mark_passed(path_uuid(request))
    return data_response(render.pass_guest(account, invitation, guest))


async def cancel_guest_pass(request: web.Request) -> web.Response:
    account = account_of(request)
    await read_body(request)  # is_send_email: accepted, nothing is mailed
    invitation, guest = account.guest_passes.cancel(path_uuid(request))
    return data_response(render.pass_guest(account, invitation, guest))


HANDLERS: dict[str, RouteHandler] = {
    "list_guest_passes": list_guest_passes,
    "create_guest_pass": create_guest_pass,
    "show_guest_pass": show_guest_pass,
    "pass_guest_pass": pass_guest_pass,
    "cancel_guest_pass": cancel_guest_pass,
}
