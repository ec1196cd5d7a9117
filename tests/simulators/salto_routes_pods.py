"""Pods, members and guests (catalog §4.6; rules in ``salto_pods``).

Documented: ``POST /v1.1/sites/{site}/pods``, ``PATCH …/pods/{pod}/members``,
``PATCH …/pods/{pod}/guests``. INFERRED: ``GET …/pods`` (envelope with OData),
``GET/PATCH/DELETE …/pods/{pod}``. Create, update and both PATCHes answer 200 with the pod
as ``GET …/pods/{pod}`` renders it; DELETE answers 204. Only v1.1 exists (v1.2 → 404).
"""

from __future__ import annotations

from aiohttp import web

from . import salto_pods as pods, salto_render as render
from .salto_constants import PODS_VERSION
from .salto_http import RouteTable, caller, json_response, path_id, read_json, services_of
from .salto_model import Pod
from .salto_odata import list_page


def _pod(request: web.Request) -> Pod:
    return services_of(request).site.pod(path_id(request, "pod_id"))


async def pod_list(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    items = [render.pod(site, pod) for pod in site.pods.values()]
    return json_response(list_page(request, items, render.POD_FIELDS))


async def pod_create(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    return json_response(render.pod(site, pods.create_pod(site, await read_json(request))))


async def pod_detail(request: web.Request) -> web.StreamResponse:
    caller(request)
    return json_response(render.pod(services_of(request).site, _pod(request)))


async def pod_update(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    pod = pods.update_pod(site, _pod(request), await read_json(request))
    return json_response(render.pod(site, pod))


async def pod_delete(request: web.Request) -> web.StreamResponse:
    caller(request)
    pods.delete_pod(services_of(request).site, _pod(request))
    return web.Response(status=204)


async def pod_members(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    pod = pods.patch_members(site, _pod(request), await read_json(request))
    return json_response(render.pod(site, pod))


async def pod_guests(request: web.Request) -> web.StreamResponse:
    caller(request)
    site = services_of(request).site
    pod = pods.patch_guests(site, _pod(request), await read_json(request))
    return json_response(render.pod(site, pod))


BASE = f"/{PODS_VERSION}/sites/{{site_id}}/pods"
ROUTES: RouteTable = [
    ("GET", BASE, pod_list),
    ("POST", BASE, pod_create),
    ("GET", BASE + "/{pod_id}", pod_detail),
    ("PATCH", BASE + "/{pod_id}", pod_update),
    ("DELETE", BASE + "/{pod_id}", pod_delete),
    ("PATCH", BASE + "/{pod_id}/members", pod_members),
    ("PATCH", BASE + "/{pod_id}/guests", pod_guests),
]
