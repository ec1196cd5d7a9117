"""A guard that fails any test in which a configured secret reaches logs or states.

Simulator fixtures register the secrets they hand out (keys, client secrets, passwords, signing
keys, one-time codes); after each test the captured log and every Home Assistant state and
attribute are searched for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from homeassistant.core import HomeAssistant
import pytest

SECRETS: pytest.StashKey[set[str]] = pytest.StashKey()
# Shorter values would match by chance (and are no secrets worth the name).
SHORTEST: int = 5


def register(request: pytest.FixtureRequest, *secrets: str | None) -> None:
    """Remember secrets the current test must never leak."""
    found = request.node.stash.setdefault(SECRETS, set())
    found.update(secret for secret in secrets if secret and len(secret) >= SHORTEST)


def find_leaks(secrets: Iterable[str], places: Mapping[str, str]) -> list[str]:
    """Where each secret appears; the secret itself is shown only by its first characters."""
    return [
        f"{secret[:3]}… found in {where}"
        for secret in sorted(secrets)
        for where, text in places.items()
        if secret in text
    ]


def assert_no_leaks(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> None:
    """Fail if a registered secret is in any log record of the test or in any state."""
    secrets = request.node.stash.get(SECRETS, set())
    if not secrets:
        return
    # At teardown `caplog.text` holds only the teardown's records: read every phase.
    phases: tuple[Literal["setup", "call", "teardown"], ...] = ("setup", "call", "teardown")
    records = [r for when in phases for r in caplog.get_records(when)]
    places = {"the log": "\n".join(caplog.handler.format(r) for r in records)}
    hass = request.node.funcargs.get("hass")
    if isinstance(hass, HomeAssistant):
        places["states"] = repr(
            [(s.entity_id, s.state, dict(s.attributes)) for s in hass.states.async_all()]
        )
    leaks = find_leaks(secrets, places)
    assert not leaks, f"secrets leaked: {leaks}"
