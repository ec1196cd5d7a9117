"""What to do when a write's answer is lost: look, never repeat (shared by the clients)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from .exceptions import (
    WorkplaceConnectionError,
    WorkplaceError,
    WorkplaceNotSentError,
    WorkplaceOutcomeUnknownError,
    WorkplaceServerError,
    WorkplaceTimeoutError,
)
from .models import Booking, BookingStatus


async def look_after[T](error: WorkplaceConnectionError, look: Coroutine[Any, Any, T]) -> T:
    """Find out what a write whose answer was lost did; unknown if we cannot even look."""
    if isinstance(error, WorkplaceNotSentError):
        look.close()
        msg = f"{error}; it never reached the server, so nothing changed"
        raise WorkplaceNotSentError(msg) from error
    try:
        return await look
    except WorkplaceError as err:
        msg = f"{error}; checking what happened failed too ({err})"
        raise WorkplaceOutcomeUnknownError(msg) from err


async def confirm[T](
    error: WorkplaceConnectionError,
    look: Coroutine[Any, Any, T],
    *,
    done: Callable[[T], bool],
    outcome: str,
) -> T:
    """Whether a write whose answer was lost took effect: what we found if so, else an error."""
    found = await look_after(error, look)
    if done(found):
        return found
    raise not_found_after(error, outcome) from error


@contextmanager
def unknown_when_lost() -> Iterator[None]:
    """For a write nothing can read back: a lost answer leaves its outcome unknown.

    A refused connection never reached the server and a 5xx answer says it failed; a timeout
    or a connection cut under the call may have come after the server acted.
    """
    try:
        yield
    except WorkplaceNotSentError, WorkplaceServerError:
        raise
    except WorkplaceConnectionError as err:
        msg = f"{err}; it may have happened, check before repeating"
        raise WorkplaceOutcomeUnknownError(msg) from err


def not_found_after(error: WorkplaceConnectionError, outcome: str) -> WorkplaceConnectionError:
    """What to say when a write whose answer was lost left no trace.

    After a refused connection or a server error the write did not happen. After a timeout the
    server may still be working on it, so we cannot say.
    """
    if isinstance(error, WorkplaceTimeoutError):
        return WorkplaceOutcomeUnknownError(f"{error}; not found yet, it may still appear")
    return WorkplaceConnectionError(f"{error}; {outcome}")


async def confirm_check_in(
    error: WorkplaceConnectionError, look: Coroutine[Any, Any, Booking], *, checked_in: bool
) -> Booking:
    """Whether a check-in (or check-out) whose answer was lost shows on the booking."""
    return await confirm(
        error,
        look,
        done=lambda booking: (booking.status is BookingStatus.CHECKED_IN) == checked_in,
        outcome=f"the booking was not checked {'in' if checked_in else 'out'}",
    )
