"""Bookkeeping that keeps the booking book cheap at benchmark scale (100 000+ bookings).

Three things a plain scan of every booking would otherwise do on each call:

* the clash check looks at the bookings of one place, not of the account;
* a paged listing (``GET /bookings`` walked with a cursor) filters and sorts once per query
  and reuses that result for the following pages until the next write;
* the clock's transitions (``BookingBook.settle``, run before every request) only scan the
  bookings when one of them can have fallen due since the last scan.

The book reports every change of a booking with ``touched`` (and moves between places with
``moved``); nothing here changes what the book decides.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
import math

from .deskbee_model import BLOCKING, Booking, State

MAX_CACHED_LISTINGS = 64


def due_time(record: Booking) -> float | None:
    """From when ``settle`` may have something to do for ``record`` (``None``: never).

    ``reserved`` falls once its check-in tolerance has passed, ``busy`` checks out at its
    end, and a finished booking still has participants to check out at once.
    """
    if record.state is State.RESERVED:
        return record.checkin_max_time
    if record.state is State.BUSY:
        return record.end
    if record.state not in BLOCKING and any(
        entry.checkout_at is None for entry in record.participant_checkins
    ):
        return -math.inf
    return None


class BookingIndex:
    """Bookings by place, a write counter, cached listings and the next due transition."""

    def __init__(self) -> None:
        self._by_place: dict[str, dict[str, Booking]] = {}
        self.version = 0
        # Earliest moment a transition can be due; -inf makes the first settle scan.
        self.next_due = -math.inf
        self._listings: dict[Hashable, list[Booking]] = {}
        self._listings_version = -1

    # -- places -----------------------------------------------------------------------------

    def at_place(self, place_uuid: str) -> Iterable[Booking]:
        """Bookings of one place, oldest first."""
        return self._by_place.get(place_uuid, {}).values()

    def added(self, record: Booking) -> None:
        self._by_place.setdefault(record.place_uuid, {})[record.uuid] = record
        self.touched(record)

    def moved(self, record: Booking, previous_place: str) -> None:
        """``record.place_uuid`` changed from ``previous_place``."""
        self._by_place.get(previous_place, {}).pop(record.uuid, None)
        self._by_place.setdefault(record.place_uuid, {})[record.uuid] = record

    # -- changes ----------------------------------------------------------------------------

    def touched(self, record: Booking) -> None:
        """``record`` changed: cached listings are stale and it may fall due earlier."""
        self.version += 1
        self.watch(record)

    def watch(self, record: Booking) -> None:
        due = due_time(record)
        if due is not None and due < self.next_due:
            self.next_due = due

    def listing(self, key: Hashable, compute: Callable[[], list[Booking]]) -> list[Booking]:
        """The listing for ``key``, computed once per query until the next write."""
        if self._listings_version != self.version:
            self._listings.clear()
            self._listings_version = self.version
        found = self._listings.get(key)
        if found is None:
            found = compute()
            if len(self._listings) >= MAX_CACHED_LISTINGS:
                self._listings.clear()
            self._listings[key] = found
        return found
