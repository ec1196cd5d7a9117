"""Polls a provider for zones, spaces and bookings and derives what the entities show."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_API_KEY,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_SCAN_INTERVAL,
    CONF_URL,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import (
    TimestampDataUpdateCoordinator,
    UpdateFailed,
)
from homeassistant.util import dt as dt_util

from .activity import Activity, activities, diff, is_stale, merge
from .api import (
    Account,
    Booking,
    DeskbeeClient,
    PlaceOSClient,
    SpaceKind,
    Visitor,
    WorkplaceAuthenticationError,
    WorkplaceConnectionError,
    WorkplaceError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    ZoneKind,
)
from .const import (
    CONF_BOOKING_TYPES,
    CONF_HORIZON_DAYS,
    CONF_PROVIDER,
    CONF_ZONES,
    DEFAULT_BOOKING_TYPES,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_SCAN_INTERVAL_WITH_PUSH,
    DOMAIN,
    EVENT_WORKPLACE,
    LOGGER,
    PROVIDER_DESKBEE,
)
from .devices import account_device, remove_stale_devices, zone_device
from .snapshot import BookingIndex, Snapshot, build_snapshot, tracked_zones, zones_of

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

type WorkplaceConfigEntry = ConfigEntry[WorkplaceCoordinator]


@dataclass(slots=True)
class PushHealth:
    """How the provider's pushed deliveries are doing (webhooks)."""

    deliveries: int = 0
    last_delivery: datetime | None = None
    rejected_signatures: int = 0
    duplicates: int = 0
    stale: int = 0
    coalesced: int = 0


# While a server asks us to slow down, entities keep what the last good poll showed, for this
# long after it; then (and at once for any other failure) they are unavailable.
RATE_LIMIT_GRACE = timedelta(minutes=15)
# An optional part refused to the credentials (a permission not granted yet) is asked again
# this often: an administrator may grant it at any time.
REFUSED_PART_RETRY = timedelta(hours=1)


class PollingCoordinator[DataT](TimestampDataUpdateCoordinator[DataT]):
    """A provider entry's coordinator: polls at the entry's interval and rides out rate limits.

    A failed poll asks to log in again, waits as the server asked (429), or just fails. A rate
    limit is not an outage: entities keep their last state for `RATE_LIMIT_GRACE` after the last
    good poll, and the account's diagnostics say until when the server asked us to wait.
    """

    interval: timedelta
    _rate_limited_until: datetime | None = None
    _grace_timer: CALLBACK_TYPE | None = None

    def poll_failed(self, err: WorkplaceError) -> Exception:
        """What Home Assistant is told about a failed poll (see the class)."""
        if isinstance(err, (WorkplaceAuthenticationError, WorkplacePermissionError)):
            return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        self._rate_limited_until = None
        if isinstance(err, WorkplaceRateLimitError):
            wait = max(
                err.retry_after or 2 * self.interval.total_seconds(), self.interval.total_seconds()
            )
            self._rate_limited_until = dt_util.utcnow() + timedelta(seconds=wait)
            self._end_grace_in(self._grace_left())
            return UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"seconds": str(int(wait))},
                retry_after=wait,
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(err)},
        )

    @property
    def rate_limited_until(self) -> datetime | None:
        """When the server lets us poll again, while the last poll was refused for the rate."""
        return None if self.last_update_success else self._rate_limited_until

    @property
    def holds_last_state(self) -> bool:
        """Whether entities keep showing the last good poll although the last poll failed."""
        return self.rate_limited_until is not None and self._grace_left() > 0

    def _grace_left(self) -> float:
        if self.last_update_success_time is None:
            return 0
        return (self.last_update_success_time + RATE_LIMIT_GRACE - dt_util.utcnow()).total_seconds()

    def _end_grace_in(self, seconds: float) -> None:
        """Tell the entities when the grace ends (no poll may come before then)."""
        if self._grace_timer is not None:
            self._grace_timer()
            self._grace_timer = None
        if seconds <= 0:
            return

        @callback
        def grace_over(_: datetime) -> None:
            self._grace_timer = None
            self.async_update_listeners()

        self._grace_timer = async_call_later(self.hass, seconds, grace_over)

    async def async_shutdown(self) -> None:
        """Stop the grace timer with the polls."""
        self._end_grace_in(0)
        await super().async_shutdown()


def default_interval(entry: ConfigEntry) -> timedelta:
    """How often to poll when the user did not say: slower when webhooks push changes."""
    if CONF_WEBHOOK_ID in entry.data:
        return DEFAULT_SCAN_INTERVAL_WITH_PUSH
    return DEFAULT_SCAN_INTERVAL


def activity_signal(entry_id: str, space_id: str) -> str:
    """Dispatcher signal carrying one space's occurrences to its event entity."""
    return f"{DOMAIN}_{entry_id}_{space_id}_activity"


def changed_signal(entry_id: str, place_id: str) -> str:
    """Dispatcher signal: what a space, a zone or the push health shows changed between polls."""
    return f"{DOMAIN}_{entry_id}_{place_id}_changed"


# The `changed_signal` "place" of the webhook channel's health figures.
PUSH_HEALTH = "push_health"


type WorkplaceClient = PlaceOSClient | DeskbeeClient


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> WorkplaceClient:
    """Build the provider client for entry (or flow) data, on Home Assistant's shared session."""
    session = async_get_clientsession(hass)
    if data.get(CONF_PROVIDER) == PROVIDER_DESKBEE:
        return DeskbeeClient(
            url=data[CONF_URL],
            client_id=data[CONF_CLIENT_ID],
            client_secret=data[CONF_CLIENT_SECRET],
            session=session,
            fallback_timezone=dt_util.get_default_time_zone(),
        )
    return PlaceOSClient(url=data[CONF_URL], api_key=data[CONF_API_KEY], session=session)


class WorkplaceCoordinator(PollingCoordinator[Snapshot]):
    """One coordinator per entry: a bulk query per booking type, all pages, no per-space calls."""

    config_entry: WorkplaceConfigEntry
    account: Account

    def __init__(self, hass: HomeAssistant, entry: WorkplaceConfigEntry) -> None:
        """Read the entry's scope and options."""
        self.interval = timedelta(
            seconds=entry.options.get(CONF_SCAN_INTERVAL, default_interval(entry).total_seconds())
        )
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=self.interval,
        )
        self.client = create_client(hass, entry.data)
        self.push = PushHealth()
        self.selected_zones: tuple[str, ...] = tuple(entry.data[CONF_ZONES])
        self.booking_types: tuple[str, ...] = tuple(
            entry.options.get(CONF_BOOKING_TYPES, DEFAULT_BOOKING_TYPES)
        )
        self.horizon = timedelta(days=entry.options.get(CONF_HORIZON_DAYS, DEFAULT_HORIZON_DAYS))
        self._objects_seen: set[str] | None = None
        # What was fetched last, kept to derive the snapshot again when a booking changes.
        self._index = BookingIndex()
        self._baseline_taken = False  # the first poll is what we start watching from
        self._applied: dict[str, Booking] = {}  # command results while a poll is under way
        self._visitors: list[Visitor] = []
        self._missing_parts: set[str] = set()  # optional parts the tenant does not offer
        self._refused_parts: dict[str, datetime] = {}  # refused to us: when to ask again
        # Occurrences count from here: what existed before we started watching is not news.
        # Whole seconds, as providers stamp creation times.
        self._watching_since = dt_util.utcnow().replace(microsecond=0)

    async def _async_setup(self) -> None:
        """Learn who we are once; the tenant does not change under a running entry."""
        self.account = await self._call(self.client.get_account)

    async def _async_update_data(self) -> Snapshot:
        snapshot = await self._call(self._fetch)
        self._sync_devices(snapshot)
        return snapshot

    async def _fetch(self) -> Snapshot:
        self._applied = {}
        day_start = dt_util.start_of_local_day()
        horizon_end = day_start + self.horizon
        zones = tracked_zones(await self.client.get_zones(), self.selected_zones)
        levels = [zone for zone in zones.values() if zone.parent_id in zones]
        spaces = await self.client.get_spaces(levels) if levels else []
        polled: dict[str, Booking] = {}
        for booking_type in self.booking_types:
            for booking in await self.client.get_bookings(
                booking_type=booking_type,
                zone_ids=self.selected_zones,
                start=day_start,
                end=horizon_end,
            ):
                polled[booking.id] = booking
        if isinstance(self.client, PlaceOSClient) and any(
            space.kind is SpaceKind.ROOM for space in spaces
        ):
            meetings = await self._optional(
                "room calendars",
                partial(
                    self.client.get_meetings,
                    zone_ids=self.selected_zones,
                    start=day_start,
                    end=horizon_end,
                ),
            )
            polled.update((meeting.id, meeting) for meeting in meetings)
        self._visitors = await self._optional(
            "visitors",
            partial(
                self.client.get_visitors,
                zone_ids=self.selected_zones,
                start=day_start,
                end=day_start + timedelta(days=1),
            ),
        )
        previous = self._index.bookings
        bookings = merge(previous, polled, self._applied)
        self._index.set_structure(zones, spaces)
        self._index.replace(bookings)
        if self._baseline_taken:
            self._announce(diff(previous, bookings, since=self._watching_since), "poll")
        else:
            # Creation times come from the server's clock, which may not agree with ours.
            self._watching_since += self.client.clock_offset
            self._baseline_taken = True
        return self._snapshot()

    async def _optional[T](self, what: str, fetch: Callable[[], Awaitable[list[T]]]) -> list[T]:
        """Fetch a part that some tenants lack or refuse (calendars, visitors): not fatal.

        A part the tenant does not offer is skipped (logged once) and asked again each poll. A
        part the server refuses to these credentials is a permission to grant, not a reason to
        log in again: it is skipped, asked again only every `REFUSED_PART_RETRY`, and a repair
        issue says what to grant until it works. Connection, credential and rate-limit
        failures still fail the whole poll.
        """
        if (retry_at := self._refused_parts.get(what)) and dt_util.utcnow() < retry_at:
            return []
        try:
            result = await fetch()
        except WorkplacePermissionError as err:
            if what not in self._refused_parts:
                LOGGER.warning("%s: %s are refused to these credentials: %s", self.name, what, err)
                self._report_refused(what, err)
            self._refused_parts[what] = dt_util.utcnow() + REFUSED_PART_RETRY
            return []
        except (
            WorkplaceConnectionError,
            WorkplaceAuthenticationError,
            WorkplaceRateLimitError,
        ):
            raise
        except WorkplaceError as err:
            if what not in self._missing_parts:
                LOGGER.warning(
                    "%s: %s are not available, going on without: %s", self.name, what, err
                )
                self._missing_parts.add(what)
            return []
        if what in self._missing_parts:
            LOGGER.info("%s: %s are available again", self.name, what)
            self._missing_parts.discard(what)
        if self._refused_parts.pop(what, None) is not None:
            LOGGER.info("%s: %s are allowed again", self.name, what)
            ir.async_delete_issue(self.hass, DOMAIN, self._refused_issue_id(what))
        return result

    def _refused_issue_id(self, what: str) -> str:
        return f"{self.config_entry.entry_id}_{what.replace(' ', '_')}_refused"

    def _report_refused(self, what: str, err: WorkplacePermissionError) -> None:
        """A repair issue: what was refused, and what to grant in the vendor's panel."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._refused_issue_id(what),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="part_refused",
            translation_placeholders={
                "title": self.config_entry.title,
                "part": what,
                "grant": err.grant or str(err),
            },
        )

    async def async_shutdown(self) -> None:
        """An unloaded entry reports nothing: its refused parts are asked again at set-up."""
        for what in self._refused_parts:
            ir.async_delete_issue(self.hass, DOMAIN, self._refused_issue_id(what))
        await super().async_shutdown()

    def _snapshot(self, touched: set[str] | None = None) -> Snapshot:
        day_start = dt_util.start_of_local_day()
        return build_snapshot(
            account=self.account,
            index=self._index,
            visitors=self._visitors,
            now=dt_util.utcnow(),
            day_start=day_start,
            day_end=day_start + timedelta(days=1),
            previous=self.data,
            touched=touched,
        )

    @callback
    def async_apply(self, booking: Booking, source: str = "action") -> None:
        """Show a booking as a command or a push returned it, and announce what changed.

        Only the entities of the spaces and zones the booking is in are told: with thousands
        of spaces, waking every entity for one booking would make pushes slow.
        """
        previous = self._index.bookings.get(booking.id)
        if previous is not None and is_stale(previous, booking):
            return
        self._applied[booking.id] = booking
        touched = self._index.put(booking)
        self.data = self._snapshot(touched)
        for place_id in touched:
            async_dispatcher_send(self.hass, changed_signal(self.config_entry.entry_id, place_id))
        self._announce(activities(previous, booking, since=self._watching_since), source)

    def find_booking(self, booking_id: str) -> Booking | None:
        """A booking we know of, by id."""
        return self._index.bookings.get(booking_id)

    def bookings_of(self, email: str | None) -> list[Booking]:
        """The known bookings of one person (by email, case-insensitive)."""
        wanted = (email or "").lower()
        return [
            booking
            for booking in self._index.bookings.values()
            if (booking.person.email or "").lower() == wanted
        ]

    def zones_of(self, booking: Booking) -> set[str]:
        """The tracked zones a booking is in: its own and those of its spaces."""
        return zones_of(booking, self.data.spaces, self.data.zones)

    def _announce(self, found: list[Activity], source: str) -> None:
        """Fire each occurrence on the bus and at its space's event entity.

        Scheduled, not immediate: states must be written before automations hear the news.
        """
        if found:
            self.hass.loop.call_soon(self._fire, found, source)

    @callback
    def _fire(self, found: list[Activity], source: str) -> None:
        entry = self.config_entry
        now = dt_util.utcnow().isoformat()
        for activity in found:
            payload = {
                "config_entry_id": entry.entry_id,
                "provider": entry.data[CONF_PROVIDER],
                **activity.payload(),
                "time": now,
                "source": source,
            }
            self.hass.bus.async_fire(EVENT_WORKPLACE, payload)
            for space_id in activity.booking.space_ids:
                async_dispatcher_send(
                    self.hass, activity_signal(entry.entry_id, space_id), activity, source
                )

    async def _call[T](self, fetch: Callable[[], Awaitable[T]]) -> T:
        """Run a client call, turning library errors into what the coordinator understands."""
        try:
            return await fetch()
        except WorkplaceError as err:
            raise self.poll_failed(err) from err

    def _sync_devices(self, snapshot: Snapshot) -> None:
        """Register account and zone devices first; drop devices of vanished zones and spaces.

        Zones are registered here, parents before children, so that every space device can
        point at its level whatever platform creates it first. The registry is compared only
        when the set of objects changed (and once after start, to catch what disappeared
        while Home Assistant was not running).
        """
        current = set(snapshot.spaces) | set(snapshot.zones)
        if current == self._objects_seen:
            return
        self._objects_seen = current
        entry = self.config_entry
        registry = dr.async_get(self.hass)
        registry.async_get_or_create(
            config_entry_id=entry.entry_id, **account_device(entry, self.account)
        )
        for zone in sorted(snapshot.zones.values(), key=lambda z: z.kind is ZoneKind.LEVEL):
            registry.async_get_or_create(
                config_entry_id=entry.entry_id,
                **zone_device(self.hass, entry, zone, snapshot.zones),
            )
        remove_stale_devices(self.hass, entry, current)
