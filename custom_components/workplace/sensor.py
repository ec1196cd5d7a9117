"""Sensors: each space's status, each zone's counters, the account's last update."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import CONF_WEBHOOK_ID, EntityCategory

from .access_platforms import setup_sensors
from .const import CONF_PROVIDER, PROVIDER_SALTO_KS
from .coordinator import PUSH_HEALTH, PushHealth
from .entity import (
    AccountEntity,
    PlaceEntity,
    SpaceEntity,
    ZoneEntity,
    add_entities_as_they_appear,
)
from .snapshot import SpaceState, SpaceStatus, ZoneState

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .access import AccessConfigEntry
    from .api import Space, Zone
    from .coordinator import WorkplaceConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class ZoneSensorEntityDescription(SensorEntityDescription):
    """A counter of a zone."""

    value_fn: Callable[[ZoneState], int]
    attributes_fn: Callable[[ZoneState], dict[str, Any]] | None = None


ZONE_SENSORS: tuple[ZoneSensorEntityDescription, ...] = (
    ZoneSensorEntityDescription(
        key="bookings_today",
        translation_key="bookings_today",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: state.bookings_today,
    ),
    ZoneSensorEntityDescription(
        key="checked_in",
        translation_key="checked_in",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: state.checked_in_now,
    ),
    ZoneSensorEntityDescription(
        key="free_spaces",
        translation_key="free_spaces",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: state.free_now,
    ),
    ZoneSensorEntityDescription(
        key="expected_visitors",
        translation_key="expected_visitors",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda state: len(state.visitors),
        attributes_fn=lambda state: {
            "visitors": [
                {
                    "name": visitor.guest.name,
                    "organisation": visitor.guest.organisation,
                    "host": visitor.host.name if visitor.host else None,
                    "expected": visitor.start.isoformat() if visitor.start else None,
                    "checked_in": visitor.guest.checked_in,
                }
                for visitor in state.visitors
            ]
        },
    ),
)

SPACE_STATUS = SensorEntityDescription(
    key="status",
    translation_key="status",
    device_class=SensorDeviceClass.ENUM,
    options=[status.value for status in SpaceStatus],
)

LAST_UPDATE = SensorEntityDescription(
    key="last_update",
    translation_key="last_update",
    device_class=SensorDeviceClass.TIMESTAMP,
    entity_category=EntityCategory.DIAGNOSTIC,
    # It changes with every poll; enabling it costs one state write per poll.
    entity_registry_enabled_default=False,
)


@dataclass(frozen=True, kw_only=True)
class PushSensorEntityDescription(SensorEntityDescription):
    """A health figure of the webhook channel."""

    value_fn: Callable[[PushHealth], datetime | int | None]


PUSH_SENSORS: tuple[PushSensorEntityDescription, ...] = (
    PushSensorEntityDescription(
        key="last_push",
        translation_key="last_push",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda push: push.last_delivery,
    ),
    PushSensorEntityDescription(
        key="rejected_deliveries",
        translation_key="rejected_deliveries",
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda push: push.rejected_signatures,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the account sensor, then zone and space sensors as they appear."""
    if entry.data[CONF_PROVIDER] == PROVIDER_SALTO_KS:
        setup_sensors(cast("AccessConfigEntry", entry), async_add_entities)
        return
    async_add_entities([LastUpdateSensor(entry.runtime_data, LAST_UPDATE)])
    if CONF_WEBHOOK_ID in entry.data:
        async_add_entities(
            [PushSensor(entry.runtime_data, description) for description in PUSH_SENSORS]
        )

    def zone_sensors(zone: Zone) -> list[ZoneSensor]:
        return [ZoneSensor(entry.runtime_data, description, zone) for description in ZONE_SENSORS]

    def space_sensors(space: Space) -> list[SpaceStatusSensor]:
        return [SpaceStatusSensor(entry.runtime_data, SPACE_STATUS, space)]

    add_entities_as_they_appear(
        entry, async_add_entities, zone_entities=zone_sensors, space_entities=space_sensors
    )


class ZoneSensor(ZoneEntity, SensorEntity):
    """A counter of a building or level."""

    entity_description: ZoneSensorEntityDescription
    # Lists of people change often and are no history worth keeping.
    _unrecorded_attributes = frozenset({"visitors"})

    @property
    def native_value(self) -> int:
        """The counter now."""
        return self.entity_description.value_fn(self.zone_state)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Details behind the counter, where there are any (today's visitors)."""
        attributes_fn = self.entity_description.attributes_fn
        return attributes_fn(self.zone_state) if attributes_fn else None

    @property
    def shown(self) -> object:
        """Only this counter (and its attributes): a zone's other counters are not news here."""
        return self.native_value, self.extra_state_attributes


class SpaceStatusSensor(SpaceEntity, SensorEntity):
    """Free, booked, checked in or pending approval, with the current booking's details."""

    @property
    def native_value(self) -> str:
        """The space's status now."""
        return self.space_state.status.value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The current booking (never an email) and when the next one starts."""
        return status_attributes(self.space_state)


def status_attributes(state: SpaceState) -> dict[str, Any]:
    """Attributes describing a space's current and next booking."""
    current = state.current
    return {
        "booking_id": current.id if current else None,
        "booking_start": current.start.isoformat() if current else None,
        "booking_end": current.end.isoformat() if current else None,
        "booked_for": current.person.name if current else None,
        "booking_type": current.booking_type if current else None,
        "next_booking_start": state.next_start.isoformat() if state.next_start else None,
    }


class LastUpdateSensor(AccountEntity, SensorEntity):
    """When data was last fetched successfully."""

    @property
    def available(self) -> bool:
        """Always available: it tells how long ago the last good poll was."""
        return True

    @property
    def native_value(self) -> datetime | None:
        """The time of the last successful poll."""
        return self.coordinator.last_update_success_time

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Until when the server asked us to wait (rate limited), or nothing."""
        until = self.coordinator.rate_limited_until
        return {"rate_limited_until": until.isoformat() if until else None}

    @property
    def shown(self) -> object:
        """Shows the time of the last successful poll, and a rate limit."""
        return self.coordinator.last_update_success_time, self.coordinator.rate_limited_until


class PushSensor(AccountEntity, PlaceEntity, SensorEntity):
    """How the webhook channel is doing: it stays available while polls fail."""

    entity_description: PushSensorEntityDescription
    place_id = PUSH_HEALTH

    @property
    def available(self) -> bool:
        """Push health is known whatever the polls do."""
        return True

    @property
    def native_value(self) -> datetime | int | None:
        """The figure now."""
        return self.entity_description.value_fn(self.coordinator.push)

    @property
    def shown(self) -> object:
        """The figure, written when it changes."""
        return self.native_value
