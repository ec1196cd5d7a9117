"""Doors (SALTO KS): opened with the one-time code from the SALTO KS app; they relock alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from homeassistant.components.lock import LockEntity, LockEntityDescription, LockEntityFeature
from homeassistant.const import ATTR_CODE
from homeassistant.exceptions import ServiceValidationError

from .access_entity import AccessLockEntity, add_access_entities
from .api import WorkplaceRefusedError
from .const import DOMAIN
from .errors import invalid, remote_errors

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .access import AccessConfigEntry
    from .api import Lock
    from .coordinator import WorkplaceConfigEntry

PARALLEL_UPDATES = 1

DOOR = LockEntityDescription(key="door", translation_key="door")
# The SALTO KS app shows a 5-character code valid for 3 minutes (catalog §4.3).
CODE_FORMAT = r"^[0-9A-Za-z]{5}$"
REFUSALS = {"otp_invalid": "code_invalid", "otp_blocked": "code_blocked"}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: WorkplaceConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """A lock entity per door of the site."""
    access = cast("AccessConfigEntry", entry)

    def locks(lock: Lock) -> list[SaltoLock]:
        return [SaltoLock(access.runtime_data, DOOR, lock)]

    add_access_entities(access, async_add_entities, lock_entities=locks)


class SaltoLock(AccessLockEntity, LockEntity):
    """A door: locked until someone opens it; `open` and `unlock` need the app's code."""

    _attr_name = None
    _attr_supported_features = LockEntityFeature.OPEN
    _attr_code_format = CODE_FORMAT

    @property
    def available(self) -> bool:
        """An offline door cannot be opened from here (its `online` sensor tells why)."""
        return super().available and self.door.online is not False

    @property
    def is_locked(self) -> bool | None:
        """Locked, unlocked (opened or office mode), or unknown."""
        state = self.door.locked_state
        if state == "locked":
            return True
        if state in ("unlocked", "office_mode"):
            return False
        return None

    async def async_open(self, **kwargs: Any) -> None:
        """Open the door for its open time; it relocks by itself."""
        code = kwargs.get(ATTR_CODE)
        if not code:
            raise invalid("code_required")
        coordinator = self.coordinator
        known = coordinator.data.locks.get(self.object_id)
        door = known.name if known else self.object_id
        async with remote_errors(coordinator.config_entry, missing="lock_not_found", lock=door):
            try:
                await coordinator.client.open_lock(coordinator.site_id, self.object_id, code)
            except WorkplaceRefusedError as err:
                if key := REFUSALS.get(err.code):
                    raise ServiceValidationError(
                        translation_domain=DOMAIN,
                        translation_key=key,
                        translation_placeholders={"door": self.door.name},
                    ) from err
                raise
        self._attr_is_open = True
        self.write_state()
        await coordinator.async_request_refresh()

    async def async_unlock(self, **kwargs: Any) -> None:
        """SALTO KS doors cannot stay unlocked from here: unlocking opens them briefly."""
        await self.async_open(**kwargs)

    async def async_lock(self, **kwargs: Any) -> None:
        """A SALTO KS door relocks by itself after opening."""
        raise invalid("relocks_itself")

    @property
    def shown(self) -> object:
        """The door as polled, and whether it was just opened from here."""
        return self.door, self._attr_is_open

    def _handle_coordinator_update(self) -> None:
        """A poll after opening shows the door as SALTO KS reports it again."""
        self._attr_is_open = None
        super()._handle_coordinator_update()
