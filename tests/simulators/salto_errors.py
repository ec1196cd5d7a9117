"""SALTO KS error answers (catalog §3) as exception types.

* Connect API: ``{"ErrorCode": "<code>", "Message": "<text>"}`` — the code is a JSON
  *string*, as measured (``"ErrorCode":"2202"``).
* v2 endpoints: RFC 7807 problem JSON ``{type, title, status, traceId}``.
* Identity server: OAuth ``{error, error_description}``.

Model rules raise these; the HTTP layer renders them and the simulator's direct methods let
them propagate.
"""

from __future__ import annotations

from typing import Any


class SaltoError(Exception):
    """A Connect API error: HTTP status, string ``ErrorCode`` and ``Message``."""

    def __init__(
        self, status: int, code: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    @property
    def body(self) -> dict[str, Any]:
        return {"ErrorCode": self.code, "Message": self.message}


class OAuthError(Exception):
    """An identity-server error: ``{error, error_description}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    @property
    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.description}


# -- Connect API (§3 table) -----------------------------------------------------------------


def request_invalid(message: str = "The request is invalid.") -> SaltoError:
    return SaltoError(400, "1100", message)


def value_invalid(parameter: str, status: int = 400) -> SaltoError:
    return SaltoError(status, "1101", f"The value of '{parameter}' is invalid.")


def odata_invalid(message: str = "The OData filter format is invalid.") -> SaltoError:
    return SaltoError(400, "1102", message)


def unauthorized(description: str | None = None) -> SaltoError:
    challenge = "Bearer"
    if description is not None:
        challenge += f' error="invalid_token", error_description="{description}"'
    return SaltoError(401, "1500", "Unauthorized", headers={"WWW-Authenticate": challenge})


def internal_error() -> SaltoError:
    return SaltoError(500, "2201", "Internal error")


def not_found(what: str) -> SaltoError:
    """404 ``2202`` — measured as "User not found"; the same code for other entities."""
    return SaltoError(404, "2202", f"{what} not found")


def otp_missing() -> SaltoError:
    """Locking without an OTP (measured exactly)."""
    return SaltoError(404, "2202", "Otp is invalid")


def otp_invalid() -> SaltoError:
    """A supplied OTP that does not match (measured on the locking call)."""
    return SaltoError(400, "3102", "otp_invalid")


def otp_blocked() -> SaltoError:
    return SaltoError(403, "3102", "otp_blocked")


def forbidden(message: str = "User does not have permission for this operation") -> SaltoError:
    return SaltoError(403, "2203", message)


def cannot_execute(message: str = "Operation cannot be executed") -> SaltoError:
    return SaltoError(403, "2203", message)


def pod_name_exists() -> SaltoError:
    return SaltoError(400, "2213", "Pod name already exists in this site")


def locks_not_in_site() -> SaltoError:
    return SaltoError(400, "2214", "Locks are not part of the site")


def member_email_required() -> SaltoError:
    return SaltoError(400, "2215", "At least one pod member must have an email")


def user_added_twice() -> SaltoError:
    return SaltoError(400, "2216", "The same user is added to the pod twice")


def member_in_other_pod() -> SaltoError:
    return SaltoError(400, "2217", "Member already belongs to another pod in this site")


def tag_used_twice() -> SaltoError:
    return SaltoError(400, "2218", "The same tag is assigned to different pod members")


def guest_limit_too_low() -> SaltoError:
    return SaltoError(400, "2219", "The new guest limit is lower than the current guest count")


def guest_limit_reached() -> SaltoError:
    return SaltoError(400, "2221", "The maximum guest amount of the pod is reached")


def locks_not_in_pod() -> SaltoError:
    return SaltoError(400, "2222", "Locks are not part of the pod")


# -- identity server (§2) -------------------------------------------------------------------


def invalid_client() -> OAuthError:
    # IdentityServer answers every token error, invalid_client included, with 400.
    return OAuthError("invalid_client", "Invalid client credentials")


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def invalid_scope(description: str = "Invalid scope") -> OAuthError:
    return OAuthError("invalid_scope", description)


def invalid_request(description: str) -> OAuthError:
    return OAuthError("invalid_request", description)


def unsupported_grant(description: str = "Grant type is not supported") -> OAuthError:
    return OAuthError("unsupported_grant_type", description)


def unauthorized_client(description: str) -> OAuthError:
    return OAuthError("unauthorized_client", description)
