"""Asynchronous client library for workplace and access-control systems.

Imports nothing from Home Assistant so that it can be published on its own.
"""

from .exceptions import (
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConflictError,
    WorkplaceConnectionError,
    WorkplaceError,
    WorkplaceLimitReachedError,
    WorkplaceNotAllowedError,
    WorkplaceNotFoundError,
    WorkplaceOutcomeUnknownError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    WorkplaceTimeoutError,
    WorkplaceValidationError,
)
from .models import (
    Account,
    Booking,
    BookingStatus,
    Guest,
    Person,
    Space,
    SpaceKind,
    Zone,
    ZoneKind,
)
from .placeos import PlaceOSClient

__all__ = [
    "Account",
    "Booking",
    "BookingStatus",
    "Guest",
    "Person",
    "PlaceOSClient",
    "Space",
    "SpaceKind",
    "WorkplaceAuthenticationError",
    "WorkplaceBadResponseError",
    "WorkplaceConflictError",
    "WorkplaceConnectionError",
    "WorkplaceError",
    "WorkplaceLimitReachedError",
    "WorkplaceNotAllowedError",
    "WorkplaceNotFoundError",
    "WorkplaceOutcomeUnknownError",
    "WorkplacePermissionError",
    "WorkplaceRateLimitError",
    "WorkplaceTimeoutError",
    "WorkplaceValidationError",
    "Zone",
    "ZoneKind",
]
