"""One fault matrix for all three providers: every way a server fails, and what users see.

Each fault is injected into the simulator for one poll. What must hold for every provider:
the entities go unavailable (never a stale or guessed state), the entry stays loaded, nobody
is asked to log in again, and the next good poll brings everything back by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.workplace.const import DOMAIN
from tests.conftest import loaded, settle, setup_entry
from tests.helpers import DeskbeeSite, SaltoSite, SmallSite, book, entity_id
from tests.secret_guard import register
from tests.simulators.faults import FaultInjector
from tests.test_services import act, in_minutes

JSON = {"Content-Type": "application/json"}
HTML = {"Content-Type": "text/html"}


@dataclass
class Provider:
    """One provider's running entry, its simulator's faults and one entity to watch."""

    entry: MockConfigEntry
    faults: FaultInjector
    path: str
    entity: str
    healthy: str
    go_down: Callable[[], Awaitable[None]]
    come_up: Callable[[], Awaitable[None]]
    revoke: Callable[[], None]
    expire_tokens: Callable[[], None] | None
    # The provider's one call that must never happen twice, and how to count what it made.
    create: tuple[str, dict[str, Any]]
    create_path: str
    created: Callable[[], int]

    async def poll(self, hass: HomeAssistant) -> str:
        """Poll once and return the watched entity's state."""
        await self.entry.runtime_data.async_refresh()
        await hass.async_block_till_done()
        state = hass.states.get(self.entity)
        assert state is not None
        return state.state


@pytest.fixture(params=["placeos", "deskbee", "salto_ks"])
def simulated(request: pytest.FixtureRequest) -> tuple[str, object, MockConfigEntry]:
    """Each provider's simulator and entry (sync: it picks async fixtures by name)."""
    site, entry = {
        "placeos": ("small_site", "site_entry"),
        "deskbee": ("deskbee_site", "deskbee_entry"),
        "salto_ks": ("salto", "salto_entry"),
    }[request.param]
    return request.param, request.getfixturevalue(site), request.getfixturevalue(entry)


@pytest.fixture
async def provider(hass: HomeAssistant, simulated: tuple[str, object, MockConfigEntry]) -> Provider:
    """The provider set up against its simulator, healthy."""
    name, site, entry = simulated
    if isinstance(site, SmallSite):
        await setup_entry(hass, entry)
        sim = site.sim
        return Provider(
            entry=entry,
            faults=sim.faults,
            path="/api/staff/v1/bookings",
            entity=entity_id(hass, "sensor", site.uid(site.desk1, "status")),
            healthy="free",
            go_down=sim.go_down,
            come_up=sim.come_up,
            revoke=lambda: sim.revoke_key(sim.api_key),
            expire_tokens=None,  # API keys do not expire
            create=("create_booking", {"space_id": site.desk2, **next_hour()}),
            create_path="/api/staff/v1/bookings",
            created=lambda: len(sim.bookings),
        )
    if isinstance(site, DeskbeeSite):
        await setup_entry(hass, entry)
        return Provider(
            entry=entry,
            faults=site.sim.faults,
            path="/v1.1/bookings",
            entity=entity_id(hass, "sensor", site.uid(site.desk1, "status")),
            healthy="free",
            go_down=site.sim.go_down,
            come_up=site.sim.come_up,
            revoke=site.sim.revoke_client,
            expire_tokens=site.sim.expire_tokens,
            create=(
                "create_booking",
                {"space_id": site.desk2, "user_email": "grace@example.com", **next_hour()},
            ),
            create_path="/v1.1/bookings/workspaces",
            created=lambda: len(site.sim.bookings),
        )
    assert isinstance(site, SaltoSite), name
    await loaded(hass, entry, site)
    return Provider(
        entry=entry,
        faults=site.sim.faults,
        path=f"/v1.1/sites/{site.sim.site_id}/locks",
        entity=entity_id(hass, "lock", site.uid(site.front, "door")),
        healthy="locked",
        go_down=site.sim.go_down,
        come_up=site.sim.come_up,
        revoke=site.sim.revoke_user,
        expire_tokens=site.sim.expire_tokens,
        create=(
            "add_guest",
            {"pod_id": site.pod, "email": "vera@example.com", "name": "Vera", **next_hour()},
        ),
        create_path=f"/v1.1/sites/{site.sim.site_id}/pods/{site.pod}/guests",
        created=lambda: len(site.sim.pod(site.pod)["guests"]),
    )


def next_hour() -> dict[str, str]:
    """A period from now to an hour from now."""
    return {"start": in_minutes(0), "end": in_minutes(60)}


def reauth_flows(hass: HomeAssistant) -> list[str]:
    """Sources of the integration's flows in progress."""
    return [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]


FAULTS: dict[str, Callable[[FaultInjector, str], None]] = {
    "server error 500": lambda faults, path: faults.fail_next(500, path=path),
    "bad gateway page": lambda faults, path: faults.fail_next(
        502, path=path, body="<html><h1>502 Bad Gateway</h1></html>", headers=HTML
    ),
    "unavailable 503": lambda faults, path: faults.fail_next(503, path=path),
    "maintenance 503 with Retry-After": lambda faults, path: faults.fail_next(
        503, path=path, headers={"Retry-After": "30"}
    ),
    # aiohttp resends a read once when a kept-alive connection was cut: cut both.
    "connection reset": lambda faults, path: faults.drop_next(count=2, path=path),
    "truncated JSON": lambda faults, path: faults.malformed_next(path=path),
    "login page with 200": lambda faults, path: faults.fail_next(
        200, path=path, body="<html><form>Sign in</form></html>", headers=HTML
    ),
    "JSON of the wrong shape": lambda faults, path: faults.fail_next(
        200, path=path, body='"maintenance"', headers=JSON
    ),
    "timeout": lambda faults, path: faults.delay_next(5, path=path),
}


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_failed_poll_makes_entities_unavailable_until_the_next_good_one(
    hass: HomeAssistant, provider: Provider, fault: str
) -> None:
    """No fault crashes a platform, shows a stale state or asks the user to log in again.

    No frozen clock here: the timeout needs the event loop's clock to run.
    """
    assert await provider.poll(hass) == provider.healthy
    provider.entry.runtime_data.client.request_timeout = 0.2
    FAULTS[fault](provider.faults, provider.path)

    assert await provider.poll(hass) == STATE_UNAVAILABLE
    assert provider.entry.state is ConfigEntryState.LOADED
    assert reauth_flows(hass) == []

    provider.faults.clear()
    assert await provider.poll(hass) == provider.healthy


async def test_server_down_then_back(
    hass: HomeAssistant, provider: Provider, caplog: pytest.LogCaptureFixture
) -> None:
    """Connection refused: unavailable while down, back by itself once the server listens.

    One log line when it goes, however long it stays down, and one when it returns.
    """
    await provider.go_down()
    assert await provider.poll(hass) == STATE_UNAVAILABLE
    assert await provider.poll(hass) == STATE_UNAVAILABLE
    assert reauth_flows(hass) == []
    await provider.come_up()
    assert await provider.poll(hass) == provider.healthy
    assert caplog.text.count("Error fetching") == 1
    assert caplog.text.count("data recovered") == 1


async def test_rate_limit_waits_as_long_as_asked(
    hass: HomeAssistant, provider: Provider, freezer: FrozenDateTimeFactory
) -> None:
    """429 with Retry-After: not one request until the server's wish, then the interval again.

    Meanwhile the building does not go blank: entities keep their last state.
    """
    interval = provider.entry.runtime_data.interval
    provider.faults.fail_next(429, path=provider.path, headers={"Retry-After": "600"})
    assert await provider.poll(hass) == provider.healthy
    assert reauth_flows(hass) == []

    before = len(provider.faults.requests)
    await scheduled_poll(hass, freezer, interval + timedelta(seconds=1))
    assert len(provider.faults.requests) == before
    assert hass.states.get(provider.entity).state == provider.healthy
    await scheduled_poll(hass, freezer, timedelta(seconds=600) - interval)
    assert len(provider.faults.requests) > before
    assert hass.states.get(provider.entity).state == provider.healthy

    # Back to the usual interval; an outage still makes the entities unavailable at once.
    provider.faults.fail_next(500, path=provider.path)
    await scheduled_poll(hass, freezer, interval + timedelta(seconds=1))
    assert hass.states.get(provider.entity).state == STATE_UNAVAILABLE


async def test_a_long_rate_limit_keeps_states_for_15_minutes(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    provider: Provider,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Asked to wait 30 minutes: states stay 15 minutes after the last good poll, then go.

    The entry's diagnostics say until when the server asked us to wait.
    """
    provider.faults.fail_next(429, path=provider.path, headers={"Retry-After": "1800"})
    assert await provider.poll(hass) == provider.healthy
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, provider.entry)
    until = datetime.fromisoformat(str(diagnostics["rate_limited_until"]))
    assert timedelta(minutes=29) < until - dt_util.utcnow() <= timedelta(minutes=30)

    await scheduled_poll(hass, freezer, timedelta(minutes=14))
    assert hass.states.get(provider.entity).state == provider.healthy
    await scheduled_poll(hass, freezer, timedelta(minutes=1, seconds=1))
    assert hass.states.get(provider.entity).state == STATE_UNAVAILABLE

    await scheduled_poll(hass, freezer, timedelta(minutes=15))  # the server's half hour is over
    assert hass.states.get(provider.entity).state == provider.healthy
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, provider.entry)
    assert diagnostics["rate_limited_until"] is None


async def scheduled_poll(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta
) -> None:
    """Let time pass; wait for the polls Home Assistant started then (and only those).

    SALTO KS's door-entry stream is a background task that never ends, so waiting for every
    background task (`next_poll`) would wait forever: wait for the coordinators' refreshes.
    """
    freezer.tick(delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    refreshes = [task for task in asyncio.all_tasks() if task.get_name().endswith(" - refresh")]
    await asyncio.gather(*refreshes)
    await hass.async_block_till_done()


async def test_revoked_credentials_ask_to_log_in_again(
    hass: HomeAssistant, provider: Provider
) -> None:
    """Only credentials the server refuses for good start reauthentication, once."""
    provider.revoke()
    await provider.poll(hass)
    assert reauth_flows(hass) == [SOURCE_REAUTH]
    await provider.poll(hass)
    assert reauth_flows(hass) == [SOURCE_REAUTH]


async def test_expired_tokens_are_renewed_silently(hass: HomeAssistant, provider: Provider) -> None:
    """A token the server dropped is renewed without the user noticing anything."""
    if provider.expire_tokens is None:
        pytest.skip("this provider authenticates with a key that does not expire")
    provider.expire_tokens()
    assert await provider.poll(hass) == provider.healthy
    assert reauth_flows(hass) == []


def writes(provider: Provider) -> int:
    """How many times the create call was sent."""
    return sum(
        1
        for method, path in provider.faults.requests
        if method in ("POST", "PATCH") and path.startswith(provider.create_path)
    )


async def outcome_of(call: Awaitable[Any]) -> str:
    """How a command ended, as the user is told: "done" or the error's translation key."""
    try:
        await call
    except HomeAssistantError as err:
        return str(err.translation_key)
    return "done"


async def create_under(hass: HomeAssistant, provider: Provider) -> str:
    """Run the provider's create command; how it ended, as the user is told."""
    service, data = provider.create
    return await outcome_of(act(hass, service, provider.entry, **data))


# (what the user was told, whether the server did it): done must be done, "could not reach"
# must be not done, and "unknown" may be either.
HONEST = {
    ("done", True),
    ("cannot_connect", False),
    ("outcome_unknown", True),
    ("outcome_unknown", False),
}


def assert_honest(told: str, did_it: bool, outcome: str) -> None:
    """What the user was told matches what the server did; a refusal is never "unknown"."""
    assert (told, did_it) in HONEST
    if outcome == "503 before acting":
        assert told == "cannot_connect"


async def test_a_create_refused_before_acting_says_nothing_was_made(
    hass: HomeAssistant, provider: Provider
) -> None:
    """The server fails before acting: one clear failure, nothing made, nothing retried."""
    before = provider.created()
    provider.faults.fail_next(503, path=provider.create_path)
    provider.faults.requests.clear()
    assert await create_under(hass, provider) == "cannot_connect"
    assert provider.created() == before
    assert writes(provider) == 1


async def test_a_create_with_the_server_down_says_nothing_was_made(
    hass: HomeAssistant, provider: Provider
) -> None:
    """Server gone: a clear failure and nothing made.

    A refused connection says nothing changed. A kept-alive connection cut under the call is
    ambiguous (the server may have acted), and with no way to look the user is told so.
    """
    before = provider.created()
    await provider.go_down()
    assert await create_under(hass, provider) in ("cannot_connect", "outcome_unknown")
    await provider.come_up()
    assert provider.created() == before


@pytest.mark.parametrize("fault", ["answer lost", "answer too late"])
async def test_a_create_whose_answer_is_lost_is_made_once(
    hass: HomeAssistant, provider: Provider, fault: str
) -> None:
    """The server acted but its answer never came: reconciled into exactly one, never two."""
    before = provider.created()
    provider.entry.runtime_data.client.request_timeout = 0.3
    if fault == "answer lost":
        provider.faults.drop_next(path=provider.create_path)
    else:
        provider.faults.answer_late_next(2, path=provider.create_path)
    provider.faults.requests.clear()
    assert await create_under(hass, provider) == "done"
    assert provider.created() == before + 1
    assert writes(provider) == 1


@pytest.mark.parametrize("fault", ["answer lost", "answer too late"])
async def test_a_deskbee_guest_whose_answer_is_lost_is_invited_once(
    hass: HomeAssistant, deskbee_site: DeskbeeSite, deskbee_entry: MockConfigEntry, fault: str
) -> None:
    """The guest pass was made but its answer never came: found again, never made twice."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, deskbee_entry)
    deskbee_entry.runtime_data.client.request_timeout = 0.3
    if fault == "answer lost":
        site.sim.faults.drop_next(path="/v1.1/guestpass", method="POST")
    else:
        site.sim.faults.answer_late_next(2, path="/v1.1/guestpass", method="POST")
    told = await outcome_of(
        act(
            hass, "add_guest", deskbee_entry, booking_id=booking, email="vera@example.com", name="V"
        )
    )
    site.sim.faults.clear()
    assert told == "done"
    assert len(site.sim.guest_passes()) == 1
    assert [m for m, p in site.sim.faults.requests if p == "/v1.1/guestpass"].count("POST") == 1


# The server's clock runs ten minutes behind ours, or ahead.
SKEWS = {"behind": -600, "ahead": 600}


@pytest.mark.parametrize("skew", SKEWS)
async def test_a_server_clock_off_ours_loses_no_booking_news(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    skew: str,
) -> None:
    """Creation times on a skewed server clock are judged on the server's clock: one event."""
    small_site.sim.clock.advance(SKEWS[skew])
    await setup_entry(hass, site_entry)
    book(small_site.sim, small_site.desk1, starts_in=1200, ends_in=4800)
    await site_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert [e["type"] for e in bus_events] == ["booked"]


@pytest.mark.parametrize("skew", SKEWS)
async def test_a_server_clock_off_ours_loses_no_door_entry(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    skew: str,
) -> None:
    """Door entries stamped by a skewed server clock fire, once."""
    salto.sim.clock.advance(SKEWS[skew])
    await loaded(hass, salto_entry, salto)
    salto.sim.open_with_tag(salto.front, first_name="Ada", last_name="Lovelace")
    await settle(hass, salto, lambda: len(bus_events) >= 1)
    salto.sim.stream.replay_last(1)
    await settle(hass, salto)
    assert [e["person"]["name"] for e in bus_events] == ["Ada Lovelace"]


ACTIONS: dict[str, tuple[str, dict[str, Any], str, Callable[[dict[str, Any]], bool]]] = {
    # action: (booking type, extra fields, path after the booking id, whether the server did it)
    "check_in": ("desk", {}, "/check_in", lambda booking: booking["checked_in"] is True),
    "cancel_booking": ("desk", {}, "", lambda booking: booking["deleted"] is True),
    "update_booking": (
        "desk",
        {"title": "Moved"},
        "",
        lambda booking: booking["title"] == "Moved",
    ),
    # Room bookings on the small site wait for approval.
    "approve_booking": ("room", {}, "/approve", lambda booking: booking["approved"] is True),
    "reject_booking": ("room", {}, "/reject", lambda booking: booking["rejected"] is True),
}
# Each takes the simulator's faults and where to inject: `path=` and optionally `method=`.
OUTCOMES: dict[str, Callable[..., None]] = {
    "503 before acting": lambda faults, **where: faults.fail_next(503, **where),
    "answer lost after acting": lambda faults, **where: faults.drop_next(**where),
    "answer too late": lambda faults, **where: faults.answer_late_next(2, **where),
}


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("action", ACTIONS)
async def test_every_booking_action_ends_in_one_clear_outcome(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    action: str,
    outcome: str,
) -> None:
    """Done (and really done), clearly not done (and really not), or honestly unknown."""
    sim = small_site.sim
    booking_type, extra, suffix, did_it = ACTIONS[action]
    space = small_site.room if booking_type == "room" else small_site.desk1
    booking = book(sim, space, starts_in=-60, ends_in=3600, booking_type=booking_type)
    await setup_entry(hass, site_entry)
    site_entry.runtime_data.client.request_timeout = 0.3
    path = f"/api/staff/v1/bookings/{booking}"
    OUTCOMES[outcome](sim.faults, path=path + suffix)
    told = await outcome_of(act(hass, action, site_entry, booking_id=str(booking), **extra))
    sim.faults.clear()
    assert_honest(told, did_it(sim.booking(booking)), outcome)


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_a_deskbee_check_in_ends_in_one_clear_outcome(
    hass: HomeAssistant, deskbee_site: DeskbeeSite, deskbee_entry: MockConfigEntry, outcome: str
) -> None:
    """Checked in (and really), clearly not (and really not), or honestly unknown."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, deskbee_entry)
    deskbee_entry.runtime_data.client.request_timeout = 0.3
    OUTCOMES[outcome](site.sim.faults, path=f"/v1.1/bookings/{booking}/checkin")
    told = await outcome_of(act(hass, "check_in", deskbee_entry, booking_id=booking))
    site.sim.faults.clear()
    checked_in = site.sim.bookings[booking].checkin is not None
    assert_honest(told, checked_in, outcome)


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_opening_a_door_ends_in_one_clear_outcome(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    outcome: str,
) -> None:
    """Opened (and really), clearly not (and really not), or honestly unknown; never sent twice."""
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    entry.runtime_data.client.request_timeout = 0.3
    door = entity_id(hass, "lock", salto.uid(salto.front, "door"))
    locking = f"/v1.1/sites/{sim.site_id}/locks/{salto.front}/locking"
    OUTCOMES[outcome](sim.faults, path=locking)
    sim.faults.requests.clear()
    code = sim.current_otp()
    register(request, code)
    told = await outcome_of(
        hass.services.async_call("lock", "open", {"entity_id": door, "code": code}, blocking=True)
    )
    sim.faults.clear()
    opened = sim.lock(salto.front)["locked_state"] == "unlocked"
    assert [path for method, path in sim.faults.requests if method == "PATCH"] == [locking]
    assert_honest(told, opened, outcome)


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_removing_a_pod_guest_ends_in_one_clear_outcome(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry, outcome: str
) -> None:
    """Access taken away (and really), clearly not (and really not), or honestly unknown."""
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    await act(hass, "add_guest", entry, pod_id=salto.pod, email="vera@example.com", name="Vera")
    entry.runtime_data.client.request_timeout = 0.3
    OUTCOMES[outcome](sim.faults, path=f"/v1.1/sites/{sim.site_id}/pods/{salto.pod}/guests")
    told = await outcome_of(
        act(hass, "remove_guest", entry, pod_id=salto.pod, email="vera@example.com")
    )
    sim.faults.clear()
    removed = sim.pod(salto.pod)["guests"] == []
    assert_honest(told, removed, outcome)


@pytest.mark.parametrize("outcome", OUTCOMES)
async def test_removing_a_visitor_ends_in_one_clear_outcome(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry, outcome: str
) -> None:
    """Visitor taken off (and really), clearly not (and really not), or honestly unknown."""
    sim = small_site.sim
    booking = book(sim, small_site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, site_entry)
    await act(hass, "add_guest", site_entry, booking_id=booking, email="vera@example.com", name="V")
    site_entry.runtime_data.client.request_timeout = 0.3
    attendee = f"/api/staff/v1/bookings/{booking}/attendee/vera@example.com"
    OUTCOMES[outcome](sim.faults, path=attendee)
    told = await outcome_of(
        act(hass, "remove_guest", site_entry, booking_id=booking, email="vera@example.com")
    )
    sim.faults.clear()
    assert_honest(told, sim.booking(booking)["attendees"] == [], outcome)


VERA = "vera@example.com"


@dataclass(frozen=True)
class Command:
    """One action ready to run: its fields, the request to fault and how to see it was done."""

    action: str
    fields: dict[str, Any]
    method: str
    path: str
    done: Callable[[], bool]


async def visitor_checks_in(site: SmallSite) -> Command:
    booking = book(site.sim, site.desk1, starts_in=-60, ends_in=3600)
    site.sim.add_guest(booking, VERA, "Vera")
    return Command(
        "check_in_guest",
        {"booking_id": booking, "email": VERA},
        "POST",
        f"/api/staff/v1/bookings/{booking}/guests/{VERA}/check_in",
        lambda: site.sim.booking(booking)["attendees"][0]["checked_in"] is True,
    )


async def visitor_record_changes(site: SmallSite) -> Command:
    booking = book(site.sim, site.desk1, starts_in=-60, ends_in=3600)
    site.sim.add_guest(booking, VERA, "Vera")
    guest = site.sim.tenant.guests.find(VERA)
    assert guest is not None
    return Command(
        "add_guest",
        {"booking_id": booking, "email": VERA, "name": "Vera Visitor"},
        "PATCH",
        f"/api/staff/v1/guests/{VERA}",
        lambda: guest.name == "Vera Visitor",
    )


async def meeting_moves(site: SmallSite) -> Command:
    now = site.sim.clock.now()
    meeting = site.sim.add_meeting(
        site.room, start=now + 600, end=now + 1800, title="Planning", host_email="ada@example.com"
    )
    return Command(
        "update_meeting",
        {
            "meeting_id": meeting,
            "title": "Planning (moved)",
            "start": in_minutes(60),
            "end": in_minutes(90),
        },
        "PATCH",
        f"/api/staff/v1/events/{meeting}",
        lambda: site.sim.meeting(meeting)["title"] == "Planning (moved)",
    )


async def meeting_is_cancelled(site: SmallSite) -> Command:
    now = site.sim.clock.now()
    meeting = site.sim.add_meeting(
        site.room, start=now + 600, end=now + 1800, title="Planning", host_email="ada@example.com"
    )
    return Command(
        "cancel_meeting",
        {"meeting_id": meeting},
        "DELETE",
        f"/api/staff/v1/events/{meeting}",
        lambda: site.sim.meeting(meeting)["status"] == "cancelled",
    )


async def signal_is_sent(site: SmallSite) -> Command:
    return Command(
        "signal",
        {"channel": "doors/main", "payload": {"person": "ada@example.com"}},
        "POST",
        "/api/engine/v2/signal",
        lambda: site.sim.signals != [],
    )


PLACEOS_COMMANDS = {
    "check_in_guest": visitor_checks_in,
    "add_guest (update)": visitor_record_changes,
    "update_meeting": meeting_moves,
    "cancel_meeting": meeting_is_cancelled,
    "signal": signal_is_sent,
}


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("command", PLACEOS_COMMANDS)
async def test_every_placeos_command_ends_in_one_clear_outcome(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    command: str,
    outcome: str,
) -> None:
    """Visitors, meetings and signals: done, clearly not done, or honestly unknown."""
    sim = small_site.sim
    ready = await PLACEOS_COMMANDS[command](small_site)
    await setup_entry(hass, site_entry)
    site_entry.runtime_data.client.request_timeout = 0.3
    OUTCOMES[outcome](sim.faults, path=ready.path, method=ready.method)
    told = await outcome_of(act(hass, ready.action, site_entry, **ready.fields))
    sim.faults.clear()
    assert_honest(told, ready.done(), outcome)


async def deskbee_booking_moves(
    hass: HomeAssistant, entry: MockConfigEntry, site: DeskbeeSite
) -> Command:
    # A move to another desk: Deskbee refuses times that cross midnight, whatever the hour.
    booking = site.book(site.desk1, starts_in=600, ends_in=1200)
    return Command(
        "update_booking",
        {"booking_id": booking, "space_id": site.desk2},
        "PUT",
        f"/v1.1/bookings/workspaces/{booking}",
        lambda: site.sim.booking(booking)["place"]["uuid"] == site.desk2,
    )


async def invited(hass: HomeAssistant, entry: MockConfigEntry, site: DeskbeeSite) -> str:
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await act(hass, "add_guest", entry, booking_id=booking, email=VERA, name="Vera")
    return booking


def pass_status(site: DeskbeeSite) -> int:
    [guest_pass] = site.sim.guest_passes()
    return int(guest_pass["status"]["id"])


CANCELED, PASSED = 2, 4  # guest pass status ids


def guest_pass_becomes(
    action: str, status: int
) -> Callable[[HomeAssistant, MockConfigEntry, DeskbeeSite], Awaitable[Command]]:
    """An action on an invited visitor's guest pass, done when the pass has that status."""

    async def prepare(hass: HomeAssistant, entry: MockConfigEntry, site: DeskbeeSite) -> Command:
        booking = await invited(hass, entry, site)
        return Command(
            action,
            {"booking_id": booking, "email": VERA},
            "POST",
            "/v1.1/guestpass/",
            lambda: pass_status(site) == status,
        )

    return prepare


async def turnstile_reports(
    hass: HomeAssistant, entry: MockConfigEntry, site: DeskbeeSite
) -> Command:
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    return Command(
        "report_access",
        {"person": "ada@example.com", "device": "turnstile-1"},
        "POST",
        "/v1.1/integrations/checkin",
        lambda: site.sim.booking(booking)["state"] != "reserved",
    )


DESKBEE_COMMANDS = {
    "update_booking": deskbee_booking_moves,
    "remove_guest": guest_pass_becomes("remove_guest", CANCELED),
    "check_in_guest": guest_pass_becomes("check_in_guest", PASSED),
    "report_access": turnstile_reports,
}


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("command", DESKBEE_COMMANDS)
async def test_every_deskbee_command_ends_in_one_clear_outcome(
    hass: HomeAssistant,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    command: str,
    outcome: str,
) -> None:
    """Moves, visitors and turnstiles: done, clearly not done, or honestly unknown."""
    await setup_entry(hass, deskbee_entry)
    ready = await DESKBEE_COMMANDS[command](hass, deskbee_entry, deskbee_site)
    deskbee_entry.runtime_data.client.request_timeout = 0.3
    OUTCOMES[outcome](deskbee_site.sim.faults, path=ready.path, method=ready.method)
    told = await outcome_of(act(hass, ready.action, deskbee_entry, **ready.fields))
    deskbee_site.sim.faults.clear()
    assert_honest(told, ready.done(), outcome)
