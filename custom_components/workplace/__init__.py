"""Workplace: desk and room bookings, check-ins, visitors and doors in Home Assistant."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.helpers import config_validation as cv

from .access import AccessConfigEntry, AccessCoordinator
from .card import async_register_card
from .const import CONF_PROVIDER, DOMAIN, PROVIDER_SALTO_KS
from .coordinator import WorkplaceConfigEntry, WorkplaceCoordinator
from .push import DeskbeeWebhook
from .services import async_setup_services

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.typing import ConfigType

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.CALENDAR,
    Platform.EVENT,
    Platform.SENSOR,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions and the dashboard card, once, whether or not an entry is loaded."""
    async_setup_services(hass)
    await async_register_card(hass)
    return True


ACCESS_PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.EVENT,
    Platform.LOCK,
    Platform.SENSOR,
]


async def async_setup_entry(hass: HomeAssistant, entry: WorkplaceConfigEntry) -> bool:
    """Connect to the provider, fetch once, then create the entities."""
    if entry.data[CONF_PROVIDER] == PROVIDER_SALTO_KS:
        return await _async_setup_access(hass, cast("AccessConfigEntry", entry))
    coordinator = WorkplaceCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if CONF_WEBHOOK_ID in entry.data:
        DeskbeeWebhook(hass, entry).register()
    return True


async def _async_setup_access(hass: HomeAssistant, entry: AccessConfigEntry) -> bool:
    """Locks and pods polled; door entries streamed live in the background."""
    coordinator = AccessCoordinator(hass, entry)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    await hass.config_entries.async_forward_entry_setups(entry, ACCESS_PLATFORMS)
    entry.async_create_background_task(
        hass, coordinator.run_stream(), f"{DOMAIN} door entries {entry.title}"
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: WorkplaceConfigEntry) -> bool:
    """Remove the entities; the coordinator stops polling (and streaming) with them."""
    platforms = ACCESS_PLATFORMS if entry.data[CONF_PROVIDER] == PROVIDER_SALTO_KS else PLATFORMS
    return await hass.config_entries.async_unload_platforms(entry, platforms)
