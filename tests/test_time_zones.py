"""Booking times in the account's time zone, whatever Home Assistant's is.

Deskbee reads a booking's `date`, `start_hour` and `end_hour` as local times of the account
(no offset): Home Assistant in UTC must still book the hour the user asked for.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.workplace.const import CONF_PROVIDER, CONF_ZONES, DOMAIN
from tests.conftest import setup_entry
from tests.helpers import DeskbeeSite, build_deskbee_site
from tests.secret_guard import register
from tests.simulators.deskbee import DeskbeeSimulator
from tests.test_services import act

ACCOUNT_ZONES = ["America/Sao_Paulo", "Europe/Berlin", "Australia/Melbourne"]


@pytest.fixture(params=ACCOUNT_ZONES)
async def account_in_another_zone(
    hass: HomeAssistant, socket_enabled: None, request: pytest.FixtureRequest
) -> AsyncGenerator[DeskbeeSite]:
    """A Deskbee account in the parameter's zone; Home Assistant in UTC."""
    await hass.config.async_set_time_zone("UTC")
    simulator = DeskbeeSimulator(seed=None, timezone=request.param)
    register(request, simulator.client_secret)
    site = build_deskbee_site(simulator)
    await simulator.start()
    yield site
    await simulator.stop()


async def test_a_desk_is_booked_at_the_hour_asked_in_the_accounts_zone(
    hass: HomeAssistant, account_in_another_zone: DeskbeeSite
) -> None:
    """Noon tomorrow at the office, asked in UTC, is noon tomorrow at the office in Deskbee."""
    site = account_in_another_zone
    sim = site.sim
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Deskbee",
        unique_id=f"deskbee_{sim.client_id}",
        data={
            CONF_PROVIDER: "deskbee",
            CONF_URL: sim.url,
            CONF_CLIENT_ID: sim.client_id,
            CONF_CLIENT_SECRET: sim.client_secret,
            CONF_ZONES: [site.building],
        },
    )
    await setup_entry(hass, entry)
    office = ZoneInfo(sim.timezone)
    tomorrow = datetime.now(office).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(12), office).astimezone(UTC)
    answer = await act(
        hass,
        "create_booking",
        entry,
        space_id=site.desk1,
        start=start.isoformat(),
        end=(start + timedelta(hours=1)).isoformat(),
        user_email="ada@example.com",
    )
    stored = sim.booking(answer["booking"]["id"])
    assert datetime.fromisoformat(stored["start_date"]) == start
    assert datetime.fromisoformat(stored["end_date"]) == start + timedelta(hours=1)
    assert datetime.fromisoformat(answer["booking"]["start"]) == start
