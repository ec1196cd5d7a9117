"""What the building looks like at one moment: derived from spaces and bookings, no I/O."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from .api import Account, Booking, BookingStatus, Space, Visitor, Zone, ZoneKind


class SpaceStatus(StrEnum):
    """What a space is doing right now; the options of the `status` sensor."""

    FREE = "free"
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    PENDING_APPROVAL = "pending_approval"


_STATUS_OF_BOOKING = {
    BookingStatus.RESERVED: SpaceStatus.BOOKED,
    BookingStatus.PENDING_APPROVAL: SpaceStatus.PENDING_APPROVAL,
    BookingStatus.CHECKED_IN: SpaceStatus.CHECKED_IN,
}
# When bookings overlap (a clash the server let through), the space shows the strongest claim.
_PRECEDENCE = (BookingStatus.CHECKED_IN, BookingStatus.RESERVED, BookingStatus.PENDING_APPROVAL)


@dataclass(frozen=True, slots=True)
class SpaceState:
    """One space now: its status, the booking holding it and when the next one starts."""

    status: SpaceStatus
    current: Booking | None = None
    next_start: datetime | None = None


@dataclass(frozen=True, slots=True)
class ZoneState:
    """Counters of one building or level now, and today's visitors."""

    bookings_today: int
    checked_in_now: int
    free_now: int
    visitors: tuple[Visitor, ...] = ()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the entities of one entry show, as of `taken_at`."""

    account: Account
    zones: Mapping[str, Zone]
    spaces: Mapping[str, Space]
    bookings_by_zone: Mapping[str, tuple[Booking, ...]]
    bookings_by_space: Mapping[str, tuple[Booking, ...]]
    space_states: Mapping[str, SpaceState]
    zone_states: Mapping[str, ZoneState]
    space_names: Mapping[str, str]
    taken_at: datetime


def tracked_zones(zones: Iterable[Zone], selected: Iterable[str]) -> dict[str, Zone]:
    """Return the selected levels (directly or through their building) and their buildings."""
    by_id = {zone.id: zone for zone in zones}
    chosen = set(selected)
    levels = {
        zone.id: zone
        for zone in by_id.values()
        if zone.kind is ZoneKind.LEVEL and (zone.id in chosen or zone.parent_id in chosen)
    }
    buildings = {
        zone.parent_id: by_id[zone.parent_id] for zone in levels.values() if zone.parent_id in by_id
    }
    return buildings | levels


class BookingIndex:
    """An entry's bookings by id, and sorted by start per space and per zone.

    A refresh of thousands of bookings mostly repeats the last one and a push changes one
    booking: only what changed is re-indexed (unchanged bookings are the very same objects,
    see `KnownItems`), and a push recomputes only the spaces and zones it touched.
    """

    def __init__(self) -> None:
        """Start empty."""
        self.bookings: dict[str, Booking] = {}
        self.zones: dict[str, Zone] = {}
        self.spaces: dict[str, Space] = {}
        self.space_names: dict[str, str] = {}
        self.members: dict[str, list[Space]] = {}  # a zone's spaces (building: all levels)
        self._sorted: dict[str, list[Booking]] = {}  # by space and by zone id
        self._frozen: dict[str, tuple[Booking, ...]] = {}

    def set_structure(self, zones: Mapping[str, Zone], spaces: Iterable[Space]) -> None:
        """The tracked zones and their spaces; a change re-indexes every booking."""
        space_by_id = {space.id: space for space in spaces if space.zone_id in zones}
        if zones == self.zones and space_by_id == self.spaces:
            return
        self.zones, self.spaces = dict(zones), space_by_id
        self.space_names = unambiguous_names(space_by_id.values(), zones)
        self.members = defaultdict(list)
        for space in space_by_id.values():
            for zone_id in {space.zone_id, space.building_id or space.zone_id}:
                self.members[zone_id].append(space)
        self._sorted, self._frozen = {}, {}
        for booking in self.bookings.values():
            self._add(booking)

    def replace(self, bookings: dict[str, Booking]) -> None:
        """Hold exactly these bookings (what a poll found); the index keeps the dict."""
        for booking_id, booking in bookings.items():
            known = self.bookings.get(booking_id)
            if known is not booking:
                if known is not None:
                    self._remove(known)
                self._add(booking)
        for booking_id in self.bookings.keys() - bookings.keys():
            self._remove(self.bookings[booking_id])
        self.bookings = bookings

    def put(self, booking: Booking) -> set[str]:
        """Hold this version of one booking; returns the spaces and zones it touched."""
        touched = self.places_of(booking)
        if known := self.bookings.get(booking.id):
            touched |= self.places_of(known)
            self._remove(known)
        self._add(booking)
        self.bookings[booking.id] = booking
        return touched

    def sorted_bookings(self, place_id: str) -> tuple[Booking, ...]:
        """A space's or zone's bookings by start (then id)."""
        frozen = self._frozen.get(place_id)
        if frozen is None:
            frozen = self._frozen[place_id] = tuple(self._sorted.get(place_id, ()))
        return frozen

    def places_of(self, booking: Booking) -> set[str]:
        """The tracked spaces and zones a booking is in."""
        return {
            *(space_id for space_id in booking.space_ids if space_id in self.spaces),
            *zones_of(booking, self.spaces, self.zones),
        }

    def _add(self, booking: Booking) -> None:
        for place_id in self.places_of(booking):
            insort(self._sorted.setdefault(place_id, []), booking, key=_start_order)
            self._frozen.pop(place_id, None)

    def _remove(self, booking: Booking) -> None:
        for place_id in self.places_of(booking):
            items = self._sorted.get(place_id, [])
            at = bisect_left(items, _start_order(booking), key=_start_order)
            while at < len(items) and items[at].id != booking.id:
                at += 1
            if at < len(items):
                del items[at]
            self._frozen.pop(place_id, None)


def _start_order(booking: Booking) -> tuple[datetime, str]:
    return booking.start, booking.id


def build_snapshot(
    *,
    account: Account,
    index: BookingIndex,
    visitors: Iterable[Visitor] = (),
    now: datetime,
    day_start: datetime,
    day_end: datetime,
    previous: Snapshot | None = None,
    touched: set[str] | None = None,
) -> Snapshot:
    """Derive the spaces' and zones' states at `now`; `day_*` bound "today" for counters.

    Given the previous snapshot and what changed since (`touched` spaces and zones), only
    those are derived again; otherwise everything is.
    """
    spaces, zones = index.spaces, index.zones
    if previous is None or touched is None:
        space_states = {
            space_id: _space_state(index.sorted_bookings(space_id), now) for space_id in spaces
        }
        changed_zones: Iterable[str] = zones
        zone_states: dict[str, ZoneState] = {}
        visitors_by_zone = _visitors_by_zone(visitors, spaces, zones, day_start)
    else:
        space_states = dict(previous.space_states)
        for space_id in touched & spaces.keys():
            space_states[space_id] = _space_state(index.sorted_bookings(space_id), now)
        changed_zones = {
            zone_id
            for space_id in touched & spaces.keys()
            for zone_id in (spaces[space_id].zone_id, spaces[space_id].building_id)
            if zone_id in zones
        } | (touched & zones.keys())
        zone_states = dict(previous.zone_states)
        visitors_by_zone = {zone_id: state.visitors for zone_id, state in zone_states.items()}
    for zone_id in changed_zones:
        zone_states[zone_id] = replace(
            _zone_state(
                index.members.get(zone_id, []),
                space_states,
                index.sorted_bookings(zone_id),
                day_start,
                day_end,
            ),
            visitors=visitors_by_zone.get(zone_id, ()),
        )
    return Snapshot(
        account=account,
        zones=zones,
        spaces=spaces,
        bookings_by_zone={zone_id: index.sorted_bookings(zone_id) for zone_id in zones},
        bookings_by_space={space_id: index.sorted_bookings(space_id) for space_id in spaces},
        space_states=space_states,
        zone_states=zone_states,
        space_names=index.space_names,
        taken_at=now,
    )


def _visitors_by_zone(
    visitors: Iterable[Visitor],
    spaces: Mapping[str, Space],
    zones: Mapping[str, Zone],
    day_start: datetime,
) -> dict[str, tuple[Visitor, ...]]:
    by_zone: dict[str, list[Visitor]] = defaultdict(list)
    for visitor in visitors:
        for zone_id in _visitor_zones(visitor, spaces, zones):
            by_zone[zone_id].append(visitor)
    return {
        zone_id: tuple(
            sorted(found, key=lambda v: (v.start or day_start, v.guest.name or "", v.guest.email))
        )
        for zone_id, found in by_zone.items()
    }


def unambiguous_names(spaces: Iterable[Space], zones: Mapping[str, Zone]) -> dict[str, str]:
    """Space names, prefixed with their building (or level) where the bare name repeats.

    Two buildings often both have a "Desk 1.01"; entity ids derive from these names, and
    they must not depend on which space happened to load first.
    """

    def qualified(space: Space, depth: int) -> str:
        level = zones.get(space.zone_id)
        building = zones.get(space.building_id) if space.building_id else None
        parts = {
            0: [],
            1: [building.name] if building else [],
            2: [z.name for z in (building, level) if z],
        }[depth]
        return " ".join([*parts, space.name])

    spaces = list(spaces)
    names: dict[str, str] = {}
    for depth in (0, 1, 2):
        counts = Counter(qualified(space, depth) for space in spaces)
        for space in spaces:
            name = qualified(space, depth)
            if space.id not in names and (counts[name] == 1 or depth == 2):  # noqa: PLR2004
                names[space.id] = name
    return names


def _visitor_zones(
    visitor: Visitor, spaces: Mapping[str, Space], zones: Mapping[str, Zone]
) -> set[str]:
    found = {zone_id for zone_id in visitor.zone_ids if zone_id in zones}
    for space_id in visitor.space_ids:
        if space := spaces.get(space_id):
            found |= {space.zone_id, space.building_id or space.zone_id}
    return found


def zones_of(booking: Booking, spaces: Mapping[str, Space], zones: Mapping[str, Zone]) -> set[str]:
    """The tracked zones a booking is in: its own and those of its spaces."""
    found = {zone_id for zone_id in booking.zone_ids if zone_id in zones}
    for space_id in booking.space_ids:
        if space := spaces.get(space_id):
            found.add(space.zone_id)
            if space.building_id:
                found.add(space.building_id)
    return found


def _space_state(bookings: Iterable[Booking], now: datetime) -> SpaceState:
    active = [b for b in bookings if b.end > now and b.is_active]
    # Someone who checked in early (before the start) already holds the space.
    current = [b for b in active if b.start <= now or b.status is BookingStatus.CHECKED_IN]
    upcoming = [b.start for b in active if b not in current]
    next_start = min(upcoming) if upcoming else None
    if not current:
        return SpaceState(SpaceStatus.FREE, None, next_start)
    holder = min(current, key=lambda b: (_PRECEDENCE.index(b.status), b.start, b.id))
    return SpaceState(_STATUS_OF_BOOKING[holder.status], holder, next_start)


def _zone_state(
    members: list[Space],
    space_states: Mapping[str, SpaceState],
    bookings: tuple[Booking, ...],
    day_start: datetime,
    day_end: datetime,
) -> ZoneState:
    # Sorted by start: nothing from the first booking starting after today on counts.
    today = bisect_left(bookings, day_end, key=lambda b: b.start)
    return ZoneState(
        bookings_today=sum(
            1
            for b in bookings[:today]
            if b.end > day_start
            and b.status not in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
        ),
        checked_in_now=sum(
            1 for s in members if space_states[s.id].status is SpaceStatus.CHECKED_IN
        ),
        free_now=sum(
            1 for s in members if s.bookable and space_states[s.id].status is SpaceStatus.FREE
        ),
    )
