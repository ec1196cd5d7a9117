"""Binary sensors: whether someone is checked in at a space right now."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .access_platforms import setup_binary_sensors
from .const import CONF_PROVIDER, PROVIDER_SALTO_KS
from .entity import SpaceEntity, add_entities_as_they_appear
from .snapshot import SpaceStatus

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .access import AccessConfigEntry
    from .api import Space
    from .coordinator import WorkplaceConfigEntry

PARALLEL_UPDATES = 0

OCCUPIED = BinarySensorEntityDescription(
    key="occupied",
    translation_key="occupied",
    device_class=BinarySensorDeviceClass.OCCUPANCY,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an occupancy sensor per space, including spaces that appear later."""
    if entry.data[CONF_PROVIDER] == PROVIDER_SALTO_KS:
        setup_binary_sensors(cast("AccessConfigEntry", entry), async_add_entities)
        return

    def space_sensors(space: Space) -> list[OccupiedBinarySensor]:
        return [OccupiedBinarySensor(entry.runtime_data, OCCUPIED, space)]

    add_entities_as_they_appear(entry, async_add_entities, space_entities=space_sensors)


class OccupiedBinarySensor(SpaceEntity, BinarySensorEntity):
    """On while the space's current booking is checked in."""

    @property
    def is_on(self) -> bool:
        """Whether someone is checked in now."""
        return self.space_state.status is SpaceStatus.CHECKED_IN

    @property
    def shown(self) -> object:
        """Only the checked-in fact shows; other status changes write nothing."""
        return self.is_on
