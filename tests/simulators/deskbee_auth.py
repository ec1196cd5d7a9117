"""ClientApi credentials, OAuth2 client_credentials tokens and the rate limit (catalog §2, §4).

* ``POST /oauth/token`` with a ``client_id``/``client_secret`` pair: unknown pair or revoked
  client → 401 ``oauth_server``; ``grant_type`` other than ``client_credentials`` → 401
  ``oauth_unauthorized``; a requested scope the client was not granted (or unknown) → 400
  ``oauth_escope``. No ``scope`` = every granted scope. The answer has no ``data`` envelope
  and ``expires_in`` is the string ``"3600"`` by default (S1).
* Bearer tokens are JWT-looking opaque strings; missing, unknown, expired (simulated clock)
  or revoked → 401 ``unauthenticated``. A token lacking a route's known scope is 401
  ``unauthenticated`` too, but only while ``enforce_scopes`` is on.
* Rate limit (off by default): at most N calls per token per fixed window of simulated
  seconds → 429 ``request_limit``, without ``Retry-After`` unless asked for (none is
  documented).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
import json
import math

from .clock import SimClock
from .deskbee_errors import (
    oauth_escope,
    oauth_server,
    oauth_unauthorized,
    request_limit,
    unauthenticated,
)
from .deskbee_model import JsonDict, UuidFactory

KNOWN_SCOPES: tuple[str, ...] = (
    "organization.show",
    "organization.upsert",
    "organization.remove",
    "booking.show",
    "building.show",
    "integration.checkin",
)


@dataclass
class ClientApi:
    client_id: str
    client_secret: str
    scopes: frozenset[str]
    revoked: bool = False


@dataclass
class Token:
    value: str
    client_id: str
    scopes: frozenset[str]
    expires_at: float
    valid: bool = True


@dataclass
class RateLimit:
    max_requests: int
    per_seconds: float
    retry_after: bool = False
    windows: dict[str, tuple[float, int]] = field(default_factory=dict)


def _b64(data: JsonDict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Credentials:
    """The account's ClientApis and every token issued to them."""

    def __init__(self, clock: SimClock, ids: UuidFactory, account_code: str) -> None:
        self.clock = clock
        self.ids = ids
        self.account_code = account_code
        self.clients: dict[str, ClientApi] = {}
        self.tokens: dict[str, Token] = {}
        self.token_lifetime = 3600
        self.expires_in_as_string = True
        self.enforce_scopes = False
        self.tokens_issued = 0
        self.rate_limit: RateLimit | None = None

    def add_client(self, scopes: tuple[str, ...] | list[str] = KNOWN_SCOPES) -> ClientApi:
        client = ClientApi(self.ids.token(32).lower(), self.ids.token(40), frozenset(scopes))
        self.clients[client.client_id] = client
        return client

    def revoke(self, client_id: str) -> None:
        client = self.clients[client_id]
        client.revoked = True
        for token in self.tokens.values():
            if token.client_id == client_id:
                token.valid = False

    def expire_all(self) -> None:
        for token in self.tokens.values():
            token.valid = False

    # -- issuing ------------------------------------------------------------------------------

    def issue(self, fields: dict[str, str]) -> JsonDict:
        client = self.clients.get(fields.get("client_id", ""))
        if client is None or client.revoked or client.client_secret != fields.get("client_secret"):
            raise oauth_server()
        if fields.get("grant_type") != "client_credentials":
            raise oauth_unauthorized(
                "The authorization grant type is not supported by the authorization server."
            )
        requested = frozenset(fields.get("scope", "").replace(",", " ").split())
        if not requested <= client.scopes:
            unknown = ", ".join(sorted(requested - client.scopes))
            raise oauth_escope(f"The requested scope is invalid, unknown, or malformed: {unknown}")
        scopes = requested or client.scopes
        now = self.clock.now()
        claims = {
            "aud": client.client_id,
            "jti": self.ids.token(40).lower(),
            "iat": int(now),
            "exp": int(now) + self.token_lifetime,
            "sub": "",
            "scopes": sorted(scopes),
            "account": self.account_code,
        }
        value = ".".join((_b64({"typ": "JWT", "alg": "RS256"}), _b64(claims), self.ids.token(86)))
        self.tokens[value] = Token(value, client.client_id, scopes, now + self.token_lifetime)
        self.tokens_issued += 1
        expires: str | int = (
            str(self.token_lifetime) if self.expires_in_as_string else self.token_lifetime
        )
        return {"access_token": value, "token_type": "Bearer", "expires_in": expires}

    # -- checking -----------------------------------------------------------------------------

    def authenticate(self, authorization: str | None, scope: str | None) -> Token:
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise unauthenticated()
        token = self.tokens.get(value.strip())
        if token is None or not token.valid or self.clock.now() >= token.expires_at:
            raise unauthenticated()
        if self.enforce_scopes and scope is not None and scope not in token.scopes:
            raise unauthenticated()
        self._count(token)
        return token

    def _count(self, token: Token) -> None:
        limit = self.rate_limit
        if limit is None:
            return
        now = self.clock.now()
        started, used = limit.windows.get(token.value, (now, 0))
        if now - started >= limit.per_seconds:
            started, used = now, 0
        if used >= limit.max_requests:
            wait = max(1, math.ceil(started + limit.per_seconds - now))
            raise request_limit(wait if limit.retry_after else None)
        limit.windows[token.value] = (started, used + 1)
