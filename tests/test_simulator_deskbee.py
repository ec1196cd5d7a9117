"""Fidelity of the Deskbee simulator against the catalog (shared/reference/deskbee.md).

Plain aiohttp over loopback; every test takes ``socket_enabled``. Time moves with
``sim.clock``, never by sleeping. The small account lives on 2026-03-10, 09:00 in São Paulo.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import hashlib
import hmac
import json
import random
import sys
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web
import pytest

from tests.simulators.deskbee import DeskbeeError, DeskbeeSimulator
from tests.simulators.deskbee_activity import desk_occupancy, run_activity, step
from tests.simulators.deskbee_paths import ROUTES
from tests.simulators.deskbee_search import parse_search

ZONE = ZoneInfo("America/Sao_Paulo")
DAY = "2026/03/10"
MINUTE = 60
HOUR = 3600
BOOKING_KEYS = [
    "uuid", "start_date", "end_date", "place", "state", "person", "owner", "is_checkin_guest",
    "tolerance", "meeting", "guests", "vehicle", "checkin", "min_tolerance", "public_title",
    "created_at", "updated_at", "deleted_at",
]  # fmt: skip
PLACE_KEYS = [
    "uuid", "qrcode", "type", "name", "name_display", "capacity", "is_mapped", "status",
    "sector", "image", "area", "fields", "assigned_user", "qrcode_base64", "updated_at",
    "created_at",
]  # fmt: skip
PASS_GUEST_KEYS = [
    "uuid", "master_uuid", "start_date", "end_date", "token_access", "status", "area", "person",
    "created_at", "updated_at",
]  # fmt: skip


def local(hour: int, minute: int = 0, day: int = 10) -> float:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE).timestamp()


@dataclass
class Site:
    """A small, predictable account."""

    sim: DeskbeeSimulator
    building: str
    floor1: str
    floor2: str
    garage: str
    desk1: str
    desk2: str
    desk3: str
    desk4: str
    room: str
    approval_room: str
    locker: str
    parking1: str
    parking2: str
    alice: str
    bob: str
    carol: str


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def data(self) -> Any:
        return self.json()["data"]


class Api:
    """Raw HTTP against the simulator; ``login`` fetches a bearer token."""

    def __init__(self, session: aiohttp.ClientSession, sim: DeskbeeSimulator) -> None:
        self.session = session
        self.sim = sim
        self.token: str | None = None

    async def login(self, **fields: str) -> Reply:
        body = {
            "grant_type": "client_credentials",
            "client_id": self.sim.client_id,
            "client_secret": self.sim.client_secret,
            **fields,
        }
        reply = await self.call("POST", "/oauth/token", body=body, token="")
        if reply.status == 200:
            self.token = reply.json()["access_token"]
        return reply

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Reply:
        sent = {"Accept": "application/json"}
        chosen = self.token if token is None else token
        if chosen:
            sent["Authorization"] = f"Bearer {chosen}"
        sent.update(headers or {})
        url = path if path.startswith("http") else f"{self.sim.api_url}{path}"
        kwargs: dict[str, Any] = {"params": params, "headers": sent}
        if form is not None:
            kwargs["data"] = form
        elif body is not None:
            kwargs["json"] = body
        async with self.session.request(method, url, **kwargs) as response:
            return Reply(response.status, dict(response.headers), await response.read())

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("PUT", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("DELETE", path, **kwargs)

    async def book_desk(self, place: str, person: str, start: str, end: str, **extra: Any) -> Reply:
        body = {"person_uuid": person, "date": DAY, "start_hour": start, "end_hour": end}
        return await self.post("/bookings/workspaces", body={**body, "place_uuid": place, **extra})


@dataclass
class Hook:
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint on loopback: records requests, answers queued statuses (then 200)."""

    statuses: list[int] = field(default_factory=list)
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

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.hooks.append(Hook(dict(request.headers), await request.read()))
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok")

    def payloads(self) -> list[Any]:
        return [hook.json() for hook in self.hooks]


def build_site(sim: DeskbeeSimulator) -> Site:
    sim.clock.set(local(9))
    sim.token_lifetime = 24 * HOUR  # tests jump the clock by hours
    building = sim.add_building("Torre Teste")
    floor1 = sim.add_floor(building, "1º Andar")
    floor2 = sim.add_floor(building, "2º Andar")
    garage = sim.add_floor(building, "Garagem")
    site = Site(
        sim=sim,
        building=building,
        floor1=floor1,
        floor2=floor2,
        garage=garage,
        desk1=sim.add_place(floor1, "EST 1.001"),
        desk2=sim.add_place(floor1, "EST 1.002"),
        desk3=sim.add_place(floor1, "EST 1.003"),
        desk4=sim.add_place(floor2, "EST 2.001"),
        room=sim.add_place(floor1, "Sala Ipê", place_type="meetingroom", capacity=8),
        approval_room=sim.add_place(
            floor2, "Sala Diretoria", place_type="meetingroom", requires_approval=True
        ),
        locker=sim.add_place(floor1, "ARM 1.01", place_type="locker"),
        parking1=sim.add_place(garage, "VAG G.01", place_type="parking"),
        parking2=sim.add_place(garage, "VAG G.02", place_type="parking"),
        alice=sim.add_user("Alice Alves", "alice@acme.com.br", enrollment="A100"),
        bob=sim.add_user("Bruno Borges", "bob@acme.com.br", enrollment="B200"),
        carol=sim.add_user("Carla Costa", "carol@acme.com.br"),
    )
    sim.add_device("GATE-IN", building, action="checkin")
    sim.add_device("GATE-OUT", building, action="checkout")
    sim.add_device("GATE-BADGE", building, action="checkin", identifier="enrollment")
    return site


@pytest.fixture
async def site(socket_enabled: None) -> AsyncGenerator[Site]:
    sim = DeskbeeSimulator(seed=None)
    built = build_site(sim)
    await sim.start()
    yield built
    await sim.stop()


@pytest.fixture
async def api(site: Site) -> AsyncGenerator[Api]:
    async with aiohttp.ClientSession() as session:
        client = Api(session, site.sim)
        await client.login()
        yield client


@pytest.fixture
async def receiver(socket_enabled: None) -> AsyncGenerator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()


@pytest.fixture
async def seeded(socket_enabled: None) -> AsyncGenerator[DeskbeeSimulator]:
    sim = DeskbeeSimulator(seed=1)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
async def seeded_api(seeded: DeskbeeSimulator) -> AsyncGenerator[Api]:
    async with aiohttp.ClientSession() as session:
        client = Api(session, seeded)
        await client.login()
        yield client


def error_of(reply: Reply) -> tuple[int, str, int]:
    body = reply.json()
    return reply.status, body["id"], body["error"]


# -- paths table -----------------------------------------------------------------------------


def test_one_table_holds_every_path_and_the_catalog_aliases() -> None:
    served = {(r.method, r.path) for r in ROUTES}
    assert ("GET", "/bookings/{uuid}/checkins") in served
    assert ("GET", "/bookings/{uuid}/checkin") in served  # alias
    assert ("POST", "/guestpass/{uuid}/cancel") in served
    assert ("DELETE", "/guestpass/{uuid}") in served  # alias
    inferred = {r.path for r in ROUTES if not r.confirmed}
    assert {"/floors", "/places/{uuid}", "/bookings/{uuid}/checkout", "/guestpass"} & inferred
    assert all(r.path.startswith("/") for r in ROUTES)


# -- authentication (§2) ---------------------------------------------------------------------


async def test_token_json_without_envelope_and_string_expiry(site: Site, api: Api) -> None:
    site.sim.token_lifetime = 3600  # the default; the site fixture lengthens it
    before = site.sim.tokens_issued
    reply = await api.login()
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == "3600"
    assert body["access_token"].startswith("eyJ")
    assert site.sim.tokens_issued == before + 1


async def test_token_as_form_and_integer_expiry(site: Site, api: Api) -> None:
    site.sim.expires_in_as_string = False
    site.sim.token_lifetime = 120
    form = {
        "grant_type": "client_credentials",
        "client_id": site.sim.client_id,
        "client_secret": site.sim.client_secret,
        "scope": "booking.show building.show",
    }
    reply = await api.post("/oauth/token", form=form, token="")
    assert reply.status == 200
    assert reply.json()["expires_in"] == 120


async def test_token_errors(site: Site, api: Api) -> None:
    bad = await api.login(client_secret="wrong")
    assert bad.status == 401
    assert bad.json() == {
        "error": 401,
        "id": "oauth_server",
        "message": "Client authentication failed",
    }
    assert error_of(await api.login(grant_type="password")) == (401, "oauth_unauthorized", 401)
    assert error_of(await api.login(scope="booking.show rocket.launch")) == (
        400,
        "oauth_escope",
        400,
    )


async def test_bearer_is_required(site: Site, api: Api) -> None:
    for token in ("", "not-a-token"):
        reply = await api.get("/buildings", token=token)
        assert reply.status == 401
        assert reply.json() == {
            "error": 401,
            "id": "unauthenticated",
            "message": "Unauthenticated.",
        }


async def test_token_expiry_follows_the_clock(site: Site, api: Api) -> None:
    site.sim.token_lifetime = 60
    await api.login()
    assert (await api.get("/buildings")).status == 200
    site.sim.clock.advance(61)
    assert error_of(await api.get("/buildings"))[:2] == (401, "unauthenticated")
    await api.login()
    assert (await api.get("/buildings")).status == 200
    site.sim.expire_tokens()
    assert (await api.get("/buildings")).status == 401


async def test_revoked_client(site: Site, api: Api) -> None:
    site.sim.revoke_client()
    assert error_of(await api.get("/buildings"))[:2] == (401, "unauthenticated")
    assert error_of(await api.login())[:2] == (401, "oauth_server")


async def test_scope_enforcement_is_optional(site: Site, api: Api) -> None:
    client_id, secret = site.sim.add_client(("booking.show",))
    await api.login(client_id=client_id, client_secret=secret)
    assert (await api.get("/users")).status == 200  # not enforced by default
    site.sim.enforce_scopes = True
    assert error_of(await api.get("/users"))[:2] == (401, "unauthenticated")
    assert (await api.get("/bookings")).status == 200


async def test_rate_limit_429_with_optional_retry_after(site: Site, api: Api) -> None:
    site.sim.set_rate_limit(2, per_seconds=60)
    assert (await api.get("/buildings")).status == 200
    assert (await api.get("/buildings")).status == 200
    limited = await api.get("/buildings")
    assert limited.status == 429
    assert limited.json()["id"] == "request_limit"
    assert "Retry-After" not in limited.headers
    site.sim.set_rate_limit(1, per_seconds=30, retry_after=True)
    await api.login()
    await api.get("/buildings")
    limited = await api.get("/buildings")
    assert limited.status == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 30
    site.sim.clock.advance(31)
    assert (await api.get("/buildings")).status == 200
    site.sim.set_rate_limit(None)


async def test_unknown_paths_and_resources_are_404_json(site: Site, api: Api) -> None:
    for reply in (
        await api.get("/nothing-here"),
        await api.get("/bookings/00000000-0000-4000-8000-000000000000"),
        await api.get("/places/not-a-uuid"),
        await api.get("/nothing-here", token=""),
    ):
        assert reply.status == 404
        assert reply.json()["id"] == "not_found"
        assert reply.json()["error"] == 404


async def test_bodies_are_php_encoded(site: Site, api: Api) -> None:
    reply = await api.get("/floors")
    assert b"http:\\/\\/127.0.0.1" in reply.body  # escaped slashes, as json_encode does
    assert b"\\u00ba" in reply.body  # "1º Andar" as \u escapes
    assert reply.json()["data"][0]["name"] == "1º Andar"


# -- pagination and search (§3.3, §3.4) ------------------------------------------------------


async def test_cursor_pagination_walks_every_place_once(
    seeded: DeskbeeSimulator, seeded_api: Api
) -> None:
    params = {"limit": "40", "search": "place_type:workspace"}
    first = await seeded_api.get("/places", params=params)
    body = first.json()
    assert body["links"]["prev"] is None
    assert body["meta"] == {"path": f"{seeded.api_url}/places", "per_page": 40}
    seen = [p["uuid"] for p in body["data"]]
    link = body["links"]["next"]
    assert link.startswith(f"{seeded.api_url}/places?")
    assert "search=place_type%3Aworkspace" in link
    assert "limit=40" in link
    cursor = link.split("cursor=")[1]
    decoded = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    assert decoded == {"offset": 40, "_pointsToNextItems": True}
    pages = 1
    while link:
        page = (await seeded_api.get(link)).json()
        assert page["links"]["prev"] is not None
        seen += [p["uuid"] for p in page["data"]]
        link = page["links"]["next"]
        pages += 1
    assert pages == 3
    assert len(seen) == len(set(seen)) == len(seeded.place_uuids("workspace"))


async def test_limit_default_clamp_and_errors(seeded: DeskbeeSimulator, seeded_api: Api) -> None:
    default = (await seeded_api.get("/users")).json()
    assert len(default["data"]) == 25
    assert default["meta"]["per_page"] == "25"  # a string on users/bookings
    clamped = (await seeded_api.get("/places", params={"limit": "1000"})).json()
    assert clamped["meta"]["per_page"] == 250
    assert error_of(await seeded_api.get("/places", params={"limit": "many"})) == (
        422,
        "unprocessable_entity",
        422,
    )
    bad = await seeded_api.get("/places", params={"cursor": "%%%"})
    assert error_of(bad) == (400, "unexpected_value", 400)


def test_search_parser_tolerates_the_vendor_examples() -> None:
    search = parse_search("search=period:2024/01/01,2024/01/30;state=reserved")
    assert search.values("period") == ["2024/01/01", "2024/01/30"]
    assert search.first("state") == "reserved"
    users = parse_search("email:eq:someone@acme.com;is_squad:false")
    assert users.terms["email"].operator == "eq"
    assert users.first("email") == "someone@acme.com"
    assert users.flag("is_squad") is False
    window = parse_search("date:2024/01/01;start_hour:06:00;end_hour:11:00")
    assert window.first("start_hour") == "06:00"
    assert parse_search("status:finalized,canceled").values("status") == ["finalized", "canceled"]
    assert parse_search(";;garbage;").terms == {}


async def test_users_search_and_show(site: Site, api: Api) -> None:
    for search in (
        "email:eq:ALICE@acme.com.br",
        "email=alice@acme.com.br",
        "email:alice@acme.com.br",
    ):
        data = (await api.get("/users", params={"search": search})).data
        assert [u["uuid"] for u in data] == [site.alice]
    by_name = (await api.get("/users", params={"search": "name:costa"})).data
    assert [u["name"] for u in by_name] == ["Carla Costa"]
    user = (await api.get(f"/users/{site.alice}")).data
    assert user["email"] == "alice@acme.com.br"
    assert user["enrollment"] == "A100"
    assert user["locale"] == {"timezone": "America/Sao_Paulo", "language": "pt_BR"}
    assert user["status"] is True


# -- building area (§6.1) --------------------------------------------------------------------


async def test_buildings_floors_and_includes(site: Site, api: Api) -> None:
    buildings = (await api.get("/buildings")).data
    assert [b["uuid"] for b in buildings] == [site.building]
    assert set(buildings[0]) == {"uuid", "name", "address", "is_active", "site"}
    assert set(buildings[0]["site"]) == {"uuid", "name", "is_active"}
    with_floors = (
        await api.get(f"/buildings/{site.building}", params={"include": "floors;site"})
    ).data
    assert [f["name"] for f in with_floors["floors"]] == ["1º Andar", "2º Andar", "Garagem"]
    floor = (await api.get(f"/floors/{site.floor1}")).data
    assert floor == {
        "uuid": site.floor1,
        "name": "1º Andar",
        "path": "Torre Teste > 1º Andar",
        "is_active": True,
    }
    rooms_floors = (await api.get("/floors", params={"search": "place_type:meetingroom"})).data
    assert {f["uuid"] for f in rooms_floors} == {site.floor1, site.floor2}
    none = (await api.get("/buildings", params={"search": "place_type:bus"})).data
    assert none == []


async def test_places_shape_and_filters(site: Site, api: Api) -> None:
    place = (await api.get(f"/places/{site.room}")).data
    assert list(place) == PLACE_KEYS
    assert place["type"] == "meetingroom"
    assert place["status"]["id"] == "1"
    assert place["area"]["floor"]["uuid"] == site.floor1
    assert place["area"]["building"]["uuid"] == site.building
    desks = (await api.get("/places", params={"search": "place_type:workspace"})).data
    assert {p["uuid"] for p in desks} == {site.desk1, site.desk2, site.desk3, site.desk4}
    on_floor2 = (await api.get("/places", params={"search": f"floor_uuid:{site.floor2}"})).data
    assert {p["uuid"] for p in on_floor2} == {site.desk4, site.approval_room}
    mixed = (await api.get("/places", params={"search": "place_type:parking,locker"})).data
    assert len(mixed) == 3
    site.sim.remove_place(site.desk3)
    assert (await api.get(f"/places/{site.desk3}")).status == 404
    desks = (await api.get("/places", params={"search": "type=workspace"})).data
    assert site.desk3 not in {p["uuid"] for p in desks}


async def test_parkings_and_vacancies(site: Site, api: Api) -> None:
    site.sim.create_booking(
        place_uuid=site.parking1,
        person_email="bob@acme.com.br",
        start=local(8),
        end=local(12),
        state="busy",
    )
    parkings = (await api.get("/parkings")).data
    assert parkings == [
        {
            "uuid": site.garage,
            "name": "Garagem",
            "is_active": True,
            "path": "São Paulo \u203a Torre Teste \u203a Garagem",
            "available_vacancies": 1,
        }
    ]
    later = {"response_filter": "date:2026/03/10;start_hour:13:00;end_hour:15:00"}
    assert (await api.get(f"/parkings/{site.garage}", params=later)).data[
        "available_vacancies"
    ] == 2
    assert (await api.get(f"/parkings/{site.floor1}")).status == 404


# -- bookings (§6.6, §7) ---------------------------------------------------------------------


async def test_create_workspace_booking(site: Site, api: Api) -> None:
    reply = await api.book_desk(site.desk1, site.alice, "10:00", "12:00", is_send_email=True)
    assert reply.status == 201
    booking = reply.data
    assert list(booking) == BOOKING_KEYS
    assert booking["state"] == "reserved"
    assert booking["start_date"] == "2026-03-10T10:00:00-03:00"
    assert booking["end_date"] == "2026-03-10T12:00:00-03:00"
    assert booking["person"] == booking["owner"]
    assert set(booking["person"]) == {"uuid", "name", "enrollment", "avatar"}
    assert booking["place"]["type"] == {
        "name": "workspace",
        "description": "Estação de Trabalho.",
        "code_prefix": "EST",
    }
    assert booking["tolerance"] == {
        "minutes": 15,
        "checkin_min_time": "2026-03-10T09:30:00-03:00",
        "checkin_max_time": "2026-03-10T10:15:00-03:00",
    }
    assert booking["min_tolerance"] == 30
    assert booking["checkin"] is None
    assert booking["meeting"] is None
    assert booking["deleted_at"] is None
    assert (await api.get(f"/bookings/{booking['uuid']}")).data == booking


async def test_create_for_someone_else_and_date_formats(site: Site, api: Api) -> None:
    body = {
        "person_uuid": site.alice,
        "date": "10/03/2026",  # d/m/Y tolerated
        "start_hour": "13:00",
        "end_hour": "14:00",
        "place_uuid": site.desk2,
    }
    reply = await api.post("/bookings/workspaces", body=body, headers={"User-Scope": site.bob})
    assert reply.status == 201
    assert reply.data["person"]["uuid"] == site.alice
    assert reply.data["owner"]["uuid"] == site.bob
    assert reply.data["start_date"] == "2026-03-10T13:00:00-03:00"
    legacy = await api.post(
        "/bookings",
        body={**body, "user_uuid": site.carol, "person_uuid": None, "place_uuid": site.desk3},
    )
    assert legacy.status == 201
    assert legacy.data["person"]["uuid"] == site.carol


async def test_create_validation_is_422_with_errors(site: Site, api: Api) -> None:
    empty = await api.post("/bookings/workspaces", body={})
    assert empty.status == 422
    body = empty.json()
    assert body["id"] == "unprocessable_entity"
    assert body["message"] == "The given data failed to pass validation."
    assert {"person_uuid", "date", "start_hour", "end_hour", "floor_uuid"} <= set(body["errors"])
    assert all(isinstance(v, list) for v in body["errors"].values())
    cases = [
        ({"place_uuid": site.room}, "place_uuid"),  # meeting room at the workspace endpoint
        ({"place_uuid": site.desk1, "start_hour": "12:00", "end_hour": "10:00"}, "end_hour"),
        ({"place_uuid": site.desk1, "date": "2026/03/09"}, "date"),  # in the past
        ({"place_uuid": site.desk1, "date": "March 10"}, "date"),
        ({"place_uuid": site.desk1, "person_uuid": site.room}, "person_uuid"),
    ]
    for extra, field_name in cases:
        sent = {"person_uuid": site.alice, "date": DAY, "start_hour": "10:00", "end_hour": "11:00"}
        reply = await api.post("/bookings/workspaces", body={**sent, **extra})
        assert reply.status == 422, extra
        assert field_name in reply.json()["errors"], extra
    desk_at_rooms = await api.post(
        "/bookings/meeting-rooms",
        body={
            "person_uuid": site.alice,
            "date": DAY,
            "start_hour": "10:00",
            "end_hour": "11:00",
            "place_uuid": site.desk1,
        },
    )
    assert desk_at_rooms.status == 422
    assert "place_uuid" in desk_at_rooms.json()["errors"]


async def test_clash_is_409_and_floor_picks_the_first_free_desk(site: Site, api: Api) -> None:
    assert (await api.book_desk(site.desk1, site.alice, "10:00", "12:00")).status == 201
    clash = await api.book_desk(site.desk1, site.bob, "11:00", "13:00")
    assert error_of(clash) == (409, "conflict", 409)
    by_floor = {"person_uuid": site.bob, "date": DAY, "start_hour": "11:00", "end_hour": "12:00"}
    first = await api.post("/bookings/workspaces", body={**by_floor, "floor_uuid": site.floor1})
    assert first.data["place"]["uuid"] == site.desk2
    await api.post("/bookings/workspaces", body={**by_floor, "floor_uuid": site.floor1})
    full = await api.post("/bookings/workspaces", body={**by_floor, "floor_uuid": site.floor1})
    assert full.status == 409
    back_to_back = await api.book_desk(site.desk1, site.carol, "12:00", "13:00")
    assert back_to_back.status == 201


async def test_meeting_room_booking_update_and_wrong_kind(site: Site, api: Api) -> None:
    body = {
        "person_uuid": site.alice,
        "date": DAY,
        "start_hour": "14:00",
        "end_hour": "15:00",
        "place_uuid": site.room,
        "meeting": {
            "is_online": True,
            "title": "Planejamento",
            "description": "Q2",
            "guests": [{"name": "Visita", "email": "visita@contoso.com"}, "bob@acme.com.br"],
        },
    }
    created = await api.post("/bookings/meeting-rooms", body=body)
    assert created.status == 201
    booking = created.data
    assert booking["meeting"] == {"is_online": True, "title": "Planejamento", "description": "Q2"}
    assert booking["public_title"] == "Planejamento"
    assert booking["is_checkin_guest"] is True
    assert [g["name"] for g in booking["guests"]] == ["Visita", "bob"]
    assert all(g["type"] == "inperson" for g in booking["guests"])
    uuid = booking["uuid"]
    kept = booking["guests"][0]["uuid"]
    updated = await api.put(
        f"/bookings/meeting-rooms/{uuid}",
        body={"meeting": {"title": "Planejamento Q2", "guests": [{"email": "visita@contoso.com"}]}},
    )
    assert updated.status == 200
    assert updated.data["meeting"]["title"] == "Planejamento Q2"
    assert updated.data["meeting"]["description"] == "Q2"  # omitted → unchanged
    assert [g["uuid"] for g in updated.data["guests"]] == [kept]  # list replaced
    assert (await api.put(f"/bookings/workspaces/{uuid}", body={})).status == 404
    desk = (await api.book_desk(site.desk1, site.alice, "10:00", "11:00")).data
    assert (await api.put(f"/bookings/meeting-rooms/{desk['uuid']}", body={})).status == 404
    half = await api.put(f"/bookings/workspaces/{desk['uuid']}", body={"start_hour": "10:30"})
    assert half.status == 422
    moved = await api.put(
        f"/bookings/workspaces/{desk['uuid']}",
        body={"date": DAY, "start_hour": "15:00", "end_hour": "16:00", "place_uuid": site.desk2},
    )
    assert moved.status == 200
    assert moved.data["start_date"] == "2026-03-10T15:00:00-03:00"
    assert moved.data["place"]["uuid"] == site.desk2
    wrong = await api.put(f"/bookings/workspaces/{desk['uuid']}", body={"place_uuid": site.room})
    assert wrong.status == 422


async def test_approval_waits_then_reserved_or_rejected(site: Site, api: Api) -> None:
    body = {
        "person_uuid": site.alice,
        "date": DAY,
        "start_hour": "10:00",
        "end_hour": "11:00",
        "place_uuid": site.approval_room,
    }
    waiting = (await api.post("/bookings/meeting-rooms", body=body)).data
    assert waiting["state"] == "waiting"
    checkin = await api.post(f"/bookings/{waiting['uuid']}/checkin")
    assert checkin.status == 422
    assert site.sim.approve(waiting["uuid"])["state"] == "reserved"
    later = (
        await api.post(
            "/bookings/meeting-rooms", body={**body, "start_hour": "12:00", "end_hour": "13:00"}
        )
    ).data
    assert site.sim.reject(later["uuid"])["state"] == "rejected"
    with pytest.raises(DeskbeeError) as refused:
        site.sim.approve(later["uuid"])
    assert refused.value.status == 422


async def test_list_bookings_filters_and_includes(site: Site, api: Api) -> None:
    sim = site.sim
    desk = sim.create_booking(
        place_uuid=site.desk1, person_email="alice@acme.com.br", start=local(10), end=local(12)
    )
    sim.create_booking(
        place_uuid=site.room,
        person_email="bob@acme.com.br",
        start=local(14),
        end=local(15),
        title="Sync",
    )
    sim.create_booking(
        place_uuid=site.desk2,
        person_email="bob@acme.com.br",
        start=local(9, day=11),
        end=local(10, day=11),
    )
    gone = sim.create_booking(
        place_uuid=site.desk3, person_email="carol@acme.com.br", start=local(13), end=local(14)
    )
    sim.cancel(gone["uuid"])

    async def uuids(search: str | None = None, **params: str) -> list[str]:
        if search is not None:
            params["search"] = search
        reply = await api.get("/bookings", params=params)
        assert reply.status == 200, reply.body
        return [b["uuid"] for b in reply.data]

    today = await uuids()
    assert len(today) == 2  # default period: today; cancelled hidden
    assert today[0] == desk["uuid"]  # ordered by start
    assert len(await uuids("period:2026/03/10,2026/03/11")) == 3
    assert await uuids("period:2026/03/10;state:canceled") == [gone["uuid"]]
    assert await uuids("email:alice@acme.com.br") == [desk["uuid"]]
    assert await uuids("type:meetingroom") != await uuids("type:workspace")
    assert await uuids("place:est 1.001") == [desk["uuid"]]
    assert len(await uuids(f"building_uuid:{site.building};state:reserved")) == 2
    assert await uuids(f"floor_uuid:{site.floor2}") == []
    bad = await api.get("/bookings", params={"search": "period:yesterday"})
    assert bad.status == 422
    plain = (await api.get("/bookings")).json()
    assert "checkin" not in plain["data"][0]
    assert "min_tolerance" not in plain["data"][0]
    assert plain["meta"]["per_page"] == "25"
    full = (await api.get("/bookings", params={"include": "checkin;min_tolerance"})).data
    assert list(full[0]) == BOOKING_KEYS


async def test_check_in_window_check_out_and_checkins(site: Site, api: Api) -> None:
    sim = site.sim
    uuid = (await api.book_desk(site.desk1, site.alice, "10:00", "12:00")).data["uuid"]
    early = await api.post(f"/bookings/{uuid}/checkin")
    assert early.status == 422
    assert "2026-03-10T09:30:00-03:00" in early.json()["message"]
    sim.clock.set(local(9, 45))
    done = await api.post(f"/bookings/{uuid}/checkin")
    assert done.status == 200
    booking = done.data
    assert booking["state"] == "busy"
    assert booking["checkin"]["is_checkin_api"] is True
    assert booking["checkin"]["checkin"].startswith("2026-03-10T09:45")
    assert booking["checkin"]["checkout"] is None
    assert (await api.post(f"/bookings/{uuid}/checkin")).status == 422
    assert (await api.post(f"/bookings/{uuid}/cancel")).status == 422  # only before check-in
    sim.clock.set(local(11))
    out = (await api.post(f"/bookings/{uuid}/checkout")).data
    assert out["state"] == "last"
    assert out["checkin"]["is_checkout_api"] is True
    assert out["checkin"]["is_checkout_system"] is False
    assert out["checkin"]["occupation_time"] == "01:15"
    assert (await api.post(f"/bookings/{uuid}/checkout")).status == 422
    for path in (f"/bookings/{uuid}/checkins", f"/bookings/{uuid}/checkin"):
        entries = (await api.get(path)).data
        assert len(entries) == 1
        assert entries[0]["is_anonymization"] == "false"
        assert entries[0]["person"]["uuid"] == site.alice


async def test_no_check_in_within_tolerance_falls(site: Site, api: Api) -> None:
    uuid = (await api.book_desk(site.desk1, site.alice, "09:30", "12:00")).data["uuid"]
    site.sim.clock.set(local(9, 46))
    assert (await api.get(f"/bookings/{uuid}")).data["state"] == "fall"
    late = await api.post(f"/bookings/{uuid}/checkin")
    assert late.status == 422
    assert "expired" in late.json()["message"]
    # a fallen booking frees the place
    assert (await api.book_desk(site.desk1, site.bob, "10:00", "11:00")).status == 201


async def test_system_checks_out_at_the_end(site: Site, api: Api) -> None:
    uuid = (await api.book_desk(site.desk1, site.alice, "09:00", "10:00")).data["uuid"]
    await api.post(f"/bookings/{uuid}/checkin")
    site.sim.clock.set(local(10, 5))
    booking = (await api.get(f"/bookings/{uuid}")).data
    assert booking["state"] == "last"
    assert booking["checkin"]["is_checkout_system"] is True
    assert booking["checkin"]["checkout"] == "2026-03-10T10:00:00-03:00"


async def test_cancel_delete_and_idempotency(site: Site, api: Api) -> None:
    first = (await api.book_desk(site.desk1, site.alice, "10:00", "11:00")).data["uuid"]
    canceled = await api.post(f"/bookings/{first}/cancel", body={"is_send_email": False})
    assert canceled.status == 200
    assert canceled.data["state"] == "canceled"
    assert canceled.data["deleted_at"] is not None
    again = await api.post(f"/bookings/{first}/cancel")
    assert again.status == 200
    assert again.data == canceled.data
    assert (await api.get(f"/bookings/{first}")).data["state"] == "canceled"
    second = (await api.book_desk(site.desk1, site.bob, "10:00", "11:00")).data["uuid"]
    deleted = await api.delete(f"/bookings/{second}", headers={"User-Scope": site.carol})
    assert deleted.status == 200
    assert deleted.data["state"] == "canceled"


async def test_participants_check_in(site: Site, api: Api) -> None:
    sim = site.sim
    meeting = sim.create_booking(
        place_uuid=site.room,
        person_email="alice@acme.com.br",
        start=local(9),
        end=local(10),
        title="Sync",
        guests=[("Visita", "visita@contoso.com")],
    )
    sim.check_in(meeting["uuid"])
    sim.participant_check_in(meeting["uuid"], "visita@contoso.com")
    entries = (await api.get(f"/bookings/{meeting['uuid']}/checkins")).data
    assert [e["person"]["name"] for e in entries] == ["Alice Alves", "Visita"]
    desk = sim.create_booking(
        place_uuid=site.desk1, person_email="bob@acme.com.br", start=local(9), end=local(10)
    )
    with pytest.raises(DeskbeeError):
        sim.participant_check_in(desk["uuid"], "carol@acme.com.br")


# -- guest pass (§6.5) -----------------------------------------------------------------------


def pass_body(site: Site, **extra: Any) -> dict[str, Any]:
    return {
        "title": "Visita técnica",
        "area_uuid": site.floor1,
        "date": "10/03/2026",
        "start_hour": "14:00",
        "end_hour": "17:00",
        "person_uuid": site.alice,
        "guests": [
            {"name": "Carlos Mendes", "email": "carlos@contoso.com"},
            {"name": "Renata Duarte"},
        ],
        **extra,
    }


async def test_guest_pass_lifecycle(site: Site, api: Api, receiver: Receiver) -> None:
    site.sim.subscribe(receiver.url, "s3cret")
    created = await api.post("/guestpass", body=pass_body(site, doc_type="rg", doc_number="123"))
    assert created.status == 201
    invitation = created.data
    assert invitation["start_date"] == "2026-03-10T14:00:00-03:00"
    assert invitation["area"]["floor"]["uuid"] == site.floor1
    assert invitation["person"]["documents"] == [{"type": "rg", "doc": "123"}]
    carlos, renata = invitation["guests"]
    assert carlos["token_access"]
    assert carlos["uuid"] != renata["uuid"]
    assert carlos["status"] == {"id": 1, "name": "Active"}
    listed = (await api.get("/guestpass", params={"search": "period:2026/03/10,2026/03/10"})).data
    assert [g["uuid"] for g in listed] == [carlos["uuid"], renata["uuid"]]
    assert list(listed[0]) == PASS_GUEST_KEYS
    assert listed[0]["master_uuid"] == invitation["uuid"]
    detail = (await api.get(f"/guestpass/{carlos['uuid']}")).data
    assert detail["reason"] == "Visita técnica"
    assert [g["uuid"] for g in detail["guests"]] == [carlos["uuid"], renata["uuid"]]
    passed = await api.post(f"/guestpass/{carlos['uuid']}/pass")
    assert passed.data["status"] == {"id": 4, "name": "Passed"}
    assert (await api.post(f"/guestpass/{carlos['uuid']}/pass")).status == 200
    assert error_of(await api.post(f"/guestpass/{carlos['uuid']}/cancel")) == (409, "conflict", 409)
    canceled = await api.delete(f"/guestpass/{renata['uuid']}", body={"is_send_email": True})
    assert canceled.data["status"]["name"] == "Canceled"
    assert (await api.post(f"/guestpass/{renata['uuid']}/cancel")).status == 200  # idempotent
    assert (await api.get("/guestpass", params={"search": "state:active"})).data == []
    assert len((await api.get("/guestpass", params={"search": "state=4"})).data) == 1
    await site.sim.flush_webhooks()
    assert receiver.hooks == []  # no guest-pass webhook is documented


async def test_guest_pass_validation_and_expiry(site: Site, api: Api) -> None:
    ymd = await api.post("/guestpass", body=pass_body(site, date=DAY))
    assert ymd.status == 422
    assert "date" in ymd.json()["errors"]
    no_guests = await api.post("/guestpass", body=pass_body(site, guests=[]))
    assert "guests" in no_guests.json()["errors"]
    no_title = await api.post("/guestpass", body=pass_body(site, title=""))
    assert "title" in no_title.json()["errors"]
    wrong_area = await api.post("/guestpass", body=pass_body(site, area_uuid=site.desk1))
    assert "area_uuid" in wrong_area.json()["errors"]
    guest = (await api.post("/guestpass", body=pass_body(site))).data["guests"][0]["uuid"]
    site.sim.clock.set(local(17, 1))
    assert (await api.get(f"/guestpass/{guest}")).data["status"]["name"] == "Expired"
    assert (await api.post(f"/guestpass/{guest}/cancel")).status == 409
    assert (await api.post(f"/guestpass/{guest}/pass")).status == 409
    assert (await api.get("/guestpass/00000000-0000-4000-8000-000000000000")).status == 404


# -- check-in automation (§6.11) -------------------------------------------------------------


async def test_automation_checks_in_and_out(site: Site, api: Api) -> None:
    sim = site.sim
    desk = sim.create_booking(
        place_uuid=site.desk1, person_email="alice@acme.com.br", start=local(9), end=local(12)
    )
    room = sim.create_booking(
        place_uuid=site.room, person_email="alice@acme.com.br", start=local(9), end=local(10)
    )
    events = [
        {"device": "GATE-IN", "person": "alice@acme.com.br", "date": "2026-03-10T12:05:00Z"},
        {"device": "GATE-NOWHERE", "person": "alice@acme.com.br", "date": "2026-03-10T12:05:00Z"},
        {"device": "GATE-IN", "person": "nobody@acme.com.br", "date": "2026-03-10T12:05:00Z"},
    ]
    reply = await api.post("/integrations/checkin", body=events)
    assert reply.status == 200
    data = reply.data
    assert data["success"] == [
        {
            "device": "GATE-IN",
            "person": "alice@acme.com.br",
            "date": "2026-03-10T12:05:00Z",
            "booking_uuid": desk["uuid"],
        }
    ]
    assert [f["id"] for f in data["fails"]] == ["alice@acme.com.br", "nobody@acme.com.br"]
    checked = sim.booking(desk["uuid"])
    assert checked["state"] == "busy"
    assert checked["checkin"]["checkin"] == "2026-03-10T09:05:00-03:00"
    assert checked["checkin"]["is_checkin_api"] is True
    assert sim.booking(room["uuid"])["state"] == "reserved"  # meeting rooms do not take part
    exit_event = {"device": "GATE-IN", "person": "alice@acme.com.br", "entrance": 0}
    out = await api.post("/integrations/checkin", body=exit_event)
    assert out.status == 200
    assert sim.booking(desk["uuid"])["state"] == "last"
    nothing = await api.post(
        "/integrations/checkin", body={"device": "GATE-OUT", "person": "alice@acme.com.br"}
    )
    assert nothing.status == 204
    assert nothing.body == b""


async def test_automation_by_enrollment_respects_the_window(site: Site, api: Api) -> None:
    sim = site.sim
    later = sim.create_booking(
        place_uuid=site.parking1, person_email="bob@acme.com.br", start=local(11), end=local(12)
    )
    event = [{"device": "GATE-BADGE", "person": "B200", "date": "2026-03-10T12:00:00Z"}]
    assert (await api.post("/integrations/checkin", body=event)).status == 204  # too early
    sim.clock.set(local(10, 50))
    event[0]["date"] = "2026-03-10T13:50:00Z"
    reply = await api.post("/integrations/checkin", body=event)
    assert reply.data["success"][0]["booking_uuid"] == later["uuid"]


# -- webhooks (§8) ---------------------------------------------------------------------------


async def test_booking_webhook_envelope_and_signature(
    site: Site, api: Api, receiver: Receiver
) -> None:
    subscription = site.sim.subscribe(receiver.url, "s3cret")
    uuid = (await api.book_desk(site.desk1, site.alice, "10:00", "12:00")).data["uuid"]
    assert receiver.hooks == []  # queued until flushed
    await site.sim.flush_webhooks()
    [hook] = receiver.hooks
    assert hook.headers["Content-Type"] == "application/json"
    expected = hmac.new(b"s3cret", hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Hub-Signature"] == expected
    assert b"\\/bookings\\/" in hook.body  # PHP-escaped: verify the raw bytes only
    payload = hook.json()
    assert list(payload) == [
        "subscription_id", "transaction_id", "account", "send_at", "event", "resource", "included",
    ]  # fmt: skip
    assert payload["subscription_id"] == subscription
    assert payload["account"] == "acme"
    assert payload["event"] == "booking"
    assert payload["resource"] == {"action": "created", "route": f"/bookings/{uuid}", "uuid": uuid}
    included = payload["included"]
    assert included["booking_uuid"] == uuid
    assert included["status"] == {"id": "1", "name": "reserved"}
    assert included["tolerance"]["minutes"] == "15"
    assert included["place"] == {"uuid": site.desk1, "type": "workspace", "name": "EST 1.001"}
    assert included["person"] == {
        "uuid": site.alice,
        "name": "Alice Alves",
        "email": "alice@acme.com.br",
    }
    assert site.sim.webhook_deliveries == [(200, payload)]


async def test_webhook_events_for_the_whole_lifecycle(
    site: Site, api: Api, receiver: Receiver
) -> None:
    sim = site.sim
    sim.subscribe(receiver.url, "k", events=("booking", "checkin", "guest_checkin", "locker"))
    one = (await api.book_desk(site.desk1, site.alice, "09:00", "10:00")).data["uuid"]
    await api.post(f"/bookings/{one}/checkin")
    await api.post(f"/bookings/{one}/checkout")
    two = (await api.book_desk(site.desk2, site.bob, "10:00", "11:00")).data["uuid"]
    await api.delete(f"/bookings/{two}")
    three = (await api.book_desk(site.desk3, site.carol, "09:00", "10:00")).data["uuid"]
    locker = sim.create_booking(
        place_uuid=site.locker, person_email="bob@acme.com.br", start=local(9), end=local(10)
    )
    sim.check_in(locker["uuid"])
    room = sim.create_booking(
        place_uuid=site.room,
        person_email="alice@acme.com.br",
        start=local(9, 30),
        end=local(10, 30),
        guests=[("Visita", "visita@contoso.com")],
    )
    sim.participant_check_in(room["uuid"], "visita@contoso.com")  # from 09:00
    sim.clock.set(local(9, 20))  # desk3 falls at 09:15
    await sim.flush_webhooks()
    seen = [
        (p["event"], p["resource"]["action"], p["resource"]["uuid"]) for p in receiver.payloads()
    ]
    assert seen == [
        ("booking", "created", one),
        ("checkin", "checkin", one),
        ("checkin", "checkout", one),
        ("booking", "created", two),
        ("booking", "deleted", two),
        ("booking", "created", three),
        ("booking", "created", locker["uuid"]),
        ("checkin", "checkin", locker["uuid"]),
        ("locker", "open-locker", site.locker),
        ("booking", "created", room["uuid"]),
        ("guest_checkin", "checkin", room["uuid"]),
        ("booking", "updated", three),
    ]
    payloads = receiver.payloads()
    assert payloads[1]["included"]["status"] == {"id": "5", "name": "busy"}
    assert payloads[1]["included"]["checkin_uuid"]
    assert payloads[4]["included"]["status"]["name"] == "canceled"
    assert payloads[10]["included"]["person"]["email"] == "visita@contoso.com"
    assert isinstance(payloads[10]["included"]["occupation_time"], int)
    assert payloads[-1]["included"]["status"]["name"] == "fall"
    assert len({p["transaction_id"] for p in payloads}) == len(payloads)


async def test_subscription_filters_events_and_signs_sha1_with_prefix(
    site: Site, api: Api, receiver: Receiver
) -> None:
    site.sim.subscribe(receiver.url, "k1", events=("checkin",), algorithm="sha1", prefix="sha1=")
    uuid = (await api.book_desk(site.desk1, site.alice, "09:00", "10:00")).data["uuid"]
    await api.post(f"/bookings/{uuid}/checkin")
    await site.sim.flush_webhooks()
    [hook] = receiver.hooks
    assert hook.json()["event"] == "checkin"
    digest = hmac.new(b"k1", hook.body, hashlib.sha1).hexdigest()
    assert hook.headers["X-Hub-Signature"] == f"sha1={digest}"


async def test_failed_deliveries_are_retried_five_times(
    site: Site, api: Api, receiver: Receiver
) -> None:
    sim = site.sim
    sim.subscribe(receiver.url, "k")
    receiver.statuses = [500, 204]  # anything but 200 is a failure
    await api.book_desk(site.desk1, site.alice, "10:00", "11:00")
    await sim.flush_webhooks()
    await sim.flush_webhooks()
    await sim.flush_webhooks()
    statuses = [status for status, _ in sim.webhook_deliveries]
    assert statuses == [500, 204, 200]
    assert len({p["transaction_id"] for _, p in sim.webhook_deliveries}) == 1
    assert sim.pending_webhooks == []
    receiver.statuses = [503] * 10
    await api.book_desk(site.desk2, site.alice, "10:00", "11:00")
    for _ in range(8):
        await sim.flush_webhooks()
    assert [s for s, _ in sim.webhook_deliveries[3:]] == [503] * 6
    assert len(sim.dropped_webhooks) == 1
    assert sim.dropped_webhooks[0].attempts == 6


async def test_unreachable_receiver_is_recorded_as_none(site: Site, api: Api) -> None:
    sim = site.sim
    sim.subscribe("http://127.0.0.1:9/hook", "k")
    await api.book_desk(site.desk1, site.alice, "10:00", "11:00")
    await sim.flush_webhooks()
    assert [s for s, _ in sim.webhook_deliveries] == [None]
    assert sim.pending_webhooks[0].attempts == 1


async def test_webhook_mode_duplicates_reorders_replays(
    site: Site, api: Api, receiver: Receiver
) -> None:
    sim = site.sim
    sim.subscribe(receiver.url, "k")
    sim.webhook_mode.duplicate_next()
    await api.book_desk(site.desk1, site.alice, "10:00", "11:00")
    await sim.flush_webhooks()
    first, copy = receiver.payloads()
    assert first == copy
    assert receiver.hooks[0].body == receiver.hooks[1].body
    sim.webhook_mode.reorder_next(2)
    a = (await api.book_desk(site.desk2, site.alice, "12:00", "13:00")).data["uuid"]
    b = (await api.book_desk(site.desk3, site.alice, "12:00", "13:00")).data["uuid"]
    await sim.flush_webhooks()
    assert [p["resource"]["uuid"] for p in receiver.payloads()[2:]] == [b, a]
    sim.webhook_mode.replay_last()
    await sim.flush_webhooks()
    assert receiver.hooks[-1].body == receiver.hooks[-2].body
    assert receiver.payloads()[-1]["transaction_id"] == receiver.payloads()[-2]["transaction_id"]


async def test_webhook_mode_forged_unsigned_and_oversize(
    site: Site, api: Api, receiver: Receiver
) -> None:
    sim = site.sim
    sim.subscribe(receiver.url, "real-key")
    receiver.statuses = [401, 401]
    sim.webhook_mode.sign_with("forged-key")
    await api.book_desk(site.desk1, site.alice, "10:00", "11:00")
    await sim.flush_webhooks()
    sim.webhook_mode.unsigned_next()
    await api.book_desk(site.desk2, site.alice, "10:00", "11:00")
    await sim.flush_webhooks()
    forged, unsigned = receiver.hooks
    assert (
        forged.headers["X-Hub-Signature"]
        == hmac.new(b"forged-key", forged.body, hashlib.sha256).hexdigest()
    )
    assert "X-Hub-Signature" not in unsigned.headers
    await sim.flush_webhooks()
    assert len(receiver.hooks) == 2  # forged attempts are not retried
    sim.webhook_mode.oversize_next(300_000)
    await api.book_desk(site.desk3, site.alice, "10:00", "11:00")
    await sim.flush_webhooks()
    big = receiver.hooks[-1]
    assert len(big.body) >= 300_000
    assert big.json()["event"] == "booking"
    assert (
        big.headers["X-Hub-Signature"]
        == hmac.new(b"real-key", big.body, hashlib.sha256).hexdigest()
    )


async def test_background_delivery(site: Site, api: Api, receiver: Receiver) -> None:
    sim = site.sim
    sim.subscribe(receiver.url, "k")
    sim.webhook_retry_waits = (0.05,) * 5
    receiver.statuses = [500]
    sim.start_webhook_delivery()
    await api.book_desk(site.desk1, site.alice, "10:00", "11:00")
    # The simulator records an attempt after the receiver answered: wait for its record.
    for _ in range(100):
        if len(sim.webhook_deliveries) >= 2:
            break
        await asyncio.sleep(0.05)
    assert [s for s, _ in sim.webhook_deliveries] == [500, 200]


# -- faults and serving (shared modules) -----------------------------------------------------


async def test_faults_and_outage(site: Site, api: Api) -> None:
    site.sim.faults.fail_next(503, path="/v1.1/bookings", body='{"error":503}')
    assert (await api.get("/bookings")).status == 503
    assert (await api.get("/bookings")).status == 200
    assert ("GET", "/v1.1/bookings") in site.sim.faults.requests
    site.sim.faults.drop_next(path="/v1.1/bookings/workspaces")
    with pytest.raises(aiohttp.ClientError):
        await api.book_desk(site.desk1, site.alice, "10:00", "11:00")
    assert len(site.sim.bookings) == 1  # the booking happened, its answer was lost
    await site.sim.go_down()
    with pytest.raises(aiohttp.ClientError):
        await api.get("/buildings")
    await site.sim.come_up()
    assert (await api.get("/buildings")).status == 200


# -- direct methods, seed, activity, command line --------------------------------------------


async def test_direct_methods_apply_the_rules(site: Site) -> None:
    sim = site.sim
    booking = sim.create_booking(
        place_uuid=site.desk1, person_email="alice@acme.com.br", start=local(10), end=local(11)
    )
    with pytest.raises(DeskbeeError) as clash:
        sim.create_booking(
            place_uuid=site.desk1, person_email="bob@acme.com.br", start=local(10), end=local(11)
        )
    assert clash.value.status == 409
    with pytest.raises(DeskbeeError) as early:
        sim.check_in(booking["uuid"])
    assert early.value.status == 422
    sim.clock.set(local(9, 40))
    assert sim.check_in(booking["uuid"])["checkin"]["is_checkin_api"] is False
    assert sim.check_out(booking["uuid"])["state"] == "last"
    busy = sim.create_booking(
        place_uuid=site.desk2,
        person_email="bob@acme.com.br",
        start=local(9),
        end=local(12),
        state="busy",
    )
    assert busy["checkin"]["checkin"] is not None
    assert sim.booking(busy["uuid"])["state"] == "busy"
    assert sim.guest_passes() == []


def test_seeded_account_is_realistic_and_deterministic() -> None:
    sim = DeskbeeSimulator(seed=7)
    model = sim.model
    assert len(model.buildings) == 2
    assert len(sim.place_uuids("workspace")) >= 100
    assert len(sim.place_uuids("meetingroom")) == 8
    assert sim.place_uuids("parking")
    assert len(model.users) == 60
    states = {sim.booking(uuid)["state"] for uuid in sim.bookings}
    assert states >= {"reserved", "busy", "last", "fall", "waiting", "rejected", "canceled"}
    assert {g["status"]["name"] for g in sim.guest_passes()} >= {"Active", "Passed", "Canceled"}
    assert 0.3 <= desk_occupancy(sim) <= 0.7
    twin = DeskbeeSimulator(seed=7)
    assert (twin.client_id, twin.client_secret) == (sim.client_id, sim.client_secret)
    assert list(twin.bookings) == list(sim.bookings)
    empty = DeskbeeSimulator(seed=None)
    assert empty.bookings == {}
    assert empty.model.buildings == {}


def test_activity_keeps_the_account_living() -> None:
    sim = DeskbeeSimulator(seed=2)
    rng = random.Random(2)
    done = set()
    for _ in range(700):
        done.add(step(sim, rng))
        sim.clock.advance(20)
    assert {"book_desk", "check_in", "check_out", "cancel", "invite_guest", "guest_arrives"} <= done
    assert 0.3 <= desk_occupancy(sim) <= 0.7


async def test_run_activity_is_cancellable() -> None:
    sim = DeskbeeSimulator(seed=3)
    before = len(sim.bookings)
    task = asyncio.create_task(run_activity(sim, random.Random(3), interval=0.001))
    await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(sim.bookings) >= before


async def test_command_line_serves_and_delivers_webhooks(
    socket_enabled: None, receiver: Receiver
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.simulators", "deskbee", "--port", "0", "--seed", "4",
        "--webhook-url", receiver.url, "--webhook-secret", "cli-secret",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        details = json.loads(line)["deskbee"]
        assert {"url", "client_id", "client_secret"} <= set(details)
        api_url = details["url"] + "/v1.1"
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{api_url}/oauth/token",
                json={
                    "grant_type": "client_credentials",
                    "client_id": details["client_id"],
                    "client_secret": details["client_secret"],
                },
            ) as reply:
                token = (await reply.json())["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            async with session.get(
                f"{api_url}/places", params={"search": "place_type:workspace"}, headers=headers
            ) as reply:
                desk = (await reply.json())["data"][0]["uuid"]
            async with session.get(f"{api_url}/users", headers=headers) as reply:
                person = (await reply.json())["data"][0]["uuid"]
            later = datetime.now(ZONE) + timedelta(days=2)  # clear of every seeded booking
            body = {
                "person_uuid": person,
                "date": later.strftime("%Y/%m/%d"),
                "start_hour": "10:00",
                "end_hour": "11:00",
                "place_uuid": desk,
            }
            async with session.post(
                f"{api_url}/bookings/workspaces", json=body, headers=headers
            ) as reply:
                assert reply.status == 201
        for _ in range(100):
            if receiver.hooks:
                break
            await asyncio.sleep(0.05)
        hook = receiver.hooks[0]
        expected = hmac.new(b"cli-secret", hook.body, hashlib.sha256).hexdigest()
        assert hook.headers["X-Hub-Signature"] == expected
        assert hook.json()["resource"]["action"] == "created"
    finally:
        process.terminate()
        await process.wait()
    assert process.returncode == 0
