"""HTTP plumbing of the Deskbee simulator: app factory, auth guard, bodies, answers.

Routes come from the one table in ``deskbee_paths``. Every route except the token call
needs ``Authorization: Bearer <token>`` (→ 401 ``unauthenticated``); unknown paths and
methods answer 404 ``not_found`` with the §4 body (checked before auth, as a router does);
an unexpected exception is 500 ``internal_error``. Before each handler runs the account
applies the clock's transitions, so states read over HTTP are always current.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import logging
from typing import Any

from aiohttp import web

from .deskbee_account import DeskbeeAccount
from .deskbee_auth import Credentials
from .deskbee_errors import DeskbeeError, internal_error, not_found, unexpected_value
from .deskbee_format import php_json
from .deskbee_paging import Page
from .deskbee_paths import API_PREFIX, ROUTES, RouteSpec
from .faults import FaultInjector, Handler

_LOGGER = logging.getLogger(__name__)

ACCOUNT_KEY = web.AppKey("deskbee_account", DeskbeeAccount)
CREDENTIALS_KEY = web.AppKey("deskbee_credentials", Credentials)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def build_app(
    account: DeskbeeAccount, credentials: Credentials, faults: FaultInjector
) -> web.Application:
    from . import (  # noqa: PLC0415 - the route modules import this one
        deskbee_routes_auth,
        deskbee_routes_bookings,
        deskbee_routes_guestpass,
        deskbee_routes_integrations,
        deskbee_routes_structure,
    )

    handlers: dict[str, RouteHandler] = {
        **deskbee_routes_auth.HANDLERS,
        **deskbee_routes_structure.HANDLERS,
        **deskbee_routes_bookings.HANDLERS,
        **deskbee_routes_guestpass.HANDLERS,
        **deskbee_routes_integrations.HANDLERS,
    }
    app = web.Application(middlewares=[faults.middleware, _error_middleware])
    app[ACCOUNT_KEY] = account
    app[CREDENTIALS_KEY] = credentials
    for spec in ROUTES:
        app.router.add_route(
            spec.method, API_PREFIX + spec.path, _guard(spec, handlers[spec.handler])
        )
    return app


def _guard(spec: RouteSpec, handler: RouteHandler) -> RouteHandler:
    async def guarded(request: web.Request) -> web.StreamResponse:
        if not spec.public:
            credentials_of(request).authenticate(request.headers.get("Authorization"), spec.scope)
        account_of(request).settle()
        return await handler(request)

    return guarded


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except DeskbeeError as error:
        return error_response(error)
    except web.HTTPNotFound, web.HTTPMethodNotAllowed:
        return error_response(not_found())
    except web.HTTPException:
        raise
    except Exception:
        _LOGGER.exception("simulator failure on %s %s", request.method, request.path_qs)
        return error_response(internal_error())


def error_response(error: DeskbeeError) -> web.Response:
    return json_response(error.body, status=error.status, headers=error.headers)


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=php_json(data), status=status, headers=headers, content_type="application/json"
    )


def data_response(data: Any, *, status: int = 200) -> web.Response:
    """``{"data": …}`` (§3.1)."""
    return json_response({"data": data}, status=status)


def page_response(page: Page[Any], rendered: list[Any]) -> web.Response:
    return json_response({"data": rendered, "links": page.links, "meta": page.meta})


def account_of(request: web.Request) -> DeskbeeAccount:
    return request.app[ACCOUNT_KEY]


def credentials_of(request: web.Request) -> Credentials:
    return request.app[CREDENTIALS_KEY]


# -- request parts ---------------------------------------------------------------------------


async def read_body(request: web.Request) -> Any:
    """JSON body (any content type) or form fields; empty body → ``{}``."""
    if request.content_type in FORM_TYPES:
        form = await request.post()
        return {key: value for key, value in form.items() if isinstance(value, str)}
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise unexpected_value("The request body is not valid JSON.") from None


async def read_object(request: web.Request) -> dict[str, Any]:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise unexpected_value("The request body must be a JSON object.")
    return body


def includes(request: web.Request) -> frozenset[str]:
    """``include=a;b`` (commas tolerated) → names."""
    raw = request.query.get("include", "")
    return frozenset(
        part.strip().lower() for part in raw.replace(",", ";").split(";") if part.strip()
    )


def path_uuid(request: web.Request) -> str:
    return request.match_info["uuid"].strip().lower()


def acting_user_uuid(request: web.Request) -> str | None:
    """``User-Scope`` header (legacy ``user_scope`` spelling accepted, §1)."""
    value = request.headers.get("User-Scope") or request.headers.get("user_scope")
    return value.strip().lower() if value and value.strip() else None
