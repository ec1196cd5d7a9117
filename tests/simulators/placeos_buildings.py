"""Zones, rooms (control systems), desks and metadata of the simulated tenant (§3.6, §5.6).

Layout follows PlaceOS conventions: an ``org`` zone, ``building`` zones under it, ``level``
zones under buildings. Desks live in the level zone's ``desks`` metadata (a list of
``{id, name, bookable, features, groups}``); rooms are bookable control systems whose
``zones`` list org, building and level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import re
from typing import Any

from .clock import SimClock
from .placeos_model import ControlSystem, IdFactory, JsonDict, Metadata, Zone

DESKS_METADATA = "desks"
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class AssetLocation:
    """Where a bookable asset sits and how it may be booked."""

    asset_id: str
    kind: str  # "desk" or "room"
    name: str
    zones: tuple[str, ...]  # org, building, level
    bookable: bool
    approval: bool


def text_matches(query: str | None, texts: Iterable[str | None]) -> bool:
    """REST ``q``: every word of the query is a prefix of some word of the searchable text."""
    if query is None or query.strip() in ("", "*"):
        return True
    words = [word for text in texts if text for word in _WORD.findall(text.lower())]
    return all(
        any(word.startswith(term) for word in words) for term in _WORD.findall(query.lower())
    )


def _slug(text: str) -> str:
    return "-".join(_WORD.findall(text.lower())) or "room"


class Buildings:
    """Zone tree, rooms and desk metadata."""

    def __init__(self, ids: IdFactory, clock: SimClock, org_name: str, email_domain: str) -> None:
        self._ids = ids
        self._clock = clock
        self._email_domain = email_domain
        self.zones: dict[str, Zone] = {}
        self.systems: dict[str, ControlSystem] = {}
        self.metadata: dict[tuple[str, str], Metadata] = {}
        self._desk_levels: dict[str, str] = {}  # desk id -> level zone id
        self.org_zone = self._add_zone(org_name, ["org"], None)

    # -- zones ----------------------------------------------------------------------------

    def _add_zone(
        self, name: str, tags: list[str], parent_id: str | None, *, timezone: str | None = None
    ) -> Zone:
        zone = Zone(
            id=self._ids.make("zone"),
            name=name,
            display_name=name,
            tags=tags,
            parent_id=parent_id,
            timezone=timezone,
            created_at=self._clock.now_int(),
        )
        self.zones[zone.id] = zone
        return zone

    def add_building(self, name: str, *, timezone: str | None = None) -> Zone:
        return self._add_zone(name, ["building"], self.org_zone.id, timezone=timezone)

    def add_level(self, building_id: str, name: str) -> Zone:
        building = self._zone_with_tag(building_id, "building")
        return self._add_zone(name, ["level"], building.id, timezone=building.timezone)

    def _zone_with_tag(self, zone_id: str, tag: str) -> Zone:
        zone = self.zones.get(zone_id)
        if zone is None or tag not in zone.tags:
            raise KeyError(f"no {tag} zone {zone_id}")
        return zone

    def zone_chain(self, zone_id: str) -> list[str]:
        """Ids from the org zone down to ``zone_id``."""
        chain: list[str] = []
        current: str | None = zone_id
        while current is not None and current in self.zones:
            chain.insert(0, current)
            current = self.zones[current].parent_id
        return chain

    def search_zones(
        self, *, tags: list[str], parent_ids: list[str], query: str | None
    ) -> list[Zone]:
        """Zones holding ALL ``tags``, children of ANY of ``parent_ids``, ordered by name, id."""
        found = [
            zone
            for zone in self.zones.values()
            if all(tag in zone.tags for tag in tags)
            and (not parent_ids or zone.parent_id in parent_ids)
            and text_matches(query, (zone.name, zone.display_name, zone.description, zone.code))
        ]
        return sorted(found, key=lambda zone: (zone.name, zone.id))

    # -- rooms ----------------------------------------------------------------------------

    def add_room(
        self,
        level_id: str,
        name: str,
        *,
        capacity: int = 8,
        approval: bool = False,
        features: list[str] | None = None,
    ) -> ControlSystem:
        level = self._zone_with_tag(level_id, "level")
        system = ControlSystem(
            id=self._ids.make("sys"),
            name=name,
            display_name=name,
            email=self._unique_room_email(name),
            zones=self.zone_chain(level.id),
            capacity=capacity,
            approval=approval,
            features=list(features or []),
            timezone=level.timezone,
            created_at=self._clock.now_int(),
        )
        self.systems[system.id] = system
        return system

    def _unique_room_email(self, name: str) -> str:
        taken = {system.email for system in self.systems.values()}
        base = f"room-{_slug(name)}"
        candidate, counter = base, 1
        while f"{candidate}@{self._email_domain}" in taken:
            counter += 1
            candidate = f"{base}-{counter}"
        return f"{candidate}@{self._email_domain}"

    def remove_room(self, system_id: str) -> None:
        if self.systems.pop(system_id, None) is None:
            raise KeyError(f"no system {system_id}")

    def search_systems(
        self,
        *,
        zone_ids: list[str],
        bookable: bool | None,
        capacity: int | None,
        features: list[str],
        emails: list[str],
        query: str | None,
    ) -> list[ControlSystem]:
        """REST systems index: ALL zones, ALL features, capacity at least, ordered by name, id."""
        wanted_emails = {email.strip().lower() for email in emails}
        found = [
            system
            for system in self.systems.values()
            if all(zone in system.zones for zone in zone_ids)
            and all(feature in system.features for feature in features)
            and (bookable is None or system.bookable == bookable)
            and (capacity is None or system.capacity >= capacity)
            and (not wanted_emails or system.email.lower() in wanted_emails)
            and text_matches(
                query, (system.name, system.display_name, system.description, system.email)
            )
        ]
        return sorted(found, key=lambda system: (system.name, system.id))

    # -- desks ----------------------------------------------------------------------------

    def add_desk(
        self,
        level_id: str,
        name: str,
        *,
        desk_id: str | None = None,
        bookable: bool = True,
        features: list[str] | None = None,
    ) -> str:
        level = self._zone_with_tag(level_id, "level")
        new_id = desk_id or self._ids.make("desk", 8)
        if new_id in self._desk_levels or new_id in self.systems:
            raise ValueError(f"asset id {new_id} already exists")
        desks = self._desks_list(level.id)
        desks.append(
            {
                "id": new_id,
                "name": name,
                "bookable": bookable,
                "features": list(features or []),
                "groups": [],
            }
        )
        self._desk_levels[new_id] = level.id
        self._touch(level.id, DESKS_METADATA)
        return new_id

    def remove_desk(self, level_id: str, desk_id: str) -> None:
        if self._desk_levels.get(desk_id) != level_id:
            raise KeyError(f"no desk {desk_id} on {level_id}")
        desks = self._desks_list(level_id)
        desks[:] = [desk for desk in desks if desk.get("id") != desk_id]
        del self._desk_levels[desk_id]
        self._touch(level_id, DESKS_METADATA)

    def desks(self, level_id: str) -> list[JsonDict]:
        """The desk entries of a level (live list)."""
        return self._desks_list(level_id)

    def desk_ids(self) -> list[str]:
        return list(self._desk_levels)

    def _desks_list(self, level_id: str) -> list[JsonDict]:
        """The level's live desk list, created on first use.

        Metadata written over HTTP may hold anything; a ``desks`` document that is not a
        list is replaced by an empty one when the simulator next adds or removes a desk.
        """
        entry = self.metadata.get((level_id, DESKS_METADATA))
        if entry is None:
            now = self._clock.now_int()
            entry = Metadata(
                name=DESKS_METADATA,
                parent_id=level_id,
                details=[],
                description="desks on this level",
                created_at=now,
                updated_at=now,
            )
            self.metadata[(level_id, DESKS_METADATA)] = entry
        if not isinstance(entry.details, list):
            entry.details = []
        details: list[JsonDict] = entry.details
        return details

    def _desk_entries(self, level_id: str) -> list[JsonDict]:
        """Desk objects (with a string ``id``) of a level's ``desks`` metadata, read-only."""
        entry = self.metadata.get((level_id, DESKS_METADATA))
        details: Any = entry.details if entry is not None else []
        if not isinstance(details, list):
            return []
        return [d for d in details if isinstance(d, dict) and isinstance(d.get("id"), str)]

    def _reindex_desks(self, level_id: str) -> None:
        """After a ``desks`` metadata write: its entries are that level's desks (§3.6)."""
        for desk_id in [d for d, level in self._desk_levels.items() if level == level_id]:
            del self._desk_levels[desk_id]
        for desk in self._desk_entries(level_id):
            self._desk_levels[desk["id"]] = level_id

    def _touch(self, parent_id: str, name: str) -> None:
        self.metadata[(parent_id, name)].updated_at = self._clock.now_int()

    # -- assets ---------------------------------------------------------------------------

    def find_asset(self, asset_id: str) -> AssetLocation | None:
        """Locate a desk (by desk id) or room (by system id)."""
        level_id = self._desk_levels.get(asset_id)
        if level_id is not None:
            desk = next(d for d in self._desk_entries(level_id) if d["id"] == asset_id)
            return AssetLocation(
                asset_id=asset_id,
                kind="desk",
                name=str(desk.get("name", asset_id)),
                zones=tuple(self.zone_chain(level_id)),
                bookable=bool(desk.get("bookable", True)),
                approval=False,
            )
        system = self.systems.get(asset_id)
        if system is not None:
            return AssetLocation(
                asset_id=asset_id,
                kind="room",
                name=system.name,
                zones=tuple(system.zones),
                bookable=system.bookable,
                approval=system.approval,
            )
        return None

    # -- metadata -------------------------------------------------------------------------

    def parent_exists(self, parent_id: str) -> bool:
        """A zone or system that metadata may hang off (users are the directory's)."""
        return parent_id in self.zones or parent_id in self.systems

    def write_metadata(
        self,
        parent_id: str,
        name: str,
        *,
        description: str,
        details: Any,
        merge: bool,
        modified_by: str,
    ) -> Metadata:
        """``PUT`` (replace) or ``PATCH`` (merge) ``/metadata/{id}`` (§3.6).

        The description is always replaced; a merge combines two objects key by key and
        otherwise replaces. Writing a level's ``desks`` makes its entries that level's desks.
        """
        now = self._clock.now_int()
        entry = self.metadata.get((parent_id, name))
        if entry is None:
            entry = Metadata(
                name=name,
                parent_id=parent_id,
                details=details,
                description=description,
                created_at=now,
                updated_at=now,
            )
            self.metadata[(parent_id, name)] = entry
        else:
            entry.description = description
            both_objects = isinstance(entry.details, dict) and isinstance(details, dict)
            entry.details = {**entry.details, **details} if merge and both_objects else details
            entry.updated_at = now
        entry.modified_by_id = modified_by
        if name == DESKS_METADATA:
            self._reindex_desks(parent_id)
        return entry

    def metadata_of(self, parent_id: str, name: str | None) -> dict[str, JsonDict]:
        """Metadata of one parent keyed by name, optionally just ``name`` (§5.8)."""
        return {
            entry.name: entry.render()
            for (owner, entry_name), entry in self.metadata.items()
            if owner == parent_id and (name is None or entry_name == name)
        }

    def children_metadata(self, zone_id: str, name: str | None) -> list[JsonDict]:
        """``{zone, metadata}`` for every child zone, metadata ``{}`` when it has none."""
        children = sorted(
            (zone for zone in self.zones.values() if zone.parent_id == zone_id),
            key=lambda zone: (zone.name, zone.id),
        )
        return [
            {"zone": child.render(), "metadata": self.metadata_of(child.id, name)}
            for child in children
        ]
