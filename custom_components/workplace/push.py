"""Deskbee webhooks: verified, de-duplicated deliveries that update a booking at once.

Deskbee signs each delivery with `X-Hub-Signature`, an HMAC of the raw body with the key the user
pasted in the Deskbee panel (catalog §8: SHA-256 in practice, SHA-1 in the older docs, with or
without an `sha256=` prefix). Deskbee retries deliveries, so the same `transaction_id` can come
again; deliveries can also arrive out of order. A delivery only names the booking: its current
state is fetched, so an old delivery can never set an old state.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
import hashlib
import hmac
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util
import orjson

from .api import DeskbeeClient, WorkplaceError, WorkplaceNotFoundError
from .const import CONF_WEBHOOK_SECRET, DOMAIN, LOGGER
from .coordinator import PUSH_HEALTH, changed_signal

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .coordinator import WorkplaceConfigEntry

# Deliveries are small JSON envelopes; anything much larger is not from Deskbee.
MAX_BODY: Final = 64 * 1024
# How many recent transaction ids are remembered to drop repeated deliveries.
REMEMBERED: Final = 2048
# A burst of deliveries must not become a burst of requests: Deskbee publishes no rate limit.
PARALLEL_FETCHES: Final = 4
ALGORITHMS: Final = ("sha256", "sha1")
EVENTS_ABOUT_BOOKINGS: Final = frozenset({"booking", "checkin", "guest_checkin"})


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature` is the HMAC of the body with our key (constant time)."""
    if not header:
        return False
    value = header.strip()
    algorithms: tuple[str, ...] = ALGORITHMS
    if "=" in value:
        prefix, value = value.split("=", 1)
        algorithms = (prefix.lower(),) if prefix.lower() in ALGORITHMS else ()
    return any(
        hmac.compare_digest(
            hmac.new(secret.encode(), body, getattr(hashlib, name)).hexdigest(), value.lower()
        )
        for name in algorithms
    )


class DeskbeeWebhook:
    """Receives one entry's deliveries."""

    def __init__(self, hass: HomeAssistant, entry: WorkplaceConfigEntry) -> None:
        """Bind to the entry's coordinator and signing key."""
        self.hass = hass
        self.entry = entry
        self.coordinator = entry.runtime_data
        self._secret: str = entry.data[CONF_WEBHOOK_SECRET]
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._newest: OrderedDict[str, str] = OrderedDict()
        # Bookings waiting for a fetch: more deliveries about one of them add no request.
        self._queued: set[str] = set()
        self._fetch_slots = asyncio.Semaphore(PARALLEL_FETCHES)

    def register(self) -> None:
        """Listen at /api/webhook/<id> until the entry unloads."""
        webhook_id = self.entry.data[CONF_WEBHOOK_ID]
        webhook.async_register(
            self.hass, DOMAIN, f"Workplace {self.entry.title}", webhook_id, self.handle
        )
        self.entry.async_on_unload(lambda: webhook.async_unregister(self.hass, webhook_id))

    async def handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Check, de-duplicate and order a delivery, then refresh its booking in the background."""
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            LOGGER.warning(
                "%s: refused a webhook delivery over %s bytes", self.entry.title, MAX_BODY
            )
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        push = self.coordinator.push
        if not signature_matches(self._secret, body, request.headers.get("X-Hub-Signature")):
            push.rejected_signatures += 1
            self._health_changed()
            LOGGER.warning(
                "%s: refused a webhook delivery with a missing or wrong signature (check the "
                "signing key in the Deskbee panel)",
                self.entry.title,
            )
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        delivery = _read(body)
        if delivery is None:
            return web.Response(status=HTTPStatus.BAD_REQUEST)
        transaction, event, booking_id, sent = delivery
        if transaction in self._seen:
            push.duplicates += 1
            return web.Response(status=HTTPStatus.OK)
        self._remember(transaction)
        push.deliveries += 1
        push.last_delivery = dt_util.utcnow()
        self._health_changed()
        if booking_id is None or event not in EVENTS_ABOUT_BOOKINGS:
            return web.Response(status=HTTPStatus.OK)
        # ISO times in one format compare as text; an older delivery than one already seen
        # for the booking is dropped.
        if sent and self._newest.get(booking_id, "") > sent:
            push.stale += 1
            return web.Response(status=HTTPStatus.OK)
        self._newest[booking_id] = sent or self._newest.get(booking_id, "")
        self._newest.move_to_end(booking_id)
        while len(self._newest) > REMEMBERED:
            self._newest.popitem(last=False)
        if booking_id in self._queued:
            push.coalesced += 1
            return web.Response(status=HTTPStatus.OK)
        self._queued.add(booking_id)
        self.entry.async_create_background_task(
            hass, self._refresh(booking_id), f"{DOMAIN} webhook {booking_id}"
        )
        return web.Response(status=HTTPStatus.OK)

    def _health_changed(self) -> None:
        """Let the push health sensors show the new figures now, not at the next poll."""
        async_dispatcher_send(self.hass, changed_signal(self.entry.entry_id, PUSH_HEALTH))

    def _remember(self, transaction: str) -> None:
        self._seen[transaction] = None
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)

    async def _refresh(self, booking_id: str) -> None:
        client = self.coordinator.client
        assert isinstance(client, DeskbeeClient)  # noqa: S101 - webhooks are Deskbee's
        try:
            async with self._fetch_slots:
                # From here a new delivery needs a new fetch: this one may read too early.
                self._queued.discard(booking_id)
                booking = await client.get_booking(booking_id)
        except WorkplaceNotFoundError:
            LOGGER.debug("%s: pushed booking %s is gone", self.entry.title, booking_id)
            return
        except WorkplaceError as err:
            LOGGER.debug("%s: could not fetch pushed booking: %s", self.entry.title, err)
            await self.coordinator.async_request_refresh()
            return
        self.coordinator.async_apply(booking, "push")


def _read(body: bytes) -> tuple[str, str, str | None, str] | None:
    """(transaction id, event, booking uuid, sent at) of a delivery, or None if unreadable."""
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("transaction_id"), str):
        return None
    resource, included = payload.get("resource"), payload.get("included")
    booking_id = (resource.get("uuid") if isinstance(resource, dict) else None) or (
        included.get("booking_uuid") if isinstance(included, dict) else None
    )
    sent = payload.get("send_at")
    return (
        payload["transaction_id"],
        str(payload.get("event") or ""),
        str(booking_id) if booking_id else None,
        sent if isinstance(sent, str) else "",
    )
