"""Load measurements, printed rather than asserted: run with `scripts/benchmark`.

Not collected by `scripts/test` (the file name does not start with `test_`): timings on a
shared two-core machine vary too much for assertions, so this reports ratios instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import resource
import sys
import time

import aiohttp
from homeassistant.core import HomeAssistant
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.conftest import WEBHOOK_ID, setup_entry, signed
from tests.helpers import DeskbeeSite, SmallSite
from tests.test_services import act, in_minutes

ROUNDS = (250, 1000, 4000)


@pytest.fixture(autouse=True)
async def enable_event_loop_debug() -> None:
    """Measure the loop as Home Assistant runs it: the test plugin turns debug mode on."""
    asyncio.get_running_loop().set_debug(False)


def peak_memory_mib() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Show a measurement while everything else the test prints stays captured."""
    with capsys.disabled():
        sys.stdout.write(line + "\n")


async def longest_stall(work: Callable[[], Awaitable[object]]) -> tuple[float, float]:
    """(seconds the work took, longest the event loop went without running a 5 ms ticker)."""
    longest = 0.0
    running = True

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            longest = max(longest, now - last - 0.005)
            last = now

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    await work()
    took = time.perf_counter() - started
    running = False
    await ticker
    return took, longest


async def test_webhook_bursts(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Deliveries per second absorbed, requests per delivery, loop stalls, memory per round."""
    site = deskbee_site
    bookings = [site.book(site.desk1, starts_in=-60, ends_in=3600)]
    entry = await setup_entry(hass, deskbee_entry)
    # A plain session, as the vendor's sender would be: the test client keeps every response.
    url = (await hass_client_no_auth()).make_url(f"/api/webhook/{WEBHOOK_ID}")
    sender = aiohttp.ClientSession()
    report(
        capsys,
        "\n| deliveries | took s | per s | GETs per delivery | loop stall ms | peak MiB |",
    )
    report(capsys, "|---|---|---|---|---|---|")
    sent = 0
    for count in ROUNDS:
        bodies = []
        for n in range(count):
            body = orjson.dumps(
                {
                    "transaction_id": f"t-{sent + n}",
                    "event": "checkin",
                    "send_at": "2026-01-01T10:00:00Z",
                    "resource": {"uuid": bookings[(sent + n) % len(bookings)]},
                }
            )
            bodies.append(body)
        sent += count
        site.sim.faults.requests.clear()

        async def deliver(body: bytes) -> None:
            async with sender.post(url, data=body, headers=signed(body)) as answer:
                await answer.read()

        async def burst(bodies: list[bytes] = bodies) -> None:
            for chunk in range(0, len(bodies), 50):
                await asyncio.gather(*(deliver(b) for b in bodies[chunk : chunk + 50]))
            await hass.async_block_till_done(wait_background_tasks=True)

        took, stall = await longest_stall(burst)
        gets = sum(1 for method, _ in site.sim.faults.requests if method == "GET")
        report(
            capsys,
            f"| {count} | {took:.2f} | {count / took:.0f} | {gets / count:.3f} "
            f"| {stall * 1000:.1f} | {peak_memory_mib():.0f} |",
        )
    await sender.close()
    report(capsys, f"push health: {entry.runtime_data.push}")


async def test_parallel_actions(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Many bookings asked for at once: how many requests were under way together."""
    entry = await setup_entry(hass, site_entry)
    faults = small_site.sim.faults
    faults.delay_next(0.02, count=200)
    faults.max_in_flight = 0

    async def many() -> None:
        await asyncio.gather(
            *(
                act(
                    hass,
                    "create_booking",
                    entry,
                    space_id=small_site.desk2,
                    start=in_minutes(60 * hour),
                    end=in_minutes(60 * hour + 30),
                )
                for hour in range(1, 41)
            )
        )

    took, stall = await longest_stall(many)
    report(
        capsys,
        f"\n40 parallel create_booking: {took:.2f} s, at most {faults.max_in_flight} requests "
        f"under way, longest loop stall {stall * 1000:.1f} ms, "
        f"{len(small_site.sim.bookings)} bookings made",
    )
