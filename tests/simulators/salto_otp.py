"""One-time codes for remote opening (catalog §4.3, §5).

The SALTO KS app shows the user a 5-character code that stays valid for 3 minutes. The
simulator derives it like the 3P-measured formula — first 5 hex characters of
``MD5(YYYYMMDDHHMMSS_UTC + secret + pin)`` — but from the start of a 30-second step
(INFERRED) instead of every second, so ``current_otp`` is deterministic on the clock and a
code read from "the app" is accepted for ``OTP_VALIDITY`` seconds after its step began
(150-180 s from the moment it is read). Comparison ignores case and surrounding blanks.

``OtpGuard`` keeps the per-user failure count: ``OTP_MAX_FAILURES`` consecutive wrong codes
within ``OTP_FAILURE_WINDOW`` block the user's OTP for ``block_seconds`` (measured: 403
``3102 otp_blocked``, clears by itself); a valid code resets the count. A missing OTP is
refused but does not count (nothing was guessed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
import hashlib

from .salto_constants import (
    OTP_BLOCK_SECONDS,
    OTP_FAILURE_WINDOW,
    OTP_LENGTH,
    OTP_MAX_FAILURES,
    OTP_STEP,
    OTP_VALIDITY,
)
from .salto_errors import otp_blocked, otp_invalid, otp_missing


def otp_at(secret: str, pin: str, step_start: int) -> str:
    stamp = datetime.fromtimestamp(step_start, UTC).strftime("%Y%m%d%H%M%S")
    return hashlib.md5((stamp + secret + pin).encode(), usedforsecurity=False).hexdigest()[
        :OTP_LENGTH
    ]


def step_start(now: float) -> int:
    return int(now) // OTP_STEP * OTP_STEP


def current_code(secret: str, pin: str, now: float) -> str:
    """What the app shows right now."""
    return otp_at(secret, pin, step_start(now))


def valid_codes(secret: str, pin: str, now: float) -> set[str]:
    """Every code still inside its validity window at ``now``."""
    newest = step_start(now)
    steps = range(newest, int(now) - OTP_VALIDITY, -OTP_STEP)
    return {otp_at(secret, pin, start) for start in steps if now < start + OTP_VALIDITY}


@dataclass
class OtpGuard:
    """Failure count and block of one user's OTP."""

    secret: str
    pin: str
    max_failures: int = OTP_MAX_FAILURES
    block_seconds: float = OTP_BLOCK_SECONDS
    failures: list[float] = field(default_factory=list)
    blocked_until: float | None = None

    def current(self, now: float) -> str:
        return current_code(self.secret, self.pin, now)

    def blocked(self, now: float) -> bool:
        if self.blocked_until is not None and now >= self.blocked_until:
            self.blocked_until = None
            self.failures.clear()
        return self.blocked_until is not None

    def check(self, code: object, now: float) -> None:
        """Accept a valid code or raise the measured error (and count the failure)."""
        if self.blocked(now):
            raise otp_blocked()
        if not isinstance(code, str) or not code.strip():
            raise otp_missing()
        if code.strip().lower() in valid_codes(self.secret, self.pin, now):
            self.failures.clear()
            return
        self.failures = [t for t in self.failures if now - t < OTP_FAILURE_WINDOW] + [now]
        if len(self.failures) >= self.max_failures:
            self.blocked_until = now + self.block_seconds
        raise otp_invalid()

    def unblock(self) -> None:
        self.blocked_until = None
        self.failures.clear()
