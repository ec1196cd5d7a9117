"""PlaceOS error answers (catalog §4) as one exception type.

Model rules raise ``PlaceOSError``; the HTTP layer renders it, and direct simulator methods
let it propagate so tests and the activity generator see the same rule violations the API
would report.
"""

from __future__ import annotations

from typing import Any

JsonBody = dict[str, Any] | None


class PlaceOSError(Exception):
    """An error answer: HTTP status plus JSON body (``None`` = empty body)."""

    def __init__(self, status: int, body: JsonBody = None) -> None:
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body


def common_error(status: int, message: str) -> PlaceOSError:
    """``{"error": message}`` — backtraces are left out as in production (§4)."""
    return PlaceOSError(status, {"error": message})


def unauthorized(message: str) -> PlaceOSError:
    return common_error(401, message)


def forbidden() -> PlaceOSError:
    """403 always has an empty body (§4)."""
    return PlaceOSError(403)


def not_found(message: str) -> PlaceOSError:
    return common_error(404, message)


def not_allowed(message: str | None = None) -> PlaceOSError:
    """405 business-rule refusal; ``None`` gives the bare ``head :method_not_allowed``."""
    return PlaceOSError(405) if message is None else common_error(405, message)


def missing_parameter(name: str, restriction: str) -> PlaceOSError:
    """422 ParameterError for a required parameter (§4)."""
    return PlaceOSError(
        422,
        {
            "error": f"missing required parameter '{name}'",
            "parameter": name,
            "restriction": restriction,
        },
    )


def invalid_parameter(name: str, restriction: str, value: str) -> PlaceOSError:
    """400 ParameterError for a value that does not parse (§4)."""
    return PlaceOSError(
        400,
        {
            "error": f"invalid parameter value '{value}' for '{name}'",
            "parameter": name,
            "restriction": restriction,
        },
    )


def validation_failed(message: str, failures: list[tuple[str | None, str]]) -> PlaceOSError:
    """422 ValidationError ``{"error", "failures": [{"field", "reason"}]}`` (§4)."""
    return PlaceOSError(
        422,
        {
            "error": message,
            "failures": [{"field": field, "reason": reason} for field, reason in failures],
        },
    )


def bad_request(message: str) -> PlaceOSError:
    return common_error(400, message)


def booking_conflict(bookings: list[dict[str, Any]]) -> PlaceOSError:
    """409 clash answer listing the bookings in the way (§3.7)."""
    return PlaceOSError(409, {"error": "Conflicting booking", "bookings": bookings})


def booking_limit_reached(limit: int, bookings: list[dict[str, Any]]) -> PlaceOSError:
    """410 when the caller already holds ``limit`` concurrent bookings (§3.7)."""
    return PlaceOSError(
        410, {"error": "Booking limit reached", "limit": limit, "bookings": bookings}
    )


def event_conflict(events: list[dict[str, Any]]) -> PlaceOSError:
    """409 when a room's calendar already holds a meeting then (the simulator's rule, §3.5).

    The real server hands the write to the calendar provider and relays its failure; the
    simulator refuses double-booking a room with the same shape as a booking clash.
    """
    return PlaceOSError(409, {"error": "Conflicting event", "events": events})
