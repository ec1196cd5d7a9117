"""Every branch of the config, reauth, reconfigure and options flows, against the simulator."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_API_KEY, CONF_SCAN_INTERVAL, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.workplace.config_flow import is_allowed_url
from custom_components.workplace.const import (
    CONF_ALLOW_METADATA_WRITES,
    CONF_BOOKING_TYPES,
    CONF_HORIZON_DAYS,
    CONF_PROVIDER,
    CONF_SPACE_ENTITIES,
    CONF_ZONES,
    DOMAIN,
)
from tests.conftest import setup_entry
from tests.helpers import SmallSite


async def _start(hass: HomeAssistant) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PROVIDER: "placeos"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "placeos"
    return result


def _zone_options(result: ConfigFlowResult) -> list[dict[str, str]]:
    assert result["data_schema"] is not None
    selector = result["data_schema"].schema[CONF_ZONES]
    return list(selector.config["options"])


async def test_user_flow_creates_entry(hass: HomeAssistant, small_site: SmallSite) -> None:
    """Provider → credentials → scope creates an entry that loads."""
    sim = small_site.sim
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: sim.api_key}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "scope"
    assert _zone_options(result) == [
        {"value": small_site.building, "label": "Harbour House"},
        {"value": small_site.level1, "label": "Harbour House › Level 1"},  # noqa: RUF001
        {"value": small_site.level2, "label": "Harbour House › Level 2"},  # noqa: RUF001
    ]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONES: [small_site.level2]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        CONF_PROVIDER: "placeos",
        CONF_URL: sim.url,
        CONF_API_KEY: sim.api_key,
        CONF_ZONES: [small_site.level2],
    }
    entry = result["result"]
    assert entry.unique_id == f"placeos_{sim.authority_id}"
    assert entry.state is ConfigEntryState.LOADED


@pytest.mark.parametrize(
    ("break_it", "errors"),
    [
        ("wrong_key", {"base": "invalid_auth"}),
        ("no_permission", {"base": "invalid_auth"}),
        ("down", {"base": "cannot_connect"}),
        ("malformed", {"base": "unknown"}),
        ("http_remote", {CONF_URL: "invalid_url"}),
        ("not_a_url", {CONF_URL: "invalid_url"}),
    ],
)
async def test_credential_errors_then_recovery(
    hass: HomeAssistant, small_site: SmallSite, break_it: str, errors: dict[str, str]
) -> None:
    """Each failure shows a clear error on the form; fixing it carries on to the scope step."""
    sim = small_site.sim
    url, key = sim.url, sim.api_key
    if break_it == "wrong_key":
        key = "nope.nope"
    elif break_it == "no_permission":
        key = sim.issue_key(sim.add_user("Nobody", "nobody@example.com"), scopes=["guest"])
    elif break_it == "down":
        await sim.go_down()
    elif break_it == "malformed":
        sim.faults.malformed_next(path="/api/engine/v2/users/current")
    elif break_it == "http_remote":
        url = "http://placeos.example.com"
    else:
        url = "placeos"

    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: url, CONF_API_KEY: key}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors

    await sim.come_up() if break_it == "down" else None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: sim.api_key}
    )
    assert result["step_id"] == "scope"


async def test_an_unexpected_error_is_a_form_error_not_a_crash(
    hass: HomeAssistant,
    small_site: SmallSite,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A host name the resolver chokes on (pycares against an older aiodns raised TypeError).

    The form answers "unknown" with one traceback in the log, and the
    next try goes through.
    """
    session = async_get_clientsession(hass)
    resolver = type(session.connector._resolver)

    async def broken(*args: object, **kwargs: object) -> list[object]:
        msg = "Channel.getaddrinfo() got an unexpected keyword argument 'family'"
        raise TypeError(msg)

    monkeypatch.setattr(resolver, "resolve", broken)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: "https://placeos.example.com", CONF_API_KEY: "a.b"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert caplog.text.count("Traceback") == 1
    assert "Channel.getaddrinfo()" in caplog.text

    monkeypatch.undo()
    sim = small_site.sim
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: sim.api_key}
    )
    assert result["step_id"] == "scope"


async def test_scope_requires_a_zone(hass: HomeAssistant, small_site: SmallSite) -> None:
    """Choosing nothing is refused; choosing then works."""
    sim = small_site.sim
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: sim.api_key}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {CONF_ZONES: []})
    assert result["errors"] == {CONF_ZONES: "no_zones"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONES: [small_site.building]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_same_tenant_cannot_be_added_twice(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A second entry for the same tenant aborts, even with another user's key."""
    site_entry.add_to_hass(hass)
    sim = small_site.sim
    other_key = sim.issue_key(sim.add_user("Facilities", "fm@example.com", permissions="support"))
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: other_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


def test_only_https_or_loopback() -> None:
    """Plain http is accepted only towards this machine."""
    assert is_allowed_url("https://placeos.example.com")
    assert is_allowed_url("http://127.0.0.1:8080")
    assert is_allowed_url("http://localhost:8080")
    assert is_allowed_url("http://[::1]:8080")
    assert not is_allowed_url("http://10.0.0.5")
    assert not is_allowed_url("http://placeos.example.com")
    assert not is_allowed_url("ftp://placeos.example.com")
    assert not is_allowed_url("https://")
    assert not is_allowed_url("http://[::1")


async def test_reauth_with_a_new_key(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A revoked key leads to reauth; a wrong key is refused; a new key of the tenant reloads."""
    sim = small_site.sim
    sim.revoke_key(sim.api_key)
    await setup_entry(hass, site_entry)
    assert site_entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["step_id"] == "reauth_confirm"

    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: sim.api_key}
    )
    assert result["errors"] == {"base": "invalid_auth"}

    new_key = sim.issue_key(sim.add_user("Facilities", "fm@example.com", permissions="support"))
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_API_KEY: new_key}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert site_entry.data[CONF_API_KEY] == new_key
    assert site_entry.state is ConfigEntryState.LOADED


async def test_reauth_with_another_tenants_key(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """A key of a different tenant is refused with a clear reason."""
    await setup_entry(hass, site_entry)
    result = await site_entry.start_reauth_flow(hass)
    hass.config_entries.async_update_entry(site_entry, unique_id="placeos_someone-else")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: small_site.sim.api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_reconfigure_changes_key_and_scope(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Reconfigure checks the new credentials, offers the scope again and reloads."""
    sim = small_site.sim
    await setup_entry(hass, site_entry)
    new_key = sim.issue_key(sim.add_user("Facilities", "fm@example.com", permissions="support"))
    result = await site_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "placeos"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: "bad.key"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: sim.url, CONF_API_KEY: new_key}
    )
    assert result["step_id"] == "scope"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONES: [small_site.level1]}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert site_entry.data[CONF_API_KEY] == new_key
    assert site_entry.data[CONF_ZONES] == [small_site.level1]
    assert site_entry.state is ConfigEntryState.LOADED


async def test_reconfigure_to_another_tenant_is_refused(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Reconfigure cannot swap the entry to a different tenant."""
    await setup_entry(hass, site_entry)
    hass.config_entries.async_update_entry(site_entry, unique_id="placeos_another-tenant")
    result = await site_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_URL: small_site.sim.url, CONF_API_KEY: small_site.sim.api_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_account"


async def test_options_flow(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """Options are validated, saved as numbers, and applied by a reload."""
    await setup_entry(hass, site_entry)
    result = await hass.config_entries.options.async_init(site_entry.entry_id)
    assert result["step_id"] == "init"
    chosen = {
        CONF_SCAN_INTERVAL: 120.0,
        CONF_HORIZON_DAYS: 3.0,
        CONF_BOOKING_TYPES: [],
        CONF_SPACE_ENTITIES: True,
        CONF_ALLOW_METADATA_WRITES: False,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], chosen)
    assert result["errors"] == {CONF_BOOKING_TYPES: "no_booking_types"}
    chosen[CONF_BOOKING_TYPES] = ["desk", " parking "]
    result = await hass.config_entries.options.async_configure(result["flow_id"], chosen)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert site_entry.options == {
        CONF_SCAN_INTERVAL: 120,
        CONF_HORIZON_DAYS: 3,
        CONF_BOOKING_TYPES: ["desk", "parking"],
        CONF_SPACE_ENTITIES: True,
        CONF_ALLOW_METADATA_WRITES: False,
    }
    coordinator = site_entry.runtime_data
    assert coordinator.update_interval.total_seconds() == 120
    assert coordinator.booking_types == ("desk", "parking")
