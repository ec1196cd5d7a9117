"""Wire JSON of SALTO KS objects, field for field as measured (catalog §4, raw answers).

Key order follows the measured answers where known (locks, sites, site users, entries);
pods are INFERRED (§4.6): ``id, customer_reference, max_guest_amount, locks`` (lock ids, as
the create body takes them), ``access_rule``, ``members``, ``guests``.
"""

from __future__ import annotations

from .salto_constants import (
    HIERARCHICAL_ROLES,
    ROLE_IDS,
    ROLE_NAMES,
    SITE_USER_PARENT_ROLE,
    VENDOR,
    WEEKDAYS,
)
from .salto_entries import TTL_SECONDS
from .salto_format import local_seconds, utc_millis, utc_seconds
from .salto_model import (
    AccessRule,
    Entry,
    Iq,
    JsonDict,
    Lock,
    PlatformUser,
    Pod,
    PodGuest,
    PodMember,
    Schedule,
    SiteUser,
)
from .salto_site import SaltoSite


def site(state: SaltoSite) -> JsonDict:
    record = state.site
    owner = state.platform_users.get(record.owner_id)
    return {
        "active_user_amount": state.active_user_amount(),
        "active_iq_amount": sum(1 for iq in state.iqs.values() if iq.state == "active"),
        "pin_enabled": record.pin_enabled,
        "site_uid": record.site_uid,
        "id": record.id,
        "customer_reference": record.customer_reference,
        "subscribed_user_amount": record.subscribed_user_amount,
        "subscription_valid": True,
        "country_code": record.country_code,
        "time_zone": record.time_zone,
        "owner": profile(owner) if owner is not None else None,
        "installation_state": record.installation_state,
        "mkey_compatible": record.mkey_compatible,
        "store_events_ttl": f"{TTL_SECONDS // 86400}.00:00:00",
    }


def subscription(state: SaltoSite) -> JsonDict:
    record = state.site
    return {
        "user_amount": record.subscribed_user_amount,
        "type": record.subscription_type,
        "features": list(record.features),
    }


def iq(record: Iq, time_zone: str) -> JsonDict:
    return {
        "id": record.id,
        "customer_reference": record.customer_reference,
        "time_zone": time_zone,
        "mac": record.mac,
        "operator": record.operator,
        "state": record.state,
        "restore_required": False,
        "reset_date": None,
        "online": record.online,
        "led_enabled": record.led_enabled,
        "data_sync_state": record.data_sync_state,
        "signal_strength": record.signal_strength,
        "revision": record.revision,
        "otp_enabled": record.otp_enabled,
    }


def lock(record: Lock, gateway: Iq, now: float) -> JsonDict:
    return {
        "offline_access_keys_limit": record.offline_access_keys_limit,
        "offline_access_keys_count": record.offline_access_keys_count,
        "mac": record.mac,
        "floor": record.floor,
        "locked_state": record.locked_state(now),
        "lock_type": record.lock_type,
        "online": record.online,
        "iq_link_state": record.iq_link_state,
        "tag_registration_state": record.tag_registration_state,
        "battery_level": record.battery_level,
        "left_open_alarm": record.left_open_alarm,
        "intrusion_alarm": record.intrusion_alarm,
        "easy_office_mode_schedule": {
            "eom_auto_start": True,
            **dict.fromkeys(WEEKDAYS, True),
            "start_time": "00:00:00",
            "end_time": "23:59:59",
            "start_date": None,
            "end_date": None,
        },
        "iq": {
            "mac_address": gateway.mac,
            "is_online": gateway.online,
            "revision": gateway.revision,
            "otp_enabled": gateway.otp_enabled,
            "id": gateway.id,
            "customer_reference": gateway.customer_reference,
        },
        "repeater": None,
        "privacy_mode": record.privacy_mode,
        "communication_type": record.communication_type,
        "vendor": dict(VENDOR),
        "id": record.id,
        "customer_reference": record.customer_reference,
    }


def profile(person: PlatformUser) -> JsonDict:
    """The ``user`` object nested in site users (and the site ``owner``)."""
    return {
        "email": person.email,
        "image_url": person.image_url,
        "tag_number": person.tag_number,
        "is_managed_by_current_site": person.is_managed_by_current_site,
        "has_profile": person.has_profile,
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
    }


def me(person: PlatformUser) -> JsonDict:
    """``GET /v1.2/me``: the platform profile."""
    return {
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "email": person.email,
        "language": person.language,
        "tag_number": person.tag_number,
        "tag_rf_id_uid": None,
        "image_url": person.image_url,
    }


def role(code: str) -> JsonDict:
    return {
        "id": ROLE_IDS[code],
        "customer_reference": ROLE_NAMES[code],
        "code": code,
        "parent_id": SITE_USER_PARENT_ROLE if code == "site_user" else None,
        "is_hierarchical": code in HIERARCHICAL_ROLES,
    }


def site_user(member: SiteUser) -> JsonDict:
    return {
        "id": member.id,
        "user": profile(member.user),
        "roles": [role(code) for code in member.roles],
        "alias": member.alias,
        "toggle_easy_office_mode": member.toggle_easy_office_mode,
        "toggle_manual_office_mode": member.toggle_manual_office_mode,
        "remote_access": member.remote_access,
        "blocked": member.blocked,
        "tag_owned_by_this_site": member.tag_owned_by_this_site,
        "subscription_state": member.subscription_state,
        "override_privacy_mode": member.override_privacy_mode,
        "use_pin": member.use_pin,
        "data_removal_expires_at": None,
        "expires_at": member.expires_at,
    }


def site_me(state: SaltoSite, member: SiteUser) -> JsonDict:
    """``GET /v1.2/sites/{site}/me``: the caller's site user plus ownership and pods."""
    owner = state.site.owner_id == member.user.id
    return {
        "ownership_state": "owner" if owner else "site_user",
        "member_of_pods": [
            p.id for p in state.pods.values() if any(m.site_user_id == member.id for m in p.members)
        ],
        "guest_of_pods": [
            p.id for p in state.pods.values() if any(g.site_user_id == member.id for g in p.guests)
        ],
        **site_user(member),
    }


def activated_iq_of_me(iq_id: str, activated_at: float) -> JsonDict:
    return {"iq_id": iq_id, "activation_date": utc_seconds(activated_at), "activated": True}


def activated_iq_of_user(gateway: Iq) -> JsonDict:
    return {
        "id": gateway.id,
        "customer_reference": gateway.customer_reference,
        "otp_enabled": gateway.otp_enabled,
    }


def entry(record: Entry, state: SaltoSite) -> JsonDict:
    return {
        "id": record.id,
        "event_category": record.event_category,
        "event_detail": record.event_detail,
        "utc_date_time": utc_seconds(record.at),
        "local_date_time": local_seconds(record.at, state.zone),
        "lock_id": record.lock_id,
        "lock_mac_address": record.lock_mac_address,
        "lock_customer_reference": record.lock_customer_reference,
        "user_id": record.user_id,
        "user_first_name": record.user_first_name,
        "user_last_name": record.user_last_name,
        "user_image_url": record.user_image_url,
        "user_alias": record.user_alias,
        "iq_id": record.iq_id,
        "iq_customer_reference": record.iq_customer_reference,
        "iq_mac_address": record.iq_mac_address,
        "iq_revision": record.iq_revision,
        "exit_requested": record.exit_requested,
        "access_by": record.access_by,
        "access_detail": record.access_detail,
        "ttl_in_seconds": TTL_SECONDS,
        "expiration_date_time": utc_millis(record.stored_at + TTL_SECONDS),
    }


def schedule(item: Schedule) -> JsonDict:
    return {
        **dict(zip(WEEKDAYS, item.days, strict=True)),
        "start_time": item.start_time,
        "end_time": item.end_time,
        "start_date": item.start_date,
        "end_date": item.end_date,
    }


def access_rule(rule: AccessRule, *, with_locks: bool) -> JsonDict:
    rendered: JsonDict = {"access_rule_type": rule.rule_type}
    if with_locks:
        rendered["locks"] = list(rule.locks)
    rendered["schedules"] = [schedule(s) for s in rule.schedules]
    return rendered


def pod_member(state: SaltoSite, member: PodMember) -> JsonDict:
    person = state.site_users[member.site_user_id]
    return {
        "id": person.id,
        "user_id": person.user.id,
        "first_name": person.user.first_name,
        "last_name": person.user.last_name,
        "email": person.user.email,
        "tag_id": member.tag_id,
        "site_user_settings": {"remote_access": member.remote_access},
    }


def pod_guest(state: SaltoSite, guest: PodGuest) -> JsonDict:
    person = state.site_users[guest.site_user_id]
    return {
        "id": guest.id,
        "site_user_id": person.id,
        "user_id": person.user.id,
        "first_name": person.user.first_name,
        "last_name": person.user.last_name,
        "email": person.user.email,
        "access_rule": access_rule(guest.access_rule, with_locks=True),
    }


def pod(state: SaltoSite, record: Pod) -> JsonDict:
    return {
        "id": record.id,
        "customer_reference": record.customer_reference,
        "max_guest_amount": record.max_guest_amount,
        "locks": list(record.locks),
        "access_rule": access_rule(record.access_rule, with_locks=False),
        "members": [pod_member(state, m) for m in record.members],
        "guests": [pod_guest(state, g) for g in record.guests],
    }


# Field names of each listed object, for OData checks on lists that may be empty.
_NOBODY = PlatformUser("", "", "", None)
LOCK_FIELDS = tuple(lock(Lock("", "", "", ""), Iq("", "", ""), 0.0))
IQ_FIELDS = tuple(iq(Iq("", "", ""), ""))
SITE_USER_FIELDS = tuple(site_user(SiteUser("", _NOBODY, [])))
ROLE_FIELDS = tuple(role("site_user"))
POD_FIELDS = ("id", "customer_reference", "max_guest_amount", "locks", "access_rule")
SITE_FIELDS = (
    "active_user_amount", "active_iq_amount", "pin_enabled", "site_uid", "id",
    "customer_reference", "subscribed_user_amount", "subscription_valid", "country_code",
    "time_zone", "owner", "installation_state", "mkey_compatible", "store_events_ttl",
)  # fmt: skip
