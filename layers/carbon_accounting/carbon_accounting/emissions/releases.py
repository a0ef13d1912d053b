"""Which invoices a data release makes stale.

The factor data grows by *releases* (``factors.versions``): release 1 is the data the project started
with, and each deployment of new dataset versions is the next one. An invoice records the release its
figures were computed at, and the *years* its period falls in, as one of these buckets:

- ``"2025"``: a period within one calendar year;
- ``"2024-2025"``: a period across one new year;
- ``"other"``: a longer period, or one outside the years the data covers (``span``). Beyond the data,
  every year uses the same factors as the nearest covered year, so those invoices are few and alike.

``changed_at(type, bucket)`` is the latest release that changed a factor an invoice of that type in those
years would use (a new or revised row of a file the type reads, for any series of it), or the
methodology of that type (``METHODOLOGY``); an invoice computed at an earlier release is stale. It is
exact per type and year, not per series: a new grid intensity for Spain also marks French electricity
invoices of that year stale, and recomputing them leaves their figures as they were.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from carbon_accounting.emissions import factors
from carbon_accounting.emissions.factors import DataFile
from carbon_accounting.emissions.model import InvoiceType

OTHER = "other"

# The files each type's calculation reads (``calculator``, ``electricity``); a custom factor is the
# organization's own data, outside of the releases.
_GRID = (
    factors.GRID_DIRECT,
    factors.EGRID,
    factors.GRID_INTENSITY,
    factors.TD_LOSSES,
    factors.RESIDUAL_MIX,
    factors.SUPPLIER_MIX,
    factors.ELECTRICITY_UPSTREAM,
)
_FILES: dict[InvoiceType, tuple[DataFile, ...]] = {
    InvoiceType.ELECTRICITY: _GRID,
    InvoiceType.RECHARGE: _GRID,
    InvoiceType.HEAT: (factors.FUEL_FACTORS, factors.HEAT_FACTORS),
    InvoiceType.WATER: (factors.WATER_FACTORS,),
    InvoiceType.PROCESS: (),
}

# The methodology (docs/methodology.md) by version, and the release that brought it in for each type:
# its figures are recomputed like those of a data release. Version 2 splits every invoice by scope and
# category, and reworks every type's parts (issue 13). Version 3 takes the nearest year's factor where a
# year has none (issue 28; before, the latest earlier year's, else an error or the next source), which
# changes figures that no row of release 3 changes: every type, every year.
METHODOLOGY = {"1": 1, "2": 2, "3": 3}
_METHOD_CHANGED_AT = dict.fromkeys(InvoiceType, METHODOLOGY["3"])


def methodology_version() -> str:
    """The methodology this code computes with, recorded on every invoice it computes."""
    return max(METHODOLOGY, key=METHODOLOGY.__getitem__)


_Entry = tuple[int, int, str]  # a row's (year, release, id)


def current_release() -> int:
    """The release of the data this code carries: what new figures are computed at."""
    return max(version.release for version in factors.versions().values())


@cache
def span() -> tuple[int, int]:
    """The years with a bucket of their own: one before the earliest data year to one after the latest."""
    years = [factor.year for file in _all_files() for _, factor in factors.rows(file)]
    return min(years) - 1, max(years) + 1


def bucket(start: date, end: date) -> str:
    """The years bucket of a period (see the module's docstring)."""
    first, last = span()
    if start.year < first or end.year > last or end.year - start.year > 1:
        return OTHER
    return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"


def buckets() -> list[str]:
    """Every bucket an invoice computed with the current data can be in, ``other`` last."""
    first, last = span()
    singles = [str(year) for year in range(first, last + 1)]
    pairs = [f"{year}-{year + 1}" for year in range(first, last)]
    return [*singles, *pairs, OTHER]


@cache
def changed_at(invoice_type: InvoiceType, years: str) -> int:
    """The latest release that changed a factor used by an invoice of ``invoice_type`` in ``years``.

    1 when nothing changed since the first release: no invoice is then stale.
    """
    if years == OTHER:
        first, last = span()
        covered = list(range(first, last + 1))
    else:
        covered = [int(year) for year in years.split("-")]
    return max(_changed_in(invoice_type, year) for year in covered)


@cache
def _changed_in(invoice_type: InvoiceType, year: int) -> int:
    series = [entries for file in _FILES[invoice_type] for entries in _series(file).values()]
    for release in range(current_release(), 1, -1):
        if any(_pick(entries, year, release) != _pick(entries, year, release - 1) for entries in series):
            return max(release, _METHOD_CHANGED_AT[invoice_type])
    return _METHOD_CHANGED_AT[invoice_type]


def _pick(entries: list[_Entry], year: int, release: int) -> _Entry | None:
    """The row the engine uses for ``year`` with the data of ``release``: the nearest year (the earlier
    of two as near), and of that year the latest release (``factors.Series.nearest`` over
    ``factors._table``)."""
    known = [entry for entry in entries if entry[1] <= release]
    if not known:
        return None
    nearest = min((abs(entry[0] - year), entry[0]) for entry in known)[1]
    return max(entry for entry in known if entry[0] == nearest)


@cache
def _series(file: DataFile) -> dict[tuple[str, ...], list[_Entry]]:
    by_key: dict[tuple[str, ...], list[_Entry]] = {}
    for key, factor in factors.rows(file):
        by_key.setdefault(key, []).append((factor.year, factor.release, factor.id))
    return by_key


def _all_files() -> set[DataFile]:
    return {file for files in _FILES.values() for file in files}
