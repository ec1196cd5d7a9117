"""Deskbee error answers (catalog §4) as one exception type.

Every non-2xx body is ``{"error": <status>, "id": <code>, "message": <text>}`` plus an
optional ``errors`` map (field → list of messages). Model rules raise ``DeskbeeError``; the
HTTP layer renders it, and the simulator's direct methods let it propagate.
"""

from __future__ import annotations

from typing import Any

VALIDATION_MESSAGE = "The given data failed to pass validation."
PAGE_NOT_FOUND = "Oops ... Página não encontrada!"


class DeskbeeError(Exception):
    """An error answer: HTTP status, machine ``id``, human message, optional field errors."""

    def __init__(
        self,
        status: int,
        error_id: str,
        message: str,
        errors: dict[str, list[str]] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error_id}: {message}")
        self.status = status
        self.error_id = error_id
        self.message = message
        self.errors = errors
        self.headers = dict(headers or {})

    @property
    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.status, "id": self.error_id, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


def unexpected_value(message: str) -> DeskbeeError:
    return DeskbeeError(400, "unexpected_value", message)


def oauth_escope(
    message: str = "The requested scope is invalid, unknown, or malformed",
) -> DeskbeeError:
    return DeskbeeError(400, "oauth_escope", message)


def unauthenticated(message: str = "Unauthenticated.") -> DeskbeeError:
    return DeskbeeError(401, "unauthenticated", message)


def oauth_server(message: str = "Client authentication failed") -> DeskbeeError:
    return DeskbeeError(401, "oauth_server", message)


def oauth_unauthorized(message: str) -> DeskbeeError:
    return DeskbeeError(401, "oauth_unauthorized", message)


def not_found(message: str = PAGE_NOT_FOUND) -> DeskbeeError:
    return DeskbeeError(404, "not_found", message)


def conflict(message: str) -> DeskbeeError:
    """409; the catalog documents no ``id`` for it, the simulator says ``conflict``."""
    return DeskbeeError(409, "conflict", message)


def invalid(errors: dict[str, list[str]]) -> DeskbeeError:
    """422 validation failure with the per-field messages."""
    return DeskbeeError(422, "unprocessable_entity", VALIDATION_MESSAGE, errors)


def invalid_field(field: str, message: str) -> DeskbeeError:
    return invalid({field: [message]})


def refused(message: str, field: str | None = None) -> DeskbeeError:
    """422 for a business rule (state machine, check-in window): message says why."""
    return DeskbeeError(422, "unprocessable_entity", message, {field: [message]} if field else None)


def request_limit(retry_after: int | None = None) -> DeskbeeError:
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return DeskbeeError(
        429,
        "request_limit",
        "You have exceeded the consumption limit, try again later",
        headers=headers,
    )


def internal_error() -> DeskbeeError:
    return DeskbeeError(500, "internal_error", "Something went wrong with the Server")
