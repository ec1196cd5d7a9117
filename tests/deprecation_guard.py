"""A guard that fails any test in which Home Assistant reports Workplace using a deprecated API.

Home Assistant tells a custom integration that it uses something that "will stop working" only
in its log (`report_usage`, deprecated constants, properties and device-info keys): a warning
that no user reads until the release that breaks it. Every test runs with a handler on the root
logger that keeps such reports about `workplace`; the test fails when there is one.
Python's own deprecation warnings raised in our code (aiohttp's, for instance) are errors
through pyproject.toml's `filterwarnings`.
"""

from __future__ import annotations

import logging
from typing import Self

DOMAIN = "workplace"
# How Home Assistant names the integration in its reports: by domain, or by module or path.
OURS = (
    f"'{DOMAIN}'",
    f"from {DOMAIN}",
    f"custom_components/{DOMAIN}/",
    f"custom_components.{DOMAIN}",
)
DEPRECATION = ("will stop working", "deprecated")


def is_deprecation_report(record: logging.LogRecord) -> bool:
    """A warning (or worse) that says our code uses something deprecated."""
    if record.levelno < logging.WARNING:
        return False
    message = record.getMessage()
    ours = record.name.startswith(f"custom_components.{DOMAIN}") or any(
        name in message for name in OURS
    )
    return ours and any(phrase in message.lower() for phrase in DEPRECATION)


class DeprecationGuard(logging.Handler):
    """Keeps every deprecation report about Workplace while installed on the root logger."""

    def __init__(self) -> None:
        """Start with no report."""
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record if it is a deprecation report about us."""
        if is_deprecation_report(record):
            self.reports.append(f"{record.name}: {record.getMessage()}")

    def __enter__(self) -> Self:
        """Listen on the root logger."""
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop listening."""
        logging.getLogger().removeHandler(self)

    def check(self) -> None:
        """Fail with every report kept so far."""
        if self.reports:
            reports = "\n".join(self.reports)
            msg = f"Workplace uses a deprecated Home Assistant API:\n{reports}"
            raise AssertionError(msg)
