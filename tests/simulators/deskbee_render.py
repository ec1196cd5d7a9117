"""JSON shapes of the Deskbee resources (catalog §5, §6, §8), rendered from the records.

Field order follows the vendor examples (S1). Every documented field is present; unknown
values are ``null``. Booking lists render ``checkin`` and ``min_tolerance`` only when asked
for with ``include=checkin;min_tolerance`` (as S3/S4 clients do); single-booking answers
always carry them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING
import uuid as uuid_module

from .deskbee_format import iso, occupation_time
from .deskbee_model import (
    MEETING_ROOM,
    PASS_STATUS,
    STATUS_IDS,
    Booking,
    Building,
    Checkin,
    Floor,
    GuestPass,
    JsonDict,
    PassGuest,
    Place,
    Site,
    User,
)

if TYPE_CHECKING:
    from .deskbee_account import DeskbeeAccount

CDN = "https://cdn.deskbee.io"
PARKING_PATH_SEPARATOR = " \u203a "  # parkings: U+203A, where floor paths use ">" (S1)
# A 1x1 transparent PNG: what ``qrcode_base64`` looks like, minus the size.
QR_PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
    "rkJggg=="
)


def _derived_uuid(base: str, purpose: str) -> str:
    return str(uuid_module.uuid5(uuid_module.UUID(base), purpose))


def image(owner_uuid: str) -> JsonDict:
    image_uuid = _derived_uuid(owner_uuid, "image")
    url = f"{CDN}/images/{image_uuid}.jpg"
    return {
        "uuid": image_uuid,
        "url": url,
        "thumbs": {"low": f"{url}?size=low", "medium": f"{url}?size=medium"},
    }


# -- structure -------------------------------------------------------------------------------


def site(record: Site) -> JsonDict:
    return {"uuid": record.uuid, "name": record.name, "is_active": record.is_active}


def building(
    account: DeskbeeAccount, record: Building, *, include: Collection[str] = ()
) -> JsonDict:
    body: JsonDict = {
        "uuid": record.uuid,
        "name": record.name,
        "address": record.address,
        "is_active": record.is_active,
        "site": site(account.sites[record.site_uuid]),
    }
    if "floors" in include:
        body["floors"] = [
            floor(account, f) for f in account.floors.values() if f.building_uuid == record.uuid
        ]
    return body


def floor(account: DeskbeeAccount, record: Floor) -> JsonDict:
    parent = account.buildings[record.building_uuid]
    return {
        "uuid": record.uuid,
        "name": record.name,
        "path": f"{parent.name} > {record.name}",
        "is_active": record.is_active,
    }


def area(account: DeskbeeAccount, record: Floor) -> JsonDict:
    parent = account.buildings[record.building_uuid]
    return {
        "address": parent.address,
        "floor": floor(account, record),
        "building": building(account, parent),
    }


def place(account: DeskbeeAccount, record: Place) -> JsonDict:
    """Full Place (#8)."""
    where = account.floors[record.floor_uuid]
    assigned = account.users.get(record.assigned_user_uuid or "")
    return {
        "uuid": record.uuid,
        "qrcode": record.qrcode,
        "type": record.place_type,
        "name": record.name,
        "name_display": record.name,
        "capacity": record.capacity,
        "is_mapped": True,
        "status": {"id": "1", "name": "active"}
        if record.is_active
        else {"id": "2", "name": "inactive"},
        "sector": {"uuid": where.sector_uuid, "name": where.sector_name},
        "image": image(record.uuid) if record.place_type == MEETING_ROOM else None,
        "area": area(account, where),
        "fields": [],
        "assigned_user": (
            {"uuid": assigned.uuid, "name": assigned.name, "image": image(assigned.uuid)}
            if assigned is not None
            else None
        ),
        "qrcode_base64": QR_PNG,
        "updated_at": iso(record.updated_at, account.zone),
        "created_at": iso(record.created_at, account.zone),
    }


def place_ref(account: DeskbeeAccount, record: Place) -> JsonDict:
    """PlaceRef inside bookings."""
    where = account.floors[record.floor_uuid]
    return {
        "uuid": record.uuid,
        "name": record.name,
        "qrcode": record.qrcode,
        "type": record.kind.render(),
        "floor": floor(account, where),
        "building": building(account, account.buildings[where.building_uuid]),
    }


def parking(account: DeskbeeAccount, record: Floor, available: int) -> JsonDict:
    parent = account.buildings[record.building_uuid]
    home = account.sites[parent.site_uuid]
    return {
        "uuid": record.uuid,
        "name": record.name,
        "is_active": record.is_active,
        "path": PARKING_PATH_SEPARATOR.join((home.name, parent.name, record.name)),
        "available_vacancies": available,
    }


# -- people ----------------------------------------------------------------------------------


def avatar(user_uuid: str) -> str:
    return f"{CDN}/avatars/{user_uuid}.png"


def person_short(account: DeskbeeAccount, record: User) -> JsonDict:
    body: JsonDict = {
        "uuid": record.uuid,
        "name": record.name,
        "enrollment": record.enrollment,
        "avatar": avatar(record.uuid),
    }
    if account.booking_person_email:
        body["email"] = record.email
    return body


def person_with_documents(record: User) -> JsonDict:
    return {
        "uuid": record.uuid,
        "name": record.name,
        "name_display": record.name,
        "enrollment": record.enrollment,
        "avatar": avatar(record.uuid),
        "documents": [dict(doc) for doc in record.documents],
    }


def user(account: DeskbeeAccount, record: User) -> JsonDict:
    allocated = [
        place_ref(account, p)
        for p in account.places.values()
        if p.assigned_user_uuid == record.uuid and not p.removed
    ]
    return {
        "uuid": record.uuid,
        "name": record.name,
        "name_display": record.name,
        "email": record.email,
        "enrollment": record.enrollment,
        "source": "admin_painel",
        "access_type": "user_password",
        "profile": record.profile,
        "photo": {
            "uuid": _derived_uuid(record.uuid, "photo"),
            "url": avatar(record.uuid),
            "avatar": avatar(record.uuid),
        },
        "locale": {"timezone": record.timezone, "language": record.language},
        "tags": [],
        "squads": [],
        "allocated": allocated,
        "status": record.status,
        "person": {"uuid": record.person_uuid, "documents": [dict(d) for d in record.documents]},
        "vehicles": [],
        "created_at": iso(record.created_at, account.zone),
        "updated_at": iso(record.updated_at, account.zone),
    }


# -- bookings --------------------------------------------------------------------------------


def checkin_object(account: DeskbeeAccount, record: Booking) -> JsonDict | None:
    entry = record.checkin
    if entry is None:
        return None
    until = entry.checkout_at if entry.checkout_at is not None else account.now()
    return {
        "checkin_uuid": entry.uuid,
        "uuid": record.uuid,
        "checkin": iso(entry.checkin_at, account.zone),
        "checkout": iso(entry.checkout_at, account.zone),
        "is_checkout_system": entry.is_checkout_system,
        "is_checkout_api": entry.is_checkout_api,
        "is_checkin_api": entry.is_checkin_api,
        "occupation_time": occupation_time(until - entry.checkin_at),
    }


def booking(
    account: DeskbeeAccount, record: Booking, *, include: Collection[str] | None = None
) -> JsonDict:
    """BookingResource; ``include=None`` renders everything (single-booking answers)."""
    spot = account.places[record.place_uuid]
    is_room = spot.place_type == MEETING_ROOM
    zone = account.zone
    body: JsonDict = {
        "uuid": record.uuid,
        "start_date": iso(record.start, zone),
        "end_date": iso(record.end, zone),
        "place": place_ref(account, spot),
        "state": record.state.value,
        "person": person_short(account, account.users[record.person_uuid]),
        "owner": person_short(account, account.users[record.owner_uuid]),
        "is_checkin_guest": is_room and account.participant_checkin,
        "tolerance": {
            "minutes": record.tolerance_minutes,
            "checkin_min_time": iso(record.checkin_min_time, zone),
            "checkin_max_time": iso(record.checkin_max_time, zone),
        },
        "meeting": (
            {
                "is_online": record.is_online,
                "title": record.title,
                "description": record.description,
            }
            if is_room
            else None
        ),
        "guests": [
            {
                "uuid": guest.uuid,
                "name": guest.name,
                "language": guest.language,
                "image": None,
                "type": "inperson",
            }
            for guest in record.guests
        ],
        "vehicle": None,
    }
    if include is None or "checkin" in include:
        body["checkin"] = checkin_object(account, record)
    if include is None or "min_tolerance" in include:
        body["min_tolerance"] = record.min_tolerance
    body["public_title"] = record.title if is_room else None
    body["created_at"] = iso(record.created_at, zone)
    body["updated_at"] = iso(record.updated_at, zone)
    body["deleted_at"] = iso(record.deleted_at, zone)
    return body


def checkin_entry(account: DeskbeeAccount, entry: Checkin) -> JsonDict:
    """One item of ``GET /bookings/{uuid}/checkins`` (#43)."""
    until = entry.checkout_at if entry.checkout_at is not None else account.now()
    return {
        "uuid": entry.uuid,
        "checkin": iso(entry.checkin_at, account.zone),
        "checkout": iso(entry.checkout_at, account.zone),
        "is_anonymization": "false",
        "person": {
            "uuid": entry.person_uuid,
            "name": entry.person_name,
            "enrollment": entry.enrollment,
            "avatar": avatar(entry.person_uuid),
        },
        "occupation_time": occupation_time(until - entry.checkin_at),
    }


# -- webhook ``included`` (§8; loose types on purpose) ---------------------------------------


def _hook_place(record: Place) -> JsonDict:
    return {"uuid": record.uuid, "type": record.place_type, "name": record.name}


def _hook_person(record: User) -> JsonDict:
    return {"uuid": record.uuid, "name": record.name, "email": record.email}


def _hook_tolerance(account: DeskbeeAccount, record: Booking) -> JsonDict:
    return {
        "minutes": str(record.tolerance_minutes),
        "checkin_min_time": iso(record.checkin_min_time, account.zone),
        "checkin_max_time": iso(record.checkin_max_time, account.zone),
    }


def hook_booking(account: DeskbeeAccount, record: Booking) -> JsonDict:
    return {
        "booking_uuid": record.uuid,
        "start_date": iso(record.start, account.zone),
        "end_date": iso(record.end, account.zone),
        "tolerance": _hook_tolerance(account, record),
        "status": {"id": STATUS_IDS[record.state], "name": record.state.value},
        "place": _hook_place(account.places[record.place_uuid]),
        "person": _hook_person(account.users[record.person_uuid]),
    }


def hook_checkin(account: DeskbeeAccount, record: Booking) -> JsonDict:
    return {
        "booking_uuid": record.uuid,
        "checkin_uuid": record.checkin.uuid if record.checkin else None,
        "start_date": iso(record.start, account.zone),
        "end_date": iso(record.end, account.zone),
        "tolerance": _hook_tolerance(account, record),
        "status": {"id": STATUS_IDS[record.state], "name": record.state.value},
        "place": _hook_place(account.places[record.place_uuid]),
        "person": _hook_person(account.users[record.person_uuid]),
    }


def hook_guest_checkin(account: DeskbeeAccount, record: Booking, entry: Checkin) -> JsonDict:
    until = entry.checkout_at if entry.checkout_at is not None else entry.checkin_at
    return {
        "booking_uuid": record.uuid,
        "checkin_uuid": entry.uuid,
        "start_date": iso(record.start, account.zone),
        "end_date": iso(record.end, account.zone),
        "checkin": iso(entry.checkin_at, account.zone),
        "checkout": iso(entry.checkout_at, account.zone),
        "occupation_time": int(until - entry.checkin_at) // 60,
        "place": _hook_place(account.places[record.place_uuid]),
        "person": {
            "uuid": entry.person_uuid,
            "name": entry.person_name,
            "email": entry.person_email,
        },
    }


# -- guest pass ------------------------------------------------------------------------------


def pass_status(account: DeskbeeAccount, guest: PassGuest) -> JsonDict:
    number, name = PASS_STATUS[account.guest_passes.status(guest)]
    return {"id": number, "name": name}


def pass_guest(account: DeskbeeAccount, invitation: GuestPass, guest: PassGuest) -> JsonDict:
    """GuestPassGuest (list, pass, cancel)."""
    zone = account.zone
    return {
        "uuid": guest.uuid,
        "master_uuid": invitation.uuid,
        "start_date": iso(invitation.start, zone),
        "end_date": iso(invitation.end, zone),
        "token_access": guest.token_access,
        "status": pass_status(account, guest),
        "area": area(account, account.floors[invitation.floor_uuid]),
        "person": person_with_documents(account.users[invitation.person_uuid]),
        "created_at": iso(invitation.created_at, zone),
        "updated_at": iso(max(guest.updated_at, invitation.updated_at), zone),
    }


def pass_detail(account: DeskbeeAccount, invitation: GuestPass, guest: PassGuest) -> JsonDict:
    """``GET /guestpass/{uuid}`` (#33)."""
    zone = account.zone
    return {
        "uuid": guest.uuid,
        "master_uuid": invitation.uuid,
        "reason": invitation.title,
        "description": invitation.description,
        "start_date": iso(invitation.start, zone),
        "end_date": iso(invitation.end, zone),
        "token_access": guest.token_access,
        "status": pass_status(account, guest),
        "area": area(account, account.floors[invitation.floor_uuid]),
        "person": person_with_documents(account.users[invitation.person_uuid]),
        "approver": person_with_documents(account.users[invitation.approver_uuid]),
        "guests": [
            {"uuid": g.uuid, "name": g.name, "status": pass_status(account, g)}
            for g in invitation.guests
        ],
        "created_at": iso(invitation.created_at, zone),
        "updated_at": iso(max(guest.updated_at, invitation.updated_at), zone),
    }


def pass_created(account: DeskbeeAccount, invitation: GuestPass) -> JsonDict:
    """``POST /guestpass`` answer (#31)."""
    zone = account.zone
    return {
        "uuid": invitation.uuid,
        "title": invitation.title,
        "description": invitation.description,
        "start_date": iso(invitation.start, zone),
        "end_date": iso(invitation.end, zone),
        "area": area(account, account.floors[invitation.floor_uuid]),
        "person": person_with_documents(account.users[invitation.person_uuid]),
        "booking_uuid": invitation.booking_uuid,
        "guests": [
            {
                "uuid": g.uuid,
                "name": g.name,
                "language": g.language,
                "token_access": g.token_access,
                "status": pass_status(account, g),
            }
            for g in invitation.guests
        ],
        "created_at": iso(invitation.created_at, zone),
        "updated_at": iso(invitation.updated_at, zone),
    }
