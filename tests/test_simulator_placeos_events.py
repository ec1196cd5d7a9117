"""Fidelity of the PlaceOS simulator's calendar events, visitors, people, users, metadata
writes and signals against the catalog (shared/reference/placeos.md §3.2-§3.8, §5.3-§5.9).

Plain aiohttp over loopback; every test takes ``socket_enabled``. Time moves with
``sim.clock.advance``, never by sleeping.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import random
import re
from typing import Any

import aiohttp
import pytest

from tests.simulators.activity import step
from tests.simulators.placeos import PlaceOSError, PlaceOSSimulator
from tests.test_simulator_placeos import BOOKINGS, ENGINE, HOUR, STAFF, Api, Reply, Site, build_site

EVENTS = f"{STAFF}/events"
GUESTS = f"{STAFF}/guests"
VISITOR = {"name": "Vera Visitor", "email": "Vera@Guest.example", "organisation": "Globex"}
COLLEAGUE = {"name": "Bob Builder", "email": "bob@acme.example"}


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


def period(start: int, end: int, **extra: str) -> dict[str, str]:
    return {"period_start": str(start), "period_end": str(end), **extra}


def meet(site: Site, room: str | None = None, *, start: int, end: int, **extra: Any) -> str:
    """A meeting hosted by Alice in the Harbour Room unless told otherwise."""
    fields: dict[str, Any] = {"title": "Planning", "host_email": "alice@acme.example"} | extra
    return site.sim.add_meeting(room or site.room, start=start, end=end, **fields)


def event_ids(reply: Reply) -> list[str]:
    return [event["id"] for event in reply.json()]


def new_event(site: Site, start: int, end: int, **extra: Any) -> dict[str, Any]:
    return {"event_start": start, "event_end": end, "system_id": site.room, **extra}


# -- auth ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", EVENTS),
        ("POST", EVENTS),
        ("GET", f"{EVENTS}/evt-1"),
        ("PATCH", f"{EVENTS}/evt-1/metadata/sys-1"),
        ("GET", GUESTS),
        ("PATCH", f"{GUESTS}/1"),
        ("GET", f"{STAFF}/people/a@b.example"),
        ("GET", f"{ENGINE}/users"),
        ("PUT", f"{ENGINE}/metadata/zone-1"),
    ],
)
async def test_new_routes_need_a_key(api: Api, method: str, path: str) -> None:
    reply = await api.call(method, path, key="", body={})
    assert (reply.status, reply.json()) == (401, {"error": ""})
    unknown = await api.call(method, path, key="keys-nope.secret", body={})
    assert (unknown.status, unknown.json()) == (401, {"error": "unknown X-API-Key"})
    assert unknown.headers["X-Request-ID"]


# -- events index ----------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["period_start", "period_end"])
async def test_events_need_both_period_bounds(site: Site, api: Api, missing: str) -> None:
    params = period(site.now, site.now + HOUR, zone_ids=site.level1)
    del params[missing]
    reply = await api.get(EVENTS, params=params)
    assert reply.status == 422
    assert reply.json() == {
        "error": f"missing required parameter '{missing}'",
        "parameter": missing,
        "restriction": "Int64",
    }
    bad = await api.get(EVENTS, params=period(site.now, site.now) | {missing: "soon"})
    assert (bad.status, bad.json()["parameter"]) == (400, missing)


async def test_event_json_shape(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(
        site, start=now + 600, end=now + HOUR, attendees=[COLLEAGUE, VISITOR], private=True
    )
    reply = await api.get(EVENTS, params=period(now, now + 2 * HOUR, zone_ids=site.level1))
    assert reply.status == 200
    assert "X-Calendar-Errors" not in reply.headers  # only sent when a calendar failed
    [event] = reply.json()
    room = (await api.get(f"{ENGINE}/systems/{site.room}")).json()
    assert event["id"] == event_id
    assert event_id.startswith("evt-")
    assert (event["event_start"], event["event_end"]) == (now + 600, now + HOUR)
    assert event["system_id"] == site.room
    assert event["system"] == room
    assert event["calendar"] == room["email"]
    assert event["location"] == "Harbour Room"
    assert event["host"] == "alice@acme.example"
    assert (event["title"], event["body"]) == ("Planning", "")
    assert (event["private"], event["all_day"], event["recurring"]) == (True, False, False)
    assert event["status"] == "confirmed"
    assert event["extension_data"] == {}
    assert event["timezone"] == "Australia/Sydney"
    assert event["ical_uid"] == f"{event_id}@acme.example"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["created"])
    assert event["updated"] == event["created"]
    by_email = {attendee["email"]: attendee for attendee in event["attendees"]}
    assert list(by_email) == [
        "bob@acme.example",
        "vera@guest.example",
        room["email"],
        "alice@acme.example",
    ]
    assert by_email[room["email"]]["resource"] is True
    host = by_email["alice@acme.example"]
    assert (host["organizer"], host["response_status"]) == (True, "accepted")
    visitor = by_email["vera@guest.example"]
    assert visitor["response_status"] == "needsAction"
    assert (visitor["checked_in"], visitor["visit_expected"]) == (False, True)
    assert "visit_expected" not in by_email["bob@acme.example"]  # colleagues are not visitors
    assert "organizer" not in visitor  # nil attributes are left out of calendar JSON
    assert site.sim.meeting(event_id) == event


async def test_events_filters_and_overlap_rule(site: Site, api: Api) -> None:
    now = site.now
    first = meet(site, start=now + HOUR, end=now + 2 * HOUR)
    board = meet(site, site.approval_room, start=now + HOUR, end=now + 2 * HOUR)

    async def listed(start: int, end: int, **extra: str) -> list[str]:
        reply = await api.get(EVENTS, params=period(start, end, **extra))
        assert reply.status == 200
        return event_ids(reply)

    both = f"{site.level1},{site.level2}"
    assert await listed(now, now + 3 * HOUR, zone_ids=both) == [first, board]
    assert await listed(now, now + 3 * HOUR, zone_ids=site.level2) == [board]
    # calendar by calendar: a zone's rooms come in name order (Board Room, Harbour Room)
    assert await listed(now, now + 3 * HOUR, zone_ids=site.building) == [board, first]
    assert await listed(now, now + 3 * HOUR, system_ids=site.room) == [first]
    assert await listed(now, now + HOUR, zone_ids=both) == []  # ends exactly at the start
    assert await listed(now + 2 * HOUR, now + 3 * HOUR, zone_ids=both) == []
    assert await listed(now + HOUR, now + HOUR + 1, system_ids=site.room) == [first]
    assert await listed(now, now + 3 * HOUR, zone_ids=site.level1, capacity="10") == []
    unknown = await api.get(EVENTS, params=period(now, now + HOUR, system_ids="sys-nope"))
    assert unknown.status == 404
    # no zones, systems or calendars: the caller's own calendar (HA is in no meeting)
    assert await listed(now, now + 3 * HOUR) == []
    alice = await api.get(EVENTS, key=site.alice_key, params=period(now, now + 3 * HOUR))
    assert sorted(event_ids(alice)) == sorted([first, board])  # same start: in id order
    assert {event["calendar"] for event in alice.json()} == {"alice@acme.example"}
    room_calendar = site.sim.meeting(first)["calendar"]
    assert await listed(now, now + 3 * HOUR, calendars=room_calendar) == [first]


async def test_cancelled_events_hidden_unless_asked(site: Site, api: Api) -> None:
    now = site.now
    kept = meet(site, start=now, end=now + HOUR)
    gone = meet(site, start=now + HOUR, end=now + 2 * HOUR)
    site.sim.cancel_meeting(gone)
    params = period(now, now + 3 * HOUR, zone_ids=site.level1)
    assert event_ids(await api.get(EVENTS, params=params)) == [kept]
    with_cancelled = await api.get(EVENTS, params=params | {"include_cancelled": "true"})
    assert event_ids(with_cancelled) == [kept, gone]
    assert with_cancelled.json()[1]["status"] == "cancelled"


async def test_failing_calendars_are_counted(site: Site, api: Api) -> None:
    now = site.now
    meet(site, start=now, end=now + HOUR)
    board = meet(site, site.approval_room, start=now, end=now + HOUR)
    site.sim.failing_calendars.add(site.room)
    reply = await api.get(EVENTS, params=period(now, now + HOUR, zone_ids=site.building))
    assert reply.headers["X-Calendar-Errors"] == "1"
    assert event_ids(reply) == [board]


# -- one event -------------------------------------------------------------------------------


async def test_show_event(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(site, start=now, end=now + HOUR)
    path = f"{EVENTS}/{event_id}"
    by_room = await api.get(path, params={"system_id": site.room})
    assert by_room.status == 200
    assert by_room.json() == site.sim.meeting(event_id)
    by_host = await api.get(path, params={"calendar": "Alice@acme.example"})
    assert by_host.json()["calendar"] == "alice@acme.example"
    neither = await api.get(path)
    assert neither.status == 422
    assert neither.json()["parameter"] == "system_id"
    other_room = await api.get(path, params={"system_id": site.approval_room})
    assert other_room.status == 404
    assert other_room.json()["error"].startswith(f"event {event_id} not found on system calendar")
    assert (await api.get(f"{EVENTS}/evt-nope", params={"system_id": site.room})).status == 404
    assert (await api.get(path, params={"system_id": "sys-nope"})).status == 404
    # people read only their own calendar
    bobs = await api.get(path, key=site.alice_key, params={"calendar": "bob@acme.example"})
    assert (bobs.status, bobs.body) == (403, b"")
    # this route skips the token scope check
    no_scope = site.sim.issue_key(site.alice_id, scopes=["guest"])
    assert (await api.get(path, key=no_scope, params={"system_id": site.room})).status == 200


async def test_create_event(site: Site, api: Api) -> None:
    now = site.now
    body = new_event(site, now + HOUR, now + 2 * HOUR, title="Offsite prep", body="Agenda")
    body |= {"attendees": [VISITOR], "extension_data": {"catering": True}}
    reply = await api.post(EVENTS, body=body)
    assert reply.status == 201
    event = reply.json()
    assert event["id"] in site.sim.meetings
    assert event["host"] == event["creator"] == "home-assistant@acme.example"
    assert (event["title"], event["body"]) == ("Offsite prep", "Agenda")
    assert event["extension_data"] == {"catering": True}
    assert event["system"]["id"] == site.room
    # `system.id` works as well as `system_id`
    via_object = new_event(site, now, now + HOUR, system={"id": site.approval_room})
    del via_object["system_id"]
    created = await api.post(EVENTS, body=via_object)
    assert (created.status, created.json()["system_id"]) == (201, site.approval_room)


async def test_create_event_errors(site: Site, api: Api) -> None:
    now = site.now
    taken = await api.post(EVENTS, body=new_event(site, now, now + HOUR))
    clash = await api.post(EVENTS, body=new_event(site, now + 1800, now + 2 * HOUR))
    assert clash.status == 409
    assert clash.json()["error"] == "Conflicting event"
    assert [e["id"] for e in clash.json()["events"]] == [taken.json()["id"]]
    back_to_back = await api.post(EVENTS, body=new_event(site, now + HOUR, now + 2 * HOUR))
    assert back_to_back.status == 201
    no_room = new_event(site, now, now + HOUR)
    del no_room["system_id"]
    missing = await api.post(EVENTS, body=no_room)
    assert (missing.status, missing.json()["parameter"]) == (422, "system_id")
    unknown = await api.post(EVENTS, body=new_event(site, now, now + HOUR, system_id="sys-x"))
    assert unknown.status == 404
    no_start = await api.post(EVENTS, body={"event_end": now, "system_id": site.room})
    assert no_start.status == 400
    assert no_start.json()["error"].startswith("Missing JSON attribute: event_start")
    backwards = await api.post(EVENTS, body=new_event(site, now + 600, now))
    assert backwards.status == 400
    wrong_type = await api.post(EVENTS, body=new_event(site, str(now), now + 60))  # type: ignore[arg-type]
    assert wrong_type.status == 400
    for_bob = new_event(site, now + 3 * HOUR, now + 4 * HOUR, host="bob@acme.example")
    refused = await api.post(EVENTS, key=site.alice_key, body=for_bob)
    assert (refused.status, refused.body) == (403, b"")
    assert (await api.post(EVENTS, body=for_bob)).status == 201  # support acts as a delegate


async def test_update_event(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(site, start=now + HOUR, end=now + 2 * HOUR, attendees=[VISITOR])
    meet(site, start=now + 3 * HOUR, end=now + 4 * HOUR)
    path = f"{EVENTS}/{event_id}"
    room = {"system_id": site.room}
    changes = {
        "event_start": now + HOUR,
        "event_end": now + 2 * HOUR + 1800,
        "title": "Planning (long)",
        "attendees": [{"name": "Gus Guest", "email": "gus@guest.example"}],
        "extension_data": {"notes": "bring laptop"},
    }
    reply = await api.call("PATCH", path, params=room, body=changes)
    assert reply.status == 200
    event = reply.json()
    assert (event["event_end"], event["title"]) == (now + 2 * HOUR + 1800, "Planning (long)")
    assert [a["email"] for a in event["attendees"] if not a["resource"]] == [
        "gus@guest.example",
        "alice@acme.example",  # the host stays
    ]
    assert event["extension_data"] == {"notes": "bring laptop"}
    assert event["updated"] >= event["created"]
    visitors = await api.get(GUESTS, params=period(now, now + 5 * HOUR, zone_ids=site.level1))
    assert [guest["email"] for guest in visitors.json()] == ["gus@guest.example"]
    # the new slot runs into the next meeting: refused, nothing changed
    clash = await api.call(
        "PATCH", path, params=room, body={"event_start": now + HOUR, "event_end": now + 4 * HOUR}
    )
    assert clash.status == 409
    assert site.sim.meeting(event_id)["event_end"] == now + 2 * HOUR + 1800
    no_start = await api.call("PATCH", path, params=room, body={"title": "x"})
    assert no_start.status == 400
    unknown = await api.call("PATCH", f"{EVENTS}/evt-nope", params=room, body=changes)
    assert unknown.status == 404
    bobs_key = site.sim.issue_key(site.bob_id)
    denied = await api.call("PATCH", path, key=bobs_key, params=room, body=changes)
    assert (denied.status, denied.body) == (403, b"")


async def test_update_event_can_move_room(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(site, start=now, end=now + HOUR)
    moved = await api.call(
        "PATCH",
        f"{EVENTS}/{event_id}",
        params={"system_id": site.room},
        body={"event_start": now, "event_end": now + HOUR, "system_id": site.approval_room},
    )
    assert moved.status == 200
    assert moved.json()["system_id"] == site.approval_room
    assert moved.json()["location"] == "Board Room"
    gone = await api.get(f"{EVENTS}/{event_id}", params={"system_id": site.room})
    assert gone.status == 404


async def test_delete_event_cancels_it(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(site, start=now + HOUR, end=now + 2 * HOUR, attendees=[VISITOR])
    path = f"{EVENTS}/{event_id}"
    await api.call("PATCH", f"{path}/metadata/{site.room}", body={"catering": True})
    reply = await api.call("DELETE", path, params={"system_id": site.room, "notify": "false"})
    assert (reply.status, reply.body) == (202, b"")
    cancelled = site.sim.meeting(event_id)
    assert cancelled["status"] == "cancelled"
    assert cancelled["extension_data"] == {}  # the metadata went with it
    visitors = await api.get(GUESTS, params=period(now, now + 3 * HOUR, zone_ids=site.level1))
    assert visitors.json() == []
    again = await api.call("DELETE", path, params={"system_id": site.room})
    assert again.status == 202
    assert (
        await api.call("DELETE", f"{EVENTS}/evt-nope", params={"system_id": site.room})
    ).status == 404
    other = meet(site, start=now + 3 * HOUR, end=now + 4 * HOUR)
    bobs_key = site.sim.issue_key(site.bob_id)
    denied = await api.call(
        "DELETE", f"{EVENTS}/{other}", key=bobs_key, params={"system_id": site.room}
    )
    assert (denied.status, denied.body) == (403, b"")
    # a freed slot can be booked again
    assert (await api.post(EVENTS, body=new_event(site, now + HOUR, now + 2 * HOUR))).status == 201


async def test_event_metadata_merge_and_replace(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(site, start=now, end=now + HOUR)
    path = f"{EVENTS}/{event_id}/metadata/{site.room}"
    merged = await api.call("PATCH", path, body={"a": 1})
    assert (merged.status, merged.json()) == (200, {"a": 1})
    merged = await api.call("PATCH", path, body={"b": {"c": 2}})
    assert merged.json() == {"a": 1, "b": {"c": 2}}
    replaced = await api.call("PUT", path, body={"z": True})
    assert (replaced.status, replaced.json()) == (200, {"z": True})
    assert site.sim.meeting(event_id)["extension_data"] == {"z": True}
    assert (
        await api.call("PATCH", f"{EVENTS}/evt-nope/metadata/{site.room}", body={})
    ).status == 404
    wrong_room = await api.call(
        "PATCH", f"{EVENTS}/{event_id}/metadata/{site.approval_room}", body={}
    )
    assert wrong_room.status == 404
    assert (await api.call("PATCH", path, body=[1, 2])).status == 400


async def test_direct_meeting_methods_apply_the_rules(site: Site) -> None:
    sim, now = site.sim, site.now
    event_id = meet(site, start=now, end=now + HOUR, host_name="Alice Able")
    with pytest.raises(PlaceOSError) as clash:
        meet(site, start=now + 1800, end=now + 2 * HOUR, host_email="carol@acme.example")
    assert clash.value.status == 409
    with pytest.raises(PlaceOSError) as unknown:
        sim.add_meeting("sys-nope", start=now, end=now + 60, title="x", host_email="a@b.example")
    assert unknown.value.status == 404
    with pytest.raises(PlaceOSError) as bad:
        meet(site, start=now + 2 * HOUR, end=now + 3 * HOUR, attendees=[{"name": "No email"}])
    assert bad.value.status == 400
    sim.cancel_meeting(event_id)
    assert sim.meeting(event_id)["status"] == "cancelled"
    assert sim.meetings[event_id].cancelled
    meet(site, start=now + 1800, end=now + 2 * HOUR)  # the room is free again
    with pytest.raises(PlaceOSError) as missing:
        sim.cancel_meeting("evt-nope")
    assert missing.value.status == 404
    # a host unknown to the directory becomes a person of the tenant, as for bookings
    meet(site, start=now + 5 * HOUR, end=now + 6 * HOUR, host_email="dora@acme.example")
    assert sim.tenant.directory.user_by_email("dora@acme.example") is not None


# -- visitors --------------------------------------------------------------------------------


async def test_visitors_of_bookings_and_meetings(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    room_booking = sim.create_booking(
        asset_id=site.approval_room, booking_type="room", start=now, end=now + HOUR,
        user_email="bob@acme.example", approved=True,
    )  # fmt: skip
    sim.add_guest(room_booking["id"], "gus@guest.example", "Gus Guest")
    gone = sim.create_booking(
        asset_id=site.desk1, booking_type="desk", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    sim.add_guest(gone["id"], "ghost@guest.example", "Ghost")
    sim.delete_booking(gone["id"])
    event_id = meet(site, start=now + 600, end=now + HOUR, attendees=[COLLEAGUE, VISITOR])
    reply = await api.get(GUESTS, params=period(now, now + HOUR, zone_ids=site.building))
    assert reply.status == 200
    visitors = {guest["email"]: guest for guest in reply.json()}
    assert list(visitors) == ["vera@guest.example", "gus@guest.example"]  # meetings first
    vera, gus = visitors["vera@guest.example"], visitors["gus@guest.example"]
    assert (vera["checked_in"], vera["visit_expected"], vera["booking"]) == (False, True, None)
    assert vera["organisation"] == "Globex"
    # a meeting guest carries the provider's event: no Staff API additions
    assert vera["event"]["id"] == event_id
    assert "system_id" not in vera["event"]
    assert "system" not in vera["event"]
    resources = [a["email"] for a in vera["event"]["attendees"] if a["resource"]]
    assert resources == [sim.meeting(event_id)["calendar"]]
    assert gus["booking"]["id"] == room_booking["id"]
    assert gus["event"] is None
    sim.check_in_guest(room_booking["id"], "gus@guest.example")
    level2 = await api.get(GUESTS, params=period(now, now + HOUR, zone_ids=site.level2))
    assert [(g["email"], g["checked_in"]) for g in level2.json()] == [("gus@guest.example", True)]
    later = await api.get(GUESTS, params=period(now + HOUR, now + 2 * HOUR, zone_ids=site.building))
    assert later.json() == []
    # without zones the server does not narrow the bookings: every booking visitor counts
    by_system = await api.get(GUESTS, params=period(now, now + HOUR, system_ids=site.room))
    assert [g["email"] for g in by_system.json()] == ["vera@guest.example", "gus@guest.example"]


async def test_guest_search(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    booking = sim.create_booking(
        asset_id=site.room, booking_type="room", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    sim.add_guest(booking["id"], "zed@initech.example", "Zed Zulu")
    sim.add_guest(booking["id"], "amy@globex.example", "Amy Adams")
    everyone = await api.get(GUESTS)
    assert [guest["name"] for guest in everyone.json()] == ["Amy Adams", "Zed Zulu"]
    assert everyone.json()[0]["checked_in"] is None  # plain profiles, no attendance
    assert [g["name"] for g in (await api.get(GUESTS, params={"q": "zu"})).json()] == ["Zed Zulu"]
    by_domain = await api.get(GUESTS, params={"q": "globex"})
    assert [g["email"] for g in by_domain.json()] == ["amy@globex.example"]
    assert (await api.get(GUESTS, params={"q": "amy zed"})).json() == []
    # one bound alone is not a period: the search form answers
    assert len((await api.get(GUESTS, params={"period_start": str(now)})).json()) == 2


async def test_show_and_patch_guest(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    booking = sim.create_booking(
        asset_id=site.room, booking_type="room", start=now + HOUR, end=now + 2 * HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    added = sim.add_guest(booking["id"], "Gus@Guest.example", "Gus Guest")
    guest_id = added["guest_id"]
    by_email = await api.get(f"{GUESTS}/GUS@guest.example")
    assert by_email.status == 200
    shown = by_email.json()
    assert shown["id"] == guest_id
    assert (shown["checked_in"], shown["visit_expected"]) == (False, True)
    assert shown["booking"]["id"] == booking["id"]
    assert (await api.get(f"{GUESTS}/{guest_id}")).json() == shown
    missing = await api.get(f"{GUESTS}/nobody@guest.example")
    assert (missing.status, set(missing.json())) == (404, {"error"})
    assert (await api.get(f"{GUESTS}/999")).status == 404
    path = f"{GUESTS}/{guest_id}"
    await api.call("PATCH", path, body={"extension_data": {"a": 1}})
    patched = await api.call(
        "PATCH",
        path,
        body={
            "phone": "+61 400 000 000",
            "name": "Gus G.",
            "banned": None,
            "extension_data": {"b": 2},
        },
    )
    assert patched.status == 200
    guest = patched.json()
    assert (guest["phone"], guest["name"], guest["banned"]) == ("+61 400 000 000", "Gus G.", False)
    assert guest["extension_data"] == {"a": 1, "b": 2}
    assert guest["visit_expected"] is True
    assert guest["booking"] is None  # update renders plain attendance
    cleared = await api.call("PUT", path, body={"phone": None})
    assert cleared.json()["phone"] is None
    sim.add_guest(booking["id"], "amy@globex.example", "Amy Adams")
    taken = await api.call("PATCH", path, body={"email": "amy@globex.example"})
    assert taken.status == 422
    assert taken.json()["failures"][0]["field"] == "email"
    renamed = await api.call("PATCH", path, body={"email": "Gus@New.example"})
    assert renamed.json()["email"] == "gus@new.example"
    assert (await api.get(f"{GUESTS}/gus@new.example")).status == 200
    wrong = await api.call("PATCH", path, body={"banned": "yes"})
    assert wrong.status == 400
    tomorrow = await api.get(path, params={"timezone": "Mars/Olympus"})
    assert (tomorrow.status, tomorrow.json()["parameter"]) == (400, "timezone")


async def test_guest_shows_todays_meeting(site: Site, api: Api) -> None:
    now = site.now
    event_id = meet(site, start=now + 600, end=now + 1200, attendees=[VISITOR])
    shown = (await api.get(f"{GUESTS}/vera@guest.example")).json()
    assert shown["visit_expected"] is True
    assert shown["event_metadata"]["event_id"] == event_id
    assert shown["event_metadata"]["system_id"] == site.room
    site.sim.clock.advance(1201)
    after = (await api.get(f"{GUESTS}/vera@guest.example")).json()
    assert (after["visit_expected"], after["event_metadata"]) == (False, None)


async def test_guest_check_in_on_a_booking(site: Site, api: Api) -> None:
    sim, now = site.sim, site.now
    booking = sim.create_booking(
        asset_id=site.room, booking_type="room", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    sim.add_guest(booking["id"], "gus@guest.example", "Gus Guest")
    path = f"{BOOKINGS}/{booking['id']}/guests"
    arrived = await api.post(f"{path}/GUS@guest.example/check_in")
    assert arrived.status == 200
    assert arrived.json()["checked_in"] is True
    assert arrived.json()["booking"]["checked_in"] is True  # the booking is checked in once
    left = await api.post(f"{path}/gus@guest.example/checkin", params={"state": "false"})
    assert left.json()["checked_in"] is False
    assert left.json()["booking"]["checked_in"] is True
    assert (await api.post(f"{path}/nobody@guest.example/check_in")).status == 404
    sim.delete_booking(booking["id"])
    assert (await api.post(f"{path}/gus@guest.example/check_in")).status == 405


# -- people and users ------------------------------------------------------------------------


async def test_people_lookup(site: Site, api: Api) -> None:
    reply = await api.get(f"{STAFF}/people/Alice@acme.example")
    assert reply.status == 200
    person = reply.json()
    assert person["email"] == "alice@acme.example"
    assert person["name"] == "Alice Able"
    assert person["username"] == "alice@acme.example"
    assert person["suspended"] is False
    assert re.fullmatch(r"[0-9a-f-]{36}", person["id"])  # the directory's id, not user-…
    assert set(person) <= {
        "id", "name", "email", "phone", "department", "title", "photo", "username",
        "office_location", "suspended", "unmapped",
    }  # fmt: skip
    by_id = await api.get(f"{STAFF}/people/{person['id']}")
    assert by_id.json() == person
    missing = await api.get(f"{STAFF}/people/nobody@acme.example")
    assert (missing.status, missing.json()) == (
        404,
        {"error": "user nobody@acme.example not found"},
    )


async def test_users_index_search_and_paging(site: Site, api: Api) -> None:
    everyone = await api.get(f"{ENGINE}/users")
    names = [user["name"] for user in everyone.json()]
    assert names == sorted(names)
    assert everyone.headers["X-Total-Count"] == str(len(names))
    alice = await api.get(f"{ENGINE}/users", params={"q": "ali"})
    assert [user["email"] for user in alice.json()] == ["alice@acme.example"]
    assert [
        u["name"] for u in (await api.get(f"{ENGINE}/users", params={"q": "acme bui"})).json()
    ] == ["Bob Builder"]
    assert alice.json()[0]["id"] == site.alice_id
    assert "support" not in alice.json()[0]  # public fields for a non-admin caller
    page = await api.get(f"{ENGINE}/users", params={"limit": "2"})
    assert len(page.json()) == 2
    assert page.headers["Content-Range"] == f"user 0-2/{len(names)}"
    link = re.fullmatch(r'<(.+)>; rel="next"', page.headers["Link"])
    assert link is not None
    assert link.group(1).startswith(f"{ENGINE}/users?")
    admin_key = site.sim.issue_key(site.sim.manager.id)
    as_admin = await api.get(f"{ENGINE}/users", key=admin_key, params={"q": "alice"})
    assert as_admin.json()[0]["sys_admin"] is False


# -- metadata writes -------------------------------------------------------------------------


async def test_metadata_put_makes_desks(site: Site, api: Api) -> None:
    desks = [
        {"id": "desk-new-1", "name": "Desk N1", "bookable": True, "features": [], "groups": []},
        {"id": site.desk3, "name": "Desk 2.01", "bookable": True, "features": [], "groups": []},
    ]
    body = {"name": "desks", "description": "desks", "details": desks, "parent_id": site.level2}
    reply = await api.call(
        "PUT", f"{ENGINE}/metadata/{site.level2}", params={"name": "desks"}, body=body
    )
    assert reply.status == 200
    written = reply.json()
    assert (written["name"], written["parent_id"], written["details"]) == (
        "desks",
        site.level2,
        desks,
    )
    assert written["modified_by_id"] == site.sim.home_assistant.id
    children = await api.get(
        f"{ENGINE}/metadata/{site.building}/children", params={"name": "desks"}
    )
    listed = {c["zone"]["id"]: c["metadata"] for c in children.json()}
    assert [d["id"] for d in listed[site.level2]["desks"]["details"]] == ["desk-new-1", site.desk3]
    assert "desk-new-1" in site.sim.desk_ids()
    now = site.now
    booked = site.sim.create_booking(
        asset_id="desk-new-1", booking_type="desk", start=now, end=now + HOUR,
        user_email="bob@acme.example",
    )  # fmt: skip
    assert booked["zones"][-1] == site.level2


async def test_metadata_patch_merges_details(site: Site, api: Api) -> None:
    path = f"{ENGINE}/metadata/{site.building}"
    first = {"name": "settings", "details": {"a": 1, "b": 1}}
    assert (await api.call("PATCH", path, body=first)).json()["details"] == {"a": 1, "b": 1}
    merged = await api.call("PATCH", path, body={"name": "settings", "details": {"b": 2, "c": 3}})
    assert merged.json()["details"] == {"a": 1, "b": 2, "c": 3}
    replaced = await api.call("PUT", path, body={"name": "settings", "details": {"z": 0}})
    assert replaced.json()["details"] == {"z": 0}
    shown = await api.get(path, params={"name": "settings"})
    assert shown.json()["settings"]["details"] == {"z": 0}


async def test_metadata_write_errors(site: Site, api: Api) -> None:
    path = f"{ENGINE}/metadata/{site.building}"
    body = {"name": "settings", "details": {"a": 1}}
    denied = await api.call("PUT", path, key=site.alice_key, body=body)
    assert (denied.status, denied.body) == (403, b"")
    own = await api.call("PUT", f"{ENGINE}/metadata/{site.alice_id}", key=site.alice_key, body=body)
    assert own.status == 200  # a user's own metadata
    nameless = await api.call("PUT", path, body={"details": {}})
    assert nameless.status == 422
    assert nameless.json()["failures"] == [{"field": "name", "reason": "Name must not be empty"}]
    orphan = await api.call("PUT", f"{ENGINE}/metadata/zone-nope", body=body)
    assert orphan.status == 422
    assert orphan.json()["failures"][0]["field"] == "parent_id"
    empty = await api.call("PATCH", path, body={"name": "settings"})
    assert empty.status == 422
    assert (await api.call("PUT", path, body=["x"])).status == 400


# -- signals ---------------------------------------------------------------------------------


async def test_signal_keeps_the_raw_body(site: Site, api: Api) -> None:
    raw = b'{"action": "hello",  "spaces": [1,2]}\n'
    reply = await api.post(f"{ENGINE}/signal", params={"channel": "ha/test"}, raw=raw)
    assert (reply.status, reply.body) == (200, b"")
    not_json = await api.post(f"{ENGINE}/signal", params={"channel": "ha/plain"}, raw=b"ping")
    assert not_json.status == 200
    assert site.sim.signals[-2:] == [("ha/test", raw), ("ha/plain", b"ping")]
    missing = await api.post(f"{ENGINE}/signal", raw=b"{}")
    assert missing.status == 422  # a missing parameter, as for the Staff API's `type` (§4)
    assert missing.json() == {
        "error": "missing required parameter 'channel'",
        "parameter": "channel",
        "restriction": "String",
    }
    assert len(site.sim.signals) == 2


# -- seed and activity -----------------------------------------------------------------------


def test_seeded_meetings_fit_around_room_bookings() -> None:
    sim = PlaceOSSimulator(seed=7)
    meetings = [m for m in sim.meetings.values() if not m.cancelled]
    assert len(meetings) >= 12
    assert any(sim.tenant.guests.meeting_attendance(m.id) for m in meetings)
    for meeting in meetings:
        others = [m for m in meetings if m.system_id == meeting.system_id and m is not meeting]
        assert not any(o.overlaps(meeting.event_start, meeting.event_end) for o in others)
        assert not any(
            b.asset_id == meeting.system_id
            and b.blocks_its_assets()
            and b.overlaps(meeting.event_start, meeting.event_end)
            for b in sim.bookings.values()
        )
    twin = PlaceOSSimulator(seed=7)
    assert list(twin.meetings) == list(sim.meetings)
    people = [u for u in sim.tenant.directory.users.values() if u.permissions.value == "user"]
    assert all(person.title and person.phone for person in people)


def test_activity_books_and_cancels_meetings() -> None:
    sim = PlaceOSSimulator(seed=2)
    rng = random.Random(2)
    done = set()
    for _ in range(600):
        done.add(step(sim, rng))
        sim.clock.advance(2)
    assert {"book_meeting", "cancel_meeting"} <= done
