"""The site's entry log (catalog §4.7): append, retention, ingestion delay, listeners.

Entries are kept in insertion order with a sequence number that breaks ties between equal
timestamps. The REST list sees an entry only ``ingest_delay`` seconds after it happened (the
docs warn entries are "not real time"; 0 by default) and no longer once its TTL
(``store_events_ttl``, 90 days) has run out. Listeners (the SignalR stream) hear every new
entry at once.
"""

from __future__ import annotations

from collections.abc import Callable

from .clock import SimClock
from .salto_constants import STORE_EVENTS_TTL_DAYS
from .salto_model import Entry, IdFactory, Iq, Lock, PlatformUser, SiteUser

EntryListener = Callable[[Entry], None]
TTL_SECONDS = STORE_EVENTS_TTL_DAYS * 24 * 3600
STORE_LAG = 1.4  # seconds between the event and the cloud storing it (measured 0.1-2.6 s)


class EntryLog:
    """Every entry of the site, oldest first."""

    def __init__(self, clock: SimClock, ids: IdFactory) -> None:
        self.clock = clock
        self.ids = ids
        self.items: list[Entry] = []
        self.listeners: list[EntryListener] = []
        self.ingest_delay = 0.0
        self._seq = 0

    def record(
        self,
        lock: Lock,
        iq: Iq,
        category: str,
        *,
        access_by: str,
        detail: str | None = None,
        access_detail: str | None = None,
        user: SiteUser | PlatformUser | None = None,
        user_id: str | None = None,
        exit_requested: bool = False,
        at: float | None = None,
        notify: bool = True,
    ) -> Entry:
        """Append one entry (``at`` defaults to now) and tell the listeners."""
        when = self.clock.now() if at is None else at
        person = user.user if isinstance(user, SiteUser) else user
        alias = (user.alias if isinstance(user, SiteUser) else "") if user is not None else None
        self._seq += 1
        entry = Entry(
            id=self.ids.make(),
            seq=self._seq,
            at=float(int(when)),
            stored_at=when + STORE_LAG,
            event_category=category,
            event_detail=detail,
            lock_id=lock.id,
            lock_mac_address=lock.mac,
            lock_customer_reference=lock.customer_reference,
            iq_id=iq.id,
            iq_customer_reference=iq.customer_reference,
            iq_mac_address=iq.mac,
            iq_revision=iq.revision,
            access_by=access_by,
            access_detail=access_detail,
            exit_requested=exit_requested,
            user_id=person.id if person is not None else user_id,
            user_first_name=person.first_name if person is not None else None,
            user_last_name=person.last_name if person is not None else None,
            user_image_url=person.image_url if person is not None else None,
            user_alias=alias,
        )
        self.items.append(entry)
        if at is not None:  # back-dated (seed history): keep the log in time order
            self.items.sort(key=lambda e: (e.at, e.seq))
        if notify:
            for listener in list(self.listeners):
                listener(entry)
        return entry

    def queryable(self) -> list[Entry]:
        """What the REST list can see now: stored, not expired; oldest first."""
        now = self.clock.now()
        return [
            e for e in self.items if e.at + self.ingest_delay <= now < e.stored_at + TTL_SECONDS
        ]

    def last(self, count: int) -> list[Entry]:
        return self.items[-count:] if count > 0 else []
