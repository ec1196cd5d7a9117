"""An `activity` event entity per space: booked, checked in, guest arrived..."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import callback
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .access_platforms import setup_events
from .activity import Activity, ActivityType
from .const import CONF_PROVIDER, PROVIDER_SALTO_KS
from .coordinator import activity_signal
from .entity import SpaceEntity, add_entities_as_they_appear

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .access import AccessConfigEntry
    from .api import Space
    from .coordinator import WorkplaceConfigEntry

PARALLEL_UPDATES = 0

ACTIVITY = EventEntityDescription(
    key="activity",
    translation_key="activity",
    event_types=[activity.value for activity in ActivityType],
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an activity event entity per space, including spaces that appear later."""
    if entry.data[CONF_PROVIDER] == PROVIDER_SALTO_KS:
        setup_events(cast("AccessConfigEntry", entry), async_add_entities)
        return

    def space_events(space: Space) -> list[SpaceActivityEvent]:
        return [SpaceActivityEvent(entry.runtime_data, ACTIVITY, space)]

    add_entities_as_they_appear(entry, async_add_entities, space_entities=space_events)


class SpaceActivityEvent(SpaceEntity, EventEntity):
    """Fires once per occurrence on the space's bookings; never for what existed at start."""

    @property
    def shown(self) -> object:
        """Polls change nothing here; only occurrences (and availability) write."""
        return None

    async def async_added_to_hass(self) -> None:
        """Listen for this space's occurrences."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                activity_signal(self.coordinator.config_entry.entry_id, self.space_id),
                self._handle_activity,
            )
        )

    @callback
    def _handle_activity(self, activity: Activity, source: str) -> None:
        booking = activity.booking
        attributes = {
            "booking_id": booking.id,
            "booking_start": booking.start.isoformat(),
            "booking_end": booking.end.isoformat(),
            "person_name": booking.person.name,
            "source": source,
        }
        if activity.guest is not None:
            attributes["guest_name"] = activity.guest.name
        self._trigger_event(activity.type.value, attributes)
        self.write_state()
