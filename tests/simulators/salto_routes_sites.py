"""Sites, "me", users, roles and IQs (catalog §4.1, §4.3, §4.4).

* ``GET /v1.2/sites`` → **bare array** of sites (measured); ``GET /v1.1/sites`` → the
  ``{items, next_page_link, count}`` envelope (3P code). Only sites the caller belongs to.
* ``GET /{v}/sites/{site}`` and ``…/subscription`` (``user_amount, type, features[]``).
* ``GET /{v}/me`` (platform profile), ``/{v}/sites/{site}/me`` (site user + ownership and
  pods), ``/{v}/me/{site}/activated_iqs``.
* ``GET /{v}/sites/{site}/users`` (envelope; a bare array while ``users_bare_array`` is set,
  as once measured), ``…/users/{site_user_id}``, ``…/users/{id}/activated_iqs``,
  ``…/roles``, ``…/iqs``, ``…/iqs/{iq}``.
* ``GET /v2/sites/{site}/{me/permissions,me/roles,permissions,roles}`` → 403 RFC 7807 with
  a ``user_api.full_access`` token (measured).
"""

from __future__ import annotations

from aiohttp import web

from . import salto_render as render
from .salto_constants import API_VERSIONS, ROLE_IDS
from .salto_http import (
    RouteTable,
    authenticate,
    caller,
    json_response,
    path_id,
    services_of,
    site_user_for,
    version_paths,
)
from .salto_odata import list_page


async def sites_bare(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    member = site_user_for(services, authenticate(request))
    return json_response([render.site(services.site)] if member is not None else [])


async def sites_envelope(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    member = site_user_for(services, authenticate(request))
    items = [render.site(services.site)] if member is not None else []
    return json_response(list_page(request, items, render.SITE_FIELDS))


async def site_detail(request: web.Request) -> web.StreamResponse:
    caller(request)
    return json_response(render.site(services_of(request).site))


async def subscription(request: web.Request) -> web.StreamResponse:
    caller(request)
    return json_response(render.subscription(services_of(request).site))


async def me(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    token = authenticate(request)
    account = services.identity.account(token.username)
    return json_response(render.me(services.site.platform_users[account.platform_user_id]))


async def site_me(request: web.Request) -> web.StreamResponse:
    member = caller(request)
    return json_response(render.site_me(services_of(request).site, member))


async def my_activated_iqs(request: web.Request) -> web.StreamResponse:
    member = caller(request)
    items = [render.activated_iq_of_me(i, at) for i, at in member.activated_iqs.items()]
    return json_response({"items": items, "next_page_link": None, "count": None})


async def users(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    items = [render.site_user(u) for u in site.site_users.values()]
    page = list_page(request, items, render.SITE_USER_FIELDS)
    return json_response(page["items"] if site.users_bare_array else page)


async def user(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    return json_response(render.site_user(site.site_user(path_id(request, "user_id"))))


async def user_activated_iqs(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    member = site.site_user(path_id(request, "user_id"))
    items = [render.activated_iq_of_user(site.iqs[i]) for i in member.activated_iqs]
    return json_response({"items": items, "next_page_link": None, "count": None})


async def roles(request: web.Request) -> web.StreamResponse:
    caller(request)
    items = [render.role(code) for code in ROLE_IDS]
    return json_response(list_page(request, items, render.ROLE_FIELDS))


async def iqs(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    items = [render.iq(i, site.site.time_zone) for i in site.iqs.values()]
    return json_response(list_page(request, items, render.IQ_FIELDS))


async def iq_detail(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    return json_response(render.iq(site.iq(path_id(request, "iq_id")), site.site.time_zone))


async def v2_forbidden(request: web.Request) -> web.StreamResponse:
    authenticate(request)
    trace = services_of(request).site.ids.hex(32).lower()
    problem = {
        "type": "https://httpstatuses.io/403",
        "title": "Forbidden",
        "status": 403,
        "traceId": f"00-{trace}-{trace[:16]}-00",
    }
    return web.json_response(problem, status=403, content_type="application/problem+json")


def _routes() -> RouteTable:
    table: RouteTable = [
        ("GET", "/v1.2/sites", sites_bare),
        ("GET", "/v1.1/sites", sites_envelope),
    ]
    versioned = (
        ("/{v}/sites/{site_id}", site_detail),
        ("/{v}/sites/{site_id}/subscription", subscription),
        ("/{v}/me", me),
        ("/{v}/sites/{site_id}/me", site_me),
        ("/{v}/me/{site_id}/activated_iqs", my_activated_iqs),
        ("/{v}/sites/{site_id}/users", users),
        ("/{v}/sites/{site_id}/users/{user_id}", user),
        ("/{v}/sites/{site_id}/users/{user_id}/activated_iqs", user_activated_iqs),
        ("/{v}/sites/{site_id}/roles", roles),
        ("/{v}/sites/{site_id}/iqs", iqs),
        ("/{v}/sites/{site_id}/iqs/{iq_id}", iq_detail),
    )
    for template, handler in versioned:
        table.extend(("GET", path, handler) for path in version_paths(template, API_VERSIONS))
    for tail in ("me/permissions", "me/roles", "permissions", "roles"):
        table.append(("GET", f"/v2/sites/{{site_id}}/{tail}", v2_forbidden))
    return table


ROUTES: RouteTable = _routes()
