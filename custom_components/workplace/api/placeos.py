"""Client for the PlaceOS Staff API and the PlaceOS engine REST API.

Paths, parameters and quirks follow our catalog `reference/placeos.md`; every PlaceOS quirk stays
inside this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
import logging
import re
from typing import Any, Final
from uuid import uuid4

import aiohttp
from yarl import URL

from .exceptions import (
    WorkplaceBadResponseError,
    WorkplaceConnectionError,
    WorkplaceNotFoundError,
    WorkplaceValidationError,
)
from .json_fields import KnownItems, Page, expect_object, opt_str, parse_all, req_str
from .models import Account, Booking, BookingStatus, Guest, Person, Space, Visitor, Zone, ZoneKind
from .placeos_json import (
    DESKS_METADATA,
    error_for,
    parse_attendee,
    parse_booking,
    parse_desks,
    parse_event,
    parse_person,
    parse_room,
    parse_visitor,
    parse_zone,
    room_calendar,
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

_EMPTY_LIST: Final = re.compile(rb"\s*\[\s*\]\s*")

STAFF_API: Final = "/api/staff/v1"
ENGINE_API: Final = "/api/engine/v2"

# Our choice, not a documented server maximum: the driver's default is 100 (catalog §3.7), and
# larger pages mean fewer requests per refresh. The REST API clamps `limit` to 10 000 (§6).
BOOKINGS_PAGE_SIZE: Final = 1000
INDEX_PAGE_SIZE: Final = 1000
# The `extension_data` key that marks a booking with the request that created it, so that a
# create whose answer was lost can be found instead of repeated.
REQUEST_MARK: Final = "home_assistant_request"
# A runaway server (a `next` link that never ends) must not keep us paging forever.
MAX_PAGES: Final = 1000


@dataclass(slots=True)
class PlaceOSClient:
    """Talks to one PlaceOS tenant with an API key (`X-API-Key`, catalog §2.1)."""

    url: str
    api_key: str
    session: aiohttp.ClientSession
    request_timeout: float = 30.0
    _base: URL = field(init=False, repr=False)
    _link: ServerLink = field(default_factory=ServerLink, init=False, repr=False)
    # Spaces whose bookings wait for approval, learnt from the rooms' `approval` flag.
    _approval_spaces: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    # What each booking type's poll parsed to last time (see `KnownItems`).
    _polled: dict[str, KnownItems[Booking]] = field(default_factory=dict, init=False, repr=False)
    # Room ids by calendar address, learnt with the rooms: raw calendar events name rooms so.
    _rooms_by_calendar: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        """Normalise the origin once."""
        self._base = URL(self.url.rstrip("/"))

    def __repr__(self) -> str:
        """Name the server, never the key."""
        return f"PlaceOSClient(url={self.url!r})"

    # -- account ---------------------------------------------------------------------------

    @property
    def clock_offset(self) -> timedelta:
        """How far the server's clock is ahead of ours, as of its last answer."""
        return self._link.clock_offset

    async def get_account(self) -> Account:
        """Check the key and tell which tenant (authority) and user it belongs to."""
        user = expect_object(await self._get_json(f"{ENGINE_API}/users/current"))
        authority = expect_object(await self._get_json("/auth/authority"))
        try:
            return Account(
                tenant_id=req_str(authority, "id"),
                tenant_name=opt_str(authority, "name") or req_str(authority, "domain"),
                user_id=req_str(user, "id"),
                user_name=opt_str(user, "name") or req_str(user, "email"),
                user_email=req_str(user, "email"),
                server_version=opt_str(authority, "version"),
            )
        except (KeyError, TypeError, ValueError) as err:
            msg = f"Unexpected account data: {err}"
            raise WorkplaceBadResponseError(msg) from err

    # -- zones and spaces -----------------------------------------------------------------

    async def get_zones(self) -> list[Zone]:
        """Return every building and level zone of the tenant."""
        zones: list[Zone] = []
        for kind in (ZoneKind.BUILDING, ZoneKind.LEVEL):
            raw = await self._get_all(f"{ENGINE_API}/zones", {"tags": kind.value})
            zones.extend(parse_all(raw, partial(parse_zone, kind=kind), "zone"))
        return zones

    async def get_spaces(self, levels: Collection[Zone]) -> list[Space]:
        """Return the desks and bookable rooms of the given levels.

        One metadata request and one systems query per building, never one per space.
        """
        level_by_id = {level.id: level for level in levels}
        buildings = sorted({level.parent_id for level in levels if level.parent_id})
        spaces: list[Space] = []
        for building_id in buildings:
            children = await self._get_json(
                f"{ENGINE_API}/metadata/{building_id}/children", {"name": DESKS_METADATA}
            )
            spaces.extend(parse_desks(children, level_by_id))
            systems = await self._get_all(
                f"{ENGINE_API}/systems", {"zone_id": building_id, "bookable": "true"}
            )
            rooms = parse_all(systems, lambda item: parse_room(item, level_by_id), "room")
            spaces.extend(rooms)
            tracked = {room.id for room in rooms}
            self._rooms_by_calendar.update(
                (calendar, str(item["id"]))
                for item in systems
                if isinstance(item, dict)
                and item.get("id") in tracked
                and (calendar := room_calendar(item))
            )
        approval_spaces = frozenset(s.id for s in spaces if s.requires_approval)
        if approval_spaces != self._approval_spaces:
            self._approval_spaces = approval_spaces
            self._polled.clear()  # a booking's status depends on its space needing approval
        return spaces

    # -- bookings -------------------------------------------------------------------------

    async def get_bookings(
        self,
        *,
        booking_type: str,
        zone_ids: Collection[str],
        start: datetime,
        end: datetime,
        email: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> list[Booking]:
        """Return the bookings of one type that overlap [start, end) in any of the zones.

        Zones must be given: without them PlaceOS returns only the caller's own bookings.
        Checked-out, rejected and cancelled bookings are included, with their status.
        """
        if not zone_ids:
            return []
        query = {
            "type": booking_type,
            "zones": ",".join(sorted(zone_ids)),
            "period_start": str(int(start.timestamp())),
            "period_end": str(int(end.timestamp())),
            # Hidden by default; we report them as checked out / cancelled instead (§3.7).
            "include_checked_out": "true",
            "include_deleted": "true",
            **({"email": email} if email else {}),
            **(extra or {}),
        }
        pages = self._pages(f"{STAFF_API}/bookings", query, BOOKINGS_PAGE_SIZE)
        # Only the plain poll repeats itself; other queries would just evict it.
        known = (
            KnownItems[Booking]()
            if email or extra
            else self._polled.setdefault(booking_type, KnownItems())
        )
        return await known.parse_pages(pages, self._parse_booking, "booking")

    async def get_booking(self, booking_id: str) -> Booking:
        """Return one booking, also when cancelled."""
        return self._parse_booking(await self._get_json(f"{STAFF_API}/bookings/{booking_id}"))

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
        """Book a space. Never retried: a lost answer is reconciled instead.

        The booking carries a request mark in its `extension_data`; if the answer is lost
        (timeout, dropped connection, 5xx), we look for that mark: found means it was booked,
        not found means it was not. If even that look-up fails the outcome is unknown.
        """
        mark = uuid4().hex
        body: dict[str, Any] = {
            "booking_type": space.booking_type,
            "asset_id": space.id,
            "asset_ids": [space.id],
            "zones": [zone for zone in (space.building_id, space.zone_id) if zone],
            "booking_start": int(start.timestamp()),
            "booking_end": int(end.timestamp()),
            "title": title,
            "user_email": user_email,
            "user_name": user_name,
            "extension_data": {REQUEST_MARK: mark},
        }
        body = {key: value for key, value in body.items() if value is not None}
        try:
            answer = await self._request("POST", f"{STAFF_API}/bookings", json_body=body)
        except WorkplaceConnectionError as err:
            found = await look_after(
                err,
                self.get_bookings(
                    booking_type=space.booking_type,
                    zone_ids=body["zones"],
                    start=start,
                    end=end,
                    extra={"extension_data": f"{{{REQUEST_MARK}:{mark}}}"},
                ),
            )
            if found:
                LOGGER.info("A lost booking answer was reconciled: booking %s exists", found[0].id)
                return found[0]
            raise not_found_after(err, "no booking was made") from err
        return self._parse_booking(answer.json())

    async def update_booking(
        self,
        booking_id: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        title: str | None = None,
        space: Space | None = None,
    ) -> Booking:
        """Change a booking's times, title or space (PlaceOS re-checks clashes)."""
        body: dict[str, Any] = {}
        if start is not None:
            body["booking_start"] = int(start.timestamp())
        if end is not None:
            body["booking_end"] = int(end.timestamp())
        if title is not None:
            body["title"] = title
        if space is not None:
            body["asset_id"], body["asset_ids"] = space.id, [space.id]
            body["zones"] = [zone for zone in (space.building_id, space.zone_id) if zone]
        try:
            answer = await self._request(
                "PATCH", f"{STAFF_API}/bookings/{booking_id}", json_body=body
            )
        except WorkplaceConnectionError as err:

            def changed(booking: Booking) -> bool:
                return (
                    (start is None or int(booking.start.timestamp()) == body["booking_start"])
                    and (end is None or int(booking.end.timestamp()) == body["booking_end"])
                    and (title is None or booking.title == title)
                    and (space is None or space.id in booking.space_ids)
                )

            return await confirm(
                err,
                self.get_booking(booking_id),
                done=changed,
                outcome="the booking was not changed",
            )
        return self._parse_booking(answer.json())

    async def cancel_booking(self, booking_id: str) -> None:
        """Cancel (soft-delete) a booking; a lost answer is checked, not repeated."""
        try:
            await self._request("DELETE", f"{STAFF_API}/bookings/{booking_id}")
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self.get_booking(booking_id),
                done=lambda booking: booking.status is BookingStatus.CANCELLED,
                outcome="the booking was not cancelled",
            )

    async def check_in(self, booking_id: str, *, checked_in: bool = True) -> Booking:
        """Check a booking in (or out, with `checked_in=False`); a lost answer is checked."""
        try:
            answer = await self._request(
                "POST",
                f"{STAFF_API}/bookings/{booking_id}/check_in",
                {"state": "true" if checked_in else "false"},
            )
        except WorkplaceConnectionError as err:
            return await confirm_check_in(err, self.get_booking(booking_id), checked_in=checked_in)
        return self._parse_booking(answer.json())

    async def approve_booking(self, booking_id: str) -> Booking:
        """Approve a booking waiting for approval."""
        return await self._decide(
            booking_id, "approve", {BookingStatus.RESERVED, BookingStatus.CHECKED_IN}
        )

    async def reject_booking(self, booking_id: str) -> Booking:
        """Reject a booking waiting for approval."""
        return await self._decide(booking_id, "reject", {BookingStatus.REJECTED})

    async def _decide(self, booking_id: str, decision: str, results: set[BookingStatus]) -> Booking:
        """Approve or reject; a lost answer is checked on the booking."""
        try:
            answer = await self._request("POST", f"{STAFF_API}/bookings/{booking_id}/{decision}")
        except WorkplaceConnectionError as err:
            return await confirm(
                err,
                self.get_booking(booking_id),
                done=lambda booking: booking.status in results,
                outcome=f"the booking was not {decision}d",
            )
        return self._parse_booking(answer.json())

    # -- guests -----------------------------------------------------------------------------

    async def get_booking_guests(self, booking_id: str) -> list[Guest]:
        """The guests (attendees) of a booking."""
        raw = await self._get_json(f"{STAFF_API}/bookings/{booking_id}/guests")
        return parse_all(_expect_list(raw, "guests"), parse_attendee, "guest")

    async def add_guest(
        self,
        booking_id: str,
        *,
        email: str,
        name: str,
        organisation: str | None = None,
        phone: str | None = None,
    ) -> Guest:
        """Add a visitor to a booking, creating or updating the guest record (§3.4).

        A visitor already on the booking has their guest record updated instead. A lost answer
        is reconciled against the booking's guest list, never repeated.
        """
        email = email.lower()
        details = {"name": name, "organisation": organisation, "phone": phone}
        details = {key: value for key, value in details.items() if value}
        path = f"{STAFF_API}/bookings/{booking_id}/attendee"
        try:
            answer = await self._request(
                "POST", path, json_body={"email": email, "visit_expected": True, **details}
            )
        except WorkplaceValidationError:
            if not any(g.email == email for g in await self.get_booking_guests(booking_id)):
                raise
            return await self.update_guest(email, details)
        except WorkplaceConnectionError as err:
            guests = await look_after(err, self.get_booking_guests(booking_id))
            if guest := next((g for g in guests if g.email == email), None):
                LOGGER.info("A lost guest answer was reconciled: the guest is on the booking")
                return guest
            raise not_found_after(err, "the guest was not added") from err
        return parse_attendee(answer.json())

    async def update_guest(self, email: str, details: Mapping[str, Any]) -> Guest:
        """Change a guest's record (name, organisation, phone...) (§3.4 `update_guest`)."""
        path = f"{STAFF_API}/guests/{email.lower()}"
        try:
            answer = await self._request("PATCH", path, json_body=dict(details))
        except WorkplaceConnectionError as err:
            return await confirm(
                err,
                self._get_guest(path),
                done=lambda guest: (
                    guest.name == details.get("name", guest.name)
                    and guest.organisation == details.get("organisation", guest.organisation)
                ),
                outcome="the guest's record was not changed",
            )
        return parse_attendee(answer.json())

    async def _get_guest(self, path: str) -> Guest:
        return parse_attendee(expect_object(await self._get_json(path)))

    async def remove_guest(self, booking_id: str, email: str) -> None:
        """Take a visitor off a booking; a lost answer is checked on the booking's guests."""
        try:
            await self._request(
                "DELETE", f"{STAFF_API}/bookings/{booking_id}/attendee/{email.lower()}"
            )
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self.get_booking_guests(booking_id),
                done=lambda guests: all(guest.email != email.lower() for guest in guests),
                outcome="the visitor was not removed",
            )
        except WorkplaceNotFoundError, WorkplaceValidationError:
            # aiohttp resends a DELETE once when a kept-alive connection was cut under it; the
            # second answer then refuses a visitor the first one already removed.
            guests = await self.get_booking_guests(booking_id)
            if any(guest.email == email.lower() for guest in guests):
                raise

    async def check_in_guest(
        self, booking_id: str, email: str, *, checked_in: bool = True
    ) -> Guest:
        """A visitor arrived (or left); checking a guest in also checks the booking in (§3.4).

        A lost answer is checked on the booking's guests.
        """
        email = email.lower()
        try:
            answer = await self._request(
                "POST",
                f"{STAFF_API}/bookings/{booking_id}/guests/{email}/check_in",
                {"state": "true" if checked_in else "false"},
            )
        except WorkplaceConnectionError as err:
            guests = await confirm(
                err,
                self.get_booking_guests(booking_id),
                done=lambda guests: any(
                    g.email == email and g.checked_in == checked_in for g in guests
                ),
                outcome=f"the visitor was not checked {'in' if checked_in else 'out'}",
            )
            return next(g for g in guests if g.email == email)
        return parse_attendee(answer.json())

    async def get_visitors(
        self, *, zone_ids: Collection[str], start: datetime, end: datetime
    ) -> list[Visitor]:
        """Visitors of bookings and meetings overlapping [start, end) in the zones."""
        raw = await self._get_json(
            f"{STAFF_API}/guests",
            {
                "period_start": str(int(start.timestamp())),
                "period_end": str(int(end.timestamp())),
                "zone_ids": ",".join(sorted(zone_ids)),
            },
        )
        return parse_all(
            _expect_list(raw, "visitors"),
            lambda item: parse_visitor(item, self._rooms_by_calendar),
            "visitor",
        )

    # -- meetings (room calendars) --------------------------------------------------------

    async def get_meetings(
        self, *, zone_ids: Collection[str], start: datetime, end: datetime
    ) -> list[Booking]:
        """The rooms' calendar events overlapping [start, end), cancelled ones included."""
        raw = await self._get_json(
            f"{STAFF_API}/events",
            {
                "period_start": str(int(start.timestamp())),
                "period_end": str(int(end.timestamp())),
                "zone_ids": ",".join(sorted(zone_ids)),
                "include_cancelled": "true",
            },
        )
        return parse_all(_expect_list(raw, "events"), parse_event, "meeting")

    async def update_meeting(
        self,
        meeting_id: str,
        *,
        system_id: str,
        start: datetime,
        end: datetime,
        title: str | None = None,
    ) -> Booking:
        """Move or rename a room's meeting (the calendar may refuse a clash).

        PlaceOS wants the times in every update, even when only the title changes. A lost
        answer is checked on the meeting.
        """
        body: dict[str, Any] = {
            "id": meeting_id,
            "system_id": system_id,
            "event_start": int(start.timestamp()),
            "event_end": int(end.timestamp()),
        }
        if title is not None:
            body["title"] = title
        try:
            answer = await self._request(
                "PATCH",
                f"{STAFF_API}/events/{meeting_id}",
                {"system_id": system_id},
                json_body=body,
            )
        except WorkplaceConnectionError as err:
            return await confirm(
                err,
                self._get_meeting(meeting_id, system_id),
                done=lambda meeting: (
                    int(meeting.start.timestamp()) == body["event_start"]
                    and int(meeting.end.timestamp()) == body["event_end"]
                    and title in (None, meeting.title)
                ),
                outcome="the meeting was not changed",
            )
        return parse_event(answer.json())

    async def _get_meeting(self, meeting_id: str, system_id: str) -> Booking:
        raw = await self._get_json(f"{STAFF_API}/events/{meeting_id}", {"system_id": system_id})
        return parse_event(expect_object(raw))

    async def cancel_meeting(self, meeting_id: str, *, system_id: str) -> None:
        """Cancel a room's meeting; one already gone counts as cancelled (as the driver does).

        A lost answer is checked on the meeting.
        """
        try:
            await self._request(
                "DELETE", f"{STAFF_API}/events/{meeting_id}", {"system_id": system_id}
            )
        except WorkplaceNotFoundError:
            LOGGER.debug("Meeting %s was already gone", meeting_id)
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self._get_meeting(meeting_id, system_id),
                done=lambda meeting: meeting.status is BookingStatus.CANCELLED,
                outcome="the meeting was not cancelled",
            )

    async def set_meeting_metadata(
        self,
        meeting_id: str,
        *,
        system_id: str,
        metadata: Mapping[str, Any],
        replace: bool = False,
    ) -> dict[str, Any]:
        """Merge (PATCH) or replace (PUT) a meeting's extension data; returns the result."""
        with unknown_when_lost():
            answer = await self._request(
                "PUT" if replace else "PATCH",
                f"{STAFF_API}/events/{meeting_id}/metadata/{system_id}",
                json_body=dict(metadata),
            )
        return expect_object(answer.json())

    # -- people, signals, zone metadata -------------------------------------------------

    async def find_person(self, email: str) -> Person:
        """A person of the directory, by email (§3.2 `staff_details`)."""
        raw = await self._get_json(f"{STAFF_API}/people/{email.lower()}")
        return parse_person(expect_object(raw))

    async def search_people(self, text: str) -> list[Person]:
        """PlaceOS users whose name or email starts with the text (§3.2 `query_users`)."""
        raw = await self._get_json(f"{ENGINE_API}/users", {"q": text, "limit": "20"})
        return parse_all(_expect_list(raw, "users"), parse_person, "user")

    async def signal(self, channel: str, payload: Any) -> None:
        """Publish a payload on a PlaceOS signal channel for PlaceOS logic (§3.8)."""
        with unknown_when_lost():
            await self._request(
                "POST", f"{ENGINE_API}/signal", {"channel": channel}, json_body=payload
            )

    async def write_zone_metadata(
        self,
        zone_id: str,
        name: str,
        details: Any,
        *,
        merge: bool = True,
        description: str = "",
    ) -> dict[str, Any]:
        """Merge (PATCH) or replace (PUT) one named metadata of a zone (§3.6)."""
        with unknown_when_lost():
            answer = await self._request(
                "PATCH" if merge else "PUT",
                f"{ENGINE_API}/metadata/{zone_id}",
                {"name": name},
                json_body={
                    "name": name,
                    "description": description,
                    "details": details,
                    "parent_id": zone_id,
                },
            )
        return expect_object(answer.json())

    # -- plumbing ---------------------------------------------------------------------------

    def _parse_booking(self, item: Any) -> Booking:
        return parse_booking(item, self._approval_spaces)

    async def _request(
        self,
        method: str,
        path_or_url: str | URL,
        params: Mapping[str, str] | None = None,
        *,
        json_body: Any = None,
    ) -> Response:
        url = path_or_url if isinstance(path_or_url, URL) else self._base.with_path(path_or_url)
        if params:
            url = url.update_query(params)
        response = await send(
            self.session,
            method,
            url,
            link=self._link,
            headers={"Accept": "application/json", "X-API-Key": self.api_key},
            timeout=self.request_timeout,
            json_body=json_body,
        )
        if response.status >= 300:  # noqa: PLR2004
            raise error_for(method, url, response)
        return response

    async def _get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return (await self._request("GET", path, params)).json()

    async def _get_all(
        self, path: str, params: Mapping[str, str], *, page_size: int = INDEX_PAGE_SIZE
    ) -> list[Any]:
        return [item async for page in self._pages(path, params, page_size) for item in page.items]

    async def _pages(
        self, path: str, params: Mapping[str, str], page_size: int = INDEX_PAGE_SIZE
    ) -> AsyncIterator[Page]:
        """Follow `Link: rel="next"` until it ends, repeats or a page comes back empty.

        Staff API links are relative and have a slash before `?` (`/bookings/?…`, §3.7).
        Pages come one at a time so that a big listing is never all in memory at once.
        """
        target: str | URL = path
        query: Mapping[str, str] | None = {**params, "limit": str(page_size), "offset": "0"}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            response = await self._request("GET", target, query)
            yield Page(response.body, partial(_page_items, response, path))
            link = response.next_link
            if not link or link in seen or _EMPTY_LIST.fullmatch(response.body):
                return
            seen.add(link)
            target, query = self._base.join(URL(link)), None
        msg = f"{path} kept paging past {MAX_PAGES} pages"
        raise WorkplaceBadResponseError(msg)


def _page_items(response: Response, path: str) -> list[Any]:
    page = response.json()
    if not isinstance(page, list):
        msg = f"Expected a list from {path}, got {type(page).__name__}"
        raise WorkplaceBadResponseError(msg)
    return page


def _expect_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        msg = f"Expected a list of {what}, got {type(value).__name__}"
        raise WorkplaceBadResponseError(msg)
    return value
