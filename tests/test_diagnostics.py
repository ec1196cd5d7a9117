"""Diagnostics tell what the entry sees and never contain a secret or a person."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.conftest import setup_entry
from tests.helpers import SmallSite, book


async def test_diagnostics_redact_secrets_and_people(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
) -> None:
    """Counts and structure are there; the key, emails and names are not."""
    sim = small_site.sim
    booking = book(sim, small_site.desk1, starts_in=-60, ends_in=600)
    sim.check_in(booking)
    await setup_entry(hass, site_entry)

    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, site_entry
    )
    text = str(diagnostics)
    assert sim.api_key not in text
    assert sim.api_key.split(".")[1] not in text
    assert "ada@example.com" not in text
    assert "Ada Lovelace" not in text
    assert diagnostics["entry"]["data"]["api_key"] == "**REDACTED**"
    assert diagnostics["last_update_success"] is True
    assert diagnostics["bookings_by_status"] == {"checked_in": 1}
    assert diagnostics["space_status"] == {"checked_in": 1, "free": 3}
    assert {zone["id"] for zone in diagnostics["zones"]} == {
        small_site.building,
        small_site.level1,
        small_site.level2,
    }
    assert len(diagnostics["spaces"]) == 4
