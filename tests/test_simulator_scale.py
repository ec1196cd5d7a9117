"""Benchmark scale seeding and the ``--bench`` control routes of the simulators.

Small numbers (250 spaces, 1 000 bookings a day, 2 days; 20 doors) exercise the same code as
the benchmark's thousands. Plain aiohttp over loopback; every test takes ``socket_enabled``.
The Deskbee and PlaceOS accounts live on Tuesday 2026-03-10 at 11:00 local time, inside the
second of four 2.5-hour slots of the working day.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import hmac
import json
import sys
import time
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
import pytest

from tests.simulators.__main__ import parse_args
from tests.simulators.deskbee import DeskbeeSimulator
from tests.simulators.deskbee_bench import register_bench as deskbee_bench
from tests.simulators.deskbee_model import State
from tests.simulators.deskbee_scale import ScaledAccount, seed_scale as seed_deskbee
from tests.simulators.placeos import PlaceOSSimulator
from tests.simulators.placeos_bench import register_bench as placeos_bench
from tests.simulators.placeos_scale import seed_scale as seed_placeos
from tests.simulators.salto import SaltoSimulator
from tests.simulators.salto_bench import register_bench as salto_bench
from tests.simulators.salto_scale import seed_scale as seed_salto

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
BERLIN = "Europe/Berlin"
SPACES = 250
PER_DAY = 1_000
DAYS = 2
SECRET = "bench-secret"
RS = "\x1e"


def at_eleven(zone: ZoneInfo) -> float:
    return datetime(2026, 3, 10, 11, 0, tzinfo=zone).timestamp()


@dataclass
class Hook:
    body: bytes
    signature: str
    received: float

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """A webhook endpoint on loopback noting when each delivery arrived."""

    hooks: list[Hook] = field(default_factory=list)
    runner: web.AppRunner | None = None
    url: str = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        received = time.time()
        body = await request.read()
        self.hooks.append(Hook(body, request.headers.get("X-Hub-Signature", ""), received))
        return web.Response(text="ok")


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncGenerator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    if hook.runner is not None:
        await hook.runner.cleanup()


@dataclass
class Deskbee:
    sim: DeskbeeSimulator
    account: ScaledAccount


@pytest.fixture
async def deskbee(socket_enabled: None) -> AsyncGenerator[Deskbee]:
    sim = DeskbeeSimulator(seed=None)
    sim.clock.set(at_eleven(SAO_PAULO))
    sim.token_lifetime = 24 * 3600
    account = seed_deskbee(sim, spaces=SPACES, bookings_per_day=PER_DAY, days=DAYS)
    deskbee_bench(sim, seed=1)
    await sim.start()
    yield Deskbee(sim, account)
    await sim.stop()


async def call(
    session: aiohttp.ClientSession, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    async with session.request(method, url, **kwargs) as response:
        return response.status, await response.json(content_type=None)


async def deskbee_token(session: aiohttp.ClientSession, sim: DeskbeeSimulator) -> dict[str, str]:
    body = {
        "grant_type": "client_credentials",
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
    }
    _, token = await call(session, "POST", f"{sim.api_url}/oauth/token", json=body)
    return {"Authorization": f"Bearer {token['access_token']}"}


async def list_deskbee(session: aiohttp.ClientSession, sim: DeskbeeSimulator) -> list[Any]:
    """Every booking of both seeded days, walked with the cursor 250 at a time."""
    headers = await deskbee_token(session, sim)
    params: dict[str, str] | None = {
        "search": "period:2026/03/10,2026/03/11",
        "limit": "250",
        "include": "checkin;min_tolerance",
    }
    url: str | None = f"{sim.api_url}/bookings"
    found: list[Any] = []
    while url is not None:
        status, page = await call(session, "GET", url, params=params, headers=headers)
        assert status == 200
        assert len(page["data"]) <= 250
        found.extend(page["data"])
        url, params = page["links"]["next"], None
    return found


# -- Deskbee ---------------------------------------------------------------------------------------


async def test_deskbee_scale_structure_and_states(deskbee: Deskbee) -> None:
    sim, account = deskbee.sim, deskbee.account
    assert len(account.spaces) == SPACES
    assert len(set(account.spaces)) == SPACES
    assert account.buildings == sim.building_uuids()
    assert len(sim.floor_uuids()) == 3  # 100 + 100 + 50
    assert len(sim.place_uuids("meetingroom")) == 4
    assert len(sim.place_uuids("workspace")) == SPACES - 4
    assert account.bookings == len(sim.bookings) == PER_DAY * DAYS
    states = Counter(record.state for record in sim.bookings.values())
    # 11:00 is in the second of four slots: the first was used, the second is under way.
    assert states == {State.LAST: 250, State.BUSY: 250, State.RESERVED: 1500}
    now = sim.model.now()
    for record in sim.bookings.values():  # made the day before, untouched since
        assert record.created_at == record.updated_at <= record.start - 86_400
        assert record.updated_at < now
    assert sim.pending_webhooks == []  # bookings made yesterday are no news
    per_place = Counter(record.place_uuid for record in sim.bookings.values())
    assert set(per_place.values()) == {PER_DAY * DAYS // SPACES}


async def test_deskbee_lists_every_booking_over_http(
    deskbee: Deskbee, session: aiohttp.ClientSession
) -> None:
    sim = deskbee.sim
    listed = await list_deskbee(session, sim)
    assert len(listed) == PER_DAY * DAYS
    assert {item["uuid"] for item in listed} == set(sim.bookings)
    starts = [item["start_date"] for item in listed]
    assert starts == sorted(starts)
    sim.cancel(listed[-1]["uuid"])  # a write: the next walk sees it
    again = await list_deskbee(session, sim)
    assert len(again) == PER_DAY * DAYS - 1


async def test_deskbee_change_gives_up_a_fraction_of_today(
    deskbee: Deskbee, session: aiohttp.ClientSession
) -> None:
    sim = deskbee.sim
    status, changed = await call(session, "POST", f"{sim.url}/_bench/change?fraction=0.1")
    assert status == 200
    assert len(changed["changed"]) == 75  # 10 % of the 750 reserved or busy today
    assert len(set(changed["changed"])) == 75
    now = sim.model.now()
    for booking_uuid, space in zip(changed["changed"], changed["spaces"], strict=True):
        record = sim.bookings[booking_uuid]
        assert record.place_uuid == space
        assert record.state in (State.CANCELED, State.LAST)
        assert record.updated_at == now
    listed = {item["uuid"]: item for item in await list_deskbee(session, sim)}
    for booking_uuid in changed["changed"]:
        assert booking_uuid not in listed or listed[booking_uuid]["state"] == "last"


async def test_deskbee_push_delivers_signed_checkin_webhooks(
    deskbee: Deskbee, session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    sim = deskbee.sim
    url = f"{sim.url}/_bench/push?count=3&interval=0.05"
    status, refused = await call(session, "POST", url)
    assert (status, list(refused)) == (409, ["error"])
    sim.subscribe(receiver.url, SECRET, events=("booking", "checkin"))
    sim.start_webhook_delivery()
    status, pushed = await call(session, "POST", url)
    assert status == 200
    items = pushed["pushed"]
    assert len({item["booking"] for item in items}) == 3
    hooks = {hook.json()["resource"]["uuid"]: hook for hook in receiver.hooks}
    for item in items:
        assert (item["action"], item["status"]) == ("checkout", 200)
        assert sim.bookings[item["booking"]].place_uuid == item["space"]
        hook = hooks[item["booking"]]
        assert hook.json()["event"] == "checkin"
        expected = hmac.new(SECRET.encode(), hook.body, hashlib.sha256).hexdigest()
        assert hook.signature == expected
        assert item["sent"] <= hook.received
    sent = [item["sent"] for item in items]
    assert sent == sorted(sent)
    assert sent[-1] - sent[0] >= 0.05  # two intervals of 0.05 s, give or take the pump


async def test_request_log_and_clock(deskbee: Deskbee, session: aiohttp.ClientSession) -> None:
    sim = deskbee.sim
    await list_deskbee(session, sim)
    _, log = await call(session, "GET", f"{sim.url}/_bench/requests")
    paths = [path for _, path in log["requests"]]
    assert log["requests"][0] == ["POST", "/v1.1/oauth/token"]
    assert all(path.startswith("/v1.1/") for path in paths)
    assert len(paths) == 1 + 8  # the token, then 2 000 bookings 250 at a time
    _, cleared = await call(session, "POST", f"{sim.url}/_bench/requests/reset")
    assert cleared == {"cleared": 9}
    _, log = await call(session, "GET", f"{sim.url}/_bench/requests")
    assert log == {"requests": []}
    before = sim.clock.now()
    status, moved = await call(session, "POST", f"{sim.url}/_bench/clock?advance=9000")
    assert status == 200
    assert moved["now"] - before >= 9000
    # 13:30: the slot that was under way checked out by itself, the next one fell unused.
    states = Counter(record.state for record in sim.bookings.values())
    assert states[State.BUSY] == 0
    assert states[State.FALL] == 250
    for bad in ("", "?advance=soon", "?advance=nan"):
        status, error = await call(session, "POST", f"{sim.url}/_bench/clock{bad}")
        assert (status, list(error)) == (400, ["error"])


async def test_answer_bodies_kept_for_decoding(
    deskbee: Deskbee, session: aiohttp.ClientSession
) -> None:
    """After a reset asking for bodies, each answer is kept byte for byte, in order."""
    sim = deskbee.sim
    headers = await deskbee_token(session, sim)
    await call(session, "POST", f"{sim.url}/_bench/requests/reset?bodies=1")
    async with session.get(f"{sim.api_url}/buildings", headers=headers) as answer:
        served = await answer.read()
    async with session.get(f"{sim.url}/_bench/body?index=0") as kept:
        assert await kept.read() == served
    status, missing = await call(session, "GET", f"{sim.url}/_bench/body?index=1")
    assert status == 404
    assert "error" in missing
    await call(session, "POST", f"{sim.url}/_bench/requests/reset")
    status, _ = await call(session, "GET", f"{sim.url}/_bench/body?index=0")
    assert status == 404  # a reset without bodies=1 forgets them and keeps none


# -- PlaceOS ---------------------------------------------------------------------------------------


async def test_placeos_change_deletes_a_fraction_of_today(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    sim = PlaceOSSimulator(seed=None)
    sim.clock.set(at_eleven(ZoneInfo(BERLIN)))
    campus = seed_placeos(sim, spaces=SPACES, bookings_per_day=PER_DAY, days=DAYS, timezone=BERLIN)
    assert campus.bookings == len(sim.bookings) == PER_DAY * DAYS
    placeos_bench(sim, timezone=BERLIN, seed=1)
    await sim.start()
    try:
        status, changed = await call(session, "POST", f"{sim.url}/_bench/change?fraction=0.01")
        assert status == 200
        assert len(changed["changed"]) == 10  # 1 % of today's 1 000
        for booking_id, space in zip(changed["changed"], changed["spaces"], strict=True):
            booking = sim.bookings[int(booking_id)]
            assert booking.deleted
            assert booking.asset_id == space
            assert booking.updated_at == sim.clock.now_int()
        _, again = await call(session, "POST", f"{sim.url}/_bench/change?fraction=0.01")
        assert not set(again["changed"]) & set(changed["changed"])
    finally:
        await sim.stop()


async def test_placeos_command_line_at_scale(socket_enabled: None) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.simulators", "placeos", "--spaces", "300",
        "--bookings-per-day", "600", "--days", "2", "--bench", "--port", "0",
        stdout=asyncio.subprocess.PIPE,
        limit=1 << 20,  # the line lists every space
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        details = json.loads(line)["placeos"]
        assert len(details["spaces"]) == 300
        assert len(details["buildings"]) == 1
        async with aiohttp.ClientSession() as session:
            headers = {"X-API-Key": details["api_key"]}
            bookings = f"{details['url']}/api/staff/v1/bookings?type=desk&period_start=0"
            status, _ = await call(session, "GET", bookings, headers=headers)
            assert status == 200
            status, log = await call(session, "GET", f"{details['url']}/_bench/requests")
            assert status == 200
            assert log == {"requests": [["GET", "/api/staff/v1/bookings?type=desk&period_start=0"]]}
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=10)
    assert process.returncode == 0


def test_scale_options_need_spaces() -> None:
    args = parse_args(["deskbee", "--spaces", "100"])
    assert (args.bookings_per_day, args.days, args.bench) == (400, 7, False)
    with pytest.raises(SystemExit):
        parse_args(["placeos", "--days", "2"])
    with pytest.raises(SystemExit):
        parse_args(["salto_ks", "--locks", "0"])


# -- SALTO KS --------------------------------------------------------------------------------------


@pytest.fixture
async def salto(socket_enabled: None) -> AsyncGenerator[tuple[SaltoSimulator, list[str]]]:
    sim = SaltoSimulator(seed=None)
    sim.stream.ping_interval = None
    locks = seed_salto(sim, locks=20)
    salto_bench(sim, locks=locks, seed=1)
    await sim.start()
    yield sim, locks
    await sim.stop()


async def salto_token(session: aiohttp.ClientSession, sim: SaltoSimulator) -> str:
    form = {
        "grant_type": "password",
        "username": sim.username,
        "password": sim.password,
        "scope": "user_api.full_access offline_access",
    }
    basic = aiohttp.encode_basic_auth(sim.client_id, sim.client_secret)
    _, token = await call(
        session,
        "POST",
        f"{sim.identity_url}/connect/token",
        data=form,
        headers={"Authorization": basic},
    )
    return str(token["access_token"])


async def test_salto_scale_doors_over_http(
    salto: tuple[SaltoSimulator, list[str]], session: aiohttp.ClientSession
) -> None:
    sim, locks = salto
    assert len(locks) == 20
    assert sim.lock_ids() == locks
    assert sim.lock(locks[0])["customer_reference"] == "Door 1.001"
    assert sim.lock(locks[-1])["customer_reference"] == "Door 1.020"
    assert len(sim.pod_ids()) == 4
    headers = {"Authorization": f"Bearer {await salto_token(session, sim)}"}
    url: str | None = f"{sim.url}/v1.2/sites/{sim.site_id}/locks?$top=7"
    listed: list[str] = []
    while url is not None:
        status, page = await call(session, "GET", url, headers=headers)
        assert status == 200
        listed.extend(lock["id"] for lock in page["items"])
        url = page["next_page_link"]
    assert listed == locks


async def test_salto_entries_reach_the_hub(
    salto: tuple[SaltoSimulator, list[str]], session: aiohttp.ClientSession
) -> None:
    sim, locks = salto
    token = await salto_token(session, sim)
    hub = await session.ws_connect(f"{sim.hub_url}?site_id={sim.site_id}&access_token={token}")
    await hub.send_str(json.dumps({"protocol": "json", "version": 1}) + RS)
    assert (await hub.receive_str(timeout=2)) == "{}" + RS
    await sim.stream.wait_connected()
    status, published = await call(
        session, "POST", f"{sim.url}/_bench/entries?count=3&interval=0.02"
    )
    assert status == 200
    entries = published["entries"]
    assert len(entries) == 3
    assert all(entry["lock"] in locks for entry in entries)
    streamed: list[tuple[dict[str, Any], float]] = []
    buffer = ""
    while len(streamed) < 3:
        buffer += await hub.receive_str(timeout=2)
        *records, buffer = buffer.split(RS)
        arrived = time.time()
        streamed.extend((json.loads(json.loads(r)["arguments"][0]), arrived) for r in records)
    for entry, (seen, arrived) in zip(entries, streamed, strict=True):
        assert (seen["id"], seen["lock_id"], seen["user_id"]) == (
            entry["id"],
            entry["lock"],
            entry["user"],
        )
        assert seen["event_category"] == "lock_opened"
        assert entry["sent"] <= arrived
    assert [entry["id"] for entry in sim.entries[-3:]] == [entry["id"] for entry in entries]
    await hub.close()
