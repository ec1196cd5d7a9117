"""The secret guard itself: it must catch a planted leak, or its silence proves nothing."""

from __future__ import annotations

import logging

from homeassistant.core import HomeAssistant
import pytest

from tests.secret_guard import assert_no_leaks, register


async def test_a_planted_leak_is_caught(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, hass: HomeAssistant
) -> None:
    """A secret in the log or in a state attribute fails the test; the report hides it."""
    register(request, "planted-secret-value", "abc")
    logging.getLogger("custom_components.workplace").warning("token=%s", "planted-secret-value")
    with pytest.raises(AssertionError) as in_log:
        assert_no_leaks(request, caplog)
    assert "pla… found in the log" in str(in_log.value)
    assert "planted-secret-value" not in str(in_log.value)

    caplog.clear()
    hass.states.async_set("sensor.oops", "on", {"token": "planted-secret-value"})
    with pytest.raises(AssertionError) as in_state:
        assert_no_leaks(request, caplog)
    assert "found in states" in str(in_state.value)
    hass.states.async_remove("sensor.oops")
    assert_no_leaks(request, caplog)  # "abc" is too short to count as a secret
