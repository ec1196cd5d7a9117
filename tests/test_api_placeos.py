"""The PlaceOS client against the simulator: paging, parsing and the error tree."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from email.utils import formatdate

import aiohttp
import orjson
import pytest

from custom_components.workplace.api import (
    BookingStatus,
    PlaceOSClient,
    SpaceKind,
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConflictError,
    WorkplaceConnectionError,
    WorkplaceLimitReachedError,
    WorkplaceNotFoundError,
    WorkplaceNotSentError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    WorkplaceTimeoutError,
    WorkplaceValidationError,
    ZoneKind,
)
from custom_components.workplace.api.transport import ServerLink, parse_retry_after
from tests.helpers import SmallSite, book
from tests.simulators.placeos import PlaceOSSimulator


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would inject."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def client_for(
    sim: PlaceOSSimulator, session: aiohttp.ClientSession, **kw: object
) -> PlaceOSClient:
    """A client of the simulated tenant."""
    return PlaceOSClient(url=sim.url, api_key=sim.api_key, session=session, **kw)  # type: ignore[arg-type]


def today() -> tuple[datetime, datetime]:
    """The period the coordinator asks for: a day around now."""
    now = datetime.now(UTC)
    return now - timedelta(hours=12), now + timedelta(hours=12)


async def test_account_and_zones(small_site: SmallSite, session: aiohttp.ClientSession) -> None:
    """The key identifies the tenant; buildings and levels come with their hierarchy."""
    client = client_for(small_site.sim, session)
    account = await client.get_account()
    assert account.tenant_id == small_site.sim.authority_id
    assert account.user_email
    zones = {zone.id: zone for zone in await client.get_zones()}
    assert zones[small_site.building].kind is ZoneKind.BUILDING
    assert zones[small_site.level1].kind is ZoneKind.LEVEL
    assert zones[small_site.level1].parent_id == small_site.building
    assert repr(client).count(small_site.sim.api_key) == 0


async def test_spaces_from_metadata_and_systems(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """Desks come from zone metadata, rooms from bookable systems; one query each per building."""
    client = client_for(small_site.sim, session)
    zones = await client.get_zones()
    levels = [zone for zone in zones if zone.kind is ZoneKind.LEVEL]
    small_site.sim.faults.requests.clear()
    spaces = {space.id: space for space in await client.get_spaces(levels)}
    assert len(small_site.sim.faults.requests) == 2
    assert spaces[small_site.desk1].kind is SpaceKind.DESK
    assert spaces[small_site.desk1].zone_id == small_site.level1
    assert spaces[small_site.desk3].zone_id == small_site.level2
    room = spaces[small_site.room]
    assert room.kind is SpaceKind.ROOM
    assert room.requires_approval
    assert room.capacity == 8
    assert room.name == "Harbour Room"


async def test_bookings_follow_every_page(
    small_site: SmallSite, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All pages are fetched through the relative Link header, each booking once."""
    sim = small_site.sim
    now = sim.clock.now()
    made = {
        str(
            sim.create_booking(
                asset_id=small_site.desk1,
                booking_type="desk",
                start=now + i * 600,
                end=now + i * 600 + 300,
                user_email=f"p{i}@example.com",
            )["id"]
        )
        for i in range(25)
    }
    monkeypatch.setattr("custom_components.workplace.api.placeos.BOOKINGS_PAGE_SIZE", 10)
    client = client_for(sim, session)
    sim.faults.requests.clear()
    start = datetime.fromtimestamp(now - 60, UTC)
    bookings = await client.get_bookings(
        booking_type="desk",
        zone_ids=[small_site.building],
        start=start,
        end=start + timedelta(days=1),
    )
    assert {b.id for b in bookings} == made
    assert len(sim.faults.requests) == 3  # 25 bookings, 10 a page
    assert all(b.status is BookingStatus.RESERVED for b in bookings)
    assert all(b.person.email for b in bookings)


async def test_no_zones_means_no_query(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """Without zones PlaceOS would return only our own bookings, so we do not ask."""
    client = client_for(small_site.sim, session)
    small_site.sim.faults.requests.clear()
    assert (
        await client.get_bookings(
            booking_type="desk", zone_ids=[], start=today()[0], end=today()[1]
        )
        == []
    )
    assert small_site.sim.faults.requests == []


async def test_booking_statuses(small_site: SmallSite, session: aiohttp.ClientSession) -> None:
    """Checked in, checked out, pending approval and approved are told apart."""
    sim, site = small_site.sim, small_site
    checked_in = book(sim, site.desk1, starts_in=-60, ends_in=600, email="a@example.com")
    sim.check_in(checked_in)
    checked_out = book(sim, site.desk2, starts_in=-60, ends_in=600, email="b@example.com")
    sim.check_in(checked_out)
    sim.check_out(checked_out)
    pending = book(sim, site.room, starts_in=0, ends_in=600, booking_type="room")
    client = client_for(sim, session)
    # The client learns which rooms need approval when it lists the spaces.
    await client.get_spaces([z for z in await client.get_zones() if z.kind is ZoneKind.LEVEL])
    start, end = today()
    desks = {
        b.id: b
        for b in await client.get_bookings(
            booking_type="desk", zone_ids=[site.building], start=start, end=end
        )
    }
    rooms = await client.get_bookings(
        booking_type="room",
        zone_ids=[site.building],
        start=start,
        end=end,
    )
    assert desks[str(checked_in)].status is BookingStatus.CHECKED_IN
    assert desks[str(checked_in)].checked_in_at is not None
    assert desks[str(checked_out)].status is BookingStatus.CHECKED_OUT
    assert desks[str(checked_out)].checked_out_at is not None
    assert not desks[str(checked_out)].is_active
    assert [b.status for b in rooms] == [BookingStatus.PENDING_APPROVAL]
    sim.approve(pending)
    rooms = await client.get_bookings(
        booking_type="room",
        zone_ids=[site.building],
        start=start,
        end=end,
    )
    assert [b.status for b in rooms] == [BookingStatus.RESERVED]


async def test_malformed_bookings_are_skipped(
    small_site: SmallSite, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """One unreadable booking is logged and skipped; the others still arrive."""
    sim = small_site.sim
    now = int(sim.clock.now())
    good = {
        "id": 1,
        "booking_type": "desk",
        "booking_start": now,
        "booking_end": now + 60,
        "asset_ids": ["desk-1-01"],
        "zones": [small_site.building],
    }
    page = [
        good,
        {**good, "id": 2, "booking_start": "yesterday"},
        {**good, "id": 3, "booking_end": now - 60},
        "not an object",
        {**good, "id": 4, "asset_ids": "desk-1-01"},
        {**good, "id": None},
        {**good, "id": 5, "booking_end": None},
        {**good, "id": 6, "deleted": True},
        {**good, "id": 7, "rejected": True},
    ]
    sim.faults.fail_next(
        200,
        path="/api/staff/v1/bookings",
        body=orjson.dumps(page),
        headers={"Content-Type": "application/json"},
    )
    start, end = today()
    bookings = await client_for(sim, session).get_bookings(
        booking_type="desk", zone_ids=[small_site.building], start=start, end=end
    )
    assert [(b.id, b.status) for b in bookings] == [
        ("1", BookingStatus.RESERVED),
        ("6", BookingStatus.CANCELLED),
        ("7", BookingStatus.REJECTED),
    ]
    assert caplog.text.count("Skipping a malformed booking") == 6


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, b'{"error":"unknown X-API-Key"}', WorkplaceAuthenticationError),
        (403, b"", WorkplacePermissionError),
        (404, b'{"error":"nope"}', WorkplaceNotFoundError),
        (409, b'{"error":"Conflicting booking","bookings":[]}', WorkplaceConflictError),
        (
            422,
            b'{"error":"missing","parameter":"type","restriction":"String"}',
            WorkplaceValidationError,
        ),
        (500, b'{"error":"boom"}', WorkplaceConnectionError),
        (503, b"<html>", WorkplaceConnectionError),
        (302, b"", WorkplaceBadResponseError),
    ],
)
async def test_http_errors_map_to_the_tree(
    small_site: SmallSite,
    session: aiohttp.ClientSession,
    status: int,
    body: bytes,
    error: type[Exception],
) -> None:
    """Each status becomes the library error a caller can act on."""
    small_site.sim.faults.fail_next(status, body=body)
    with pytest.raises(error):
        await client_for(small_site.sim, session).get_zones()


async def test_validation_failures_are_kept(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """422 failures name the field."""
    small_site.sim.faults.fail_next(
        422, body=b'{"error":"bad","failures":[{"field":"booking_end","reason":"before start"}]}'
    )
    with pytest.raises(WorkplaceValidationError) as caught:
        await client_for(small_site.sim, session).get_zones()
    assert caught.value.failures == ("booking_end: before start",)


async def test_rate_limit_carries_retry_after(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """429 tells how long to wait."""
    small_site.sim.faults.fail_next(
        429, body=b'{"error":"slow down"}', headers={"Retry-After": "42"}
    )
    with pytest.raises(WorkplaceRateLimitError) as caught:
        await client_for(small_site.sim, session).get_zones()
    assert caught.value.retry_after == 42


def test_retry_after_forms() -> None:
    """Delta seconds, HTTP dates and garbage."""
    assert parse_retry_after("7") == 7
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0


async def test_the_server_clock_is_read_from_date() -> None:
    """A `Date` ten minutes ahead is learnt; unreadable or zone-less dates change nothing."""
    link = ServerLink()
    ahead = datetime.now(UTC) + timedelta(minutes=10)
    link.saw({"Date": formatdate(ahead.timestamp(), usegmt=True)})
    assert link.clock_offset == timedelta(minutes=10)
    for unreadable in ("soon", "Wed, 21 Oct 2015 07:28:00 -0000", ""):
        link.saw({"Date": unreadable})
        assert link.clock_offset == timedelta(minutes=10)


async def test_timeouts_and_refused_connections(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """A slow server times out; a stopped one is a connection error; neither leaks the key."""
    sim = small_site.sim
    sim.faults.delay_next(2)
    with pytest.raises(WorkplaceTimeoutError) as slow:
        await client_for(sim, session, request_timeout=0.2).get_zones()
    assert sim.api_key not in str(slow.value)
    await sim.go_down()
    with pytest.raises(WorkplaceConnectionError) as refused:
        await client_for(sim, session).get_zones()
    assert sim.api_key not in str(refused.value)


async def test_a_create_that_never_left_says_nothing_changed(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """Refused at connect: the booking surely was not made, so no look-up and no "unknown"."""
    sim = small_site.sim
    client = client_for(sim, session)
    levels = [z for z in await client.get_zones() if z.kind is ZoneKind.LEVEL]
    desk = next(s for s in await client.get_spaces(levels) if s.kind is SpaceKind.DESK)
    await sim.go_down()
    start, end = today()
    # A fresh session: no kept-alive connection that could have carried the request.
    async with aiohttp.ClientSession() as fresh:
        with pytest.raises(WorkplaceNotSentError) as refused:
            await client_for(sim, fresh).create_booking(space=desk, start=start, end=end)
    assert "never reached the server" in str(refused.value)
    await sim.come_up()
    assert sim.bookings == {}


async def test_non_list_page_is_a_bad_response(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """An object where a list belongs is refused as a whole."""
    small_site.sim.faults.fail_next(
        200, body=b'{"unexpected": true}', headers={"Content-Type": "application/json"}
    )
    with pytest.raises(WorkplaceBadResponseError):
        await client_for(small_site.sim, session).get_zones()


async def test_malformed_json_is_a_bad_response(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """A truncated body is refused, not crashed on."""
    small_site.sim.faults.malformed_next()
    with pytest.raises(WorkplaceBadResponseError):
        await client_for(small_site.sim, session).get_account()


async def test_unreadable_account_is_a_bad_response(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """An account answer without the fields we need, or not an object, is refused clearly."""
    sim = small_site.sim
    json_headers = {"Content-Type": "application/json"}
    sim.faults.fail_next(
        200, path="/api/engine/v2/users/current", body=b'{"id": 5}', headers=json_headers
    )
    with pytest.raises(WorkplaceBadResponseError, match="account"):
        await client_for(sim, session).get_account()
    sim.faults.fail_next(200, path="/api/engine/v2/users/current", body=b"[]", headers=json_headers)
    with pytest.raises(WorkplaceBadResponseError, match="object"):
        await client_for(sim, session).get_account()


async def test_limit_reached_and_odd_failures(
    small_site: SmallSite, session: aiohttp.ClientSession
) -> None:
    """410 carries the limit; a 422 whose failures are not a list still maps cleanly."""
    sim = small_site.sim
    sim.faults.fail_next(410, body=b'{"error":"Booking limit reached","limit":2,"bookings":[]}')
    with pytest.raises(WorkplaceLimitReachedError) as limited:
        await client_for(sim, session).get_zones()
    assert limited.value.limit == 2
    sim.faults.fail_next(422, body=b'{"error":"bad","failures":"everything"}')
    with pytest.raises(WorkplaceValidationError) as invalid:
        await client_for(sim, session).get_zones()
    assert invalid.value.failures == ()


async def test_malformed_desk_metadata_is_skipped(
    small_site: SmallSite, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Broken desk metadata loses only the broken part; a non-list answer is refused."""
    sim, site = small_site.sim, small_site
    client = client_for(sim, session)
    levels = [zone for zone in await client.get_zones() if zone.kind is ZoneKind.LEVEL]
    children = [
        "not an object",
        {"zone": {"id": site.level1}, "metadata": {"desks": {"details": "not a list"}}},
        {
            "zone": {"id": site.level2},
            "metadata": {"desks": {"details": [{"id": "d-9"}, {"name": "no id"}]}},
        },
        {"zone": {"id": "zone-elsewhere"}, "metadata": {"desks": {"details": [{"id": "d-0"}]}}},
    ]
    sim.faults.fail_next(
        200,
        path="/api/engine/v2/metadata",
        body=orjson.dumps(children),
        headers={"Content-Type": "application/json"},
    )
    desks = [s for s in await client.get_spaces(levels) if s.kind is SpaceKind.DESK]
    assert [(d.id, d.name, d.zone_id) for d in desks] == [("d-9", "d-9", site.level2)]
    assert "Skipping malformed PlaceOS zone metadata" in caplog.text
    assert "details is not a list" in caplog.text
    assert "Skipping a malformed desk" in caplog.text

    sim.faults.fail_next(
        200,
        path="/api/engine/v2/metadata",
        body=b'{"desks": {}}',
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(WorkplaceBadResponseError):
        await client.get_spaces(levels)


async def test_endless_paging_is_cut_off(
    small_site: SmallSite, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server whose next links never end cannot keep us paging forever."""
    sim = small_site.sim
    now = sim.clock.now()
    for i in range(5):
        sim.create_booking(
            asset_id=small_site.desk1,
            booking_type="desk",
            start=now + i * 600,
            end=now + i * 600 + 300,
            user_email="p@example.com",
        )
    monkeypatch.setattr("custom_components.workplace.api.placeos.BOOKINGS_PAGE_SIZE", 1)
    monkeypatch.setattr("custom_components.workplace.api.placeos.MAX_PAGES", 3)
    start = datetime.fromtimestamp(now - 60, UTC)
    with pytest.raises(WorkplaceBadResponseError, match="paging"):
        await client_for(sim, session).get_bookings(
            booking_type="desk",
            zone_ids=[small_site.building],
            start=start,
            end=start + timedelta(days=1),
        )
