"""The deprecation guard itself: it must catch a planted deprecated call, or it proves nothing."""

from __future__ import annotations

from pathlib import Path
import warnings

import aiohttp
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.workplace
from custom_components.workplace.const import DOMAIN
from tests.deprecation_guard import DeprecationGuard

# Code that runs as if it were a module of the integration: Home Assistant attributes a report
# to the integration whose folder the calling frame's file is in.
PLANTED = str(Path(custom_components.workplace.__file__).parent / "planted.py")


async def test_a_planted_deprecated_call_fails_the_test(
    hass: HomeAssistant, no_deprecated_api: DeprecationGuard
) -> None:
    """Removing a device through the retired config-entry link is reported, and caught."""
    entry = MockConfigEntry(domain=DOMAIN, unique_id="planted")
    entry.add_to_hass(hass)
    registry = dr.async_get(hass)
    device = registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "planted")}
    )
    deprecated_call = compile(
        "registry.async_update_device(device_id, remove_config_entry_id=entry_id)",
        PLANTED,
        "exec",
    )
    exec(  # noqa: S102 - the planted call, run as integration code
        deprecated_call,
        {"registry": registry, "device_id": device.id, "entry_id": entry.entry_id},
    )

    with pytest.raises(AssertionError, match=r"custom integration 'workplace'.*will stop working"):
        no_deprecated_api.check()
    no_deprecated_api.reports.clear()  # planted on purpose: this test passes


async def test_reports_about_other_integrations_pass(
    hass: HomeAssistant, no_deprecated_api: DeprecationGuard, caplog: pytest.LogCaptureFixture
) -> None:
    """Another integration's deprecation is not ours to fix."""
    planted_elsewhere = compile(
        "registry.async_update_device(device_id, remove_config_entry_id=entry_id)",
        PLANTED.replace(f"/{DOMAIN}/", "/someone_else/"),
        "exec",
    )
    entry = MockConfigEntry(domain="someone_else")
    entry.add_to_hass(hass)
    registry = dr.async_get(hass)
    device = registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={("someone_else", "x")}
    )
    exec(  # noqa: S102 - the planted call, run as another integration's code
        planted_elsewhere,
        {"registry": registry, "device_id": device.id, "entry_id": entry.entry_id},
    )
    assert "custom integration 'someone_else'" in caplog.text
    no_deprecated_api.check()


def test_a_python_deprecation_warning_in_our_code_is_an_error() -> None:
    """aiohttp's deprecated BasicAuth, called from our code, raises instead of warning."""
    with pytest.raises(DeprecationWarning, match="BasicAuth is deprecated"):
        aiohttp.BasicAuth("client", "secret")
    with warnings.catch_warnings(record=True) as elsewhere:
        warnings.simplefilter("default")
        aiohttp.BasicAuth("client", "secret")
    assert elsewhere  # only the test configuration makes it an error
