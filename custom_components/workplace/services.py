"""Staff actions: book, change, cancel, check in and out, approve, visitors, door reports.

Registered once in `async_setup`, so automations validate even while no entry is loaded. Each
action names its entry with `config_entry_id`. Bad input raises a translated
`ServiceValidationError`; a failure of the remote system a translated `HomeAssistantError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
import re
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.service import async_register_admin_service
from homeassistant.util import dt as dt_util
import probatio

from .access import AccessCoordinator
from .api import (
    MEETING,
    Booking,
    BookingStatus,
    DeskbeeClient,
    Guest,
    Person,
    PlaceOSClient,
    Space,
    WorkplaceNotFoundError,
    WorkplaceRefusedError,
)
from .commands import cancel
from .const import CONF_ALLOW_METADATA_WRITES, CONF_PROVIDER, DOMAIN, PROVIDER_SALTO_KS
from .coordinator import WorkplaceConfigEntry, WorkplaceCoordinator
from .devices import object_key
from .errors import failed, invalid, remote_errors

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_SPACE = "space"
ATTR_SPACE_ID = "space_id"
ATTR_BOOKING_ID = "booking_id"
ATTR_START = "start"
ATTR_END = "end"
ATTR_TITLE = "title"
ATTR_USER_EMAIL = "user_email"
ATTR_USER_NAME = "user_name"
ATTR_ZONE_ID = "zone_id"
ATTR_EMAIL = "email"
ATTR_NAME = "name"
ATTR_ORGANISATION = "organisation"
ATTR_PHONE = "phone"
ATTR_PERSON = "person"
ATTR_DIRECTION = "direction"
ATTR_DEVICE = "device"
ATTR_POD_ID = "pod_id"
ATTR_LOCK_IDS = "lock_ids"
# The actions that make sense for an access-control (SALTO KS) entry.
ACCESS_ACTIONS = frozenset({"add_guest", "remove_guest"})
ATTR_MEETING_ID = "meeting_id"
ATTR_METADATA = "metadata"
ATTR_REPLACE_METADATA = "replace_metadata"
ATTR_CHANNEL = "channel"
ATTR_PAYLOAD = "payload"
ATTR_DETAILS = "details"
ATTR_MERGE = "merge"
ATTR_DESCRIPTION = "description"

# Deliberately loose: the server is the judge; this catches typos like a missing "@".
# SALTO KS pod refusals a person can act on (catalog §3 table).
POD_REFUSALS = {
    "2219": "pod_guest_limit_lower",
    "2221": "pod_full",
    "2222": "pod_locks_not_in_pod",
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# PlaceOS lets people check in up to an hour before the start (§3.7, tenant default).
EARLY_CHECK_IN = timedelta(hours=1)

ENTRY: dict[probatio.Marker, Any] = {probatio.Required(ATTR_CONFIG_ENTRY_ID): cv.string}
SPACE: dict[probatio.Marker, Any] = {
    probatio.Optional(ATTR_SPACE): cv.entity_id,
    probatio.Optional(ATTR_SPACE_ID): cv.string,
}
BOOKING: dict[probatio.Marker, Any] = {
    probatio.Optional(ATTR_BOOKING_ID): probatio.Coerce(str),
    **SPACE,
}

SCHEMAS: dict[str, probatio.Schema] = {
    "create_booking": probatio.Schema(
        {
            **ENTRY,
            **SPACE,
            probatio.Required(ATTR_START): cv.datetime,
            probatio.Required(ATTR_END): cv.datetime,
            probatio.Optional(ATTR_PERSON): cv.string,
            probatio.Optional(ATTR_USER_EMAIL): cv.string,
            probatio.Optional(ATTR_USER_NAME): cv.string,
            probatio.Optional(ATTR_TITLE): cv.string,
        }
    ),
    "update_booking": probatio.Schema(
        {
            **ENTRY,
            probatio.Required(ATTR_BOOKING_ID): probatio.Coerce(str),
            **SPACE,
            probatio.Optional(ATTR_START): cv.datetime,
            probatio.Optional(ATTR_END): cv.datetime,
            probatio.Optional(ATTR_TITLE): cv.string,
        }
    ),
    "cancel_booking": probatio.Schema(
        {**ENTRY, probatio.Required(ATTR_BOOKING_ID): probatio.Coerce(str)}
    ),
    "check_in": probatio.Schema({**ENTRY, **BOOKING}),
    "check_out": probatio.Schema({**ENTRY, **BOOKING}),
    "approve_booking": probatio.Schema(
        {**ENTRY, probatio.Required(ATTR_BOOKING_ID): probatio.Coerce(str)}
    ),
    "reject_booking": probatio.Schema(
        {**ENTRY, probatio.Required(ATTR_BOOKING_ID): probatio.Coerce(str)}
    ),
    "list_bookings": probatio.Schema(
        {
            **ENTRY,
            **SPACE,
            probatio.Optional(ATTR_START): cv.datetime,
            probatio.Optional(ATTR_END): cv.datetime,
            probatio.Optional(ATTR_ZONE_ID): cv.string,
            probatio.Optional(ATTR_PERSON): cv.string,
            probatio.Optional(ATTR_USER_EMAIL): cv.string,
        }
    ),
    "add_guest": probatio.Schema(
        {
            **ENTRY,
            **BOOKING,
            probatio.Required(ATTR_EMAIL): cv.string,
            probatio.Required(ATTR_NAME): cv.string,
            probatio.Optional(ATTR_ORGANISATION): cv.string,
            probatio.Optional(ATTR_PHONE): cv.string,
            probatio.Optional(ATTR_POD_ID): cv.string,
            probatio.Optional(ATTR_START): cv.datetime,
            probatio.Optional(ATTR_END): cv.datetime,
            probatio.Optional(ATTR_LOCK_IDS): probatio.All(cv.ensure_list, [cv.string]),
        }
    ),
    "remove_guest": probatio.Schema(
        {
            **ENTRY,
            **BOOKING,
            probatio.Optional(ATTR_POD_ID): cv.string,
            probatio.Required(ATTR_EMAIL): cv.string,
        }
    ),
    "check_in_guest": probatio.Schema(
        {**ENTRY, **BOOKING, probatio.Required(ATTR_EMAIL): cv.string}
    ),
    "update_meeting": probatio.Schema(
        {
            **ENTRY,
            probatio.Required(ATTR_MEETING_ID): cv.string,
            **SPACE,
            probatio.Optional(ATTR_START): cv.datetime,
            probatio.Optional(ATTR_END): cv.datetime,
            probatio.Optional(ATTR_TITLE): cv.string,
            probatio.Optional(ATTR_METADATA): dict,
            probatio.Optional(ATTR_REPLACE_METADATA, default=False): cv.boolean,
        }
    ),
    "cancel_meeting": probatio.Schema(
        {**ENTRY, probatio.Required(ATTR_MEETING_ID): cv.string, **SPACE}
    ),
    "signal": probatio.Schema(
        {
            **ENTRY,
            probatio.Required(ATTR_CHANNEL): cv.string,
            probatio.Optional(ATTR_PAYLOAD): object,
        }
    ),
    "write_zone_metadata": probatio.Schema(
        {
            **ENTRY,
            probatio.Required(ATTR_ZONE_ID): cv.string,
            probatio.Required(ATTR_NAME): cv.string,
            probatio.Required(ATTR_DETAILS): object,
            probatio.Optional(ATTR_MERGE, default=True): cv.boolean,
            probatio.Optional(ATTR_DESCRIPTION): cv.string,
        }
    ),
    "report_access": probatio.Schema(
        {
            **ENTRY,
            probatio.Required(ATTR_PERSON): cv.string,
            probatio.Optional(ATTR_ZONE_ID): cv.string,
            probatio.Optional(ATTR_DIRECTION, default="in"): probatio.In(["in", "out"]),
            probatio.Optional(ATTR_DEVICE): cv.string,
        }
    ),
}


def booking_data(coordinator: WorkplaceCoordinator, booking: Booking) -> dict[str, Any]:
    """A booking as action response data."""
    space_id = booking.space_ids[0] if booking.space_ids else None
    space = coordinator.data.spaces.get(space_id) if space_id else None
    return {
        "id": booking.id,
        "booking_type": booking.booking_type,
        "space_id": space_id,
        "space_name": space.name if space else None,
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "status": booking.status.value,
        "title": booking.title,
        "person": {"name": booking.person.name, "email": booking.person.email},
        "guests": [guest_data(guest) for guest in booking.guests],
    }


def guest_data(guest: Guest) -> dict[str, Any]:
    """A guest as action response data."""
    return {
        "email": guest.email,
        "name": guest.name,
        "organisation": guest.organisation,
        "checked_in": guest.checked_in,
    }


class ActionContext:
    """The entry an action call is for, and how to find its spaces and bookings."""

    def __init__(self, hass: HomeAssistant, call: ServiceCall) -> None:
        """Find the loaded entry the call names."""
        entry_id = call.data[ATTR_CONFIG_ENTRY_ID]
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise invalid("entry_not_found", entry_id=entry_id)
        if entry.state is not ConfigEntryState.LOADED:
            raise invalid("entry_not_loaded", title=entry.title)
        if entry.data[CONF_PROVIDER] == PROVIDER_SALTO_KS and call.service not in ACCESS_ACTIONS:
            raise invalid("not_supported", provider=entry.data[CONF_PROVIDER])
        runtime: Any = entry.runtime_data
        self.access: AccessCoordinator | None = (
            runtime if isinstance(runtime, AccessCoordinator) else None
        )
        self.hass = hass
        self.call = call
        self.entry = cast("WorkplaceConfigEntry", entry)
        self.coordinator = self.entry.runtime_data
        self.client = self.coordinator.client

    def space(self, *, required: bool = True) -> Space | None:
        """The space given by entity (any entity of its device) or by id."""
        data = self.call.data
        if ATTR_SPACE in data:
            space_id = self._space_id_of_entity(data[ATTR_SPACE])
        elif ATTR_SPACE_ID in data:
            space_id = data[ATTR_SPACE_ID]
        elif required:
            raise invalid("space_required")
        else:
            return None
        space = self.coordinator.data.spaces.get(space_id)
        if space is None:
            raise invalid("space_not_found", space=space_id)
        return space

    def _space_id_of_entity(self, entity_id: str) -> str:
        registry_entry = er.async_get(self.hass).async_get(entity_id)
        device = (
            dr.async_get(self.hass).async_get(registry_entry.device_id)
            if registry_entry and registry_entry.device_id
            else None
        )
        prefix = object_key(self.entry, "")
        for domain, key in device.identifiers if device else ():
            if domain == DOMAIN and key.startswith(prefix):
                return key.removeprefix(prefix)
        raise invalid("space_not_found", space=entity_id)

    def placeos(self) -> PlaceOSClient:
        """The entry's client, for actions only PlaceOS offers."""
        if not isinstance(self.client, PlaceOSClient):
            raise invalid("not_supported", provider=self.entry.data[CONF_PROVIDER])
        return self.client

    def meeting(self) -> tuple[Booking, str]:
        """The meeting given by id (as known from the room calendars) and its room."""
        meeting_id = str(self.call.data[ATTR_MEETING_ID])
        meeting = self.coordinator.find_booking(meeting_id)
        if meeting is None or meeting.booking_type != MEETING or not meeting.space_ids:
            raise invalid("meeting_not_found", meeting=meeting_id)
        space = self.space(required=False)
        return meeting, space.id if space else meeting.space_ids[0]

    def booking_id(self) -> str:
        """The booking given by id, or else the current booking of the given space."""
        if booking_id := self.call.data.get(ATTR_BOOKING_ID):
            return str(booking_id)
        space = self.space(required=False)
        if space is None:
            raise invalid("booking_required")
        state = self.coordinator.data.space_states.get(space.id)
        if state is None or state.current is None:
            raise invalid("no_current_booking", space=space.name)
        return state.current.id

    def period(self) -> tuple[datetime | None, datetime | None]:
        """Start and end (when given), made timezone-aware, with end after start."""
        start, end = (self._aware(self.call.data.get(key)) for key in (ATTR_START, ATTR_END))
        if start is not None and end is not None and end <= start:
            raise invalid("end_before_start")
        return start, end

    @staticmethod
    def _aware(value: datetime | None) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=dt_util.get_default_time_zone())

    def email(self, key: str) -> str:
        """A well-formed email address from the call (the field is present), lower-cased."""
        value = str(self.call.data[key])
        if not EMAIL.match(value.strip()):
            raise invalid("invalid_email", email=value)
        return value.strip().lower()

    async def person(self, *keys: str, in_directory: bool = True) -> Person | None:
        """The person the first given field names, by email or by name.

        An email is checked against the directory (unless `in_directory` is off); a name must
        match exactly one PlaceOS user. Unknown or ambiguous people are refused clearly.
        """
        key = next((key for key in keys if self.call.data.get(key)), None)
        if key is None:
            return None
        value = str(self.call.data[key]).strip()
        async with remote_errors(self.entry):
            if "@" in value or key == ATTR_USER_EMAIL:
                email = self.email(key)
                if not in_directory:
                    return Person(email=email)
                try:
                    return await self.client.find_person(value)
                except WorkplaceNotFoundError as err:
                    raise invalid("person_not_found", person=value) from err
            found = await self.client.search_people(value)
        exact = [p for p in found if (p.name or "").casefold() == value.casefold()]
        matches = exact or found
        if not matches:
            raise invalid("person_not_found", person=value)
        if len(matches) > 1:
            names = ", ".join(f"{p.name} <{p.email}>" for p in matches[:5])
            raise invalid("person_ambiguous", person=value, matches=names)
        return matches[0]


async def create_booking(ctx: ActionContext) -> ServiceResponse:
    """Book a space for someone."""
    space = ctx.space()
    assert space is not None  # noqa: S101 - required above
    start, end = ctx.period()
    assert start is not None  # noqa: S101 - required by the schema
    assert end is not None  # noqa: S101 - required by the schema
    person = await ctx.person(ATTR_PERSON, ATTR_USER_EMAIL)
    async with remote_errors(ctx.entry):
        booking = await ctx.client.create_booking(
            space=space,
            start=start,
            end=end,
            user_email=person.email if person else None,
            user_name=ctx.call.data.get(ATTR_USER_NAME) or (person.name if person else None),
            title=ctx.call.data.get(ATTR_TITLE),
        )
    ctx.coordinator.async_apply(booking)
    return {"booking": booking_data(ctx.coordinator, booking)}


async def update_booking(ctx: ActionContext) -> ServiceResponse:
    """Change a booking's times, title or space."""
    start, end = ctx.period()
    async with remote_errors(ctx.entry):
        booking = await ctx.client.update_booking(
            ctx.call.data[ATTR_BOOKING_ID],
            start=start,
            end=end,
            title=ctx.call.data.get(ATTR_TITLE),
            space=ctx.space(required=False),
        )
    ctx.coordinator.async_apply(booking)
    return {"booking": booking_data(ctx.coordinator, booking)}


async def cancel_booking(ctx: ActionContext) -> ServiceResponse:
    """Cancel a booking (or a room's meeting)."""
    await cancel(ctx.coordinator, ctx.call.data[ATTR_BOOKING_ID], system_id=None)
    return None


def _state_change(
    change: Callable[[ActionContext, str], Awaitable[Booking]],
) -> Callable[[ActionContext], Awaitable[ServiceResponse]]:
    """An action that changes one booking's state and returns it."""

    async def handle(ctx: ActionContext) -> ServiceResponse:
        booking_id = ctx.booking_id()
        known = ctx.coordinator.find_booking(booking_id)
        if known is not None and known.booking_type == MEETING:
            # A room's calendar event: the bookings API refuses its id, with a cryptic answer.
            raise invalid("meeting_not_a_booking", meeting=known.title or booking_id)
        async with remote_errors(ctx.entry):
            booking = await change(ctx, booking_id)
        ctx.coordinator.async_apply(booking)
        return {"booking": booking_data(ctx.coordinator, booking)}

    return handle


check_in = _state_change(lambda ctx, booking_id: ctx.client.check_in(booking_id))
check_out = _state_change(lambda ctx, booking_id: ctx.client.check_in(booking_id, checked_in=False))
approve_booking = _state_change(lambda ctx, booking_id: ctx.client.approve_booking(booking_id))
reject_booking = _state_change(lambda ctx, booking_id: ctx.client.reject_booking(booking_id))


async def list_bookings(ctx: ActionContext) -> ServiceResponse:
    """Bookings in a period (default: today), by zone, space or person."""
    start, end = ctx.period()
    start = start or dt_util.start_of_local_day()
    end = end or max(start, dt_util.start_of_local_day()) + timedelta(days=1)
    zone_id = ctx.call.data.get(ATTR_ZONE_ID)
    if zone_id is not None and zone_id not in ctx.coordinator.data.zones:
        raise invalid("zone_not_found", zone=zone_id)
    space = ctx.space(required=False)
    person = await ctx.person(ATTR_PERSON, ATTR_USER_EMAIL)
    email = person.email if person else None
    zones = [zone_id] if zone_id else list(ctx.coordinator.selected_zones)
    found: list[Booking] = []
    async with remote_errors(ctx.entry):
        for booking_type in [space.booking_type] if space else ctx.coordinator.booking_types:
            found += await ctx.client.get_bookings(
                booking_type=booking_type, zone_ids=zones, start=start, end=end, email=email
            )
    if space is not None:
        found = [b for b in found if space.id in b.space_ids]
    found.sort(key=lambda b: (b.start, b.id))
    return {"bookings": [booking_data(ctx.coordinator, booking) for booking in found]}


async def add_guest(ctx: ActionContext) -> ServiceResponse:
    """Add a visitor to a booking (creating or updating the guest), or a guest to a pod."""
    if ctx.access is not None:
        return await _add_pod_guest(ctx, ctx.access)
    booking_id = ctx.booking_id()
    email = ctx.email(ATTR_EMAIL)
    async with remote_errors(ctx.entry):
        guest = await ctx.client.add_guest(
            booking_id,
            email=email,
            name=ctx.call.data[ATTR_NAME],
            organisation=ctx.call.data.get(ATTR_ORGANISATION),
            phone=ctx.call.data.get(ATTR_PHONE),
        )
        ctx.coordinator.async_apply(await ctx.client.get_booking(booking_id))
    return {"guest": guest_data(guest)}


async def remove_guest(ctx: ActionContext) -> ServiceResponse:
    """Take a visitor off a booking, or a guest's access to a pod away."""
    if (coordinator := ctx.access) is not None:
        pod = _pod(ctx, coordinator)
        async with remote_errors(ctx.entry, missing="pod_not_found", pod=pod):
            await coordinator.client.remove_pod_guest(
                coordinator.site_id, pod, ctx.email(ATTR_EMAIL)
            )
        await coordinator.async_refresh()
        return None
    booking_id = ctx.booking_id()
    email = ctx.email(ATTR_EMAIL)
    async with remote_errors(ctx.entry):
        await ctx.client.remove_guest(booking_id, email)
        ctx.coordinator.async_apply(await ctx.client.get_booking(booking_id))
    return None


async def report_access(ctx: ActionContext) -> ServiceResponse:
    """A door saw a person: check in (or out) their booking of today in that zone."""
    # A door may see visitors too: an email is matched as given, only names are looked up.
    found = await ctx.person(ATTR_PERSON, in_directory=False)
    person = found.email if found else None
    if isinstance(ctx.client, DeskbeeClient):
        return await _report_to_deskbee(ctx, ctx.client, person)
    zone_id = ctx.call.data.get(ATTR_ZONE_ID)
    coordinator = ctx.coordinator
    if zone_id is not None and zone_id not in coordinator.data.zones:
        raise invalid("zone_not_found", zone=zone_id)
    checking_in = ctx.call.data[ATTR_DIRECTION] == "in"
    now = dt_util.utcnow()
    candidates = [
        booking
        for booking in coordinator.bookings_of(person)
        if (zone_id is None or zone_id in coordinator.zones_of(booking))
        and booking.start - EARLY_CHECK_IN <= now < booking.end
        and booking.status
        in ((BookingStatus.RESERVED,) if checking_in else (BookingStatus.CHECKED_IN,))
    ]
    if not candidates:
        return {"matched": None}
    booking = min(candidates, key=lambda b: (b.start, b.id))
    async with remote_errors(ctx.entry):
        booking = await ctx.client.check_in(booking.id, checked_in=checking_in)
    coordinator.async_apply(booking)
    return {"matched": booking_data(coordinator, booking)}


async def _report_to_deskbee(
    ctx: ActionContext, client: DeskbeeClient, person: str | None
) -> ServiceResponse:
    """Deskbee matches the booking itself, from the device's building (check-in automation)."""
    device = ctx.call.data.get(ATTR_DEVICE)
    if not device or person is None:
        raise invalid("device_required")
    async with remote_errors(ctx.entry):
        changed = await client.report_access(device=device, person=person, when=dt_util.utcnow())
        bookings = [await client.get_booking(booking_id) for booking_id in changed]
    for booking in bookings:
        ctx.coordinator.async_apply(booking)
    return {"matched": booking_data(ctx.coordinator, bookings[0]) if bookings else None}


def _pod(ctx: ActionContext, coordinator: AccessCoordinator) -> str:
    pod_id = ctx.call.data.get(ATTR_POD_ID)
    if not pod_id:
        raise invalid("pod_required")
    if pod_id not in coordinator.data.pods:
        raise invalid("pod_not_found", pod=pod_id)
    return str(pod_id)


async def _add_pod_guest(ctx: ActionContext, coordinator: AccessCoordinator) -> ServiceResponse:
    """Give a guest access to a pod: always, or in a window (a booking's, say) to some locks."""
    pod_id = _pod(ctx, coordinator)
    start, end = ctx.period()
    if (start is None) != (end is None):
        raise invalid("period_both")
    asked_locks = ctx.call.data.get(ATTR_LOCK_IDS)
    if asked_locks and start is None:
        # SALTO KS's rule without a period ("always") takes no locks: it opens every door of the
        # pod, including doors added to it later. Only a period narrows the doors.
        raise invalid("pod_locks_need_period", pod=coordinator.data.pods[pod_id].name)
    lock_ids = asked_locks or list(coordinator.data.pods[pod_id].lock_ids)
    first, _, last = str(ctx.call.data[ATTR_NAME]).strip().partition(" ")
    async with remote_errors(ctx.entry, missing="pod_not_found", pod=pod_id):
        try:
            guest = await coordinator.client.add_pod_guest(
                coordinator.site_id,
                pod_id,
                email=ctx.email(ATTR_EMAIL),
                first_name=first,
                last_name=last,
                lock_ids=lock_ids if start is not None else None,
                start=start,
                end=end,
            )
        except WorkplaceRefusedError as err:
            raise failed(POD_REFUSALS.get(err.code, "pod_rule"), reason=str(err)) from err
    # Not debounced: the pod's sensors show the new guest when the action returns.
    await coordinator.async_refresh()
    return {
        "guest": {
            "id": guest.id,
            "email": guest.email,
            "name": guest.name,
            "access_rule": guest.access_rule,
        }
    }


async def check_in_guest(ctx: ActionContext) -> ServiceResponse:
    """A visitor arrived at reception: check them in (which checks the booking in too)."""
    booking_id = ctx.booking_id()
    email = ctx.email(ATTR_EMAIL)
    async with remote_errors(ctx.entry):
        guest = await ctx.client.check_in_guest(booking_id, email)
        ctx.coordinator.async_apply(await ctx.client.get_booking(booking_id))
    return {"guest": guest_data(guest)}


async def update_meeting(ctx: ActionContext) -> ServiceResponse:
    """Move or rename a room's meeting, and merge (or replace) its metadata."""
    meeting, system_id = ctx.meeting()
    start, end = ctx.period()
    data = ctx.call.data
    metadata: dict[str, Any] | None = None
    async with remote_errors(ctx.entry, missing="meeting_not_found", meeting=meeting.id):
        if start or end or ATTR_TITLE in data:
            meeting = await ctx.placeos().update_meeting(
                meeting.id,
                system_id=system_id,
                start=start or meeting.start,
                end=end or meeting.end,
                title=data.get(ATTR_TITLE),
            )
            ctx.coordinator.async_apply(meeting)
        if ATTR_METADATA in data:
            metadata = await ctx.placeos().set_meeting_metadata(
                meeting.id,
                system_id=system_id,
                metadata=data[ATTR_METADATA],
                replace=data[ATTR_REPLACE_METADATA],
            )
    return {"meeting": booking_data(ctx.coordinator, meeting), "metadata": metadata}


async def cancel_meeting(ctx: ActionContext) -> ServiceResponse:
    """Cancel a room's meeting."""
    ctx.placeos()
    meeting, system_id = ctx.meeting()
    await cancel(ctx.coordinator, meeting.id, system_id=system_id)
    return None


async def send_signal(ctx: ActionContext) -> ServiceResponse:
    """Tell PlaceOS logic about something (a door opened, a sensor tripped)."""
    client = ctx.placeos()
    channel = str(ctx.call.data[ATTR_CHANNEL]).strip()
    if not channel:
        raise invalid("channel_required")
    async with remote_errors(ctx.entry):
        await client.signal(channel, ctx.call.data.get(ATTR_PAYLOAD, {}))
    return None


async def write_zone_metadata(ctx: ActionContext) -> ServiceResponse:
    """Write one named metadata of a tracked zone; only when the entry's options allow it."""
    client = ctx.placeos()
    if not ctx.entry.options.get(CONF_ALLOW_METADATA_WRITES, False):
        raise invalid("metadata_writes_disabled", title=ctx.entry.title)
    zone_id = ctx.call.data[ATTR_ZONE_ID]
    if zone_id not in ctx.coordinator.data.zones:
        raise invalid("zone_not_found", zone=zone_id)
    async with remote_errors(ctx.entry):
        await client.write_zone_metadata(
            zone_id,
            ctx.call.data[ATTR_NAME],
            ctx.call.data[ATTR_DETAILS],
            merge=ctx.call.data[ATTR_MERGE],
            description=ctx.call.data.get(ATTR_DESCRIPTION, ""),
        )
    await ctx.coordinator.async_request_refresh()
    return None


HANDLERS: dict[
    str, tuple[Callable[[ActionContext], Awaitable[ServiceResponse]], SupportsResponse]
] = {
    "create_booking": (create_booking, SupportsResponse.OPTIONAL),
    "update_booking": (update_booking, SupportsResponse.OPTIONAL),
    "cancel_booking": (cancel_booking, SupportsResponse.NONE),
    "check_in": (check_in, SupportsResponse.OPTIONAL),
    "check_out": (check_out, SupportsResponse.OPTIONAL),
    "approve_booking": (approve_booking, SupportsResponse.OPTIONAL),
    "reject_booking": (reject_booking, SupportsResponse.OPTIONAL),
    "list_bookings": (list_bookings, SupportsResponse.ONLY),
    "add_guest": (add_guest, SupportsResponse.OPTIONAL),
    "remove_guest": (remove_guest, SupportsResponse.NONE),
    "report_access": (report_access, SupportsResponse.OPTIONAL),
    "check_in_guest": (check_in_guest, SupportsResponse.OPTIONAL),
    "update_meeting": (update_meeting, SupportsResponse.OPTIONAL),
    "cancel_meeting": (cancel_meeting, SupportsResponse.NONE),
    "signal": (send_signal, SupportsResponse.NONE),
    "write_zone_metadata": (write_zone_metadata, SupportsResponse.NONE),
}
# Changing a building's shared configuration is for administrators only.
ADMIN_ONLY = frozenset({"write_zone_metadata"})


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every Workplace action."""
    for name, (handler, supports_response) in HANDLERS.items():

        async def handle(
            call: ServiceCall,
            handler: Callable[[ActionContext], Awaitable[ServiceResponse]] = handler,
        ) -> ServiceResponse:
            return await handler(ActionContext(hass, call))

        if name in ADMIN_ONLY:

            async def handle_admin(call: ServiceCall, handle: Any = handle) -> None:
                await handle(call)

            async_register_admin_service(hass, DOMAIN, name, handle_admin, SCHEMAS[name])
        else:
            hass.services.async_register(
                DOMAIN, name, handle, schema=SCHEMAS[name], supports_response=supports_response
            )
