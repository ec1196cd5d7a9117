"""HTTP plumbing of the SALTO KS simulator: app factory, auth guard, bodies, answers (catalog §3).

One aiohttp application serves the identity server (``/connect/…``), the Connect API
(``/v1.1/…``, ``/v1.2/…``, ``/v2/…``) and the SignalR hub (``/v1/hub/…``).

* Unknown paths → 404 with an empty body; a known path with another method → 405
  ``{"Message": "The requested resource does not support http method 'X'."}`` (ASP.NET Web
  API) — both decided by routing, before auth.
* Connect routes need ``Authorization: Bearer <token>``: missing/unknown/expired/revoked →
  401 ``{"ErrorCode":"1500","Message":"Unauthorized"}`` plus ``WWW-Authenticate``.
* A ``{site_id}`` (or other id) that is not a UUID → 400 ``1100`` (measured for the site
  UID); a UUID that is not this site → 404 ``2202`` "Site not found" (a choice).
* Model errors render as ``{"ErrorCode": "<code>", "Message": …}``; anything unexpected is
  500 ``2201``. Before each Connect handler the site applies the clock (re-locks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import json
import logging
import re
from typing import Any

from aiohttp import web

from .faults import FaultInjector, Handler
from .salto_entry_query import EntryQuery
from .salto_errors import OAuthError, SaltoError, internal_error, not_found, request_invalid
from .salto_format import dumps
from .salto_identity import AccessToken, IdentityServer
from .salto_model import SiteUser
from .salto_otp import OtpGuard
from .salto_site import SaltoSite
from .salto_stream import EntryStream

_LOGGER = logging.getLogger(__name__)

RouteHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RouteTable = list[tuple[str, str, RouteHandler]]
UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
JSON_TYPE = "application/json"


@dataclass
class Services:
    """Everything a route may need."""

    site: SaltoSite
    identity: IdentityServer
    entries: EntryQuery
    stream: EntryStream
    guards: dict[str, OtpGuard] = field(default_factory=dict)  # platform user id → guard


SERVICES_KEY = web.AppKey("salto_services", Services)


def build_app(services: Services, faults: FaultInjector) -> web.Application:
    from . import (  # noqa: PLC0415 - the route modules import this one
        salto_hub,
        salto_routes_entries,
        salto_routes_identity,
        salto_routes_locks,
        salto_routes_pods,
        salto_routes_sites,
    )

    app = web.Application(middlewares=[faults.middleware, _error_middleware])
    app[SERVICES_KEY] = services
    tables = (
        salto_routes_identity.ROUTES,
        salto_routes_sites.ROUTES,
        salto_routes_locks.ROUTES,
        salto_routes_entries.ROUTES,
        salto_routes_pods.ROUTES,
        salto_hub.ROUTES,
    )
    for table in tables:
        for method, path, handler in table:
            app.router.add_route(method, path, handler)
    return app


@web.middleware
async def _error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except SaltoError as error:
        return error_response(error)
    except OAuthError as error:
        return json_response(error.body, status=error.status, cache=False)
    except web.HTTPMethodNotAllowed as error:
        message = f"The requested resource does not support http method '{request.method}'."
        return json_response(
            {"Message": message}, status=405, headers={"Allow": ", ".join(error.allowed_methods)}
        )
    except web.HTTPNotFound:
        if request.match_info.http_exception is None:  # a handler's own 404 keeps its text
            raise
        return web.Response(status=404)
    except web.HTTPException:
        raise
    except Exception:
        _LOGGER.exception("simulator failure on %s %s", request.method, request.path_qs)
        return error_response(internal_error())


def error_response(error: SaltoError) -> web.Response:
    return json_response(error.body, status=error.status, headers=error.headers)


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None, cache: bool = True
) -> web.Response:
    sent = dict(headers or {})
    if not cache:
        sent.update({"Cache-Control": "no-store, no-cache, max-age=0", "Pragma": "no-cache"})
    return web.Response(
        body=dumps(data), status=status, headers=sent, content_type=JSON_TYPE, charset="utf-8"
    )


def services_of(request: web.Request) -> Services:
    return request.app[SERVICES_KEY]


def identity_of(request: web.Request) -> IdentityServer:
    return services_of(request).identity


def site_user_for(services: Services, token: AccessToken) -> SiteUser | None:
    account = services.identity.accounts.get(token.username.lower())
    if account is None:
        return None
    return services.site.site_user_of(account.platform_user_id)


# -- guards and request parts -------------------------------------------------------------


def authenticate(request: web.Request) -> AccessToken:
    """The caller's valid token (401 otherwise); applies the clock to the site."""
    identity = identity_of(request)
    token = identity.authenticate_header(request.headers.get("Authorization"))
    identity.require_api_scope(token)
    services_of(request).site.settle()
    return token


def caller(request: web.Request) -> SiteUser:
    """Authenticate and check the path's site; returns the caller's site user."""
    token = authenticate(request)
    services = services_of(request)
    check_site(request)
    member = site_user_for(services, token)
    if member is None:
        raise SaltoError(403, "2203", "User does not have permission for this operation")
    return member


def check_site(request: web.Request) -> None:
    site_id = path_id(request, "site_id")
    if site_id != services_of(request).site.site.id:
        raise not_found("Site")


def path_id(request: web.Request, name: str) -> str:
    value = request.match_info[name]
    if not UUID_PATTERN.match(value):
        raise request_invalid()
    return value.lower()


async def read_json(request: web.Request) -> Any:
    raw = await request.read()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise request_invalid() from None


def version_paths(template: str, versions: tuple[str, ...]) -> list[str]:
    """``/{v}/sites…`` for each version."""
    return [template.replace("{v}", version) for version in versions]
