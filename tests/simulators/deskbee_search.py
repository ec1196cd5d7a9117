"""The ``search`` query parameter (catalog §3.4), parsed tolerantly.

Documented: ``search=key:value;key2:value2`` with comma-separated multi-values
(``period:2024/01/01,2024/01/30``). The vendor's own examples also show ``key=value``
segments, an operator segment (``email:eq:someone@x``) and a stray leading ``search=``
inside the value; all are accepted. Keys are case-insensitive; unknown keys are ignored by
the endpoints (as Laravel filters do); a repeated key keeps its last value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import re

OPERATORS = frozenset({"eq", "like", "in", "ne", "neq", "gt", "gte", "lt", "lte"})
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_PREFIX = "search="


@dataclass(frozen=True)
class Term:
    key: str
    values: tuple[str, ...]
    operator: str = "eq"

    @property
    def value(self) -> str:
        return ",".join(self.values)


@dataclass(frozen=True)
class Search:
    terms: dict[str, Term] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.terms

    def values(self, key: str) -> list[str]:
        term = self.terms.get(key)
        return list(term.values) if term else []

    def first(self, key: str) -> str | None:
        term = self.terms.get(key)
        return term.values[0] if term and term.values else None

    def raw(self, key: str) -> str | None:
        term = self.terms.get(key)
        return term.value if term else None

    def flag(self, key: str) -> bool | None:
        """``true/1`` or ``false/0``; ``None`` when absent or another word."""
        word = (self.first(key) or "").lower()
        if word in ("true", "1"):
            return True
        if word in ("false", "0"):
            return False
        return None


def parse_search(raw: str | None) -> Search:
    terms: dict[str, Term] = {}
    for segment in (raw or "").split(";"):
        term = _parse_segment(segment)
        if term is not None:
            terms[term.key] = term
    return Search(terms)


def _parse_segment(segment: str) -> Term | None:
    text = segment.strip()
    while text.lower().startswith(_PREFIX):
        text = text[len(_PREFIX) :].strip()
    if not text:
        return None
    colon, equals = text.find(":"), text.find("=")
    cuts = [position for position in (colon, equals) if position > 0]
    if not cuts:
        return None
    cut = min(cuts)
    key, rest = text[:cut].strip().lower(), text[cut + 1 :].strip()
    if not _KEY.match(key):
        return None
    operator = "eq"
    head, separator, tail = rest.partition(":")
    if separator and head.lower() in OPERATORS:
        operator, rest = head.lower(), tail.strip()
    values = tuple(item.strip() for item in rest.split(",") if item.strip())
    return Term(key, values, operator)
