"""The Workplace dashboard card, bundled: served by Home Assistant and loaded by its frontend."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration

from .const import DOMAIN

CARD_URL: Final = f"/{DOMAIN}/workplace-card.js"
CARD_FILE: Final = Path(__file__).parent / "frontend" / "workplace-card.js"


async def async_register_card(hass: HomeAssistant) -> None:
    """Serve the card and have every dashboard load it; no separate install.

    The URL carries the integration's version, so browsers fetch a new release's card
    instead of keeping the old one in their cache. Without Home Assistant's frontend (a
    headless set-up) there is nothing to register.
    """
    if "frontend" not in hass.config.components or hass.http is None:
        return
    version = (await async_get_integration(hass, DOMAIN)).version
    await hass.http.async_register_static_paths(
        [StaticPathConfig(CARD_URL, str(CARD_FILE), cache_headers=True)]
    )
    add_extra_js_url(hass, f"{CARD_URL}?v={version}")
