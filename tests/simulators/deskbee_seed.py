"""A realistic seeded Deskbee account: two São Paulo buildings, people, devices, today's bookings.

Structure: per building three office floors (17 workstations each, ~102 in all), meeting
rooms (8 in all; "Sala Diretoria" needs approval), a garage floor with 10 parking spots,
4 lockers; turnstiles for the check-in automation (entrance → check-in, exit → check-out).
Bookings are laid out around the simulated *now* (not office hours) so a demo started at
any hour shows every state: ``busy``, ``last``, ``fall``, ``reserved`` (some inside their
check-in window), ``canceled``, ``waiting`` and ``rejected``; guest passes active, passed
and cancelled. Starts are clipped to local midnight, so today's list holds them all.
"""

from __future__ import annotations

from dataclasses import dataclass
import random
from typing import TYPE_CHECKING
import unicodedata

from .deskbee_bookings import MeetingInput
from .deskbee_errors import DeskbeeError
from .deskbee_format import day_start, local_date
from .deskbee_guestpass import GuestInput
from .deskbee_model import Place, State, User

if TYPE_CHECKING:
    from .deskbee import DeskbeeSimulator
    from .deskbee_account import DeskbeeAccount

MINUTE = 60
HOUR = 3600
EMAIL_DOMAIN = "acme.com.br"

BUILDINGS = [
    (
        "Torre Paulista",
        "P",
        "Av. Paulista, 1000 - Bela Vista, São Paulo - SP, 01310-100",
        ["Ipê", "Jacarandá", "Pau-Brasil", "Diretoria"],
    ),
    (
        "Edifício Faria Lima",
        "F",
        "Av. Brigadeiro Faria Lima, 3500 - Itaim Bibi, São Paulo - SP, 04538-132",
        ["Jequitibá", "Araucária", "Quaresmeira", "Buriti"],
    ),
]
OFFICE_FLOORS = ["1º Andar", "2º Andar", "3º Andar"]
GARAGE = "Garagem G1"
APPROVAL_ROOM = "Diretoria"
FIRST_NAMES = [
    "Ana", "Bruno", "Camila", "Diego", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela",
    "João", "Larissa", "Lucas", "Mariana", "Mateus", "Natália", "Otávio", "Paula", "Rafael",
    "Sofia", "Thiago", "Valentina", "Vinícius", "Beatriz", "Caio", "Débora", "Enzo", "Fernanda",
    "Gustavo", "Helena", "Igor",
]  # fmt: skip
LAST_NAMES = [
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Araújo",
    "Fernandes", "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Moreira", "Cardoso",
]  # fmt: skip
MEETING_TITLES = [
    "Reunião semanal", "Planejamento trimestral", "Call com cliente", "Revisão de design",
    "1:1", "Entrevista", "Retro da sprint", "Alinhamento de metas", "Demo do produto",
]  # fmt: skip
VISITORS = [
    "Carlos Mendes", "Patrícia Nogueira", "Ricardo Teixeira", "Juliana Castro", "Marcelo Pinto",
    "Renata Duarte", "André Moura", "Luana Freitas",
]  # fmt: skip
VISITOR_COMPANIES = ["contoso.com", "globex.com.br", "initech.com", "umbrella.com.br"]
USERS = 60


@dataclass
class Spaces:
    desks: list[Place]
    rooms: list[Place]
    parking: list[Place]
    lockers: list[Place]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", ".")


def seed_account(sim: DeskbeeSimulator, rng: random.Random) -> None:
    account = sim.model
    spaces = _structure(account)
    people = _people(account, rng)
    for code, building in zip(("P", "F"), account.buildings.values(), strict=False):
        account.add_device(f"CATRACA-{code}-ENTRADA", building.uuid, action="checkin")
        account.add_device(f"CATRACA-{code}-SAIDA", building.uuid, action="checkout")
    for spot, owner in zip(spaces.desks[:: len(spaces.desks) // 2][:2], people[:2], strict=False):
        spot.assigned_user_uuid = owner.uuid
    _bookings(account, rng, spaces, people)
    _guest_passes(account, rng, spaces, people)


def _structure(account: DeskbeeAccount) -> Spaces:
    spaces = Spaces([], [], [], [])
    for name, code, address, rooms in BUILDINGS:
        building = account.add_building(name, address=address)
        floors = [account.add_floor(building.uuid, floor) for floor in OFFICE_FLOORS]
        for level, floor in enumerate(floors, start=1):
            spaces.desks.extend(
                account.add_place(floor.uuid, f"EST {code}{level}.{number:03d}")
                for number in range(1, 18)
            )
        for index, room in enumerate(rooms):
            floor = floors[index % len(floors)]
            spaces.rooms.append(
                account.add_place(
                    floor.uuid,
                    f"Sala {room}",
                    place_type="meetingroom",
                    capacity=12 if room == APPROVAL_ROOM else 6 + 2 * index,
                    requires_approval=room == APPROVAL_ROOM,
                )
            )
        spaces.lockers.extend(
            account.add_place(floors[0].uuid, f"ARM {code}1.{n:02d}", place_type="locker")
            for n in range(1, 5)
        )
        garage = account.add_floor(building.uuid, GARAGE, sector="Estacionamento")
        spaces.parking.extend(
            account.add_place(garage.uuid, f"VAG {code}-G1.{n:02d}", place_type="parking")
            for n in range(1, 11)
        )
    return spaces


def _people(account: DeskbeeAccount, rng: random.Random) -> list[User]:
    people: list[User] = []
    taken: set[str] = set()
    while len(people) < USERS:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{ascii_slug(first)}.{ascii_slug(last)}@{EMAIL_DOMAIN}"
        if email in taken:
            continue
        taken.add(email)
        profile = "admin" if not people else "manager" if len(people) < 6 else "employee"
        number = 1001 + len(people)
        people.append(
            account.add_user(
                f"{first} {last}",
                email,
                enrollment=str(number),
                profile=profile,
                documents=[{"type": "cpf", "doc": f"{number:011d}"}],
            )
        )
    return people


def _grid(moment: float, step: int = 5 * MINUTE) -> float:
    return float(int(moment) // step * step)


class _Planner:
    """Places bookings for today without overlaps, skipping what does not fit today."""

    def __init__(self, account: DeskbeeAccount, rng: random.Random) -> None:
        self.account = account
        self.rng = rng
        self.now = account.now()
        self.midnight = day_start(local_date(self.now, account.zone), account.zone)

    def book(
        self,
        place: Place,
        person: User,
        start: float,
        end: float,
        state: State,
        meeting: MeetingInput | None = None,
    ) -> bool:
        start, end = max(_grid(start), self.midnight), _grid(end)
        if end <= start:
            return False
        try:
            self.account.bookings.create(
                place=place, person=person, owner=person, start=start, end=end, state=state,
                meeting=meeting,
            )  # fmt: skip
        except DeskbeeError:
            return False
        return True

    def minutes(self, low: int, high: int) -> float:
        return self.rng.randint(low, high) * MINUTE


def _bookings(
    account: DeskbeeAccount, rng: random.Random, spaces: Spaces, people: list[User]
) -> None:
    plan = _Planner(account, rng)
    now = plan.now
    desks = rng.sample(spaces.desks, k=len(spaces.desks))
    # Busy and reserved people are all different; the day's earlier (last), missed (fall)
    # and cancelled bookings belong to people who also hold one of those.
    layout = [State.BUSY] * 40 + [State.RESERVED] * 14
    hosts = rng.sample(people, k=len(layout))
    layout += [State.LAST] * 6 + [State.FALL] * 5 + [State.CANCELED] * 3
    hosts += rng.sample(people, k=14)
    for desk, person, state in zip(desks, hosts, layout, strict=False):
        if state is State.BUSY:
            start = now - plan.minutes(30, 180)
            end = now + plan.minutes(60, 360)
        elif state is State.LAST:
            start = now - plan.minutes(300, 480)
            end = now - plan.minutes(20, 90)
            if end <= plan.midnight + 5 * MINUTE:  # just after midnight: left early instead
                end = now + plan.minutes(30, 120)
        elif state is State.FALL:
            start = now - plan.minutes(60, 180)
            end = now + plan.minutes(60, 240)
        elif state is State.RESERVED:
            start = now + plan.minutes(-10, 180)
            end = start + plan.minutes(180, 480)
        else:
            start = now + plan.minutes(60, 240)
            end = start + plan.minutes(120, 240)
        plan.book(desk, person, start, end, state)
    _rooms(plan, spaces, people)
    drivers = rng.sample(people, k=8)
    for spot, person, state in zip(
        rng.sample(spaces.parking, k=8),
        drivers,
        [State.BUSY] * 4 + [State.RESERVED] * 3 + [State.FALL],
        strict=False,
    ):
        if state is State.RESERVED:
            start = now + plan.minutes(-5, 120)
        else:
            start = now - plan.minutes(30, 150)
        plan.book(spot, person, start, max(start, now) + plan.minutes(120, 360), state)
    for locker, person in zip(spaces.lockers[:2], people[10:12], strict=False):
        plan.book(
            locker, person, now - plan.minutes(30, 90), now + plan.minutes(120, 300), State.BUSY
        )


def _rooms(plan: _Planner, spaces: Spaces, people: list[User]) -> None:
    rng, now = plan.rng, plan.now
    for room in spaces.rooms:
        organiser = rng.choice(people)
        colleagues = rng.sample(people, k=rng.randint(1, 3))
        guests: list[tuple[str, str | None, str]] = [(u.name, u.email, "pt_BR") for u in colleagues]
        if rng.random() < 0.4:
            visitor = rng.choice(VISITORS)
            email = f"{ascii_slug(visitor)}@{rng.choice(VISITOR_COMPANIES)}"
            guests.append((visitor, email, "pt_BR"))

        def meeting(guests: list[tuple[str, str | None, str]] = guests) -> MeetingInput:
            return MeetingInput(
                title=rng.choice(MEETING_TITLES),
                description="Pauta enviada por e-mail.",
                is_online=rng.random() < 0.3,
                guests=guests,
            )

        if room.requires_approval:
            start = now + plan.minutes(90, 150)
            plan.book(room, organiser, start, start + HOUR, State.WAITING, meeting())
            later = start + 2 * HOUR
            plan.book(room, rng.choice(people), later, later + HOUR, State.REJECTED, meeting())
            continue
        current = now - plan.minutes(0, 40)
        plan.book(room, organiser, current, now + plan.minutes(20, 60), State.BUSY, meeting())
        upcoming = now + plan.minutes(75, 150)
        plan.book(room, rng.choice(people), upcoming, upcoming + HOUR, State.RESERVED, meeting())


def _guest_passes(
    account: DeskbeeAccount, rng: random.Random, spaces: Spaces, people: list[User]
) -> None:
    now = account.now()
    book = account.guest_passes
    floors = [account.floors[room.floor_uuid] for room in spaces.rooms]
    for index, outcome in enumerate(("passed", "active", "active", "canceled")):
        host = people[20 + index]
        start = _grid(now - HOUR) if outcome == "passed" else _grid(now + (index + 1) * HOUR)
        visitor = VISITORS[index % len(VISITORS)]
        email = f"{ascii_slug(visitor)}@{rng.choice(VISITOR_COMPANIES)}"
        invitation = book.create(
            title=rng.choice(["Visita técnica", "Reunião comercial", "Entrevista", "Auditoria"]),
            floor=rng.choice(floors),
            start=start,
            end=start + 3 * HOUR,
            host=host,
            guests=[GuestInput(visitor, email)],
        )
        guest = invitation.guests[0]
        if outcome == "passed":
            book.mark_passed(guest.uuid)
        elif outcome == "canceled":
            book.cancel(guest.uuid)
