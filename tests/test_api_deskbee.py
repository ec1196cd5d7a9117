"""The Deskbee client against the simulator: tokens, paging, parsing, errors, writes."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import orjson
import pytest

from custom_components.workplace.api import (
    BookingStatus,
    DeskbeeClient,
    SpaceKind,
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConflictError,
    WorkplaceConnectionError,
    WorkplaceNotFoundError,
    WorkplaceOutcomeUnknownError,
    WorkplaceRateLimitError,
    WorkplaceUnsupportedError,
    WorkplaceValidationError,
    ZoneKind,
)
from tests.helpers import DeskbeeSite

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would inject."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def client_for(site: DeskbeeSite, session: aiohttp.ClientSession) -> DeskbeeClient:
    """A client that has already learnt the account's zones and places."""
    sim = site.sim
    client = DeskbeeClient(
        url=f"{sim.url}/v1.1/",
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        session=session,
        timezone=ZoneInfo(sim.timezone),
    )
    zones = await client.get_zones()
    await client.get_spaces([z for z in zones if z.kind is ZoneKind.LEVEL])
    return client


def hours(start: float, end: float) -> tuple[datetime, datetime]:
    """A period relative to now, on whole minutes."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now + timedelta(hours=start), now + timedelta(hours=end)


def bookable(site: DeskbeeSite, start: float, end: float) -> tuple[datetime, datetime]:
    """A slot some hours after the account's next 10:00: Deskbee books within one day."""
    now = datetime.now(ZoneInfo(site.sim.timezone))
    ten = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if ten <= now:
        ten += timedelta(days=1)
    return ten + timedelta(hours=start), ten + timedelta(hours=end)


async def test_structure(deskbee_site: DeskbeeSite, session: aiohttp.ClientSession) -> None:
    """Buildings with floors, and places of the kinds we book."""
    client = await client_for(deskbee_site, session)
    zones = {z.id: z for z in await client.get_zones()}
    assert zones[deskbee_site.floor].parent_id == deskbee_site.building
    spaces = {s.id: s for s in await client.get_spaces([zones[deskbee_site.floor]])}
    assert spaces[deskbee_site.desk1].kind is SpaceKind.DESK
    assert spaces[deskbee_site.room].kind is SpaceKind.ROOM
    assert spaces[deskbee_site.room].capacity == 6
    account = await client.get_account()
    assert account.tenant_id == deskbee_site.sim.client_id
    assert deskbee_site.sim.client_secret not in repr(client)


async def test_bookings_in_every_state(
    deskbee_site: DeskbeeSite, session: aiohttp.ClientSession
) -> None:
    """Cancelled bookings are fetched too, with their status; other types are not asked for."""
    site = deskbee_site
    cancelled = site.book(site.desk1, starts_in=3600, ends_in=7200)
    site.sim.cancel(cancelled)
    busy = site.book(site.desk2, starts_in=-60, ends_in=3600)
    site.sim.check_in(busy)
    client = await client_for(site, session)
    start, end = hours(-12, 12)
    found = {
        b.id: b
        for b in await client.get_bookings(
            booking_type="desk", zone_ids=[site.building], start=start, end=end
        )
    }
    assert found[cancelled].status is BookingStatus.CANCELLED
    assert found[busy].status is BookingStatus.CHECKED_IN
    assert found[busy].checked_in_at is not None
    assert (
        await client.get_bookings(
            booking_type="visitor", zone_ids=[site.building], start=start, end=end
        )
        == []
    )


async def test_writes_and_their_rules(
    deskbee_site: DeskbeeSite, session: aiohttp.ClientSession
) -> None:
    """Meeting rooms get a meeting; updates keep the kind; one day only; a person is required."""
    site = deskbee_site
    client = await client_for(site, session)
    zones = {z.id: z for z in await client.get_zones()}
    spaces = {s.id: s for s in await client.get_spaces([zones[site.floor]])}
    start, end = bookable(site, 1, 2)
    meeting = await client.create_booking(
        space=spaces[site.room], start=start, end=end, user_email="ada@example.com", title="Sync"
    )
    assert meeting.title == "Sync"
    moved = await client.update_booking(
        meeting.id, start=start + timedelta(hours=1), end=end + timedelta(hours=1), title="Sync 2"
    )
    assert moved.start == start + timedelta(hours=1)
    desk = await client.create_booking(
        space=spaces[site.desk1], start=start, end=end, user_email="grace@example.com"
    )
    moved_desk = await client.update_booking(desk.id, space=spaces[site.desk2])
    assert moved_desk.space_ids == (site.desk2,)
    with pytest.raises(WorkplaceValidationError):
        await client.create_booking(space=spaces[site.desk1], start=start, end=end)
    with pytest.raises(WorkplaceValidationError):
        await client.create_booking(
            space=spaces[site.desk1],
            start=start,
            end=start + timedelta(days=1),
            user_email="ada@example.com",
        )
    with pytest.raises(WorkplaceNotFoundError):
        await client.create_booking(
            space=spaces[site.desk1], start=start, end=end, user_email="ghost@example.com"
        )
    with pytest.raises(WorkplaceConflictError):
        await client.create_booking(
            space=spaces[site.desk2], start=start, end=end, user_email="ada@example.com"
        )
    with pytest.raises(WorkplaceUnsupportedError):
        await client.reject_booking(desk.id)
    people = await client.search_people("Grace")
    assert [p.email for p in people] == ["grace@example.com"]


async def test_lost_answers_are_reconciled(
    deskbee_site: DeskbeeSite, session: aiohttp.ClientSession
) -> None:
    """A dropped create is found, not repeated; a failed create says so; cancels are checked."""
    site = deskbee_site
    client = await client_for(site, session)
    zones = {z.id: z for z in await client.get_zones()}
    spaces = {s.id: s for s in await client.get_spaces([zones[site.floor]])}
    start, end = bookable(site, 1, 2)
    site.sim.faults.drop_next(path="/v1.1/bookings/workspaces")
    booking = await client.create_booking(
        space=spaces[site.desk1], start=start, end=end, user_email="ada@example.com"
    )
    assert len(site.sim.bookings) == 1
    assert booking.space_ids == (site.desk1,)
    site.sim.faults.fail_next(503, path="/v1.1/bookings/workspaces")
    with pytest.raises(WorkplaceConnectionError, match="no booking was made"):
        await client.create_booking(
            space=spaces[site.desk2], start=start, end=end, user_email="ada@example.com"
        )
    site.sim.faults.drop_next(path="/v1.1/bookings/workspaces")
    site.sim.faults.fail_next(500, path="/v1.1/bookings", count=2)
    with pytest.raises(WorkplaceOutcomeUnknownError):
        await client.create_booking(
            space=spaces[site.desk2], start=start, end=end, user_email="ada@example.com"
        )
    site.sim.faults.clear()
    site.sim.faults.drop_next(path=f"/v1.1/bookings/{booking.id}")
    await client.cancel_booking(booking.id)
    assert site.sim.booking(booking.id)["state"] == "canceled"
    other = site.book(site.desk2, starts_in=7200, ends_in=9000)
    site.sim.faults.fail_next(502, path=f"/v1.1/bookings/{other}")
    with pytest.raises(WorkplaceConnectionError, match="not cancelled"):
        await client.cancel_booking(other)


async def test_guest_passes(deskbee_site: DeskbeeSite, session: aiohttp.ClientSession) -> None:
    """Invite, arrive and remove a visitor; a lost invite is reconciled."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    client = await client_for(site, session)
    start, end = hours(-12, 12)
    guest = await client.add_guest(
        booking, email="Vera@example.com", name="Vera", organisation="Acme"
    )
    assert guest.email == "vera@example.com"
    visitors = await client.get_visitors(zone_ids=[site.building], start=start, end=end)
    assert len(visitors) == 1
    assert visitors[0].host is not None
    fresh = await client_for(site, session)  # after a restart: only one pass, so it is found
    await fresh.remove_guest(booking, "vera@example.com")
    await client.add_guest(booking, email="vera@example.com", name="Vera")
    arrived = await client.check_in_guest(booking, "vera@example.com")
    assert arrived.checked_in
    with pytest.raises(WorkplaceUnsupportedError):
        await client.check_in_guest(booking, "vera@example.com", checked_in=False)
    other = site.book(site.desk2, starts_in=-60, ends_in=3600, person_email="grace@example.com")
    site.sim.faults.drop_next(path="/v1.1/guestpass")
    lost = await client.add_guest(other, email="x@example.com", name="X")
    assert lost.email == "x@example.com"
    await client.add_guest(other, email="y@example.com", name="Y")
    with pytest.raises(WorkplaceNotFoundError):
        await fresh.remove_guest(other, "x@example.com")


async def test_automation_nothing_matched(
    deskbee_site: DeskbeeSite, session: aiohttp.ClientSession
) -> None:
    """A device event that matches no booking changes nothing."""
    client = await client_for(deskbee_site, session)
    assert (
        await client.report_access(
            device="turnstile-1", person="ada@example.com", when=datetime.now(UTC)
        )
        == []
    )


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"error": 404, "id": "not_found", "message": "Oops"}, WorkplaceNotFoundError),
        (409, {"error": 409, "id": "conflict", "message": "taken"}, WorkplaceConflictError),
        (
            422,
            {
                "error": 422,
                "id": "unprocessable_entity",
                "message": "bad",
                "errors": {"date": ["no"], "x": "y"},
            },
            WorkplaceValidationError,
        ),
        (429, {"error": 429, "id": "request_limit", "message": "slow"}, WorkplaceRateLimitError),
        (507, {"error": 507, "id": "query_error", "message": "disk"}, WorkplaceConnectionError),
        (302, {}, WorkplaceBadResponseError),
    ],
)
async def test_error_bodies(
    deskbee_site: DeskbeeSite,
    session: aiohttp.ClientSession,
    status: int,
    body: dict[str, object],
    error: type[Exception],
) -> None:
    """The documented error body maps onto the library's errors."""
    client = await client_for(deskbee_site, session)
    deskbee_site.sim.faults.fail_next(
        status, path="/v1.1/buildings", body=orjson.dumps(body), headers=JSON
    )
    with pytest.raises(error) as caught:
        await client.get_zones()
    if status == 422:
        assert caught.value.failures == ("date: no", "x: y")  # type: ignore[attr-defined]


async def test_token_troubles(deskbee_site: DeskbeeSite, session: aiohttp.ClientSession) -> None:
    """A revoked client is an authentication error; an odd token answer a bad response."""
    sim = deskbee_site.sim
    client = await client_for(deskbee_site, session)
    sim.faults.fail_next(200, path="/v1.1/oauth/token", body=b'{"token": "x"}', headers=JSON)
    client._token = None
    with pytest.raises(WorkplaceBadResponseError):
        await client.get_zones()
    sim.faults.fail_next(
        400,
        path="/v1.1/oauth/token",
        body=b'{"error":400,"id":"unexpected_value","message":"no"}',
        headers=JSON,
    )
    with pytest.raises(WorkplaceAuthenticationError):
        await client.get_zones()
    sim.revoke_client()
    sim.expire_tokens()
    with pytest.raises(WorkplaceAuthenticationError):
        await client.get_zones()


async def test_malformed_answers(
    deskbee_site: DeskbeeSite, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """A page that is not a list, or without an envelope, is refused; bad items are skipped."""
    site = deskbee_site
    client = await client_for(site, session)
    site.sim.faults.fail_next(200, path="/v1.1/buildings", body=b'{"data": {}}', headers=JSON)
    with pytest.raises(WorkplaceBadResponseError):
        await client.get_zones()
    site.sim.faults.fail_next(200, path="/v1.1/buildings", body=b"[]", headers=JSON)
    with pytest.raises(WorkplaceBadResponseError):
        await client.get_zones()
    now = datetime.now(UTC)
    good = {
        "uuid": "b1",
        "start_date": now.isoformat(),
        "end_date": (now + timedelta(hours=1)).isoformat(),
        "state": "reserved",
        "place": {"uuid": site.desk1, "type": "workspace"},
    }
    page = {
        "data": [
            good,
            {**good, "uuid": "b2", "state": "teleported"},
            {**good, "uuid": "b3", "end_date": now.isoformat()},
            {**good, "uuid": "b4", "start_date": 5},
        ],
        "links": {"next": None},
    }
    site.sim.faults.fail_next(200, path="/v1.1/bookings", body=orjson.dumps(page), headers=JSON)
    start, end = hours(-12, 12)
    bookings = await client.get_bookings(
        booking_type="desk", zone_ids=[site.floor], start=start, end=end
    )
    assert [b.id for b in bookings] == ["b1"]
    assert caplog.text.count("Skipping a malformed booking") == 3
