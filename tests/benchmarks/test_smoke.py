"""`make bench` cannot rot: every benchmark runs at its smallest size and the report is written.
No timing is asserted (that is what the full `make bench` measures and reports)."""

import subprocess
import sys

from tests.conftest import ROOT


def test_every_benchmark_runs_and_the_report_names_every_target():
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = (ROOT / ".artifacts" / "benchmarks.md").read_text()
    for section in (
        "## Targets",
        "## Why the targets not met are not",
        "## Init of every function",
        "## The cold request",
        "## Bulk import: output",
        "## The warm path: output",
        "## The emissions engine: output",
        "## Reading PDF bills: output",
        "## An organization's reads at 1,000 to 100,000 invoices: output",
        "## Coverage at 1,000 to 100,000 invoices: output",
        "## The inventory report at 1,000 to 100,000 invoices: output",
    ):
        assert section in written
    assert "not measured yet" not in written
    assert "| GetInvoiceFunction |" in written and "typical Powertools stack (reference)" in written
