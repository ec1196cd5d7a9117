"""What `scripts/benchmark` needs besides Home Assistant: simulators in their own processes,
counting state writes, percentiles, and the results file and its table.

The simulators run as separate processes so that the CPU time and memory measured in this
process are Home Assistant's and Workplace's alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import math
import os
from pathlib import Path
import platform
import sys
from typing import Any

import aiohttp
from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import Event, HomeAssistant, callback

RESULTS = Path(os.environ.get("WORKPLACE_BENCHMARK_RESULTS", ".benchmark/results.json"))
PAGE_SIZE = {"placeos": 1000, "deskbee": 250, "salto_ks": 100}


@dataclass
class Simulator:
    """A simulator process started with `--bench`, and a session for its control routes."""

    provider: str
    process: asyncio.subprocess.Process
    info: dict[str, Any]
    session: aiohttp.ClientSession

    @property
    def url(self) -> str:
        """Where the simulator serves (its vendor API and the control routes)."""
        return str(self.info["url"])

    async def control(self, method: str, route: str, **params: object) -> Any:
        """Call one `/_bench/` route and return its JSON answer."""
        query = {key: str(value) for key, value in params.items()}
        async with self.session.request(
            method, f"{self.url}/_bench/{route}", params=query
        ) as answer:
            answer.raise_for_status()
            return await answer.json()

    async def served(self) -> list[tuple[str, str]]:
        """The vendor requests served since the last reset, oldest first."""
        return [tuple(item) for item in (await self.control("GET", "requests"))["requests"]]

    async def bodies(self) -> list[bytes]:
        """Every answer body kept since `reset(bodies=True)`."""
        found: list[bytes] = []
        while True:
            async with self.session.get(
                f"{self.url}/_bench/body", params={"index": str(len(found))}
            ) as answer:
                if answer.status == 404:
                    return found
                answer.raise_for_status()
                found.append(await answer.read())

    async def reset(self, *, bodies: bool = False) -> None:
        """Forget the request log (and start keeping answer bodies if asked)."""
        await self.control("POST", "requests/reset", bodies=int(bodies))

    async def stop(self) -> None:
        """Stop the process and close the session."""
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        await self.session.close()


async def start_simulator(provider: str, *args: str) -> Simulator:
    """Start `python -m tests.simulators <provider> --bench ...` and read how to reach it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.simulators",
        provider,
        "--port",
        "0",
        "--bench",
        *args,
        stdout=asyncio.subprocess.PIPE,
        # The announcement lists every seeded space: far longer than asyncio's 64 KiB line.
        limit=1 << 26,
    )
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 600)
    if not line:
        await process.wait()
        msg = f"the {provider} simulator exited with {process.returncode}"
        raise RuntimeError(msg)
    info = json.loads(line)[provider]
    return Simulator(provider, process, info, aiohttp.ClientSession())


@dataclass
class StateWrites:
    """Every state written while counting: changed ones by entity, unchanged ones counted."""

    changed: list[str] = field(default_factory=list)
    reported: int = 0
    times: dict[str, list[float]] = field(default_factory=dict)

    def listen(self, hass: HomeAssistant, clock: Callable[[], float]) -> Callable[[], None]:
        """Start counting; returns the function that stops."""

        @callback
        def on_changed(event: Event[Any]) -> None:
            entity_id = event.data["entity_id"]
            self.changed.append(entity_id)
            self.times.setdefault(entity_id, []).append(clock())

        @callback
        def on_reported(_: Event[Any]) -> None:
            self.reported += 1

        stop_changed = hass.bus.async_listen(EVENT_STATE_CHANGED, on_changed)

        @callback
        def every_entity(_: Mapping[str, Any]) -> bool:
            return True

        # Home Assistant asks for a filter here: unchanged writes are frequent.
        stop_reported = hass.bus.async_listen(
            EVENT_STATE_REPORTED, on_reported, event_filter=every_entity
        )

        def stop() -> None:
            stop_changed()
            stop_reported()

        return stop

    def clear(self) -> None:
        """Start counting from zero."""
        self.changed.clear()
        self.reported = 0
        self.times.clear()

    @property
    def writes(self) -> int:
        """States written, changed or not."""
        return len(self.changed) + self.reported


def percentiles(values: Iterable[float]) -> dict[str, float]:
    """p50, p95 and p99 (nearest rank) and the count."""
    ordered = sorted(values)
    if not ordered:
        return {"count": 0}

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {"count": len(ordered), "p50": rank(50), "p95": rank(95), "p99": rank(99)}


def pages_needed(requests: Iterable[tuple[str, str]], items: Mapping[str, int]) -> int:
    """The fewest requests that fetch the same: one per distinct query, whole pages of items.

    `items` counts the items each paged query (path without paging parameters) returned.
    """
    queries = {unpaged(path) for _, path in requests}
    return sum(
        max(1, math.ceil(items.get(query, 0) / size)) if (size := page_size_of(query)) else 1
        for query in queries
    )


def unpaged(path: str) -> str:
    """A request path without its paging parameters (offset, cursor, page)."""
    base, _, query = path.partition("?")
    kept = [
        part
        for part in query.split("&")
        if part and part.split("=", 1)[0] not in {"offset", "cursor", "page", "$skip"}
    ]
    return base.rstrip("/") + ("?" + "&".join(sorted(kept)) if kept else "")


def page_size_of(query: str) -> int | None:
    """The page size a paged query asked for (its `limit` or `$top`), None if not paged."""
    for part in query.partition("?")[2].split("&"):
        name, _, value = part.partition("=")
        if name in {"limit", "$top"} and value.isdigit():
            return int(value)
    return None


def rss_mib() -> float:
    """This process's resident memory now."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def record(section: str, data: Mapping[str, Any]) -> None:
    """Merge one measurement into the results file (each benchmark runs in its own process)."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[section] = dict(data)
    results["machine"] = machine()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30),
        "python": platform.python_version(),
        "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
