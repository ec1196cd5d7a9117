"""Run Home Assistant with the Workplace integration against three vendor simulators.

Started by ``scripts/demo`` (which prepares ``.venv``); run with the venv's Python:

    .venv/bin/python scripts/demo.py [--check] [--port 8123] [--sim-port 8765]
        [--deskbee-port 8766] [--salto-port 8767] [--host HOST]

It starts the PlaceOS, Deskbee and SALTO KS simulators, starts Home Assistant on a fresh
config directory (``.demo/config``), onboards it through the onboarding REST API and adds one
Workplace entry per simulator through the real config flow. The Deskbee flow ends with a
step that shows the webhook address and signing key; the Deskbee simulator is then restarted
(same port, seed and time zone, hence the same account and credentials) to deliver its signed
webhooks there. The SALTO KS flow ends with choosing the site; its doors' entries then stream
live over the SignalR hub. Once the space status sensors exist it prints where to log in and
keeps running until Ctrl-C. ``--check`` (or ``DEMO_CHECK=1``) stops after verifying, for
smoke tests and CI; it also checks a desk in through the Deskbee API and measures how long
the webhook takes to show it in Home Assistant, waits for a live SALTO KS door entry, opens
a door with the code of the (simulated) SALTO KS app, shows a wrong code refused, and gives
a guest access to a pod for two hours and takes it away again.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
import contextlib
import ctypes
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import fcntl
from functools import partial
import json
import os
from pathlib import Path
import re
import shutil
import signal
import socket
import string
import sys
import time
from typing import IO, Any, NoReturn
import urllib.parse
import zoneinfo

import aiohttp

REPO = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = REPO / "scripts" / "demo_config"
INTEGRATION_DIR = REPO / "custom_components" / "workplace"
DOMAIN = "workplace"

USER_NAME = "Demo"
USERNAME = "demo"
PASSWORD = "demo1234"  # noqa: S105 - a throw-away login of a local demo

DEFAULT_HA_PORT = 8123
DEFAULT_SIM_PORT = 8765
DEFAULT_DESKBEE_PORT = 8766
DEFAULT_SALTO_PORT = 8767
DESKBEE_SEED = 1  # the restarted Deskbee simulator must seed the very same account
PORT_ATTEMPTS = 10  # the preferred port and the next nine, then any free port

SIMULATOR_START_TIMEOUT = 60.0
HA_HTTP_TIMEOUT = 240.0  # first start on a fresh machine compiles and loads a lot
HA_RUNNING_TIMEOUT = 240.0
SENSORS_TIMEOUT = 240.0
SENSORS_DEADLINE = 120.0  # the promise: sensors listed within two minutes of starting
HA_STOP_TIMEOUT = 60.0
SIMULATOR_STOP_TIMEOUT = 10.0
PUSH_DEADLINE = 1.0  # --check: a webhook must show a check-in within this many seconds
PUSH_TIMEOUT = 10.0  # ...and is waited for this long, to tell "slow" from "never"
PUSH_POLL = 0.05
ENTRIES_TIMEOUT = 30.0  # --check: a live SALTO KS door entry must fire an event this soon
REMOTE_ENTRY_TIMEOUT = 10.0  # ...and the remote opening's own entry this soon after opening
WRONG_CODE = "zzzzz"  # the app's codes are hex: this well-formed one never opens a door
DEMO_GUEST = {"email": "demo.guest@example.com", "name": "Demo Guest"}
GUEST_WINDOW = timedelta(hours=2)
RESTART_EXIT_CODE = 100  # Home Assistant exits with this when asked to restart
LOG_TAIL_LINES = 40

# A space's status sensor; Home Assistant appends _2, _3... when two spaces share a name.
STATUS_SENSOR = re.compile(r"sensor\.\w+_status(_\d+)?")
DASHBOARD = "workplace-demo"  # the dashboard with the Workplace card: /workplace-demo/floors
CARD_URL = "/workplace/workplace-card.js"

STARTED = time.time()  # the demo proper; the two-minute promise counts from here
T0 = float(os.environ.get("DEMO_T0") or STARTED)  # scripts/demo's start, before the venv setup


class DemoError(Exception):
    """Something went wrong; the message says what, the demo stops."""


class Stopped(Exception):  # noqa: N818 - not an error: the user pressed Ctrl-C
    """Asked to stop (signal) before the demo was up."""


def say(message: str) -> None:
    """Print a progress line with the seconds since ``scripts/demo`` started."""
    print(f"[{time.time() - T0:6.1f}s] {message}", flush=True)


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last lines of a log file, for error reports."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no {path})"
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------- settings


@dataclass
class Settings:
    """Command line and environment, resolved."""

    check: bool
    host: str
    ha_port: int
    sim_port: int
    deskbee_port: int
    salto_port: int
    demo_dir: Path
    time_zone: str
    country: str
    ha_logs: bool
    deadline: float

    @property
    def config_dir(self) -> Path:
        """Home Assistant's config directory (recreated on every run)."""
        return self.demo_dir / "config"

    @property
    def ha_log(self) -> Path:
        """Home Assistant's console output."""
        return self.demo_dir / "homeassistant.log"

    @property
    def sim_log(self) -> Path:
        """The PlaceOS simulator's output."""
        return self.demo_dir / "simulator.log"

    @property
    def deskbee_log(self) -> Path:
        """The Deskbee simulator's output (both of its runs)."""
        return self.demo_dir / "deskbee-simulator.log"

    @property
    def salto_log(self) -> Path:
        """The SALTO KS simulator's output."""
        return self.demo_dir / "salto-simulator.log"


def env_flag(name: str) -> bool:
    """Whether an environment variable is set to a true value."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def host_time_zone() -> str:
    """This machine's IANA time zone, or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    with contextlib.suppress(OSError):
        link = str(Path("/etc/localtime").readlink())
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    for candidate in filter(None, candidates):
        with contextlib.suppress(Exception):
            zoneinfo.ZoneInfo(candidate)
            return candidate
    return "UTC"


def parse_args(argv: list[str]) -> Settings:
    """Read the command line (environment variables give the defaults)."""
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        description=(
            "Start the PlaceOS, Deskbee and SALTO KS simulators and Home Assistant with the "
            "Workplace integration, onboarded and configured, and keep them running until Ctrl-C."
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        default=env_flag("DEMO_CHECK"),
        help=(
            "verify the sensors, the actions, the Deskbee webhooks and the SALTO KS doors, "
            "entries and pods, then stop (env DEMO_CHECK=1)"
        ),
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("DEMO_HOST", "127.0.0.1"),
        help="address Home Assistant listens on (default 127.0.0.1; 0.0.0.0 for the LAN)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("DEMO_PORT", DEFAULT_HA_PORT)),
        help="preferred Home Assistant port; a free one is used if it is taken",
    )
    parser.add_argument(
        "--sim-port",
        type=int,
        default=int(os.environ.get("DEMO_SIM_PORT", DEFAULT_SIM_PORT)),
        help="preferred PlaceOS simulator port; a free one is used if it is taken",
    )
    parser.add_argument(
        "--deskbee-port",
        type=int,
        default=int(os.environ.get("DEMO_DESKBEE_PORT", DEFAULT_DESKBEE_PORT)),
        help="preferred Deskbee simulator port; a free one is used if it is taken",
    )
    parser.add_argument(
        "--salto-port",
        type=int,
        default=int(os.environ.get("DEMO_SALTO_PORT", DEFAULT_SALTO_PORT)),
        help="preferred SALTO KS simulator port; a free one is used if it is taken",
    )
    parser.add_argument(
        "--demo-dir",
        type=Path,
        default=Path(os.environ.get("DEMO_DIR", REPO / ".demo")),
        help="working directory for config and logs (its config/ is recreated every run)",
    )
    parser.add_argument(
        "--time-zone",
        default=os.environ.get("DEMO_TIME_ZONE") or host_time_zone(),
        help="Home Assistant's time zone (default: this machine's)",
    )
    parser.add_argument(
        "--country",
        default=os.environ.get("DEMO_COUNTRY", "US"),
        help="Home Assistant's country code (default US)",
    )
    parser.add_argument(
        "--ha-logs",
        action="store_true",
        help="show Home Assistant's log output here instead of only in the log file",
    )
    parser.add_argument(
        "--deadline",
        type=float,
        default=SENSORS_DEADLINE,
        help="with --check, fail if the sensors took longer than this many seconds",
    )
    args = parser.parse_args(argv)
    return Settings(
        check=args.check,
        host=args.host,
        ha_port=args.port,
        sim_port=args.sim_port,
        deskbee_port=args.deskbee_port,
        salto_port=args.salto_port,
        demo_dir=args.demo_dir.resolve(),
        time_zone=args.time_zone,
        country=args.country,
        ha_logs=args.ha_logs,
        deadline=args.deadline,
    )


# ------------------------------------------------------------------------------------ ports


ALL_INTERFACES = ("0.0.0.0", "::")  # noqa: S104 - only when asked with --host


def local_url(host: str, port: int) -> str:
    """How this machine reaches a listener on host:port."""
    if host in ALL_INTERFACES:
        host = "127.0.0.1" if host == "0.0.0.0" else "::1"  # noqa: S104
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def port_is_free(host: str, port: int) -> bool:
    """Whether a listener could bind host:port now (same options as aiohttp's sites)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def any_free_port(host: str) -> int:
    """A port the OS considers free right now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def pick_port(host: str, preferred: int, taken: set[int]) -> int:
    """The preferred port if free, else a nearby one, else any free port."""
    for port in range(preferred, preferred + PORT_ATTEMPTS):
        if port not in taken and port_is_free(host, port):
            return port
    while (port := any_free_port(host)) in taken:
        pass
    return port


# ----------------------------------------------------------------------------- requirements


def missing_requirements(config_domains: set[str]) -> list[str]:
    """Requirements Home Assistant would pip-install at start, i.e. that are not installed.

    Follows what Home Assistant resolves at start: the configured domains, its default
    integrations, the platforms of the Workplace integration, and recursively their
    dependencies and after-dependencies.
    """
    import homeassistant  # noqa: PLC0415 - imported only when the demo starts Home Assistant
    from homeassistant import bootstrap  # noqa: PLC0415
    from homeassistant.util.package import is_installed  # noqa: PLC0415

    components = Path(homeassistant.__file__).parent / "components"
    domains = (
        config_domains
        | set(bootstrap.DEFAULT_INTEGRATIONS)
        | set(bootstrap.CORE_INTEGRATIONS)
        | {DOMAIN}
        | {p.stem for p in INTEGRATION_DIR.glob("*.py") if (components / p.stem).is_dir()}
    )
    seen: set[str] = set()
    requirements: set[str] = set()
    todo = sorted(domains)
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest_path = (
            INTEGRATION_DIR / "manifest.json"
            if domain == DOMAIN
            else components / domain / "manifest.json"
        )
        if not manifest_path.is_file():
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        requirements.update(manifest.get("requirements", []))
        todo.extend(manifest.get("dependencies", []) + manifest.get("after_dependencies", []))
    return sorted(req for req in requirements if not is_installed(req))


# ------------------------------------------------------------------------------- processes


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the demo dies without cleaning up (Linux only)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            pr_set_pdeathsig = 1
            ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


async def spawn(
    args: list[str], *, stdout: int | IO[Any] | None, stderr: int | IO[Any] | None
) -> asyncio.subprocess.Process:
    """Start a child in its own session, so Ctrl-C reaches only the demo, which stops it."""
    return await asyncio.create_subprocess_exec(
        *args,
        cwd=REPO,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


async def terminate(proc: asyncio.subprocess.Process | None, name: str, timeout: float) -> None:
    """Ask a child to stop, then kill it if it does not."""
    if proc is None or proc.returncode is not None:
        return
    say(f"stopping {name}")
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        say(f"{name} did not stop within {timeout:.0f}s; killing it")
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()


SIMULATOR_NAMES = {
    "placeos": "the PlaceOS simulator",
    "deskbee": "the Deskbee simulator",
    "salto_ks": "the SALTO KS simulator",
}
# What a user types in each provider's credential step, from what its simulator announced.
CREDENTIALS = {
    "placeos": ("url", "api_key"),
    "deskbee": ("url", "client_id", "client_secret"),
    "salto_ks": ("url", "identity_url", "client_id", "client_secret", "username", "password"),
}
# The steps of each provider's config flow, in order (the entry is created after the last).
FLOW_STEPS = {
    "placeos": ("user", "placeos", "scope"),
    "deskbee": ("user", "deskbee", "scope", "webhook"),
    "salto_ks": ("user", "salto_ks", "site"),
}


@dataclass
class Simulator:
    """A simulator child process and what it announced (address and credentials)."""

    provider: str  # "placeos", "deskbee" or "salto_ks"
    proc: asyncio.subprocess.Process
    port: int
    announced: dict[str, str]
    log: IO[bytes]
    drain: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        """How progress lines call it."""
        return SIMULATOR_NAMES[self.provider]

    @property
    def url(self) -> str:
        """Its base address (Deskbee's API lives under ``/v1.1``, SALTO KS's under ``/v1.x``)."""
        return self.announced["url"]

    def credentials(self) -> dict[str, str]:
        """The answer to the provider's credential step of the config flow."""
        return {key: self.announced[key] for key in CREDENTIALS[self.provider]}


def simulator_args(settings: Settings, provider: str, port: int) -> list[str]:
    """The command line of ``python -m tests.simulators`` for a provider."""
    args = [provider, "--port", str(port), "--activity"]
    if provider == "deskbee":
        # The account books in its own time zone; the integration books in Home Assistant's.
        args += ["--seed", str(DESKBEE_SEED), "--timezone", settings.time_zone]
    return args


async def start_simulator(
    settings: Settings,
    provider: str,
    port: int,
    log_path: Path,
    *,
    extra: tuple[str, ...] = (),
    append: bool = False,
) -> Simulator:
    """Start ``python -m tests.simulators <provider>`` and read its address and credentials."""
    name = SIMULATOR_NAMES[provider]
    log = log_path.open("ab" if append else "wb")
    proc = await spawn(
        [
            sys.executable,
            "-m",
            "tests.simulators",
            *simulator_args(settings, provider, port),
            *extra,
        ],
        stdout=asyncio.subprocess.PIPE,
        stderr=log,
    )
    assert proc.stdout is not None  # noqa: S101 - asked for a pipe above
    deadline = time.monotonic() + SIMULATOR_START_TIMEOUT
    while True:
        remaining = deadline - time.monotonic()
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), max(remaining, 0.01))
        except TimeoutError:
            await terminate(proc, name, SIMULATOR_STOP_TIMEOUT)
            log.close()
            raise DemoError(
                f"{name} printed no address within {SIMULATOR_START_TIMEOUT:.0f}s;"
                f" its log ({log_path}):\n{tail(log_path)}"
            ) from None
        if not line:
            await proc.wait()
            log.close()
            raise DemoError(
                f"{name} exited (code {proc.returncode}) before printing its address;"
                f" its log ({log_path}):\n{tail(log_path)}"
            )
        log.write(line)
        log.flush()
        with contextlib.suppress(ValueError):
            announced = json.loads(line)
            if isinstance(announced, dict) and isinstance(announced.get(provider), dict):
                details = {key: str(value) for key, value in announced[provider].items()}
                sim = Simulator(provider, proc, port, details, log)
                # Keep reading stdout so the simulator never blocks on a full pipe.
                sim.drain = asyncio.create_task(_drain(proc.stdout, log))
                return sim


async def stop_simulator(sim: Simulator | None) -> None:
    """Stop a simulator and close its log."""
    if sim is None:
        return
    await terminate(sim.proc, sim.name, SIMULATOR_STOP_TIMEOUT)
    if sim.drain is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(sim.drain, 2)
    sim.log.close()


async def _drain(stream: asyncio.StreamReader, log: IO[bytes]) -> None:
    while line := await stream.readline():
        log.write(line)
        log.flush()


async def start_home_assistant(settings: Settings) -> asyncio.subprocess.Process:
    """Start Home Assistant on the demo config directory."""
    args = [
        sys.executable,
        "-m",
        "homeassistant",
        "--config",
        str(settings.config_dir),
        "--log-no-color",
    ]
    if settings.ha_logs:
        return await spawn(args, stdout=None, stderr=None)
    with settings.ha_log.open("ab") as log:
        return await spawn(args, stdout=log, stderr=asyncio.subprocess.STDOUT)


# ------------------------------------------------------------------------------- HA config


def write_config(settings: Settings, ha_port: int) -> set[str]:
    """Recreate the config directory; return the integrations it configures."""
    config_dir = settings.config_dir
    if config_dir.exists() or config_dir.is_symlink():
        shutil.rmtree(config_dir)
    config_dir.mkdir(parents=True)

    template = string.Template((TEMPLATE_DIR / "configuration.yaml").read_text(encoding="utf-8"))
    configuration = template.substitute(
        time_zone=settings.time_zone,
        country=settings.country,
        http_host=settings.host,
        http_port=ha_port,
        internal_url=local_url(settings.host, ha_port),
    )
    (config_dir / "configuration.yaml").write_text(configuration, encoding="utf-8")

    # The repository's integration, live (no copy): edits show up after a restart.
    (config_dir / "custom_components").mkdir()
    (config_dir / "custom_components" / DOMAIN).symlink_to(INTEGRATION_DIR)

    # Onboarding's core-config step, when posted, starts config flows for met,
    # google_translate, radio_browser and shopping_list; Home Assistant would pip-install
    # their requirements and they want the internet. The location, units and time zone it
    # is about come from configuration.yaml here, so the step is recorded as done up front;
    # the other steps go through the onboarding REST API.
    storage = config_dir / ".storage"
    storage.mkdir()
    onboarding = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": ["core_config"]},
    }
    (storage / "onboarding").write_text(json.dumps(onboarding, indent=2), encoding="utf-8")

    return {
        line.split(":", 1)[0]
        for line in configuration.splitlines()
        if line[:1].isalpha() and line.split(":", 1)[0].replace("_", "").isalnum()
    }


# ---------------------------------------------------------------------------- HA over HTTP


@dataclass
class HomeAssistantClient:
    """Talks to the demo's Home Assistant over its REST API."""

    session: aiohttp.ClientSession
    base_url: str
    token: str | None = None
    _headers: dict[str, str] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        """OAuth client id of the frontend (the base URL with a slash)."""
        return f"{self.base_url}/"

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> Any:
        """Send a request; return the decoded JSON answer or raise DemoError."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.base_url}{path}", json=json_body, data=form, headers=headers
        ) as response:
            text = await response.text()
            if response.status not in expect:
                raise DemoError(f"{method} {path} answered {response.status}: {text[:500]}")
            return json.loads(text) if text else None

    async def wait_until_serving(self, proc: asyncio.subprocess.Process, timeout: float) -> None:
        """Wait until the onboarding API answers (the HTTP server and frontend are up)."""
        await self._poll(
            proc,
            timeout,
            "Home Assistant's HTTP server",
            lambda: self._answers("/api/onboarding"),
        )

    async def wait_until_running(self, proc: asyncio.subprocess.Process, timeout: float) -> None:
        """Wait until Home Assistant reports that startup finished."""

        async def running() -> bool:
            config = await self.request("GET", "/api/config")
            return bool(config.get("state") == "RUNNING")

        await self._poll(proc, timeout, "Home Assistant to finish starting", running)

    async def _answers(self, path: str) -> bool:
        async with self.session.get(f"{self.base_url}{path}") as response:
            return response.status == 200  # noqa: PLR2004

    async def _poll(
        self,
        proc: asyncio.subprocess.Process,
        timeout: float,
        what: str,
        ready: Callable[[], Any],
    ) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if proc.returncode is not None:
                raise DemoError(f"Home Assistant exited (code {proc.returncode})")
            with contextlib.suppress(aiohttp.ClientError, DemoError, TimeoutError):
                if await ready():
                    return
            if time.monotonic() > deadline:
                raise DemoError(f"timed out after {timeout:.0f}s waiting for {what}")
            await asyncio.sleep(0.5)

    async def onboard(self) -> None:
        """Create the owner account and finish onboarding; keep an access token."""
        status = await self.request("GET", "/api/onboarding")
        if all(step["done"] for step in status):
            raise DemoError("Home Assistant is already onboarded (stale config directory?)")
        created = await self.request(
            "POST",
            "/api/onboarding/users",
            json_body={
                "client_id": self.client_id,
                "name": USER_NAME,
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        tokens = await self.request(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": created["auth_code"],
                "client_id": self.client_id,
            },
        )
        self.token = tokens["access_token"]
        # core_config is recorded as done in the seeded storage (see write_config).
        await self.request("POST", "/api/onboarding/analytics", json_body={})
        await self.request(
            "POST",
            "/api/onboarding/integration",
            json_body={
                "client_id": self.client_id,
                "redirect_uri": f"{self.base_url}/?auth_callback=1",
            },
        )
        status = await self.request("GET", "/api/onboarding")
        if not all(step["done"] for step in status):
            raise DemoError(f"onboarding did not finish: {status}")

    async def add_workplace_entry(
        self,
        sim: Simulator,
        on_webhook: Callable[[dict[str, str]], Awaitable[Simulator]] | None = None,
    ) -> dict[str, Any]:
        """Go through the Workplace config flow like a user would; return the entry.

        A Deskbee flow ends with a step that shows where Deskbee should deliver its webhooks
        and the key to sign them with; ``on_webhook`` gets them before the step is confirmed
        (as a user would paste them in the Deskbee panel) and returns the simulator to use.
        """
        result = await self.request(
            "POST",
            "/api/config/config_entries/flow",
            json_body={"handler": DOMAIN, "show_advanced_options": False},
        )
        for _ in range(10):
            if result.get("type") == "create_entry":
                return dict(result["result"])
            if result.get("type") != "form":
                raise DemoError(f"the config flow ended with {result}")
            if result.get("errors"):
                raise DemoError(f"the config flow's {result['step_id']} step: {result['errors']}")
            if result["step_id"] == "webhook" and on_webhook is not None:
                sim = await on_webhook(dict(result.get("description_placeholders") or {}))
            answer = flow_answer(result, sim)
            result = await self.request(
                "POST", f"/api/config/config_entries/flow/{result['flow_id']}", json_body=answer
            )
        raise DemoError("the config flow did not finish within 10 steps")

    async def try_a_host_name(self) -> list[str]:
        """Set up against a host name, not an address: the form says why, never HTTP 500.

        The name is looked up as for any real tenant (aiodns and pycares); nothing listens at
        the port, so the form must answer "cannot connect".
        """
        flows = "/api/config/config_entries/flow"
        result = await self.request("POST", flows, json_body={"handler": DOMAIN})
        flow = f"{flows}/{result['flow_id']}"
        await self.request("POST", flow, json_body={"provider": "deskbee"})
        url = "https://localhost:9"
        status, answer = await self.send(
            "POST", flow, {"url": url, "client_id": "demo", "client_secret": "not-a-secret"}
        )
        await self.send("DELETE", flow)
        errors = answer.get("errors") if isinstance(answer, dict) else None
        say(f"config flow against {url} answered HTTP {status}: {errors or answer}")
        if status != 200 or errors != {"base": "cannot_connect"}:  # noqa: PLR2004
            return [f"the config flow against {url} answered HTTP {status}: {answer}"]
        return []

    async def send(self, method: str, path: str, json_body: Any = None) -> tuple[int, Any]:
        """Send a request whatever it answers; return the status and the decoded answer."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with self.session.request(
            method, f"{self.base_url}{path}", json=json_body, headers=headers
        ) as response:
            return response.status, _decoded(await response.text())

    async def ws_answer(self, command: str, **arguments: Any) -> dict[str, Any]:
        """One websocket API command (on its own connection); its whole answer."""
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (answer := await ws.receive_json()).get("type") != "auth_ok":
                raise DemoError(f"websocket authentication failed: {answer}")
            await ws.send_json({"id": 1, "type": command, **arguments})
            result: dict[str, Any] = await ws.receive_json()
            return result

    async def ws_command(self, command: str, **arguments: Any) -> Any:
        """One websocket API command (on its own connection); its result or DemoError."""
        answer = await self.ws_answer(command, **arguments)
        if not answer.get("success"):
            raise DemoError(f"websocket {command}: {answer.get('error')}")
        return answer.get("result")

    @contextlib.asynccontextmanager
    async def state_changes(self, entity_ids: set[str]) -> AsyncIterator[StateChanges]:
        """Collect the state changes of some entities from now on, as the websocket API tells."""
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (answer := await ws.receive_json()).get("type") != "auth_ok":
                raise DemoError(f"websocket authentication failed: {answer}")
            await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
            if not (answer := await ws.receive_json()).get("success"):
                raise DemoError(f"websocket subscribe_events: {answer.get('error')}")
            changes = StateChanges(entity_ids)
            reader = asyncio.create_task(changes.read(ws))
            try:
                yield changes
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader

    async def entities_of(self, entry_id: str) -> list[dict[str, Any]]:
        """The entity registry entries of a config entry."""
        entities = await self.ws_command("config/entity_registry/list")
        return [e for e in entities if e.get("config_entry_id") == entry_id]

    async def status_sensors(self) -> dict[str, str]:
        """The space status sensors: entity id to state."""
        states = await self.request("GET", "/api/states")
        return {
            state["entity_id"]: state["state"]
            for state in states
            if STATUS_SENSOR.fullmatch(state["entity_id"])
        }

    async def ui_backends(self, entity_id: str) -> list[str]:
        """Ask the websocket API what the UI asks for panels and entity pages; list problems."""
        problems: list[str] = []
        since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        commands: dict[str, dict[str, Any]] = {
            "get_panels": {},
            "config/entity_registry/get": {"entity_id": entity_id},
            "history/history_during_period": {
                "start_time": since,
                "entity_ids": [entity_id],
                "minimal_response": True,
                "no_attributes": True,
            },
            "logbook/get_events": {"start_time": since, "entity_ids": [entity_id]},
            "search/related": {"item_type": "entity", "item_id": entity_id},
        }
        async with self.session.ws_connect(f"{self.base_url}/api/websocket") as ws:
            await ws.receive_json()  # auth_required
            await ws.send_json({"type": "auth", "access_token": self.token})
            if (answer := await ws.receive_json()).get("type") != "auth_ok":
                return [f"websocket authentication failed: {answer}"]
            results: dict[str, Any] = {}
            for number, (command, arguments) in enumerate(commands.items(), start=1):
                await ws.send_json({"id": number, "type": command, **arguments})
                answer = await ws.receive_json()
                if not answer.get("success"):
                    problems.append(f"websocket {command}: {answer.get('error')}")
                results[command] = answer.get("result")
        panels = sorted(results.get("get_panels") or {})
        say(f"UI panels: {', '.join(panels)}")
        # Developer tools are a page of the config panel since 2026.11 (/config/tools).
        wanted = {"lovelace", "config", "history", "logbook", "calendar"}
        if missing := wanted - set(panels):
            problems.append(f"panels missing: {sorted(missing)}")
        registry = results.get("config/entity_registry/get") or {}
        if registry.get("platform") != DOMAIN:
            problems.append(f"{entity_id} is not a {DOMAIN} entity: {registry}")
        return problems

    async def entity_counts(self) -> Counter[str]:
        """How many entities of each domain exist in total."""
        states = await self.request("GET", "/api/states")
        return Counter(state["entity_id"].split(".", 1)[0] for state in states)


@dataclass
class Change:
    """A state change of an entity, and when the demo heard of it (``time.monotonic()``)."""

    entity_id: str
    old: dict[str, Any]
    new: dict[str, Any]
    heard: float

    @property
    def fired(self) -> bool:
        """For an event entity: it fired (its state, a timestamp, moved and names the event)."""
        state = str(self.new.get("state"))
        return (
            state != self.old.get("state")
            and _is_timestamp(state)
            and bool(self.new.get("attributes", {}).get("event_type"))
        )


@dataclass
class StateChanges:
    """State changes of some entities, collected as the websocket API reports them."""

    entity_ids: set[str]
    changes: list[Change] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Collect from a websocket subscribed to ``state_changed`` until it closes."""
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            answer = json.loads(message.data)
            data = (answer.get("event") or {}).get("data") or {}
            if answer.get("type") == "event" and data.get("entity_id") in self.entity_ids:
                heard = time.monotonic()
                old, new = data.get("old_state") or {}, data.get("new_state") or {}
                self.changes.append(Change(data["entity_id"], old, new, heard))
                self._arrived.set()

    async def wait_for(
        self, wanted: Callable[[Change], bool], timeout: float, *, start: int = 0
    ) -> Change | None:
        """The first change (from index ``start``) that is wanted, waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        index = start
        while True:
            for change in self.changes[index:]:
                if wanted(change):
                    return change
            index = len(self.changes)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), remaining)


def remote_opening(event: str) -> Callable[[Change], bool]:
    """Whether a change is the door access event firing for an opening from afar."""
    return lambda change: (
        change.entity_id == event
        and change.fired
        and change.new["attributes"].get("method") == "remote"
    )


def _is_timestamp(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def flow_answer(form: dict[str, Any], sim: Simulator) -> dict[str, Any]:
    """What a user would enter in a step of the Workplace config flow for a simulator."""
    step = form["step_id"]
    if step not in FLOW_STEPS[sim.provider]:
        raise DemoError(f"unexpected {sim.provider} config flow step {step!r}: {form}")
    if step == "user":
        return {"provider": sim.provider}
    if step == sim.provider:
        return sim.credentials()
    if step == "scope":
        options = select_options(form, "zones")
        # Levels are labelled "<building> > <level>" (with a typographic angle quote);
        # buildings are the rest, and a building includes all of its levels.
        buildings = [o["value"] for o in options if "›" not in o["label"]]  # noqa: RUF001
        return {"zones": buildings or [o["value"] for o in options]}
    if step == "webhook":
        return {}  # only shows the webhook address and signing key
    # "site": the SALTO KS site the simulator announced, as the user would pick it.
    site_id = sim.announced["site_id"]
    offered = {o["value"]: o["label"] for o in select_options(form, "site_id")}
    if site_id not in offered:
        raise DemoError(f"the site step offers {offered}, not the simulated site {site_id}")
    return {"site_id": site_id}


def select_options(form: dict[str, Any], name: str) -> list[dict[str, str]]:
    """The options of a select field of a config flow form."""
    field = next((f for f in form["data_schema"] if f["name"] == name), None)
    if field is None:
        raise DemoError(f"the config flow's {form['step_id']} step has no {name!r} field")
    options: list[dict[str, str]] = field["selector"]["select"]["options"]
    return options


# ------------------------------------------------------------------------------------- main


WEBHOOK_ID = re.compile(r"(/api/webhook/)([^/?#]{4})[^/?#]*")


def masked(url: str) -> str:
    """A webhook address with most of its id hidden (the id is what lets anyone post)."""
    return WEBHOOK_ID.sub(r"\1\2…", url)


@dataclass
class DeskbeeApi:
    """The Deskbee simulator's own REST API, used as the ClientApi it printed credentials of."""

    session: aiohttp.ClientSession
    sim: Simulator
    token: str | None = None

    async def _token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.sim.announced["client_id"],
            "client_secret": self.sim.announced["client_secret"],
        }
        async with self.session.post(f"{self.sim.url}/v1.1/oauth/token", data=form) as response:
            answer = _decoded(await response.text())
            if response.status != 200 or not isinstance(answer, dict):  # noqa: PLR2004
                raise DemoError(f"{self.sim.name} refused its own credentials ({response.status})")
            return str(answer["access_token"])

    async def request(self, method: str, path: str) -> tuple[int, Any]:
        """Send a request with a bearer token; return the status and the decoded answer."""
        if self.token is None:
            self.token = await self._token()
        async with self.session.request(
            method,
            path if path.startswith("http") else f"{self.sim.url}/v1.1{path}",
            headers={"Authorization": f"Bearer {self.token}", "Accept": "application/json"},
        ) as response:
            return response.status, _decoded(await response.text())

    async def get_all(self, path: str) -> list[dict[str, Any]]:
        """Every item of a paged list, following ``links.next``."""
        items: list[dict[str, Any]] = []
        url: str | None = f"{path}{'&' if '?' in path else '?'}limit=250"
        while url:
            status, answer = await self.request("GET", url)
            if status != 200:  # noqa: PLR2004
                raise DemoError(f"{self.sim.name}: GET {path} answered {status}: {answer}")
            items.extend(answer["data"])
            url = (answer.get("links") or {}).get("next")
        return items

    async def account(self) -> dict[str, list[str]]:
        """What identifies the seeded account: its buildings, floors and places."""
        return {
            kind: sorted(str(item["uuid"]) for item in await self.get_all(f"/{kind}"))
            for kind in ("buildings", "floors", "places")
        }


@dataclass
class SaltoApi:
    """The SALTO KS simulator's Connect API, as the site admin whose login it printed."""

    session: aiohttp.ClientSession
    sim: Simulator
    token: str | None = None

    @property
    def site(self) -> str:
        """The path of the simulated site (under an API version)."""
        return f"/sites/{self.sim.announced['site_id']}"

    async def _token(self) -> str:
        """An access token: password grant, the client authenticated with HTTP Basic."""
        announced = self.sim.announced
        form = {
            "grant_type": "password",
            "username": announced["username"],
            "password": announced["password"],
            "scope": "user_api.full_access",
        }
        async with self.session.post(
            f"{announced['identity_url']}/connect/token",
            data=form,
            headers={
                "Authorization": aiohttp.encode_basic_auth(
                    announced["client_id"], announced["client_secret"]
                )
            },
        ) as response:
            answer = _decoded(await response.text())
            if response.status != 200 or not isinstance(answer, dict):  # noqa: PLR2004
                raise DemoError(f"{self.sim.name} refused its own login ({response.status})")
            return str(answer["access_token"])

    async def get(self, path: str) -> Any:
        """GET a Connect API path (``/v1.x/...``) with a bearer token; the decoded answer."""
        if self.token is None:
            self.token = await self._token()
        async with self.session.get(
            f"{self.sim.url}{path}", headers={"Authorization": f"Bearer {self.token}"}
        ) as response:
            answer = _decoded(await response.text())
            if response.status != 200:  # noqa: PLR2004
                raise DemoError(f"{self.sim.name}: GET {path} answered {response.status}: {answer}")
            return answer

    async def items(self, path: str) -> list[dict[str, Any]]:
        """The items of a Connect API list (an ``{items, next_page_link}`` envelope)."""
        answer = await self.get(path)
        items: list[dict[str, Any]] = answer["items"] if isinstance(answer, dict) else answer
        return items

    async def app_code(self) -> str:
        """The code the SALTO KS app shows the site admin right now."""
        async with self.session.get(self.sim.announced["otp"]) as response:
            text = await response.text()
            if response.status != 200:  # noqa: PLR2004
                raise DemoError(f"{self.sim.name} shows no app code ({response.status}: {text})")
            return text.strip()


def _decoded(text: str) -> Any:
    """A JSON answer decoded, or its text if it is not JSON."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def place_type(place: dict[str, Any]) -> str:
    """A place's type: a string in /places, an object in bookings."""
    kind = place.get("type")
    return str(kind.get("name") if isinstance(kind, dict) else kind)


@dataclass
class SaltoEntities:
    """A SALTO KS entry's entities, found by their unique ids: ``salto_ks_<site>_<id>_<key>``."""

    doors: dict[str, str] = field(default_factory=dict)  # lock entity to lock id
    events: dict[str, str] = field(default_factory=dict)  # access event entity to lock id
    pods: dict[str, str] = field(default_factory=dict)  # pod id to its guests sensor

    @classmethod
    def of(cls, registry: list[dict[str, Any]], site_id: str) -> SaltoEntities:
        """Sort an entry's entity registry entries."""
        found = cls()
        prefix = f"salto_ks_{site_id}_"
        for entity in registry:
            entity_id, unique_id = str(entity["entity_id"]), str(entity.get("unique_id"))
            if not unique_id.startswith(prefix):
                continue
            # Lock and pod ids are UUIDs: the key follows the first underscore after them.
            object_id, _, key = unique_id.removeprefix(prefix).partition("_")
            if entity_id.startswith("lock.") and key == "door":
                found.doors[entity_id] = object_id
            elif entity_id.startswith("event.") and key == "access":
                found.events[entity_id] = object_id
            elif entity_id.startswith("sensor.") and key == "guests":
                found.pods[object_id] = entity_id
        return found


class Demo:
    """Owns the child processes and the steps between them."""

    def __init__(self, settings: Settings) -> None:
        """Nothing runs yet."""
        self.settings = settings
        self.placeos: Simulator | None = None
        self.deskbee: Simulator | None = None
        self.salto: Simulator | None = None
        self.ha: asyncio.subprocess.Process | None = None
        self.entries: dict[str, str] = {}  # provider to config entry id
        self.titles: dict[str, str] = {}  # provider to config entry title
        self.webhook_url = ""
        self.expected_errors: list[str] = []  # messages Home Assistant logs at ERROR on purpose
        self.stop_requested = asyncio.Event()

    def request_stop(self, signum: int) -> None:
        """Signal handler: stop soon."""
        if self.stop_requested.is_set():
            return
        print(flush=True)
        say(f"got {signal.Signals(signum).name}; shutting down")
        self.stop_requested.set()

    async def interruptible[T](self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await something, unless a stop is requested first."""
        task = asyncio.create_task(coroutine)
        stopper = asyncio.create_task(self.stop_requested.wait())
        done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            stopper.cancel()
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise Stopped

    async def run(self) -> int:
        """Start everything, report, wait; always clean up."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, self.request_stop, signum)
        try:
            return await self._run()
        except Stopped:
            return 130
        except (DemoError, aiohttp.ClientError, TimeoutError) as err:
            say(f"ERROR: {err or type(err).__name__}")
            if self.ha is not None and not self.settings.ha_logs:
                print(f"--- last lines of {self.settings.ha_log} ---\n{tail(self.settings.ha_log)}")
            return 1
        finally:
            await terminate(self.ha, "Home Assistant", HA_STOP_TIMEOUT)
            for sim in (self.placeos, self.deskbee, self.salto):
                await stop_simulator(sim)

    async def _start_simulators(
        self, placeos_port: int, deskbee_port: int, salto_port: int
    ) -> None:
        """Start the simulators side by side; keep whichever started, for the clean-up."""
        settings = self.settings
        results = await asyncio.gather(
            start_simulator(settings, "placeos", placeos_port, settings.sim_log),
            start_simulator(settings, "deskbee", deskbee_port, settings.deskbee_log),
            start_simulator(settings, "salto_ks", salto_port, settings.salto_log),
            return_exceptions=True,
        )
        placeos, deskbee, salto = results
        self.placeos = placeos if isinstance(placeos, Simulator) else None
        self.deskbee = deskbee if isinstance(deskbee, Simulator) else None
        self.salto = salto if isinstance(salto, Simulator) else None
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _run(self) -> int:  # noqa: PLR0915 - the demo's steps, in order
        settings = self.settings
        settings.demo_dir.mkdir(parents=True, exist_ok=True)
        settings.ha_log.write_bytes(b"")

        ha_port = pick_port(settings.host, settings.ha_port, set())
        sim_port = pick_port("127.0.0.1", settings.sim_port, {ha_port})
        deskbee_port = pick_port("127.0.0.1", settings.deskbee_port, {ha_port, sim_port})
        salto_port = pick_port("127.0.0.1", settings.salto_port, {ha_port, sim_port, deskbee_port})
        for name, wanted, got in (
            ("Home Assistant", settings.ha_port, ha_port),
            ("the PlaceOS simulator", settings.sim_port, sim_port),
            ("the Deskbee simulator", settings.deskbee_port, deskbee_port),
            ("the SALTO KS simulator", settings.salto_port, salto_port),
        ):
            if got != wanted:
                say(f"port {wanted} is taken; {name} uses {got} instead")

        config_domains = write_config(settings, ha_port)
        say(f"wrote {settings.config_dir} (integrations: {', '.join(sorted(config_domains))})")
        missing = missing_requirements(config_domains)
        if missing:
            message = (
                "Home Assistant would pip-install these at start; pin them in "
                f"requirements_demo.txt: {', '.join(missing)}"
            )
            if settings.check:
                raise DemoError(message)
            say(f"WARNING: {message}")

        say(
            f"starting the PlaceOS simulator on port {sim_port}, the Deskbee simulator on "
            f"port {deskbee_port} (time zone {settings.time_zone}) and the SALTO KS simulator "
            f"on port {salto_port}"
        )
        await self.interruptible(self._start_simulators(sim_port, deskbee_port, salto_port))
        assert self.placeos is not None  # noqa: S101 - started above
        assert self.deskbee is not None  # noqa: S101 - started above
        assert self.salto is not None  # noqa: S101 - started above
        say(
            f"simulators up at {self.placeos.url} (PlaceOS), {self.deskbee.url} (Deskbee) and "
            f"{self.salto.url} (SALTO KS)"
        )

        say(f"starting Home Assistant on {settings.host}:{ha_port} (log: {settings.ha_log})")
        ha_started = time.time()
        self.ha = await start_home_assistant(settings)

        base_url = local_url(settings.host, ha_port)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            ha = HomeAssistantClient(session, base_url)
            await self.interruptible(ha.wait_until_serving(self.ha, HA_HTTP_TIMEOUT))
            say(f"Home Assistant is serving after {time.time() - ha_started:.1f}s; onboarding")
            await self.interruptible(ha.onboard())
            say(f"onboarded; user {USERNAME!r} created")
            # Since 2026.11 Home Assistant takes configuration.yaml's http: section as a
            # trial, asks in the UI to confirm it and goes back to port 8123 five minutes
            # later if nobody does: confirm it, as its dialog would.
            await self.interruptible(ha.ws_command("http/config/promote"))
            await self.interruptible(ha.wait_until_running(self.ha, HA_RUNNING_TIMEOUT))
            say(f"Home Assistant is running after {time.time() - ha_started:.1f}s")
            for sim in (self.placeos, self.deskbee, self.salto):
                say(f"adding a Workplace entry for {sim.name} through the config flow")
                on_webhook = (
                    partial(self._deliver_webhooks, ha) if sim.provider == "deskbee" else None
                )
                entry = await self.interruptible(ha.add_workplace_entry(sim, on_webhook))
                self.entries[sim.provider] = str(entry["entry_id"])
                self.titles[sim.provider] = str(entry.get("title"))
                say(f"entry {entry.get('title')!r} added (state: {entry.get('state', '?')})")
            sensors = await self.interruptible(self._wait_for_sensors(ha))
            await self.interruptible(self._add_dashboard(ha, sensors))
            now = time.time()
            elapsed, elapsed_ha, elapsed_setup = now - STARTED, now - ha_started, STARTED - T0
            summary = ", ".join(f"{n} {s}" for s, n in Counter(sensors.values()).most_common())
            say(
                f"{len(sensors)} space status sensors listed in /api/states ({summary}) "
                f"{elapsed:.1f}s after start ({elapsed_ha:.1f}s after launching Home Assistant; "
                f"preparing .venv took {elapsed_setup:.1f}s)"
            )
            if settings.check:
                return await self._check(ha, sensors, elapsed)
            self._banner(base_url)
        return await self._serve()

    async def _deliver_webhooks(self, ha: HomeAssistantClient, shown: dict[str, str]) -> Simulator:
        """Restart the Deskbee simulator so that it delivers signed webhooks to Home Assistant.

        The simulator takes its webhook subscription on the command line only. Restarted with
        the same port, seed and time zone it seeds the same account: same address, client id
        and secret (so what the flow just checked stays valid) and the same buildings, floors
        and places (so the chosen zones too). Both are verified.
        """
        old = self.deskbee
        assert old is not None  # noqa: S101 - started before the flows
        url, secret = shown.get("webhook_url", ""), shown.get("webhook_secret", "")
        if not url or not secret:
            raise DemoError(f"the webhook step shows no webhook address or key: {sorted(shown)}")
        if not url.startswith(f"{ha.base_url}/api/webhook/"):
            raise DemoError(
                f"the webhook address {masked(url)} does not point at this Home Assistant "
                f"({ha.base_url}); is internal_url set in configuration.yaml?"
            )
        self.webhook_url = url
        before = await DeskbeeApi(ha.session, old).account()
        say(f"restarting the Deskbee simulator to deliver signed webhooks to {masked(url)}")
        restart_began = time.monotonic()
        await stop_simulator(old)
        self.deskbee = None
        new = self.deskbee = await start_simulator(
            self.settings,
            "deskbee",
            old.port,
            self.settings.deskbee_log,
            extra=("--webhook-url", url, "--webhook-secret", secret),
            append=True,
        )
        if new.announced != old.announced:
            changed = sorted(k for k in old.announced if old.announced[k] != new.announced.get(k))
            raise DemoError(f"the restarted Deskbee simulator announced other {', '.join(changed)}")
        after = await DeskbeeApi(ha.session, new).account()
        if after != before:
            raise DemoError("the restarted Deskbee simulator seeded another account")
        say(
            f"Deskbee simulator restarted in {time.monotonic() - restart_began:.1f}s: same "
            f"address and credentials (a token was issued), same {len(after['buildings'])} "
            f"buildings, {len(after['floors'])} floors and {len(after['places'])} places"
        )
        return new

    async def _wait_for_sensors(self, ha: HomeAssistantClient) -> dict[str, str]:
        """Wait until status sensors exist and their number has settled."""
        assert self.ha is not None  # noqa: S101 - started before
        deadline = time.monotonic() + SENSORS_TIMEOUT
        previous = -1
        while True:
            if self.ha.returncode is not None:
                raise DemoError(f"Home Assistant exited (code {self.ha.returncode})")
            sensors = await ha.status_sensors()
            if sensors and len(sensors) == previous:
                return sensors
            previous = len(sensors)
            if time.monotonic() > deadline:
                raise DemoError(
                    f"no space status sensors (sensor.*_status) after {SENSORS_TIMEOUT:.0f}s"
                )
            await asyncio.sleep(1)

    async def _add_dashboard(self, ha: HomeAssistantClient, sensors: dict[str, str]) -> None:
        """Add a dashboard of Workplace cards, as a user would in the dashboard editor.

        One card for the PlaceOS level and one for the Deskbee floor with the most bookings
        waiting for a check-in (so there are Check in buttons to press), one for the doors of
        the SALTO KS site.
        """
        devices = await ha.ws_command("config/device_registry/list")
        entities = await ha.ws_command("config/entity_registry/list")
        device_of = {entity["entity_id"]: entity["device_id"] for entity in entities}
        by_id = {device["id"]: device for device in devices}
        waiting: Counter[str] = Counter()
        for entity_id, state in sensors.items():
            level = by_id.get(device_of.get(entity_id, ""), {}).get("via_device_id")
            waiting[level] += state == "booked"
        cards: list[dict[str, Any]] = []
        for provider in ("placeos", "deskbee"):
            levels = [
                device
                for device in devices
                if self.entries[provider] in device["config_entries"] and device["id"] in waiting
            ]
            level = max(levels, key=lambda device: (waiting[device["id"]], device["name"]))
            cards.append(
                {
                    "type": "custom:workplace-card",
                    "title": level["name"],
                    "zone": level["id"],
                    "doors": False,
                }
            )
        site = next(
            device
            for device in devices
            if self.entries["salto_ks"] in device["config_entries"] and not device["via_device_id"]
        )
        cards.append(
            {
                "type": "custom:workplace-card",
                "title": f"Doors of {site['name']}",
                "zone": site["id"],
            }
        )
        await ha.ws_command(
            "lovelace/dashboards/create",
            url_path=DASHBOARD,
            title="Workplace",
            icon="mdi:office-building-marker",
            show_in_sidebar=True,
            require_admin=False,
            mode="storage",
        )
        await ha.ws_command(
            "lovelace/config/save",
            url_path=DASHBOARD,
            config={"views": [{"title": "Floors", "path": "floors", "cards": cards}]},
        )
        say(f"dashboard {DASHBOARD!r} added: {', '.join(card['title'] for card in cards)}")

    async def _check(self, ha: HomeAssistantClient, sensors: dict[str, str], elapsed: float) -> int:
        """The --check verdict."""
        entries = await ha.request("GET", f"/api/config/config_entries/entry?domain={DOMAIN}")
        states = {entry["entry_id"]: entry["state"] for entry in entries}
        counts = await ha.entity_counts()
        say(f"entities by domain: {dict(sorted(counts.items()))}")
        problems = await ha.ui_backends(min(sensors))
        placeos = self.entries["placeos"]
        spaces = {entity["entity_id"] for entity in await ha.entities_of(placeos)}
        problems += await self._exercise_actions(ha, placeos, spaces)
        problems += await self._check_push(ha, self.entries["deskbee"])
        problems += await self._check_salto(ha, self.entries["salto_ks"])
        problems += await ha.try_a_host_name()
        for provider, entry_id in self.entries.items():
            if states.get(entry_id) != "loaded":
                problems.append(f"the {provider} entry is {states.get(entry_id)!r}, not loaded")
        if len(entries) != len(self.entries):
            problems.append(f"expected {len(self.entries)} {DOMAIN} entries, found {len(entries)}")
        for path in ("/", CARD_URL):
            async with ha.session.get(f"{ha.base_url}{path}") as response:
                if response.status != 200:  # noqa: PLR2004
                    problems.append(f"the frontend answered {response.status} at {path}")
        if elapsed > self.settings.deadline:
            problems.append(
                f"sensors took {elapsed:.1f}s, more than the {self.settings.deadline:.0f}s allowed"
            )
        log_lines = tail(self.settings.ha_log, 100_000).splitlines()
        errors = [
            line
            for line in log_lines
            if (" ERROR " in line or " CRITICAL " in line)
            and not any(message in line for message in self.expected_errors)
        ]
        # Home Assistant's reports that Workplace uses something that will stop working.
        deprecations = [
            line
            for line in log_lines
            if (f"integration '{DOMAIN}'" in line or f"custom_components/{DOMAIN}/" in line)
            and ("will stop working" in line or "deprecated" in line.lower())
        ]
        say(f"deprecation reports about {DOMAIN} in the log: {len(deprecations)}")
        problems += [f"deprecated API: {line}" for line in deprecations]
        if errors:
            say(f"{len(errors)} ERROR lines in {self.settings.ha_log}:")
            for line in errors[:20]:
                print(f"    {line}")
            if any(DOMAIN in line for line in errors):
                problems.append("the Workplace integration logged errors")
        if problems:
            for problem in problems:
                say(f"CHECK FAILED: {problem}")
            return 1
        say("CHECK PASSED")
        return 0

    async def _exercise_actions(
        self, ha: HomeAssistantClient, entry_id: str, spaces: set[str]
    ) -> list[str]:
        """Book a free PlaceOS desk, check in and add a visitor, as a person would from the UI.

        The simulated building keeps booking desks too, so a desk that looked free may be
        taken a moment later: then the next free desk is tried.
        """
        now = time.time()
        booking = {
            "start": datetime.fromtimestamp(now - 60, UTC).isoformat(),
            "end": datetime.fromtimestamp(now + 900, UTC).isoformat(),
            "title": "Demo booking",
        }
        for status in await self._free_desks(ha, later_than=now + 900, among=spaces):
            try:
                await self._act(ha, entry_id, "create_booking", status, booking)
            except DemoError as err:
                say(f"could not book {status} ({err}); trying another desk")
                continue
            problems = await self._expect(ha, status, "booked", "booked")
            await self._act(ha, entry_id, "check_in", status, {})
            problems += await self._expect(ha, status, "checked_in", "checked_in")
            guest = {"email": "guest@example.com", "name": "Demo Guest"}
            await self._act(ha, entry_id, "add_guest", status, guest)
            await self._act(ha, entry_id, "check_in_guest", status, {"email": guest["email"]})
            problems += await self._expect(ha, status, "checked_in", "guest_arrived")
            await ha.request(
                "POST",
                f"/api/services/{DOMAIN}/signal",
                json_body={
                    "config_entry_id": entry_id,
                    "channel": "demo/doors/main",
                    "payload": {"door": "main", "opened": True},
                },
            )
            say("action signal: sent to PlaceOS channel demo/doors/main")
            return problems + await self._rooms_and_visitors(ha)
        return ["no free desk could be booked to try the actions on"]

    async def _rooms_and_visitors(self, ha: HomeAssistantClient) -> list[str]:
        """Rooms list their meetings in their calendars; levels list today's visitors."""
        states = await ha.request("GET", "/api/states")
        calendars = [s["entity_id"] for s in states if s["entity_id"].endswith("_meetings")]
        start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        period = urllib.parse.urlencode(
            {"start": start.isoformat(), "end": (start + timedelta(days=1)).isoformat()}
        )
        meetings = 0
        for calendar in calendars:
            meetings += len(await ha.request("GET", f"/api/calendars/{calendar}?{period}"))
        visitors = {
            s["entity_id"]: int(s["state"])
            for s in states
            if s["entity_id"].endswith("_expected_visitors") and s["state"].isdigit()
        }
        say(
            f"{len(calendars)} room calendars with {meetings} meetings today; "
            f"visitors expected today: {sum(visitors.values())} over {len(visitors)} zones"
        )
        problems = []
        if not calendars or not meetings:
            problems.append("no room calendar lists a meeting")
        if not any(visitors.values()):
            problems.append("no visitors expected today")
        return problems

    async def _free_desks(
        self, ha: HomeAssistantClient, later_than: float, among: set[str]
    ) -> list[str]:
        """Status sensors (of the given entities) of spaces free with nothing booked soon."""
        found = []
        for state in await ha.request("GET", "/api/states"):
            attributes = state["attributes"]
            upcoming = attributes.get("next_booking_start")
            if (
                state["entity_id"] in among
                and "next_booking_start" in attributes
                and state["state"] == "free"
                and (upcoming is None or datetime.fromisoformat(upcoming).timestamp() > later_than)
            ):
                found.append(state["entity_id"])
        return sorted(found)[:5]

    async def _act(
        self, ha: HomeAssistantClient, entry_id: str, service: str, space: str, data: dict[str, Any]
    ) -> dict[str, Any]:
        answer = await ha.request(
            "POST",
            f"/api/services/{DOMAIN}/{service}?return_response",
            json_body={"config_entry_id": entry_id, "space": space, **data},
        )
        response: dict[str, Any] = answer["service_response"]
        say(f"action {service} on {space}: answered {sorted(response)}")
        return response

    async def _expect(
        self, ha: HomeAssistantClient, status: str, expected: str, event_type: str
    ) -> list[str]:
        """Check the desk's status and its activity event entity right after an action."""
        activity = status.replace("sensor.", "event.").removesuffix("_status") + "_activity"
        states = {s["entity_id"]: s for s in await ha.request("GET", "/api/states")}
        shown = states.get(status, {}).get("state")
        fired = states.get(activity, {}).get("attributes", {}).get("event_type")
        say(f"  {status} is {shown!r}; {activity} last fired {fired!r}")
        problems = []
        if shown != expected:
            problems.append(f"{status} shows {shown!r}, not {expected!r}")
        if fired != event_type:
            problems.append(f"{activity} last fired {fired!r}, not {event_type!r}")
        return problems

    async def _check_push(self, ha: HomeAssistantClient, entry_id: str) -> list[str]:
        """Check a Deskbee desk in through the Deskbee API; its webhook must show it at once.

        Home Assistant polls Deskbee every 60 s, so only the signed webhook the simulator sends
        on the check-in can turn the desk's status sensor to ``checked_in`` within
        ``PUSH_DEADLINE``. A desk booked right now is checked in if there is one (the
        simulated account books and checks in by itself, so a booking may be taken a moment
        later: then the next is tried); else a free desk is booked through Home Assistant.
        """
        assert self.deskbee is not None  # noqa: S101 - started before
        api = DeskbeeApi(ha.session, self.deskbee)
        desks, push = await self._deskbee_sensors(ha, api, entry_id)
        states = {s["entity_id"]: s for s in await ha.request("GET", "/api/states")}
        desks = {entity: place for entity, place in desks.items() if entity in states}
        shown = Counter(states[entity]["state"] for entity in desks)
        summary = ", ".join(f"{n} {s}" for s, n in shown.most_common())
        example = f", e.g. {min(desks)}" if desks else ""
        say(f"Deskbee entry: {len(desks)} desk status sensors ({summary}){example}")
        if not desks:
            return ["the Deskbee entry has no desk status sensors"]
        if missing := {"last_push", "rejected_deliveries"} - set(push):
            return [f"the Deskbee entry has no push health sensors {sorted(missing)}"]

        timing: tuple[float, list[str]] | None = None
        for desks_to_try in (
            self._booked_desks(api, states, desks),
            self._book_desks(ha, api, entry_id, states, desks),
        ):
            async for entity, booking_id in desks_to_try:
                timing = await self._time_push(ha, api, entity, booking_id, push["last_push"])
                if timing is not None:
                    break
            if timing is not None:
                break
        if timing is None:
            return ["no Deskbee desk could be checked in to measure the webhook"]
        took, problems = timing
        if took > PUSH_DEADLINE:
            problems.append(
                f"the webhook took {took * 1000:.0f} ms to show the check-in, more than the "
                f"{PUSH_DEADLINE * 1000:.0f} ms allowed"
            )
        rejected = (await ha.request("GET", f"/api/states/{push['rejected_deliveries']}"))["state"]
        say(f"  {push['rejected_deliveries']}: {rejected} (deliveries refused for their signature)")
        if rejected != "0":
            problems.append(f"Home Assistant refused {rejected} webhook deliveries' signatures")
        return problems

    async def _deskbee_sensors(
        self, ha: HomeAssistantClient, api: DeskbeeApi, entry_id: str
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The entry's desk status sensors (to their place) and push health sensors."""
        workspaces = {
            str(place["uuid"])
            for place in await api.get_all("/places")
            if place_type(place) == "workspace"
        }
        desks: dict[str, str] = {}  # status sensor to place uuid
        push: dict[str, str] = {}  # push health figure to its sensor
        for entity in await ha.entities_of(entry_id):
            entity_id, unique_id = str(entity["entity_id"]), str(entity.get("unique_id"))
            # A space's unique id is "<entry unique id>_<place uuid>_status".
            place = unique_id.removesuffix("_status").rsplit("_", 1)[-1]
            if STATUS_SENSOR.fullmatch(entity_id) and place in workspaces:
                desks[entity_id] = place
            for figure in ("last_push", "rejected_deliveries"):
                if unique_id.endswith(f"_{figure}"):
                    push[figure] = entity_id
        return desks, push

    async def _booked_desks(
        self, api: DeskbeeApi, states: dict[str, Any], desks: dict[str, str]
    ) -> AsyncIterator[tuple[str, str]]:
        """Desks Home Assistant shows booked whose booking can be checked in right now."""
        now = datetime.now(UTC)
        booked = sorted(
            entity
            for entity in desks
            if states[entity]["state"] == "booked"
            and states[entity]["attributes"].get("booking_id")
        )
        for entity in booked[:10]:
            booking_id = str(states[entity]["attributes"]["booking_id"])
            status, answer = await api.request("GET", f"/bookings/{booking_id}")
            if status != 200:  # noqa: PLR2004
                continue
            booking = answer["data"]
            tolerance = booking.get("tolerance") or {}
            if (
                booking.get("state") == "reserved"
                and booking["place"]["uuid"] == desks[entity]
                and tolerance.get("checkin_min_time")
                and datetime.fromisoformat(tolerance["checkin_min_time"])
                <= now
                < datetime.fromisoformat(tolerance["checkin_max_time"])
            ):
                say(f"{entity} is booked now by {booking['person']['name']}")
                yield entity, booking_id

    async def _book_desks(
        self,
        ha: HomeAssistantClient,
        api: DeskbeeApi,
        entry_id: str,
        states: dict[str, Any],
        desks: dict[str, str],
    ) -> AsyncIterator[tuple[str, str]]:
        """Book free desks through Home Assistant for people of the account, from now on."""
        now = time.time()
        # Deskbee bookings start and end on one day, in the account's (and Home Assistant's)
        # time zone.
        local = datetime.now(zoneinfo.ZoneInfo(self.settings.time_zone))
        end = min(now + 900, local.replace(hour=23, minute=59, second=0).timestamp())
        if end < now + 120:
            say("too close to midnight to book a Deskbee desk for the check-in")
            return
        status, answer = await api.request("GET", "/users?limit=5")
        if status != 200 or not answer.get("data"):  # noqa: PLR2004
            say(f"{api.sim.name} lists no users ({status})")
            return
        emails = [str(user["email"]) for user in answer["data"]]
        free = [
            entity
            for entity in sorted(desks)
            if states[entity]["state"] == "free"
            and (
                not (upcoming := states[entity]["attributes"].get("next_booking_start"))
                or datetime.fromisoformat(upcoming).timestamp() > end
            )
        ]
        for attempt, entity in enumerate(free[:5]):
            booking = {
                "start": datetime.fromtimestamp(now - 60, UTC).isoformat(),
                "end": datetime.fromtimestamp(end, UTC).isoformat(),
                "user_email": emails[attempt % len(emails)],
            }
            try:
                response = await self._act(ha, entry_id, "create_booking", entity, booking)
            except DemoError as err:
                say(f"could not book {entity} ({err}); trying another desk")
                continue
            yield entity, str(response["booking"]["id"])

    async def _time_push(
        self, ha: HomeAssistantClient, api: DeskbeeApi, entity: str, booking_id: str, last_push: str
    ) -> tuple[float, list[str]] | None:
        """Check a booking in at the simulator; seconds until Home Assistant shows it, problems.

        None if the desk is not shown booked or the simulator refused the check-in (the
        simulated account was quicker).
        """
        if (shown := (await ha.request("GET", f"/api/states/{entity}"))["state"]) != "booked":
            say(f"  {entity} shows {shown!r}, not 'booked'; trying another desk")
            return None
        sent_at = datetime.now(UTC)
        began = time.monotonic()
        status, answer = await api.request("POST", f"/bookings/{booking_id}/checkin")
        answered = time.monotonic() - began
        if status != 200:  # noqa: PLR2004
            reason = answer.get("message") if isinstance(answer, dict) else answer
            say(f"  {api.sim.name} refused the check-in on {entity} ({status}: {reason})")
            return None
        state, took, polls, earlier = await self._poll_state(ha, entity, "checked_in", began)
        problems = []
        pushed = (await ha.request("GET", f"/api/states/{last_push}"))["state"]
        try:
            arrived = datetime.fromisoformat(pushed) >= sent_at - timedelta(seconds=1)
        except ValueError:
            arrived = False
        if not arrived:
            problems.append(f"{last_push} is {pushed!r}: no webhook arrived after the check-in")
        if state["state"] != "checked_in":
            problems.append(f"{entity} still shows {state['state']!r} {took:.1f}s after check-in")
            return took, problems
        # Home Assistant stamps the state when it writes it: the latency without polling.
        written = datetime.fromisoformat(state["last_changed"]) - sent_at
        say(
            f"checked {entity} in through the Deskbee API (answered in {answered * 1000:.0f} ms); "
            f"the webhook showed it as checked_in {took * 1000:.0f} ms after the request "
            f"(poll {polls}, every {PUSH_POLL * 1000:.0f} ms{earlier}); Home Assistant wrote "
            f"the state {written.total_seconds() * 1000:.0f} ms after the request"
        )
        return took, problems

    async def _poll_state(
        self, ha: HomeAssistantClient, entity: str, wanted: str, began: float
    ) -> tuple[dict[str, Any], float, int, str]:
        """Poll an entity every PUSH_POLL until it shows a state (or PUSH_TIMEOUT passes).

        Returns the last state, seconds since ``began``, polls made and when the last poll
        that saw another state was.
        """
        polls, earlier = 0, ""
        while True:
            polls += 1
            asked = time.monotonic() - began
            state: dict[str, Any] = await ha.request("GET", f"/api/states/{entity}")
            took = time.monotonic() - began
            if state["state"] == wanted or took > PUSH_TIMEOUT:
                return state, took, polls, earlier
            earlier = f"; the poll at {asked * 1000:.0f} ms still saw {state['state']!r}"
            await asyncio.sleep(max(0.0, began + polls * PUSH_POLL - time.monotonic()))

    async def _check_salto(self, ha: HomeAssistantClient, entry_id: str) -> list[str]:
        """Check the SALTO KS entry's doors, live door entries, opening with a code and pods.

        Doors and their access events exist and door entries arrive live; a door opens with
        the code of the SALTO KS app (and a wrong code is refused); a guest gets access to a
        pod for a time window and loses it again.
        """
        assert self.salto is not None  # noqa: S101 - started before
        api = SaltoApi(ha.session, self.salto)
        found = SaltoEntities.of(await ha.entities_of(entry_id), self.salto.announced["site_id"])
        states = {s["entity_id"]: s for s in await ha.request("GET", "/api/states")}
        shown = Counter(states.get(door, {}).get("state") for door in found.doors)
        summary = ", ".join(f"{n} {s}" for s, n in shown.most_common())
        fired = sorted(e for e in found.events if _is_timestamp(states.get(e, {}).get("state", "")))
        say(
            f"SALTO KS entry: {len(found.doors)} door locks ({summary}), e.g. "
            f"{min(found.doors, default='-')}; {len(found.events)} access event entities "
            f"({len(fired)} fired so far), e.g. {min(found.events, default='-')}; "
            f"{len(found.pods)} pods"
        )
        problems = []
        if not found.doors:
            problems.append("the SALTO KS entry has no door lock entities")
        if not found.events:
            problems.append("the SALTO KS entry has no door access event entities")
        if doors_without := set(found.doors.values()) - set(found.events.values()):
            problems.append(f"SALTO KS doors without an access event entity: {doors_without}")
        if problems:
            return problems
        async with ha.state_changes(set(found.events) | set(found.doors)) as changes:
            problems += await self._live_entry(changes, found)
            problems += await self._open_door(ha, api, changes, found)
        problems += await self._pod_guest(ha, api, entry_id, found)
        return problems

    async def _live_entry(self, changes: StateChanges, found: SaltoEntities) -> list[str]:
        """Wait for the simulated site's next door entry to fire an access event entity."""
        began = time.monotonic()
        say(f"waiting up to {ENTRIES_TIMEOUT:.0f}s for a live SALTO KS door entry")
        change = await changes.wait_for(
            lambda c: c.entity_id in found.events and c.fired, ENTRIES_TIMEOUT
        )
        if change is None:
            return [f"no SALTO KS door access event fired within {ENTRIES_TIMEOUT:.0f}s"]
        attributes = change.new["attributes"]
        problems = []
        if attributes.get("source") != "push":
            problems.append(
                f"the door entry came by {attributes.get('source')!r}, not pushed: is the live "
                "entries stream down?"
            )
        door_time = attributes.get("time")
        delay = ""
        if door_time and _is_timestamp(door_time):
            lag = datetime.fromisoformat(change.new["state"]) - datetime.fromisoformat(door_time)
            delay = f", {lag.total_seconds():.2f}s after the door's entry time (stamped to the s)"
        say(
            f"door entry live: {change.entity_id} fired {attributes['event_type']!r} "
            f"({attributes.get('person_name') or 'nobody known'} by {attributes.get('method')}, "
            f"via {attributes.get('source')}) {change.heard - began:.1f}s into the wait{delay}"
        )
        return problems

    async def _open_door(
        self, ha: HomeAssistantClient, api: SaltoApi, changes: StateChanges, found: SaltoEntities
    ) -> list[str]:
        """Open an online door with the app's code through Home Assistant, then try a wrong one."""
        locks = await api.items(f"/v1.2{api.site}/locks")
        entity_of = {lock_id: entity for entity, lock_id in found.doors.items()}
        online = sorted(
            (
                lock
                for lock in locks
                if lock["id"] in entity_of
                and lock.get("online")
                and (lock.get("iq") or {}).get("is_online")
                and (lock.get("iq") or {}).get("otp_enabled")
            ),
            key=lambda lock: (lock.get("locked_state") != "locked", entity_of[lock["id"]]),
        )
        if not online:
            return ["no SALTO KS door is online to open"]
        event_of = {lock_id: entity for entity, lock_id in found.events.items()}
        for lock in online[:3]:
            door = entity_of[lock["id"]]
            code = await api.app_code()
            mark = len(changes.changes)
            began = time.monotonic()
            status, answer = await ha.send(
                "POST", "/api/services/lock/open", {"entity_id": door, "code": code}
            )
            answered = time.monotonic() - began
            if status != 200:  # noqa: PLR2004 - went offline meanwhile? try another door
                say(f"could not open {door} ({status}: {str(answer)[:200]}); trying another door")
                continue
            shown = next((s["state"] for s in answer if s["entity_id"] == door), "unchanged")
            detail = await api.get(f"/v1.2{api.site}/locks/{lock['id']}")
            remote = await changes.wait_for(
                remote_opening(event_of[lock["id"]]), REMOTE_ENTRY_TIMEOUT, start=mark
            )
            say(
                f"opened {door} ({lock.get('customer_reference')}) with the app's code "
                f"{code!r} through lock.open: Home Assistant answered in {answered * 1000:.0f} ms "
                f"showing it {shown!r}; the Connect API reads it {detail.get('locked_state')!r}"
            )
            problems = []
            if detail.get("locked_state") != "unlocked":
                problems.append(f"the simulator shows {door} {detail.get('locked_state')!r}")
            if remote is None:
                problems.append(
                    f"{event_of[lock['id']]} did not fire a remote opening within "
                    f"{REMOTE_ENTRY_TIMEOUT:.0f}s"
                )
            else:
                attributes = remote.new["attributes"]
                say(
                    f"  {remote.entity_id} fired {attributes['event_type']!r} for "
                    f"{attributes.get('person_name')} by {attributes.get('method')} (via "
                    f"{attributes.get('source')}) {(remote.heard - began) * 1000:.0f} ms after "
                    "the request"
                )
            return problems + await self._wrong_code(ha, door)
        return ["no SALTO KS door could be opened with the app's code"]

    async def _wrong_code(self, ha: HomeAssistantClient, door: str) -> list[str]:
        """A well-formed but wrong code must be refused with a message a person understands.

        Called over the websocket API, as the frontend does: Home Assistant 2025.4's REST API
        turns a ServiceValidationError into a bare 500 (and logs a traceback).
        """
        answer = await ha.ws_answer(
            "call_service",
            domain="lock",
            service="open",
            service_data={"code": WRONG_CODE},
            target={"entity_id": door},
        )
        error = answer.get("error") or {}
        say(
            f"lock.open on {door} with the wrong code {WRONG_CODE!r}: refused "
            f"({error.get('code')}, {error.get('translation_key')}): {error.get('message')!r}"
        )
        if answer.get("success") or error.get("code") != "service_validation_error":
            return [f"a wrong code was not refused as invalid: {answer}"]
        # Home Assistant logs a refused call at ERROR; that line is expected here.
        self.expected_errors.append(str(error.get("message")).removeprefix("Validation error: "))
        return []

    async def _pod_guest(
        self, ha: HomeAssistantClient, api: SaltoApi, entry_id: str, found: SaltoEntities
    ) -> list[str]:
        """Give a guest access to a pod for two hours from now, then take it away."""
        pods = [p for p in await api.items(f"/v1.1{api.site}/pods") if p["id"] in found.pods]
        if not pods:
            return ["Home Assistant shows none of the SALTO KS site's pods"]
        room = sorted(pods, key=lambda p: (len(p["guests"]) - p["max_guest_amount"], p["id"]))
        pod = room[0]
        if len(pod["guests"]) >= pod["max_guest_amount"]:
            guest = pod["guests"][0]
            say(f"pod {pod['customer_reference']!r} is full; removing {guest['email']} first")
            await ha.request(
                "POST",
                f"/api/services/{DOMAIN}/remove_guest",
                json_body={
                    "config_entry_id": entry_id,
                    "pod_id": pod["id"],
                    "email": guest["email"],
                },
            )
        start = datetime.now(UTC).replace(microsecond=0)
        answer = await ha.request(
            "POST",
            f"/api/services/{DOMAIN}/add_guest?return_response",
            json_body={
                "config_entry_id": entry_id,
                "pod_id": pod["id"],
                **DEMO_GUEST,
                "start": start.isoformat(),
                "end": (start + GUEST_WINDOW).isoformat(),
            },
        )
        guest = answer["service_response"]["guest"]
        stored = await api.get(f"/v1.1{api.site}/pods/{pod['id']}")
        rule: dict[str, Any] = next(
            (g["access_rule"] for g in stored["guests"] if g["email"] == DEMO_GUEST["email"]), {}
        )
        window: dict[str, Any] = next(iter(rule.get("schedules") or []), {})
        say(
            f"workplace.add_guest: {guest.get('name')} <{guest.get('email')}> may enter pod "
            f"{pod['customer_reference']!r} ({len(rule.get('locks') or [])} doors) for "
            f"{GUEST_WINDOW.total_seconds() / 3600:.0f} h: access_rule "
            f"{guest.get('access_rule')!r}; the simulator stores "
            f"{window.get('start_date')} to {window.get('end_date')}"
        )
        problems = []
        if guest.get("access_rule") != "custom":
            problems.append(f"the pod guest's access rule is {guest.get('access_rule')!r}")
        if rule.get("access_rule_type") != "custom":
            problems.append(f"the simulator stores the pod guest's rule as {rule or 'missing'}")
        await ha.request(
            "POST",
            f"/api/services/{DOMAIN}/remove_guest",
            json_body={
                "config_entry_id": entry_id,
                "pod_id": pod["id"],
                "email": DEMO_GUEST["email"],
            },
        )
        stored = await api.get(f"/v1.1{api.site}/pods/{pod['id']}")
        left = sorted(g["email"] for g in stored["guests"])
        say(f"workplace.remove_guest: pod {pod['customer_reference']!r} now has guests {left}")
        if DEMO_GUEST["email"] in left:
            problems.append(f"{DEMO_GUEST['email']} is still a guest of the pod after removal")
        return problems

    def _banner(self, base_url: str) -> None:
        assert self.placeos is not None  # noqa: S101 - started before
        assert self.deskbee is not None  # noqa: S101 - started before
        assert self.salto is not None  # noqa: S101 - started before
        settings = self.settings
        lines = [
            f"Home Assistant:  {base_url}",
            f"Log in as:       {USERNAME} / {PASSWORD}   (a local demo-only account)",
            f"Dashboard:       {base_url}/{DASHBOARD}/floors   (the Workplace card)",
            f"PlaceOS entry:   {self.titles.get('placeos')!r}, simulator at {self.placeos.url}",
            f"Deskbee entry:   {self.titles.get('deskbee')!r}, simulator at {self.deskbee.url}",
            f"                 (API under /v1.1, time zone {settings.time_zone}; it pushes",
            f"                 signed webhooks to {masked(self.webhook_url)})",
            f"SALTO KS entry:  {self.titles.get('salto_ks')!r}, simulator at {self.salto.url}",
            "                 (doors open with the code the SALTO KS app shows, here:",
            f"                 {self.salto.announced['otp']}; door entries stream live)",
            "Credentials:     in the simulator logs (the first line of each)",
            f"Logs:            {settings.ha_log}",
            f"                 {settings.sim_log}",
            f"                 {settings.deskbee_log}",
            f"                 {settings.salto_log}",
            "Stop:            Ctrl-C (stops Home Assistant and the simulators)",
        ]
        if settings.host in ALL_INTERFACES:
            lines.insert(1, "                 (listening on all interfaces)")
        width = max(len(line) for line in lines)
        print("\n" + "=" * (width + 4))
        for line in lines:
            print(f"  {line}")
        print("=" * (width + 4) + "\n", flush=True)

    async def _serve(self) -> int:
        """Keep running until Ctrl-C or a child exits; restart Home Assistant on request."""
        assert self.ha is not None  # noqa: S101 - started before
        sims = [sim for sim in (self.placeos, self.deskbee, self.salto) if sim is not None]
        while True:
            ha_exit = asyncio.create_task(self.ha.wait())
            sim_exits = [asyncio.create_task(sim.proc.wait()) for sim in sims]
            stop = asyncio.create_task(self.stop_requested.wait())
            waiting = {ha_exit, stop, *sim_exits}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in waiting:
                task.cancel()
            if self.stop_requested.is_set():
                return 0
            for sim in sims:
                if sim.proc.returncode is not None:
                    say(
                        f"{sim.name} exited (code {sim.proc.returncode}); its log:\n"
                        f"{tail(Path(sim.log.name))}"
                    )
                    return 1
            if self.ha.returncode == RESTART_EXIT_CODE:
                say("Home Assistant asked to restart; restarting it")
                self.ha = await start_home_assistant(self.settings)
                continue
            say(f"Home Assistant exited (code {self.ha.returncode})")
            if not self.settings.ha_logs:
                print(f"--- last lines of {self.settings.ha_log} ---\n{tail(self.settings.ha_log)}")
            return self.ha.returncode or 1


def main() -> NoReturn:
    """Entry point."""
    settings = parse_args(sys.argv[1:])
    settings.demo_dir.mkdir(parents=True, exist_ok=True)
    lock = (settings.demo_dir / ".lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        say(f"ERROR: another scripts/demo is running with {settings.demo_dir} (see --demo-dir)")
        sys.exit(1)
    if Path(sys.prefix).resolve() != (REPO / ".venv").resolve():
        say(f"note: running with {sys.executable}, not the repository's .venv")
    sys.exit(asyncio.run(Demo(settings).run()))


if __name__ == "__main__":
    main()
