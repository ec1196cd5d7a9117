"""Fidelity of the SALTO KS simulator against the catalog (shared/reference/salto-ks.md).

Plain aiohttp over loopback; every test takes ``socket_enabled`` (through its fixtures).
Time moves with ``sim.clock``, never by sleeping, except for the hub's real-time pings and
timeouts, which tests set to a few tens of milliseconds. The small site lives on
2026-03-10, 09:00 in Berlin.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from datetime import datetime
import hashlib
import json
import random
import sys
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.simulators.salto import SaltoError, SaltoSimulator
from tests.simulators.salto_activity import ACTIONS, run_activity, step
from tests.simulators.salto_constants import ENTRY_FIELDS, REMOVE_GUESTS_FIELD, WEEKDAYS
from tests.simulators.salto_render import LOCK_FIELDS

ZONE = ZoneInfo("Europe/Berlin")
RS = "\x1e"
MINUTE = 60
HOUR = 3600
SCOPE = "user_api.full_access offline_access"
SITE_FIELDS = [
    "active_user_amount", "active_iq_amount", "pin_enabled", "site_uid", "id",
    "customer_reference", "subscribed_user_amount", "subscription_valid", "country_code",
    "time_zone", "owner", "installation_state", "mkey_compatible", "store_events_ttl",
]  # fmt: skip
MEASURED_LOCK_FIELDS = [
    "offline_access_keys_limit", "offline_access_keys_count", "mac", "floor", "locked_state",
    "lock_type", "online", "iq_link_state", "tag_registration_state", "battery_level",
    "left_open_alarm", "intrusion_alarm", "easy_office_mode_schedule", "iq", "repeater",
    "privacy_mode", "communication_type", "vendor", "id", "customer_reference",
]  # fmt: skip
MEASURED_ENTRY_FIELDS = [
    "id", "event_category", "event_detail", "utc_date_time", "local_date_time", "lock_id",
    "lock_mac_address", "lock_customer_reference", "user_id", "user_first_name",
    "user_last_name", "user_image_url", "user_alias", "iq_id", "iq_customer_reference",
    "iq_mac_address", "iq_revision", "exit_requested", "access_by", "access_detail",
    "ttl_in_seconds", "expiration_date_time",
]  # fmt: skip


def local(hour: int, minute: int = 0, day: int = 10) -> float:
    return datetime(2026, 3, day, hour, minute, tzinfo=ZONE).timestamp()


@dataclass
class Site:
    """A small, predictable site."""

    sim: SaltoSimulator
    front: str
    office: str
    cellar: str
    flat: str
    pod: str


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """Raw HTTP against the simulator; ``login`` fetches a bearer token."""

    def __init__(self, session: aiohttp.ClientSession, sim: SaltoSimulator) -> None:
        self.session = session
        self.sim = sim
        self.token: str | None = None
        self.refresh_token: str | None = None

    async def token_call(
        self, form: dict[str, str], *, basic: tuple[str, str] | None = None, **kwargs: Any
    ) -> Reply:
        headers = {"Authorization": aiohttp.encode_basic_auth(*basic)} if basic else None
        async with self.session.post(
            f"{self.sim.identity_url}/connect/token", data=form, headers=headers, **kwargs
        ) as response:
            return Reply(response.status, dict(response.headers), await response.read())

    async def login(self, scope: str = SCOPE, **extra: str) -> Reply:
        form = {
            "grant_type": "password",
            "username": self.sim.username,
            "password": self.sim.password,
            "scope": scope,
            **extra,
        }
        reply = await self.token_call(form, basic=(self.sim.client_id, self.sim.client_secret))
        if reply.status == 200:
            self.token = reply.json()["access_token"]
            self.refresh_token = reply.json().get("refresh_token")
        return reply

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
    ) -> Reply:
        sent: dict[str, str] = {}
        chosen = self.token if token is None else token
        if chosen:
            sent["Authorization"] = f"Bearer {chosen}"
        sent.update(headers or {})
        url = path if path.startswith("http") else f"{self.sim.url}{path}"
        kwargs: dict[str, Any] = {"params": params, "headers": sent}
        if body is not None:
            kwargs["json"] = body
        async with self.session.request(method, url, **kwargs) as response:
            return Reply(response.status, dict(response.headers), await response.read())

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("PATCH", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("POST", path, **kwargs)

    def site_path(self, tail: str = "", version: str = "v1.2") -> str:
        return f"/{version}/sites/{self.sim.site_id}{tail}"

    async def open(self, lock_id: str, otp: str | None, version: str = "v1.1") -> Reply:
        body: dict[str, Any] = {"locked_state": "unlocked"}
        if otp is not None:
            body["otp"] = otp
        return await self.patch(self.site_path(f"/locks/{lock_id}/locking", version), body=body)

    async def entries(
        self, params: dict[str, str] | None = None, token: str | None = None
    ) -> Reply:
        headers = {"CLP-Continuation-Token": token} if token is not None else None
        return await self.get(self.site_path("/entries", "v1.1"), params=params, headers=headers)

    async def guests(self, pod_id: str, body: Any) -> Reply:
        return await self.patch(self.site_path(f"/pods/{pod_id}/guests", "v1.1"), body=body)


@dataclass
class Hub:
    """A SignalR JSON-protocol client over aiohttp's WebSocket."""

    ws: aiohttp.ClientWebSocketResponse
    pending: list[dict[str, Any]] = field(default_factory=list)
    buffer: str = ""

    async def handshake(self) -> dict[str, Any]:
        await self.ws.send_str(json.dumps({"protocol": "json", "version": 1}) + RS)
        return await self.next()

    async def next(self, timeout: float = 2.0, *, pings: bool = False) -> dict[str, Any]:
        """The next record (pings skipped unless ``pings``)."""
        async with asyncio.timeout(timeout):
            while True:
                while self.pending:
                    record = self.pending.pop(0)
                    if pings or record.get("type") != 6:
                        return record
                message = await self.ws.receive()
                if message.type != aiohttp.WSMsgType.TEXT:
                    raise ConnectionError(f"socket ended: {message.type}")
                self.buffer += message.data
                *records, self.buffer = self.buffer.split(RS)
                self.pending.extend(json.loads(r) for r in records)

    async def entry(self, timeout: float = 2.0) -> dict[str, Any]:
        record = await self.next(timeout)
        assert record["type"] == 1
        assert record["target"] == "ReceiveMessage"
        (argument,) = record["arguments"]
        assert isinstance(argument, str)
        return dict(json.loads(argument))

    async def silent(self, seconds: float) -> bool:
        """True if nothing at all (not even a ping) arrives within ``seconds``."""
        if self.pending:
            return False
        try:
            async with asyncio.timeout(seconds):
                await self.ws.receive()
        except TimeoutError:
            return True
        return False

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(message) + RS)


def build_site(sim: SaltoSimulator) -> Site:
    sim.clock.set(local(9))
    front = sim.add_lock("Haupteingang")
    office = sim.add_lock("Büro 1.01")
    cellar = sim.add_lock("Fahrradkeller", battery="low")
    flat = sim.add_lock("Apartment 2.01")
    pod = sim.add_pod("Apartment 2.01", locks=[flat, front], max_guest_amount=2)
    sim.add_user("Lena", "Schmidt", "lena.schmidt@werkhaus.example", tag_number="02309289")
    return Site(sim, front, office, cellar, flat, pod)


@pytest.fixture
async def site(socket_enabled: None) -> AsyncGenerator[Site]:
    sim = SaltoSimulator(seed=None)
    built = build_site(sim)
    sim.stream.ping_interval = None
    await sim.start()
    yield built
    await sim.stop()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def api(site: Site, session: aiohttp.ClientSession) -> Api:
    client = Api(session, site.sim)
    assert (await client.login()).status == 200
    return client


@pytest.fixture
async def seeded(socket_enabled: None) -> AsyncGenerator[SaltoSimulator]:
    sim = SaltoSimulator(seed=1)
    await sim.start()
    yield sim
    await sim.stop()


async def connect_hub(
    api: Api, *, query: str = "", token: str | None = None, handshake: bool = True
) -> Hub:
    sim = api.sim
    chosen = api.token if token is None else token
    url = f"{sim.hub_url}?site_id={sim.site_id}&access_token={chosen}{query}"
    hub = Hub(await api.session.ws_connect(url))
    if handshake:
        assert await hub.handshake() == {}
        await sim.stream.wait_connected()
    return hub


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


# -- identity (§2) --------------------------------------------------------------------------


async def test_password_grant_with_basic_client_auth(site: Site, session: Any) -> None:
    api = Api(session, site.sim)
    reply = await api.login(scope="user_api.full_access")
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"access_token", "expires_in", "token_type", "scope"}
    assert body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "user_api.full_access"
    header = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "=="))
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    payload = claims(body["access_token"])
    assert payload["aud"] == "user_api"
    assert payload["scope"] == ["user_api.full_access"]
    assert payload["amr"] == ["password"]
    assert payload["idp"] == "local"
    assert payload["client_id"] == site.sim.client_id
    assert payload["exp"] - payload["iat"] == 3600
    assert {"tenant_id", "product_id", "identity_id", "skip_email"} <= set(payload)
    assert reply.headers["Cache-Control"].startswith("no-store")
    assert site.sim.tokens_issued == 1


async def test_client_auth_in_the_form_and_token_lifetime(site: Site, session: Any) -> None:
    sim = site.sim
    sim.token_lifetime = 120
    api = Api(session, sim)
    form = {
        "grant_type": "password",
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "username": sim.username.upper(),
        "password": sim.password,
        "scope": "user_api.full_access",
    }
    reply = await api.token_call(form)
    assert reply.status == 200
    assert reply.json()["expires_in"] == 120
    token = reply.json()["access_token"]
    assert (await api.get(api.site_path(), token=token)).status == 200
    sim.clock.advance(121)
    expired = await api.get(api.site_path(), token=token)
    assert expired.status == 401
    assert expired.json() == {"ErrorCode": "1500", "Message": "Unauthorized"}
    assert expired.headers["WWW-Authenticate"].startswith("Bearer")


async def test_token_errors(site: Site, session: Any) -> None:
    sim = site.sim
    api = Api(session, sim)
    good = (sim.client_id, sim.client_secret)
    form = {"grant_type": "password", "username": sim.username, "password": sim.password}
    cases: list[tuple[dict[str, str], tuple[str, str] | None, str]] = [
        (form, (sim.client_id, "wrong"), "invalid_client"),
        (form, None, "invalid_client"),
        ({**form, "password": "nope"}, good, "invalid_grant"),
        ({**form, "username": "nobody@example.com"}, good, "invalid_grant"),
        ({**form, "scope": "user_api.full_access locks:read"}, good, "invalid_scope"),
        ({**form, "grant_type": "client_credentials"}, good, "unsupported_grant_type"),
        ({**form, "grant_type": "refresh_token", "refresh_token": "x"}, good, "invalid_grant"),
        ({**form, "grant_type": "refresh_token"}, good, "invalid_request"),
    ]
    for data, basic, error in cases:
        reply = await api.token_call(data, basic=basic)
        assert (reply.status, reply.json()["error"]) == (400, error), data
        assert isinstance(reply.json()["error_description"], str)
    async with session.post(
        f"{sim.url}/connect/token",
        json=form,
        headers={"Authorization": aiohttp.encode_basic_auth(*good)},
    ) as r:
        assert r.status == 400
        assert (await r.json())["error"] == "invalid_request"
    assert sim.tokens_issued == 0


async def test_missing_scope_means_every_client_scope(site: Site, session: Any) -> None:
    api = Api(session, site.sim)
    form = {"grant_type": "password", "username": site.sim.username, "password": site.sim.password}
    reply = await api.token_call(form, basic=(site.sim.client_id, site.sim.client_secret))
    assert reply.status == 200
    assert reply.json()["scope"] == "openid profile offline_access user_api.full_access"
    assert "refresh_token" in reply.json()


async def test_refresh_rotates_by_default(site: Site, api: Api) -> None:
    sim = site.sim
    first_refresh = api.refresh_token
    assert first_refresh is not None
    basic = (sim.client_id, sim.client_secret)
    form = {"grant_type": "refresh_token", "refresh_token": first_refresh}
    reply = await api.token_call(form, basic=basic)
    assert reply.status == 200
    body = reply.json()
    assert body["refresh_token"] != first_refresh
    assert body["scope"] == "offline_access user_api.full_access"
    assert (await api.get(api.site_path(), token=body["access_token"])).status == 200
    again = await api.token_call(form, basic=basic)
    assert (again.status, again.json()["error"]) == (400, "invalid_grant")
    assert sim.refreshes == 1
    assert sim.tokens_issued == 2
    sim.refresh_token_reuse = True
    reused = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    for _ in range(2):
        reply = await api.token_call(reused, basic=basic)
        assert reply.status == 200
        assert reply.json()["refresh_token"] == body["refresh_token"]
    assert sim.refreshes == 3
    no_offline = Api(api.session, sim)
    assert "refresh_token" not in (await no_offline.login("user_api.full_access")).json()


async def test_expire_tokens_then_refresh(site: Site, api: Api) -> None:
    sim = site.sim
    sim.expire_tokens()
    assert (await api.get(api.site_path())).status == 401
    form = {"grant_type": "refresh_token", "refresh_token": api.refresh_token or ""}
    reply = await api.token_call(form, basic=(sim.client_id, sim.client_secret))
    assert reply.status == 200
    assert (await api.get(api.site_path(), token=reply.json()["access_token"])).status == 200


async def test_revoke_user(site: Site, api: Api) -> None:
    sim = site.sim
    sim.revoke_user()
    assert (await api.get(api.site_path())).status == 401
    refused = await Api(api.session, sim).login()
    assert (refused.status, refused.json()["error"]) == (400, "invalid_grant")
    form = {"grant_type": "refresh_token", "refresh_token": api.refresh_token or ""}
    refresh = await api.token_call(form, basic=(sim.client_id, sim.client_secret))
    assert refresh.json()["error"] == "invalid_grant"
    sim.restore_user()
    assert (await Api(api.session, sim).login()).status == 200


async def test_authorization_code_with_pkce(site: Site, session: aiohttp.ClientSession) -> None:
    sim = site.sim
    api = Api(session, sim)
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": sim.client_id,
        "redirect_uri": "https://my.home-assistant.io/redirect/oauth",
        "scope": "openid user_api.full_access offline_access",
        "state": "xyz",
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }
    async with session.get(
        f"{sim.identity_url}/connect/authorize", params=params, allow_redirects=False
    ) as response:
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    assert location.netloc == "my.home-assistant.io"
    query = parse_qs(location.query)
    assert query["state"] == ["xyz"]
    code = query["code"][0]
    basic = (sim.client_id, sim.client_secret)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": "wrong" * 10,
    }
    assert (await api.token_call(form, basic=basic)).json()["error"] == "invalid_grant"
    async with session.get(
        f"{sim.identity_url}/connect/authorize", params=params, allow_redirects=False
    ) as response:
        code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]
    reply = await api.token_call({**form, "code": code, "code_verifier": verifier}, basic=basic)
    assert reply.status == 200
    assert {"access_token", "refresh_token", "id_token"} <= set(reply.json())
    assert (
        await api.token_call({**form, "code": code, "code_verifier": verifier}, basic=basic)
    ).json()["error"] == "invalid_grant"
    no_pkce = {k: v for k, v in params.items() if not k.startswith("code_")}
    async with session.get(
        f"{sim.identity_url}/connect/authorize", params=no_pkce, allow_redirects=False
    ) as response:
        assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == [
            "invalid_request"
        ]
    async with session.get(
        f"{sim.identity_url}/connect/authorize", params={**params, "client_id": "nope"}
    ) as response:
        assert response.status == 400


async def test_discovery_document(site: Site, session: aiohttp.ClientSession) -> None:
    async with session.get(f"{site.sim.url}/.well-known/openid-configuration") as response:
        document = await response.json()
    assert document["token_endpoint"] == f"{site.sim.identity_url}/connect/token"
    assert "password" in document["grant_types_supported"]


async def test_token_without_api_scope_is_refused(site: Site, session: Any) -> None:
    api = Api(session, site.sim)
    assert (await api.login(scope="openid profile")).status == 200
    reply = await api.get(api.site_path())
    assert reply.status == 403
    assert reply.json()["ErrorCode"] == "2203"


# -- cross-cutting (§3) ---------------------------------------------------------------------


async def test_bearer_required_and_error_code_is_a_string(site: Site, api: Api) -> None:
    for token in ("", "garbage"):
        reply = await api.get(api.site_path("/locks"), token=token)
        assert reply.status == 401
        assert reply.json() == {"ErrorCode": "1500", "Message": "Unauthorized"}
        assert b'"ErrorCode":"1500"' in reply.body


async def test_routing_decides_before_auth(site: Site, api: Api) -> None:
    unknown = await api.get("/v1.2/nothing/here", token="")
    assert (unknown.status, unknown.body) == (404, b"")
    wrong_method = await api.call("DELETE", api.site_path("/locks"), token="")
    assert wrong_method.status == 405
    assert "does not support http method 'DELETE'" in wrong_method.json()["Message"]


async def test_site_ids_must_be_uuids(site: Site, api: Api) -> None:
    uid = (await api.get(api.site_path())).json()["site_uid"]
    reply = await api.get(f"/v1.2/sites/{uid}")
    assert (reply.status, reply.json()["ErrorCode"]) == (400, "1100")
    other = await api.get("/v1.2/sites/00d20e57-9ac2-4b76-a65d-7911bfb00da2/locks")
    assert (other.status, other.json()["ErrorCode"]) == (404, "2202")


async def test_sites_bare_array_on_v12_envelope_on_v11(site: Site, api: Api) -> None:
    bare = (await api.get("/v1.2/sites")).json()
    assert isinstance(bare, list)
    assert [s["id"] for s in bare] == [site.sim.site_id]
    envelope = (await api.get("/v1.1/sites")).json()
    assert set(envelope) == {"items", "next_page_link", "count"}
    assert envelope["items"] == bare
    detail = (await api.get(api.site_path())).json()
    assert list(detail) == SITE_FIELDS
    assert detail["time_zone"] == "Europe/Berlin"
    assert detail["store_events_ttl"] == "90.00:00:00"
    assert detail["site_uid"].startswith("DE")
    assert (await api.get(api.site_path(version="v1.1"))).json() == detail


async def test_v2_permission_endpoints_are_forbidden(site: Site, api: Api) -> None:
    for tail in ("me/permissions", "me/roles", "permissions", "roles"):
        reply = await api.get(f"/v2/sites/{site.sim.site_id}/{tail}")
        assert reply.status == 403
        problem = reply.json()
        assert problem["type"] == "https://httpstatuses.io/403"
        assert problem["status"] == 403
        assert problem["traceId"].startswith("00-")


async def test_me_users_roles_iqs_subscription(site: Site, api: Api) -> None:
    sim = site.sim
    me = (await api.get("/v1.2/me")).json()
    assert me["email"] == sim.username
    site_me = (await api.get(api.site_path("/me"))).json()
    assert site_me["user"]["id"] == me["id"]
    assert site_me["id"] != me["id"]  # two ids per user (§4.4)
    assert site_me["remote_access"] is True
    assert site_me["ownership_state"] == "owner"
    assert [r["code"] for r in site_me["roles"]] == ["site_admin", "site_mobile_user"]
    activated = (await api.get(f"/v1.2/me/{sim.site_id}/activated_iqs")).json()["items"]
    assert [a["iq_id"] for a in activated] == sim.iq_ids
    users = (await api.get(api.site_path("/users"), params={"$top": "100"})).json()
    assert set(users) == {"items", "next_page_link", "count"}
    lena = next(u for u in users["items"] if u["user"]["first_name"] == "Lena")
    assert lena["user"]["tag_number"] == "02309289"
    one = (await api.get(api.site_path(f"/users/{lena['id']}"))).json()
    assert one == lena
    sim.users_bare_array = True
    assert isinstance((await api.get(api.site_path("/users"))).json(), list)
    roles = (await api.get(api.site_path("/roles", "v1.1"))).json()["items"]
    assert "site_admin" in {r["code"] for r in roles}
    iqs = (await api.get(api.site_path("/iqs"))).json()["items"]
    assert iqs[0]["otp_enabled"] is True
    assert (await api.get(api.site_path(f"/iqs/{iqs[0]['id']}"))).json() == iqs[0]
    features = (await api.get(api.site_path("/subscription"))).json()["features"]
    assert "events_streaming" in features


# -- locks (§4.2) ----------------------------------------------------------------------------


async def test_lock_fields_as_measured(site: Site, api: Api) -> None:
    for version in ("v1.1", "v1.2"):
        lock = (await api.get(api.site_path(f"/locks/{site.front}", version))).json()
        assert list(lock) == MEASURED_LOCK_FIELDS
    assert list(LOCK_FIELDS) == MEASURED_LOCK_FIELDS
    assert lock["customer_reference"] == "Haupteingang"
    assert lock["locked_state"] == "locked"
    assert lock["battery_level"] == "fresh"
    assert lock["online"] is True
    assert lock["iq"]["otp_enabled"] is True
    assert lock["iq"]["is_online"] is True
    assert lock["vendor"]["reference"] == "sallis"
    assert "site_id" not in lock
    missing = await api.get(api.site_path("/locks/4d77312f-4a87-41db-a97b-f9d948dcc908"))
    assert (missing.status, missing.json()["ErrorCode"]) == (404, "2202")


async def test_lock_list_paging_and_odata(site: Site, api: Api) -> None:
    path = api.site_path("/locks")
    page = (await api.get(path, params={"$top": "3"})).json()
    assert len(page["items"]) == 3
    assert page["count"] is None
    link = page["next_page_link"]
    assert link == f"{site.sim.url}{path}?$top=3&$skip=3"
    rest = (await api.get(link)).json()
    assert [lock["id"] for lock in page["items"] + rest["items"]] == site.sim.lock_ids()
    assert rest["next_page_link"] is None
    everything = (await api.get(path, params={"$inlinecount": "allpages"})).json()
    assert everything["count"] == 4
    assert everything["next_page_link"] is None
    low = await api.get(path, params={"$filter": "battery_level eq 'low'"})
    assert [lock["id"] for lock in low.json()["items"]] == [site.cellar]
    mixed = "customer_reference eq 'Büro 1.01' or (online eq true and battery_level ne 'fresh')"
    both = (await api.get(path, params={"$filter": mixed})).json()["items"]
    assert {lock["id"] for lock in both} == {site.office, site.cellar}
    ordered = (await api.get(path, params={"$orderby": "customer_reference desc"})).json()
    names = [lock["customer_reference"] for lock in ordered["items"]]
    assert names == sorted(names, reverse=True)
    for params in (
        {"$orderby": "date"},
        {"$filter": "colour eq 'red'"},
        {"$top": "x"},
        {"$filter": "online eq"},
    ):
        bad = await api.get(path, params=params)
        assert (bad.status, bad.json()["ErrorCode"]) == (400, "1102"), params


async def test_direct_lock_changes_show_in_the_api(site: Site, api: Api) -> None:
    sim = site.sim
    sim.set_lock(site.office, online=False, battery_level="very_low", intrusion_alarm=True)
    sim.set_lock(site.office, left_open_alarm=True, privacy_mode=True)
    lock = (await api.get(api.site_path(f"/locks/{site.office}"))).json()
    assert (lock["online"], lock["battery_level"]) == (False, "very_low")
    assert lock["intrusion_alarm"] is lock["left_open_alarm"] is lock["privacy_mode"] is True
    sim.set_lock(site.office, locked_state="office_mode")
    assert sim.lock(site.office)["locked_state"] == "office_mode"
    with pytest.raises(TypeError):
        sim.set_lock(site.office, colour="red")
    new = sim.add_lock("Dachterrasse", online=False, battery="low")
    assert (await api.get(api.site_path(f"/locks/{new}"))).json()["online"] is False
    sim.remove_lock(site.flat)
    assert (await api.get(api.site_path(f"/locks/{site.flat}"))).status == 404
    assert sim.pod(site.pod)["locks"] == [site.front]
    sim.set_iq(online=False)
    assert (await api.get(api.site_path(f"/locks/{site.front}"))).json()["iq"]["is_online"] is False


# -- remote opening and OTP (§4.2, §4.3, §5) ---------------------------------------------------


async def test_remote_open_with_a_valid_otp(site: Site, api: Api) -> None:
    sim = site.sim
    before = len(sim.entries)
    reply = await api.open(site.front, sim.current_otp())
    assert (reply.status, reply.body) == (200, b"")
    assert sim.lock(site.front)["locked_state"] == "unlocked"
    entry = sim.entries[-1]
    assert len(sim.entries) == before + 1
    assert entry["event_category"] == "lock_opened"
    assert entry["access_by"] == "remote"
    assert entry["lock_id"] == site.front
    me = (await api.get("/v1.2/me")).json()
    assert entry["user_id"] == me["id"]
    assert (entry["user_first_name"], entry["user_last_name"]) == ("Home", "Assistant")
    sim.clock.advance(4)
    lock = (await api.get(api.site_path(f"/locks/{site.front}"))).json()
    assert lock["locked_state"] == "unlocked"
    sim.clock.advance(2)
    lock = (await api.get(api.site_path(f"/locks/{site.front}"))).json()
    assert lock["locked_state"] == "locked"
    assert (await api.open(site.office, sim.current_otp().upper(), "v1.2")).status == 200


async def test_otp_missing_invalid_and_blocked(site: Site, api: Api) -> None:
    sim = site.sim
    missing = await api.open(site.front, None)
    assert missing.status == 404
    assert missing.json() == {"ErrorCode": "2202", "Message": "Otp is invalid"}
    assert (await api.open(site.front, "")).status == 404
    for _ in range(3):
        wrong = await api.open(site.front, "00000")
        assert wrong.status == 400
        assert wrong.json() == {"ErrorCode": "3102", "Message": "otp_invalid"}
    blocked = await api.open(site.front, sim.current_otp())
    assert blocked.status == 403
    assert blocked.json() == {"ErrorCode": "3102", "Message": "otp_blocked"}
    assert sim.otp_blocked()
    assert sim.lock(site.front)["locked_state"] == "locked"
    sim.clock.advance(301)
    assert not sim.otp_blocked()
    assert (await api.open(site.front, sim.current_otp())).status == 200
    with pytest.raises(SaltoError) as raised:
        sim.remote_open(site.front, None)
    assert raised.value.code == "2202"


async def test_a_valid_code_resets_the_failure_count(site: Site, api: Api) -> None:
    sim = site.sim
    for _ in range(2):
        assert (await api.open(site.front, "00000")).status == 400
    assert (await api.open(site.front, sim.current_otp())).status == 200
    for _ in range(2):
        assert (await api.open(site.front, "00000")).status == 400
    assert (await api.open(site.front, sim.current_otp())).status == 200
    sim.set_otp_policy(max_failures=1, block_seconds=60)
    assert (await api.open(site.front, "00000")).status == 400
    assert (await api.open(site.front, sim.current_otp())).status == 403
    sim.clock.advance(61)
    assert (await api.open(site.front, sim.current_otp())).status == 200


async def test_otp_is_valid_three_minutes(site: Site, api: Api) -> None:
    sim = site.sim
    code = sim.current_otp()
    assert len(code) == 5
    assert code == sim.current_otp()
    sim.clock.advance(149)
    assert (await api.open(site.front, code)).status == 200
    sim.clock.advance(32)
    assert (await api.open(site.front, code)).status == 400
    assert sim.current_otp() != code
    async with api.session.get(f"{sim.url}/app/otp") as response:
        assert await response.text() == sim.current_otp()


async def test_remote_open_refusals(site: Site, api: Api) -> None:
    sim = site.sim
    bad_state = await api.patch(
        api.site_path(f"/locks/{site.front}/locking"),
        body={"locked_state": "open", "otp": sim.current_otp()},
    )
    assert (bad_state.status, bad_state.json()["ErrorCode"]) == (400, "1101")
    sim.set_lock(site.front, online=False)
    offline = await api.open(site.front, sim.current_otp())
    assert (offline.status, offline.json()["ErrorCode"]) == (403, "2203")
    sim.set_lock(site.front, online=True)
    sim.set_iq(otp_enabled=False)
    assert (await api.open(site.front, sim.current_otp())).status == 403
    sim.set_iq(otp_enabled=True, online=False)
    assert (await api.open(site.front, sim.current_otp())).status == 403
    sim.set_iq(online=True)
    sim.set_remote_access(False)
    denied = await api.open(site.front, sim.current_otp())
    assert denied.json() == {
        "ErrorCode": "2203",
        "Message": "User does not have permission for this operation",
    }
    sim.set_remote_access(True)
    assert (await api.open(site.front, sim.current_otp())).status == 200
    unknown = await api.open("4d77312f-4a87-41db-a97b-f9d948dcc908", sim.current_otp())
    assert unknown.status == 404


async def test_a_login_without_iq_activation_cannot_open(site: Site, api: Api) -> None:
    sim = site.sim
    sim.add_login("mia@werkhaus.example", "secret-1", "Mia", "Schneider", activated=False)
    other = Api(api.session, sim)
    form = {"grant_type": "password", "username": "mia@werkhaus.example", "password": "secret-1"}
    reply = await other.token_call(form, basic=(sim.client_id, sim.client_secret))
    other.token = reply.json()["access_token"]
    code = sim.current_otp("mia@werkhaus.example")
    assert (await other.open(site.front, code)).json()["Message"] == "otp_invalid"


async def test_office_mode_remotely(site: Site, api: Api) -> None:
    sim = site.sim
    path = api.site_path(f"/locks/{site.front}/locking")
    reply = await api.patch(path, body={"locked_state": "office_mode", "otp": sim.current_otp()})
    assert reply.status == 200
    assert sim.lock(site.front)["locked_state"] == "office_mode"
    assert (sim.entries[-1]["event_category"], sim.entries[-1]["event_detail"]) == (
        "office_mode",
        "start",
    )
    reply = await api.patch(path, body={"locked_state": "locked", "otp": sim.current_otp()})
    assert reply.status == 200
    assert sim.lock(site.front)["locked_state"] == "locked"
    assert sim.entries[-1]["event_detail"] == "end"


# -- entries (§4.7) ----------------------------------------------------------------------------


def make_entries(site: Site, count: int, gap: float = MINUTE) -> list[dict[str, Any]]:
    made = []
    for index in range(count):
        lock = site.front if index % 2 == 0 else site.office
        made.append(site.sim.open_with_tag(lock, first_name="Lena", last_name="Schmidt"))
        site.sim.clock.advance(gap)
    return made


async def test_entry_fields_as_measured(site: Site, api: Api) -> None:
    sim = site.sim
    sim.open_with_tag(site.front, first_name="Lena", last_name="Schmidt")
    reply = await api.entries({"$top": "20", "$orderby": "utc_date_time desc"})
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"items", "continuation_token"}
    assert body["continuation_token"] is None
    (entry,) = body["items"]
    assert list(entry) == MEASURED_ENTRY_FIELDS == list(ENTRY_FIELDS)
    assert entry["event_category"] == "lock_opened"
    assert entry["event_detail"] is None
    assert entry["access_by"] == "tag"
    assert entry["access_detail"] == "02309289"
    assert entry["user_alias"] == ""
    assert entry["utc_date_time"] == "2026-03-10T08:00:00Z"
    assert entry["local_date_time"] == "2026-03-10T09:00:00"
    assert entry["ttl_in_seconds"] == 7776000
    assert entry["expiration_date_time"].startswith("2026-06-08T08:00:01.")
    assert entry["expiration_date_time"].endswith("Z")
    assert entry == sim.entries[-1]
    not_here = await api.get(api.site_path("/entries", "v1.2"))
    assert not_here.status == 405


async def test_measured_rejection_shapes(site: Site) -> None:
    sim = site.sim
    unknown_tag = sim.reject_unknown_tag(site.front, "02307300")
    assert (unknown_tag["event_category"], unknown_tag["event_detail"]) == ("lock_rejected", None)
    assert unknown_tag["user_id"] is None
    assert unknown_tag["user_alias"] is None
    unknown_pin = sim.reject_unknown_pin(site.front)
    assert unknown_pin["user_id"] == "ee8f17b4-701b-4aa6-9f1c-22f71cc61ca6"
    assert (unknown_pin["access_by"], unknown_pin["event_detail"]) == ("pin_code", "no_access")
    denied = sim.open_with_tag(site.front, first_name="Lena", last_name="Schmidt", granted=False)
    assert (denied["event_category"], denied["event_detail"]) == ("lock_rejected", "no_access")
    assert denied["user_first_name"] == "Lena"
    assert sim.lock(site.front)["locked_state"] == "locked"
    handle = sim.exit_with_handle(site.office)
    assert (handle["access_by"], handle["access_detail"], handle["exit_requested"]) == (
        "inside_handle",
        "",
        True,
    )
    assert sim.lock(site.office)["locked_state"] == "unlocked"
    pin = sim.open_with_pin(site.cellar, first_name="Noah", last_name="Schulz")
    assert pin["access_by"] == "pin_code"
    start = sim.easy_office_mode(site.front, start=True, first_name="Lena", last_name="Schmidt")
    assert (start["event_category"], start["event_detail"]) == ("easy_office_mode", "start")
    assert sim.lock(site.front)["locked_state"] == "office_mode"
    sim.easy_office_mode(site.front, start=False, first_name="Lena", last_name="Schmidt")
    assert sim.lock(site.front)["locked_state"] == "locked"
    app = sim.app_open(site.front, first_name="Lena", last_name="Schmidt")
    assert app["access_by"] == "remote"


async def test_entries_order_and_continuation(site: Site, api: Api) -> None:
    made = make_entries(site, 5)
    newest_first = [e["id"] for e in reversed(made)]
    default = (await api.entries()).json()["items"]
    assert [e["id"] for e in default] == newest_first
    seen: list[str] = []
    token: str | None = None
    pages = 0
    params = {"$top": "2", "$orderby": "utc_date_time desc"}
    while True:
        body = (await api.entries(params, token)).json()
        pages += 1
        seen.extend(e["id"] for e in body["items"])
        token = body["continuation_token"]
        if token is None:
            break
        assert isinstance(token, str)
        document = json.loads(token)
        assert document[0]["token"].startswith("+RID:~")
        assert document[0]["range"] == {"min": "", "max": "FF"}
    assert seen == newest_first
    assert pages == 3
    ascending = (await api.entries({"$orderby": "local_date_time asc"})).json()["items"]
    assert [e["id"] for e in ascending] == [e["id"] for e in made]
    bad = await api.entries({"$orderby": "date"})
    assert (bad.status, bad.json()["ErrorCode"]) == (400, "1102")


async def test_empty_page_that_still_carries_a_token(site: Site, api: Api) -> None:
    made = make_entries(site, 3)
    site.sim.empty_entry_pages(2)
    seen: list[str] = []
    token: str | None = None
    empties = 0
    while True:
        body = (await api.entries({"$top": "2"}, token)).json()
        if not body["items"]:
            empties += 1
            assert body["continuation_token"] is not None
        seen.extend(e["id"] for e in body["items"])
        token = body["continuation_token"]
        if token is None:
            break
    assert empties == 2
    assert seen == [e["id"] for e in reversed(made)]


async def test_scan_budget_gives_empty_pages_with_tokens(site: Site, api: Api) -> None:
    sim = site.sim
    sim.entries_scan_budget = 3
    wanted = sim.open_with_tag(site.cellar, first_name="Lena", last_name="Schmidt")
    sim.clock.advance(MINUTE)
    make_entries(site, 7)
    params = {"$filter": f"lock_id eq '{site.cellar}'", "$top": "5"}
    first = (await api.entries(params)).json()
    assert first["items"] == []
    assert first["continuation_token"] is not None
    items: list[dict[str, Any]] = []
    token: str | None = first["continuation_token"]
    while token is not None:
        body = (await api.entries(params, token)).json()
        items.extend(body["items"])
        token = body["continuation_token"]
    assert items == [wanted]


async def test_entry_filters(site: Site, api: Api) -> None:
    made = make_entries(site, 4, gap=10 * MINUTE)
    since = made[2]["utc_date_time"]
    for expression in (
        f"utc_date_time ge DateTime'{since}'",
        f"utc_date_time ge datetime'{since}'",
        f"utc_date_time ge {since}",
        f"local_date_time ge DateTime'{made[2]['local_date_time']}'",
    ):
        body = (await api.entries({"$filter": expression})).json()
        assert [e["id"] for e in body["items"]] == [made[3]["id"], made[2]["id"]], expression
    both = f"utc_date_time gt DateTime'{made[0]['utc_date_time']}' and lock_id eq '{site.front}'"
    assert [e["id"] for e in (await api.entries({"$filter": both})).json()["items"]] == [
        made[2]["id"]
    ]
    by_kind = (await api.entries({"$filter": "event_category eq 'lock_rejected'"})).json()
    assert by_kind["items"] == []
    for expression in ("date ge DateTime'2026-03-10T00:00:00Z'", "utc_date_time ge", "lock_id ~ 1"):
        bad = await api.entries({"$filter": expression})
        assert (bad.status, bad.json()["ErrorCode"]) == (400, "1102"), expression


async def test_bad_continuation_tokens(site: Site, api: Api) -> None:
    make_entries(site, 3)
    token = (await api.entries({"$top": "1"})).json()["continuation_token"]
    escaped = json.dumps(token)  # sent JSON-escaped instead of verbatim
    for bad in ("nonsense", escaped, '[{"token":"+RID:~!!","range":{}}]'):
        reply = await api.entries({"$top": "1"}, bad)
        assert (reply.status, reply.json()["ErrorCode"]) == (400, "1100"), bad
    flipped = await api.entries({"$top": "1", "$orderby": "utc_date_time asc"}, token)
    assert flipped.status == 400


async def test_entries_are_not_real_time_but_the_stream_is(site: Site, api: Api) -> None:
    sim = site.sim
    sim.entries_delay = 30
    hub = await connect_hub(api)
    made = sim.open_with_tag(site.front, first_name="Lena", last_name="Schmidt")
    await sim.stream.flush()
    assert await hub.entry() == made
    assert (await api.entries()).json()["items"] == []
    sim.clock.advance(31)
    assert (await api.entries()).json()["items"] == [made]
    await hub.ws.close()


# -- pods (§4.6) -----------------------------------------------------------------------------


def guest(email: str, rule: dict[str, Any] | None = None, **names: str) -> dict[str, Any]:
    return {
        "first_name": names.get("first_name", "Chloé"),
        "last_name": names.get("last_name", "Martin"),
        "email": email,
        "access_rule": rule if rule is not None else {"access_rule_type": "always"},
    }


def weekdays(**overrides: Any) -> dict[str, Any]:
    return {
        **dict.fromkeys(WEEKDAYS, True),
        "start_time": "08:00",
        "end_time": "18:00",
        "start_date": "2026-03-10T00:00:00Z",
        "end_date": "2026-03-12",
        **overrides,
    }


async def test_pod_list_and_detail(site: Site, api: Api) -> None:
    listed = (await api.get(api.site_path("/pods", "v1.1"))).json()
    assert set(listed) == {"items", "next_page_link", "count"}
    (pod,) = listed["items"]
    assert pod == (await api.get(api.site_path(f"/pods/{site.pod}", "v1.1"))).json()
    assert list(pod) == [
        "id", "customer_reference", "max_guest_amount", "locks", "access_rule", "members",
        "guests",
    ]  # fmt: skip
    assert pod["locks"] == [site.flat, site.front]
    assert pod == site.sim.pod(site.pod)
    assert (await api.get(api.site_path("/pods", "v1.2"))).status == 404


async def test_add_guests_existing_and_invited(site: Site, api: Api) -> None:
    sim = site.sim
    custom = {"access_rule_type": "custom", "locks": [site.flat], "schedules": [weekdays()]}
    body = {
        "add_guests": [
            guest("lena.schmidt@werkhaus.example", first_name="Lena", last_name="Schmidt"),
            guest("chloe.martin@example.fr", custom),
        ]
    }
    reply = await api.guests(site.pod, body)
    assert reply.status == 200
    pod = reply.json()
    assert pod == sim.pod(site.pod)
    lena, chloe = pod["guests"]
    assert list(chloe) == [
        "id", "site_user_id", "user_id", "first_name", "last_name", "email", "access_rule",
    ]  # fmt: skip
    assert chloe["access_rule"]["access_rule_type"] == "custom"
    assert chloe["access_rule"]["locks"] == [site.flat]
    (schedule,) = chloe["access_rule"]["schedules"]
    assert (schedule["start_time"], schedule["end_time"]) == ("08:00:00", "18:00:59")
    assert schedule["saturday"] is True
    assert lena["access_rule"] == {"access_rule_type": "always", "locks": [], "schedules": []}
    users = (await api.get(api.site_path("/users"))).json()["items"]
    lena_user = next(u for u in users if u["user"]["email"] == "lena.schmidt@werkhaus.example")
    assert lena["site_user_id"] == lena_user["id"]
    assert lena["user_id"] == lena_user["user"]["id"]
    assert "site_guest" in [r["code"] for r in lena_user["roles"]]
    assert sim.invitations == ["chloe.martin@example.fr"]


async def test_guest_validation(site: Site, api: Api) -> None:
    custom = {"access_rule_type": "custom", "locks": [site.flat], "schedules": [weekdays()]}
    no_days = weekdays(**dict.fromkeys(WEEKDAYS, False))
    rules: list[tuple[dict[str, Any] | None, str]] = [
        (None, "1101"),
        ({"access_rule_type": "sometimes"}, "1101"),
        ({**custom, "locks": []}, "1101"),
        ({**custom, "schedules": []}, "1101"),
        ({"access_rule_type": "always", "locks": [site.flat]}, "1101"),
        ({**custom, "schedules": [no_days]}, "1101"),
        ({**custom, "schedules": [weekdays(end_time="25:00")]}, "1101"),
        ({**custom, "locks": [site.office]}, "2222"),
    ]
    cases: list[tuple[Any, str]] = [
        ({"add_guests": [{**guest("a@x.de"), "access_rule": rule}]}, code) for rule, code in rules
    ]
    cases += [
        ({"add_guests": [guest("not-an-email")]}, "1101"),
        ({"add_guests": [guest("a@x.de"), guest("b@x.de"), guest("c@x.de")]}, "2221"),
        ({"add_guests": [guest("a@x.de"), guest("A@x.de")]}, "2216"),
        ([], "1100"),
    ]
    for body, code in cases:
        reply = await api.guests(site.pod, body)
        assert (reply.status, reply.json()["ErrorCode"]) == (400, code), body
    assert site.sim.pod(site.pod)["guests"] == []
    assert site.sim.invitations == []
    missing = await api.guests("4d77312f-4a87-41db-a97b-f9d948dcc908", {"add_guests": []})
    assert missing.status == 404


async def test_remove_guests(site: Site, api: Api) -> None:
    added = await api.guests(site.pod, {"add_guests": [guest("a@x.de"), guest("b@x.de")]})
    first, second = (g["id"] for g in added.json()["guests"])
    assert REMOVE_GUESTS_FIELD == "remove_guests_ids"  # the vendor page's spelling (seed 004)
    ignored = await api.guests(site.pod, {"remove_guest_ids": [first]})  # catalog's guess
    assert len(ignored.json()["guests"]) == 2
    swap = {"remove_guests_ids": [first, "not-a-guest"], "add_guests": [guest("c@x.de")]}
    pod = (await api.guests(site.pod, swap)).json()
    assert [g["email"] for g in pod["guests"]] == ["b@x.de", "c@x.de"]
    assert second in [g["id"] for g in pod["guests"]]


async def test_pod_create_update_delete_and_members(site: Site, api: Api) -> None:
    sim = site.sim
    pods = api.site_path("/pods", "v1.1")
    body = {
        "customer_reference": "Apartment 2.02",
        "max_guest_amount": 1,
        "locks": [site.front],
        "members": [
            {"first_name": "Finn", "last_name": "Richter", "email": "finn@x.de", "tag_id": "t1"}
        ],
        "access_rule": {"access_rule_type": "always", "schedules": []},
    }
    created = await api.post(pods, body=body)
    assert created.status == 200
    pod = created.json()
    assert pod["members"][0]["email"] == "finn@x.de"
    assert pod["members"][0]["site_user_settings"] == {"remote_access": True}
    assert (await api.post(pods, body=body)).json()["ErrorCode"] == "2213"
    foreign = {**body, "customer_reference": "X", "locks": ["4d77312f-4a87-41db-a97b-f9d948dcc908"]}
    assert (await api.post(pods, body=foreign)).json()["ErrorCode"] == "2214"
    nameless = {**body, "customer_reference": "Y", "members": [{"first_name": "A"}]}
    assert (await api.post(pods, body=nameless)).json()["ErrorCode"] == "2215"
    taken = {**body, "customer_reference": "Z"}
    assert (await api.post(pods, body=taken)).json()["ErrorCode"] == "2217"
    members = f"{pods}/{pod['id']}/members"
    twice = {"add_members": [{"email": "finn@x.de"}]}
    assert (await api.patch(members, body=twice)).json()["ErrorCode"] == "2216"
    same_tag = {"add_members": [{"email": "ina@x.de", "tag_id": "t1"}]}
    assert (await api.patch(members, body=same_tag)).json()["ErrorCode"] == "2218"
    swap = {"remove_member_ids": [pod["members"][0]["id"]], "add_members": [{"email": "ina@x.de"}]}
    assert [m["email"] for m in (await api.patch(members, body=swap)).json()["members"]] == [
        "ina@x.de"
    ]
    one = f"{pods}/{pod['id']}"
    await api.guests(pod["id"], {"add_guests": [guest("g@x.de")]})
    lower = await api.patch(one, body={"max_guest_amount": 0})
    assert (lower.status, lower.json()["ErrorCode"]) == (400, "2219")
    renamed = await api.patch(one, body={"customer_reference": "Apartment 2.03"})
    assert renamed.json()["customer_reference"] == "Apartment 2.03"
    assert (await api.call("DELETE", one)).status == 204
    assert (await api.get(one)).status == 404
    assert sim.pod_ids() == [site.pod]


async def test_direct_guest_methods(site: Site) -> None:
    sim = site.sim
    guest_id = sim.add_guest(site.pod, first_name="Luca", last_name="Rossi", email="l@x.it")
    assert sim.pod(site.pod)["guests"][0]["id"] == guest_id
    sim.add_guest(site.pod, first_name="Mia", last_name="Jansen", email="m@x.nl")
    with pytest.raises(SaltoError) as raised:
        sim.add_guest(site.pod, first_name="Too", last_name="Many", email="t@x.de")
    assert raised.value.code == "2221"
    sim.remove_guest(site.pod, guest_id)
    assert len(sim.pod(site.pod)["guests"]) == 1


# -- SignalR hub (§6) ---------------------------------------------------------------------------


async def test_hub_delivers_entries_as_json_strings(site: Site, api: Api) -> None:
    sim = site.sim
    hub = await connect_hub(api)
    assert sim.stream.connections == 1
    made = sim.open_with_tag(site.front, first_name="Lena", last_name="Schmidt")
    await sim.stream.flush()
    assert await hub.entry() == made
    assert made == sim.entries[-1]
    assert (await api.open(site.office, sim.current_otp())).status == 200
    await sim.stream.flush()
    remote = await hub.entry()
    assert (remote["access_by"], remote["lock_id"]) == ("remote", site.office)
    await hub.ws.close()
    await sim.stream.wait_disconnected()
    assert sim.stream.connections == 0


async def test_hub_negotiation(site: Site, api: Api) -> None:
    sim = site.sim
    url = f"{sim.hub_url}/negotiate?negotiateVersion=1&site_id={sim.site_id}"
    async with api.session.post(url, headers={"Authorization": f"Bearer {api.token}"}) as r:
        assert r.status == 200
        negotiated = await r.json()
    assert negotiated["negotiateVersion"] == 1
    assert negotiated["availableTransports"] == [
        {"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}
    ]
    token = negotiated["connectionToken"]
    assert token != negotiated["connectionId"]
    ws_url = f"{sim.hub_url}?site_id={sim.site_id}&id={token}"
    headers = {"Authorization": f"Bearer {api.token}"}
    hub = Hub(await api.session.ws_connect(ws_url, headers=headers))
    assert await hub.handshake() == {}
    with pytest.raises(aiohttp.WSServerHandshakeError) as reused:
        await api.session.ws_connect(ws_url, headers=headers)
    assert reused.value.status == 404
    async with api.session.post(f"{sim.hub_url}/negotiate?site_id={sim.site_id}") as r:
        assert r.status == 401
    async with api.session.post(
        url.replace("negotiateVersion=1", "negotiateVersion=0"), headers=headers
    ) as r:
        assert "connectionToken" not in await r.json()
    await hub.ws.close()


async def test_hub_refuses_bad_connections(site: Site, api: Api) -> None:
    sim = site.sim

    async def status_of(url: str, headers: dict[str, str] | None = None) -> int:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await api.session.ws_connect(url, headers=headers)
        return refused.value.status

    base = sim.hub_url
    assert await status_of(f"{base}?site_id={sim.site_id}") == 401
    assert await status_of(f"{base}?site_id={sim.site_id}&access_token=nope") == 401
    assert await status_of(f"{base}?access_token={api.token}") == 400
    other_site = "00d20e57-9ac2-4b76-a65d-7911bfb00da2"
    assert await status_of(f"{base}?site_id={other_site}&access_token={api.token}") == 403
    sim.features.remove("events_streaming")
    assert await status_of(f"{base}?site_id={sim.site_id}&access_token={api.token}") == 403
    sim.features.append("events_streaming")
    sim.expire_tokens()
    assert await status_of(f"{base}?site_id={sim.site_id}&access_token={api.token}") == 401
    await api.login()
    header = {"Authorization": f"Bearer {api.token}"}
    hub = Hub(await api.session.ws_connect(f"{base}?site_id={sim.site_id}", headers=header))
    assert await hub.handshake() == {}
    await hub.ws.close()
    async with api.session.get(f"{base}?site_id={sim.site_id}", headers=header) as plain:
        assert plain.status == 400


async def test_hub_handshake_errors(site: Site, api: Api) -> None:
    hub = await connect_hub(api, handshake=False)
    await hub.ws.send_str(json.dumps({"protocol": "messagepack", "version": 1}) + RS)
    answer = await hub.next()
    assert answer == {"error": "The protocol 'messagepack' is not supported."}
    closing = await hub.ws.receive()
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    site.sim.stream.handshake_timeout = 0.05
    silent = await connect_hub(api, handshake=False)
    closing = await silent.ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_hub_user_filter(site: Site, api: Api) -> None:
    sim = site.sim
    lena_id = sim.open_with_tag(site.front, first_name="Lena", last_name="Schmidt")["user_id"]
    hub = await connect_hub(api, query=f"&user_id={lena_id}")
    sim.exit_with_handle(site.front)
    sim.open_with_tag(site.front, first_name="Noah", last_name="Schulz")
    lena = sim.open_with_tag(site.office, first_name="Lena", last_name="Schmidt")
    await sim.stream.flush()
    assert await hub.entry() == lena
    assert await hub.silent(0.1)
    await hub.ws.close()
    sim.add_login("mia@werkhaus.example", "pw-mia-123", "Mia", "Schneider")
    other = Api(api.session, sim)
    form = {"grant_type": "password", "username": "mia@werkhaus.example", "password": "pw-mia-123"}
    other.token = (await other.token_call(form, basic=(sim.client_id, sim.client_secret))).json()[
        "access_token"
    ]
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await connect_hub(other, query=f"&user_id={lena_id}")
    assert refused.value.status == 403
    mia_id = (await other.get("/v1.2/me")).json()["id"]
    own = await connect_hub(other, query=f"&user_id={mia_id}")
    await own.ws.close()


async def test_hub_pings_both_ways_and_close(site: Site, api: Api) -> None:
    sim = site.sim
    sim.stream.ping_interval = 0.03
    hub = await connect_hub(api)
    assert await hub.next(pings=True) == {"type": 6}
    await hub.send({"type": 6})
    await hub.send({"type": 1, "target": "Subscribe", "arguments": [], "invocationId": "1"})
    completion = await hub.next()
    assert completion["type"] == 3
    assert completion["invocationId"] == "1"
    assert "error" in completion
    await hub.send({"type": 7})
    closing = await hub.ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    await sim.stream.wait_disconnected()


async def test_hub_without_pings_stays_silent(site: Site, api: Api) -> None:
    hub = await connect_hub(api)
    assert await hub.silent(0.15)
    await hub.ws.close()


async def test_hub_client_timeout(site: Site, api: Api) -> None:
    site.sim.stream.client_timeout = 0.1
    hub = await connect_hub(api)
    assert await hub.next() == {"type": 7}
    closing = await hub.ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_hub_drop_all_is_abnormal(site: Site, api: Api) -> None:
    sim = site.sim
    first = await connect_hub(api)
    second = await connect_hub(api)
    await sim.stream.wait_connected(2)
    assert sim.stream.connections == 2
    sim.stream.drop_all()
    for hub in (first, second):
        message = await hub.ws.receive(timeout=2)
        assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
        assert hub.ws.close_code == 1006
    await sim.stream.wait_disconnected()
    assert sim.stream.connections == 0
    again = await connect_hub(api)
    made = sim.exit_with_handle(site.front)
    await sim.stream.flush()
    assert await again.entry() == made
    await again.ws.close()


async def test_hub_close_all_with_error(site: Site, api: Api) -> None:
    hub = await connect_hub(api)
    site.sim.stream.close_all("Server is shutting down.", allow_reconnect=True)
    record = await hub.next()
    assert record == {"type": 7, "error": "Server is shutting down.", "allowReconnect": True}
    closing = await hub.ws.receive(timeout=2)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_hub_stall_and_resume(site: Site, api: Api) -> None:
    sim = site.sim
    sim.stream.ping_interval = 0.03
    hub = await connect_hub(api)
    assert await hub.next(pings=True) == {"type": 6}
    sim.stream.stall()
    await asyncio.sleep(0.05)  # let a ping already on its way land
    hub.pending.clear()
    while not await hub.silent(0.0):
        pass
    made = sim.open_with_tag(site.front, first_name="Lena", last_name="Schmidt")
    await sim.stream.flush()  # returns at once while stalled
    assert await hub.silent(0.15)
    assert not hub.ws.closed
    assert sim.stream.connections == 1
    sim.stream.resume()
    assert await hub.entry() == made
    await hub.ws.close()


async def test_hub_replay_last(site: Site, api: Api) -> None:
    sim = site.sim
    made = make_entries(site, 3)
    hub = await connect_hub(api)
    sim.stream.replay_last(2)
    await sim.stream.flush()
    assert [await hub.entry(), await hub.entry()] == made[1:]
    await hub.ws.close()


async def test_open_connection_outlives_its_token(site: Site, api: Api) -> None:
    sim = site.sim
    hub = await connect_hub(api)
    sim.clock.advance(2 * HOUR)
    sim.expire_tokens()
    made = sim.exit_with_handle(site.front)
    await sim.stream.flush()
    assert await hub.entry() == made
    await hub.ws.close()


async def test_go_down_and_come_up(site: Site, api: Api) -> None:
    sim = site.sim
    hub = await connect_hub(api)
    await sim.go_down()
    message = await hub.ws.receive(timeout=2)
    assert message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get(api.site_path())
    await sim.come_up()
    assert (await api.get(api.site_path("/locks"))).status == 200
    again = await connect_hub(api)
    await again.ws.close()


async def test_faults_apply_to_every_surface(site: Site, api: Api) -> None:
    sim = site.sim
    sim.faults.fail_next(503, path="/v1.2/sites", body='{"Message":"busy"}')
    assert (await api.get(api.site_path("/locks"))).status == 503
    assert (await api.get(api.site_path("/locks"))).status == 200
    sim.faults.fail_next(404, path="/connect/token")
    assert (await Api(api.session, sim).login()).status == 404
    sim.faults.fail_next(503, path="/v1/hub/entries")
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await connect_hub(api)
    assert ("GET", api.site_path("/locks")) in sim.faults.requests


# -- seeding, activity, CLI --------------------------------------------------------------------


async def test_seeded_site(seeded: SaltoSimulator, session: aiohttp.ClientSession) -> None:
    api = Api(session, seeded)
    await api.login()
    locks = (await api.get(api.site_path("/locks"))).json()["items"]
    assert len(locks) == 9
    assert {lock["battery_level"] for lock in locks} == {"fresh", "low"}
    assert [lock["online"] for lock in locks].count(False) == 1
    assert any(lock["lock_type"] == "wall_reader_pin" for lock in locks)
    assert len(seeded.iq_ids) == 2
    pods = (await api.get(api.site_path("/pods", "v1.1"))).json()["items"]
    assert len(pods) == 2
    assert len(pods[0]["guests"]) == 1
    history = seeded.entries
    assert len(history) > 20
    now = seeded.clock.now()
    assert all(datetime.fromisoformat(e["utc_date_time"]).timestamp() <= now for e in history)
    assert {e["access_by"] for e in history} >= {"tag", "pin_code", "inside_handle"}
    assert (await api.open(locks[0]["id"], seeded.current_otp())).status == 200
    twin = SaltoSimulator(seed=1)
    assert (twin.site_id, twin.client_id, twin.lock_ids()) == (
        seeded.site_id,
        seeded.client_id,
        seeded.lock_ids(),
    )


async def test_unseeded_site_is_empty(site: Site) -> None:
    bare = SaltoSimulator(seed=None)
    assert bare.lock_ids() == []
    assert bare.pod_ids() == []
    assert bare.entries == []
    assert len(bare.iq_ids) == 1


async def test_activity_keeps_the_site_living(seeded: SaltoSimulator, session: Any) -> None:
    api = Api(session, seeded)
    await api.login()
    seeded.stream.ping_interval = None
    hub = await connect_hub(api)
    before = len(seeded.entries)
    rng = random.Random(7)
    done = [step(seeded, rng) for _ in range(300)]
    assert {name for name in done if name} >= {"tag_open", "handle_exit", "guest_arrives"}
    assert set(done) - {None} <= set(ACTIONS)
    assert len(seeded.entries) > before + 100
    await seeded.stream.flush()
    assert (await hub.entry())["id"] == seeded.entries[before]["id"]
    task = asyncio.create_task(run_activity(seeded, rng, interval=0.01))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await hub.ws.close()


async def test_cli_announces_salto_ks(socket_enabled: None, session: Any) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.simulators",
        "salto_ks",
        "--port",
        "0",
        "--seed",
        "3",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 20)
        announced = json.loads(line)["salto_ks"]
        assert set(announced) == {
            "url", "identity_url", "client_id", "client_secret", "username", "password",
            "site_id", "otp",
        }  # fmt: skip
        async with session.get(announced["otp"]) as response:
            code = await response.text()
        assert len(code) == 5
        form = {
            "grant_type": "password",
            "username": announced["username"],
            "password": announced["password"],
            "scope": "user_api.full_access",
        }
        basic = aiohttp.encode_basic_auth(announced["client_id"], announced["client_secret"])
        async with session.post(
            f"{announced['identity_url']}/connect/token",
            data=form,
            headers={"Authorization": basic},
        ) as response:
            assert response.status == 200
    finally:
        process.terminate()
        await process.wait()
