"""Set-up, unload, reload, outages and revoked keys, against the simulator."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.workplace.const import DOMAIN
from tests.conftest import setup_entry
from tests.helpers import SmallSite, device_of, entity_id, next_poll


async def test_load_unload_reload_leaves_nothing_behind(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Unloading stops polling and removes states; reloading brings the same entities back."""
    await setup_entry(hass, site_entry)
    assert site_entry.state is ConfigEntryState.LOADED
    ours = {s.entity_id for s in hass.states.async_all() if s.state != STATE_UNAVAILABLE}
    assert len(ours) > 10
    unique_ids = {
        e.unique_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), site_entry.entry_id)
    }

    assert await hass.config_entries.async_unload(site_entry.entry_id)
    await hass.async_block_till_done()
    assert site_entry.state is ConfigEntryState.NOT_LOADED
    assert all(
        hass.states.get(eid).state == STATE_UNAVAILABLE for eid in ours if hass.states.get(eid)
    )
    requests_after_unload = len(small_site.sim.faults.requests)

    assert await hass.config_entries.async_setup(site_entry.entry_id)
    await hass.async_block_till_done()
    assert site_entry.state is ConfigEntryState.LOADED
    again = {
        e.unique_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), site_entry.entry_id)
    }
    assert again == unique_ids
    assert len(small_site.sim.faults.requests) > requests_after_unload

    assert await hass.config_entries.async_reload(site_entry.entry_id)
    await hass.async_block_till_done()
    assert site_entry.state is ConfigEntryState.LOADED


async def test_unloaded_entry_stops_polling(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """After unload no request reaches the server any more."""
    await setup_entry(hass, site_entry)
    assert await hass.config_entries.async_unload(site_entry.entry_id)
    await hass.async_block_till_done()
    before = len(small_site.sim.faults.requests)
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert len(small_site.sim.faults.requests) == before


async def test_server_down_at_start_is_retried(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A server down at start-up puts the entry in retry; it loads once the server is back."""
    await small_site.sim.go_down()
    await setup_entry(hass, site_entry)
    assert site_entry.state is ConfigEntryState.SETUP_RETRY

    await small_site.sim.come_up()
    await next_poll(hass, freezer, delta=timedelta(minutes=2))
    assert site_entry.state is ConfigEntryState.LOADED


async def test_outage_makes_entities_unavailable_then_recovers(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Down later: entities go unavailable (logged once) and come back by themselves."""
    site = small_site
    await setup_entry(hass, site_entry)
    status = entity_id(hass, "sensor", site.uid(site.desk1, "status"))
    counter = entity_id(hass, "sensor", site.uid(site.level1, "free_spaces"))
    assert hass.states.get(status).state == "free"

    await site.sim.go_down()
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == STATE_UNAVAILABLE
    assert hass.states.get(counter).state == STATE_UNAVAILABLE
    assert caplog.text.count("Error fetching") == 1

    await site.sim.come_up()
    await next_poll(hass, freezer)
    assert hass.states.get(status).state == "free"
    assert hass.states.get(counter).state == "3"
    assert "Fetching workplace" in caplog.text or "recovered" in caplog.text.lower()


async def test_revoked_key_at_start_asks_for_reauth(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A revoked key stops set-up and starts the reauthentication flow."""
    small_site.sim.revoke_key(small_site.sim.api_key)
    await setup_entry(hass, site_entry)
    assert site_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_key_revoked_while_running_asks_for_reauth(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A key revoked later starts reauthentication at the next poll."""
    await setup_entry(hass, site_entry)
    small_site.sim.revoke_key(small_site.sim.api_key)
    await next_poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert flows[0]["context"]["entry_id"] == site_entry.entry_id


async def test_rate_limit_slows_polling_then_restores(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """429 with Retry-After: not one request until the server's wish, then every minute again."""
    await setup_entry(hass, site_entry)
    small_site.sim.faults.fail_next(
        429, path="/api/staff/v1/bookings", headers={"Retry-After": "300"}
    )
    await next_poll(hass, freezer)
    before = len(small_site.sim.faults.requests)
    await next_poll(hass, freezer)  # one minute later: still waiting
    assert len(small_site.sim.faults.requests) == before

    await next_poll(hass, freezer, delta=timedelta(minutes=4))
    after_wait = len(small_site.sim.faults.requests)
    assert after_wait > before
    await next_poll(hass, freezer)  # the usual minute again
    assert len(small_site.sim.faults.requests) > after_wait


async def test_devices_are_linked(
    hass: HomeAssistant,
    small_site: SmallSite,
    site_entry: MockConfigEntry,
) -> None:
    """Account → building → level → desk, each with full device info."""
    site = small_site
    await setup_entry(hass, site_entry)

    def device(object_id: str | None) -> dr.DeviceEntry:
        key = site.unique_prefix if object_id is None else f"{site.unique_prefix}_{object_id}"
        found = device_of(hass, site_entry, key)
        assert found is not None
        return found

    account, building, level, desk = (
        device(None),
        device(site.building),
        device(site.level1),
        device(site.desk1),
    )
    assert account.manufacturer == "PlaceOS"
    assert account.entry_type is dr.DeviceEntryType.SERVICE
    assert building.via_device_id == account.id
    assert level.via_device_id == building.id
    assert level.name == "Harbour House Level 1"
    assert desk.via_device_id == level.id
    assert desk.model == "Desk"
    assert desk.serial_number == site.desk1
