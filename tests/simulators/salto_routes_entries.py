"""Entries (catalog §4.7): ``GET /v1.1/sites/{site}/entries``; the v1.2 path answers 405.

Paging and OData are in ``salto_entry_query``; the continuation token comes back in the
``CLP-Continuation-Token`` request header.
"""

from __future__ import annotations

from aiohttp import web

from . import salto_render as render
from .salto_constants import API_VERSIONS, CONTINUATION_HEADER, ENTRIES_VERSION
from .salto_http import RouteTable, caller, json_response, services_of
from .salto_model import Entry, JsonDict


async def entries(request: web.Request) -> web.StreamResponse:
    caller(request)
    services = services_of(request)
    site = services.site

    def rendered(entry: Entry) -> JsonDict:
        return render.entry(entry, site)

    token = request.headers.get(CONTINUATION_HEADER)
    return json_response(services.entries.page(request.query, token, rendered))


async def entries_not_here(request: web.Request) -> web.StreamResponse:
    message = f"The requested resource does not support http method '{request.method}'."
    return json_response({"Message": message}, status=405)


def _routes() -> RouteTable:
    table: RouteTable = [("GET", f"/{ENTRIES_VERSION}/sites/{{site_id}}/entries", entries)]
    for version in API_VERSIONS:
        if version != ENTRIES_VERSION:
            table.append(("GET", f"/{version}/sites/{{site_id}}/entries", entries_not_here))
    return table


ROUTES: RouteTable = _routes()
