"""The emissions engine: microseconds per invoice warm, and its first call in a fresh process.

One activity per invoice type and per path through the rules (electricity in one year and across two,
a US ZIP code, a supplier; heat burned and purchased; water; EV recharge; process by custom factor).

- **Warm**: ``calculate`` on the same activity, ``timeit`` in batches after a first call; the median of
  the batches' per-call time.
- **First call**: a fresh process imports the calculator, then times its first ``calculate``, which
  reads the factor files that activity needs (``emissions/factors.py`` reads a file on first use); the
  median over fresh processes.

Run: `make bench` (``python -m tests.benchmarks.engine [--smoke]``).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import timeit
from typing import Any
from uuid import UUID

from tests.conftest import ROOT
from tests.unit.emissions.builders import (
    CUBIC_METER,
    IBERDROLA,
    KILOGRAM,
    KILOWATT_HOUR,
    NATURAL_GAS,
    activity,
    custom_factor,
)

DISTRICT_HEATING = UUID("caf9049a-70ce-58ef-a205-975cd672d498")
PER_CALL_US = 50
FIRST_CALL_MS = 5
FIRST_CALL = """
import sys, time
from carbon_accounting.emissions.calculator import calculate
from tests.benchmarks.engine import cases
case = cases()[sys.argv[1]]
started = time.perf_counter()
calculate(case)
print((time.perf_counter() - started) * 1000)
"""


def cases() -> dict[str, Any]:
    from carbon_accounting.emissions import InvoiceType

    month = ("2024-03-01", "2024-03-31")
    return {
        "electricity, ES": activity(InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, month),
        "electricity, ES, across two years": activity(
            InvoiceType.ELECTRICITY, 12000, KILOWATT_HOUR, ("2023-07-01", "2024-06-30")
        ),
        "electricity, ES, a supplier": activity(
            InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, month, supplier_id=IBERDROLA
        ),
        "electricity, US, a ZIP code": activity(
            InvoiceType.ELECTRICITY, 1000, KILOWATT_HOUR, month, "US", postal_code="10001"
        ),
        "recharge, ES": activity(InvoiceType.RECHARGE, 300, KILOWATT_HOUR, month),
        "heat, natural gas": activity(
            InvoiceType.HEAT, 5000, KILOWATT_HOUR, month, facility_fuel_id=NATURAL_GAS
        ),
        "heat, district heating": activity(
            InvoiceType.HEAT, 5000, KILOWATT_HOUR, month, "GB", facility_fuel_id=DISTRICT_HEATING
        ),
        "water": activity(InvoiceType.WATER, 40, CUBIC_METER, month),
        "process, custom factor": activity(
            InvoiceType.PROCESS, 800, KILOGRAM, month, custom_factor=custom_factor(2.1, KILOGRAM)
        ),
    }


def warm_us(case: Any, batches: int, number: int) -> float:
    """Median microseconds per call of ``calculate(case)``, after a first call."""
    from carbon_accounting.emissions.calculator import calculate

    calculate(case)
    times = timeit.repeat(lambda: calculate(case), number=number, repeat=batches)
    return statistics.median(times) / number * 1e6


def first_call_ms(name: str, processes: int) -> float:
    """Median milliseconds of the first ``calculate`` of case ``name``, each in a fresh process."""
    return statistics.median(
        float(
            subprocess.run(
                [sys.executable, "-c", FIRST_CALL, name], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
        )
        for _ in range(processes)
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny batches, one process per case")
    smoke = parser.parse_args(argv).smoke
    batches, number, processes = (3, 10, 1) if smoke else (9, 1000, 5)
    print(f"Warm: median of {batches} batches of {number} calls; first call: median of {processes} processes")
    print(f"{'invoice':<38}{'warm us':>9}{'first call ms':>15}")
    figures = {}
    for name, case in cases().items():
        figures[name] = {
            "warm_us": warm_us(case, batches, number),
            "first_call_ms": first_call_ms(name, processes),
        }
        print(f"{name:<38}{figures[name]['warm_us']:>9.1f}{figures[name]['first_call_ms']:>15.2f}")
    return figures


if __name__ == "__main__":
    main()
