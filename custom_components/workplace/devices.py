"""Device descriptions: account → building → level → space, shared by entities and set-up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.const import CONF_URL
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .const import CONF_PROVIDER, DOMAIN, LOGGER

if TYPE_CHECKING:
    from collections.abc import Mapping

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .api import Account, Space, Zone
    from .coordinator import WorkplaceConfigEntry

MANUFACTURERS = {"placeos": "PlaceOS", "deskbee": "Deskbee"}
MODELS = {"placeos": "Staff API", "deskbee": "API v1.1"}


def account_key(entry: ConfigEntry[Any]) -> str:
    """Device identifier of the account; every other identifier starts with it."""
    return str(entry.unique_id)


def object_key(entry: ConfigEntry[Any], object_id: str) -> str:
    """Device identifier of a zone or space of this entry."""
    return f"{entry.unique_id}_{object_id}"


def remove_stale_devices(hass: HomeAssistant, entry: ConfigEntry[Any], current: set[str]) -> None:
    """Drop the entry's devices whose object (space, zone, lock, pod) is gone from the server."""
    keep = {object_key(entry, object_id) for object_id in current} | {account_key(entry)}
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        keys = {key for domain, key in device.identifiers if domain == DOMAIN}
        if keys and not keys & keep:
            LOGGER.debug("%s: removing device %s, gone from the server", entry.title, keys)
            registry.async_remove_device(device.id)


def registered_device_id(hass: HomeAssistant, entry: ConfigEntry[Any], key: str) -> str:
    """The registry id of one of the entry's devices, for a child's `via_device_id`.

    Parents are registered before their children's entities are created (the coordinators do
    it at each poll that finds new objects), so the parent is always there.
    """
    return dr.async_get_device_id_by_identifier(hass, (DOMAIN, key), config_entry_id=entry.entry_id)


def account_device(entry: WorkplaceConfigEntry, account: Account) -> DeviceInfo:
    """The tenant the entry is connected to."""
    provider = entry.data[CONF_PROVIDER]
    return DeviceInfo(
        identifiers={(DOMAIN, account_key(entry))},
        name=account.tenant_name,
        manufacturer=MANUFACTURERS.get(provider, provider),
        model=MODELS.get(provider),
        sw_version=account.server_version,
        entry_type=DeviceEntryType.SERVICE,
        configuration_url=entry.data.get(CONF_URL),
    )


def zone_device(
    hass: HomeAssistant, entry: WorkplaceConfigEntry, zone: Zone, zones: Mapping[str, Zone]
) -> DeviceInfo:
    """A building (under the account) or a level (under its building, named after both)."""
    parent = zones.get(zone.parent_id) if zone.parent_id else None
    parent_key = object_key(entry, parent.id) if parent else account_key(entry)
    return DeviceInfo(
        identifiers={(DOMAIN, object_key(entry, zone.id))},
        name=f"{parent.name} {zone.name}" if parent else zone.name,
        manufacturer=MANUFACTURERS.get(entry.data[CONF_PROVIDER]),
        model=zone.kind.value.capitalize(),
        via_device_id=registered_device_id(hass, entry, parent_key),
    )


def space_device(
    hass: HomeAssistant, entry: WorkplaceConfigEntry, space: Space, name: str
) -> DeviceInfo:
    """A desk, room or other space, under its level."""
    return DeviceInfo(
        identifiers={(DOMAIN, object_key(entry, space.id))},
        name=name,
        manufacturer=MANUFACTURERS.get(entry.data[CONF_PROVIDER]),
        model=space.kind.value.capitalize(),
        serial_number=space.id,
        via_device_id=registered_device_id(hass, entry, object_key(entry, space.zone_id)),
    )
