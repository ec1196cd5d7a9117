"""Building area and users (catalog §6.1, §6.3): buildings, floors, places, parkings, users.

Search keys (§3.4) beyond the documented ones are the simulator's choice and marked so:
* buildings: ``place_type`` (has places of that type), ``is_active``, ``name`` (ours).
* floors / parkings: same + ``building_uuid`` (ours).
* places: ``place_type`` (comma list), ``building_uuid`` / ``floor_uuid`` / ``name`` /
  ``is_active`` (ours; ``building_uuid`` / ``floor_uuid`` also as plain query parameters).
* users: ``email`` (exact, case-insensitive; ``email:like:x`` = contains), ``name``
  (contains), ``profile``, ``enrollment`` (ours), ``squad_uuid`` (no squads → nothing),
  ``is_squad``.
``user_scope`` is accepted and has no effect: the simulator has no spatial restrictions.
Buildings, floors and places list in creation order, users by name.
"""

from __future__ import annotations

from aiohttp import web

from . import deskbee_render as render
from .deskbee_account import DeskbeeAccount
from .deskbee_errors import invalid_field, not_found
from .deskbee_format import at, parse_hour, parse_ymd
from .deskbee_http import (
    RouteHandler,
    account_of,
    data_response,
    includes,
    page_response,
    path_uuid,
)
from .deskbee_model import Building, Floor, Place, User
from .deskbee_paging import paginate
from .deskbee_search import Search, parse_search

# -- buildings -------------------------------------------------------------------------------


def _contains(text: str, needle: str | None) -> bool:
    return needle is None or needle.lower() in text.lower()


def _floor_matches(account: DeskbeeAccount, floor: Floor, search: Search) -> bool:
    wanted_types = set(search.values("place_type"))
    if wanted_types:
        held = {p.place_type for p in account.live_places() if p.floor_uuid == floor.uuid}
        if not held & wanted_types:
            return False
    active = search.flag("is_active")
    if active is not None and floor.is_active != active:
        return False
    building_uuid = search.first("building_uuid")
    if building_uuid and floor.building_uuid != building_uuid.lower():
        return False
    return _contains(floor.name, search.raw("name"))


async def list_buildings(request: web.Request) -> web.Response:
    account = account_of(request)
    search = parse_search(request.query.get("search"))
    wanted_types = set(search.values("place_type"))
    active = search.flag("is_active")
    held: dict[str, set[str]] = {}
    for spot in account.live_places():
        held.setdefault(account.floors[spot.floor_uuid].building_uuid, set()).add(spot.place_type)

    def matches(building: Building) -> bool:
        if wanted_types and not held.get(building.uuid, set()) & wanted_types:
            return False
        if active is not None and building.is_active != active:
            return False
        return _contains(building.name, search.raw("name"))

    found = [b for b in account.buildings.values() if matches(b)]
    page = paginate(request, found, per_page_as_string=False)
    shown = includes(request)
    return page_response(page, [render.building(account, b, include=shown) for b in page.items])


async def show_building(request: web.Request) -> web.Response:
    account = account_of(request)
    record = account.building(path_uuid(request))
    return data_response(render.building(account, record, include=includes(request)))


async def list_floors(request: web.Request) -> web.Response:
    account = account_of(request)
    search = parse_search(request.query.get("search"))
    found = [f for f in account.floors.values() if _floor_matches(account, f, search)]
    page = paginate(request, found, per_page_as_string=False)
    return page_response(page, [render.floor(account, f) for f in page.items])


async def show_floor(request: web.Request) -> web.Response:
    account = account_of(request)
    return data_response(render.floor(account, account.floor(path_uuid(request))))


# -- places ----------------------------------------------------------------------------------


async def list_places(request: web.Request) -> web.Response:
    account = account_of(request)
    search = parse_search(request.query.get("search"))
    types = {t.lower() for t in search.values("place_type") or search.values("type")}
    building_uuid = (
        search.first("building_uuid") or request.query.get("building_uuid", "")
    ).lower()
    floor_uuid = (search.first("floor_uuid") or request.query.get("floor_uuid", "")).lower()
    active = search.flag("is_active")

    def matches(spot: Place) -> bool:
        if types and spot.place_type not in types:
            return False
        if floor_uuid and spot.floor_uuid != floor_uuid:
            return False
        if building_uuid and account.floors[spot.floor_uuid].building_uuid != building_uuid:
            return False
        if active is not None and spot.is_active != active:
            return False
        return _contains(spot.name, search.raw("name"))

    found = [p for p in account.live_places() if matches(p)]
    page = paginate(request, found, per_page_as_string=False)
    return page_response(page, [render.place(account, p) for p in page.items])


async def show_place(request: web.Request) -> web.Response:
    account = account_of(request)
    return data_response(render.place(account, account.place(path_uuid(request))))


# -- parkings --------------------------------------------------------------------------------


def _vacancy_window(request: web.Request, account: DeskbeeAccount) -> tuple[float, float]:
    """``response_filter=date:Y/m/d;start_hour:H:i;end_hour:H:i``; default: this moment."""
    raw = request.query.get("response_filter")
    now = account.now()
    if not raw:
        return now, now + 1
    fields = parse_search(raw)
    day = parse_ymd(fields.first("date") or "")
    if day is None:
        raise invalid_field("response_filter.date", "The date does not match the format Y/m/d.")
    start = parse_hour(fields.first("start_hour") or "00:00")
    end = parse_hour(fields.first("end_hour") or "23:59")
    if start is None or end is None or end <= start:
        raise invalid_field("response_filter.end_hour", "The end hour must be after start hour.")
    return at(day, start, account.zone), at(day, end, account.zone)


def _available(account: DeskbeeAccount, floor: Floor, window: tuple[float, float]) -> int:
    spots = [p for p in account.live_places("parking") if p.floor_uuid == floor.uuid]
    return sum(1 for p in spots if not account.bookings.clashes(p.uuid, *window))


async def list_parkings(request: web.Request) -> web.Response:
    account = account_of(request)
    search = parse_search(request.query.get("search"))
    window = _vacancy_window(request, account)
    found = [f for f in account.parking_floors() if _floor_matches(account, f, search)]
    page = paginate(request, found, per_page_as_string=False)
    return page_response(
        page, [render.parking(account, f, _available(account, f, window)) for f in page.items]
    )


async def show_parking(request: web.Request) -> web.Response:
    account = account_of(request)
    wanted = path_uuid(request)
    found = next((f for f in account.parking_floors() if f.uuid == wanted), None)
    if found is None:
        raise not_found("Parking not found.")
    window = _vacancy_window(request, account)
    return data_response(render.parking(account, found, _available(account, found, window)))


# -- users -----------------------------------------------------------------------------------


def _user_matches(user: User, search: Search) -> bool:
    email = search.terms.get("email")
    if email is not None:
        wanted = email.value.strip().lower()
        if (email.operator == "like" and wanted not in user.email) or (
            email.operator != "like" and user.email != wanted
        ):
            return False
    if not _contains(user.name, search.raw("name")):
        return False
    profiles = {p.lower() for p in search.values("profile")}
    if profiles and user.profile not in profiles:
        return False
    enrollment = search.raw("enrollment")
    if enrollment is not None and user.enrollment != enrollment:
        return False
    return "squad_uuid" not in search and search.flag("is_squad") is not True


async def list_users(request: web.Request) -> web.Response:
    account = account_of(request)
    search = parse_search(request.query.get("search"))
    found = sorted(
        (u for u in account.users.values() if _user_matches(u, search)),
        key=lambda u: (u.name.lower(), u.uuid),
    )
    page = paginate(request, found)
    return page_response(page, [render.user(account, u) for u in page.items])


async def show_user(request: web.Request) -> web.Response:
    account = account_of(request)
    return data_response(render.user(account, account.user(path_uuid(request))))


HANDLERS: dict[str, RouteHandler] = {
    "list_buildings": list_buildings,
    "show_building": show_building,
    "list_floors": list_floors,
    "show_floor": show_floor,
    "list_places": list_places,
    "show_place": show_place,
    "list_parkings": list_parkings,
    "show_parking": show_parking,
    "list_users": list_users,
    "show_user": show_user,
}
