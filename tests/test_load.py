"""Bursts: many pushed deliveries or actions at once are absorbed with few, bounded requests."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.core import HomeAssistant
import orjson
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.workplace.api.transport import MAX_PARALLEL_REQUESTS
from custom_components.workplace.push import PARALLEL_FETCHES
from tests.conftest import WEBHOOK_ID, loaded, settle, setup_entry, signed
from tests.helpers import DeskbeeSite, SaltoSite, SmallSite, entity_id
from tests.test_services import act, in_minutes

DESKS = 40
DELIVERIES_PER_BOOKING = 5
ACTIONS = 20
DOOR_ENTRIES = 300


def delivery(transaction: str, booking: str, second: int) -> bytes:
    """A check-in delivery about one booking."""
    return orjson.dumps(
        {
            "transaction_id": transaction,
            "event": "checkin",
            "send_at": f"2026-01-01T10:00:{second:02}Z",
            "resource": {"action": "updated", "route": f"/bookings/{booking}", "uuid": booking},
        }
    )


async def test_a_burst_of_deliveries_becomes_few_bounded_requests(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    deskbee_site: DeskbeeSite,
    deskbee_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """200 deliveries at once about 40 bookings: every desk shows checked in, each check-in
    fires once, at most a few fetches run at a time and repeats about a booking add none."""
    site = deskbee_site
    desks = [site.sim.add_place(site.floor, f"EST 2.{n:03}") for n in range(DESKS)]
    bookings = [site.book(desk, starts_in=-60, ends_in=3600) for desk in desks]
    entry = await setup_entry(hass, deskbee_entry)
    for booking in bookings:
        site.sim.check_in(booking)
    faults = site.sim.faults
    # A slow server, so deliveries pile up while fetches are under way.
    faults.delay_next(0.05, count=len(bookings) * DELIVERIES_PER_BOOKING, path="/v1.1/bookings/")
    faults.requests.clear()
    client = await hass_client_no_auth()
    bodies = [
        delivery(f"t-{n}-{booking}", booking, n)
        for n in range(DELIVERIES_PER_BOOKING)
        for booking in bookings
    ]
    answers = await asyncio.gather(
        *(
            client.post(f"/api/webhook/{WEBHOOK_ID}", data=body, headers=signed(body))
            for body in bodies
        )
    )
    assert [answer.status for answer in answers] == [200] * len(bodies)
    await hass.async_block_till_done(wait_background_tasks=True)

    states = {
        hass.states.get(entity_id(hass, "sensor", site.uid(desk, "status"))).state for desk in desks
    }
    assert states == {"checked_in"}
    assert sorted(e["booking_id"] for e in bus_events if e["type"] == "checked_in") == sorted(
        bookings
    )
    fetches = [path for method, path in faults.requests if method == "GET"]
    assert len(fetches) <= 2 * len(bookings) < len(bodies)
    assert faults.max_in_flight <= PARALLEL_FETCHES
    push = entry.runtime_data.push
    # Every delivery was fetched, folded into a waiting fetch, or older than one already seen.
    assert push.coalesced + push.stale + len(fetches) == len(bodies)


async def test_many_parallel_actions_are_queued_not_fired_at_once(
    hass: HomeAssistant, small_site: SmallSite, site_entry: MockConfigEntry
) -> None:
    """20 bookings asked for at once: all made, each once, never more than 4 requests at a time."""
    site = small_site
    entry = await setup_entry(hass, site_entry)
    faults = site.sim.faults
    faults.delay_next(0.05, count=ACTIONS * 3)  # a slow server, so requests overlap
    faults.requests.clear()
    responses = await asyncio.gather(
        *(
            act(
                hass,
                "create_booking",
                entry,
                space_id=site.desk2,
                start=in_minutes(60 * hour),
                end=in_minutes(60 * hour + 30),
            )
            for hour in range(1, ACTIONS + 1)
        )
    )
    assert len({response["booking"]["id"] for response in responses}) == ACTIONS
    assert len(site.sim.bookings) == ACTIONS
    assert [method for method, _ in faults.requests].count("POST") == ACTIONS
    assert faults.max_in_flight <= MAX_PARALLEL_REQUESTS


async def test_a_burst_of_door_entries_fires_each_once(
    hass: HomeAssistant,
    salto: SaltoSite,
    salto_entry: MockConfigEntry,
    bus_events: list[dict[str, Any]],
) -> None:
    """300 door entries pushed at once over the stream, then some replayed: each fires once."""
    sim = salto.sim
    await loaded(hass, salto_entry, salto)
    for n in range(DOOR_ENTRIES):
        sim.open_with_tag(salto.front if n % 2 else salto.room, first_name=f"P{n}", last_name="X")
    await settle(hass, salto, lambda: len(bus_events) >= DOOR_ENTRIES)
    sim.stream.replay_last(50)
    await settle(hass, salto)
    assert sorted(e["person"]["name"] for e in bus_events) == sorted(
        f"P{n} X" for n in range(DOOR_ENTRIES)
    )
