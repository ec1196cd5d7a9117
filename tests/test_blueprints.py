"""The blueprints, loaded by Home Assistant's blueprint machinery and run against the simulators."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.const import DOMAIN as AUTOMATION
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from tests.conftest import loaded, settle, setup_entry
from tests.helpers import SaltoSite, SmallSite, book, entity_id, next_poll
from tests.test_services import act

BLUEPRINTS = Path(__file__).parent.parent / "blueprints" / "automation" / "workplace"


@pytest.fixture(autouse=True)
def blueprint_folder(hass: HomeAssistant, tmp_path: Path) -> None:
    """Install our blueprints where Home Assistant looks for them, as a user would."""
    hass.config.config_dir = str(tmp_path)
    shutil.copytree(BLUEPRINTS, tmp_path / "blueprints" / "automation" / "workplace")


async def use_blueprint(hass: HomeAssistant, name: str, **inputs: Any) -> None:
    """Set up one automation from one of our blueprints."""
    assert await async_setup_component(
        hass,
        AUTOMATION,
        {
            AUTOMATION: {
                "id": name,
                "alias": name,
                "use_blueprint": {"path": f"workplace/{name}.yaml", "input": inputs},
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get(f"automation.{name}").state == "on"


def test_every_blueprint_is_tested() -> None:
    """Each blueprint file has its test below."""
    tested = {"door_entry_checks_in", "desk_controls_device", "release_no_shows"}
    tested |= {"visitor_arrived_notify_host", "visitor_gets_pod_access"}
    assert {path.stem for path in BLUEPRINTS.glob("*.yaml")} == tested


async def test_door_entry_checks_in_the_booking(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Ada opens the front door with her tag: her desk booking is checked in; other doors and
    a refused tag do not."""
    sim = small_site.sim
    booking = book(sim, small_site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, site_entry)
    await loaded(hass, salto_entry, salto)
    await use_blueprint(
        hass,
        "door_entry_checks_in",
        doors=salto_entry.entry_id,
        bookings=site_entry.entry_id,
        lock_ids=[salto.front],
    )
    salto.sim.open_with_tag(salto.room, first_name="Ada", last_name="Lovelace")  # not this door
    salto.sim.open_with_tag(salto.front, first_name="Ada", last_name="Lovelace", granted=False)
    await settle(hass, salto, lambda: len(bus_events) >= 2)
    await hass.async_block_till_done()
    assert sim.booking(booking)["checked_in"] is False
    salto.sim.open_with_tag(salto.front, first_name="Ada", last_name="Lovelace")
    await settle(hass, salto, lambda: sim.booking(booking)["checked_in"] is True)
    await hass.async_block_till_done()
    status = entity_id(hass, "sensor", small_site.uid(small_site.desk1, "status"))
    assert hass.states.get(status).state == "checked_in"


async def test_checked_in_desk_turns_the_lamp_on_and_off(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Check-in turns the desk lamp on; check-out turns it off."""
    booking = book(small_site.sim, small_site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, site_entry)
    assert await async_setup_component(hass, "homeassistant", {})  # always there in a real one
    assert await async_setup_component(hass, "input_boolean", {"input_boolean": {"lamp": {}}})
    occupied = entity_id(hass, "binary_sensor", small_site.uid(small_site.desk1, "occupied"))
    await use_blueprint(
        hass, "desk_controls_device", occupied=occupied, target={"entity_id": "input_boolean.lamp"}
    )
    await act(hass, "check_in", site_entry, booking_id=booking)
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.lamp").state == "on"
    await act(hass, "check_out", site_entry, booking_id=booking)
    await hass.async_block_till_done()
    assert hass.states.get("input_boolean.lamp").state == "off"


async def test_a_no_show_is_released_after_the_tolerance(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nobody checks in: 15 minutes after the start the booking is cancelled, not before."""
    sim = small_site.sim
    booking = book(sim, small_site.desk1, starts_in=30, ends_in=3600)
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", small_site.uid(small_site.desk1, "status"))
    await use_blueprint(
        hass,
        "release_no_shows",
        bookings=site_entry.entry_id,
        spaces=[status],
        tolerance={"minutes": 15},
    )
    await next_poll(hass, freezer)  # the booking has begun
    assert hass.states.get(status).state == "booked"
    await next_poll(hass, freezer, timedelta(minutes=14))
    assert sim.booking(booking)["deleted"] is False
    await next_poll(hass, freezer, timedelta(minutes=2))
    assert sim.booking(booking)["deleted"] is True
    assert hass.states.get(status).state == "free"


async def test_the_host_hears_their_visitor_arrived(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Reception checks Vera in: Ada gets one notification naming her."""
    booking = book(small_site.sim, small_site.desk1, starts_in=-60, ends_in=3600)
    small_site.sim.add_guest(booking, "vera@example.com", "Vera Visitor")
    await setup_entry(hass, site_entry)
    sent = async_mock_service(hass, "notify", "ada_phone")
    await use_blueprint(
        hass,
        "visitor_arrived_notify_host",
        bookings=site_entry.entry_id,
        notify="notify.ada_phone",
    )
    await act(hass, "check_in_guest", site_entry, booking_id=booking, email="vera@example.com")
    await hass.async_block_till_done()
    assert len(sent) == 1
    assert sent[0].data["message"] == "Vera Visitor has arrived for Ada Lovelace."


async def test_a_visitor_booking_opens_the_pod_for_its_window(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """A booking made with a visitor gives them the pod from 30 min before to 30 min after."""
    sim = small_site.sim
    await setup_entry(hass, site_entry)
    await loaded(hass, salto_entry, salto)
    await use_blueprint(
        hass,
        "visitor_gets_pod_access",
        bookings=site_entry.entry_id,
        doors=salto_entry.entry_id,
        pod_id=salto.pod,
    )
    book(sim, small_site.desk2, starts_in=7200, ends_in=9000)  # no visitor: nothing to open
    booking = book(sim, small_site.desk1, starts_in=3600, ends_in=7200)
    sim.add_guest(booking, "vera@example.com", "Vera Visitor")
    await site_entry.runtime_data.async_refresh()
    await settle(hass, salto, lambda: bool(salto.sim.pod(salto.pod)["guests"]))
    assert [e["type"] for e in bus_events] == ["booked", "booked"]
    [guest] = salto.sim.pod(salto.pod)["guests"]
    assert guest["email"] == "vera@example.com"
    [window] = guest["access_rule"]["schedules"]
    start, end = (datetime.fromisoformat(window[key]) for key in ("start_date", "end_date"))
    booked = sim.booking(booking)
    assert start.timestamp() == booked["booking_start"] - 30 * 60
    assert end.timestamp() == booked["booking_end"] + 30 * 60
