"""The OpenID Connect identity server in front of the Connect API (catalog §2).

``POST /connect/token`` (form body) authenticates the client by HTTP Basic
(``client_id:client_secret``) or by ``client_id``/``client_secret`` form fields, then runs one
grant:

* ``password`` — ``username``, ``password``, ``scope``. Wrong or revoked user →
  ``invalid_grant``. ``offline_access`` in the scope adds a ``refresh_token``.
* ``refresh_token`` — rotates by default (IdentityServer ``OneTimeOnly``): the answer carries a
  new refresh token and the old one is spent (``invalid_grant`` if used again). Set
  ``refresh_token_reuse`` to keep it. Absolute lifetime 30 days.
* ``authorization_code`` — code from ``GET /connect/authorize`` (auto-consented for
  ``login_user``), ``redirect_uri`` must match, PKCE ``code_verifier`` checked (S256 or plain)
  and required while ``require_pkce`` is on. Codes are single use, valid 5 minutes.

A missing ``scope`` means every scope the client may request (IdentityServer behaviour);
an unknown one is ``invalid_scope``. Every token error is HTTP 400, ``invalid_client``
included, as IdentityServer answers.

Access tokens are JWT-shaped (``typ at+jwt``, ``aud user_api``, ``scope`` array, ``amr``,
``idp local``, the extra ``tenant_id``/``product_id``/``identity_id``/``skip_email`` claims)
but are checked by lookup: unknown, expired (SimClock), expired by ``expire_all`` or belonging
to a revoked user → 401.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
import hashlib
import json
from urllib.parse import urlencode

from .clock import SimClock
from .salto_constants import (
    AUDIENCE,
    AUTH_CODE_LIFETIME,
    DEFAULT_TOKEN_LIFETIME,
    KNOWN_SCOPES,
    REFRESH_TOKEN_LIFETIME,
    SCOPE_API,
    SCOPE_OFFLINE,
)
from .salto_errors import (
    OAuthError,
    SaltoError,
    invalid_client,
    invalid_grant,
    invalid_request,
    invalid_scope,
    unauthorized,
    unauthorized_client,
    unsupported_grant,
)
from .salto_model import IdFactory, JsonDict


@dataclass
class Client:
    client_id: str
    client_secret: str
    scopes: tuple[str, ...] = KNOWN_SCOPES
    password_grant: bool = True
    redirect_uris: set[str] = field(default_factory=set)  # empty = any redirect accepted


@dataclass
class Account:
    """A KS login: identity subject plus the platform user it signs in as."""

    username: str
    password: str
    subject: str
    platform_user_id: str
    revoked: bool = False


@dataclass
class AccessToken:
    value: str
    username: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    valid: bool = True


@dataclass
class RefreshToken:
    value: str
    username: str
    client_id: str
    scopes: tuple[str, ...]
    expires_at: float
    spent: bool = False


@dataclass
class AuthCode:
    code: str
    username: str
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    challenge: str | None
    method: str
    expires_at: float
    spent: bool = False


def _b64(data: JsonDict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class IdentityServer:
    """Clients, logins and every token issued to them."""

    def __init__(self, clock: SimClock, ids: IdFactory, issuer: Callable[[], str]) -> None:
        self.clock = clock
        self.ids = ids
        self.issuer = issuer
        self.tenant_id = ids.make()
        self.product_id = ids.make()
        self.clients: dict[str, Client] = {}
        self.accounts: dict[str, Account] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.token_lifetime = DEFAULT_TOKEN_LIFETIME
        self.refresh_token_lifetime = REFRESH_TOKEN_LIFETIME
        self.refresh_token_reuse = False
        self.require_pkce = True
        self.login_user: str | None = None  # who "signs in" at /connect/authorize
        self.tokens_issued = 0
        self.refreshes = 0

    # -- set-up ---------------------------------------------------------------------------

    def add_client(self) -> Client:
        client = Client(self.ids.make(), self.ids.token(40))
        self.clients[client.client_id] = client
        return client

    def add_account(self, username: str, password: str, platform_user_id: str) -> Account:
        account = Account(username, password, self.ids.make(), platform_user_id)
        self.accounts[username.lower()] = account
        if self.login_user is None:
            self.login_user = username
        return account

    def account(self, username: str) -> Account:
        return self.accounts[username.lower()]

    def revoke(self, username: str) -> None:
        """The login stops working: grants fail and its tokens answer 401."""
        self.account(username).revoked = True

    def restore(self, username: str) -> None:
        self.account(username).revoked = False

    def expire_all(self) -> None:
        """Every access token issued so far answers 401 (refresh tokens keep working)."""
        for token in self.access_tokens.values():
            token.valid = False

    def expire_refresh_tokens(self) -> None:
        for token in self.refresh_tokens.values():
            token.spent = True

    # -- token endpoint -------------------------------------------------------------------

    def token(self, fields: dict[str, str], authorization: str | None) -> JsonDict:
        client = self._client(fields, authorization)
        grant = fields.get("grant_type", "")
        if grant == "password":
            return self._password(client, fields)
        if grant == "refresh_token":
            return self._refresh(client, fields)
        if grant == "authorization_code":
            return self._code(client, fields)
        if not grant:
            raise unsupported_grant("grant_type is missing")
        raise unsupported_grant()

    def _client(self, fields: dict[str, str], authorization: str | None) -> Client:
        client_id, secret = fields.get("client_id", ""), fields.get("client_secret", "")
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value.strip(), validate=True).decode()
            except ValueError:
                raise invalid_client() from None
            client_id, _, secret = decoded.partition(":")
        client = self.clients.get(client_id)
        if client is None or not secret or client.client_secret != secret:
            raise invalid_client()
        return client

    def _scopes(self, client: Client, requested: str | None) -> tuple[str, ...]:
        if requested is None or not requested.strip():
            return client.scopes
        wanted = requested.split()
        unknown = [scope for scope in wanted if scope not in client.scopes]
        if unknown:
            raise invalid_scope(f"Invalid scope: {' '.join(unknown)}")
        return tuple(scope for scope in KNOWN_SCOPES if scope in wanted)

    def _password(self, client: Client, fields: dict[str, str]) -> JsonDict:
        if not client.password_grant:
            raise unauthorized_client("Client not authorized for resource owner flow")
        account = self.accounts.get(fields.get("username", "").lower())
        if account is None or account.revoked or account.password != fields.get("password"):
            raise invalid_grant("invalid_username_or_password")
        scopes = self._scopes(client, fields.get("scope"))
        return self._issue(account, client, scopes, amr="password")

    def _refresh(self, client: Client, fields: dict[str, str]) -> JsonDict:
        value = fields.get("refresh_token", "")
        if not value:
            raise invalid_request("refresh_token is missing")
        token = self.refresh_tokens.get(value)
        now = self.clock.now()
        if token is None or token.spent or now >= token.expires_at:
            raise invalid_grant("invalid_grant")
        account = self.accounts.get(token.username.lower())
        if token.client_id != client.client_id or account is None or account.revoked:
            raise invalid_grant("invalid_grant")
        if not self.refresh_token_reuse:
            token.spent = True
        self.refreshes += 1
        reused = token if self.refresh_token_reuse else None
        return self._issue(account, client, token.scopes, amr="password", refresh=reused)

    def _code(self, client: Client, fields: dict[str, str]) -> JsonDict:
        grant = self.codes.get(fields.get("code", ""))
        now = self.clock.now()
        if grant is None or grant.spent or now >= grant.expires_at:
            raise invalid_grant("invalid_grant")
        grant.spent = True
        if grant.client_id != client.client_id or grant.redirect_uri != fields.get("redirect_uri"):
            raise invalid_grant("invalid_grant")
        if grant.challenge is not None:
            verifier = fields.get("code_verifier", "")
            computed = pkce_challenge(verifier) if grant.method == "S256" else verifier
            if not verifier or computed != grant.challenge:
                raise invalid_grant("invalid_grant")
        account = self.accounts.get(grant.username.lower())
        if account is None or account.revoked:
            raise invalid_grant("invalid_grant")
        return self._issue(account, client, grant.scopes, amr="pwd", id_token=True)

    def _issue(
        self,
        account: Account,
        client: Client,
        scopes: tuple[str, ...],
        *,
        amr: str,
        refresh: RefreshToken | None = None,
        id_token: bool = False,
    ) -> JsonDict:
        now = self.clock.now()
        lifetime = self.token_lifetime
        api_scopes = [scope for scope in scopes if scope not in ("openid", "profile")]
        claims: JsonDict = {
            "iss": self.issuer(),
            "nbf": int(now),
            "iat": int(now),
            "exp": int(now) + lifetime,
            "aud": AUDIENCE,
            "scope": api_scopes,
            "amr": [amr],
            "client_id": client.client_id,
            "sub": account.subject,
            "auth_time": int(now),
            "idp": "local",
            "tenant_id": self.tenant_id,
            "product_id": self.product_id,
            "identity_id": account.subject,
            "skip_email": "False",
            "jti": self.ids.hex(32),
        }
        header = {"alg": "RS256", "kid": "sim-key-1", "typ": "at+jwt"}
        value = ".".join((_b64(header), _b64(claims), self.ids.token(86)))
        self.access_tokens[value] = AccessToken(
            value, account.username, client.client_id, scopes, now + lifetime
        )
        self.tokens_issued += 1
        answer: JsonDict = {
            "access_token": value,
            "expires_in": lifetime,
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }
        if SCOPE_OFFLINE in scopes:
            if refresh is None:
                refresh = RefreshToken(
                    self.ids.hex(64),
                    account.username,
                    client.client_id,
                    scopes,
                    now + self.refresh_token_lifetime,
                )
                self.refresh_tokens[refresh.value] = refresh
            answer["refresh_token"] = refresh.value
        if id_token and "openid" in scopes:
            id_claims = {
                "iss": self.issuer(),
                "aud": client.client_id,
                "sub": account.subject,
                "iat": int(now),
                "exp": int(now) + 300,
            }
            answer["id_token"] = ".".join(
                (_b64({"alg": "RS256", "typ": "JWT"}), _b64(id_claims), self.ids.token(86))
            )
        return answer

    # -- authorize endpoint ---------------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> str:
        """Consent as ``login_user``; returns the redirect location (code or error).

        Raises ``OAuthError`` when there is nowhere safe to redirect to (unknown client or
        unregistered redirect URI) — the real server shows an error page then.
        """
        client = self.clients.get(params.get("client_id", ""))
        redirect_uri = params.get("redirect_uri", "")
        if client is None:
            raise OAuthError("unauthorized_client", "Unknown client")
        if not redirect_uri or (client.redirect_uris and redirect_uri not in client.redirect_uris):
            raise OAuthError("invalid_request", "Invalid redirect_uri")
        state = params.get("state")

        def back(query: dict[str, str]) -> str:
            if state is not None:
                query["state"] = state
            glue = "&" if "?" in redirect_uri else "?"
            return f"{redirect_uri}{glue}{urlencode(query)}"

        if params.get("response_type") != "code":
            return back({"error": "unsupported_response_type"})
        try:
            scopes = self._scopes(client, params.get("scope"))
        except OAuthError as error:
            return back({"error": error.error})
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method", "plain") if challenge else "plain"
        if (challenge is None and self.require_pkce) or method not in ("S256", "plain"):
            return back({"error": "invalid_request", "error_description": "code challenge"})
        account = self.accounts.get((self.login_user or "").lower())
        if account is None or account.revoked:
            return back({"error": "access_denied"})
        code = self.ids.hex(64)
        self.codes[code] = AuthCode(
            code,
            account.username,
            client.client_id,
            redirect_uri,
            scopes,
            challenge,
            method,
            self.clock.now() + AUTH_CODE_LIFETIME,
        )
        return back({"code": code, "scope": " ".join(scopes)})

    # -- bearer check ---------------------------------------------------------------------

    def authenticate(self, value: str | None) -> AccessToken:
        """The valid access token ``value`` (no ``Bearer`` prefix) or a 401 ``SaltoError``."""
        if not value:
            raise unauthorized()
        token = self.access_tokens.get(value.strip())
        if token is None or not token.valid:
            raise unauthorized("The signature key was not found")
        if self.clock.now() >= token.expires_at:
            raise unauthorized("The token expired")
        account = self.accounts.get(token.username.lower())
        if account is None or account.revoked:
            raise unauthorized("The token is no longer valid")
        return token

    def authenticate_header(self, authorization: str | None) -> AccessToken:
        scheme, _, value = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":
            raise unauthorized()
        return self.authenticate(value)

    @staticmethod
    def require_api_scope(token: AccessToken) -> None:
        """A token without ``user_api.full_access`` is refused like a bad one (INFERRED)."""
        if SCOPE_API not in token.scopes:
            raise SaltoError(403, "2203", "The token lacks the user_api.full_access scope")

    def discovery(self) -> JsonDict:
        issuer = self.issuer()
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/connect/authorize",
            "token_endpoint": f"{issuer}/connect/token",
            "jwks_uri": f"{issuer}/.well-known/openid-configuration/jwks",
            "scopes_supported": list(KNOWN_SCOPES),
            "grant_types_supported": ["authorization_code", "password", "refresh_token"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["plain", "S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
