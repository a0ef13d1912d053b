"""What a bill says, field by field: every value with its page, its source text and a confidence, and
what is missing or contradictory.

``read_bill`` turns a document's lines (``documents.bill_text``) into the invoice fields the create
rules take. It fills a field only from one reading, or from several that agree; two readings that
disagree, a value that fails its own check (a CUPS's control letters, a period that ends before it
starts, a unit the type cannot be measured in) or a reading below ``MIN_CONFIDENCE`` is a problem,
and any problem or missing field sends the invoice to review instead of filling it in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from carbon_accounting import emissions
from carbon_accounting.cups import normalize_cups
from carbon_accounting.emissions.catalogues.units import named
from carbon_accounting.errors import InvalidCups
from carbon_accounting.intake.documents import bill_text
from carbon_accounting.intake.documents.bill_text import DERIVED, LABELLED, Line, Quantity, Read
from carbon_accounting.models import Facility, FacilityStatus
from carbon_accounting.repository.records import ExtractionRecord, FieldReadingRecord

# A field read with less (a scan's OCR unsure of a line) is shown, but never filled in without review.
MIN_CONFIDENCE = 0.9
MAX_PROBLEMS = 20
# What an invoice needs to be filled in from its bill; the rest (CUPS, supplier, number, amount) is
# kept when read.
REQUIRED = ("type", "start_date", "end_date", "base_quantity", "unit_id", "facility_id")
# A natural-gas bill is a heat invoice of the fuels catalogue's "Natural gas".
NATURAL_GAS = "Natural gas"
# The units catalogue's names of the units bills print.
_UNITS = {"kWh": "kilowatt_hour_(kwh)", "MWh": "megawatt_hour_(mwh)", "m³": "cubic_meter_(m³)"}


class Reason:
    """Why an invoice read from a document is in review (``extraction.reason``)."""

    NO_TEXT_LAYER = "no_text_layer"
    UNREADABLE = "unreadable"  # not a PDF that can be read (malformed, encrypted, too many pages)
    NOT_A_BILL = "not_a_bill"
    CREDIT_NOTE = "credit_note"
    INCOMPLETE = "incomplete"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"  # read whole, but the create rules refuse it (a period before 1990...)


@dataclass
class BillReading:
    """The ``extraction`` an invoice keeps, before the extractor's name and the time are added."""

    fields: dict[str, FieldReadingRecord] = field(default_factory=dict)
    tariff_periods: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    reason: str | None = None

    def as_stored(self) -> ExtractionRecord:
        """What the invoice keeps: bounded, whatever the document (a hostile one can repeat a bad
        CUPS thousands of times; an item must stay well within DynamoDB's 400 KB)."""
        problems = self.problems[:MAX_PROBLEMS]
        if len(self.problems) > MAX_PROBLEMS:
            problems.append(f"... and {len(self.problems) - MAX_PROBLEMS} more")
        return {
            "fields": self.fields,
            "tariff_periods": self.tariff_periods,
            "missing": self.missing,
            "problems": [problem[:500] for problem in problems],
            "reason": self.reason,
        }

    def set(self, name: str, value: Any, page: int | None, source: str, confidence: float) -> None:
        self.fields[name] = {
            "value": value,
            "page": page,
            "source": source[:500],
            "confidence": round(confidence, 3),
        }
        if confidence < MIN_CONFIDENCE:
            self.problems.append(f"{name} was read with confidence {confidence:.2f}: check it")

    def one(self, name: str, readings: list[Read], shown: Any = str) -> Read | None:
        """The reading of a field when every reading agrees; a problem when they do not."""
        values = list(dict.fromkeys(read.value for read in readings))
        if len(values) > 1:
            where = "; ".join(f"{shown(read.value)} (page {read.page})" for read in readings[:4])
            self.problems.append(f"{name} is read with different values: {where}")
            return None
        if not readings:
            return None
        best = max(readings, key=lambda read: read.confidence)
        return best


def _quantity_text(quantity: Quantity) -> str:
    return f"{quantity.value} {quantity.unit}"


def read_bill(
    lines: list[Line],
    *,
    given_type: str | None = None,
    given_facility: UUID | None = None,
    facilities: Sequence[Facility] = (),
) -> BillReading:
    """Every field a bill's lines give, checked; ``reason`` None when the invoice can be filled in."""
    bill = BillReading()
    if not lines:
        bill.reason = Reason.NO_TEXT_LAYER
        bill.problems.append("The document has no text layer (a scan?): enter its fields, or use Textract")
        return bill
    if not bill_text.is_bill(lines):
        bill.reason = Reason.NOT_A_BILL
        bill.problems.append("The document does not read as a bill or invoice")
        return bill
    mark = bill_text.decimal_mark(bill_text.language(lines))

    supplier_names = {bill_text.folded(each.name): each for each in emissions.suppliers()}
    named = [
        Read(supplier, line.page, line.text, LABELLED * line.confidence)
        for line in lines
        for name, supplier in supplier_names.items()
        if name in bill_text.folded(line.text)
    ]
    supplier = bill.one("supplier_id", named, shown=lambda value: value.name)
    if supplier:
        supplier_id = str(cast(emissions.Supplier, supplier.value).id)
        bill.set("supplier_id", supplier_id, supplier.page, supplier.source, supplier.confidence)

    invoice_type = _type(bill, bill_text.invoice_types(lines, list(supplier_names)), given_type)
    _period(bill, bill_text.period(lines))
    _consumption(bill, lines, mark, invoice_type)
    _cups_and_facility(bill, bill_text.cups(lines), given_facility, facilities)

    for read in bill_text.reading(lines):  # an estimated reading anywhere makes the bill's estimated
        bill.set("reading", read.value, read.page, read.source, read.confidence)
    number = bill.one("invoice_id", bill_text.invoice_number(lines))
    if number:
        bill.set("invoice_id", number.value, number.page, number.source, number.confidence)
    total = bill.one("amount", bill_text.amount(lines, mark), shown=lambda value: f"{value[0]} {value[1]}")
    if total:
        value, currency = cast(tuple[Decimal, str], total.value)
        bill.set("amount", float(value), total.page, total.source, total.confidence)
        bill.set("currency", currency, total.page, total.source, total.confidence)

    credit_note = bill_text.is_credit_note(lines)
    bill.missing = [name for name in REQUIRED if name not in bill.fields]
    if credit_note:
        bill.reason = Reason.CREDIT_NOTE
        bill.problems.insert(
            0,
            f"The document is a credit note (page {credit_note.page}: {credit_note.text!r}): "
            "correct the invoice it credits instead of adding one",
        )
    elif bill.missing or bill.problems:
        bill.reason = Reason.INCOMPLETE
    return bill


def _type(bill: BillReading, readings: list[Read], given: str | None) -> str | None:
    read_types = sorted({str(read.value) for read in readings})
    if given:
        if read_types and read_types != [given]:
            bill.problems.append(
                f"The document was uploaded as {given}, but reads as {', '.join(read_types)}"
            )
            return None
        found = next((read for read in readings if read.value == given), None)
        source = found.source if found else "given at upload"
        bill.set("type", given, found.page if found else None, source, found.confidence if found else 1.0)
    else:
        read = bill.one("type", readings)
        if read is None:
            return None
        bill.set("type", read.value, read.page, read.source, read.confidence)
    invoice_type = bill.fields["type"]["value"]
    if invoice_type == "heat":
        entry = bill.fields["type"]
        gas = next(fuel for fuel in emissions.fuels() if fuel.name == NATURAL_GAS)
        page = entry["page"]
        page = None if page is None else int(page)
        bill.set("facility_fuel_id", str(gas.id), page, entry["source"], float(entry["confidence"]))
    return str(invoice_type)


def _period(bill: BillReading, readings: list[Read]) -> None:
    read = bill.one("period", readings, shown=lambda value: f"{value[0]} to {value[1]}")
    if read is None:
        return
    start, end = cast(tuple[date, date], read.value)
    if end < start:
        bill.problems.append(f"The period read ends before it starts: {start} to {end} ({read.source!r})")
        return
    bill.set("start_date", start.isoformat(), read.page, read.source, read.confidence)
    bill.set("end_date", end.isoformat(), read.page, read.source, read.confidence)


def _consumption(bill: BillReading, lines: list[Line], mark: str, invoice_type: str | None) -> None:
    """The total, or the tariff periods' sum when the bill prints no total; both must agree."""
    periods: dict[str, list[Read]] = {}
    for read in bill_text.tariff_periods(lines, mark):
        name, period = cast(tuple[str, Quantity], read.value)
        periods.setdefault(name, []).append(Read(period, read.page, read.source, read.confidence))
    agreed: dict[str, Read] = {}
    for name in sorted(periods):
        one = bill.one(f"tariff period {name}", periods[name], shown=_quantity_text)
        if one is not None:
            agreed[name] = one
            quantity = cast(Quantity, one.value)
            bill.tariff_periods.append(
                {
                    "period": name,
                    "value": float(quantity.value),
                    "unit": quantity.unit,
                    "page": one.page,
                    "source": one.source[:500],
                    "confidence": round(one.confidence, 3),
                }
            )
    agreed_quantities = [cast(Quantity, read.value) for read in agreed.values()]
    period_units = {each.unit for each in agreed_quantities}
    period_sum = sum((each.value for each in agreed_quantities), Decimal(0))

    total = bill.one("base_quantity", bill_text.total_consumption(lines, mark), shown=_quantity_text)
    if total is not None:
        quantity = cast(Quantity, total.value)
        page, source, confidence = total.page, total.source, total.confidence
        if agreed and (
            period_units != {quantity.unit}
            or abs(period_sum - quantity.value) > Decimal("0.01") * len(agreed)
        ):
            bill.problems.append(
                f"The tariff periods add up to {period_sum} {'/'.join(sorted(period_units))}, "
                f"but the total reads {_quantity_text(quantity)}"
            )
            return
    elif agreed and len(period_units) == 1:
        quantity = Quantity(period_sum, period_units.pop())
        first = min(agreed.values(), key=lambda read: read.page)
        page, source = first.page, "sum of tariff periods " + ", ".join(sorted(agreed))
        confidence = DERIVED * min(read.confidence for read in agreed.values())
    else:
        return
    if quantity.value <= 0:
        bill.problems.append(f"The consumption read is not positive: {_quantity_text(quantity)} ({source!r})")
        return
    if invoice_type and quantity.unit not in bill_text.UNIT_TYPES[invoice_type]:
        bill.problems.append(f"A {invoice_type} invoice is not measured in {quantity.unit} ({source!r})")
        return
    bill.set("base_quantity", float(quantity.value), page, source, confidence)
    bill.set("unit_id", str(named(_UNITS[quantity.unit]).id), page, source, confidence)


def _cups_and_facility(
    bill: BillReading, readings: list[Read], given: UUID | None, facilities: Sequence[Facility]
) -> None:
    valid = []
    for read in readings:
        try:
            valid.append(Read(normalize_cups(str(read.value)), read.page, read.source, read.confidence))
        except InvalidCups as invalid:
            bill.problems.append(f"{invalid.detail} (page {read.page})")
    cups = bill.one("cups", valid)
    if cups:
        bill.set("cups", cups.value, cups.page, cups.source, cups.confidence)
    active = {facility.id: facility for facility in facilities if facility.status is FacilityStatus.ACTIVE}
    by_cups = [facility for facility in active.values() if cups and cups.value in facility.cups_list]
    if given is not None:
        if given not in active:
            bill.problems.append(f"Facility {given}, given at upload, is not an active facility")
        elif by_cups and by_cups[0].id != given:
            bill.problems.append(
                f"The bill's CUPS {cups.value if cups else ''} is facility {by_cups[0].id}'s, "
                f"not facility {given}'s (given at upload)"
            )
        else:
            bill.set("facility_id", str(given), None, "given at upload", 1.0)
    elif len(by_cups) == 1 and cups is not None:
        bill.set("facility_id", str(by_cups[0].id), cups.page, cups.source, cups.confidence)
    elif len(by_cups) > 1:
        bill.problems.append(f"Several facilities list CUPS {cups.value if cups else ''}")
    elif cups is not None:
        bill.problems.append(
            f"No active facility lists CUPS {cups.value}: add it to one, or give facility_id"
        )
