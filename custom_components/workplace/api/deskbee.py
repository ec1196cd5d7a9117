"""Client for the Deskbee public REST API v1.1 (OAuth2 client credentials).

Paths and quirks follow our catalog `reference/deskbee.md`. Paths the catalog marks INFERRED
live in `PATHS`, the one place to correct them. Every Deskbee quirk stays inside this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
import logging
import time
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
from yarl import URL

from .deskbee_json import (
    PLACE_OF_BOOKING_TYPE,
    data_of,
    error_for,
    guest_pass_cancelled,
    parse_booking,
    parse_buildings,
    parse_guest_pass,
    parse_person,
    parse_place,
)
from .exceptions import (
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConnectionError,
    WorkplaceNotFoundError,
    WorkplacePermissionError,
    WorkplaceUnsupportedError,
    WorkplaceValidationError,
)
from .json_fields import KnownItems, Page, parse_all
from .models import (
    Account,
    Booking,
    BookingStatus,
    Guest,
    Person,
    Space,
    SpaceKind,
    Visitor,
    Zone,
    ZoneKind,
)
from .reconcile import (
    confirm,
    confirm_check_in,
    look_after,
    not_found_after,
    unknown_when_lost,
)
from .transport import Response, ServerLink, send

LOGGER = logging.getLogger(__name__)

API: Final = "/v1.1"
# Every path, confirmed or inferred (catalog §6.0), in one table.
PATHS: Final = {
    "token": "/oauth/token",  # confirmed
    "buildings": "/buildings",  # confirmed
    "places": "/places",  # inferred
    "users": "/users",  # confirmed
    "bookings": "/bookings",  # confirmed
    "booking": "/bookings/{uuid}",  # confirmed
    "create_workspace": "/bookings/workspaces",  # confirmed
    "create_meeting_room": "/bookings/meeting-rooms",  # confirmed
    "update_workspace": "/bookings/workspaces/{uuid}",  # confirmed
    "update_meeting_room": "/bookings/meeting-rooms/{uuid}",  # confirmed
    "checkin": "/bookings/{uuid}/checkin",  # inferred
    "checkout": "/bookings/{uuid}/checkout",  # inferred
    "guest_passes": "/guestpass",  # confirmed (list), inferred (create)
    "guest_pass": "/guestpass/{uuid}",  # inferred
    "guest_pass_passed": "/guestpass/{uuid}/pass",  # inferred
    "guest_pass_cancel": "/guestpass/{uuid}/cancel",  # inferred
    "checkin_automation": "/integrations/checkin",  # confirmed
}
ALL_STATES: Final = "reserved,waiting,busy,last,fall,rejected,canceled"
PAGE_SIZE: Final = 250  # the documented maximum (§3.3)
MAX_PAGES: Final = 1000
MAX_REMEMBERED_PAGES: Final = 20_000  # next links of pages seen lately (a few MiB at most)
# Renew the token this long before it expires; it is also renewed once on any 401.
TOKEN_MARGIN: Final = 60.0
DATE: Final = "%Y/%m/%d"  # booking dates and `period` filters (§3.2)
VISIT_DATE: Final = "%d/%m/%Y"  # guest pass dates are day first (§3.2)
HOUR: Final = "%H:%M"


@dataclass(slots=True)
class DeskbeeClient:
    """Talks to one Deskbee account through a ClientApi (catalog §2)."""

    url: str
    client_id: str
    client_secret: str
    session: aiohttp.ClientSession
    # Booking `date`/`start_hour` are local times without an offset, in the account's time zone.
    # Learned from the account's users (`locale.timezone`) unless given; `fallback_timezone`
    # (Home Assistant's) only when the account tells none.
    timezone: tzinfo | None = None
    fallback_timezone: tzinfo = UTC
    request_timeout: float = 30.0
    _base: URL = field(init=False, repr=False)
    _link: ServerLink = field(default_factory=ServerLink, init=False, repr=False)
    _token: str | None = field(default=None, init=False, repr=False)
    _token_expires: float = field(default=0.0, init=False, repr=False)
    _token_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)
    _zone_kinds: dict[str, ZoneKind] = field(default_factory=dict, init=False, repr=False)
    # Guest passes we created, by (booking, email): Deskbee's guest pass list carries neither.
    _passes: dict[tuple[str, str], str] = field(default_factory=dict, init=False, repr=False)
    # The next link of each page body seen lately (by the body's hash).
    _next_links: dict[int, str | None] = field(default_factory=dict, init=False, repr=False)
    # What each polled listing parsed to last time (see `KnownItems`), by its filters.
    _polled: dict[tuple[str, ...], KnownItems[Booking]] = field(
        default_factory=dict, init=False, repr=False
    )

    def __post_init__(self) -> None:
        """Normalise the origin once (the version directory is added per request)."""
        self._base = URL(self.url.rstrip("/").removesuffix(API))

    def __repr__(self) -> str:
        """Name the server, never the secret."""
        return f"DeskbeeClient(url={self.url!r})"

    # -- account, zones, spaces --------------------------------------------------------------

    @property
    def clock_offset(self) -> timedelta:
        """How far the server's clock is ahead of ours, as of its last answer."""
        return self._link.clock_offset

    async def get_account(self) -> Account:
        """Check the credentials; the ClientApi is the account's identity here."""
        await self._renew_token()
        return Account(
            tenant_id=self.client_id,
            tenant_name=f"Deskbee {self._base.host}",
            user_id=self.client_id,
            user_name="Deskbee ClientApi",
            user_email="",
        )

    async def get_zones(self) -> list[Zone]:
        """Every building with its floors."""
        raw = await self._get_all(PATHS["buildings"], {"include": "floors"})
        zones = [zone for item in parse_all(raw, parse_buildings, "building") for zone in item]
        self._zone_kinds = {zone.id: zone.kind for zone in zones}
        return zones

    async def get_spaces(self, levels: Collection[Zone]) -> list[Space]:
        """Desks, meeting rooms, parking spots and lockers on the given floors (one listing)."""
        level_by_id = {level.id: level for level in levels}
        raw = await self._get_all(PATHS["places"], {})
        return parse_all(raw, lambda item: parse_place(item, level_by_id), "place")

    # -- bookings ---------------------------------------------------------------------------

    async def get_bookings(
        self,
        *,
        booking_type: str,
        zone_ids: Collection[str],
        start: datetime,
        end: datetime,
        email: str | None = None,
    ) -> list[Booking]:
        """Bookings of one type overlapping [start, end) in the zones (one query per zone)."""
        place_type = PLACE_OF_BOOKING_TYPE.get(booking_type)
        if place_type is None:
            return []
        found: dict[str, Booking] = {}
        for zone_id in sorted(zone_ids):
            filters = {"type": place_type, self._zone_filter(zone_id): zone_id}
            if email:
                filters["email"] = email.lower()
            known = (
                None if email else self._polled.setdefault(tuple(filters.values()), KnownItems())
            )
            for booking in await self._bookings(start, end, filters, known=known):
                found[booking.id] = booking
        return [b for b in found.values() if b.overlaps(start, end)]

    async def get_booking(self, booking_id: str) -> Booking:
        """One booking, also when cancelled."""
        body = await self._json(
            "GET", PATHS["booking"].format(uuid=booking_id), {"include": "checkin;min_tolerance"}
        )
        return parse_booking(data_of(body))

    async def create_booking(
        self,
        *,
        space: Space,
        start: datetime,
        end: datetime,
        user_email: str | None = None,
        user_name: str | None = None,
        title: str | None = None,
    ) -> Booking:
        """Book a desk or meeting room for a person. Never retried: a lost answer is reconciled.

        Deskbee books within one day, in the account's local time (§3.2, §6.6 #39/#41).
        """
        if user_email is None:
            msg = "Deskbee books for a person: give their email"
            raise WorkplaceValidationError(msg, failures=("person_uuid: required",))
        person = await self.find_person(user_email)
        await self.account_timezone()
        # Deskbee books whole minutes: a start within the current minute is moved to the next
        # one rather than into the past.
        start, end = _next_minute(start), _next_minute(end)
        body: dict[str, Any] = {
            "person_uuid": person.id,
            **self._local_slot(start, end, DATE),
            "place_uuid": space.id,
            "is_send_email": False,
        }
        if space.kind is SpaceKind.ROOM:
            body["meeting"] = {"title": title or "Meeting", "is_online": False}
            path = PATHS["create_meeting_room"]
        else:
            path = PATHS["create_workspace"]
        asked = datetime.now(UTC).replace(microsecond=0)
        try:
            return parse_booking(data_of(await self._json("POST", path, json_body=body)))
        except WorkplaceConnectionError as err:
            found = await look_after(
                err,
                self.get_bookings(
                    booking_type=space.booking_type,
                    zone_ids=[space.zone_id],
                    start=start,
                    end=end,
                    email=person.email,
                ),
            )
            for booking in found:
                if (
                    booking.space_ids == (space.id,)
                    and booking.start == start
                    and booking.end == end
                    and booking.is_active
                    and (
                        booking.created_at is None
                        or booking.created_at >= asked - timedelta(seconds=5)
                    )
                ):
                    LOGGER.info(
                        "A lost booking answer was reconciled: booking %s exists", booking.id
                    )
                    return booking
            raise not_found_after(err, "no booking was made") from err

    async def update_booking(
        self,
        booking_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        title: str | None = None,
        space: Space | None = None,
    ) -> Booking:
        """Move a booking in time or to another place of the same kind (§6.6 #40/#42).

        A lost answer is checked on the booking.
        """
        current = await self.get_booking(booking_id)
        await self.account_timezone()
        body: dict[str, Any] = {}
        slot: dict[str, str] = {}
        if start is not None or end is not None:
            slot = self._local_slot(start or current.start, end or current.end, DATE)
            body |= slot
        if space is not None:
            body["place_uuid"] = space.id
        is_room = current.booking_type == SpaceKind.ROOM.value
        if title is not None and is_room:
            body["meeting"] = {"title": title}
        path = PATHS["update_meeting_room" if is_room else "update_workspace"]
        try:
            answer = await self._json("PUT", path.format(uuid=booking_id), json_body=body)
        except WorkplaceConnectionError as err:
            return await confirm(
                err,
                self.get_booking(booking_id),
                done=lambda booking: (
                    (not slot or self._local_slot(booking.start, booking.end, DATE) == slot)
                    and (space is None or booking.space_ids == (space.id,))
                    and ("meeting" not in body or booking.title == title)
                ),
                outcome="the booking was not changed",
            )
        return parse_booking(data_of(answer))

    async def cancel_booking(self, booking_id: str) -> None:
        """Cancel (soft-delete) a booking; a lost answer is checked, not repeated."""
        try:
            await self._json(
                "DELETE",
                PATHS["booking"].format(uuid=booking_id),
                json_body={"is_send_email": False},
            )
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self.get_booking(booking_id),
                done=lambda booking: booking.status is BookingStatus.CANCELLED,
                outcome="the booking was not cancelled",
            )

    async def check_in(self, booking_id: str, *, checked_in: bool = True) -> Booking:
        """Check a booking in, or out; a lost answer is checked."""
        path = PATHS["checkin" if checked_in else "checkout"].format(uuid=booking_id)
        try:
            return parse_booking(data_of(await self._json("POST", path)))
        except WorkplaceConnectionError as err:
            return await confirm_check_in(err, self.get_booking(booking_id), checked_in=checked_in)

    async def approve_booking(self, booking_id: str) -> Booking:
        """Deskbee's public API has no approval endpoint (catalog §6.6)."""
        raise WorkplaceUnsupportedError("Deskbee's API cannot approve bookings")

    async def reject_booking(self, booking_id: str) -> Booking:
        """Deskbee's public API has no rejection endpoint (catalog §6.6)."""
        raise WorkplaceUnsupportedError("Deskbee's API cannot reject bookings")

    async def report_access(self, *, device: str, person: str, when: datetime) -> list[str]:
        """A door or turnstile saw a person: Deskbee checks their booking in or out (§6.11).

        Returns the uuids of the bookings Deskbee changed.
        """
        with unknown_when_lost():
            answer = await self._request(
                "POST",
                PATHS["checkin_automation"],
                json_body=[{"device": device, "person": person, "date": when.isoformat()}],
            )
        if answer.status == 204 or not answer.body:  # noqa: PLR2004 - nothing matched (§6.11)
            return []
        data = data_of(answer.json())
        success = data.get("success") if isinstance(data, dict) else None
        return [
            str(item["booking_uuid"])
            for item in success or []
            if isinstance(item, dict) and item.get("booking_uuid")
        ]

    # -- people ---------------------------------------------------------------------------

    async def find_person(self, email: str) -> Person:
        """A Deskbee user by email."""
        raw = await self._get_all(PATHS["users"], {"search": f"email:{email.lower()}"})
        people = parse_all(raw, parse_person, "user")
        person = next(
            (p for p in people if p.email == email.lower()), people[0] if people else None
        )
        if person is None or person.id is None:
            msg = f"No Deskbee user {email}"
            raise WorkplaceNotFoundError(msg)
        return Person(name=person.name, email=email.lower(), id=person.id)

    async def search_people(self, text: str) -> list[Person]:
        """Deskbee users whose name matches the text."""
        raw = await self._get_all(PATHS["users"], {"search": f"name:{text}"})
        return parse_all(raw, parse_person, "user")

    # -- guest passes (visitors) -----------------------------------------------------------

    async def get_visitors(
        self, *, zone_ids: Collection[str], start: datetime, end: datetime
    ) -> list[Visitor]:
        """Visitors with a guest pass in the period, in the zones."""
        await self.account_timezone()
        raw = await self._get_all(
            PATHS["guest_passes"], {"search": f"period:{self._period(start, end)}"}
        )
        visitors = [v for item in parse_all(raw, parse_guest_pass, "guest pass") for v in item]
        wanted = set(zone_ids)
        return [v for v in visitors if wanted & set(v.zone_ids)]

    async def add_guest(
        self,
        booking_id: str,
        *,
        email: str,
        name: str,
        organisation: str | None = None,
        phone: str | None = None,
    ) -> Guest:
        """Invite a visitor with a guest pass for the booking's time and floor (§6.5 #31)."""
        booking = await self.get_booking(booking_id)
        # What already exists, so that a pass made by a lost request can be told apart.
        known_passes = await self._booking_visitors(booking)
        await self.account_timezone()
        floor = next(
            (z for z in booking.zone_ids if self._zone_kinds.get(z) is ZoneKind.LEVEL), None
        )
        body = {
            "title": f"Visit: {name}" + (f" ({organisation})" if organisation else ""),
            "area_uuid": floor or (booking.zone_ids[-1] if booking.zone_ids else None),
            **self._local_slot(booking.start, booking.end, VISIT_DATE),
            "person_uuid": booking.person.id,
            "booking_uuid": booking_id,
            "guests": [
                {"name": name, "email": email.lower(), **({"phone": phone} if phone else {})}
            ],
        }
        try:
            created = data_of(await self._json("POST", PATHS["guest_passes"], json_body=body))
        except WorkplaceConnectionError as err:
            before = {v.guest.id for v in known_passes}
            visitors = await look_after(err, self._booking_visitors(booking))
            if new := [v for v in visitors if v.guest.id not in before]:
                LOGGER.info("A lost guest answer was reconciled: the guest pass exists")
                self._passes[booking_id, email.lower()] = new[0].guest.id
                return Guest(id=new[0].guest.id, email=email.lower(), name=name)
            raise not_found_after(err, "the guest was not invited") from err
        created_guests = parse_guest_pass(created)
        if len(created_guests) != 1:
            msg = "Unexpected guest pass answer"
            raise WorkplaceBadResponseError(msg)
        guest_id = created_guests[0].guest.id
        self._passes[booking_id, email.lower()] = guest_id
        return Guest(id=guest_id, email=email.lower(), name=name, organisation=organisation)

    async def remove_guest(self, booking_id: str, email: str) -> None:
        """Cancel the visitor's guest pass for the booking; a lost answer is checked on the pass."""
        uuid = await self._guest_pass_of(booking_id, email)
        try:
            await self._json(
                "POST",
                PATHS["guest_pass_cancel"].format(uuid=uuid),
                json_body={"is_send_email": False},
            )
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self._get_guest_pass(uuid),
                done=guest_pass_cancelled,
                outcome="the guest pass was not cancelled",
            )

    async def check_in_guest(
        self, booking_id: str, email: str, *, checked_in: bool = True
    ) -> Guest:
        """The visitor arrived: mark their guest pass as passed (§6.5 #32)."""
        if not checked_in:
            raise WorkplaceUnsupportedError("Deskbee cannot undo a visitor's arrival")
        uuid = await self._guest_pass_of(booking_id, email)
        try:
            passed = data_of(await self._json("POST", PATHS["guest_pass_passed"].format(uuid=uuid)))
        except WorkplaceConnectionError as err:
            passed = await confirm(
                err,
                self._get_guest_pass(uuid),
                done=lambda item: any(v.guest.checked_in for v in parse_guest_pass(item)),
                outcome="the visitor's arrival was not recorded",
            )
        guests = parse_guest_pass(passed)
        return guests[0].guest if guests else Guest(id=uuid, email=email.lower(), checked_in=True)

    async def _get_guest_pass(self, uuid: str) -> Any:
        return data_of(await self._json("GET", PATHS["guest_pass"].format(uuid=uuid)))

    async def _booking_visitors(self, booking: Booking) -> list[Visitor]:
        """The guest passes for a booking's slot and host (the list does not name bookings)."""
        visitors = await self.get_visitors(
            zone_ids=booking.zone_ids, start=booking.start, end=booking.end
        )
        return [
            v
            for v in visitors
            if v.booking_id in (None, booking.id)
            # Passes are made on whole minutes (§3.2).
            and v.start == booking.start.replace(second=0, microsecond=0)
            and v.host is not None
            and v.host.id == booking.person.id
        ]

    async def _guest_pass_of(self, booking_id: str, email: str) -> str:
        """The guest pass of a visitor of a booking.

        Known if we invited them; otherwise only a booking with a single guest pass can tell.
        """
        if known := self._passes.get((booking_id, email.lower())):
            return known
        booking = await self.get_booking(booking_id)
        passes = await self._booking_visitors(booking)
        if len(passes) == 1:
            return passes[0].guest.id
        msg = f"Cannot tell which guest pass of booking {booking_id} is {email}'s"
        raise WorkplaceNotFoundError(msg)

    # -- plumbing ---------------------------------------------------------------------------

    def _zone_filter(self, zone_id: str) -> str:
        return (
            "building_uuid" if self._zone_kinds.get(zone_id) is ZoneKind.BUILDING else "floor_uuid"
        )

    async def account_timezone(self) -> tzinfo:
        """The zone Deskbee reads booking times in: its users' `locale.timezone` (§5 User).

        Asked once (one user is enough: the account's users share its zone); an account whose
        users cannot be listed, or that names no valid zone, uses `fallback_timezone`.
        """
        if self.timezone is None:
            self.timezone = self.fallback_timezone
            try:
                users = data_of(await self._json("GET", PATHS["users"], {"limit": "1"}))
            except WorkplacePermissionError as err:
                LOGGER.info("Deskbee users cannot be listed (%s); times in %s", err, self.timezone)
                return self.timezone
            named = _user_timezone(users[0]) if isinstance(users, list) and users else None
            if named is None:
                LOGGER.info("Deskbee names no time zone for its users; times in %s", self.timezone)
            else:
                self.timezone = named
        return self.timezone

    def _period(self, start: datetime, end: datetime) -> str:
        last = end - timedelta(seconds=1)
        zone = self.timezone or self.fallback_timezone
        return f"{start.astimezone(zone):{DATE}},{last.astimezone(zone):{DATE}}"

    def _local_slot(self, start: datetime, end: datetime, date_format: str) -> dict[str, str]:
        """`date`, `start_hour`, `end_hour` in the account's time; one day only."""
        zone = self.timezone or self.fallback_timezone
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        if local_start.date() != local_end.date():
            msg = "Deskbee bookings start and end on the same day"
            raise WorkplaceValidationError(msg, failures=("end_hour: same day as start",))
        return {
            "date": f"{local_start:{date_format}}",
            "start_hour": f"{local_start:{HOUR}}",
            "end_hour": f"{local_end:{HOUR}}",
        }

    async def _bookings(
        self,
        start: datetime,
        end: datetime,
        filters: Mapping[str, str],
        *,
        known: KnownItems[Booking] | None = None,
    ) -> list[Booking]:
        await self.account_timezone()
        search = ";".join(
            [
                f"period:{self._period(start, end)}",
                # Cancelled bookings are listed only when asked for by state (§3.4).
                f"state:{ALL_STATES}",
                *(f"{k}:{v}" for k, v in filters.items()),
            ]
        )
        pages = self._pages(
            PATHS["bookings"], {"search": search, "include": "checkin;min_tolerance"}
        )
        return await (known or KnownItems()).parse_pages(pages, parse_booking, "booking")

    async def _renew_token(self) -> str:
        async with self._token_lock:
            if self._token and time.monotonic() < self._token_expires - TOKEN_MARGIN:
                return self._token
            answer = await send(
                self.session,
                "POST",
                self._base.with_path(API + PATHS["token"]),
                link=self._link,
                headers={"Accept": "application/json"},
                timeout=self.request_timeout,
                json_body={
                    "grant_type": "client_credentials",
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                },
            )
            if answer.status >= 300:  # noqa: PLR2004
                error = error_for("POST", PATHS["token"], answer)
                if isinstance(error, WorkplaceValidationError):
                    raise WorkplaceAuthenticationError(str(error)) from error
                raise error
            body = answer.json()
            try:
                token = str(body["access_token"])
                # `expires_in` comes as a number or as a string (§2).
                lifetime = float(body.get("expires_in") or 3600)
            except (KeyError, TypeError, ValueError) as err:
                msg = "Unexpected token answer"
                raise WorkplaceBadResponseError(msg) from err
            self._token, self._token_expires = token, time.monotonic() + lifetime
            return token

    async def _request(
        self,
        method: str,
        path_or_url: str | URL,
        params: Mapping[str, str] | None = None,
        *,
        json_body: Any = None,
    ) -> Response:
        """Send with a valid token; on 401 renew the token once and send again.

        A 401 means the server refused before acting, so repeating even a write is safe.
        """
        url = (
            path_or_url if isinstance(path_or_url, URL) else self._base.with_path(API + path_or_url)
        )
        if params:
            url = url.update_query(params)
        for attempt in (1, 2):
            token = await self._renew_token()
            response = await send(
                self.session,
                method,
                url,
                link=self._link,
                headers={"Accept": "application/json", "Authorization": f"Bearer {token}"},
                timeout=self.request_timeout,
                json_body=json_body,
            )
            if response.status == 401 and attempt == 1:  # noqa: PLR2004
                self._token = None
                continue
            if response.status == 401:  # noqa: PLR2004
                # With a token issued a moment ago (the credentials work), a 401 `unauthenticated`
                # is a scope this ClientApi was not granted (catalog §2, §4): not a reason to
                # sign in again.
                msg = f"{method} {url.path}: Deskbee refused it to this ClientApi"
                raise WorkplacePermissionError(
                    msg,
                    grant=f"{url.path} to the ClientApi (Deskbee panel → Integrations → ClientApi)",
                )
            if response.status >= 300:  # noqa: PLR2004
                raise error_for(method, url.path, response)
            return response
        raise AssertionError  # pragma: no cover - the loop always returns or raises

    async def _json(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        json_body: Any = None,
    ) -> Any:
        return (await self._request(method, path, params, json_body=json_body)).json()

    async def _get_all(self, path: str, params: Mapping[str, str]) -> list[Any]:
        return [item async for page in self._pages(path, params) for item in page.items]

    async def _pages(self, path: str, params: Mapping[str, str]) -> AsyncIterator[Page]:
        """Follow `links.next` verbatim (cursor pagination, §3.3) until it ends or repeats.

        Pages come one at a time so that a big listing is never all in memory at once. The
        next link is inside the body: a page seen before is not decoded again just for it.
        """
        target: str | URL = path
        query: Mapping[str, str] | None = {**params, "limit": str(PAGE_SIZE)}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            response = await self._request("GET", target, query)
            key = hash(response.body)
            if key in self._next_links:
                link = self._next_links[key]
                yield Page(response.body, partial(_decode_page, response, path))
            else:
                body = response.json()
                items = _page_items(body, path)
                links = body.get("links") if isinstance(body.get("links"), dict) else {}
                found = links.get("next")
                link = found if items and isinstance(found, str) and found else None
                if len(self._next_links) >= MAX_REMEMBERED_PAGES:
                    self._next_links.clear()
                self._next_links[key] = link
                yield Page.decoded(response.body, items)
            if link is None or link in seen:
                return
            seen.add(link)
            target, query = URL(link), None
        msg = f"{path} kept paging past {MAX_PAGES} pages"
        raise WorkplaceBadResponseError(msg)


def _decode_page(response: Response, path: str) -> list[Any]:
    return _page_items(response.json(), path)


def _page_items(body: Any, path: str) -> list[Any]:
    page = data_of(body)
    if not isinstance(page, list):
        msg = f"Expected a list from {path}, got {type(page).__name__}"
        raise WorkplaceBadResponseError(msg)
    return page


def _user_timezone(user: Any) -> tzinfo | None:
    """A User's `locale.timezone` as a zone, if it names a valid one."""
    locale = user.get("locale") if isinstance(user, dict) else None
    name = locale.get("timezone") if isinstance(locale, dict) else None
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except ValueError, ZoneInfoNotFoundError:
        return None


def _next_minute(moment: datetime) -> datetime:
    if moment.second or moment.microsecond:
        return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment
