"""Deskbee end to end: set-up, entities, token renewal, paging, actions and signed webhooks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import orjson
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.workplace.config_flow import webhook_placeholders
from custom_components.workplace.const import CONF_WEBHOOK_SECRET, DOMAIN
from tests.conftest import WEBHOOK_ID, WEBHOOK_SECRET, setup_entry, signed
from tests.helpers import DeskbeeSite, entity_id, form_error_text, next_poll
from tests.test_services import act, in_minutes

JSON_HEADERS = {"Content-Type": "application/json"}


def status(hass: HomeAssistant, site: DeskbeeSite, place: str) -> str:
    """The status sensor's state of a place."""
    state = hass.states.get(entity_id(hass, "sensor", site.uid(place, "status")))
    assert state is not None
    return state.state


async def test_config_flow_shows_the_webhook(
    hass: HomeAssistant, deskbee_site: DeskbeeSite
) -> None:
    """Deskbee → credentials (a wrong secret first) → scope → the webhook URL and key → entry."""
    sim = deskbee_site.sim
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "deskbee"}
    )
    assert result["step_id"] == "deskbee"
    credentials = {CONF_URL: sim.url, CONF_CLIENT_ID: sim.client_id, CONF_CLIENT_SECRET: "wrong"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials)
    assert result["errors"] == {"base": "invalid_auth_deskbee"}
    assert "Deskbee refused the client ID and secret" in await form_error_text(hass, result)
    credentials[CONF_CLIENT_SECRET] = sim.client_secret
    result = await hass.config_entries.flow.async_configure(result["flow_id"], credentials)
    assert result["step_id"] == "scope"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"zones": [deskbee_site.floor]}
    )
    assert result["step_id"] == "webhook"
    placeholders = result["description_placeholders"]
    assert placeholders is not None
    assert "/api/webhook/" in placeholders["webhook_url"]
    assert len(placeholders["webhook_secret"]) == 64
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == f"deskbee_{sim.client_id}"
    assert entry.data[CONF_WEBHOOK_SECRET] == placeholders["webhook_secret"]
    assert entry.data[CONF_WEBHOOK_ID] in placeholders["webhook_url"]
    assert entry.state is ConfigEntryState.LOADED
    # With webhooks, polling only catches what a delivery missed.
    assert entry.runtime_data.update_interval.total_seconds() == 300
    options = await hass.config_entries.options.async_init(entry.entry_id)
    assert placeholders["webhook_secret"] in options["description_placeholders"]["webhook_info"]


async def test_desk_follows_its_booking(
    hass: HomeAssistant,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Reserved → busy → last map to booked → checked in → free, with zone counters."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, deskbee_entry)
    assert status(hass, site, site.desk1) == "booked"
    site.sim.check_in(booking)
    await next_poll(hass, freezer)
    assert status(hass, site, site.desk1) == "checked_in"
    checked_in = entity_id(hass, "sensor", site.uid(site.floor, "checked_in"))
    assert hass.states.get(checked_in).state == "1"
    site.sim.check_out(booking)
    await next_poll(hass, freezer)
    assert status(hass, site, site.desk1) == "free"


async def test_token_is_renewed_before_expiry_and_once_on_401(
    hass: HomeAssistant,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A token is reused until it nears expiry; a token the server dropped is renewed silently."""
    sim = deskbee_site.sim
    sim.token_lifetime = 150
    await setup_entry(hass, deskbee_entry)
    assert sim.tokens_issued == 1
    await next_poll(hass, freezer)
    assert sim.tokens_issued == 1
    await next_poll(hass, freezer)
    assert sim.tokens_issued == 2
    sim.expire_tokens()
    await next_poll(hass, freezer)
    assert sim.tokens_issued == 3
    assert status(hass, deskbee_site, deskbee_site.desk1) == "free"


async def test_revoked_client_asks_for_reauth(
    hass: HomeAssistant,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A revoked ClientApi starts reauthentication; a new secret fixes it."""
    sim = deskbee_site.sim
    await setup_entry(hass, deskbee_entry)
    sim.revoke_client()
    await next_poll(hass, freezer)
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["source"] == "reauth"
    new_id, _new_secret = sim.add_client()
    assert new_id


async def test_many_pages_are_followed(
    hass: HomeAssistant, deskbee_site: DeskbeeSite, deskbee_entry: MockConfigEntry
) -> None:
    """More bookings than a page holds arrive complete, following links.next."""
    site = deskbee_site
    for index in range(260):
        site.sim.add_user(f"Person {index}", f"p{index}@example.com")
    desks = [site.sim.add_place(site.floor, f"EST 2.{index:03}") for index in range(260)]
    for index, desk in enumerate(desks):
        site.book(desk, starts_in=600, ends_in=3600, person_email=f"p{index}@example.com")
    entry = await setup_entry(hass, deskbee_entry)
    site.sim.faults.requests.clear()
    await entry.runtime_data.async_refresh()
    desk_pages = [p for _, p in site.sim.faults.requests if "type:workspace" in p]
    assert len(desk_pages) == 2  # 260 desk bookings, 250 a page
    assert len({b.id for b in entry.runtime_data.data.bookings_by_zone[site.floor]}) == 260


async def test_actions(
    hass: HomeAssistant,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Book, check in and out, invite and remove a visitor; approval is not Deskbee's."""
    site = deskbee_site
    entry = await setup_entry(hass, deskbee_entry)
    response = await act(
        hass,
        "create_booking",
        entry,
        space_id=site.desk2,
        start=in_minutes(0),
        end=in_minutes(60),
        user_email="grace@example.com",
    )
    booking = response["booking"]
    assert booking["space_id"] == site.desk2
    # Deskbee books whole minutes: "now" starts at the next minute, shown as coming up.
    desk2 = hass.states.get(entity_id(hass, "sensor", site.uid(site.desk2, "status")))
    assert desk2.attributes["next_booking_start"] == booking["start"]
    await act(hass, "check_in", entry, booking_id=booking["id"])
    assert status(hass, site, site.desk2) == "checked_in"
    guest = await act(
        hass, "add_guest", entry, booking_id=booking["id"], email="vera@example.com", name="Vera"
    )
    assert guest["guest"]["email"] == "vera@example.com"
    assert [g["status"]["id"] for g in site.sim.guest_passes()] != []
    await act(hass, "remove_guest", entry, booking_id=booking["id"], email="vera@example.com")
    await act(hass, "check_out", entry, space_id=site.desk2)
    assert status(hass, site, site.desk2) == "free"
    assert [e["type"] for e in bus_events] == ["booked", "checked_in", "checked_out"]
    with pytest.raises(ServiceValidationError) as approval:
        await act(hass, "approve_booking", entry, booking_id=booking["id"])
    assert approval.value.translation_key == "not_supported"
    with pytest.raises(ServiceValidationError) as no_signal:
        await act(hass, "signal", entry, channel="x")
    assert no_signal.value.translation_key == "not_supported"
    with pytest.raises(HomeAssistantError):
        await act(
            hass,
            "create_booking",
            entry,
            space_id=site.desk1,
            start=in_minutes(0),
            end=in_minutes(60 * 30),
            user_email="grace@example.com",
        )


async def test_report_access_checks_in_through_the_device(
    hass: HomeAssistant, deskbee_site: DeskbeeSite, deskbee_entry: MockConfigEntry
) -> None:
    """The turnstile's device code and the person's email check in the right booking."""
    site = deskbee_site
    mine = site.book(site.desk1, starts_in=-60, ends_in=3600)
    other = site.book(site.desk2, starts_in=-60, ends_in=3600, person_email="grace@example.com")
    entry = await setup_entry(hass, deskbee_entry)
    response = await act(
        hass, "report_access", entry, person="ada@example.com", device="turnstile-1"
    )
    assert response["matched"]["id"] == mine
    assert status(hass, site, site.desk1) == "checked_in"
    assert site.sim.booking(other)["state"] == "reserved"
    nobody = await act(
        hass, "report_access", entry, person="nobody@example.com", device="turnstile-1"
    )
    assert nobody == {"matched": None}
    with pytest.raises(ServiceValidationError) as no_device:
        await act(hass, "report_access", entry, person="ada@example.com")
    assert no_device.value.translation_key == "device_required"


async def _subscribed(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, site: DeskbeeSite, **kw: Any
) -> None:
    client = await hass_client_no_auth()
    site.sim.subscribe(str(client.make_url(f"/api/webhook/{WEBHOOK_ID}")), WEBHOOK_SECRET, **kw)


async def test_signed_webhook_checks_in_at_once_and_fires_once(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
    freezer: FrozenDateTimeFactory,
) -> None:
    """A pushed check-in shows without a poll and fires one event; the next poll adds none."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, deskbee_entry)
    await _subscribed(hass, hass_client_no_auth, site)
    site.sim.check_in(booking)
    await site.sim.flush_webhooks()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [status for status, _ in site.sim.webhook_deliveries] == [200]
    assert status(hass, site, site.desk1) == "checked_in"
    assert [(e["type"], e["source"]) for e in bus_events] == [("checked_in", "push")]
    last_push = hass.states.get(push_sensor(hass, deskbee_entry, "last_push"))
    assert last_push.state not in ("unknown", "unavailable")  # shown with the delivery
    await next_poll(hass, freezer)
    assert len(bus_events) == 1
    assert deskbee_entry.runtime_data.push.deliveries == 1


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
async def test_either_signature_and_a_prefix_are_accepted(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    algorithm: str,
) -> None:
    """HMAC-SHA256 or SHA-1, with or without `sha…=`: all verified."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, deskbee_entry)
    await _subscribed(hass, hass_client_no_auth, site, algorithm=algorithm, prefix=f"{algorithm}=")
    site.sim.check_in(booking)
    await site.sim.flush_webhooks()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert status(hass, site, site.desk1) == "checked_in"


async def test_forged_unsigned_and_oversized_deliveries_are_refused(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Wrong key, no signature or a huge body: refused, counted, nothing changes."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    second = site.book(site.desk2, starts_in=600, ends_in=1200)
    await setup_entry(hass, deskbee_entry)
    await _subscribed(hass, hass_client_no_auth, site)
    forgeries: list[Callable[[], object]] = [
        lambda: site.sim.webhook_mode.sign_with("not-the-key"),
        site.sim.webhook_mode.unsigned_next,
        lambda: site.sim.webhook_mode.oversize_next(200_000),
    ]
    changes: list[Callable[[], object]] = [
        lambda: site.sim.check_in(booking),
        lambda: site.sim.check_out(booking),
        lambda: site.sim.cancel(second),
    ]
    for forge, change in zip(forgeries, changes, strict=True):
        forge()
        change()
        await site.sim.flush_webhooks()
    await hass.async_block_till_done(wait_background_tasks=True)
    codes = [code for code, _ in site.sim.webhook_deliveries]
    assert codes.count(401) == 2
    assert codes.count(413) == 1
    assert status(hass, site, site.desk1) == "booked"
    assert bus_events == []
    assert deskbee_entry.runtime_data.push.rejected_signatures == 2
    assert WEBHOOK_SECRET not in str(deskbee_entry.runtime_data.push)
    # The health sensors show it at once, not at the next poll.
    assert hass.states.get(push_sensor(hass, deskbee_entry, "rejected_deliveries")).state == "2"
    assert hass.states.get(push_sensor(hass, deskbee_entry, "last_push")).state == "unknown"


def push_sensor(hass: HomeAssistant, entry: MockConfigEntry, key: str) -> str:
    """The entity id of one of the webhook channel's health sensors."""
    found = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{entry.unique_id}_{key}")
    assert found is not None
    return found


async def test_duplicated_replayed_and_reordered_deliveries(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Each occurrence fires once and the final state wins, whatever the delivery order."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    await setup_entry(hass, deskbee_entry)
    await _subscribed(hass, hass_client_no_auth, site)
    site.sim.webhook_mode.duplicate_next()
    site.sim.check_in(booking)
    await site.sim.flush_webhooks()
    await hass.async_block_till_done(wait_background_tasks=True)
    site.sim.webhook_mode.replay_last()
    await site.sim.flush_webhooks()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [e["type"] for e in bus_events] == ["checked_in"]
    assert deskbee_entry.runtime_data.push.duplicates >= 2

    other = site.book(site.desk2, starts_in=-60, ends_in=3600)
    await deskbee_entry.runtime_data.async_refresh()
    site.sim.webhook_mode.reorder_next(2)
    site.sim.check_in(other)
    site.sim.check_out(other)
    await site.sim.flush_webhooks()
    await hass.async_block_till_done(wait_background_tasks=True)
    assert status(hass, site, site.desk2) == "free"
    assert [e["type"] for e in bus_events].count("checked_out") == 1


async def test_webhook_receiver_edge_cases(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """Bad JSON is refused; other events are acknowledged; older deliveries and gone bookings
    change nothing; a booking that cannot be fetched leads to a poll."""
    site = deskbee_site
    booking = site.book(site.desk1, starts_in=-60, ends_in=3600)
    entry = await setup_entry(hass, deskbee_entry)
    client = await hass_client_no_auth()
    url = f"/api/webhook/{WEBHOOK_ID}"

    async def deliver(payload: object) -> int:
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        answer = await client.post(url, data=body, headers=signed(body))
        await hass.async_block_till_done(wait_background_tasks=True)
        return answer.status

    def envelope(transaction: str, event: str, uuid: str, sent: str) -> dict[str, object]:
        return {
            "transaction_id": transaction,
            "event": event,
            "send_at": sent,
            "resource": {"action": "updated", "route": f"/bookings/{uuid}", "uuid": uuid},
        }

    assert await deliver(b"{not json") == 400
    assert await deliver({"event": "booking"}) == 400
    assert await deliver(envelope("t-locker", "locker", "x", "2026-01-01T10:00:00Z")) == 200
    site.sim.check_in(booking)
    assert await deliver(envelope("t-new", "checkin", booking, "2026-01-01T10:00:05Z")) == 200
    assert status(hass, site, site.desk1) == "checked_in"
    site.sim.check_out(booking)
    assert await deliver(envelope("t-old", "checkin", booking, "2026-01-01T10:00:01Z")) == 200
    assert status(hass, site, site.desk1) == "checked_in"  # the older delivery is dropped
    assert entry.runtime_data.push.stale == 1
    assert await deliver(envelope("t-gone", "booking", "no-such-booking", "")) == 200
    site.sim.faults.fail_next(500, path=f"/v1.1/bookings/{booking}")
    assert await deliver(envelope("t-fail", "checkin", booking, "2026-01-01T10:00:09Z")) == 200
    assert status(hass, site, site.desk1) == "free"  # the poll it asked for saw the check-out
    assert [e["type"] for e in bus_events] == ["checked_in", "checked_out"]


async def test_diagnostics_hide_deskbee_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
) -> None:
    """The client secret, the webhook id and the signing key never reach diagnostics."""
    await setup_entry(hass, deskbee_entry)
    diagnostics: dict[str, Any] = await get_diagnostics_for_config_entry(
        hass, hass_client, deskbee_entry
    )
    text = str(diagnostics)
    assert deskbee_site.sim.client_secret not in text
    assert WEBHOOK_SECRET not in text
    assert WEBHOOK_ID not in text
    assert diagnostics["push"]["webhook"] is True


async def test_webhook_address_without_a_known_url(hass: HomeAssistant) -> None:
    """Without any Home Assistant URL the user is told where to put their own address."""
    hass.config.api = None
    await hass.config.async_update(internal_url=None, external_url=None)
    shown = webhook_placeholders(
        hass, {CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_WEBHOOK_SECRET: WEBHOOK_SECRET}
    )
    assert shown["webhook_url"] == (
        f"https://<your Home Assistant address>/api/webhook/{WEBHOOK_ID}"
    )
    await hass.config.async_update(internal_url="http://192.168.1.10:8123")
    shown = webhook_placeholders(
        hass, {CONF_WEBHOOK_ID: WEBHOOK_ID, CONF_WEBHOOK_SECRET: WEBHOOK_SECRET}
    )
    assert shown["webhook_url"] == f"http://192.168.1.10:8123/api/webhook/{WEBHOOK_ID}"


async def test_reauth_and_reconfigure(
    hass: HomeAssistant, deskbee_site: DeskbeeSite, deskbee_entry: MockConfigEntry
) -> None:
    """A rotated secret is taken by reauth; reconfigure keeps the webhook and changes scope."""
    sim = deskbee_site.sim
    await setup_entry(hass, deskbee_entry)
    result = await deskbee_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: "not-it"}
    )
    assert result["errors"] == {"base": "invalid_auth_deskbee"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_CLIENT_SECRET: sim.client_secret}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"

    result = await deskbee_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "deskbee"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_URL: sim.url, CONF_CLIENT_ID: sim.client_id, CONF_CLIENT_SECRET: sim.client_secret},
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"zones": [deskbee_site.floor]}
    )
    assert result["step_id"] == "webhook"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert deskbee_entry.data[CONF_WEBHOOK_ID] == WEBHOOK_ID
    assert deskbee_entry.data["zones"] == [deskbee_site.floor]


async def test_a_clientapi_without_guest_passes_keeps_the_building(
    hass: HomeAssistant,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    issue_registry: ir.IssueRegistry,
) -> None:
    """Guest passes refused (401 `unauthenticated` there, 200 elsewhere) is no set-up error.

    The building shows without visitors, nobody is asked to log in again, a repair issue names
    what to grant; guest passes are asked again only every hour, and once granted the visitors
    show and the issue goes away.
    """
    site = deskbee_site
    refused = '{"error":401,"id":"unauthenticated","message":"Unauthenticated."}'
    site.sim.faults.fail_next(
        401, count=1000, path="/v1.1/guestpass", body=refused, headers=JSON_HEADERS
    )
    entry = await setup_entry(hass, deskbee_entry)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert status(hass, site, site.desk1) == "free"
    issue = issue_registry.async_get_issue(DOMAIN, f"{entry.entry_id}_visitors_refused")
    assert issue is not None
    assert issue.translation_placeholders["part"] == "visitors"
    assert "/v1.1/guestpass" in issue.translation_placeholders["grant"]

    def guest_pass_requests() -> int:
        return sum(path.startswith("/v1.1/guestpass") for _, path in site.sim.faults.requests)

    asked = guest_pass_requests()
    await next_poll(hass, freezer, timedelta(minutes=5))
    assert guest_pass_requests() == asked
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    site.sim.faults.clear()  # an administrator grants guest passes
    now = site.sim.clock.now()
    site.sim.create_guest_pass(
        host_email="ada@example.com",
        floor_uuid=site.floor,
        start=now + 600,
        end=now + 3600,
        guests=[("Vera Visitor", "vera@example.com")],
    )
    await next_poll(hass, freezer, timedelta(hours=1))
    assert issue_registry.async_get_issue(DOMAIN, f"{entry.entry_id}_visitors_refused") is None
    visitors = entity_id(hass, "sensor", site.uid(site.floor, "expected_visitors"))
    assert hass.states.get(visitors).state == "1"
