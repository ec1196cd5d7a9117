"""Locks and remote opening (catalog §4.2, §5).

* ``GET /{v}/sites/{site}/locks`` — envelope with OData ``$top``/``$skip``/``$filter``/
  ``$orderby`` (``salto_odata``); ``GET …/locks/{lock}`` — one lock.
* ``PATCH /{v}/sites/{site}/locks/{lock}/locking`` with ``{"locked_state": "unlocked", "otp":
  "…"}`` — rules in ``salto_doors.remote_locking``; success is 200 with an empty body (the
  docs only say 200).
"""

from __future__ import annotations

from aiohttp import web

from . import salto_render as render
from .salto_constants import API_VERSIONS
from .salto_doors import remote_locking
from .salto_http import (
    RouteTable,
    Services,
    caller,
    json_response,
    path_id,
    read_json,
    services_of,
    version_paths,
)
from .salto_model import SiteUser
from .salto_odata import list_page
from .salto_otp import OtpGuard


def guard_for(services: Services, member: SiteUser) -> OtpGuard:
    """The member's OTP guard (a fresh secret if they never had one)."""
    guard = services.guards.get(member.user.id)
    if guard is None:
        ids = services.site.ids
        guard = services.guards[member.user.id] = OtpGuard(ids.hex(32), ids.digits(4))
    return guard


async def locks(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    now = site.now()
    items = [render.lock(lock, site.iq_of(lock), now) for lock in site.locks.values()]
    return json_response(list_page(request, items, render.LOCK_FIELDS))


async def lock_detail(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    lock = site.lock(path_id(request, "lock_id"))
    return json_response(render.lock(lock, site.iq_of(lock), site.now()))


async def locking(request: web.Request) -> web.StreamResponse:
    member = caller(request)
    services = services_of(request)
    lock_id = path_id(request, "lock_id")
    body = await read_json(request)
    remote_locking(services.site, member, guard_for(services, member), lock_id, body)
    return web.Response(status=200)


def _routes() -> RouteTable:
    table: RouteTable = []
    for path in version_paths("/{v}/sites/{site_id}/locks", API_VERSIONS):
        table.append(("GET", path, locks))
        table.append(("GET", path + "/{lock_id}", lock_detail))
        table.append(("PATCH", path + "/{lock_id}/locking", locking))
    return table


ROUTES: RouteTable = _routes()
