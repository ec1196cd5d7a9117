"""The card in a real browser: headless Chromium logs in to the demo's Home Assistant.

``scripts/demo`` runs as a user would start it (its own simulators, Home Assistant and the
dashboard it adds); Chromium (Debian's ``chromium``, or ``$WORKPLACE_CHROMIUM``) is driven by
Playwright. What the card shows is compared with what Home Assistant's REST API says.
Screenshots are kept in ``test-artifacts/browser/``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
import contextlib
import os
from pathlib import Path
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, Error as PlaywrightError, Page, async_playwright, expect
import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("WORKPLACE_CHROMIUM") or shutil.which("chromium")
DASHBOARD_LINE = re.compile(r"Dashboard:\s+(?P<url>http://\S+)\s")
DEMO_START_TIMEOUT = 300.0  # a fresh machine installs the demo's requirements first
USERNAME, PASSWORD = "demo", "demo1234"  # the demo's throw-away login (scripts/demo.py)
SETTLE_TIMEOUT = 20.0  # the simulated building keeps booking: compare until it agrees
RETRY_MS = 250

DESKTOP = {"width": 1280, "height": 1000}
PHONE = {"width": 390, "height": 844}

# Every status sensor below a zone's device, and every door of a SALTO KS site (Jinja,
# evaluated by Home Assistant's template API: the registries are not on the REST API).
BELOW_ZONE = """{{ integration_entities('workplace')
  | select('match', '(sensor\\\\.\\\\w+_status(_\\\\d+)?|lock\\\\.\\\\w+)$')
  | select('is_device_attr', 'via_device_id', zone) | list | tojson }}"""


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``scripts/demo`` running; the address of the dashboard it added."""
    if not CHROMIUM:
        pytest.fail(
            "Chromium not found: scripts/setup installs Debian's chromium (apt, as root); "
            "or set WORKPLACE_CHROMIUM to a Chromium executable"
        )
    demo_dir = tmp_path_factory.mktemp("demo")
    # The demo runs on the Home Assistant release this test runs on (scripts/setup --oldest).
    platform = ["--oldest"] if Path(sys.prefix).name == ".venv-oldest" else []
    demo = subprocess.Popen(  # noqa: S603 - our own script
        [
            REPO / "scripts" / "demo",
            *platform,
            f"--demo-dir={demo_dir}",
            "--port=18123",
            "--sim-port=18765",
            "--deskbee-port=18766",
            "--salto-port=18767",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield _dashboard_url(demo)
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()


def _dashboard_url(demo: subprocess.Popen[bytes]) -> str:
    """Read the demo's output until its banner names the dashboard.

    Read from the pipe itself: a buffered reader may hold the banner while select() waits.
    """
    assert demo.stdout is not None
    output = b""
    deadline = time.monotonic() + DEMO_START_TIMEOUT
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([demo.stdout], [], [], left)
        chunk = os.read(demo.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            break
        output += chunk
        if match := DASHBOARD_LINE.search(output.decode(errors="replace")):
            return match["url"]
    tail = output.decode(errors="replace").splitlines()[-40:]
    pytest.fail("scripts/demo did not show its dashboard:\n" + "\n".join(tail))


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Chromium."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield browser
        finally:
            await browser.close()


async def log_in(browser: Browser, url: str, **context: Any) -> Page:
    """Open the dashboard as a new visitor: Home Assistant's login page first."""
    origin = urlsplit(url)._replace(path="", query="", fragment="").geturl()
    page = await (await browser.new_context(base_url=origin, **context)).new_page()
    await page.goto(url)
    await page.get_by_role("textbox", name="Username").fill(USERNAME)
    await page.get_by_role("textbox", name="Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    try:
        await page.wait_for_url(url)
        await page.locator("workplace-card .space").first.wait_for()
        await page.locator("workplace-card .door").first.wait_for()
    except PlaywrightError:
        await screenshot(page, f"failed-log-in-{time.time():.0f}")
        raise
    return page


async def until_it_passes(page: Page, check: Callable[[], Awaitable[None]]) -> None:
    """Run the check until it passes; fail with its last complaint after a while."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while True:
        try:
            await check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await page.wait_for_timeout(RETRY_MS)
        else:
            return


async def screenshot(page: Page, name: str) -> None:
    """Keep what the page looks like."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


class HomeAssistantApi:
    """Home Assistant's REST API, with the token the browser's login obtained."""

    def __init__(self, page: Page) -> None:
        """Borrow the page's connection to Home Assistant."""
        self.page = page

    async def _headers(self) -> dict[str, str]:
        token = await self.page.evaluate(
            "document.querySelector('home-assistant').hass.auth.data.access_token"
        )
        return {"Authorization": f"Bearer {token}"}

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every entity's state."""
        answer = await self.page.request.get("/api/states", headers=await self._headers())
        assert answer.ok
        return {state["entity_id"]: state for state in await answer.json()}

    async def below(self, zone: str) -> set[str]:
        """The status sensors and doors whose device hangs right below the zone's."""
        answer = await self.page.request.post(
            "/api/template",
            headers=await self._headers(),
            data={"template": BELOW_ZONE.replace("zone", repr(zone))},
        )
        assert answer.ok, await answer.text()
        return set(await answer.json())


async def cards_config(page: Page) -> list[dict[str, Any]]:
    """The dashboard's cards, as saved (not as the card understood them)."""
    config = await page.evaluate(
        """document.querySelector('home-assistant').hass.callWS(
             {type: 'lovelace/config', url_path: location.pathname.split('/')[1]})"""
    )
    return list(config["views"][0]["cards"])


async def shown(page: Page) -> list[dict[str, dict[str, str]]]:
    """Per card: each tile's and each door's entity with what it shows."""
    return list(
        await page.locator("workplace-card").evaluate_all(
            """cards => cards.map(card => Object.fromEntries(
                 [...card.shadowRoot.querySelectorAll('[data-entity]:not(button)')].map(item =>
                   [item.dataset.entity,
                    {state: item.dataset.status ?? item.dataset.state,
                     text: item.innerText.replace(/\\s+/g, ' ').trim()}])))"""
        )
    )


async def test_the_card_shows_what_home_assistant_knows(dashboard: str) -> None:
    """Each card shows its zone's desks, rooms and doors, each in its entity's state."""
    async with chromium() as browser:
        page = await log_in(browser, dashboard, viewport=DESKTOP)
        api = HomeAssistantApi(page)
        cards = await cards_config(page)
        members = [await api.below(card["zone"]) for card in cards]
        assert all(members), "every zone of the demo's dashboard has spaces or doors"

        async def agree() -> None:
            states = await api.states()
            for card, wanted, items in zip(cards, members, await shown(page), strict=True):
                expected = {
                    entity_id
                    for entity_id in wanted
                    if card.get("doors", True) or not entity_id.startswith("lock.")
                }
                assert set(items) == expected, card["title"]
                for entity_id, item in items.items():
                    state = states[entity_id]
                    assert item["state"] == state["state"], entity_id
                    if booked_for := state["attributes"].get("booked_for"):
                        assert booked_for in item["text"], entity_id

        await until_it_passes(page, agree)
        await screenshot(page, "light-desktop")


async def test_check_in_from_the_card(dashboard: str) -> None:
    """A booked desk's Check in button checks the booking in; the tile turns checked in."""
    async with chromium() as browser:
        page = await log_in(browser, dashboard, viewport=DESKTOP)
        placeos_card = page.locator("workplace-card").first
        booked = placeos_card.locator(".space:has(button[data-action=check_in])").first
        entity_id = await booked.get_attribute("data-entity")
        assert entity_id
        tile = placeos_card.locator(f'.space[data-entity="{entity_id}"]')

        await tile.get_by_role("button", name="Check in").click()

        await expect(tile).to_have_attribute("data-status", "checked_in")
        await expect(tile.get_by_role("button", name="Check out")).to_be_visible()
        states = await HomeAssistantApi(page).states()
        assert states[entity_id]["state"] == "checked_in"
        await screenshot(page, "after-check-in")


def luminance(css_colour: str) -> float:
    """Relative brightness, 0 (black) to 1 (white), of a computed ``rgb(...)`` colour."""
    red, green, blue = (int(part) for part in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("screen", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
async def test_the_card_follows_the_theme_and_fits_the_screen(
    dashboard: str, scheme: str, screen: str, viewport: dict[str, int]
) -> None:
    """Readable in light and dark themes; on a phone, two tiles a row and nothing off-screen."""
    async with chromium() as browser:
        page = await log_in(browser, dashboard, viewport=viewport, color_scheme=scheme)
        tile = page.locator("workplace-card .space").first
        background = await tile.evaluate("tile => getComputedStyle(tile).backgroundColor")
        text = await tile.locator(".name").evaluate("name => getComputedStyle(name).color")
        dark, light = (background, text) if scheme == "dark" else (text, background)
        assert luminance(dark) < 0.3
        assert luminance(light) > 0.7
        assert await page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        first_tiles = page.locator("workplace-card").first.locator(".space")
        tops = await first_tiles.evaluate_all(
            "tiles => tiles.slice(0, 3).map(tile => Math.round(tile.getBoundingClientRect().top))"
        )
        per_row = tops.count(tops[0])
        assert per_row == 2 if screen == "phone" else per_row >= 2
        await screenshot(page, f"{scheme}-{screen}")
