"""The OData subset the simulator understands, and the list envelope (catalog §3).

Accepted query options (anything malformed or naming an unknown field → 400 ``1102``):

* ``$top`` — page size (positive integer; larger than ``MAX_PAGE_SIZE`` is clamped);
* ``$skip`` — offset for ordinary lists (entries ignore it: they page by continuation token);
* ``$orderby`` — ``<field> [asc|desc]`` on one scalar field of the objects listed;
* ``$filter`` — comparisons ``<field> eq|ne|gt|ge|lt|le <literal>`` joined by ``and`` / ``or``
  (``and`` binds tighter) with parentheses and ``not``. Fields are the object's top-level keys
  (``a/b`` reaches into nested objects). Literals: ``'text'`` (``''`` escapes a quote),
  ``DateTime'…'`` / ``datetime'…'`` / ``DateTimeOffset'…'``, a bare ISO date-time
  (``2026-03-10T09:00:00Z``), numbers, ``true``, ``false``, ``null``. Date fields compare as
  instants (no offset = UTC; ``local_date_time`` is site-local);
* ``$inlinecount=allpages`` or ``$count=true`` — fill ``count`` (otherwise ``null``).

Envelope: ``{"items": [...], "next_page_link": <absolute URL or null>, "count": <int|null>}``.
``next_page_link`` (format INFERRED, the catalog never saw one) is the request's own absolute
URL with ``$skip`` advanced by the page size and ``$top`` set, other options kept — e.g.
``http://127.0.0.1:8080/v1.2/sites/<id>/locks?$top=2&$skip=2``; it is ``null`` on the last page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import re
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from .salto_constants import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from .salto_errors import odata_invalid
from .salto_format import parse_datetime
from .salto_model import JsonDict

Predicate = Callable[[Mapping[str, Any]], bool]
OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le")
TOKEN = re.compile(
    r"""\s*(?:
        (?P<typed>(?i:datetimeoffset|datetime)'[^']*')
      | (?P<string>'(?:[^']|'')*')
      | (?P<date>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<paren>[()])
      | (?P<word>[A-Za-z_][A-Za-z0-9_/]*)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Literal:
    value: Any
    is_date: bool = False


def read_top(query: Mapping[str, str], default: int = DEFAULT_PAGE_SIZE) -> int:
    raw = query.get("$top")
    if raw is None or not raw.strip():
        return default
    try:
        top = int(raw.strip())
    except ValueError:
        raise odata_invalid("The value of $top is invalid.") from None
    if top < 1:
        raise odata_invalid("The value of $top is invalid.")
    return min(top, MAX_PAGE_SIZE)


def read_skip(query: Mapping[str, str]) -> int:
    raw = query.get("$skip")
    if raw is None or not raw.strip():
        return 0
    try:
        skip = int(raw.strip())
    except ValueError:
        raise odata_invalid("The value of $skip is invalid.") from None
    if skip < 0:
        raise odata_invalid("The value of $skip is invalid.")
    return skip


def read_orderby(query: Mapping[str, str], fields: Sequence[str]) -> tuple[str, bool] | None:
    """``(field, descending)`` or ``None``; unknown field (``$orderby=date``) → 1102."""
    raw = query.get("$orderby")
    if raw is None or not raw.strip():
        return None
    parts = raw.split()
    if len(parts) > 2 or parts[0] not in fields:
        raise odata_invalid(f"Could not find a property named '{parts[0]}'.")
    direction = parts[1].lower() if len(parts) == 2 else "asc"
    if direction not in ("asc", "desc"):
        raise odata_invalid(f"Invalid $orderby direction '{parts[1]}'.")
    return parts[0], direction == "desc"


def wants_count(query: Mapping[str, str]) -> bool:
    return (
        query.get("$inlinecount", "").lower() == "allpages"
        or query.get("$count", "").lower() == "true"
    )


# -- $filter ------------------------------------------------------------------------------


def read_filter(
    query: Mapping[str, str],
    fields: Sequence[str],
    *,
    date_fields: frozenset[str] = frozenset(),
    local_fields: frozenset[str] = frozenset(),
    zone: ZoneInfo | None = None,
) -> Predicate | None:
    raw = query.get("$filter")
    if raw is None or not raw.strip():
        return None
    parser = _FilterParser(_tokens(raw), fields, date_fields, local_fields, zone)
    predicate = parser.expression()
    if parser.peek() is not None:
        raise odata_invalid()
    return predicate


def _tokens(raw: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = raw.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise odata_invalid()
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return tokens


class _FilterParser:
    def __init__(
        self,
        tokens: list[tuple[str, str]],
        fields: Sequence[str],
        date_fields: frozenset[str],
        local_fields: frozenset[str],
        zone: ZoneInfo | None,
    ) -> None:
        self.tokens = tokens
        self.index = 0
        self.fields = fields
        self.date_fields = date_fields
        self.local_fields = local_fields
        self.zone = zone

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise odata_invalid()
        self.index += 1
        return token

    def _keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == word:
            self.index += 1
            return True
        return False

    def expression(self) -> Predicate:
        terms = [self.conjunction()]
        while self._keyword("or"):
            terms.append(self.conjunction())
        if len(terms) == 1:
            return terms[0]
        return lambda item: any(term(item) for term in terms)

    def conjunction(self) -> Predicate:
        factors = [self.factor()]
        while self._keyword("and"):
            factors.append(self.factor())
        if len(factors) == 1:
            return factors[0]
        return lambda item: all(factor(item) for factor in factors)

    def factor(self) -> Predicate:
        if self._keyword("not"):
            inner = self.factor()
            return lambda item: not inner(item)
        token = self.peek()
        if token == ("paren", "("):
            self.take()
            inner = self.expression()
            if self.take() != ("paren", ")"):
                raise odata_invalid()
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, name = self.take()
        if kind != "word" or name.split("/")[0] not in self.fields:
            raise odata_invalid(f"Could not find a property named '{name}'.")
        kind, operator = self.take()
        if kind != "word" or operator.lower() not in OPERATORS:
            raise odata_invalid()
        literal = self.literal()
        return _compare(name, operator.lower(), literal, self._instant(name))

    def _instant(self, name: str) -> Callable[[Any], float | None] | None:
        if name not in self.date_fields:
            return None
        zone = self.zone if name in self.local_fields else None

        def instant(value: Any) -> float | None:
            if not isinstance(value, str):
                return None
            try:
                return parse_datetime(value, zone)
            except ValueError:
                raise odata_invalid() from None

        return instant

    def literal(self) -> Literal:
        kind, text = self.take()
        if kind == "typed":
            return Literal(text[text.index("'") + 1 : -1], is_date=True)
        if kind == "date":
            return Literal(text, is_date=True)
        if kind == "string":
            return Literal(text[1:-1].replace("''", "'"))
        if kind == "number":
            return Literal(float(text) if "." in text else int(text))
        if kind == "word" and text.lower() in ("true", "false", "null"):
            return Literal({"true": True, "false": False, "null": None}[text.lower()])
        raise odata_invalid()


def _lookup(item: Mapping[str, Any], path: str) -> Any:
    value: Any = item
    for part in path.split("/"):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _compare(
    name: str,
    operator: str,
    literal: Literal,
    instant: Callable[[Any], float | None] | None,
) -> Predicate:
    expected: Any = literal.value
    if instant is not None and expected is not None:
        expected = instant(expected)
    elif literal.is_date and instant is None:
        raise odata_invalid(f"'{name}' is not a date field.")

    def check(item: Mapping[str, Any]) -> bool:
        actual = _lookup(item, name)
        if instant is not None:
            actual = instant(actual)
        if operator == "eq":
            return bool(actual == expected)
        if operator == "ne":
            return bool(actual != expected)
        if actual is None or expected is None:
            return False
        try:
            if operator == "gt":
                return bool(actual > expected)
            if operator == "ge":
                return bool(actual >= expected)
            if operator == "lt":
                return bool(actual < expected)
            return bool(actual <= expected)
        except TypeError:
            return False

    return check


# -- envelopes ----------------------------------------------------------------------------


def list_page(request: web.Request, items: list[JsonDict], fields: Sequence[str]) -> JsonDict:
    """Filter, order and page ``items`` (objects with ``fields``) into the envelope."""
    query = request.query
    predicate = read_filter(query, fields)
    selected = [item for item in items if predicate is None or predicate(item)]
    order = read_orderby(query, fields)
    if order is not None:
        name, descending = order
        selected.sort(key=lambda item: _sort_key(item.get(name)), reverse=descending)
    top = read_top(query)
    skip = read_skip(query)
    page = selected[skip : skip + top]
    link = None
    if skip + top < len(selected):
        link = str(request.url.update_query({"$top": str(top), "$skip": str(skip + top)}))
    return {
        "items": page,
        "next_page_link": link,
        "count": len(selected) if wants_count(query) else None,
    }


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float):
        return (1, value)
    return (2, str(value))
