"""A realistic seeded SALTO KS site: a Berlin co-working house with flats upstairs.

Two IQs, nine doors (one wall reader at the main entrance, a low battery in the bike cellar,
the server room offline), a dozen people with tags (two may toggle easy office mode), two
flats run as pods (one with a guest), and a day of entry history laid out behind the
simulated *now* (openings by tag and PIN, exits by the inside handle, rejections, office
mode) so a demo started at any hour has something to show and to page through.
"""

from __future__ import annotations

from datetime import datetime
import random
from typing import TYPE_CHECKING, Any

from .salto_constants import UNKNOWN_PIN_USER_ID
from .salto_model import AccessRule, Lock, SiteUser
from .salto_pods import add_guest

if TYPE_CHECKING:
    from .salto import SaltoSimulator

MINUTE = 60
HOUR = 3600
HISTORY = 24 * HOUR
EMAIL_DOMAIN = "werkhaus.example"

DOORS = [
    ("Haupteingang", "wall_reader_pin", "EG"),
    ("Hoftür", "escutcheon_pin", "EG"),
    ("Fahrradkeller", "escutcheon_pin", "UG"),
    ("Büro 1.01", "escutcheon_pin", "1. OG"),
    ("Büro 1.02", "escutcheon_pin", "1. OG"),
    ("Besprechungsraum Spree", "escutcheon_pin", "1. OG"),
    ("Serverraum", "escutcheon_pin", "1. OG"),
    ("Apartment 2.01", "escutcheon_pin", "2. OG"),
    ("Apartment 2.02", "escutcheon_pin", "2. OG"),
]
PEOPLE = [
    ("Lena", "Schmidt"), ("Jonas", "Müller"), ("Mia", "Schneider"), ("Paul", "Fischer"),
    ("Emma", "Weber"), ("Ben", "Meyer"), ("Hannah", "Wagner"), ("Elias", "Becker"),
    ("Sophie", "Hoffmann"), ("Noah", "Schulz"), ("Lea", "Koch"), ("Finn", "Richter"),
]  # fmt: skip
GUESTS = [
    ("Chloé", "Martin", "chloe.martin@example.fr"),
    ("Luca", "Rossi", "luca.rossi@example.it"),
    ("Olivia", "Jansen", "olivia.jansen@example.nl"),
    ("Mateo", "García", "mateo.garcia@example.es"),
]


def seed_site(sim: SaltoSimulator, rng: random.Random) -> None:
    state = sim.state
    upstairs = state.add_iq("IQ 02")
    ground = next(iter(state.iqs.values()))
    for admin in state.site_users.values():
        admin.activated_iqs.setdefault(upstairs.id, state.now())
    locks: list[Lock] = []
    for name, lock_type, floor in DOORS:
        gateway = upstairs if floor in ("1. OG", "2. OG") else ground
        locks.append(state.add_lock(name, iq_id=gateway.id, lock_type=lock_type, floor=floor))
    by_name = {lock.customer_reference: lock for lock in locks}
    by_name["Fahrradkeller"].battery_level = "low"
    by_name["Serverraum"].online = False
    by_name["Haupteingang"].offline_access_keys_count = 2
    people: list[SiteUser] = []
    for first, last in PEOPLE:
        email = f"{first.lower()}.{_ascii(last).lower()}@{EMAIL_DOMAIN}"
        people.append(state.add_person(first, last, email, roles=["site_user"]))
    for lead in people[:2]:
        lead.toggle_easy_office_mode = True
    owner = people[0]
    owner.roles = ["site_admin"]
    owner.remote_access = True
    state.site.owner_id = owner.user.id
    flat_one = sim.add_pod(
        "Apartment 2.01",
        locks=[by_name["Apartment 2.01"].id, by_name["Haupteingang"].id],
        max_guest_amount=4,
    )
    sim.add_pod(
        "Apartment 2.02",
        locks=[by_name["Apartment 2.02"].id, by_name["Haupteingang"].id],
        max_guest_amount=2,
    )
    pod = state.pod(flat_one)
    first, last, email = GUESTS[0]
    add_guest(state, pod, first, last, email, AccessRule("always"))
    _history(sim, rng, locks, people)


def _ascii(text: str) -> str:
    return text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")


def _history(
    sim: SaltoSimulator, rng: random.Random, locks: list[Lock], people: list[SiteUser]
) -> None:
    """About a day of past entries, denser in office hours (site-local 7-19 h)."""
    state = sim.state
    now = state.now()
    moment = now - HISTORY
    doors_used = [lock for lock in locks if lock.customer_reference != "Serverraum"]
    while True:
        busy = 7 <= datetime.fromtimestamp(moment, state.zone).hour < 19
        moment += rng.randint(3, 30 if busy else 120) * MINUTE
        if moment >= now - MINUTE:
            return
        _past_event(sim, rng, rng.choice(doors_used), rng.choice(people), moment, now)


def _past_event(
    sim: SaltoSimulator, rng: random.Random, lock: Lock, person: SiteUser, at: float, now: float
) -> None:
    state = sim.state
    gateway = state.iq_of(lock)
    tag = person.user.tag_number

    def record(category: str, **fields: Any) -> None:
        state.entries.record(
            lock, gateway, category, at=fields.pop("at", at), notify=False, **fields
        )

    roll = rng.random()
    if roll < 0.55:
        record("lock_opened", access_by="tag", access_detail=tag, user=person)
    elif roll < 0.67:
        record("lock_opened", access_by="pin_code", access_detail="", user=person)
    elif roll < 0.85:
        record("lock_opened", access_by="inside_handle", access_detail="", exit_requested=True)
    elif roll < 0.9:
        record("lock_rejected", detail="no_access", access_by="tag", access_detail=tag, user=person)
    elif roll < 0.94:
        unknown = "0" + "".join(rng.choices("0123456789", k=7))
        record("lock_rejected", access_by="tag", access_detail=unknown)
    elif roll < 0.97:
        record(
            "lock_rejected",
            detail="no_access",
            access_by="pin_code",
            access_detail="",
            user_id=UNKNOWN_PIN_USER_ID,
        )
    else:
        lead = next(p for p in state.site_users.values() if p.toggle_easy_office_mode)
        lead_tag = lead.user.tag_number
        end = min(at + rng.randint(10, 50) * MINUTE, now - 30)
        for detail, when in (("start", at), ("end", end)):
            record(
                "easy_office_mode",
                detail=detail,
                access_by="tag",
                access_detail=lead_tag,
                user=lead,
                at=when,
            )
