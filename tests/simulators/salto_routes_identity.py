"""Identity routes (catalog §2) and the simulator-only "app" that shows a user's OTP.

* ``POST /connect/token`` — form body only (anything else → 400 ``invalid_request``), see
  ``salto_identity`` for the grants.
* ``GET /connect/authorize`` — 302 to ``redirect_uri`` with ``code`` (or ``error``) and
  ``state``; an unknown client or unregistered redirect URI → 400 JSON error (the real
  server shows an error page).
* ``GET /.well-known/openid-configuration`` — discovery document.
* ``GET /app/otp[?username=…]`` — NOT a SALTO path: plain-text code the SALTO KS app would
  show the user right now (default: the simulator's main user), so a demo user can "read
  the app". Unknown user → 404.
"""

from __future__ import annotations

from aiohttp import web

from .salto_constants import APP_OTP_PATH, AUTHORIZE_PATH, DISCOVERY_PATH, TOKEN_PATH
from .salto_errors import invalid_request
from .salto_http import RouteTable, identity_of, json_response, services_of

FORM_TYPE = "application/x-www-form-urlencoded"


async def token(request: web.Request) -> web.StreamResponse:
    if request.content_type != FORM_TYPE:
        raise invalid_request("Invalid HTTP request for token endpoint")
    form = await request.post()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    answer = identity_of(request).token(fields, request.headers.get("Authorization"))
    return json_response(answer, cache=False)


async def authorize(request: web.Request) -> web.StreamResponse:
    location = identity_of(request).authorize(dict(request.query))
    raise web.HTTPFound(location)


async def discovery(request: web.Request) -> web.StreamResponse:
    return json_response(identity_of(request).discovery())


async def app_otp(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    identity = services.identity
    username = request.query.get("username") or identity.login_user or ""
    account = identity.accounts.get(username.lower())
    guard = services.guards.get(account.platform_user_id) if account else None
    if guard is None:
        raise web.HTTPNotFound(text="unknown user")
    return web.Response(text=guard.current(services.site.now()), content_type="text/plain")


ROUTES: RouteTable = [
    ("POST", TOKEN_PATH, token),
    ("GET", AUTHORIZE_PATH, authorize),
    ("GET", DISCOVERY_PATH, discovery),
    ("GET", APP_OTP_PATH, app_otp),
]
