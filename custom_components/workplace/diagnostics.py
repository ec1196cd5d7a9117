"""Diagnostics: what the entry sees, with every secret and personal detail removed."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import (
    CONF_API_KEY,
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)

from .access import AccessCoordinator
from .const import CONF_WEBHOOK_SECRET

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import WorkplaceConfigEntry

TO_REDACT = {
    CONF_API_KEY,
    CONF_PASSWORD,
    CONF_USERNAME,
    "email",
    CONF_CLIENT_SECRET,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    "user_email",
    "user_name",
    "user_id",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: WorkplaceConfigEntry
) -> dict[str, Any]:
    """Entry settings, account, scope and counts; no bookings' people."""
    runtime: Any = entry.runtime_data
    if isinstance(runtime, AccessCoordinator):
        return _access_diagnostics(entry, runtime)
    coordinator = entry.runtime_data
    snapshot = coordinator.data
    bookings = {b.id: b for items in snapshot.bookings_by_zone.values() for b in items}
    return {
        "entry": async_redact_data(
            {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
                "unique_id": entry.unique_id,
            },
            TO_REDACT,
        ),
        "account": async_redact_data(coordinator.account.to_dict(), TO_REDACT),
        "last_update_success": coordinator.last_update_success,
        "last_update_success_time": (
            coordinator.last_update_success_time.isoformat()
            if coordinator.last_update_success_time
            else None
        ),
        "rate_limited_until": (
            coordinator.rate_limited_until.isoformat() if coordinator.rate_limited_until else None
        ),
        "update_interval_seconds": (
            coordinator.update_interval.total_seconds() if coordinator.update_interval else None
        ),
        "zones": [zone.to_dict() for zone in snapshot.zones.values()],
        "spaces": [space.to_dict() for space in snapshot.spaces.values()],
        "bookings_by_status": dict(Counter(b.status.value for b in bookings.values())),
        "space_status": dict(Counter(s.status.value for s in snapshot.space_states.values())),
        "push": {
            "webhook": CONF_WEBHOOK_ID in entry.data,
            "deliveries": coordinator.push.deliveries,
            "last_delivery": (
                coordinator.push.last_delivery.isoformat()
                if coordinator.push.last_delivery
                else None
            ),
            "rejected_signatures": coordinator.push.rejected_signatures,
            "duplicates": coordinator.push.duplicates,
            "stale": coordinator.push.stale,
            "coalesced": coordinator.push.coalesced,
        },
    }


def _access_diagnostics(
    entry: WorkplaceConfigEntry, coordinator: AccessCoordinator
) -> dict[str, Any]:
    """A SALTO KS site: locks and pods (guests counted, not named), stream health."""
    stream = coordinator.stream
    return {
        "entry": async_redact_data(
            {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)},
            TO_REDACT,
        ),
        "last_update_success": coordinator.last_update_success,
        "rate_limited_until": (
            coordinator.rate_limited_until.isoformat() if coordinator.rate_limited_until else None
        ),
        "site": coordinator.data.site.to_dict(),
        "locks": [lock.to_dict() for lock in coordinator.data.locks.values()],
        "pods": [
            {"id": pod.id, "name": pod.name, "locks": len(pod.lock_ids), "guests": len(pod.guests)}
            for pod in coordinator.data.pods.values()
        ],
        "stream": {
            "connected": stream.connected,
            "last_message": stream.last_message.isoformat() if stream.last_message else None,
            "reconnects": stream.reconnects,
            "entries_fired": stream.entries_fired,
            "duplicates": stream.duplicates,
            "fetched_while_down": stream.polled_while_down,
        },
    }
