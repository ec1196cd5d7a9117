"""SALTO KS end to end: doors opened with the app's code, pods, and live door entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_PASSWORD,
    CONF_URL,
    CONF_USERNAME,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.workplace.const import CONF_IDENTITY_URL, CONF_SITE, DOMAIN
from tests.conftest import loaded, settle
from tests.helpers import SaltoSite, device_of, entity_id, form_error_text
from tests.secret_guard import register
from tests.test_services import act, in_minutes


async def test_config_flow(hass: HomeAssistant, salto: SaltoSite) -> None:
    """SALTO KS → addresses, client and user (a wrong password first) → site → entry."""
    sim = salto.sim
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "salto_ks"}
    )
    assert result["step_id"] == "salto_ks"
    answer = {
        CONF_URL: sim.url,
        CONF_IDENTITY_URL: sim.identity_url,
        CONF_CLIENT_ID: sim.client_id,
        CONF_CLIENT_SECRET: sim.client_secret,
        CONF_USERNAME: sim.username,
        CONF_PASSWORD: "wrong",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["errors"] == {"base": "invalid_auth_salto_ks"}
    shown = await form_error_text(hass, result)
    assert "SALTO KS refused the sign-in" in shown
    assert "API key" not in shown
    answer[CONF_PASSWORD] = sim.password
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["step_id"] == "site"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SITE: sim.site_id}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == f"salto_ks_{sim.site_id}"
    assert result["result"].state is ConfigEntryState.LOADED


async def test_doors_and_pods_as_entities(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry
) -> None:
    """Each door is a lock with online, alarms and battery; the pod counts its guests."""
    await loaded(hass, salto_entry, salto)
    door = hass.states.get(entity_id(hass, "lock", salto.uid(salto.front, "door")))
    assert door is not None
    assert door.state == "locked"
    online = hass.states.get(entity_id(hass, "binary_sensor", salto.uid(salto.front, "online")))
    assert online.state == "on"
    battery = hass.states.get(entity_id(hass, "sensor", salto.uid(salto.front, "battery")))
    assert battery.state == "fresh"
    capacity = hass.states.get(entity_id(hass, "sensor", salto.uid(salto.pod, "capacity_left")))
    assert capacity.state == "2"


async def test_open_with_the_app_code(
    request: pytest.FixtureRequest,
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """A valid code opens the door (announced once, as remote); wrong codes are explained."""
    sim = salto.sim
    await loaded(hass, salto_entry, salto)
    door = entity_id(hass, "lock", salto.uid(salto.front, "door"))
    with pytest.raises(ServiceValidationError) as wrong:
        await hass.services.async_call(
            "lock", "open", {"entity_id": door, "code": "AAAAA"}, blocking=True
        )
    assert wrong.value.translation_key == "code_invalid"
    code = sim.current_otp()
    register(request, code)
    await hass.services.async_call("lock", "open", {"entity_id": door, "code": code}, blocking=True)
    await settle(hass, salto, lambda: len(bus_events) >= 1)
    assert sim.lock(salto.front)["locked_state"] == "unlocked"
    assert [(e["type"], e["method"]) for e in bus_events] == [("access_granted", "remote")]
    with pytest.raises(ServiceValidationError) as relock:
        await hass.services.async_call(
            "lock", "lock", {"entity_id": door, "code": "AAAAA"}, blocking=True
        )
    assert relock.value.translation_key == "relocks_itself"
    for _ in range(5):
        with pytest.raises(ServiceValidationError) as refused:
            await hass.services.async_call(
                "lock", "open", {"entity_id": door, "code": "BBBBB"}, blocking=True
            )
    assert refused.value.translation_key == "code_blocked"


async def test_live_entries_fire_once_through_drops_stalls_and_replays(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Entries arrive live; a dropped or stalled stream loses none and repeats none."""
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    await sim.stream.wait_connected()
    sim.open_with_tag(salto.front, first_name="Ada", last_name="Lovelace")
    sim.open_with_tag(salto.room, first_name="Mallory", last_name="X", granted=False)
    await settle(hass, salto, lambda: len(bus_events) >= 2)
    # Two doors in the same second have no order. On a loaded machine the stream may be
    # judged silent and reconnected, and then an entry comes from the catch-up instead.
    assert sorted((e["type"], e["person"]["name"]) for e in bus_events) == [
        ("access_denied", "Mallory X"),
        ("access_granted", "Ada Lovelace"),
    ]
    assert "push" in {e["source"] for e in bus_events}
    event = hass.states.get(entity_id(hass, "event", salto.uid(salto.room, "access")))
    assert event.attributes["event_type"] == "access_denied"

    sim.stream.replay_last(2)
    await settle(hass, salto)
    assert len(bus_events) == 2

    live = entity_id(hass, "binary_sensor", salto.uid("site", "live_entries"))
    assert hass.states.get(live).state == "on"
    tokens = sim.tokens_issued + sim.refreshes
    sim.stream.drop_all()
    await sim.stream.wait_disconnected()
    sim.open_with_tag(salto.front, first_name="Grace", last_name="Hopper")  # while down
    await sim.stream.wait_connected()
    await settle(hass, salto, lambda: len(bus_events) >= 3)
    assert sim.tokens_issued + sim.refreshes > tokens  # a fresh token per connection
    assert [e["person"]["name"] for e in bus_events][-1] == "Grace Hopper"
    assert len(bus_events) == 3

    reconnects = entry.runtime_data.stream.reconnects
    sim.stream.stall()
    sim.open_with_tag(salto.room, first_name="Linus", last_name="T")  # stalled: not sent
    # A silent stream is given up after `silence` and reconnected.
    await settle(hass, salto, lambda: entry.runtime_data.stream.reconnects > reconnects)
    sim.stream.resume()
    await settle(hass, salto, lambda: len(bus_events) >= 4)
    assert [e["person"]["name"] for e in bus_events].count("Linus T") == 1
    assert entry.runtime_data.stream.reconnects >= 2


async def test_unreadable_items_are_skipped_not_fatal(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A malformed lock or streamed entry is skipped and logged; the good ones still show."""
    sim = salto.sim
    good = [sim.lock(lock_id) for lock_id in sim.lock_ids()]
    bad = [{"id": None}, "not a lock", {"customer_reference": "No id"}]
    sim.faults.fail_next(
        200,
        path=f"/v1.1/sites/{sim.site_id}/locks",
        body=orjson.dumps({"items": [*bad, *good]}),
        headers={"Content-Type": "application/json"},
    )
    entry = await loaded(hass, salto_entry, salto)
    assert caplog.text.count("Skipping a malformed lock") == 3
    door = hass.states.get(entity_id(hass, "lock", salto.uid(salto.front, "door")))
    assert door.state == "locked"

    await sim.stream.wait_connected()
    for unreadable in ("{not json", '{"id": "e-1"}', '["a list"]'):
        sim.stream.publish_raw(unreadable)
    sim.open_with_tag(salto.front, first_name="Ada", last_name="Lovelace")
    await settle(hass, salto, lambda: len(bus_events) >= 1)
    assert [e["person"]["name"] for e in bus_events] == ["Ada Lovelace"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.stream.connected


async def test_pod_guests(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry
) -> None:
    """A guest gets a pod for a window; the pod's limit and wrong locks are explained."""
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    response = await act(
        hass,
        "add_guest",
        entry,
        pod_id=salto.pod,
        email="Vera@Example.com",
        name="Vera Visitor",
        start=in_minutes(0),
        end=in_minutes(120),
    )
    assert response["guest"]["email"] == "vera@example.com"
    assert response["guest"]["access_rule"] == "custom"
    guests = entity_id(hass, "sensor", salto.uid(salto.pod, "guests"))
    assert hass.states.get(guests).state == "1"
    await act(hass, "add_guest", entry, pod_id=salto.pod, email="w@example.com", name="W")
    with pytest.raises(HomeAssistantError) as full:
        await act(hass, "add_guest", entry, pod_id=salto.pod, email="x@example.com", name="X")
    assert full.value.translation_key == "pod_full"
    await act(hass, "remove_guest", entry, pod_id=salto.pod, email="vera@example.com")
    assert [g["email"] for g in sim.pod(salto.pod)["guests"]] == ["w@example.com"]
    with pytest.raises(ServiceValidationError) as half:
        await act(
            hass,
            "add_guest",
            entry,
            pod_id=salto.pod,
            email="h@x.com",
            name="H",
            start=in_minutes(0),
        )
    assert half.value.translation_key == "period_both"
    outside = sim.add_lock("Roof hatch")
    await entry.runtime_data.async_refresh()
    await act(hass, "remove_guest", entry, pod_id=salto.pod, email="w@example.com")
    with pytest.raises(HomeAssistantError) as wrong_lock:
        await act(
            hass,
            "add_guest",
            entry,
            pod_id=salto.pod,
            email="z@example.com",
            name="Z",
            start=in_minutes(0),
            end=in_minutes(60),
            lock_ids=[outside],
        )
    assert wrong_lock.value.translation_key == "pod_locks_not_in_pod"
    with pytest.raises(ServiceValidationError) as no_pod:
        await act(hass, "add_guest", entry, pod_id="nope", email="y@example.com", name="Y")
    assert no_pod.value.translation_key == "pod_not_found"
    with pytest.raises(ServiceValidationError) as booking_action:
        await act(hass, "list_bookings", entry)
    assert booking_action.value.translation_key == "not_supported"


async def test_a_door_entry_uploaded_late_fires_once_with_its_own_time(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """An opening a door uploads after a newer one was seen still fires, once, at its own time."""
    sim = salto.sim
    await loaded(hass, salto_entry, salto)
    await sim.stream.wait_connected()
    sim.clock.advance(600)  # the entries below are after Home Assistant started watching
    sim.open_with_tag(salto.front, first_name="Ada", last_name="Lovelace")
    await settle(hass, salto, lambda: len(bus_events) >= 1)
    late = sim.upload_late(salto.front, first_name="Grace", last_name="Hopper", seconds_ago=300)

    for _ in range(2):  # each reconnection catches up; the late entry fires the first time only
        sim.stream.drop_all()
        await sim.stream.wait_disconnected()
        await sim.stream.wait_connected()
        await settle(hass, salto, lambda: len(bus_events) >= 2)
    assert [e["person"]["name"] for e in bus_events] == ["Ada Lovelace", "Grace Hopper"]
    assert bus_events[1]["time"] == datetime.fromisoformat(late["utc_date_time"]).isoformat()
    assert bus_events[1]["source"] == "poll"


async def test_an_opened_door_shows_its_real_state_at_the_next_poll(
    hass: HomeAssistant,
    request: pytest.FixtureRequest,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
) -> None:
    """A door in office mode, opened from here: the poll after opening shows it unlocked again.

    What the door reports does not change, so only what the entity showed itself (open) does.
    """
    sim = salto.sim
    await loaded(hass, salto_entry, salto)
    door = entity_id(hass, "lock", salto.uid(salto.room, "door"))
    sim.set_lock(salto.room, locked_state="office_mode")
    await salto_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(door).state == "unlocked"
    shown: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            shown.append(event.data["new_state"].state) if event.data["entity_id"] == door else None
        ),
    )
    code = sim.current_otp()
    register(request, code)
    await hass.services.async_call("lock", "open", {"entity_id": door, "code": code}, blocking=True)
    await hass.async_block_till_done()
    assert shown == ["open", "unlocked"]  # opened, then the refresh that follows the opening
    await salto_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(door).state == "unlocked"


async def test_a_door_gone_from_the_site_is_named_when_opened(
    hass: HomeAssistant,
    request: pytest.FixtureRequest,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
) -> None:
    """Opening a door removed in SALTO KS since the last poll names the door, not a booking."""
    sim = salto.sim
    await loaded(hass, salto_entry, salto)
    door = entity_id(hass, "lock", salto.uid(salto.room, "door"))
    sim.remove_lock(salto.room)
    code = sim.current_otp()
    register(request, code)
    with pytest.raises(ServiceValidationError) as gone:
        await hass.services.async_call(
            "lock", "open", {"entity_id": door, "code": code}, blocking=True
        )
    assert gone.value.translation_key == "lock_not_found"
    assert gone.value.translation_placeholders == {"lock": "Room 1.04"}
    assert "Room 1.04" in str(gone.value)


async def test_a_pod_guest_gets_no_door_more_than_asked(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry
) -> None:
    """Doors without a period are refused (SALTO's period-less rule opens the whole pod).

    With a period the guest opens the asked door during it and no other door of the pod; with
    neither doors nor a period the guest gets the whole pod, as asked.
    """
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    with pytest.raises(ServiceValidationError) as no_period:
        await act(
            hass,
            "add_guest",
            entry,
            pod_id=salto.pod,
            email="front@example.com",
            name="Front Only",
            lock_ids=[salto.front],
        )
    assert no_period.value.translation_key == "pod_locks_need_period"
    assert sim.pod(salto.pod)["guests"] == []

    await act(
        hass,
        "add_guest",
        entry,
        pod_id=salto.pod,
        email="front@example.com",
        name="Front Only",
        lock_ids=[salto.front],
        start=in_minutes(-1),
        end=in_minutes(120),
    )
    assert sim.guest_may_open(salto.pod, "front@example.com", salto.front)
    assert not sim.guest_may_open(salto.pod, "front@example.com", salto.room)

    await act(hass, "add_guest", entry, pod_id=salto.pod, email="all@example.com", name="All")
    assert sim.guest_may_open(salto.pod, "all@example.com", salto.front)
    assert sim.guest_may_open(salto.pod, "all@example.com", salto.room)


async def test_nothing_fires_for_entries_before_start(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Door entries from before Home Assistant watched are history, not news."""
    salto.sim.clock.advance(-10)  # ten seconds before Home Assistant started
    salto.sim.open_with_tag(salto.front, first_name="Old", last_name="News")
    salto.sim.clock.advance(10)
    await loaded(hass, salto_entry, salto)
    await salto.sim.stream.wait_connected()
    await settle(hass, salto)
    assert bus_events == []
    assert await hass.config_entries.async_reload(salto_entry.entry_id)
    await hass.async_block_till_done()
    assert bus_events == []


JSON = {"Content-Type": "application/json"}


async def test_config_flow_errors_reauth_and_reconfigure(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry
) -> None:
    """No site, the same site twice, a new password, and reconfiguring the addresses."""
    sim = salto.sim
    answer = {
        CONF_URL: sim.url,
        CONF_IDENTITY_URL: sim.identity_url,
        CONF_CLIENT_ID: sim.client_id,
        CONF_CLIENT_SECRET: sim.client_secret,
        CONF_USERNAME: sim.username,
        CONF_PASSWORD: sim.password,
    }
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "salto_ks"}
    )
    sim.faults.fail_next(200, path="/v1.1/sites", body=b'{"items": []}', headers=JSON)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["errors"] == {"base": "no_sites"}
    await loaded(hass, salto_entry, salto)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SITE: sim.site_id}
    )
    assert result["reason"] == "already_configured"

    result = await salto_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: sim.password}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"
    result = await salto_entry.start_reauth_flow(hass)
    other_site = b'{"items": [{"id": "another-site", "customer_reference": "Elsewhere"}]}'
    sim.faults.fail_next(200, path="/v1.1/sites", body=other_site, headers=JSON)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: sim.password}
    )
    assert result["reason"] == "wrong_account"

    result = await salto_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "salto_ks"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answer)
    assert result["step_id"] == "site"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_SITE: sim.site_id}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"


async def test_lock_details(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry
) -> None:
    """Unlock opens too; an offline door's refusal is explained; no code means no opening."""
    sim = salto.sim
    await loaded(hass, salto_entry, salto)
    door = entity_id(hass, "lock", salto.uid(salto.room, "door"))
    await hass.services.async_call(
        "lock", "unlock", {"entity_id": door, "code": sim.current_otp()}, blocking=True
    )
    assert sim.lock(salto.room)["locked_state"] == "unlocked"
    entity = hass.data["lock"].get_entity(door)
    with pytest.raises(ServiceValidationError) as no_code:
        await entity.async_open()
    assert no_code.value.translation_key == "code_required"
    sim.faults.fail_next(
        403,
        path=f"/v1.1/sites/{sim.site_id}/locks/{salto.room}/locking",
        body=b'{"ErrorCode":"2203","Message":"operation cannot be executed"}',
        headers=JSON,
    )
    with pytest.raises(HomeAssistantError) as refused:
        await entity.async_open(code=sim.current_otp())
    assert refused.value.translation_key == "rejected"
    sim.set_lock(salto.front, online=False, intrusion_alarm=True)
    front = entity_id(hass, "lock", salto.uid(salto.front, "door"))
    await salto_entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert (
        hass.states.get(entity_id(hass, "binary_sensor", salto.uid(salto.front, "online"))).state
        == "off"
    )
    assert (
        hass.states.get(entity_id(hass, "binary_sensor", salto.uid(salto.front, "intrusion"))).state
        == "on"
    )
    # An offline door cannot be opened from here: its lock is unavailable.
    assert hass.states.get(front).state == "unavailable"


async def test_outage_and_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
) -> None:
    """An outage makes doors unavailable; diagnostics hide the credentials and guests."""
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    await act(hass, "add_guest", entry, pod_id=salto.pod, email="vera@example.com", name="Vera V")
    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = str(diagnostics)
    assert sim.password not in text
    assert sim.client_secret not in text
    assert "vera@example.com" not in text
    assert diagnostics["pods"][0]["guests"] == 1
    sim.faults.fail_next(500, path=f"/v1.1/sites/{sim.site_id}/locks")
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    door = entity_id(hass, "lock", salto.uid(salto.front, "door"))
    assert hass.states.get(door).state == "unavailable"
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(door).state == "locked"


async def test_doors_come_and_go_without_restart(
    hass: HomeAssistant, salto: SaltoSite, salto_entry: MockConfigEntry
) -> None:
    """A door added in SALTO KS appears at the next poll; a removed one loses its device."""
    sim = salto.sim
    entry = await loaded(hass, salto_entry, salto)
    new_door = sim.add_lock("Bike room")
    sim.remove_lock(salto.room)
    await entry.runtime_data.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, "lock", salto.uid(new_door, "door"))) is not None
    gone = device_of(hass, salto_entry, f"salto_ks_{sim.site_id}_{salto.room}")
    assert gone is None


async def test_site_door_and_pod_devices(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Doors and pods hang under the site device, which exists before them."""
    await loaded(hass, salto_entry, salto)
    site = device_of(hass, salto_entry, f"salto_ks_{salto.sim.site_id}")
    door = device_of(hass, salto_entry, f"salto_ks_{salto.sim.site_id}_{salto.front}")
    assert site is not None
    assert door is not None
    assert door.via_device_id == site.id
    assert door.manufacturer == "SALTO Systems"
    assert "non existing `via_device`" not in caplog.text
