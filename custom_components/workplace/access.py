"""Access control (SALTO KS): locks and pods polled, door entries streamed live.

Door entries arrive over the SignalR entries hub; while the stream is down they are fetched from
`/entries`, from a while before the newest one seen (entries become queryable late, and a lock
that was offline uploads its log later), so nothing is lost. Each entry fires once, late ones
too (with their own time): entries are remembered by id — across reconnects, the polling
fallback overlapping the stream and replays; nothing from before Home Assistant started watching
fires after a restart.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

import aiohttp
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_USERNAME,
)
from homeassistant.core import callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util
import orjson

from .api import (
    DoorEntry,
    Lock,
    Pod,
    SaltoKSClient,
    Site,
    WorkplaceError,
)
from .api.json_fields import parse_all
from .api.salto_json import parse_entry
from .api.signalr import StreamClosedError, listen
from .const import (
    CONF_IDENTITY_URL,
    CONF_PROVIDER,
    CONF_SITE,
    DEFAULT_SCAN_INTERVAL,
    DOMAIN,
    EVENT_WORKPLACE,
    LOGGER,
)
from .coordinator import PollingCoordinator
from .devices import remove_stale_devices

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

type AccessConfigEntry = ConfigEntry[AccessCoordinator]

# SALTO KS documents that entries take a while to become queryable, without a bound (§4.7), and
# a lock that was offline uploads its log when it reconnects: the fallback asks again for this
# long before the newest entry seen. A guess, kept here; ids make the overlap harmless.
LATE_ENTRIES: Final = timedelta(hours=1)
# Entry ids are remembered while such an entry may still come again (twice the window), and
# never more than this many (a bound on memory); an entry older than that is not fired.
REMEMBERED_ENTRIES: Final = 50_000
# A stream that sends nothing, not even a ping, this long is treated as dead.
STREAM_SILENCE: Final = 90.0
MANUFACTURER: Final = "SALTO Systems"
RECONNECT_DELAYS: Final = (1.0, 2.0, 5.0, 15.0, 30.0, 60.0)


def create_access_client(hass: HomeAssistant, data: Mapping[str, Any]) -> SaltoKSClient:
    """A SALTO KS client for entry (or flow) data, on Home Assistant's shared session."""
    return SaltoKSClient(
        url=data[CONF_URL],
        identity_url=data[CONF_IDENTITY_URL],
        client_id=data[CONF_CLIENT_ID],
        client_secret=data[CONF_CLIENT_SECRET],
        username=data[CONF_USERNAME],
        password=data[CONF_PASSWORD],
        session=async_get_clientsession(hass),
    )


def access_signal(entry_id: str, lock_id: str) -> str:
    """Dispatcher signal carrying one lock's door entries to its event entity."""
    return f"{DOMAIN}_{entry_id}_{lock_id}_access"


@dataclass(frozen=True, slots=True)
class AccessSnapshot:
    """The site's locks and pods as last polled."""

    site: Site
    locks: Mapping[str, Lock]
    pods: Mapping[str, Pod]


@dataclass(slots=True)
class StreamHealth:
    """How the live entries stream is doing."""

    connected: bool = False
    last_message: datetime | None = None
    reconnects: int = 0
    entries_fired: int = 0
    duplicates: int = 0
    polled_while_down: int = 0


@dataclass(slots=True)
class EntryMemory:
    """Which door entries already fired, by id; and where the next catch-up starts."""

    seen: OrderedDict[str, datetime] = field(default_factory=OrderedDict)
    newest: datetime | None = None
    # Whole seconds: door entries are stamped to the second (§4.7).
    since: datetime = field(default_factory=lambda: dt_util.utcnow().replace(microsecond=0))

    def is_new(self, entry: DoorEntry) -> bool:
        """Remember the entry; whether it is news: not fired before, and not too old to tell."""
        if entry.id in self.seen or entry.time < self.since:
            return False
        if self.newest is not None and entry.time < self.newest - 2 * LATE_ENTRIES:
            return False  # its id may have been forgotten: firing it could repeat it
        self.seen[entry.id] = entry.time
        if self.newest is None or entry.time > self.newest:
            self.newest = entry.time
        oldest_kept = self.newest - 2 * LATE_ENTRIES
        while self.seen and (
            len(self.seen) > REMEMBERED_ENTRIES or next(iter(self.seen.values())) < oldest_kept
        ):
            self.seen.popitem(last=False)
        return True

    @property
    def latest(self) -> datetime:
        """Where to resume fetching entries from: before the newest, for late ones."""
        if self.newest is None:
            return self.since
        return max(self.since, self.newest - LATE_ENTRIES)


class AccessCoordinator(PollingCoordinator[AccessSnapshot]):
    """Polls one site's locks and pods; keeps the entries stream (or its fallback) going."""

    config_entry: AccessConfigEntry

    def __init__(self, hass: HomeAssistant, entry: AccessConfigEntry) -> None:
        """Read the entry's site and options."""
        self.interval = timedelta(
            seconds=entry.options.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL.total_seconds())
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=self.interval,
        )
        self.client = create_access_client(hass, entry.data)
        self.site_id: str = entry.data[CONF_SITE]
        self.stream = StreamHealth()
        self.memory = EntryMemory()
        self._objects_seen: set[str] | None = None
        self._since_on_server_clock = False
        self.reconnect_delays: tuple[float, ...] = RECONNECT_DELAYS
        self.silence: float = STREAM_SILENCE

    async def _async_update_data(self) -> AccessSnapshot:
        try:
            sites = await self.client.get_sites()
            if not self._since_on_server_clock:
                # Entry times come from the server's clock, which may not agree with ours.
                self.memory.since += self.client.clock_offset
                self._since_on_server_clock = True
            site = next((s for s in sites if s.id == self.site_id), None)
            if site is None:
                raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="site_gone")
            locks = await self.client.get_locks(self.site_id)
            pods = await self.client.get_pods(self.site_id)
            if not self.stream.connected:
                await self._catch_up()
        except WorkplaceError as err:
            raise self.poll_failed(err) from err
        current = {lock.id for lock in locks} | {pod.id for pod in pods}
        if current != self._objects_seen:
            self._objects_seen = current
            # The site first: every door and pod device hangs under it.
            dr.async_get(self.hass).async_get_or_create(
                config_entry_id=self.config_entry.entry_id,
                identifiers={(DOMAIN, str(self.config_entry.unique_id))},
                name=site.name,
                manufacturer=MANUFACTURER,
                model="SALTO KS site",
                entry_type=dr.DeviceEntryType.SERVICE,
            )
            remove_stale_devices(self.hass, self.config_entry, current)
        return AccessSnapshot(
            site=site, locks={lock.id: lock for lock in locks}, pods={p.id: p for p in pods}
        )

    async def _catch_up(self) -> None:
        """While the stream is down, fetch what the doors saw since the last entry."""
        entries = await self.client.get_entries(self.site_id, since=self.memory.latest)
        for entry in sorted(entries, key=lambda e: (e.time, e.id)):
            if self.memory.is_new(entry):
                self.stream.polled_while_down += 1
                self._fire(entry, "poll")

    # -- the stream ----------------------------------------------------------------------------

    async def run_stream(self) -> None:
        """Keep the entries hub connected, with a fresh token and backoff between attempts."""
        attempt = 0
        while True:
            try:
                token = await self.client.access_token(fresh=True)
                await listen(
                    self.client.session,
                    self.client.hub_url(self.site_id),
                    token,
                    self._on_message,
                    silence=self.silence,
                    connected=self._connected,
                )
            except (StreamClosedError, WorkplaceError, aiohttp.ClientError, OSError) as err:
                if self.stream.connected:
                    LOGGER.info("%s: the door entries stream dropped (%s)", self.name, err)
                else:
                    LOGGER.debug("%s: the door entries stream is down: %s", self.name, err)
            except Exception:  # noqa: BLE001 - a background task must not die silently
                # Never let the stream die silently: log and keep trying.
                LOGGER.exception("%s: unexpected error in the door entries stream", self.name)
            if self.stream.connected:
                attempt = 0
                self.stream.connected = False
                self.async_update_listeners()
            self.stream.reconnects += 1
            await self._fallback()
            delays = self.reconnect_delays
            await asyncio.sleep(delays[min(attempt, len(delays) - 1)])
            attempt += 1

    async def _connected(self) -> None:
        # What happened while we were not listening is fetched once; the stream does the rest.
        await self._fallback()
        self.stream.connected = True
        self.async_update_listeners()

    async def _fallback(self) -> None:
        try:
            await self._catch_up()
        except WorkplaceError as err:
            LOGGER.debug("%s: could not fetch door entries: %s", self.name, err)

    @callback
    def _on_message(self, target: str, arguments: list[Any]) -> None:
        self.stream.last_message = dt_util.utcnow()
        if target != "ReceiveMessage":
            return
        decoded: list[Any] = []
        for argument in arguments:
            try:
                decoded.append(orjson.loads(argument) if isinstance(argument, str) else argument)
            except orjson.JSONDecodeError as err:
                LOGGER.warning("%s: skipping an unreadable door entry: %s", self.name, err)
        for entry in parse_all(decoded, parse_entry, "door entry"):
            if self.memory.is_new(entry):
                self._fire(entry, "push")
            else:
                self.stream.duplicates += 1

    @callback
    def _fire(self, entry: DoorEntry, source: str) -> None:
        self.stream.entries_fired += 1
        self.hass.bus.async_fire(
            EVENT_WORKPLACE,
            {
                "config_entry_id": self.config_entry.entry_id,
                "provider": self.config_entry.data[CONF_PROVIDER],
                "type": "access_granted" if entry.granted else "access_denied",
                "lock_id": entry.lock_id,
                "entry_id": entry.id,
                "person": {"name": entry.person_name},
                "method": entry.access_by,
                "detail": entry.detail,
                "time": entry.time.isoformat(),
                "source": source,
            },
        )
        async_dispatcher_send(
            self.hass, access_signal(self.config_entry.entry_id, entry.lock_id), entry, source
        )
