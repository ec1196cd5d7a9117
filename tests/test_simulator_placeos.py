"""Fidelity of the PlaceOS simulator against the catalog (shared/reference/placeos.md).

Plain aiohttp over loopback; every test takes ``socket_enabled``. Time moves with
``sim.clock.advance``, never by sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import contextlib
from dataclasses import dataclass
import json
import random
import re
import sys
from typing import Any

import aiohttp
import pytest
from yarl import URL

from tests.simulators.activity import desk_occupancy, run_activity, step
from tests.simulators.placeos import PlaceOSError, PlaceOSSimulator

HOUR = 3600
STAFF = "/api/staff/v1"
BOOKINGS = f"{STAFF}/bookings"
ENGINE = "/api/engine/v2"


@dataclass
class Site:
    """A small, predictable tenant."""

    sim: PlaceOSSimulator
    building: str
    level1: str
    level2: str
    desk1: str
    desk2: str
    desk3: str
    room: str
    approval_room: str
    alice_id: str
    alice_key: str
    bob_id: str

    @property
    def now(self) -> int:
        return self.sim.clock.now_int()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """Raw HTTP against the simulator with a chosen key."""

    def __init__(self, session: aiohttp.ClientSession, sim: PlaceOSSimulator, key: str) -> None:
        self.session = session
        self.sim = sim
        self.key: str | None = key

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        key: str | None = None,
        raw: bytes | None = None,
    ) -> Reply:
        sent = {"Accept": "application/json"}
        chosen_key = key if key is not None else self.key
        if chosen_key:
            sent["X-API-Key"] = chosen_key
        sent.update(headers or {})
        data = raw if body is None else json.dumps(body).encode()
        async with self.session.request(
            method,
            URL(self.sim.url + path, encoded="%" in path),
            params=params,
            data=data,
            headers=sent,
            # The driver never sends a Content-Type on booking writes (§2.1).
            skip_auto_headers=["Content-Type"],
        ) as response:
            return Reply(response.status, dict(response.headers), await response.read())

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("POST", path, **kwargs)

    async def book(self, **fields: Any) -> Reply:
        return await self.post(BOOKINGS, body=fields)


def build_site(sim: PlaceOSSimulator) -> Site:
    building = sim.add_building("Harbour House", timezone="Australia/Sydney")
    level1 = sim.add_level(building, "Level 1")
    level2 = sim.add_level(building, "Level 2")
    alice_id = sim.add_user("Alice Able", "alice@acme.example")
    return Site(
        sim=sim,
        building=building,
        level1=level1,
        level2=level2,
        desk1=sim.add_desk(level1, "Desk 1.01", desk_id="desk-1-01"),
        desk2=sim.add_desk(level1, "Desk 1.02", desk_id="desk-1-02"),
        desk3=sim.add_desk(level2, "Desk 2.01", desk_id="desk-2-01"),
        room=sim.add_room(level1, "Harbour Room", capacity=8),
        approval_room=sim.add_room(level2, "Board Room", capacity=12, approval=True),
        alice_id=alice_id,
        alice_key=sim.issue_key(alice_id),
        bob_id=sim.add_user("Bob Builder", "bob@acme.example"),
    )


@pytest.fixture
async def site(socket_enabled: None) -> AsyncGenerator[Site]:
    sim = PlaceOSSimulator(seed=None)
    built = build_site(sim)
    await sim.start()
    yield built
    await sim.stop()


@pytest.fixture
async def api(site: Site) -> AsyncGenerator[Api]:
    async with aiohttp.ClientSession() as session:
        yield Api(session, site.sim, site.sim.api_key)


def desk_booking(site: Site, desk: str, start: int, end: int, **extra: Any) -> dict[str, Any]:
    return {
        "booking_type": "desk",
        "booking_start": start,
        "booking_end": end,
        "asset_id": desk,
        "zones": [site.sim.org_zone_id, site.building, site.level1],
        **extra,
    }


def ids(reply: Reply) -> list[int]:
    return [booking["id"] for booking in reply.json()]


# -- health, authority, auth -----------------------------------------------------------------


async def test_health_and_authority_need_no_key(site: Site, api: Api) -> None:
    staff = await api.get(STAFF, key="")
    assert staff.status == 200
    assert set(staff.json()) == {"commit", "build_time"}
    assert (await api.get(f"{ENGINE}/", key="")).status == 200
    authority = await api.get("/auth/authority", key="")
    assert authority.status == 200
    body = authority.json()
    assert body["id"] == site.sim.authority_id
    assert body["domain"] == "127.0.0.1"
    assert body["config"] == {"org_zone": site.sim.org_zone_id}
    assert body["version"] == "v2.0.0"
    assert {"name", "login_url", "logout_url", "session", "token_valid", "production"} <= set(body)
    for reply in (staff, authority):
        assert reply.headers["X-Request-ID"]


async def test_current_user(site: Site, api: Api) -> None:
    reply = await api.get(f"{ENGINE}/users/current")
    assert reply.status == 200
    user = reply.json()
    assert user["name"] == "Home Assistant"
    assert user["support"] is True
    assert user["authority_id"] == site.sim.authority_id
    assert isinstance(user["created_at"], int)
    alice = await api.get(f"{ENGINE}/users/current", key=site.alice_key)
    assert alice.json()["email"] == "alice@acme.example"
    assert alice.json()["support"] is False


@pytest.mark.parametrize("path", [f"{BOOKINGS}/1", f"{ENGINE}/users/current"])
async def test_unknown_key_is_401_with_json_error(api: Api, path: str) -> None:
    reply = await api.get(path, key="keys-nope.secret")
    assert reply.status == 401
    assert reply.json() == {"error": "unknown X-API-Key"}
    assert reply.headers["X-Request-ID"]


async def test_missing_key_is_401(api: Api) -> None:
    reply = await api.get(f"{BOOKINGS}/1", key="")
    assert reply.status == 401
    assert reply.json() == {"error": ""}


async def test_key_as_query_parameter(site: Site, api: Api) -> None:
    reply = await api.get(f"{ENGINE}/users/current", key="", params={"api-key": site.sim.api_key})
    assert reply.status == 200


async def test_expired_key_wording_per_surface(site: Site, api: Api) -> None:
    key = site.sim.issue_key(site.alice_id, expires_at=site.now + 60)
    assert (await api.get(f"{ENGINE}/users/current", key=key)).status == 200
    site.sim.clock.advance(61)
    engine = await api.get(f"{ENGINE}/users/current", key=key)
    assert (engine.status, engine.json()) == (401, {"error": "API key has expired"})
    # The Staff API reports every key failure of the REST API as an unknown key (§2.1).
    staff = await api.get(BOOKINGS, key=key, params={"type": "desk"})
    assert (staff.status, staff.json()) == (401, {"error": "unknown X-API-Key"})


async def test_host_must_be_the_tenant_domain(api: Api) -> None:
    other = {"Host": "placeos.example.com"}
    staff = await api.get(BOOKINGS, params={"type": "desk"}, headers=other)
    assert (staff.status, staff.json()) == (401, {"error": "domain does not match token's"})
    engine = await api.get(f"{ENGINE}/users/current", headers=other)
    assert (engine.status, engine.json()) == (401, {"error": "authority not found"})
    assert (await api.get("/auth/authority", headers=other)).status == 404
    # the port is not part of the comparison
    assert (await api.get(f"{ENGINE}/users/current", headers={"Host": "127.0.0.1:1"})).status == 200


async def test_missing_public_scope_is_403_with_empty_body(site: Site, api: Api) -> None:
    no_public = site.sim.issue_key(site.alice_id, scopes=["guest"])
    reply = await api.get(BOOKINGS, key=no_public, params={"type": "desk"})
    assert reply.status == 403
    assert reply.body == b""
    read_only = site.sim.issue_key(site.alice_id, scopes=["public.read"])
    assert (await api.get(BOOKINGS, key=read_only, params={"type": "desk"})).status == 200
    write = await api.post(
        BOOKINGS, key=read_only, body=desk_booking(site, site.desk1, site.now, site.now + 60)
    )
    assert (write.status, write.body) == (403, b"")


async def test_revoked_key_is_401(site: Site, api: Api) -> None:
    assert (await api.get(f"{ENGINE}/users/current", key=site.alice_key)).status == 200
    site.sim.revoke_key(site.alice_key)
    reply = await api.get(f"{ENGINE}/users/current", key=site.alice_key)
    assert (reply.status, reply.json()) == (401, {"error": "unknown X-API-Key"})


# -- zones, systems, metadata ----------------------------------------------------------------


async def test_zones_filters_and_rest_paging(site: Site, api: Api) -> None:
    buildings = await api.get(f"{ENGINE}/zones", params={"tags": "building"})
    assert [zone["id"] for zone in buildings.json()] == [site.building]
    assert buildings.headers["X-Total-Count"] == "1"
    assert buildings.headers["Content-Range"] == "zone 0-1/1"
    assert "Link" not in buildings.headers
    levels = await api.get(
        f"{ENGINE}/zones", params={"parent_id": site.building, "tags": "level", "limit": "1"}
    )
    assert [zone["name"] for zone in levels.json()] == ["Level 1"]
    assert levels.headers["Content-Range"] == "zone 0-1/2"  # no -1 on the REST API (§6)
    link = re.fullmatch(r'<(.+)>; rel="next"', levels.headers["Link"])
    assert link is not None
    assert link.group(1).startswith(f"{ENGINE}/zones?")
    second = await api.get(link.group(1))
    assert [zone["name"] for zone in second.json()] == ["Level 2"]
    assert second.headers["Content-Range"] == "zone 1-2/2"
    both_tags = await api.get(f"{ENGINE}/zones", params={"tags": "building,level"})
    assert both_tags.json() == []
    named = await api.get(f"{ENGINE}/zones", params={"tags": "level", "q": "lev 2"})
    assert [zone["id"] for zone in named.json()] == [site.level2]
    one = await api.get(f"{ENGINE}/zones/{site.level1}")
    assert one.json()["parent_id"] == site.building
    assert one.json()["tags"] == ["level"]
    assert (await api.get(f"{ENGINE}/zones/zone-missing")).status == 404


async def test_listing_all_zones_needs_support(site: Site, api: Api) -> None:
    assert (await api.get(f"{ENGINE}/zones")).status == 200
    reply = await api.get(f"{ENGINE}/zones", key=site.alice_key)
    assert (reply.status, reply.body) == (403, b"")


async def test_systems_filters(site: Site, api: Api) -> None:
    rooms = await api.get(
        f"{ENGINE}/systems", params={"zone_id": site.building, "bookable": "true"}
    )
    assert {room["id"] for room in rooms.json()} == {site.room, site.approval_room}
    assert rooms.headers["Content-Range"] == "sys 0-2/2"
    big = await api.get(f"{ENGINE}/systems", params={"capacity": "10"})
    assert [room["id"] for room in big.json()] == [site.approval_room]
    level1 = await api.get(
        f"{ENGINE}/systems", params={"zone_id": f"{site.building},{site.level1}"}
    )
    assert [room["id"] for room in level1.json()] == [site.room]
    room = (await api.get(f"{ENGINE}/systems/{site.approval_room}")).json()
    assert room["approval"] is True
    assert room["zones"] == [site.sim.org_zone_id, site.building, site.level2]
    assert room["email"].startswith("room-")
    complete = await api.get(f"{ENGINE}/systems/{site.room}", params={"complete": "true"})
    assert [zone["id"] for zone in complete.json()["zone_data"]][-1] == site.level1
    assert (await api.get(f"{ENGINE}/systems/sys-missing")).status == 404


async def test_desks_metadata(site: Site, api: Api) -> None:
    own = await api.get(f"{ENGINE}/metadata/{site.level1}", params={"name": "desks"})
    desks = own.json()["desks"]
    assert set(desks) >= {"name", "description", "details", "parent_id", "schema_id", "editors"}
    assert desks["parent_id"] == site.level1
    assert [desk["id"] for desk in desks["details"]] == [site.desk1, site.desk2]
    assert desks["details"][0] == {
        "id": "desk-1-01",
        "name": "Desk 1.01",
        "bookable": True,
        "features": [],
        "groups": [],
    }
    children = await api.get(
        f"{ENGINE}/metadata/{site.building}/children", params={"name": "desks"}
    )
    listed = {child["zone"]["id"]: child["metadata"] for child in children.json()}
    assert set(listed) == {site.level1, site.level2}  # the zone itself is never listed
    assert [d["id"] for d in listed[site.level2]["desks"]["details"]] == [site.desk3]
    site.sim.remove_desk(site.level2, site.desk3)
    site.sim.add_level(site.building, "Roof")
    again = await api.get(f"{ENGINE}/metadata/{site.building}/children", params={"name": "desks"})
    by_name = {child["zone"]["name"]: child["metadata"] for child in again.json()}
    assert by_name["Level 2"]["desks"]["details"] == []
    assert by_name["Roof"] == {}
    assert (await api.get(f"{ENGINE}/metadata/zone-missing/children")).status == 404


# -- booking index ---------------------------------------------------------------------------


async def test_type_is_required(api: Api) -> None:
    reply = await api.get(BOOKINGS)
    assert reply.status == 422
    assert reply.json()["parameter"] == "type"
    assert reply.json()["restriction"] == "String"
    assert "error" in reply.json()


async def test_own_bookings_when_no_zones_email_or_user(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    mine = (await api.book(**desk_booking(site, site.desk1, now, now + HOUR))).json()
    alices = sim.create_booking(
        asset_id=site.desk2, booking_type="desk", start=now, end=now + HOUR,
        user_email="alice@acme.example",
    )  # fmt: skip
    own = await api.get(BOOKINGS, params={"type": "desk"})
    assert ids(own) == [mine["id"]]
    zone = await api.get(BOOKINGS, params={"type": "desk", "zones": site.level1})
    assert ids(zone) == [mine["id"], alices["id"]]
    by_email = await api.get(BOOKINGS, params={"type": "desk", "email": "ALICE@acme.example"})
    assert ids(by_email) == [alices["id"]]
    by_user = await api.get(BOOKINGS, params={"type": "desk", "user": site.alice_id})
    assert ids(by_user) == [alices["id"]]
    current = await api.get(
        BOOKINGS, params={"type": "desk", "zones": site.level1, "user": "current"}
    )
    assert ids(current) == [mine["id"]]
    any_zone = await api.get(BOOKINGS, params={"type": "desk", "zones": f"zone-x,{site.level1}"})
    assert len(ids(any_zone)) == 2
    assert ids(await api.get(BOOKINGS, params={"type": "room", "zones": site.level1})) == []


async def test_overlap_rule_and_default_period(site: Site, api: Api) -> None:
    now = site.now
    booking = site.sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now + 2 * HOUR, end=now + 3 * HOUR,
        user_email="alice@acme.example",
    )  # fmt: skip
    start, end = booking["booking_start"], booking["booking_end"]

    async def found(period_start: int, period_end: int) -> bool:
        params = {"type": "desk", "zones": site.building}
        params |= {"period_start": str(period_start), "period_end": str(period_end)}
        return ids(await api.get(BOOKINGS, params=params)) == [booking["id"]]

    assert not await found(start - 100, start)  # ends exactly at the start
    assert await found(start - 100, start + 1)
    assert not await found(end, end + 100)  # starts exactly at the end
    assert await found(end - 1, end + 100)
    assert await found(start + 10, start + 20)  # inside
    # default period is now .. now + 1 h
    default = await api.get(BOOKINGS, params={"type": "desk", "zones": site.building})
    assert ids(default) == []
    site.sim.clock.advance(1.5 * HOUR)
    default = await api.get(BOOKINGS, params={"type": "desk", "zones": site.building})
    assert ids(default) == [booking["id"]]


async def test_paging_headers_relative_link_and_every_booking_once(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    created: list[int] = []
    for number in range(25):
        # later bookings start earlier: order must follow creation, not start (§3.7)
        start = now + (30 - number) * 60
        desk = sim.add_desk(site.level1, f"Desk X{number}")
        created.append(
            sim.create_booking(
                asset_id=desk, booking_type="desk", start=start, end=start + HOUR,
                user_email="alice@acme.example",
            )["id"]
        )  # fmt: skip
        sim.clock.advance(1)
    params = {
        "type": "desk",
        "zones": f"{site.building},{site.level1}",
        "period_start": str(now),
        "period_end": str(now + 3 * HOUR),
        "limit": "10",
    }
    first = await api.get(BOOKINGS, params=params)
    assert first.headers["X-Total-Count"] == "25"
    assert first.headers["Content-Range"] == "bookings 0-9/25"
    link = re.fullmatch(r'<(.+)>; rel="next"', first.headers["Link"])
    assert link is not None
    target = link.group(1)
    assert target.startswith(f"{BOOKINGS}/?")  # the slash before `?` (§3.7)
    assert "offset=10" in target
    assert "limit=10" in target
    assert "zones=" in target
    seen = ids(first)
    pages = 1
    while "Link" in (reply := await api.get(target)).headers:
        seen += ids(reply)
        pages += 1
        match = re.fullmatch(r'<(.+)>; rel="next"', reply.headers["Link"])
        assert match is not None
        target = match.group(1)
    seen += ids(reply)
    assert reply.headers["Content-Range"] == "bookings 20-24/25"
    assert pages == 2
    assert seen == created  # every booking exactly once, in creation order


async def test_empty_page_headers(api: Api) -> None:
    reply = await api.get(BOOKINGS, params={"type": "desk"})
    assert reply.json() == []
    assert reply.headers["X-Total-Count"] == "0"
    assert reply.headers["Content-Range"] == "bookings 0--1/0"
    assert "Link" not in reply.headers


async def test_deleted_and_checked_out_filtering(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now

    def book(desk: str) -> int:
        return int(
            sim.create_booking(
                asset_id=desk, booking_type="desk", start=now - 60, end=now + HOUR,
                user_email="alice@acme.example",
            )["id"]
        )  # fmt: skip

    live, gone, left = book(site.desk1), book(site.desk2), book(site.desk3)
    sim.delete_booking(gone)
    sim.check_in(left)
    sim.check_out(left)
    base = {"type": "desk", "zones": site.building}

    async def query(**extra: str) -> set[int]:
        return set(ids(await api.get(BOOKINGS, params=base | extra)))

    assert await query() == {live}
    assert await query(deleted="true") == {gone}
    assert await query(include_deleted="true") == {live, gone}
    assert await query(checked_out="true") == {left}
    assert await query(include_checked_out="true") == {live, left}
    assert await query(include_checked_out="true", include_deleted="true") == {live, gone, left}
    # checked_in=false means "checked out", which the default exclusion then hides (§3.7)
    assert await query(checked_in="false") == set()
    assert await query(checked_in="false", include_checked_out="true") == {left}
    sim.check_in(live)
    assert await query(checked_in="true") == {live}


async def test_flag_filters(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    pending = sim.create_booking(
        asset_id=site.approval_room, booking_type="room", start=now + 60, end=now + HOUR,
        user_email="alice@acme.example",
    )  # fmt: skip
    approved = sim.create_booking(
        asset_id=site.room, booking_type="room", start=now + 60, end=now + HOUR,
        user_email="bob@acme.example", approved=True,
    )  # fmt: skip
    base = {"type": "room", "zones": site.building}
    assert ids(await api.get(BOOKINGS, params=base | {"approved": "false"})) == [pending["id"]]
    assert ids(await api.get(BOOKINGS, params=base | {"approved": "true"})) == [approved["id"]]
    sim.reject(pending["id"])
    assert ids(await api.get(BOOKINGS, params=base | {"rejected": "true"})) == [pending["id"]]
    assert len(ids(await api.get(BOOKINGS, params=base))) == 2  # rejected still listed
    bad = await api.get(BOOKINGS, params=base | {"period_start": "soon"})
    assert bad.status == 400
    assert bad.json()["parameter"] == "period_start"


async def test_booked_asset_ids(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    for desk in (site.desk1, site.desk2):
        sim.create_booking(
            asset_id=desk, booking_type="desk", start=now, end=now + HOUR,
            user_email="alice@acme.example",
        )  # fmt: skip
    gone = sim.create_booking(
        asset_id=site.desk3, booking_type="desk", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    sim.delete_booking(gone["id"])
    reply = await api.get(f"{BOOKINGS}/booked", params={"type": "desk", "zones": site.building})
    assert reply.status == 200
    assert reply.json() == [site.desk1, site.desk2]


async def test_public_bookings_without_credentials(site: Site, api: Api) -> None:
    now = site.now
    public = await api.book(**desk_booking(site, site.desk1, now, now + HOUR, permission="PUBLIC"))
    assert public.json()["permission"] == "public"  # enums stored lower-case
    await api.book(**desk_booking(site, site.desk2, now, now + HOUR))
    anonymous = await api.get(BOOKINGS, key="", params={"type": "desk"})
    assert ids(anonymous) == [public.json()["id"]]


# -- create ----------------------------------------------------------------------------------


async def test_create_is_201_with_location_and_full_json(site: Site, api: Api) -> None:
    now = site.now
    reply = await api.book(
        **desk_booking(site, site.desk1, now + 600, now + HOUR, title="Focus", asset_name="x")
    )
    assert reply.status == 201
    booking = reply.json()
    assert reply.headers["Location"] == f"{BOOKINGS}/{booking['id']}"
    assert isinstance(booking["id"], int)
    assert booking["asset_id"] == site.desk1
    assert booking["asset_ids"] == [site.desk1]
    assert booking["booked_by_email"] == booking["user_email"] == "home-assistant@acme.example"
    assert booking["user_name"] == "Home Assistant"
    assert booking["current_state"] == "reserved"
    assert [entry["state"] for entry in booking["history"]] == ["reserved"]
    assert booking["extension_data"] == {}
    assert booking["attendees"] == []
    assert booking["guests"] == []
    assert booking["approved"] is False
    assert booking["rejected"] is False
    assert booking["deleted"] is False
    assert booking["checked_in"] is False
    assert booking["induction"] == "tentative"
    assert booking["recurrence_type"] == "none"
    assert isinstance(booking["created"], int)
    for field in ("checked_in_at", "deleted_at", "approver_email", "timezone", "booked_from"):
        assert booking[field] is None
    fetched = await api.get(f"{BOOKINGS}/{booking['id']}")
    assert fetched.json() == booking


async def test_create_for_someone_else(site: Site, api: Api) -> None:
    now = site.now
    fields = desk_booking(site, site.desk1, now, now + HOUR, user_email="Alice@acme.example")
    booking = (await api.book(**fields)).json()
    assert booking["user_email"] == "alice@acme.example"
    assert booking["booked_by_name"] == "Home Assistant"
    # user_id left out defaults to the booker, even for someone else's booking (model before_save)
    assert booking["user_id"] == booking["booked_by_id"]


async def test_create_validation_422(site: Site, api: Api) -> None:
    now = site.now
    missing = await api.book(booking_type="desk", booking_start=now, booking_end=now + 60)
    assert missing.status == 422
    failures = missing.json()["failures"]
    assert failures == [
        {
            "field": None,
            "reason": "Missing one of booking_start, booking_end, booking_type or asset_ids",
        }
    ]
    backwards = await api.book(**desk_booking(site, site.desk1, now + 60, now))
    assert backwards.status == 422
    assert backwards.json()["failures"][0]["field"] == "booking_end"
    wrong_type = await api.book(
        **(desk_booking(site, site.desk1, now, now + 60) | {"booking_start": f"{now}"})
    )
    assert wrong_type.status == 400
    not_json = await api.call("POST", BOOKINGS, raw=b'{"booking_type": "desk",')
    assert not_json.status == 400
    assert not_json.json()["error"].startswith("invalid JSON body")
    assert len(site.sim.bookings) == 0


async def test_clash_is_409_with_the_bookings(site: Site, api: Api) -> None:
    now = site.now
    first = (await api.book(**desk_booking(site, site.desk1, now, now + HOUR))).json()
    clash = await api.book(**desk_booking(site, site.desk1, now + 1800, now + 2 * HOUR))
    assert clash.status == 409
    assert clash.json()["error"] == "Conflicting booking"
    assert [b["id"] for b in clash.json()["bookings"]] == [first["id"]]
    back_to_back = await api.book(**desk_booking(site, site.desk1, now + HOUR, now + 2 * HOUR))
    assert back_to_back.status == 201
    other_type = await api.book(
        **desk_booking(site, site.desk1, now, now + HOUR, booking_type="parking")
    )
    assert other_type.status == 201
    visitor = {"booking_type": "visitor", "asset_id": "visitor@x.example"}
    for _ in range(2):
        assert (
            await api.book(**desk_booking(site, site.desk1, now, now + HOUR, **visitor))
        ).status == 201
    site.sim.delete_booking(first["id"])
    assert (await api.book(**desk_booking(site, site.desk1, now, now + 600))).status == 201


async def test_booking_limits_410(site: Site, api: Api) -> None:
    now = site.now
    site.sim.booking_limits["desk"] = 1
    assert (await api.book(**desk_booking(site, site.desk1, now, now + HOUR))).status == 201
    limited = await api.book(**desk_booking(site, site.desk2, now, now + HOUR))
    assert limited.status == 410
    assert limited.json()["limit"] == 1
    assert len(limited.json()["bookings"]) == 1
    override = await api.post(
        BOOKINGS,
        params={"limit_override": "2"},
        body=desk_booking(site, site.desk2, now, now + HOUR),
    )
    assert override.status == 201


# -- update, delete --------------------------------------------------------------------------


async def test_patch_applies_only_server_fields(site: Site, api: Api) -> None:
    now = site.now
    booking = (
        await api.book(
            **desk_booking(site, site.desk1, now + 60, now + HOUR, extension_data={"a": 1})
        )
    ).json()
    path = f"{BOOKINGS}/{booking['id']}"
    reply = await api.call(
        "PATCH",
        path,
        body={
            "title": "Renamed",
            "extension_data": {"b": 2},
            "checked_in": True,
            "approved": True,
            "timezone": "Europe/Paris",
        },
    )
    assert reply.status == 200
    patched = reply.json()
    assert patched["title"] == "Renamed"
    assert patched["extension_data"] == {"a": 1, "b": 2}
    assert patched["checked_in"] is False  # ignored: use the check_in route
    assert patched["approved"] is False
    assert patched["timezone"] is None


async def test_patch_moving_asset_resets_approval_and_rechecks_clash(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    booking = sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now + 60, end=now + HOUR,
        user_email="home-assistant@acme.example", approved=True,
    )  # fmt: skip
    sim.create_booking(
        asset_id=site.desk3, booking_type="desk", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    path = f"{BOOKINGS}/{booking['id']}"
    clash = await api.call("PATCH", path, body={"asset_id": site.desk3})
    assert clash.status == 409
    assert sim.booking(booking["id"])["asset_id"] == site.desk1  # unchanged
    shorter = await api.call("PATCH", path, body={"booking_end": now + 1800})
    assert shorter.json()["approved"] is True  # narrowing keeps the approval
    moved = await api.call("PATCH", path, body={"asset_id": site.desk2})
    assert moved.status == 200
    assert moved.json()["asset_ids"] == [site.desk2]
    assert moved.json()["approved"] is False
    assert moved.json()["history"][-1]["source"] == "updated by home-assistant@acme.example"


async def test_delete_is_202_empty_and_soft(site: Site, api: Api) -> None:
    now = site.now
    booking = (await api.book(**desk_booking(site, site.desk1, now + 600, now + HOUR))).json()
    reply = await api.call("DELETE", f"{BOOKINGS}/{booking['id']}")
    assert reply.status == 202
    assert reply.body == b""
    after = (await api.get(f"{BOOKINGS}/{booking['id']}")).json()
    assert after["deleted"] is True
    assert after["current_state"] == "cancelled"
    assert after["history"][-1]["state"] == "cancelled"
    missing = await api.get(f"{BOOKINGS}/999")
    assert (missing.status, missing.json()) == (
        404,
        {"error": "could not find booking with id: 999"},
    )


async def test_other_peoples_bookings_need_support(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    bobs = sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    alices = sim.create_booking(
        asset_id=site.desk2, booking_type="desk", start=now, end=now + HOUR,
        user_email="alice@acme.example",
    )  # fmt: skip
    alice = site.alice_key
    for method, suffix in (("POST", "/check_in"), ("PATCH", ""), ("DELETE", "")):
        denied = await api.call(method, f"{BOOKINGS}/{bobs['id']}{suffix}", body={}, key=alice)
        assert (denied.status, denied.body) == (403, b"")
    assert (await api.post(f"{BOOKINGS}/{alices['id']}/check_in", key=alice)).status == 200
    # approve/reject carry no ownership check (§2.3)
    assert (await api.post(f"{BOOKINGS}/{bobs['id']}/approve", key=alice)).status == 200
    # support keys manage anyone's bookings
    assert (await api.post(f"{BOOKINGS}/{bobs['id']}/check_in")).status == 200


# -- check-in --------------------------------------------------------------------------------


async def test_check_in_and_out(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    booking = (await api.book(**desk_booking(site, site.desk1, now + 1800, now + HOUR))).json()
    path = f"{BOOKINGS}/{booking['id']}"
    checked_in = await api.post(f"{path}/check_in", params={"state": "true", "utm_source": "door"})
    assert checked_in.status == 200
    assert checked_in.json()["checked_in"] is True
    assert checked_in.json()["checked_in_at"] == sim.clock.now_int()
    assert checked_in.json()["current_state"] == "checked_in"
    assert checked_in.json()["history"][-1] == {
        "state": "checked_in",
        "time": checked_in.json()["checked_in_at"],
        "source": "door",
    }
    out = await api.post(f"{path}/checkin", params={"state": "false"})  # alias route
    assert out.json()["current_state"] == "checked_out"
    assert out.json()["checked_in"] is False
    again = await api.post(f"{path}/check_in", params={"state": "false"})
    assert again.status == 200
    assert again.json()["checked_out_at"] == out.json()["checked_out_at"]
    back_in = await api.post(f"{path}/check_in")
    assert (back_in.status, back_in.json()) == (
        405,
        {"error": "a checked out booking cannot be checked back in"},
    )


async def test_check_in_window(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    early = (
        await api.book(**desk_booking(site, site.desk1, now + 2 * HOUR, now + 3 * HOUR))
    ).json()
    path = f"{BOOKINGS}/{early['id']}/check_in"
    too_early = await api.post(path)
    assert (too_early.status, too_early.json()) == (
        405,
        {"error": "Can only check in an 1.0 hour before the booking start"},
    )
    sim.clock.advance(HOUR)  # now exactly one hour before the start: allowed
    assert (await api.post(path)).status == 200
    ended = (await api.book(**desk_booking(site, site.desk2, now - 600, now + 600))).json()
    sim.clock.advance(HOUR)
    late = await api.post(f"{BOOKINGS}/{ended['id']}/check_in")
    assert (late.status, late.json()) == (405, {"error": "The booking has ended"})
    deleted = (
        await api.book(**desk_booking(site, site.desk3, sim.clock.now_int(), now + 3 * HOUR))
    ).json()
    await api.call("DELETE", f"{BOOKINGS}/{deleted['id']}")
    refused = await api.post(f"{BOOKINGS}/{deleted['id']}/check_in")
    assert (refused.status, refused.body) == (405, b"")


async def test_early_check_in_blocked_by_current_occupant(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now - 600, end=now + 1200,
        user_email="bob@acme.example",
    )  # fmt: skip
    mine = (await api.book(**desk_booking(site, site.desk1, now + 1200, now + HOUR))).json()
    blocked = await api.post(f"{BOOKINGS}/{mine['id']}/check_in")
    assert blocked.status == 409
    assert blocked.json()["error"] == "Conflicting booking"


async def test_state_machine_follows_the_clock(site: Site) -> None:
    sim, now = site.sim, site.now
    never = sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now + 60, end=now + 600,
        user_email="bob@acme.example",
    )  # fmt: skip
    stayed = sim.create_booking(
        asset_id=site.desk2, booking_type="desk", start=now, end=now + 600,
        user_email="alice@acme.example", checked_in=True,
    )  # fmt: skip
    assert stayed["current_state"] == "checked_in"
    sim.clock.advance(601)
    assert sim.booking(never["id"])["current_state"] == "no_show"
    assert sim.booking(stayed["id"])["current_state"] == "ended"


# -- approval --------------------------------------------------------------------------------


async def test_approve_and_reject(site: Site, api: Api) -> None:
    now = site.now
    room = {"booking_type": "room", "asset_id": site.approval_room}
    pending = (
        await api.book(**desk_booking(site, site.desk1, now + 600, now + HOUR, **room))
    ).json()
    assert (pending["approved"], pending["rejected"]) == (False, False)
    approved = await api.post(f"{BOOKINGS}/{pending['id']}/approve")
    assert approved.status == 200
    assert approved.json()["approved"] is True
    assert approved.json()["approver_email"] == "home-assistant@acme.example"
    rejected = await api.post(f"{BOOKINGS}/{pending['id']}/reject")
    assert rejected.json()["rejected"] is True
    assert rejected.json()["approved"] is False
    assert rejected.json()["approver_email"] is None
    assert rejected.json()["current_state"] == "rejected"
    await api.call("DELETE", f"{BOOKINGS}/{pending['id']}")
    gone = await api.post(f"{BOOKINGS}/{pending['id']}/approve")
    assert (gone.status, gone.body) == (405, b"")


async def test_approving_a_clash_is_409_but_sticks(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    first = sim.create_booking(
        asset_id=site.approval_room, booking_type="room", start=now + 600, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    sim.reject(first["id"])
    second = sim.create_booking(
        asset_id=site.approval_room, booking_type="room", start=now + 600, end=now + HOUR,
        user_email="alice@acme.example",
    )  # fmt: skip
    clash = await api.post(f"{BOOKINGS}/{first['id']}/approve")
    assert clash.status == 409
    assert [b["id"] for b in clash.json()["bookings"]] == [second["id"]]
    assert sim.booking(first["id"])["approved"] is True  # saved before the clash check


# -- guests ----------------------------------------------------------------------------------


async def test_attendees_become_guests(site: Site, api: Api) -> None:
    now = site.now
    attendees = [{"name": "Vera Visitor", "email": "Vera@Guest.example"}]
    booking = (
        await api.book(
            **desk_booking(
                site, site.room, now + 600, now + HOUR, booking_type="room", attendees=attendees
            )
        )
    ).json()
    assert [a["email"] for a in booking["attendees"]] == ["vera@guest.example"]
    assert booking["guests"][0]["name"] == "Vera Visitor"
    path = f"{BOOKINGS}/{booking['id']}"
    added = await api.post(
        f"{path}/attendee", body={"name": "Gus Guest", "email": "gus@guest.example"}
    )
    assert added.status == 200
    duplicate = await api.post(
        f"{path}/attendee", body={"name": "Gus", "email": "GUS@guest.example"}
    )
    assert duplicate.status == 400
    arrived = await api.post(f"{path}/guests/gus@guest.example/check_in")
    assert arrived.json()["checked_in"] is True
    assert arrived.json()["booking"]["checked_in"] is True
    guests = await api.get(f"{path}/guests")
    assert {g["email"] for g in guests.json()} == {"vera@guest.example", "gus@guest.example"}
    removed = await api.call("DELETE", f"{path}/attendee/vera@guest.example")
    assert removed.status == 202


# -- faults, outages -------------------------------------------------------------------------


async def test_fail_next_with_body_headers_count_and_path(site: Site, api: Api) -> None:
    faults = site.sim.faults
    faults.fail_next(
        429, count=2, path=BOOKINGS, body='{"error":"slow down"}', headers={"Retry-After": "7"}
    )
    assert (await api.get(f"{ENGINE}/users/current")).status == 200  # other path untouched
    for _ in range(2):
        reply = await api.get(BOOKINGS, params={"type": "desk"})
        assert (reply.status, reply.headers["Retry-After"], reply.body) == (
            429,
            "7",
            b'{"error":"slow down"}',
        )
    assert (await api.get(BOOKINGS, params={"type": "desk"})).status == 200
    faults.fail_next(503)
    faults.clear()
    assert faults.pending == 0
    assert (await api.get(STAFF)).status == 200


async def test_delay_next_lets_client_timeouts_fire(site: Site, api: Api) -> None:
    site.sim.faults.delay_next(0.3, path=STAFF)
    with pytest.raises(TimeoutError):
        async with api.session.get(site.sim.url + STAFF, timeout=aiohttp.ClientTimeout(total=0.05)):
            pass
    assert (await api.get(STAFF)).status == 200


async def test_malformed_next(site: Site, api: Api) -> None:
    site.sim.faults.malformed_next(path=f"{ENGINE}/zones")
    reply = await api.get(f"{ENGINE}/zones", params={"tags": "building"})
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("application/json")
    with pytest.raises(json.JSONDecodeError):
        reply.json()


async def test_drop_next_loses_the_answer_but_not_the_booking(site: Site, api: Api) -> None:
    site.sim.faults.drop_next(path=BOOKINGS)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.book(**desk_booking(site, site.desk1, site.now, site.now + HOUR))
    assert len(site.sim.bookings) == 1  # the create happened; only the reply was lost
    listed = await api.get(BOOKINGS, params={"type": "desk", "zones": site.level1})
    assert len(ids(listed)) == 1


async def test_requests_are_logged(site: Site, api: Api) -> None:
    site.sim.faults.requests.clear()
    await api.get(BOOKINGS, params={"type": "desk"})
    await api.call("DELETE", f"{BOOKINGS}/5")
    assert site.sim.faults.requests == [
        ("GET", f"{BOOKINGS}?type=desk"),
        ("DELETE", f"{BOOKINGS}/5"),
    ]


async def test_go_down_and_come_up(site: Site, api: Api) -> None:
    now = site.now
    await api.book(**desk_booking(site, site.desk1, now, now + HOUR))  # keep-alive open
    url = site.sim.url
    await site.sim.go_down()
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get(STAFF)
    await site.sim.come_up()
    assert site.sim.url == url
    listed = await api.get(BOOKINGS, params={"type": "desk"})
    assert len(ids(listed)) == 1  # state survived the outage


# -- direct methods, seeding, activity, command line -----------------------------------------


async def test_direct_methods_apply_the_rules(site: Site) -> None:
    sim, now = site.sim, site.now
    booking = sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now + 2 * HOUR, end=now + 3 * HOUR,
        user_email="carol@acme.example", user_name="Carol",
    )  # fmt: skip
    assert booking["zones"] == [sim.org_zone_id, site.building, site.level1]
    assert booking["user_name"] == "Carol"
    with pytest.raises(PlaceOSError) as clash:
        sim.create_booking(
            asset_id=site.desk1, booking_type="desk", start=now + 2 * HOUR, end=now + 3 * HOUR,
            user_email="bob@acme.example",
        )  # fmt: skip
    assert clash.value.status == 409
    with pytest.raises(PlaceOSError) as early:
        sim.check_in(booking["id"])
    assert early.value.status == 405
    with pytest.raises(PlaceOSError):
        sim.create_booking(
            asset_id=site.desk2, booking_type="desk", start=now + 2 * HOUR, end=now + 3 * HOUR,
            user_email="bob@acme.example", checked_in=True,
        )  # fmt: skip
    assert len(sim.bookings) == 1  # the refused check-in took its booking with it


def test_seeded_building_is_realistic_and_deterministic() -> None:
    sim = PlaceOSSimulator(seed=7)
    assert len(sim.desk_ids()) == 150
    assert len(sim.room_ids()) == 12
    names = [zone.name for zone in sim.tenant.buildings.zones.values()]
    assert "Sydney HQ" in names
    assert "Level 2" in names
    states = {sim.booking(number)["current_state"] for number in sim.bookings}
    assert {"reserved", "checked_in"} <= states
    pending = [
        b for b in sim.bookings.values()
        if b.asset_id in sim.tenant.buildings.systems and not b.approved and not b.deleted
    ]  # fmt: skip
    assert pending
    assert 0.3 <= desk_occupancy(sim) <= 0.7
    twin = PlaceOSSimulator(seed=7)
    assert twin.api_key == sim.api_key
    assert [b.asset_id for b in twin.bookings.values()] == [
        b.asset_id for b in sim.bookings.values()
    ]
    assert PlaceOSSimulator(seed=None).bookings == {}


def test_activity_keeps_the_building_living() -> None:
    sim = PlaceOSSimulator(seed=2)
    rng = random.Random(2)
    done = set()
    for _ in range(600):
        done.add(step(sim, rng))
        sim.clock.advance(2)
    assert {"book_desk", "check_in", "check_out", "cancel"} <= done
    assert 0.35 <= desk_occupancy(sim) <= 0.65


async def test_run_activity_is_cancellable() -> None:
    sim = PlaceOSSimulator(seed=3)
    before = len(sim.bookings)
    task = asyncio.create_task(run_activity(sim, random.Random(3), interval=0.001))
    await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(sim.bookings) >= before


async def test_command_line_prints_url_and_key(socket_enabled: None) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.simulators", "placeos", "--port", "0", "--seed", "4",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=20)
        details = json.loads(line)["placeos"]
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                details["url"] + f"{ENGINE}/users/current",
                headers={"X-API-Key": details["api_key"]},
            ) as reply,
        ):
            assert reply.status == 200
    finally:
        process.terminate()
        await process.wait()
    assert process.returncode == 0
