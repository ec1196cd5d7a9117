"""The SALTO KS entities of the shared platforms: lock health, pods and door events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.components.sensor import (
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .access import AccessConfigEntry, AccessCoordinator, access_signal
from .access_entity import AccessEntity, AccessLockEntity, PodEntity, add_access_entities
from .const import DOMAIN

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import DoorEntry, Lock, Pod


@dataclass(frozen=True, kw_only=True)
class LockBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no fact about a lock."""

    value_fn: Callable[[Lock], bool | None]


LOCK_BINARY_SENSORS = (
    LockBinarySensorDescription(
        key="online",
        translation_key="online",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda lock: lock.online,
    ),
    LockBinarySensorDescription(
        key="intrusion",
        translation_key="intrusion",
        device_class=BinarySensorDeviceClass.SAFETY,
        value_fn=lambda lock: lock.intrusion_alarm,
    ),
    LockBinarySensorDescription(
        key="left_open",
        translation_key="left_open",
        device_class=BinarySensorDeviceClass.PROBLEM,
        value_fn=lambda lock: lock.left_open_alarm,
    ),
)

BATTERY = SensorEntityDescription(
    key="battery", translation_key="battery", entity_category=EntityCategory.DIAGNOSTIC
)


@dataclass(frozen=True, kw_only=True)
class PodSensorDescription(SensorEntityDescription):
    """A count about a pod."""

    value_fn: Callable[[Pod], int | None]


POD_SENSORS = (
    PodSensorDescription(
        key="guests",
        translation_key="pod_guests",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pod: len(pod.guests),
    ),
    PodSensorDescription(
        key="members",
        translation_key="pod_members",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pod: pod.members,
    ),
    PodSensorDescription(
        key="capacity_left",
        translation_key="guest_capacity_left",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda pod: pod.guest_capacity_left,
    ),
)

ACCESS = EventEntityDescription(
    key="access", translation_key="access", event_types=["access_granted", "access_denied"]
)


STREAM = BinarySensorEntityDescription(
    key="live_entries",
    translation_key="live_entries",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)


def setup_binary_sensors(
    entry: AccessConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Online, intrusion and left-open per lock; whether door entries stream live."""
    async_add_entities([StreamBinarySensor(entry.runtime_data, STREAM, "site")])
    add_access_entities(
        entry,
        async_add_entities,
        lock_entities=lambda lock: [
            LockBinarySensor(entry.runtime_data, description, lock)
            for description in LOCK_BINARY_SENSORS
        ],
    )


def setup_sensors(
    entry: AccessConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Battery per lock; guests, members and capacity per pod."""
    add_access_entities(
        entry,
        async_add_entities,
        lock_entities=lambda lock: [BatterySensor(entry.runtime_data, BATTERY, lock)],
        pod_entities=lambda pod: [
            PodSensor(entry.runtime_data, description, pod) for description in POD_SENSORS
        ],
    )


def setup_events(
    entry: AccessConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """A door-access event entity per lock."""
    add_access_entities(
        entry,
        async_add_entities,
        lock_entities=lambda lock: [AccessEvent(entry.runtime_data, ACCESS, lock)],
    )


class LockBinarySensor(AccessLockEntity, BinarySensorEntity):
    """Online, intrusion alarm or left-open alarm of a lock."""

    entity_description: LockBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The fact as the lock last reported it."""
        return self.entity_description.value_fn(self.door)


class StreamBinarySensor(AccessEntity, BinarySensorEntity):
    """On while door entries arrive live over the stream (off: fetched at each poll)."""

    def __init__(
        self, coordinator: AccessCoordinator, description: BinarySensorEntityDescription, key: str
    ) -> None:
        """Attach to the site device."""
        super().__init__(coordinator, description, key)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, str(coordinator.config_entry.unique_id))}
        )

    @property
    def available(self) -> bool:
        """The stream's state is known whatever the polls do."""
        return True

    @property
    def is_on(self) -> bool:
        """Whether the entries stream is connected."""
        return self.coordinator.stream.connected

    @property
    def shown(self) -> object:
        """Written when the stream connects or drops."""
        return self.is_on


class BatterySensor(AccessLockEntity, SensorEntity):
    """The lock's battery level, as SALTO KS words it (`fresh`, ...)."""

    @property
    def native_value(self) -> str | None:
        """The reported level."""
        return self.door.battery_level


class PodSensor(PodEntity, SensorEntity):
    """Guests, members or guest capacity left of a pod."""

    entity_description: PodSensorDescription

    @property
    def native_value(self) -> int | None:
        """The count now."""
        return self.entity_description.value_fn(self.pod)


class AccessEvent(AccessLockEntity, EventEntity):
    """Fires once per door entry of the lock: granted or denied, who, how, when."""

    @property
    def shown(self) -> object:
        """Polls change nothing here; only door entries (and availability) write."""
        return None

    async def async_added_to_hass(self) -> None:
        """Listen for this lock's door entries."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                access_signal(self.coordinator.config_entry.entry_id, self.object_id),
                self._handle_entry,
            )
        )

    @callback
    def _handle_entry(self, entry: DoorEntry, source: str) -> None:
        attributes: dict[str, Any] = {
            "person_name": entry.person_name,
            "method": entry.access_by,
            "detail": entry.detail,
            "time": entry.time.isoformat(),
            "source": source,
        }
        self._trigger_event("access_granted" if entry.granted else "access_denied", attributes)
        self.write_state()
