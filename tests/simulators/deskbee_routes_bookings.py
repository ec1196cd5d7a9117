"""Booking routes (catalog §6.6, §7).

* ``GET /bookings``: ``search`` keys ``period`` (``Y/m/d,Y/m/d`` or one day; default today
  in the account timezone; a booking is listed when it overlaps those local days),
  ``state``, ``type``, ``building_uuid``, ``floor_uuid``, ``site_uuid``, ``email`` (host),
  ``place`` (name or QR code), ``sector_uuid``; ``squad_uuid`` matches nothing (no squads).
  Cancelled (soft-deleted) bookings are listed only when ``state`` asks for ``canceled``.
  Ordered by start. ``include=checkin;min_tolerance`` adds those fields; ``meta.per_page``
  is a string here. The pages of one query share one filtered, sorted result until the
  next write (``deskbee_booking_index``), so walking 100 000 bookings stays linear.
* ``GET /bookings/{uuid}`` renders every field, cancelled bookings included (``state:
  canceled``, ``deleted_at`` set) so a client can re-fetch after a ``deleted`` webhook.
* Creates answer 201, everything else 200, with ``{"data": Booking}``.
* ``DELETE /bookings/{uuid}`` and ``POST /bookings/{uuid}/cancel`` share one rule: only
  ``reserved``/``waiting`` bookings; cancelling a cancelled one is 200 with it unchanged;
  ``busy`` and finished ones are 422.
"""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from . import deskbee_render as render
from .deskbee_account import DeskbeeAccount
from .deskbee_booking_input import (
    Validator,
    read_floor,
    read_meeting,
    read_owner,
    read_place,
    read_schedule,
    read_user,
)
from .deskbee_errors import conflict, invalid_field, not_found
from .deskbee_format import day_end, day_start, local_date, parse_booking_date
from .deskbee_http import (
    RouteHandler,
    account_of,
    acting_user_uuid,
    data_response,
    includes,
    page_response,
    path_uuid,
    read_object,
)
from .deskbee_model import MEETING_ROOM, Booking, State
from .deskbee_paging import paginate
from .deskbee_search import Search, parse_search

MAX_PERIOD_DAYS = 366

# -- list ------------------------------------------------------------------------------------


def _period(search: Search, account: DeskbeeAccount) -> tuple[float, float]:
    raw = search.values("period")
    if not raw:
        today = local_date(account.now(), account.zone)
        return day_start(today, account.zone), day_end(today, account.zone)
    days = [day for day in (parse_booking_date(value) for value in raw) if day is not None]
    if len(days) != len(raw) or len(raw) > 2:
        raise invalid_field("period", "The period must be in the format Y/m/d,Y/m/d.")
    first, last = days[0], days[-1]
    if last < first:
        raise invalid_field("period", "The period end must be on or after its start.")
    if last - first > timedelta(days=MAX_PERIOD_DAYS):
        raise invalid_field("period", "The period may span at most one year.")
    return day_start(first, account.zone), day_end(last, account.zone)


def _filter(account: DeskbeeAccount, search: Search) -> list[Booking]:
    """The matching bookings in list order; the pages of one query share one result."""
    start, end = _period(search, account)
    key = (start, end, tuple(sorted(search.terms.items())))
    return account.bookings.index.listing(key, lambda: _select(account, search, start, end))


def _select(account: DeskbeeAccount, search: Search, start: float, end: float) -> list[Booking]:
    states = {s.lower() for s in search.values("state")}
    types = {t.lower() for t in search.values("type")}
    email = (search.raw("email") or "").lower()
    place_key = (search.raw("place") or "").lower()
    wanted = {
        key: (search.first(key) or "").lower()
        for key in ("building_uuid", "floor_uuid", "site_uuid", "sector_uuid")
    }

    def matches(record: Booking) -> bool:
        if not record.overlaps(start, end):
            return False
        if states and record.state.value not in states:
            return False
        if not states and record.state is State.CANCELED:
            return False
        spot = account.places[record.place_uuid]
        where = account.floors[spot.floor_uuid]
        building = account.buildings[where.building_uuid]
        located = {
            "building_uuid": building.uuid,
            "floor_uuid": where.uuid,
            "site_uuid": building.site_uuid,
            "sector_uuid": where.sector_uuid,
        }
        if any(value and located[key] != value for key, value in wanted.items()):
            return False
        if types and spot.place_type not in types:
            return False
        if email and account.users[record.person_uuid].email != email:
            return False
        if place_key and place_key not in (spot.name.lower(), spot.qrcode.lower()):
            return False
        return "squad_uuid" not in search

    found = [b for b in account.bookings.bookings.values() if matches(b)]
    return sorted(found, key=lambda b: (b.start, b.created_at, b.uuid))


async def list_bookings(request: web.Request) -> web.Response:
    account = account_of(request)
    found = _filter(account, parse_search(request.query.get("search")))
    page = paginate(request, found)
    shown = includes(request)
    return page_response(page, [render.booking(account, b, include=shown) for b in page.items])


async def show_booking(request: web.Request) -> web.Response:
    account = account_of(request)
    return data_response(render.booking(account, account.bookings.get(path_uuid(request))))


async def list_checkins(request: web.Request) -> web.Response:
    account = account_of(request)
    record = account.bookings.get(path_uuid(request))
    entries = account.bookings.checkins_of(record)
    return data_response([render.checkin_entry(account, entry) for entry in entries])


# -- create / update -------------------------------------------------------------------------


async def _create(
    request: web.Request, *, meeting_room: bool, person_fields: tuple[str, ...]
) -> web.Response:
    account = account_of(request)
    body = await read_object(request)
    check = Validator()
    person = read_user(body, account, check, person_fields)
    owner = read_owner(acting_user_uuid(request), account, check)
    schedule = read_schedule(body, account, check, required=True)
    place = read_place(body, account, check, meeting_room=meeting_room, required=meeting_room)
    floor = None
    if not meeting_room and place is None and "place_uuid" not in check.errors:
        floor = read_floor(body, account, check, "floor_uuid")
        if floor is None and "floor_uuid" not in check.errors:
            check.add(
                "floor_uuid", "The floor uuid field is required when place uuid is not present."
            )
    meeting = read_meeting(body, check) if meeting_room else None
    check.done()
    assert person is not None
    assert schedule is not None
    start, end = schedule
    if place is None:
        assert floor is not None
        place = account.bookings.first_free(floor.uuid, start, end)
        if place is None:
            raise conflict(f"No workstation available on {floor.name} for this period.")
    record = account.bookings.create(
        place=place, person=person, owner=owner or person, start=start, end=end, meeting=meeting
    )
    return data_response(render.booking(account, record), status=201)


async def create_workspace_booking(request: web.Request) -> web.Response:
    return await _create(request, meeting_room=False, person_fields=("person_uuid", "user_uuid"))


async def create_meeting_room_booking(request: web.Request) -> web.Response:
    return await _create(request, meeting_room=True, person_fields=("person_uuid", "user_uuid"))


async def create_legacy_booking(request: web.Request) -> web.Response:
    """Deprecated ``POST /bookings``: workstations only, host in ``user_uuid`` (#37)."""
    return await _create(request, meeting_room=False, person_fields=("user_uuid",))


def _booking_of_kind(account: DeskbeeAccount, booking_uuid: str, *, meeting_room: bool) -> Booking:
    """Wrong-kind endpoint → 404 (§6.6 #40/#42)."""
    record = account.bookings.get(booking_uuid)
    is_room = account.places[record.place_uuid].place_type == MEETING_ROOM
    if is_room != meeting_room:
        raise not_found("Booking not found.")
    return record


async def _update(request: web.Request, *, meeting_room: bool) -> web.Response:
    account = account_of(request)
    record = _booking_of_kind(account, path_uuid(request), meeting_room=meeting_room)
    body = await read_object(request)
    check = Validator()
    read_owner(acting_user_uuid(request), account, check)
    schedule = read_schedule(body, account, check, required=False)
    place = read_place(body, account, check, meeting_room=meeting_room, required=False)
    meeting = read_meeting(body, check) if meeting_room else None
    if not meeting_room and body.get("meeting") is not None:
        check.add("meeting", "The meeting field is prohibited for workstation bookings.")
    check.done()
    start, end = schedule or (None, None)
    account.bookings.update(record, start=start, end=end, place=place, meeting=meeting)
    return data_response(render.booking(account, record))


async def update_workspace_booking(request: web.Request) -> web.Response:
    return await _update(request, meeting_room=False)


async def update_meeting_room_booking(request: web.Request) -> web.Response:
    return await _update(request, meeting_room=True)


# -- lifecycle -------------------------------------------------------------------------------


async def _lifecycle(request: web.Request, action: str) -> web.Response:
    account = account_of(request)
    book = account.bookings
    record = book.get(path_uuid(request))
    await request.read()  # a body (is_send_email, …) is accepted and ignored
    if action == "checkin":
        book.check_in(record, via_api=True)
    elif action == "checkout":
        book.check_out(record, via_api=True)
    else:
        book.cancel(record)
    return data_response(render.booking(account, record))


async def check_in(request: web.Request) -> web.Response:
    return await _lifecycle(request, "checkin")


async def check_out(request: web.Request) -> web.Response:
    return await _lifecycle(request, "checkout")


async def cancel_booking(request: web.Request) -> web.Response:
    return await _lifecycle(request, "cancel")


async def delete_booking(request: web.Request) -> web.Response:
    return await _lifecycle(request, "cancel")


HANDLERS: dict[str, RouteHandler] = {
    "list_bookings": list_bookings,
    "show_booking": show_booking,
    "list_checkins": list_checkins,
    "create_workspace_booking": create_workspace_booking,
    "create_meeting_room_booking": create_meeting_room_booking,
    "create_legacy_booking": create_legacy_booking,
    "update_workspace_booking": update_workspace_booking,
    "update_meeting_room_booking": update_meeting_room_booking,
    "check_in": check_in,
    "check_out": check_out,
    "cancel_booking": cancel_booking,
    "delete_booking": delete_booking,
}
