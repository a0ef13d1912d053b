"""Extraction scored against the corpus's truth, field by field: what the tests and `make bench` report.

A field is *correct* when read with the truth's value, *wrong* when read with another value (or read
where the bill has none), *missed* when the bill has it and it was not read. Precision is
correct / (correct + wrong), recall correct / (correct + missed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from carbon_accounting import emissions
from carbon_accounting.emissions.catalogues.units import named
from carbon_accounting.intake.documents.extraction import BillReading, read_bill
from carbon_accounting.intake.documents.extractors import text_layer_lines
from carbon_accounting.models import Facility, FacilityStatus
from tests.documents.generator import GAS_CUPS, OTHER_CUPS, SPANISH_CUPS, Bill

ORGANIZATION = UUID("6f1c2b8e-3a47-4d0e-9b1f-2c3d4e5f6a70")
# The facilities bills are matched against: one per CUPS of the corpus, and one given at upload.
FACILITIES = [
    Facility(
        id=UUID(int=index + 1),
        organization_id=ORGANIZATION,
        name=f"Facility {index + 1}",
        country="ES",
        cups_list=[cups],
        status=FacilityStatus.ACTIVE,
        version=1,
        created_at=datetime(2024, 1, 1, tzinfo=UTC),
        updated_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    for index, cups in enumerate((SPANISH_CUPS, OTHER_CUPS, GAS_CUPS))
]
GIVEN_FACILITY = FACILITIES[0].id
_UNIT_NAMES = {"kWh": "kilowatt_hour_(kwh)", "MWh": "megawatt_hour_(mwh)", "m³": "cubic_meter_(m³)"}


def given_facility(bill: Bill) -> UUID | None:
    """Bills without a CUPS (the UK's, water) name their facility at upload."""
    return None if bill.cups else GIVEN_FACILITY


def read(bill: Bill, pdf: bytes) -> BillReading:
    return read_bill(text_layer_lines(pdf), given_facility=given_facility(bill), facilities=FACILITIES)


def truth(bill: Bill) -> dict[str, object]:
    """The fields as ``extraction.fields`` names them, with the values it must hold."""
    expected = dict(bill.expected)
    if "unit" in expected:
        expected["unit_id"] = str(named(_UNIT_NAMES[str(expected.pop("unit"))]).id)
    supplier = next((each for each in emissions.suppliers() if each.name == bill.supplier), None)
    if supplier is not None and expected:
        expected["supplier_id"] = str(supplier.id)
    return expected


COMPARED = ("type", "start_date", "end_date", "base_quantity", "unit_id", "cups", "supplier_id", "invoice_id")
COMPARED += ("amount",)


@dataclass
class Score:
    correct: int = 0
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.correct += other.correct
        self.wrong += other.wrong
        self.missed += other.missed

    @property
    def precision(self) -> float:
        return self.correct / (self.correct + len(self.wrong)) if self.correct + len(self.wrong) else 1.0

    @property
    def recall(self) -> float:
        return self.correct / (self.correct + len(self.missed)) if self.correct + len(self.missed) else 1.0


def score(bill: Bill, reading: BillReading) -> Score:
    expected, result = truth(bill), Score()
    for name in COMPARED:
        read = reading.fields.get(name, {}).get("value")
        if name in expected and read == expected[name]:
            result.correct += 1
        elif read is not None:
            result.wrong.append(f"{bill.name}: {name} read {read!r}, is {expected.get(name)!r}")
        elif name in expected:
            result.missed.append(f"{bill.name}: {name}")
    return result
