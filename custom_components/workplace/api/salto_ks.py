"""Client for the SALTO KS Connect API and its identity server (OpenID Connect).

Paths and quirks follow our catalog `reference/salto-ks.md`. Paths it marks INFERRED live in
`PATHS`. Every SALTO KS quirk stays inside this module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import logging
import time
from typing import Any, Final

import aiohttp
from yarl import URL

from .exceptions import (
    WorkplaceAuthenticationError,
    WorkplaceBadResponseError,
    WorkplaceConnectionError,
)
from .json_fields import parse_all
from .models import DoorEntry, Lock, Pod, PodGuest, Site
from .reconcile import confirm, look_after, not_found_after
from .salto_json import error_for, items_of, parse_entry, parse_lock, parse_pod, parse_site
from .transport import Response, ServerLink, send

LOGGER = logging.getLogger(__name__)

PATHS: Final = {
    "token": "/connect/token",  # confirmed
    "sites": "/v1.1/sites",  # confirmed (envelope; v1.2 answers a bare array)
    "locks": "/v1.1/sites/{site}/locks",  # confirmed
    "locking": "/v1.1/sites/{site}/locks/{lock}/locking",  # confirmed
    "entries": "/v1.1/sites/{site}/entries",  # confirmed, v1.1 only
    "pods": "/v1.1/sites/{site}/pods",  # inferred
    "pod": "/v1.1/sites/{site}/pods/{pod}",  # inferred
    "pod_guests": "/v1.1/sites/{site}/pods/{pod}/guests",  # confirmed
    "hub": "/v1/hub/entries",  # confirmed, on the event-streaming host
}
# The vendor page spells the removal list so (seed 004; the catalog had guessed otherwise).
REMOVE_GUESTS: Final = "remove_guests_ids"
# The event-streaming host that goes with each known Connect host (§1); others (a simulator, a
# proxy) serve the hub themselves.
STREAM_HOSTS: Final = {
    "connect.my-clay.com": "https://eventstreaming-connect-production.saltoks.com",
    "clp-accept-user.my-clay.com": "https://eventstreaming-connect-accept.saltoks.com",
}
SCOPE: Final = "user_api.full_access openid profile offline_access"
CONTINUATION: Final = "CLP-Continuation-Token"
TOKEN_MARGIN: Final = 60.0
MAX_PAGES: Final = 100


@dataclass(slots=True)
class SaltoKSClient:
    """Talks to one SALTO KS account (a site admin user) through Connect."""

    url: str
    identity_url: str
    client_id: str
    client_secret: str
    username: str
    password: str
    session: aiohttp.ClientSession
    stream_url: str | None = None
    request_timeout: float = 30.0
    _token: str | None = field(default=None, init=False, repr=False)
    _link: ServerLink = field(default_factory=ServerLink, init=False, repr=False)
    _refresh_token: str | None = field(default=None, init=False, repr=False)
    _token_expires: float = field(default=0.0, init=False, repr=False)
    _token_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    def __repr__(self) -> str:
        """Name the server and user, never the secrets."""
        return f"SaltoKSClient(url={self.url!r}, username={self.username!r})"

    # -- tokens -----------------------------------------------------------------------------

    @property
    def clock_offset(self) -> timedelta:
        """How far the server's clock is ahead of ours, as of its last answer."""
        return self._link.clock_offset

    async def access_token(self, *, fresh: bool = False) -> str:
        """A valid access token: refreshed with the refresh token, else a new password grant.

        `fresh` forces a new one (the stream wants one per connection: §6).
        """
        async with self._token_lock:
            if not fresh and self._token and time.monotonic() < self._token_expires - TOKEN_MARGIN:
                return self._token
            if self._refresh_token:
                try:
                    return await self._grant(
                        {"grant_type": "refresh_token", "refresh_token": self._refresh_token}
                    )
                except WorkplaceAuthenticationError:
                    LOGGER.debug("The refresh token was refused; signing in again")
                    self._refresh_token = None
            return await self._grant(
                {
                    "grant_type": "password",
                    "username": self.username,
                    "password": self.password,
                    "scope": SCOPE,
                }
            )

    async def _grant(self, form: Mapping[str, str]) -> str:
        url = URL(self.identity_url.rstrip("/")).with_path(PATHS["token"])
        try:
            async with asyncio.timeout(self.request_timeout):
                async with self.session.post(
                    url,
                    data=dict(form),
                    headers={
                        "Accept": "application/json",
                        "Authorization": aiohttp.encode_basic_auth(
                            self.client_id, self.client_secret
                        ),
                    },
                ) as answer:
                    status, body = answer.status, await answer.read()
        except TimeoutError as err:
            msg = "Timed out asking the identity server for a token"
            raise WorkplaceConnectionError(msg) from err
        except (aiohttp.ClientError, OSError) as err:
            msg = f"Could not reach the identity server: {type(err).__name__}"
            raise WorkplaceConnectionError(msg) from err
        if status in (400, 401):
            msg = "The identity server refused the credentials"
            raise WorkplaceAuthenticationError(msg)
        if status >= 300:  # noqa: PLR2004
            msg = f"The identity server answered HTTP {status}"
            raise WorkplaceConnectionError(msg)
        try:
            token = Response(status=status, headers=answer.headers, body=body).json()
            self._token = str(token["access_token"])
            self._token_expires = time.monotonic() + float(token.get("expires_in") or 3600)
            self._refresh_token = token.get("refresh_token") or self._refresh_token
        except (KeyError, TypeError, ValueError) as err:
            msg = "Unexpected token answer"
            raise WorkplaceBadResponseError(msg) from err
        return self._token

    # -- sites, locks, pods -----------------------------------------------------------------

    async def get_sites(self) -> list[Site]:
        """The sites the user may see."""
        return parse_all(await self._get_all(PATHS["sites"]), parse_site, "site")

    async def get_locks(self, site_id: str) -> list[Lock]:
        """Every lock of the site, with state, battery and alarms."""
        raw = await self._get_all(PATHS["locks"].format(site=site_id))
        return parse_all(raw, parse_lock, "lock")

    async def get_pods(self, site_id: str) -> list[Pod]:
        """Every pod of the site, with its guests."""
        raw = await self._get_all(PATHS["pods"].format(site=site_id))
        return parse_all(raw, parse_pod, "pod")

    async def get_pod(self, site_id: str, pod_id: str) -> Pod:
        """One pod."""
        answer = await self._request("GET", PATHS["pod"].format(site=site_id, pod=pod_id))
        return parse_pod(answer.json())

    async def open_lock(self, site_id: str, lock_id: str, code: str) -> None:
        """Open a door with the one-time code from the SALTO KS app; it relocks by itself.

        Never repeated (the code is single-use, and a door must not open twice): a lost answer
        is checked by reading the door.
        """
        try:
            await self._request(
                "PATCH",
                PATHS["locking"].format(site=site_id, lock=lock_id),
                json_body={"locked_state": "unlocked", "otp": code},
            )
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self.get_locks(site_id),
                done=lambda locks: any(
                    lock.id == lock_id and lock.locked_state == "unlocked" for lock in locks
                ),
                outcome="the door was not opened",
            )

    async def add_pod_guest(
        self,
        site_id: str,
        pod_id: str,
        *,
        email: str,
        first_name: str,
        last_name: str,
        lock_ids: Sequence[str] | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> PodGuest:
        """Give a guest access to a pod: always, or to some locks in a window (§4.6).

        Never wider than asked: SALTO KS's "always" rule takes no locks and opens every door of
        the pod, so it is sent only for a guest given neither locks nor a window; locks need a
        window (a "custom" rule), else `ValueError`. Never repeated: a lost answer is
        reconciled by reading the pod's guests.
        """
        if (start is None) != (end is None):
            msg = "A pod guest's window needs both a start and an end"
            raise ValueError(msg)
        if start is None or end is None:
            if lock_ids is not None:
                msg = "Locks need a window: without one a pod guest may open every door of the pod"
                raise ValueError(msg)
            rule: dict[str, Any] = {"access_rule_type": "always"}
        else:
            if not lock_ids:
                msg = "A pod guest with a window needs the locks it opens"
                raise ValueError(msg)
            rule = {
                "access_rule_type": "custom",
                "locks": list(lock_ids),
                "schedules": [_window(start, end)],
            }
        body = {
            "add_guests": [
                {
                    "email": email.lower(),
                    "first_name": first_name,
                    "last_name": last_name,
                    "access_rule": rule,
                }
            ]
        }
        path = PATHS["pod_guests"].format(site=site_id, pod=pod_id)
        try:
            await self._request("PATCH", path, json_body=body)
        except WorkplaceConnectionError as err:
            pod = await look_after(err, self.get_pod(site_id, pod_id))
            if guest := _guest_by_email(pod, email):
                LOGGER.info("A lost pod guest answer was reconciled: the guest is there")
                return guest
            raise not_found_after(err, "the guest was not added") from err
        guest = _guest_by_email(await self.get_pod(site_id, pod_id), email)
        if guest is None:
            msg = "The pod does not list the guest just added"
            raise WorkplaceBadResponseError(msg)
        return guest

    async def remove_pod_guest(self, site_id: str, pod_id: str, email: str) -> None:
        """Take a guest's access to a pod away."""
        guest = _guest_by_email(await self.get_pod(site_id, pod_id), email)
        if guest is None:
            return
        try:
            await self._request(
                "PATCH",
                PATHS["pod_guests"].format(site=site_id, pod=pod_id),
                json_body={REMOVE_GUESTS: [guest.id]},
            )
        except WorkplaceConnectionError as err:
            await confirm(
                err,
                self.get_pod(site_id, pod_id),
                done=lambda pod: _guest_by_email(pod, email) is None,
                outcome="the guest still has access",
            )

    # -- entries -----------------------------------------------------------------------------

    async def get_entries(
        self, site_id: str, *, since: datetime | None = None, page_size: int = 100
    ) -> list[DoorEntry]:
        """Door entries from `since` on, oldest first, following `CLP-Continuation-Token`.

        A page may be empty and still carry a token: keep going until there is none (§4.7).
        """
        query = {"$orderby": "utc_date_time asc", "$top": str(page_size)}
        if since is not None:
            stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
            query["$filter"] = f"utc_date_time ge DateTime'{stamp}Z'"
        entries: list[DoorEntry] = []
        headers: dict[str, str] = {}
        for _ in range(MAX_PAGES):
            answer = await self._request(
                "GET", PATHS["entries"].format(site=site_id), query, headers=headers
            )
            body = answer.json()
            raw, _link = items_of(body)
            entries.extend(parse_all(raw, parse_entry, "door entry"))
            token = body.get("continuation_token") if isinstance(body, dict) else None
            if not token:
                return entries
            headers = {CONTINUATION: token if isinstance(token, str) else str(token)}
        msg = "Entries kept paging past the limit"
        raise WorkplaceBadResponseError(msg)

    def hub_url(self, site_id: str) -> URL:
        """The SignalR entries hub of a site (on the event-streaming host)."""
        api = URL(self.url.rstrip("/"))
        base = URL(self.stream_url or STREAM_HOSTS.get(api.host or "", str(api)))
        return base.with_path(PATHS["hub"]).with_query({"site_id": site_id})

    # -- plumbing ---------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path_or_url: str | URL,
        params: Mapping[str, str] | None = None,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        url = (
            path_or_url
            if isinstance(path_or_url, URL)
            else URL(self.url.rstrip("/")).with_path(path_or_url)
        )
        if params:
            url = url.update_query(params)
        for attempt in (1, 2):
            token = await self.access_token()
            response = await send(
                self.session,
                method,
                url,
                link=self._link,
                headers={
                    "Accept": "application/json",
                    "Authorization": f"Bearer {token}",
                    **(headers or {}),
                },
                timeout=self.request_timeout,
                json_body=json_body,
            )
            if response.status == 401 and attempt == 1:  # noqa: PLR2004 - refused before acting
                self._token = None
                continue
            if response.status >= 300:  # noqa: PLR2004
                raise error_for(method, url.path, response)
            return response
        raise AssertionError  # pragma: no cover - the loop always returns or raises

    async def _get_all(self, path: str) -> list[Any]:
        items: list[Any] = []
        target: str | URL = path
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page, link = items_of((await self._request("GET", target)).json())
            items.extend(page)
            if not link or link in seen:
                return items
            seen.add(link)
            target = URL(link) if URL(link).is_absolute() else URL(self.url).join(URL(link))
        msg = f"{path} kept paging past {MAX_PAGES} pages"
        raise WorkplaceBadResponseError(msg)


def _guest_by_email(pod: Pod, email: str) -> PodGuest | None:
    return next((g for g in pod.guests if g.email == email.lower()), None)


def _window(start: datetime, end: datetime) -> dict[str, Any]:
    """A schedule valid every day between the two moments (check-in / check-out, §4.5)."""
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    return {
        **dict.fromkeys(days, True),
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "start_time": "00:00:00",
        "end_time": "23:59:59",
    }
