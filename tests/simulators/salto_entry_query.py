"""``GET /v1.1/sites/{site}/entries``: OData subset plus continuation-token paging (catalog §4.7).

* ``$orderby``: ``utc_date_time`` or ``local_date_time``, ``asc``/``desc`` (default ``desc``,
  INFERRED); any other field → 400 ``1102`` (measured for ``$orderby=date``).
* ``$filter``: the ``salto_odata`` grammar over the entry fields, e.g.
  ``utc_date_time ge DateTime'2026-03-10T08:00:00Z'`` (also ``datetime'…'`` or a bare
  ``2026-03-10T08:00:00Z``), ``lock_id eq '…'``, ``event_category eq 'lock_opened'``.
* ``$top``: page size (default 50, INFERRED); ``$skip`` is ignored — entries do not page by
  OData (§4.7).

Answer: ``{"items": [...], "continuation_token": <string|null>}`` (exactly the measured
keys). The token is a Cosmos-style JSON document
``[{"token":"+RID:~…#RT:n#TRC:m…","range":{"min":"","max":"FF"}}]`` serialised into a JSON
string; the client sends that string verbatim in the ``CLP-Continuation-Token`` header to
get the next page. A token is given whenever entries remain after the last one looked at.
A page may be empty and still carry a token: when ``ENTRIES_SCAN_BUDGET`` entries were
skipped by the filter before the page filled, or when a test forces it with
``empty_pages``. A token the server did not issue, or one sent with the opposite order,
→ 400 ``1100``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass
import json

from .salto_constants import (
    DEFAULT_ENTRIES_PAGE_SIZE,
    ENTRIES_SCAN_BUDGET,
    ENTRY_DATE_FIELDS,
    ENTRY_FIELDS,
)
from .salto_errors import request_invalid
from .salto_model import Entry, JsonDict
from .salto_odata import read_filter, read_orderby, read_top
from .salto_site import SaltoSite

ORDER_FIELDS = ("utc_date_time", "local_date_time")


@dataclass(frozen=True)
class Cursor:
    descending: bool
    at: float
    seq: int
    pages: int
    seen: int


def encode_token(cursor: Cursor) -> str:
    state = json.dumps(
        {"d": cursor.descending, "a": cursor.at, "s": cursor.seq}, separators=(",", ":")
    )
    rid = base64.b64encode(state.encode()).decode()
    inner = f"+RID:~{rid}#RT:{cursor.pages}#TRC:{cursor.seen}#ISV:2#IEO:65567#QCF:8"
    return json.dumps([{"token": inner, "range": {"min": "", "max": "FF"}}], separators=(",", ":"))


def decode_token(raw: str) -> Cursor:
    invalid = request_invalid("The continuation token is invalid.")
    try:
        document = json.loads(raw)
        inner = document[0]["token"]
        rid, *rest = inner.removeprefix("+RID:~").split("#")
        state = json.loads(base64.b64decode(rid, validate=True))
        fields = dict(part.split(":", 1) for part in rest)
        cursor = Cursor(
            bool(state["d"]),
            float(state["a"]),
            int(state["s"]),
            int(fields["RT"]),
            int(fields["TRC"]),
        )
    except ValueError, KeyError, IndexError, TypeError, AttributeError, binascii.Error:
        raise invalid from None
    if not inner.startswith("+RID:~"):
        raise invalid
    return cursor


class EntryQuery:
    """Answers entry list requests for one site."""

    def __init__(self, site: SaltoSite) -> None:
        self.site = site
        self.scan_budget = ENTRIES_SCAN_BUDGET
        self.empty_pages = 0  # tests: the next N pages come back empty but with a token
        self.default_top = DEFAULT_ENTRIES_PAGE_SIZE

    def page(
        self, query: Mapping[str, str], token: str | None, render: Callable[[Entry], JsonDict]
    ) -> JsonDict:
        site = self.site
        order = read_orderby(query, ORDER_FIELDS)
        descending = True if order is None else order[1]
        predicate = read_filter(
            query,
            ENTRY_FIELDS,
            date_fields=ENTRY_DATE_FIELDS,
            local_fields=frozenset({"local_date_time"}),
            zone=site.zone,
        )
        top = read_top(query, self.default_top)
        cursor = decode_token(token) if token is not None and token.strip() else None
        if cursor is not None and cursor.descending != descending:
            raise request_invalid("The continuation token is invalid.")
        candidates = sorted(site.entries.queryable(), key=_key, reverse=descending)
        if cursor is not None:
            candidates = [e for e in candidates if _after(e, cursor, descending=descending)]
        pages = cursor.pages + 1 if cursor is not None else 1
        seen = cursor.seen if cursor is not None else 0
        if self.empty_pages > 0 and candidates:
            self.empty_pages -= 1
            start = cursor or Cursor(descending, _start(descending), 0, 0, 0)
            held = Cursor(descending, start.at, start.seq, pages, seen)
            return {"items": [], "continuation_token": encode_token(held)}
        items: list[Entry] = []
        skipped = 0
        last: Entry | None = None
        for entry in candidates:
            if len(items) >= top or skipped >= self.scan_budget:
                break
            last = entry
            if predicate is None or predicate(render(entry)):
                items.append(entry)
            else:
                skipped += 1
        more = last is not None and candidates[-1] is not last
        next_token = None
        if more and last is not None:
            next_token = encode_token(
                Cursor(descending, last.at, last.seq, pages, seen + len(items))
            )
        return {"items": [render(e) for e in items], "continuation_token": next_token}


def _key(entry: Entry) -> tuple[float, int]:
    return (entry.at, entry.seq)


def _start(descending: bool) -> float:
    return float("inf") if descending else float("-inf")


def _after(entry: Entry, cursor: Cursor, *, descending: bool) -> bool:
    if descending:
        return _key(entry) < (cursor.at, cursor.seq)
    return _key(entry) > (cursor.at, cursor.seq)
