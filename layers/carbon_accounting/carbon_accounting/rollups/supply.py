"""What an invoice adds to its supply point's rollups (pure): that the supply point exists, when it
was billed, and which days of each month its bills cover. ``coverage`` reads them.

An invoice with a facility and a period (a single invoice or a distributed child: each facility's
share is billed to a supply point of that facility) adds, to its supply point
(``supply.identifiers.point_of``):

- ``ROLLUP#POINT#<facility>#<supply point>``: ``n|<type>|<identifier kind>|<identifier>|<fuel>`` 1,
  whatever its status (what names a supply point no one registered: a CUPS, or the implicit one);
  and, while it covers its period (``covers``), ``start|<YYYY-MM>`` and ``end|<YYYY-MM>`` 1: the
  months the supply point's bills begin and end in, without reading them (at most 12 a year each,
  however often it is billed; the month's coverage cell has the day);
- while it covers its period, to each month the period touches, ``ROLLUP#COVERAGE#<YYYY-MM>#<supply
  point>``: ``bill|<invoice id>|<start>|<end>|<quantity, billionths>|<unit id>|<quality flags>`` 1,
  everything the month's coverage, its overlaps and duplicates are computed from.

Month first in the key, so that a window of months is one Query whatever the supply points.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from carbon_accounting.rollups.numbers import Cells, fixed, months
from carbon_accounting.supply.identifiers import PointRef, point_of

POINT = "ROLLUP#POINT#"
COVERAGE = "ROLLUP#COVERAGE#"


def point_sk(facility_id: str, point_id: str = "") -> str:
    return f"{POINT}{facility_id}#{point_id}"


def coverage_sk(month: str, point_id: str = "") -> str:
    return f"{COVERAGE}{month}#{point_id}"


def covers(item: Mapping[str, Any]) -> bool:
    """Whether an invoice counts as billing its period: ``active`` (its figures are in the inventory),
    or ``loading`` on its way there (not an ``inactive`` or ``review`` one being recalculated)."""
    status = item.get("status")
    return status == "active" or (status == "loading" and not item.get("resume_status"))


def describe(point: PointRef) -> str:
    return "|".join(("n", point.type, point.kind or "", point.identifier or "", point.fuel_id or ""))


def bill(item: Mapping[str, Any]) -> str:
    flags = ",".join(sorted({flag["kind"] for flag in item.get("quality_flags") or []}))
    quantity = fixed(item["quantity"])
    return f"bill|{item['id']}|{item['start_date']}|{item['end_date']}|{quantity}|{item['unit_id']}|{flags}"


def supply_cells(item: Mapping[str, Any]) -> Cells:
    """What a stored invoice adds to its supply point's cells (see the module); ``{}`` for none."""
    point = point_of(item)
    if point is None:
        return {}
    organization = item["organization_id"]
    cells: Cells = defaultdict(lambda: defaultdict(Decimal))
    own = cells[(organization, point_sk(point.facility_id, point.id))]
    own[describe(point)] += 1
    if covers(item):
        own[f"start|{item['start_date'][:7]}"] += 1
        own[f"end|{item['end_date'][:7]}"] += 1
        start, end = date.fromisoformat(item["start_date"]), date.fromisoformat(item["end_date"])
        for month, _, _ in months(start, end):
            cells[(organization, coverage_sk(month, point.id))][bill(item)] += 1
    return cells
