"""Pods, their members and guests (catalog §4.6, vendor page seed 004).

Documented: ``POST /v1.1/sites/{site}/pods`` (create), ``PATCH …/pods/{pod}/members``
(``add_members[]``, ``remove_member_ids[]`` = site user ids) and ``PATCH …/pods/{pod}/guests``
(``add_guests[]``, ``remove_guests_ids[]`` = PodGuest ids, unknown ids ignored). INFERRED:
list/get/update/delete at ``/v1.1/sites/{site}/pods[/{pod}]``; update takes any of
``customer_reference``, ``max_guest_amount``, ``locks``.

Guest rules (seed 004): ``access_rule`` is required; ``custom`` needs at least one lock and
one schedule, ``always`` takes none (either broken → 400 ``1101``); a custom lock outside the
pod → 400 ``2222``; more guests than ``max_guest_amount`` → 400 ``2221``; an email already a
guest of the pod (or twice in one request) → 400 ``2216`` (a choice). A guest's email that
belongs to a known user adds that user to the site; an unknown email is invited (a new
platform user without profile). A request is all-or-nothing: removals, then additions.

Schedules take ``monday … sunday`` booleans (at least one true, else ``1101``),
``start_time``/``end_time`` (``HH:MM[:SS]``; ``end_time`` is echoed as ``HH:MM:59`` like
access-group schedules), ``start_date``/``end_date`` (ISO date-time or null).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .salto_constants import (
    ADD_GUESTS_FIELD,
    ADD_MEMBERS_FIELD,
    GUEST_RULE_TYPES,
    POD_RULE_TYPES,
    REMOVE_GUESTS_FIELD,
    REMOVE_MEMBERS_FIELD,
    WEEKDAYS,
)
from .salto_errors import (
    SaltoError,
    guest_limit_reached,
    guest_limit_too_low,
    locks_not_in_pod,
    locks_not_in_site,
    member_email_required,
    member_in_other_pod,
    pod_name_exists,
    request_invalid,
    tag_used_twice,
    user_added_twice,
    value_invalid,
)
from .salto_format import parse_datetime
from .salto_model import AccessRule, Pod, PodGuest, PodMember, Schedule, SiteUser
from .salto_site import SaltoSite

DATE_ONLY = len("2026-03-10")

# -- reading input ------------------------------------------------------------------------


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise request_invalid()
    return body


def _list(body: dict[str, Any], name: str) -> list[Any]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise value_invalid(name)
    return value


def _text(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise value_invalid(name)
        return None
    if not isinstance(value, str):
        raise value_invalid(name)
    return value.strip()


def _email(body: dict[str, Any], *, required: bool) -> str | None:
    email = _text(body, "email", required=required)
    if email is not None and ("@" not in email or email.startswith("@") or " " in email):
        raise value_invalid("email")
    return email.lower() if email else None


def _time(value: Any, name: str, *, end: bool) -> str:
    if value is None:
        return "23:59:59" if end else "00:00:00"
    if not isinstance(value, str):
        raise value_invalid(name)
    parts = value.strip().split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        raise value_invalid(name)
    hours, minutes = int(parts[0]), int(parts[1])
    seconds = int(parts[2]) if len(parts) == 3 else 0
    if hours > 23 or minutes > 59 or seconds > 59:
        raise value_invalid(name)
    return f"{hours:02d}:{minutes:02d}:{59 if end else seconds:02d}"


def _date(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise value_invalid(name)
    try:
        parse_datetime(value)
    except ValueError:
        raise value_invalid(name) from None
    return value.strip()


def read_schedule(raw: Any) -> Schedule:
    item = raw if isinstance(raw, dict) else None
    if item is None:
        raise value_invalid("schedules")
    days = tuple(item.get(day) is True for day in WEEKDAYS)
    if not any(days):
        raise SaltoError(400, "1101", "At least one day should be selected")
    return Schedule(
        days=(days[0], days[1], days[2], days[3], days[4], days[5], days[6]),
        start_time=_time(item.get("start_time"), "start_time", end=False),
        end_time=_time(item.get("end_time"), "end_time", end=True),
        start_date=_date(item.get("start_date"), "start_date"),
        end_date=_date(item.get("end_date"), "end_date"),
    )


def read_guest_rule(raw: Any, pod: Pod) -> AccessRule:
    if not isinstance(raw, dict):
        raise value_invalid("access_rule")
    rule_type = raw.get("access_rule_type")
    if rule_type not in GUEST_RULE_TYPES:
        raise value_invalid("access_rule_type")
    locks = _list(raw, "locks")
    schedules = [read_schedule(item) for item in _list(raw, "schedules")]
    if rule_type == "always":
        if locks:
            raise value_invalid("locks")
        if schedules:
            raise value_invalid("schedules")
        return AccessRule("always")
    if not locks:
        raise value_invalid("locks")
    if not schedules:
        raise value_invalid("schedules")
    if not all(isinstance(lock, str) for lock in locks) or set(locks) - set(pod.locks):
        raise locks_not_in_pod()
    return AccessRule("custom", list(dict.fromkeys(locks)), schedules)


def read_pod_rule(raw: Any) -> AccessRule:
    if raw is None:
        return AccessRule("always")
    if not isinstance(raw, dict):
        raise value_invalid("access_rule")
    rule_type = raw.get("access_rule_type")
    if rule_type not in POD_RULE_TYPES:
        raise value_invalid("access_rule_type")
    schedules = [read_schedule(item) for item in _list(raw, "schedules")]
    if (rule_type == "checkin_checkout") != bool(schedules):
        raise value_invalid("schedules")
    return AccessRule(rule_type, [], schedules)


def _site_locks(site: SaltoSite, raw: Any) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(lock, str) for lock in raw):
        raise value_invalid("locks")
    if set(raw) - set(site.locks):
        raise locks_not_in_site()
    return list(dict.fromkeys(raw))


def _max_guests(raw: Any) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
        raise value_invalid("max_guest_amount")
    return raw


# -- people -------------------------------------------------------------------------------


def _join_site(
    site: SaltoSite, first_name: str | None, last_name: str | None, email: str | None, role: str
) -> SiteUser:
    """The site user for this email: existing user added, unknown email invited."""
    person = site.platform_user_by_email(email) if email else None
    if person is not None:
        member = site.site_user_of(person.id)
        if member is None:
            return site.add_site_user(person, roles=[role])
        if role not in member.roles:
            member.roles.append(role)
        return member
    person = site.add_platform_user(first_name or "", last_name or "", email, has_profile=False)
    return site.add_site_user(person, roles=[role], invited=email is not None)


# -- operations ---------------------------------------------------------------------------


def create_pod(site: SaltoSite, body: Any) -> Pod:
    data = _object(body)
    name = _text(data, "customer_reference", required=True)
    assert name is not None
    if any(p.customer_reference.lower() == name.lower() for p in site.pods.values()):
        raise pod_name_exists()
    max_guests = _max_guests(data.get("max_guest_amount", 0))
    locks = _site_locks(site, data.get("locks"))
    rule = read_pod_rule(data.get("access_rule"))
    pod = Pod(site.ids.make(), name, max_guests, locks, rule)
    members = _list(data, "members")
    if members and not any(isinstance(m, dict) and m.get("email") for m in members):
        raise member_email_required()
    _add_members(site, pod, members, dry_run=True)
    site.pods[pod.id] = pod
    _add_members(site, pod, members, dry_run=False)
    return pod


def update_pod(site: SaltoSite, pod: Pod, body: Any) -> Pod:
    data = _object(body)
    name = _text(data, "customer_reference") if "customer_reference" in data else None
    if name is not None and any(
        p.customer_reference.lower() == name.lower() and p.id != pod.id for p in site.pods.values()
    ):
        raise pod_name_exists()
    max_guests = _max_guests(data["max_guest_amount"]) if "max_guest_amount" in data else None
    if max_guests is not None and max_guests < len(pod.guests):
        raise guest_limit_too_low()
    locks = _site_locks(site, data["locks"]) if "locks" in data else None
    if name is not None:
        pod.customer_reference = name
    if max_guests is not None:
        pod.max_guest_amount = max_guests
    if locks is not None:
        pod.locks = locks
    return pod


def delete_pod(site: SaltoSite, pod: Pod) -> None:
    del site.pods[pod.id]


def patch_members(site: SaltoSite, pod: Pod, body: Any) -> Pod:
    data = _object(body)
    removed = {i for i in _list(data, REMOVE_MEMBERS_FIELD) if isinstance(i, str)}
    added = _list(data, ADD_MEMBERS_FIELD)
    keep = [m for m in pod.members if m.site_user_id not in removed]
    trial = Pod(pod.id, pod.customer_reference, pod.max_guest_amount, pod.locks, pod.access_rule)
    trial.members = keep
    _add_members(site, trial, added, dry_run=True)
    pod.members = keep
    _add_members(site, pod, added, dry_run=False)
    return pod


def _add_members(site: SaltoSite, pod: Pod, raw: list[Any], *, dry_run: bool) -> None:
    emails = {site.site_user(m.site_user_id).user.email for m in pod.members}
    tags = {m.tag_id for m in pod.members if m.tag_id}
    others = {m.site_user_id for p in site.pods.values() if p.id != pod.id for m in p.members}
    for item in raw:
        data = _object(item)
        email = _email(data, required=False)
        tag = _text(data, "tag_id")
        settings = data.get("site_user_settings")
        remote = settings.get("remote_access", True) if isinstance(settings, dict) else True
        if email is not None and email in emails:
            raise user_added_twice()
        if tag is not None and tag in tags:
            raise tag_used_twice()
        known = site.platform_user_by_email(email) if email else None
        member_of = site.site_user_of(known.id) if known else None
        if member_of is not None and member_of.id in others:
            raise member_in_other_pod()
        emails.add(email)
        if tag is not None:
            tags.add(tag)
        if dry_run:
            continue
        member = _join_site(
            site, _text(data, "first_name"), _text(data, "last_name"), email, "site_pod_member"
        )
        member.remote_access = bool(remote)
        pod.members.append(PodMember(member.id, tag, bool(remote)))


def patch_guests(site: SaltoSite, pod: Pod, body: Any) -> Pod:
    """Apply ``add_guests`` / ``remove_guests_ids`` all-or-nothing."""
    data = _object(body)
    removed = {i for i in _list(data, REMOVE_GUESTS_FIELD) if isinstance(i, str)}
    staying = [g for g in pod.guests if g.id not in removed]
    emails = {site.site_user(g.site_user_id).user.email for g in staying}
    wanted: list[tuple[str | None, str | None, str | None, AccessRule]] = []
    for item in _list(data, ADD_GUESTS_FIELD):
        guest = _object(item)
        rule = read_guest_rule(guest.get("access_rule"), pod)
        email = _email(guest, required=True)
        if email in emails:
            raise user_added_twice()
        emails.add(email)
        wanted.append((_text(guest, "first_name"), _text(guest, "last_name"), email, rule))
    if len(staying) + len(wanted) > pod.max_guest_amount:
        raise guest_limit_reached()
    pod.guests = staying
    for first_name, last_name, email, rule in wanted:
        add_guest(site, pod, first_name, last_name, email, rule)
    return pod


def add_guest(
    site: SaltoSite,
    pod: Pod,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    rule: AccessRule,
) -> PodGuest:
    member = _join_site(site, first_name, last_name, email, "site_guest")
    guest = PodGuest(site.ids.make(), member.id, rule)
    pod.guests.append(guest)
    return guest


# -- access -------------------------------------------------------------------------------


def schedule_allows(schedule: Schedule, now: float, zone: ZoneInfo) -> bool:
    """Whether ``now`` is inside the schedule (days and times are site-local)."""
    moment = datetime.fromtimestamp(now, zone)
    if not schedule.days[moment.weekday()]:
        return False
    if not schedule.start_time <= moment.strftime("%H:%M:%S") <= schedule.end_time:
        return False
    start = parse_datetime(schedule.start_date, zone) if schedule.start_date else None
    end = parse_datetime(schedule.end_date, zone) if schedule.end_date else None
    if end is not None and schedule.end_date is not None and len(schedule.end_date) == DATE_ONLY:
        end += 86399  # a date alone means the whole day (§4.5)
    return (start is None or start <= now) and (end is None or now <= end)


def guest_may_open(pod: Pod, guest: PodGuest, lock_id: str, now: float, zone: ZoneInfo) -> bool:
    rule = guest.access_rule
    if rule.rule_type == "always":
        return lock_id in pod.locks
    return lock_id in rule.locks and any(schedule_allows(s, now, zone) for s in rule.schedules)
