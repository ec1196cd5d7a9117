"""What happens at a door: remote locking and openings on site (catalog §4.2, §4.7, §5).

Remote locking (``PATCH …/locks/{id}/locking``), checked in this order:

1. body an object (400 ``1100``), ``locked_state`` one of ``unlocked`` / ``office_mode`` /
   ``locked`` (else 400 ``1101``; ``office_mode``/``locked`` are INFERRED to enter and leave
   office mode);
2. the calling site user has ``remote_access`` and is not blocked (403 ``2203``);
3. the OTP (``salto_otp``): blocked → 403 ``3102 otp_blocked``; missing → 404 ``2202 Otp is
   invalid``; wrong, or the user never activated the lock's IQ → 400 ``3102 otp_invalid``;
4. lock online, its IQ online with ``otp_enabled`` (else 403 ``2203 Operation cannot be
   executed``, a choice: the catalog has no measured answer);
5. ``unlocked``: the lock reads ``unlocked`` for its open time and a ``lock_opened`` entry
   with ``access_by: "remote"`` is appended (and streamed).

On-site events (tags, PINs, the inside handle, easy office mode) never fail: the lock works
offline and the entry reaches the cloud anyway. Measured shapes: an unknown tag is rejected
with no user and ``event_detail: null``; an unknown PIN with the sentinel ``user_id`` and
``no_access``; a known user without access with their name and ``no_access``.
"""

from __future__ import annotations

from typing import Any

from .salto_constants import UNKNOWN_PIN_USER_ID
from .salto_entries import EntryLog
from .salto_errors import (
    cannot_execute,
    forbidden,
    otp_blocked,
    otp_invalid,
    otp_missing,
    request_invalid,
    value_invalid,
)
from .salto_model import Entry, SiteUser
from .salto_otp import OtpGuard
from .salto_site import SaltoSite

REMOTE_STATES = ("unlocked", "office_mode", "locked")


def remote_locking(
    site: SaltoSite, acting: SiteUser, guard: OtpGuard, lock_id: str, body: Any
) -> Entry | None:
    """Apply a locking request; returns the entry it produced (``None``: no entry)."""
    lock = site.lock(lock_id)
    if not isinstance(body, dict):
        raise request_invalid()
    state = body.get("locked_state")
    if state not in REMOTE_STATES:
        raise value_invalid("locked_state")
    if not acting.remote_access or acting.blocked:
        raise forbidden()
    now = site.now()
    iq = site.iq_of(lock)
    code = body.get("otp")
    if lock.iq_id not in acting.activated_iqs:  # no activation, so no code can match
        if guard.blocked(now):
            raise otp_blocked()
        if not isinstance(code, str) or not code.strip():
            raise otp_missing()
        raise otp_invalid()
    guard.check(code, now)
    if not lock.online or not iq.online or not iq.otp_enabled:
        raise cannot_execute("Operation cannot be executed: the lock is not reachable")
    log = site.entries
    if state == "unlocked":
        lock.unlock(now)
        return log.record(lock, iq, "lock_opened", access_by="remote", user=acting)
    if state == "office_mode":
        if lock.resting_state == "office_mode":
            return None
        lock.resting_state, lock.unlocked_until = "office_mode", None
        return log.record(lock, iq, "office_mode", detail="start", access_by="remote", user=acting)
    if lock.resting_state != "office_mode":
        return None
    lock.resting_state, lock.unlocked_until = "locked", None
    return log.record(lock, iq, "office_mode", detail="end", access_by="remote", user=acting)


def _person(site: SaltoSite, first_name: str, last_name: str) -> SiteUser:
    """The site user of that name, created (with a tag) if the site does not know them."""
    known = site.site_user_by_name(first_name, last_name)
    return known or site.add_person(first_name, last_name)


def late_opening(
    site: SaltoSite, lock_id: str, *, first_name: str, last_name: str, at: float
) -> Entry:
    """An opening by tag at ``at`` that a lock, offline then, uploads only now (§4.7: entries
    are not real time). It joins the log in time order; the stream does not announce it."""
    lock = site.lock(lock_id)
    person = _person(site, first_name, last_name)
    return site.entries.record(
        lock,
        site.iq_of(lock),
        "lock_opened",
        access_by="tag",
        access_detail=person.user.tag_number,
        user=person,
        at=at,
        notify=False,
    )


def open_with_tag(
    site: SaltoSite, lock_id: str, *, first_name: str, last_name: str, granted: bool = True
) -> Entry:
    lock = site.lock(lock_id)
    person = _person(site, first_name, last_name)
    log: EntryLog = site.entries
    if granted:
        lock.unlock(site.now())
        return log.record(
            lock,
            site.iq_of(lock),
            "lock_opened",
            access_by="tag",
            access_detail=person.user.tag_number,
            user=person,
        )
    return log.record(
        lock,
        site.iq_of(lock),
        "lock_rejected",
        detail="no_access",
        access_by="tag",
        access_detail=person.user.tag_number,
        user=person,
    )


def reject_unknown_tag(site: SaltoSite, lock_id: str, tag_number: str) -> Entry:
    lock = site.lock(lock_id)
    return site.entries.record(
        lock, site.iq_of(lock), "lock_rejected", access_by="tag", access_detail=tag_number
    )


def open_with_pin(
    site: SaltoSite, lock_id: str, *, first_name: str, last_name: str, granted: bool = True
) -> Entry:
    lock = site.lock(lock_id)
    person = _person(site, first_name, last_name)
    if granted:
        lock.unlock(site.now())
    return site.entries.record(
        lock,
        site.iq_of(lock),
        "lock_opened" if granted else "lock_rejected",
        detail=None if granted else "no_access",
        access_by="pin_code",
        access_detail="",
        user=person,
    )


def reject_unknown_pin(site: SaltoSite, lock_id: str) -> Entry:
    lock = site.lock(lock_id)
    return site.entries.record(
        lock,
        site.iq_of(lock),
        "lock_rejected",
        detail="no_access",
        access_by="pin_code",
        access_detail="",
        user_id=UNKNOWN_PIN_USER_ID,
    )


def exit_with_handle(site: SaltoSite, lock_id: str) -> Entry:
    lock = site.lock(lock_id)
    lock.unlock(site.now())
    return site.entries.record(
        lock,
        site.iq_of(lock),
        "lock_opened",
        access_by="inside_handle",
        access_detail="",
        exit_requested=True,
    )


def easy_office_mode(
    site: SaltoSite, lock_id: str, *, start: bool, first_name: str, last_name: str
) -> Entry:
    """A user with the toggle presents their tag twice: office mode starts or ends."""
    lock = site.lock(lock_id)
    person = _person(site, first_name, last_name)
    lock.resting_state, lock.unlocked_until = ("office_mode" if start else "locked"), None
    return site.entries.record(
        lock,
        site.iq_of(lock),
        "easy_office_mode",
        detail="start" if start else "end",
        access_by="tag",
        access_detail=person.user.tag_number,
        user=person,
    )


def app_open(site: SaltoSite, lock_id: str, person: SiteUser) -> Entry:
    """Someone opens from the SALTO KS app (their own OTP; not the API caller)."""
    lock = site.lock(lock_id)
    lock.unlock(site.now())
    return site.entries.record(
        lock, site.iq_of(lock), "lock_opened", access_by="remote", user=person
    )
