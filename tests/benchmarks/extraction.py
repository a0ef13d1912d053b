"""Reading PDF bills: field-level precision and recall over the generated corpus, and the time a page takes.

Every bill of ``tests.documents.generator.corpus()`` is rendered, read from its text layer (pypdf, as
the extraction function does) and scored against its truth (``tests.documents.scoring``). The target
is 100% precision: no wrong value read, and none filled in silently (a wrong value on an invoice that
went to ``loading``); recall as high as it goes, every miss going to review. The time is the median,
over runs, of reading a document's text layer and its fields, divided by its pages.

Run: `make bench` (``python -m tests.benchmarks.extraction [--smoke]``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from carbon_accounting.intake.documents.extraction import read_bill
from carbon_accounting.intake.documents.extractors import text_layer_lines
from tests.documents.generator import corpus, render
from tests.documents.scoring import FACILITIES, Score, given_facility, score


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="one run per bill")
    runs = 1 if parser.parse_args(argv).smoke else 15
    print(f"Each bill read {runs} times from its text layer; the median per page")
    print(f"{'bill':<22}{'pages':>6}{'ms/page':>9}{'correct':>9}{'wrong':>7}{'missed':>8}  status (reason)")
    total, silent, per_page = Score(), [], []
    for bill in corpus():
        pdf = render(bill)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            lines = text_layer_lines(pdf)
            reading = read_bill(lines, given_facility=given_facility(bill), facilities=FACILITIES)
            times.append(time.perf_counter() - began)
        pages = max((line.page for line in lines), default=1)
        ms = statistics.median(times) * 1000 / pages
        per_page.append(ms)
        result = score(bill, reading)
        total.add(result)
        if reading.reason is None:
            silent += result.wrong
        status = "loading" if reading.reason is None else f"review ({reading.reason})"
        print(
            f"{bill.name:<22}{pages:>6}{ms:>9.1f}{result.correct:>9}{len(result.wrong):>7}"
            f"{len(result.missed):>8}  {status}"
        )
    for line in total.wrong + total.missed:
        print(f"  {line}")
    fields = total.correct + len(total.missed)
    print(
        f"precision {total.precision:.1%}, recall {total.recall:.1%} over {fields} "
        f"fields of {len(corpus())} documents; {len(silent)} wrong values filled in silently; "
        f"{statistics.median(per_page):.1f} ms a page (median), worst {max(per_page):.1f} ms"
    )
    return {
        "precision": total.precision,
        "recall": total.recall,
        "fields": fields,
        "wrong": total.wrong,
        "missed": total.missed,
        "silently_wrong": silent,
        "ms_per_page": statistics.median(per_page),
        "worst_ms_per_page": max(per_page),
    }


if __name__ == "__main__":
    main()
