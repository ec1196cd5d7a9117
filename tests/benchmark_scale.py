"""Building scale, measured (run with `scripts/benchmark`, never by `scripts/test`).

Each provider's simulator runs in its own process, seeded at scale; Home Assistant runs here
with asyncio's debug mode off (the test plugin turns it on; Home Assistant does not). Every
number goes to the results file; `python -m tests.benchmark_report` prints the table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import gc
import os
import statistics
import time
import tracemalloc
from typing import Any

from homeassistant.const import (
    CONF_API_KEY,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.workplace.const import (
    CONF_IDENTITY_URL,
    CONF_PROVIDER,
    CONF_SITE,
    CONF_WEBHOOK_SECRET,
    CONF_ZONES,
    DOMAIN,
)
from custom_components.workplace.coordinator import default_interval
from custom_components.workplace.devices import object_key
from tests.benchmark_support import (
    Simulator,
    StateWrites,
    pages_needed,
    percentiles,
    record,
    rss_mib,
    start_simulator,
    unpaged,
)
from tests.conftest import WEBHOOK_ID, WEBHOOK_SECRET
from tests.helpers import midday_timezone

SPACES = int(os.environ.get("WORKPLACE_BENCHMARK_SPACES", "5000"))
BOOKINGS_PER_DAY = 4 * SPACES  # 20,000 a day at 5,000 spaces
DAYS = 7
LOCKS = 500
PUSHES = 1000
REFRESHES = 3

pytestmark = pytest.mark.usefixtures("socket_enabled")  # the simulators are on loopback


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure the loop as Home Assistant runs it: without asyncio's debug mode."""
    asyncio.get_running_loop().set_debug(False)


@pytest.fixture
def expected_lingering_tasks() -> bool:
    """The simulators' process pipes may outlive a test by a moment."""
    return True


def scale_args(timezone: str, spaces: int = SPACES) -> list[str]:
    """Command line of a booking simulator seeded at scale."""
    return [
        *("--spaces", str(spaces)),
        *("--bookings-per-day", str(4 * spaces)),
        *("--days", str(DAYS)),
        *("--timezone", timezone),
    ]


def entry_for(sim: Simulator, **extra: Any) -> MockConfigEntry:
    """A Workplace entry for a simulator, tracking every building (or its site)."""
    info = sim.info
    if sim.provider == "placeos":
        data = {CONF_URL: info["url"], CONF_API_KEY: info["api_key"]}
    elif sim.provider == "deskbee":
        data = {
            CONF_URL: info["url"],
            CONF_CLIENT_ID: info["client_id"],
            CONF_CLIENT_SECRET: info["client_secret"],
        }
    else:
        data = {
            CONF_URL: info["url"],
            CONF_IDENTITY_URL: info["identity_url"],
            CONF_CLIENT_ID: info["client_id"],
            CONF_CLIENT_SECRET: info["client_secret"],
            CONF_USERNAME: info["username"],
            CONF_PASSWORD: info["password"],
            CONF_SITE: info["site_id"],
        }
    if "buildings" in info:
        data[CONF_ZONES] = info["buildings"]
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{sim.provider} at scale",
        unique_id=f"bench_{sim.provider}",
        data={CONF_PROVIDER: sim.provider, **data, **extra},
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, float]:
    """Set the entry up; how long it took and the memory it added."""
    gc.collect()
    rss, wall, cpu = rss_mib(), time.perf_counter(), time.process_time()
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    took = {"setup_s": time.perf_counter() - wall, "setup_cpu_s": time.process_time() - cpu}
    gc.collect()
    return {
        **took,
        "rss_added_mib": rss_mib() - rss,
        "entities": len(er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)),
    }


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> float:
    """One poll of the entry, settled; the CPU time it took in this process."""
    gc.collect()
    cpu = time.process_time()
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    return time.process_time() - cpu


def items_in(body: Any) -> int:
    """How many items one page carried (a list, or a list inside an envelope)."""
    if isinstance(body, list):
        return len(body)
    if isinstance(body, dict):
        for key in ("data", "items"):
            if isinstance(body.get(key), list):
                return len(body[key])
    return 1


async def measure_refreshes(
    hass: HomeAssistant, entry: MockConfigEntry, sim: Simulator, writes: StateWrites
) -> dict[str, Any]:
    """Requests, CPU against decoding, and writes of polls in which nothing changed."""
    await refresh(hass, entry)  # whatever the first poll after set-up still settles
    cpus, idle_writes = [], []
    for _ in range(REFRESHES):
        await sim.reset(bodies=True)
        writes.clear()
        cpus.append(await refresh(hass, entry))
        idle_writes.append(writes.writes)
    # The last refresh's requests and answers (both were reset before it), without logging in.
    exchanged = [
        (request, body)
        for request, body in zip(await sim.served(), await sim.bodies(), strict=True)
        if "token" not in request[1]
    ]
    served, bodies = [request for request, _ in exchanged], [body for _, body in exchanged]
    decodes = []
    for _ in range(REFRESHES):
        gc.collect()
        cpu = time.process_time()
        for body in bodies:  # one page at a time, as a refresh decodes them
            orjson.loads(body)
        decodes.append(time.process_time() - cpu)
    items: dict[str, int] = {}
    for (_, path), body in exchanged:
        items[unpaged(path)] = items.get(unpaged(path), 0) + items_in(orjson.loads(body))
    per_refresh = len(served)
    interval = default_interval(entry).total_seconds()
    refresh_cpu, decode_cpu = statistics.median(cpus), statistics.median(decodes)
    return {
        "requests_per_refresh": per_refresh,
        "pages_needed": pages_needed(served, items),
        "requests_per_hour": round(per_refresh * 3600 / interval),
        "poll_interval_s": interval,
        "refresh_cpu_s": refresh_cpu,
        "decode_cpu_s": decode_cpu,
        "cpu_ratio": refresh_cpu / decode_cpu if decode_cpu else None,
        "response_mib": sum(map(len, bodies)) / 2**20,
        "idle_writes": max(idle_writes),
    }


async def measure_change(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: Simulator,
    writes: StateWrites,
    settle: Callable[[list[str]], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Change 1 % of today's bookings on the server; which entities wrote after the poll."""
    writes.clear()
    changed = await sim.control("POST", "change", fraction=0.01)
    if settle is not None:
        await settle(changed["changed"])
    await refresh(hass, entry)
    snapshot = entry.runtime_data.data
    places: set[str] = set()
    for space_id in changed["spaces"]:
        space = snapshot.spaces.get(space_id)
        if space is not None:
            places |= {space.id, space.zone_id, space.building_id or space.zone_id}
    account = {f"{entry.unique_id}_{key}" for key in ("last_update", "last_push")}
    affected = {
        item.entity_id
        for item in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if item.unique_id in account  # a poll, or a delivery, happened
        or any(item.unique_id.startswith(object_key(entry, place) + "_") for place in places)
    }
    written = set(writes.changed)
    return {
        "bookings_changed": len(changed["changed"]),
        "entities_of_changed_places": len(affected),
        "entities_written": len(written),
        "written_elsewhere": sorted(written - affected),
        "unchanged_writes": writes.reported,
    }


async def test_placeos(hass: HomeAssistant) -> None:
    """PlaceOS at 5,000 spaces and 20,000 bookings a day over a week."""
    timezone = midday_timezone()
    await hass.config.async_set_time_zone(timezone)
    sim = await start_simulator("placeos", *scale_args(timezone))
    try:
        entry = entry_for(sim)
        setup = await set_up(hass, entry)
        writes = StateWrites()
        stop = writes.listen(hass, time.time)
        results = {
            "spaces": SPACES,
            "bookings": BOOKINGS_PER_DAY * DAYS,
            **setup,
            **await measure_refreshes(hass, entry, sim, writes),
            "change": await measure_change(hass, entry, sim, writes),
        }
        stop()
        record("placeos", results)
        record(f"memory_{SPACES}", {"spaces": SPACES, "bookings": BOOKINGS_PER_DAY * DAYS, **setup})
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_deskbee(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> None:
    """Deskbee at scale, with its webhooks pushed to Home Assistant."""
    timezone = midday_timezone()
    await hass.config.async_set_time_zone(timezone)
    assert await async_setup_component(hass, "webhook", {})  # the simulator needs the URL
    # As at Home Assistant's start, the calendar component registers its views before the HTTP
    # server runs (the router refuses new routes once serving).
    assert await async_setup_component(hass, "calendar", {})
    client = await hass_client_no_auth()
    webhook = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    sim = await start_simulator(
        "deskbee",
        *scale_args(timezone),
        *("--webhook-url", webhook, "--webhook-secret", WEBHOOK_SECRET),
    )
    try:
        entry = entry_for(sim, **{CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_WEBHOOK_SECRET: WEBHOOK_SECRET})
        setup = await set_up(hass, entry)
        writes = StateWrites()
        stop = writes.listen(hass, time.time)
        push = entry.runtime_data.push

        async def delivered(changed: list[str]) -> None:
            await wait_for(lambda: push.deliveries - before >= len(changed))

        refreshes = await measure_refreshes(hass, entry, sim, writes)
        before = push.deliveries
        change = await measure_change(hass, entry, sim, writes, settle=delivered)
        writes.clear()
        pushed = (await sim.control("POST", "push", count=PUSHES, interval=0.005))["pushed"]
        latency = await latencies(hass, entry, writes, pushed, "space", "activity")
        stop()
        record(
            "deskbee",
            {
                "spaces": SPACES,
                "bookings": BOOKINGS_PER_DAY * DAYS,
                **setup,
                **refreshes,
                "change": change,
                "push_latency_ms": latency,
            },
        )
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_salto_ks(hass: HomeAssistant) -> None:
    """SALTO KS with hundreds of doors and a busy entries stream."""
    sim = await start_simulator("salto_ks", "--locks", str(LOCKS), "--ping-interval", "0")
    try:
        entry = entry_for(sim)
        setup = await set_up(hass, entry)
        await wait_for(lambda: entry.runtime_data.stream.connected)
        writes = StateWrites()
        stop = writes.listen(hass, time.time)
        refreshes = await measure_refreshes(hass, entry, sim, writes)
        writes.clear()
        entries = (await sim.control("POST", "entries", count=PUSHES, interval=0.005))["entries"]
        latency = await latencies(hass, entry, writes, entries, "lock", "access")
        stop()
        record("salto_ks", {"locks": LOCKS, **setup, **refreshes, "push_latency_ms": latency})
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def latencies(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    writes: StateWrites,
    sent: list[dict[str, Any]],
    place_key: str,
    entity_key: str,
) -> dict[str, float]:
    """From each push leaving the simulator to its place's event entity showing it (ms)."""
    registry = er.async_get(hass)
    entities = {
        item.unique_id: item.entity_id
        for item in er.async_entries_for_config_entry(registry, entry.entry_id)
    }
    wanted: dict[str, list[float]] = {}
    for push in sent:
        # Above Home Assistant's 10,000 enabled entities per entry, some places have none.
        if entity_id := entities.get(f"{object_key(entry, push[place_key])}_{entity_key}"):
            wanted.setdefault(entity_id, []).append(push["sent"])
    await wait_for(lambda: all(len(writes.times.get(e, ())) >= len(s) for e, s in wanted.items()))
    found = [
        (shown - left) * 1000
        for entity_id, left_times in wanted.items()
        for left, shown in zip(left_times, writes.times[entity_id], strict=False)
    ]
    return percentiles(found)


async def wait_for(done: Callable[[], bool], timeout: float = 120) -> None:
    """Let Home Assistant work until `done` holds (a benchmark may wait; a test may not)."""
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            msg = "gave up waiting"
            raise TimeoutError(msg)
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("spaces", [500, 5000, 20000])
async def test_memory_growth(hass: HomeAssistant, spaces: int) -> None:
    """Set-up time and memory at three sizes (run each in its own process: RSS stays high)."""
    timezone = midday_timezone()
    await hass.config.async_set_time_zone(timezone)
    sim = await start_simulator("placeos", *scale_args(timezone, spaces))
    try:
        traced = os.environ.get("WORKPLACE_BENCHMARK_TRACEMALLOC") == "1"
        if traced:
            tracemalloc.start()
        entry = entry_for(sim)
        setup = await set_up(hass, entry)
        key = f"memory_{spaces}" + ("_traced" if traced else "")
        if traced:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            setup |= {"traced_mib": current / 2**20, "traced_peak_mib": peak / 2**20}
        record(key, {"spaces": spaces, "bookings": 4 * spaces * DAYS, **setup})
        await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
