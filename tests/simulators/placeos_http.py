"""HTTP plumbing shared by the PlaceOS routes: app factory, auth, parameters, responses.

Two surfaces share one origin (§1) and differ in how they word auth failures:
* Staff API (``/api/staff/v1``) forwards the key to the REST API and answers any failure
  with 401 ``unknown X-API-Key`` — expiry included — then compares the token's domain with
  the request host: 401 ``domain does not match token's`` (§1, §2.1).
* REST API (``/api/engine/v2``) checks the key itself: 401 ``unknown X-API-Key`` or
  ``API key has expired``; a host without an authority is 401 ``authority not found``.
Both answer a missing ``public`` scope with 403 and an empty body, and a request with no
credentials at all with 401 ``{"error": ""}`` (an ``Unauthorized`` raised without message).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any
from urllib.parse import urlencode
import uuid

from aiohttp import web
import orjson

from .faults import FaultInjector, Handler
from .placeos_directory import Caller, KeyProblem
from .placeos_errors import (
    PlaceOSError,
    bad_request,
    forbidden,
    invalid_parameter,
    missing_parameter,
    not_found,
    unauthorized,
)
from .placeos_tenant import PlaceOSTenant

TENANT_KEY = web.AppKey("placeos_tenant", PlaceOSTenant)

TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")


class Surface(Enum):
    STAFF = "staff"
    ENGINE = "engine"


# -- application -----------------------------------------------------------------------------


def build_app(tenant: PlaceOSTenant, faults: FaultInjector) -> web.Application:
    """The simulator's aiohttp application (routes are added by the route modules)."""
    from . import (  # noqa: PLC0415 - the route modules import this one
        placeos_routes_engine,
        placeos_routes_events,
        placeos_routes_guests,
        placeos_routes_people,
        placeos_routes_staff,
    )

    app = web.Application(
        middlewares=[faults.middleware, _request_id_middleware, _error_middleware]
    )
    app[TENANT_KEY] = tenant
    placeos_routes_engine.register(app)
    placeos_routes_staff.register(app)
    placeos_routes_events.register(app)
    placeos_routes_guests.register(app)
    placeos_routes_people.register(app)
    return app


@web.middleware
async def _request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every response carries ``X-Request-ID`` (§4), aiohttp's own 404/405 included."""
    request_id = str(uuid.uuid4())
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers["X-Request-ID"] = request_id
        raise
    response.headers["X-Request-ID"] = request_id
    return response


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except PlaceOSError as error:
        return error_response(error)


def error_response(error: PlaceOSError) -> web.Response:
    if error.body is None:
        return web.Response(status=error.status)
    return json_response(error.body, status=error.status)


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, headers=headers, content_type="application/json"
    )


def tenant_of(request: web.Request) -> PlaceOSTenant:
    return request.app[TENANT_KEY]


# -- authentication --------------------------------------------------------------------------


def presented_key(request: web.Request) -> str | None:
    """``X-API-Key`` header, ``api-key`` query parameter or ``api-key`` cookie (§2.1)."""
    return (
        request.headers.get("X-API-Key")
        or request.query.get("api-key")
        or request.cookies.get("api-key")
    )


def has_credentials(request: web.Request) -> bool:
    return bool(
        presented_key(request)
        or request.headers.get("Authorization")
        or request.query.get("bearer_token")
    )


def request_hostname(request: web.Request) -> str:
    """Host header without the port."""
    return request.url.host or ""


def authorize(request: web.Request, surface: Surface, *, check_scope: bool = True) -> Caller:
    """The caller behind the request's key, or the surface's auth error.

    A few Staff API routes skip the scope check (``skip_action :check_jwt_scope``): guest
    show/update, event show and event metadata patch.
    """
    tenant = tenant_of(request)
    token = presented_key(request)
    if not token:
        raise unauthorized("")
    outcome = tenant.directory.authenticate(token)
    if isinstance(outcome, KeyProblem):
        if surface is Surface.ENGINE and outcome is KeyProblem.EXPIRED:
            raise unauthorized("API key has expired")
        raise unauthorized("unknown X-API-Key")
    if request_hostname(request) != tenant.domain:
        if surface is Surface.ENGINE:
            raise unauthorized("authority not found")
        raise unauthorized("domain does not match token's")
    if check_scope and not outcome.can(write=request.method not in ("GET", "HEAD")):
        raise forbidden()
    return outcome


def authorize_or_anonymous(request: web.Request) -> Caller | None:
    """Staff routes that also answer without credentials (public bookings only, §3.7)."""
    if has_credentials(request):
        return authorize(request, Surface.STAFF)
    hostname = request_hostname(request)
    if hostname != tenant_of(request).domain:
        raise not_found(f"could not find tenant with domain: {hostname}")
    return None


# -- parameters ------------------------------------------------------------------------------


def query_int(request: web.Request, name: str, default: int, *, restriction: str = "Int64") -> int:
    value = optional_query_int(request, name, restriction=restriction)
    return default if value is None else value


def optional_query_int(
    request: web.Request, name: str, *, restriction: str = "Int64"
) -> int | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw.strip())
    except ValueError:
        raise invalid_parameter(name, restriction, raw) from None


def query_bool(request: web.Request, name: str) -> bool | None:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return None
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise invalid_parameter(name, "Bool", raw)


def query_flag(request: web.Request, name: str) -> bool:
    return query_bool(request, name) is True


def query_list(request: web.Request, name: str) -> list[str]:
    """Comma-separated list parameter, blanks dropped, order kept, duplicates removed."""
    items = [item.strip() for item in request.query.get(name, "").split(",")]
    return list(dict.fromkeys(item for item in items if item))


def path_int(request: web.Request, name: str = "id") -> int:
    raw = request.match_info[name]
    try:
        return int(raw)
    except ValueError:
        raise invalid_parameter(name, "Int64", raw) from None


def required_query(request: web.Request, name: str, restriction: str = "String") -> str:
    value = request.query.get(name)
    if value is None:
        raise missing_parameter(name, restriction)
    return value


async def json_body(request: web.Request) -> Any:
    """Parse the body as JSON whatever the Content-Type (the driver sends none, §2.1)."""
    raw = await request.read()
    try:
        return orjson.loads(raw or b"null")
    except orjson.JSONDecodeError as error:
        raise bad_request(f"invalid JSON body: {error}") from None


def next_page_link(path: str, query: Iterable[tuple[str, str]], *, offset: int, limit: int) -> str:
    """``<path?original params with offset/limit replaced or appended>; rel="next"``.

    Like the servers' ``params[name] = value``: a parameter already present keeps its
    position (repeats collapse into it), a missing one is appended.
    """
    params = list(query)
    for name, value in (("offset", str(offset)), ("limit", str(limit))):
        positions = [index for index, (key, _) in enumerate(params) if key == name]
        if positions:
            params[positions[0]] = (name, value)
            params = [pair for index, pair in enumerate(params) if index not in positions[1:]]
        else:
            params.append((name, value))
    return f'<{path}?{urlencode(params)}>; rel="next"'
