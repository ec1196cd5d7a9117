"""Asynchronous client library for workplace and access-control systems.

Imports nothing from Home Assistant so that it can be published on its own.
"""

from .deskbee import DeskbeeClient
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
    WorkplaceUnsupportedError,
    WorkplaceValidationError,
)
from .models import (
    MEETING,
    Account,
    Booking,
    BookingStatus,
    Guest,
    Person,
    Space,
    SpaceKind,
    Visitor,
    Zone,
    ZoneKind,
)
from .placeos import PlaceOSClient

__all__ = [
    "MEETING",
    "Account",
    "Booking",
    "BookingStatus",
    "DeskbeeClient",
    "Guest",
    "Person",
    "PlaceOSClient",
    "Space",
    "SpaceKind",
    "Visitor",
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
    "WorkplaceUnsupportedError",
    "WorkplaceValidationError",
    "Zone",
    "ZoneKind",
]
