"""``POST /integrations/checkin`` (catalog §6.11): a JSON array of events or one object.

200 ``{"data": {"success": [...], "fails": [...]}}``; 204 (no body) when no event matched
anything and nothing failed. A body that is neither an object nor an array is 400.
"""

from __future__ import annotations

from aiohttp import web

from .deskbee_automation import run_events
from .deskbee_errors import unexpected_value
from .deskbee_http import RouteHandler, account_of, data_response, read_body


async def automation_checkin(request: web.Request) -> web.StreamResponse:
    body = await read_body(request)
    if isinstance(body, dict):
        events = [body]
    elif isinstance(body, list):
        events = body
    else:
        raise unexpected_value("The body must be an event object or an array of events.")
    result = run_events(account_of(request), events)
    if result.empty:
        return web.Response(status=204)
    return data_response({"success": result.success, "fails": result.fails})


HANDLERS: dict[str, RouteHandler] = {"automation_checkin": automation_checkin}
