"""REST API (``/api/engine/v2``) and ``/auth/authority`` routes.

Catalog §1, §3.1, §3.6, §5.6-5.9.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from .placeos_directory import Caller
from .placeos_errors import (
    bad_request,
    forbidden,
    missing_parameter,
    not_found,
    validation_failed,
)
from .placeos_http import (
    Surface,
    authorize,
    json_body,
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
        web.get(f"{ENGINE}/users", list_users),
        web.get(f"{ENGINE}/users/", list_users),
        web.get(f"{ENGINE}/users/current", current_user),
        web.get(f"{ENGINE}/users/{{id}}", show_user),
        web.get(f"{ENGINE}/zones", list_zones),
        web.get(f"{ENGINE}/zones/", list_zones),
        web.get(f"{ENGINE}/zones/{{id}}", show_zone),
        web.get(f"{ENGINE}/systems", list_systems),
        web.get(f"{ENGINE}/systems/", list_systems),
        web.get(f"{ENGINE}/systems/{{id}}", show_system),
        web.get(f"{ENGINE}/metadata/{{id}}", show_metadata),
        web.put(f"{ENGINE}/metadata/{{id}}", replace_metadata),
        web.patch(f"{ENGINE}/metadata/{{id}}", merge_metadata),
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


def _page(
    request: web.Request,
    items: list[Any],
    table: str,
    route: str,
    render: Callable[[Any], Any] | None = None,
) -> web.Response:
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
    rendered = [render(item) if render else item.render() for item in page]
    return json_response(rendered, headers=headers)


async def list_users(request: web.Request) -> web.Response:
    """Users of the caller's authority by name, id (§3.2 query_users, §6 REST paging).

    ``q`` (default ``*``) matches every word as a prefix of a word of the name or email.
    Admins see the admin fields; everyone else the public ones (§5.7).
    """
    caller = authorize(request, Surface.ENGINE)
    query_bool(request, "include_deleted")  # nobody is ever deleted here
    query_bool(request, "include_metadata")
    users = tenant_of(request).directory.search_users(request.query.get("q"))
    admin = caller.user.is_admin
    return _page(
        request, users, "user", f"{ENGINE}/users", lambda user: user.render_listed(admin=admin)
    )


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


METADATA_VALIDATION = "error validating metadata"


async def replace_metadata(request: web.Request) -> web.Response:
    return await _write_metadata(request, merge=False)


async def merge_metadata(request: web.Request) -> web.Response:
    return await _write_metadata(request, merge=True)


def _may_write_metadata(caller: Caller, parent_id: str) -> bool:
    """Support/admin, or a user's own metadata (model ``user_can_create?``).

    The real server also lets a metadata's ``editors`` and zone ``permissions`` groups
    write; the simulator does not model those.
    """
    return caller.user.is_support or parent_id == caller.user.id


async def _write_metadata(request: web.Request, *, merge: bool) -> web.Response:
    """``PUT``/``PATCH /metadata/{id}`` with ``{name, description, details, parent_id}`` (§3.6).

    The name comes from the body (the ``?name=`` the client repeats is not read); the
    parent is the path's ``{id}``. 200 + the Metadata; 403 with no body for other callers;
    422 for a missing name or details or an unknown parent.
    """
    caller = authorize(request, Surface.ENGINE)
    parent_id = request.match_info["id"]
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object for the metadata")
    name, description = body.get("name"), body.get("description") or ""
    if not isinstance(name, str) or not name.strip():
        raise validation_failed(METADATA_VALIDATION, [("name", "Name must not be empty")])
    if not isinstance(description, str):
        raise bad_request("Expected String for metadata attribute 'description'")
    if not _may_write_metadata(caller, parent_id):
        raise forbidden()
    tenant = tenant_of(request)
    failures: list[tuple[str | None, str]] = []
    if body.get("details") is None:
        failures.append(("details", "must be present"))
    if not tenant.buildings.parent_exists(parent_id) and tenant.directory.user(parent_id) is None:
        failures.append(("parent_id", "must reference an existing model"))
    if failures:
        raise validation_failed(METADATA_VALIDATION, failures)
    entry = tenant.buildings.write_metadata(
        parent_id,
        name.strip(),
        description=description,
        details=body["details"],
        merge=merge,
        modified_by=caller.user.id,
    )
    return json_response(entry.render())


async def signal(request: web.Request) -> web.Response:
    """Publish the raw body on ``channel``; recorded in ``tenant.signals`` (§3.8).

    A missing ``channel`` is the framework's missing-parameter error: 422 with the
    ParameterError body (§4), as for the Staff API's ``type``. The answer has no content:
    200 with an empty body (the route returns nil; REST OpenAPI lists 200).
    """
    authorize(request, Surface.ENGINE)
    channel = request.query.get("channel")
    if channel is None:
        raise missing_parameter("channel", "String")
    tenant_of(request).signals.append((channel, await request.read()))
    return web.Response(status=200)
