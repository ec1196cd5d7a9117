"""The SALTO KS client against the simulator: tokens, paging, entries, pods, errors, stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from custom_components.workplace.api import (
    SaltoKSClient,
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConnectionError,
    WorkplaceNotFoundError,
    WorkplaceOutcomeUnknownError,
    WorkplacePermissionError,
    WorkplaceRateLimitError,
    WorkplaceRefusedError,
    WorkplaceValidationError,
)
from custom_components.workplace.api.signalr import StreamClosedError, listen
from tests.simulators.salto import SaltoSimulator

JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def sim(socket_enabled: None) -> AsyncGenerator[SaltoSimulator]:
    """A small SALTO KS site."""
    simulator = SaltoSimulator(seed=None)
    simulator.stream.ping_interval = None
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session."""
    async with aiohttp.ClientSession() as client_session:
        yield client_session


def client_for(sim: SaltoSimulator, session: aiohttp.ClientSession) -> SaltoKSClient:
    """A client of the simulated site's admin user."""
    return SaltoKSClient(
        url=sim.url,
        identity_url=sim.identity_url,
        client_id=sim.client_id,
        client_secret=sim.client_secret,
        username=sim.username,
        password=sim.password,
        session=session,
    )


async def test_tokens_are_refreshed_then_renewed(
    sim: SaltoSimulator, session: aiohttp.ClientSession
) -> None:
    """A fresh token uses the refresh token; a refused refresh signs in again."""
    client = client_for(sim, session)
    await client.get_sites()
    assert (sim.tokens_issued, sim.refreshes) == (1, 0)
    await client.access_token(fresh=True)
    assert sim.refreshes == 1
    sim.expire_refresh_tokens()
    await client.access_token(fresh=True)
    assert sim.tokens_issued == 3
    assert "password" not in repr(client).lower() or sim.password not in repr(client)
    sim.revoke_user()
    with pytest.raises(WorkplaceAuthenticationError):
        await client.access_token(fresh=True)


async def test_token_server_troubles(sim: SaltoSimulator, session: aiohttp.ClientSession) -> None:
    """An identity server that fails or answers oddly is told apart from bad credentials."""
    client = client_for(sim, session)
    sim.faults.fail_next(503, path="/connect/token")
    with pytest.raises(WorkplaceConnectionError):
        await client.get_sites()
    sim.faults.fail_next(200, path="/connect/token", body=b'{"no": "token"}', headers=JSON)
    with pytest.raises(WorkplaceBadResponseError):
        await client.get_sites()
    sim.faults.delay_next(2, path="/connect/token")
    client.request_timeout = 0.2
    with pytest.raises(WorkplaceConnectionError):
        await client.get_sites()
    await sim.go_down()
    with pytest.raises(WorkplaceConnectionError):
        await client.get_sites()


async def test_lists_follow_next_page_links(
    sim: SaltoSimulator, session: aiohttp.ClientSession
) -> None:
    """Locks come in pages linked by `next_page_link`; a bare array is a list too."""
    for index in range(7):
        sim.add_lock(f"Door {index}")
    client = client_for(sim, session)
    first = f'{{"items": [], "next_page_link": "{sim.url}/v1.1/sites/{sim.site_id}/locks"}}'
    sim.faults.fail_next(200, path=f"/v1.1/sites/{sim.site_id}/locks", body=first, headers=JSON)
    locks = await client.get_locks(sim.site_id)
    assert len(locks) == 7
    sim.faults.fail_next(200, path="/v1.1/sites", body=f'[{{"id": "{sim.site_id}"}}]', headers=JSON)
    assert [s.id for s in await client.get_sites()] == [sim.site_id]
    sim.faults.fail_next(200, path="/v1.1/sites", body=b'{"odd": 1}', headers=JSON)
    with pytest.raises(WorkplaceBadResponseError):
        await client.get_sites()


async def test_entries_follow_the_continuation_token(
    sim: SaltoSimulator, session: aiohttp.ClientSession
) -> None:
    """Pages (even an empty one with a token) are followed to the end; oldest first."""
    lock = sim.add_lock("Front door")
    for index in range(5):
        sim.open_with_tag(lock, first_name=f"P{index}", last_name="X")
    sim.entries_page_size = 2
    sim.empty_entry_pages(1)
    client = client_for(sim, session)
    entries = await client.get_entries(sim.site_id, since=datetime.now(UTC) - timedelta(hours=1))
    assert [e.person_name for e in entries] == [f"P{i} X" for i in range(5)]
    assert all(e.granted for e in entries)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (403, '{"ErrorCode":"1","Message":"no"}', WorkplacePermissionError),
        (404, '{"ErrorCode":"1101","Message":"no"}', WorkplaceNotFoundError),
        (400, '{"ErrorCode":"1102","Message":"bad filter"}', WorkplaceValidationError),
        (429, '{"ErrorCode":"0","Message":"slow"}', WorkplaceRateLimitError),
        (500, '{"ErrorCode":"2201","Message":"boom"}', WorkplaceConnectionError),
        (302, "", WorkplaceBadResponseError),
        (400, '{"ErrorCode":"2221","Message":"max guest amount reached"}', WorkplaceRefusedError),
    ],
)
async def test_error_codes(
    sim: SaltoSimulator,
    session: aiohttp.ClientSession,
    status: int,
    body: str,
    error: type[Exception],
) -> None:
    """`{ErrorCode, Message}` bodies map onto the library's errors."""
    client = client_for(sim, session)
    await client.access_token()
    sim.faults.fail_next(status, path="/v1.1/sites", body=body, headers=JSON)
    with pytest.raises(error):
        await client.get_sites()


async def test_pod_guest_answer_lost(sim: SaltoSimulator, session: aiohttp.ClientSession) -> None:
    """A dropped add is found on the pod; a failed one says so; an unknown guest is no-op."""
    lock = sim.add_lock("Front door")
    pod = sim.add_pod("Visitors", locks=[lock])
    client = client_for(sim, session)
    path = f"/v1.1/sites/{sim.site_id}/pods/{pod}/guests"
    sim.faults.drop_next(path=path)
    guest = await client.add_pod_guest(
        sim.site_id, pod, email="a@example.com", first_name="A", last_name="B"
    )
    assert guest.access_rule == "always"
    sim.faults.fail_next(503, path=path)
    with pytest.raises(WorkplaceConnectionError, match="not added"):
        await client.add_pod_guest(
            sim.site_id, pod, email="c@example.com", first_name="C", last_name="D"
        )
    sim.faults.drop_next(path=path)
    sim.faults.fail_next(500, path=f"/v1.1/sites/{sim.site_id}/pods/{pod}")
    with pytest.raises(WorkplaceOutcomeUnknownError):
        await client.add_pod_guest(
            sim.site_id, pod, email="e@example.com", first_name="E", last_name="F"
        )
    await client.remove_pod_guest(sim.site_id, pod, "nobody@example.com")


async def test_pod_guest_locks_need_a_window(
    sim: SaltoSimulator, session: aiohttp.ClientSession
) -> None:
    """The client never turns "these locks" into SALTO's period-less rule (every door)."""
    front, back = sim.add_lock("Front door"), sim.add_lock("Back door")
    pod = sim.add_pod("Visitors", locks=[front, back])
    client = client_for(sim, session)
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="every door"):
        await client.add_pod_guest(
            sim.site_id, pod, email="a@example.com", first_name="A", last_name="B", lock_ids=[front]
        )
    with pytest.raises(ValueError, match="both"):
        await client.add_pod_guest(
            sim.site_id, pod, email="a@example.com", first_name="A", last_name="B", start=now
        )
    with pytest.raises(ValueError, match="needs the locks"):
        await client.add_pod_guest(
            sim.site_id,
            pod,
            email="a@example.com",
            first_name="A",
            last_name="B",
            start=now,
            end=now + timedelta(hours=1),
        )
    assert sim.pod(pod)["guests"] == []
    guest = await client.add_pod_guest(
        sim.site_id,
        pod,
        email="a@example.com",
        first_name="A",
        last_name="B",
        lock_ids=[front],
        start=now - timedelta(minutes=1),
        end=now + timedelta(hours=1),
    )
    assert guest.access_rule == "custom"
    assert sim.guest_may_open(pod, "a@example.com", front)
    assert not sim.guest_may_open(pod, "a@example.com", back)


async def test_stream_handshake_errors_and_close(
    sim: SaltoSimulator, session: aiohttp.ClientSession
) -> None:
    """A refused token, a close frame and silence all end `listen` with a clear reason."""
    client = client_for(sim, session)
    got: list[tuple[str, list[Any]]] = []
    with pytest.raises((StreamClosedError, aiohttp.WSServerHandshakeError)):
        await listen(
            session,
            client.hub_url(sim.site_id),
            "not-a-token",
            lambda t, a: got.append((t, a)),
            silence=2,
        )
    token = await client.access_token()

    async def close_soon() -> None:
        await sim.stream.wait_connected()
        sim.stream.close_all("bye")

    closer = asyncio.create_task(close_soon())
    with pytest.raises(StreamClosedError):
        await listen(
            session, client.hub_url(sim.site_id), token, lambda t, a: got.append((t, a)), silence=2
        )
    await closer
    with pytest.raises(StreamClosedError, match="no message"):
        await listen(
            session,
            client.hub_url(sim.site_id),
            token,
            lambda t, a: got.append((t, a)),
            silence=0.3,
        )
    assert got == []


def test_stream_host_follows_the_api_host() -> None:
    """Production and accept Connect hosts stream from SALTO's event-streaming hosts."""
    client = SaltoKSClient(
        url="https://connect.my-clay.com",
        identity_url="https://identity.eu.my-clay.com",
        client_id="c",
        client_secret="s",
        username="u",
        password="p",
        session=None,  # type: ignore[arg-type]
    )
    assert str(client.hub_url("site-1")) == (
        "https://eventstreaming-connect-production.saltoks.com/v1/hub/entries?site_id=site-1"
    )
