"""``POST /oauth/token`` (catalog §2): JSON or form body, query string tolerated."""

from __future__ import annotations

from aiohttp import web

from .deskbee_http import RouteHandler, credentials_of, json_response, read_body


async def issue_token(request: web.Request) -> web.Response:
    body = await read_body(request)
    fields = {key: str(value) for key, value in request.query.items()}
    if isinstance(body, dict):
        fields.update({str(k): "" if v is None else str(v) for k, v in body.items()})
    return json_response(credentials_of(request).issue(fields))


HANDLERS: dict[str, RouteHandler] = {"issue_token": issue_token}
