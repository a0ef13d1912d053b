"""Swap in emission-factor data with a newer dataset version, as a deployment of new data would."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from carbon_accounting.emissions import factors, releases


def _clear_caches() -> None:
    for cached in (factors.versions, factors._text, factors._lines, factors.rows, factors._table):
        cached.cache_clear()
    releases.span.cache_clear()
    releases.changed_at.cache_clear()
    releases._changed_in.cache_clear()
    releases._series.cache_clear()


@contextmanager
def newer_version(
    tmp_path: Path, version: str, dataset: str, file: str, rows: list[dict[str, str]]
) -> Iterator[int]:
    """The shipped data plus ``version`` of ``dataset`` holding ``rows`` of ``file``, as the next release.

    Yields that release; the shipped data is back afterwards.
    """
    data = tmp_path / "data"
    shutil.copytree(factors._DATA, data)
    release = max(each.release for each in factors.versions().values()) + 1
    with (data / "datasets.csv").open("a", encoding="utf-8", newline="") as registry:
        csv.writer(registry).writerow([version, dataset, release, f"{version} (test data)"])
    with (data / file).open(encoding="utf-8", newline="") as existing:
        columns = next(csv.reader(existing))
    with (data / file).open("a", encoding="utf-8", newline="") as appended:
        writer = csv.DictWriter(appended, columns)
        writer.writerows({"dataset_version": version, **row} for row in rows)
    shipped = factors._DATA
    factors._DATA = data
    _clear_caches()
    try:
        yield release
    finally:
        factors._DATA = shipped
        _clear_caches()
