"""Translated errors for actions and calendar writes: what went wrong, in people's words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.util import dt as dt_util

from .api import (
    Booking,
    WorkplaceAuthenticationError,
    WorkplaceConflictError,
    WorkplaceConnectionError,
    WorkplaceError,
    WorkplaceLimitReachedError,
    WorkplaceNotAllowedError,
    WorkplaceNotFoundError,
    WorkplaceOutcomeUnknownError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    WorkplaceRefusedError,
    WorkplaceUnsupportedError,
    WorkplaceValidationError,
)
from .const import CONF_PROVIDER, DOMAIN

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry


def invalid(key: str, **placeholders: str) -> ServiceValidationError:
    """A translated error about the caller's input."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def failed(key: str, **placeholders: str) -> HomeAssistantError:
    """A translated error about the remote system."""
    return HomeAssistantError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


@asynccontextmanager
async def remote_errors(
    entry: ConfigEntry[Any], *, missing: str = "booking_not_found", **placeholders: str
) -> AsyncIterator[None]:
    """Turn the client library's errors into messages a facility manager understands.

    `missing` (with its placeholders) names what the server did not find: a booking unless
    the action is about something else (a door, a pod, a meeting).
    """
    try:
        yield
    except WorkplaceNotFoundError as err:
        raise invalid(missing, **placeholders) from err
    except WorkplaceUnsupportedError as err:
        raise invalid("not_supported", provider=entry.data[CONF_PROVIDER]) from err
    except WorkplacePermissionError as err:
        raise failed("no_permission") from err
    except WorkplaceNotAllowedError as err:
        raise failed("not_allowed", reason=str(err)) from err
    except WorkplaceConflictError as err:
        raise failed("conflict", clash=describe_clash(err.conflicting)) from err
    except WorkplaceLimitReachedError as err:
        raise failed("limit_reached", limit=str(err.limit or "?")) from err
    except WorkplaceRefusedError as err:
        raise failed("rejected", reason=str(err)) from err
    except WorkplaceValidationError as err:
        raise failed("rejected", reason="; ".join(err.failures) or str(err)) from err
    except WorkplaceAuthenticationError as err:
        entry.async_start_reauth(entry.runtime_data.hass)
        raise failed("invalid_auth") from err
    except WorkplaceRateLimitError as err:
        raise failed("rate_limited_action", seconds=str(int(err.retry_after or 60))) from err
    except WorkplaceOutcomeUnknownError as err:
        raise failed("outcome_unknown", error=str(err)) from err
    except WorkplaceConnectionError as err:
        raise failed("cannot_connect", error=str(err)) from err
    except WorkplaceError as err:
        raise failed("unexpected", error=str(err)) from err


def describe_clash(bookings: tuple[Booking, ...]) -> str:
    """Name the clashing booking(s) for the error message."""
    if not bookings:
        return "another booking"
    return ", ".join(
        f"#{b.id} ({b.person.name or b.person.email or 'someone'}, "
        f"{dt_util.as_local(b.start):%H:%M} to {dt_util.as_local(b.end):%H:%M})"
        for b in bookings
    )
