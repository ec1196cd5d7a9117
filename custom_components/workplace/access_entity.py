"""Entities of a SALTO KS site: a device per site, lock and pod."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from .access import MANUFACTURER, AccessConfigEntry, AccessCoordinator
from .const import DOMAIN
from .devices import account_key, registered_device_id
from .entity import WritesOnChange

if TYPE_CHECKING:
    from homeassistant.helpers.entity import Entity
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Lock, Pod


class AccessEntity(WritesOnChange[AccessCoordinator]):
    """An entity of a SALTO KS site: a lock's, a pod's or the site's."""

    def __init__(
        self, coordinator: AccessCoordinator, description: EntityDescription, object_id: str
    ) -> None:
        """Bind to the coordinator, a description and the lock, pod or site it is about."""
        super().__init__(coordinator, description)
        self.object_id = object_id
        self._attr_unique_id = f"{coordinator.config_entry.unique_id}_{object_id}_{description.key}"


def site_device_id(coordinator: AccessCoordinator) -> str:
    """The site's device, for its doors and pods (the coordinator registers it first)."""
    entry = coordinator.config_entry
    return registered_device_id(coordinator.hass, entry, account_key(entry))


class AccessLockEntity(AccessEntity):
    """An entity of a lock device."""

    def __init__(
        self, coordinator: AccessCoordinator, description: EntityDescription, lock: Lock
    ) -> None:
        """Describe the lock's device, under the site."""
        super().__init__(coordinator, description, lock.id)
        unique = coordinator.config_entry.unique_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{unique}_{lock.id}")},
            name=lock.name,
            manufacturer=MANUFACTURER,
            model=(lock.lock_type or "lock").replace("_", " ").capitalize(),
            serial_number=lock.id,
            via_device_id=site_device_id(coordinator),
        )

    @property
    def door(self) -> Lock:
        """The lock as last polled."""
        return self.coordinator.data.locks[self.object_id]

    @property
    def available(self) -> bool:
        """Unavailable when the poll failed or the lock left the site."""
        return super().available and self.object_id in self.coordinator.data.locks

    @property
    def shown(self) -> object:
        """A lock entity shows its lock's state."""
        return self.door


class PodEntity(AccessEntity):
    """An entity of a pod device."""

    def __init__(
        self, coordinator: AccessCoordinator, description: EntityDescription, pod: Pod
    ) -> None:
        """Describe the pod's device, under the site."""
        super().__init__(coordinator, description, pod.id)
        unique = coordinator.config_entry.unique_id
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{unique}_{pod.id}")},
            name=pod.name,
            manufacturer=MANUFACTURER,
            model="Pod",
            via_device_id=site_device_id(coordinator),
        )

    @property
    def pod(self) -> Pod:
        """The pod as last polled."""
        return self.coordinator.data.pods[self.object_id]

    @property
    def available(self) -> bool:
        """Unavailable when the poll failed or the pod was deleted."""
        return super().available and self.object_id in self.coordinator.data.pods

    @property
    def shown(self) -> object:
        """A pod entity shows its pod."""
        return self.pod


def add_access_entities(
    entry: AccessConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *,
    lock_entities: Callable[[Lock], Iterable[Entity]] | None = None,
    pod_entities: Callable[[Pod], Iterable[Entity]] | None = None,
) -> None:
    """Add entities for the locks and pods known now, and for those that appear later."""
    coordinator = entry.runtime_data
    added: set[str] = set()

    @callback
    def add_new() -> None:
        if not coordinator.last_update_success:
            return
        data = coordinator.data
        added.intersection_update(data.locks.keys() | data.pods.keys())
        new: list[Entity] = []
        if lock_entities is not None:
            for lock in data.locks.values():
                if lock.id not in added:
                    added.add(lock.id)
                    new.extend(lock_entities(lock))
        if pod_entities is not None:
            for pod in data.pods.values():
                if pod.id not in added:
                    added.add(pod.id)
                    new.extend(pod_entities(pod))
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
