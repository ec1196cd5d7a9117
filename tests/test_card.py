"""The dashboard card comes with the integration: served, and loaded by every dashboard."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.workplace.card import CARD_FILE, CARD_URL
from custom_components.workplace.const import DOMAIN

MANIFEST = Path(CARD_FILE).parent.parent / "manifest.json"


async def test_the_card_is_served_and_loaded_by_dashboards(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """No separate install: the card's URL is a frontend module, versioned with the release."""
    assert await async_setup_component(hass, "frontend", {})
    assert await async_setup_component(hass, DOMAIN, {})
    version = json.loads(MANIFEST.read_text())["version"]
    assert f"{CARD_URL}?v={version}" in hass.data[DATA_EXTRA_MODULE_URL].urls
    client = await hass_client()
    answer = await client.get(f"{CARD_URL}?v={version}")
    assert answer.status == 200
    body = await answer.text()
    assert '["workplace-card", WorkplaceCard]' in body
    assert '["workplace-card-editor", WorkplaceCardEditor]' in body


async def test_without_a_frontend_nothing_is_registered(hass: HomeAssistant) -> None:
    """A headless Home Assistant (no frontend) still sets Workplace up."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert DATA_EXTRA_MODULE_URL not in hass.data
