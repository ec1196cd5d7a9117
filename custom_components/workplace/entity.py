"""Base entities: one device per account, zone and space; writes only when something shows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_SPACE_ENTITIES
from .coordinator import (
    PollingCoordinator,
    WorkplaceConfigEntry,
    WorkplaceCoordinator,
    changed_signal,
)
from .devices import account_device, account_key, object_key, space_device, zone_device

if TYPE_CHECKING:
    from homeassistant.helpers.entity import Entity
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Space, Zone
    from .snapshot import SpaceState, ZoneState


class WritesOnChange[CoordinatorT: PollingCoordinator[Any]](CoordinatorEntity[CoordinatorT]):
    """An entity fed by an entry's coordinator.

    A poll reaches every entity, but an entity writes its state only when what it shows (its
    `shown` value or its availability) differs from what its last write showed: an idle poll
    writes nothing. `shown` must cover everything the state and attributes are built from,
    including what the entity keeps itself (a door just opened), and the entity's own writes go
    through `write_state`, so that the next poll compares with what is really displayed.
    """

    _attr_has_entity_name = True
    _last_shown: object = None

    def __init__(self, coordinator: CoordinatorT, description: EntityDescription) -> None:
        """Bind the entity to its coordinator and description."""
        super().__init__(coordinator)
        self.entity_description = description

    @property
    def shown(self) -> object:
        """What this entity displays; equal values mean nothing to write."""
        raise NotImplementedError

    @property
    def available(self) -> bool:
        """Available after a good poll, and for a while when the server asked us to wait."""
        return super().available or self.coordinator.holds_last_state

    def _showing(self) -> object:
        return (self.available, self.shown if self.available else None)

    @callback
    def _handle_coordinator_update(self) -> None:
        if self._showing() != self._last_shown:
            self.write_state()

    @callback
    def write_state(self) -> None:
        """Write the state now and remember what it shows (use it for the entity's own writes)."""
        self._last_shown = self._showing()
        self.async_write_ha_state()

    async def async_added_to_hass(self) -> None:
        """Remember what the first write showed."""
        await super().async_added_to_hass()
        self._last_shown = self._showing()

    @callback
    def async_entity_id_changed(self, old_entity_id: str) -> None:
        """A renamed entity carries on in place: nothing it listens to is keyed by its id.

        Home Assistant 2026.11 removes and re-adds a custom entity on rename unless it says so.
        """
        super().async_entity_id_changed(old_entity_id)


class WorkplaceEntity(WritesOnChange[WorkplaceCoordinator]):
    """An entity of a booking provider's entry (PlaceOS, Deskbee)."""


class PlaceEntity(WorkplaceEntity):
    """An entity also told when only its own part changed between polls (a push, an action).

    The part is a zone or space, or the webhook channel's health (`PUSH_HEALTH`).
    """

    place_id: str

    async def async_added_to_hass(self) -> None:
        """Listen for changes of this place between polls."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                changed_signal(self.coordinator.config_entry.entry_id, self.place_id),
                self._handle_coordinator_update,
            )
        )


class AccountEntity(WorkplaceEntity):
    """An entity of the account (the tenant) device."""

    def __init__(self, coordinator: WorkplaceCoordinator, description: EntityDescription) -> None:
        """Attach the entity to the account device."""
        super().__init__(coordinator, description)
        entry = coordinator.config_entry
        self._attr_unique_id = f"{account_key(entry)}_{description.key}"
        self._attr_device_info = account_device(entry, coordinator.account)


class ZoneEntity(PlaceEntity):
    """An entity of a building or level device."""

    def __init__(
        self, coordinator: WorkplaceCoordinator, description: EntityDescription, zone: Zone
    ) -> None:
        """Attach the entity to its zone's device."""
        super().__init__(coordinator, description)
        entry = coordinator.config_entry
        self.zone_id = self.place_id = zone.id
        self._attr_unique_id = f"{object_key(entry, zone.id)}_{description.key}"
        self._attr_device_info = zone_device(coordinator.hass, entry, zone, coordinator.data.zones)

    @property
    def available(self) -> bool:
        """Unavailable when the poll failed or the zone left the tracked scope."""
        return super().available and self.zone_id in self.coordinator.data.zones

    @property
    def zone_state(self) -> ZoneState:
        """The zone's counters now."""
        return self.coordinator.data.zone_states[self.zone_id]

    @property
    def shown(self) -> object:
        """A zone entity shows its counters."""
        return self.zone_state


class SpaceEntity(PlaceEntity):
    """An entity of a desk, room or other bookable space."""

    def __init__(
        self, coordinator: WorkplaceCoordinator, description: EntityDescription, space: Space
    ) -> None:
        """Attach the entity to its space's device."""
        super().__init__(coordinator, description)
        entry = coordinator.config_entry
        self.space_id = self.place_id = space.id
        self._attr_unique_id = f"{object_key(entry, space.id)}_{description.key}"
        self._attr_device_info = space_device(
            coordinator.hass, entry, space, coordinator.data.space_names[space.id]
        )

    @property
    def available(self) -> bool:
        """Unavailable when the poll failed or the space was removed on the server."""
        return super().available and self.space_id in self.coordinator.data.spaces

    @property
    def space_state(self) -> SpaceState:
        """The space's status now."""
        return self.coordinator.data.space_states[self.space_id]

    @property
    def shown(self) -> object:
        """A space entity shows its state."""
        return self.space_state


def add_entities_as_they_appear(
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *,
    zone_entities: Callable[[Zone], Iterable[Entity]] | None = None,
    space_entities: Callable[[Space], Iterable[Entity]] | None = None,
) -> None:
    """Add entities for the zones and spaces known now, and for those that appear later."""
    coordinator = entry.runtime_data
    added: set[str] = set()
    with_spaces = space_entities is not None and entry.options.get(CONF_SPACE_ENTITIES, True)

    @callback
    def add_new() -> None:
        if not coordinator.last_update_success:
            return
        snapshot = coordinator.data
        # Forget what left the server, so that it gets entities again if it comes back.
        added.intersection_update(snapshot.zones.keys() | snapshot.spaces.keys())
        new: list[Entity] = []
        if zone_entities is not None:
            for zone in snapshot.zones.values():
                if zone.id not in added:
                    added.add(zone.id)
                    new.extend(zone_entities(zone))
        if with_spaces and space_entities is not None:
            for space in snapshot.spaces.values():
                if space.id not in added:
                    added.add(space.id)
                    new.extend(space_entities(space))
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
