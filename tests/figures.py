"""The figures of docs/reliability.md that tests measure: duplicates made by concurrent retries,
work lost to injected faults, data leaked across tenants.

A test calls ``record`` with what it measured. When ``RELIABILITY_FIGURES`` names a file (``measure``
sets it), each figure is appended there as a JSON line; otherwise ``record`` does nothing. ``measure``
runs the tests behind the figures and renders the section ``make fuzz`` writes into the report.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VARIABLE = "RELIABILITY_FIGURES"
TESTS = {
    "duplicates": "tests/e2e/test_idempotency.py::"
    "test_concurrent_identical_requests_with_one_key_create_one_invoice",
    "faults": "tests/handlers/test_faults.py",
    "isolation": "tests/handlers/test_isolation.py",
}


def record(figure: str, **values: Any) -> None:
    """Append one measurement of ``figure`` (a key of TESTS) to the figures file, if one is named."""
    path = os.environ.get(VARIABLE)
    if path:
        with open(path, "a") as figures:
            figures.write(json.dumps({"figure": figure, **values}) + "\n")


def measure() -> str:
    """Run the tests behind the figures; the report's section, with each command and its outcome."""
    sections = ["## Safe to retry, safe to fail", ""]
    for figure, test in TESTS.items():
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:logging", "-p", "no:cacheprovider", test]
        with tempfile.NamedTemporaryFile("r", suffix=".jsonl") as out:
            finished = subprocess.run(
                command, cwd=ROOT, env=os.environ | {VARIABLE: out.name}, capture_output=True, text=True
            )
            rows = [json.loads(line) for line in out.read().splitlines()]
        outcome = "passed" if finished.returncode == 0 else f"**FAILED** (exit {finished.returncode})"
        sections += [*RENDER[figure](rows), "", f"`python -m pytest {test}`: {outcome}", ""]
    return "\n".join(sections)


def _duplicates(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "Concurrent duplicates, on the local stack (DynamoDB Local): the same create sent at once with "
        "one `Idempotency-Key`.",
        "",
        "| requests at once | answered 201 | answered 409 | invoices created | duplicates created |",
        "| ---: | ---: | ---: | ---: | ---: |",
    ]
    return lines + [
        f"| {row['requests']} | {row['created']} | {row['busy']} | {row['invoices']} | "
        f"**{row['invoices'] - 1}** |"
        for row in rows
    ]


def _faults(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "Faults injected (in-process over moto): each AWS call of each write path failed in turn with "
        "each fault. A case counts as lost, stuck or half-written when the answer claimed work not "
        "done, the table held part of a distributed invoice, an orphan, an invoice loading outside the "
        "daily recovery or a history entry without figures, or the retry did not finish the work once.",
        "",
        "| write path | AWS calls | faults | cases | lost, stuck or half-written |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {row['path']} | {row['calls']} | {row['faults']} | {row['cases']} | {row['broken']} |"
        for row in rows
    ]
    total = sum(row["cases"] for row in rows), sum(row["broken"] for row in rows)
    return [*lines, f"| **total** | | | **{total[0]}** | **{total[1]}** |"]


def _isolation(rows: list[dict[str, Any]]) -> list[str]:
    cases, leaks = sum(row["intruders"] for row in rows), sum(row["leaks"] for row in rows)
    return [
        "Isolation: every authorized route of template.yaml, called on organization A's objects by "
        "each intruder (B's key; B's key naming A; A's subsidiary naming its parent; B's user's JWT; "
        "that JWT naming A). A leak is a 2xx where a 403 or 404 is due, any of A's data in an answer, "
        "or A's objects changed.",
        "",
        "| routes | cases | leaks |",
        "| ---: | ---: | ---: |",
        f"| {len(rows)} | {cases} | **{leaks}** |",
    ]


RENDER = {"duplicates": _duplicates, "faults": _faults, "isolation": _isolation}
