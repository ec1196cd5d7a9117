"""REST API (``/api/engine/v2``) and ``/auth/authority`` routes.

Catalog §1, §3.1, §3.6, §5.6-5.9.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .placeos_errors import forbidden, missing_parameter, not_found
from .placeos_http import (
    Surface,
    authorize,
    json_response,
    next_page_link,
    optional_query_int,
    query_bool,
    query_int,
    query_list,
    request_hostname,
    tenant_of,
)

ENGINE = "/api/engine/v2"
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000


def register(app: web.Application) -> None:
    routes = [
        web.get(f"{ENGINE}", health),
        web.get(f"{ENGINE}/", health),
        web.get("/auth/authority", authority),
        web.get(f"{ENGINE}/users/current", current_user),
        web.get(f"{ENGINE}/users/{{id}}", show_user),
        web.get(f"{ENGINE}/zones", list_zones),
        web.get(f"{ENGINE}/zones/", list_zones),
        web.get(f"{ENGINE}/zones/{{id}}", show_zone),
        web.get(f"{ENGINE}/systems", list_systems),
        web.get(f"{ENGINE}/systems/", list_systems),
        web.get(f"{ENGINE}/systems/{{id}}", show_system),
        web.get(f"{ENGINE}/metadata/{{id}}", show_metadata),
        web.get(f"{ENGINE}/metadata/{{id}}/children", children_metadata),
        web.post(f"{ENGINE}/signal", signal),
    ]
    app.add_routes(routes)


async def health(_request: web.Request) -> web.Response:
    """Healthy REST API: 200, no auth (§1)."""
    return web.Response(status=200)


async def authority(request: web.Request) -> web.Response:
    """Authority of the Host; unknown host → 404, or 200 with ``?health`` (§1)."""
    tenant = tenant_of(request)
    if request_hostname(request) != tenant.domain:
        return web.Response(status=200 if "health" in request.query else 404)
    return json_response(tenant.render_authority())


async def current_user(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.ENGINE)
    return json_response(caller.user.render())


async def show_user(request: web.Request) -> web.Response:
    authorize(request, Surface.ENGINE)
    user_id = request.match_info["id"]
    user = tenant_of(request).directory.user(user_id)
    if user is None:
        raise not_found(f"could not find user with id: {user_id}")
    return json_response(user.render())


# -- paged indexes ---------------------------------------------------------------------------


def _page(request: web.Request, items: list[Any], table: str, route: str) -> web.Response:
    """REST paging (§6): limit default 100 clamped 0-10000, ``Content-Range`` without -1."""
    limit = min(max(query_int(request, "limit", 100, restriction="UInt32"), 0), MAX_LIMIT)
    offset = min(max(query_int(request, "offset", 0, restriction="UInt32"), 0), MAX_OFFSET)
    page = items[offset : offset + limit]
    range_end = offset + len(page)
    headers = {
        "X-Total-Count": str(len(items)),
        "Content-Range": f"{table} {offset}-{range_end}/{len(items)}",
    }
    if range_end < len(items):
        headers["Link"] = next_page_link(
            route, request.query.items(), offset=range_end, limit=limit
        )
    return json_response([item.render() for item in page], headers=headers)


async def list_zones(request: web.Request) -> web.Response:
    caller = authorize(request, Surface.ENGINE)
    tags = query_list(request, "tags")
    parent_ids = query_list(request, "parent_id")
    # Listing every zone needs support rights unless narrowed by tags or parent.
    if not tags and not parent_ids and not caller.user.is_support:
        raise forbidden()
    zones = tenant_of(request).buildings.search_zones(
        tags=tags, parent_ids=parent_ids, query=request.query.get("q")
    )
    return _page(request, zones, "zone", f"{ENGINE}/zones")


async def show_zone(request: web.Request) -> web.Response:
    authorize(request, Surface.ENGINE)
    zone_id = request.match_info["id"]
    zone = tenant_of(request).buildings.zones.get(zone_id)
    if zone is None:
        raise not_found(f"could not find zone with id: {zone_id}")
    return json_response(zone.render())


async def list_systems(request: web.Request) -> web.Response:
    authorize(request, Surface.ENGINE)
    systems = tenant_of(request).buildings.search_systems(
        zone_ids=query_list(request, "zone_id"),
        bookable=query_bool(request, "bookable"),
        capacity=optional_query_int(request, "capacity", restriction="Int32"),
        features=query_list(request, "features"),
        emails=query_list(request, "email"),
        query=request.query.get("q"),
    )
    return _page(request, systems, "sys", f"{ENGINE}/systems")


async def show_system(request: web.Request) -> web.Response:
    authorize(request, Surface.ENGINE)
    buildings = tenant_of(request).buildings
    system_id = request.match_info["id"]
    if "@" in system_id:  # systems can also be addressed by resource email
        system = next((s for s in buildings.systems.values() if s.email == system_id.lower()), None)
    else:
        system = buildings.systems.get(system_id)
    if system is None:
        raise not_found(f"could not find system with id: {system_id}")
    rendered = system.render()
    if query_bool(request, "complete"):
        rendered["zone_data"] = [
            buildings.zones[zone_id].render()
            for zone_id in system.zones
            if zone_id in buildings.zones
        ]
        rendered["module_data"] = []
    return json_response(rendered)


# -- metadata --------------------------------------------------------------------------------


async def show_metadata(request: web.Request) -> web.Response:
    """Object keyed by metadata name; ``{}`` for a parent without any (§3.6)."""
    authorize(request, Surface.ENGINE)
    buildings = tenant_of(request).buildings
    return json_response(buildings.metadata_of(request.match_info["id"], request.query.get("name")))


async def children_metadata(request: web.Request) -> web.Response:
    """``[{zone, metadata}]`` for every child zone of ``{id}``.

    The server lists ``zone.children`` — zones whose parent is ``{id}`` — so the zone itself
    never appears whatever ``include_parent`` says, and children without the requested
    metadata come back with ``"metadata": {}``.
    """
    authorize(request, Surface.ENGINE)
    buildings = tenant_of(request).buildings
    zone_id = request.match_info["id"]
    if zone_id not in buildings.zones:
        raise not_found(f"could not find zone with id: {zone_id}")
    query_bool(request, "include_parent")  # validated like the server, no effect
    return json_response(buildings.children_metadata(zone_id, request.query.get("name")))


async def signal(request: web.Request) -> web.Response:
    """Publish the raw body on ``channel``; recorded in ``tenant.signals`` (§3.8)."""
    authorize(request, Surface.ENGINE)
    channel = request.query.get("channel")
    if channel is None:
        raise missing_parameter("channel", "String")
    tenant_of(request).signals.append((channel, await request.read()))
    return web.Response(status=200)
