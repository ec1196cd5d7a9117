"""A controllable clock shared by the vendor simulators.

The simulators never read the wall clock directly: they ask a ``SimClock``. It follows
``time.time()`` (so freezegun in tests moves it too) plus an offset that tests and the demo
can push forward to make bookings start, end or expire without real waiting.
"""

from __future__ import annotations

import time


class SimClock:
    """Unix time in seconds = ``time.time()`` + an adjustable offset."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset

    @property
    def offset(self) -> float:
        """Seconds added to ``time.time()``."""
        return self._offset

    def now(self) -> float:
        """Current simulated unix time in seconds."""
        return time.time() + self._offset

    def now_int(self) -> int:
        """Current simulated unix time, whole seconds (what most APIs serialise)."""
        return int(self.now())

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (or back, with a negative value)."""
        self._offset += seconds

    def set(self, timestamp: float) -> None:
        """Jump so that ``now()`` returns ``timestamp`` at this instant."""
        self._offset = timestamp - time.time()
