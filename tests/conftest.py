"""Fixtures: a real Home Assistant test instance and the vendor simulators on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Generator
import hashlib
import hmac
from typing import Any
from unittest.mock import patch

from homeassistant.const import (
    CONF_API_KEY,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import Event, HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.workplace.const import (
    CONF_IDENTITY_URL,
    CONF_PROVIDER,
    CONF_SITE,
    CONF_WEBHOOK_SECRET,
    CONF_ZONES,
    DOMAIN,
)
from tests.deprecation_guard import DeprecationGuard
from tests.helpers import (
    DeskbeeSite,
    SaltoSite,
    SmallSite,
    build_deskbee_site,
    build_small_site,
    midday_timezone,
)
from tests.secret_guard import assert_no_leaks, register
from tests.simulators.deskbee import DeskbeeSimulator
from tests.simulators.placeos import PlaceOSSimulator
from tests.simulators.salto import SaltoSimulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/workplace."""


@pytest.fixture(autouse=True)
def no_deprecated_api() -> Generator[DeprecationGuard]:
    """Fail the test if Home Assistant reports that Workplace uses something deprecated.

    Requested before Home Assistant's own fixtures, so it also hears their teardown (unload).
    """
    with DeprecationGuard() as guard:
        yield guard
    guard.check()


@pytest.fixture(autouse=True)
def no_secret_leaks(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Generator[None]:
    """Fail the test if a registered secret reached the log or any state or attribute."""
    yield
    assert_no_leaks(request, caplog)


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Create entities that are disabled by default as enabled."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
    ):
        yield


@pytest.fixture
async def placeos(
    socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncGenerator[PlaceOSSimulator]:
    """A seeded PlaceOS tenant (two buildings, ~150 desks) served on loopback."""
    simulator = PlaceOSSimulator(seed=1)
    register(request, simulator.api_key)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def small_site(
    hass: HomeAssistant, socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncGenerator[SmallSite]:
    """A small hand-made PlaceOS tenant served on loopback, where it is about noon now.

    "Today" is Home Assistant's local day: a test booking "in half an hour" must not fall on
    tomorrow when the suite runs late in the evening.
    """
    await hass.config.async_set_time_zone(midday_timezone())
    simulator = PlaceOSSimulator(seed=None)
    register(request, simulator.api_key)
    site = build_small_site(simulator)
    await simulator.start()
    yield site
    await simulator.stop()


@pytest.fixture
def bus_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every workplace_event fired, in order."""
    fired: list[dict[str, Any]] = []

    def record(event: Event) -> None:
        fired.append(dict(event.data))

    hass.bus.async_listen("workplace_event", record)
    return fired


def make_entry(sim: PlaceOSSimulator, zones: list[str], **options: object) -> MockConfigEntry:
    """A Workplace entry for a simulated tenant, tracking `zones`."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Simulated tenant",
        unique_id=f"placeos_{sim.authority_id}",
        data={
            CONF_PROVIDER: "placeos",
            CONF_URL: sim.url,
            CONF_API_KEY: sim.api_key,
            CONF_ZONES: zones,
        },
        options=options,
    )


@pytest.fixture
async def deskbee_site(
    hass: HomeAssistant, socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncGenerator[DeskbeeSite]:
    """A small hand-made Deskbee account served on loopback, where it is about noon now.

    Deskbee books within one local day, in the account's time; the client uses Home
    Assistant's time zone. Both are set where it is day, so that a test booking "in two
    hours" never crosses midnight, whenever the suite runs.
    """
    timezone = midday_timezone()
    await hass.config.async_set_time_zone(timezone)
    simulator = DeskbeeSimulator(seed=None, timezone=timezone)
    register(request, simulator.client_secret, WEBHOOK_SECRET)
    site = build_deskbee_site(simulator)
    await simulator.start()
    yield site
    await simulator.stop()


WEBHOOK_ID = "0123456789abcdef" * 4
WEBHOOK_SECRET = "s3cr3t-signing-key-for-tests"


def signed(body: bytes) -> dict[str, str]:
    """The signature header Deskbee sends with a delivery."""
    return {"X-Hub-Signature": hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()}


@pytest.fixture
def deskbee_entry(deskbee_site: DeskbeeSite) -> MockConfigEntry:
    """A Workplace entry for the Deskbee account, tracking its building, with a webhook."""
    sim = deskbee_site.sim
    return MockConfigEntry(
        domain=DOMAIN,
        title="Deskbee",
        unique_id=f"deskbee_{sim.client_id}",
        data={
            CONF_PROVIDER: "deskbee",
            CONF_URL: sim.url,
            CONF_CLIENT_ID: sim.client_id,
            CONF_CLIENT_SECRET: sim.client_secret,
            CONF_ZONES: [deskbee_site.building],
            CONF_WEBHOOK_ID: WEBHOOK_ID,
            CONF_WEBHOOK_SECRET: WEBHOOK_SECRET,
        },
        # The tests move the clock a minute per poll.
        options={"scan_interval": 60},
    )


@pytest.fixture
def site_entry(small_site: SmallSite) -> MockConfigEntry:
    """An entry tracking the small site's building."""
    return make_entry(small_site.sim, [small_site.building])


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up an entry, waiting until everything settled."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def salto(socket_enabled: None, request: pytest.FixtureRequest) -> AsyncGenerator[SaltoSite]:
    """A small SALTO KS site on loopback."""
    sim = SaltoSimulator(seed=None)
    register(request, sim.password, sim.client_secret)
    sim.stream.ping_interval = 0.2
    front = sim.add_lock("Front door")
    room = sim.add_lock("Room 1.04")
    pod = sim.add_pod("Level 1 visitors", locks=[front, room], max_guest_amount=2)
    await sim.start()
    yield SaltoSite(sim=sim, front=front, room=room, pod=pod)
    await sim.stop()


@pytest.fixture
def salto_entry(salto: SaltoSite) -> MockConfigEntry:
    """An entry for the site."""
    sim = salto.sim
    return MockConfigEntry(
        domain=DOMAIN,
        title="SALTO site",
        unique_id=f"salto_ks_{sim.site_id}",
        data={
            "provider": "salto_ks",
            CONF_URL: sim.url,
            CONF_IDENTITY_URL: sim.identity_url,
            CONF_CLIENT_ID: sim.client_id,
            CONF_CLIENT_SECRET: sim.client_secret,
            CONF_USERNAME: sim.username,
            CONF_PASSWORD: sim.password,
            CONF_SITE: sim.site_id,
        },
    )


async def loaded(hass: HomeAssistant, entry: MockConfigEntry, site: SaltoSite) -> MockConfigEntry:
    """Set up the entry with a quick stream reconnect, and wait for the stream."""
    await setup_entry(hass, entry)
    entry.runtime_data.reconnect_delays = (0.05,)
    # The hub pings every 0.2 s here; a second without anything means the stream stalled.
    entry.runtime_data.silence = 1.0
    await settle(hass, site, lambda: entry.runtime_data.stream.connected)
    return entry


async def settle(
    hass: HomeAssistant, site: SaltoSite, done: Callable[[], bool] = lambda: True
) -> None:
    """Let the hub deliver, and wait (boundedly) until Home Assistant handled what it sent.

    The stream runs as a background task that `async_block_till_done` does not wait for.
    """
    await site.sim.stream.flush()
    for _ in range(200):
        await hass.async_block_till_done()
        if done():
            return
        await asyncio.sleep(0.01)
