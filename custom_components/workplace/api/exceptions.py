"""Errors raised by the Workplace client library.

Every provider client maps its transport and HTTP failures onto this one tree, so that
callers decide what to do from the error's type, never from a provider's status codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Booking


class WorkplaceError(Exception):
    """Base of every error raised by the client library."""


class WorkplaceConnectionError(WorkplaceError):
    """The server could not be reached, timed out, dropped the connection or failed (5xx).

    The outcome of a write that ends in this error is unknown: it may have happened.
    """


class WorkplaceNotSentError(WorkplaceConnectionError):
    """The request never reached the server (refused, name not found): nothing changed."""


class WorkplaceServerError(WorkplaceConnectionError):
    """The server answered that it failed (5xx)."""


class WorkplaceTimeoutError(WorkplaceConnectionError):
    """The server did not answer within the request timeout."""


class WorkplaceOutcomeUnknownError(WorkplaceConnectionError):
    """A write's answer was lost and checking what happened failed too: look before retrying."""


class WorkplaceAuthenticationError(WorkplaceError):
    """The credentials were refused (unknown, revoked or expired key or token)."""


class WorkplacePermissionError(WorkplaceError):
    """The credentials are valid but not allowed to do this.

    `grant` says, when the vendor's panel has a name for it, what an administrator should grant.
    """

    def __init__(self, message: str, *, grant: str = "") -> None:
        """Keep what to grant."""
        super().__init__(message)
        self.grant = grant


class WorkplaceRateLimitError(WorkplaceError):
    """The server asked us to slow down."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        """Remember how long the server asked us to wait, if it said."""
        super().__init__(message)
        self.retry_after = retry_after


class WorkplaceNotFoundError(WorkplaceError):
    """The object does not exist (or no longer exists)."""


class WorkplaceConflictError(WorkplaceError):
    """The request clashes with existing state, such as another booking of the same space."""

    def __init__(self, message: str, *, conflicting: tuple[Booking, ...] = ()) -> None:
        """Keep the bookings the server named as clashing."""
        super().__init__(message)
        self.conflicting = conflicting


class WorkplaceNotAllowedError(WorkplaceError):
    """A business rule forbids the request now (outside the check-in window, ended booking...)."""


class WorkplaceLimitReachedError(WorkplaceError):
    """A quota was reached, such as the number of concurrent bookings per person."""

    def __init__(self, message: str, *, limit: int | None = None) -> None:
        """Keep the limit the server reported."""
        super().__init__(message)
        self.limit = limit


class WorkplaceValidationError(WorkplaceError):
    """The server rejected the request's parameters or body."""

    def __init__(self, message: str, *, failures: tuple[str, ...] = ()) -> None:
        """Keep the per-field reasons the server gave."""
        super().__init__(message)
        self.failures = failures


class WorkplaceUnsupportedError(WorkplaceError):
    """The server does not offer this here (not implemented, or not set up for this tenant)."""


class WorkplaceRefusedError(WorkplaceError):
    """The vendor refused with one of its documented codes (a rejected door code, a pod rule)."""

    def __init__(self, message: str, *, code: str) -> None:
        """Keep the vendor's code: callers explain it to people."""
        super().__init__(message)
        self.code = code


class WorkplaceBadResponseError(WorkplaceError):
    """The server answered with something we cannot understand (malformed JSON, wrong shape)."""
