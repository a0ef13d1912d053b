"""Realistic utility bills as PDFs, drawn with reportlab: the corpus extraction is measured on.

A ``Bill`` is the truth; ``render(bill)`` draws it in its layout. Layouts follow how real bills set
their fields out (labels, tables of tariff periods, number and date conventions); the names and
numbers are made up. ``corpus()`` is every layout and the hard cases, each with what extraction
must find (``Bill.expected``) and the status its invoice must get.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from carbon_accounting.cups import control_letters


def cups_for(digits: str) -> str:
    """A valid CUPS for 16 digits."""
    return f"ES{digits}{control_letters(digits)}"


MONTHS_ES = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def es_number(value: Decimal, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def en_number(value: Decimal, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}"


@dataclass(frozen=True)
class Bill:
    layout: str
    name: str
    invoice_type: str  # electricity, heat (natural gas) or water
    supplier: str
    invoice_number: str
    start: date
    end: date
    consumption: Decimal | None  # None: smudged out, nowhere on the bill
    unit: str = "kWh"
    periods: tuple[Decimal, ...] = ()  # P1, P2...
    cups: str | None = None
    amount: Decimal = Decimal("100.00")
    show_total: bool = True  # False: only the tariff periods are printed
    split_pages: bool = False  # the tariff periods' table continues on page 2
    credit_note: bool = False
    expected_status: str = "loading"
    expected_reason: str | None = None
    missing: tuple[str, ...] = ()

    @property
    def expected(self) -> dict[str, object]:
        """The fields extraction must read from this bill, as ``extraction.fields`` holds them."""
        if self.expected_reason in {"not_a_bill", "no_text_layer"}:
            return {}
        fields: dict[str, object] = {
            "type": self.invoice_type,
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "invoice_id": self.invoice_number,
            "amount": float(-self.amount if self.credit_note else self.amount),
        }
        if self.consumption is not None:
            fields["base_quantity"] = float(self.consumption)
            fields["unit"] = self.unit
        if self.cups:
            fields["cups"] = self.cups
        return {name: value for name, value in fields.items() if name not in self.missing}


def _es_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _es_long_date(day: date) -> str:
    return f"{day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"


class _Page:
    """A canvas with a cursor: lines go down the page, columns at fixed x."""

    def __init__(self, pdf: canvas.Canvas) -> None:
        self.pdf, self.y = pdf, 800

    def line(self, *cells: tuple[float, str], size: int = 10, bold: bool = False, gap: int = 16) -> None:
        self.pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        for x, text in cells:
            if x < 0:
                self.pdf.drawRightString(-x, self.y, text)
            else:
                self.pdf.drawString(x, self.y, text)
        self.y -= gap

    def new_page(self) -> None:
        self.pdf.showPage()
        self.y = 800


def _spanish_electricity_a(page: _Page, bill: Bill) -> None:
    """A retailer's bill: label/value pairs, then a table of periods, one row each."""
    page.line((50, bill.supplier + ", S.A.U."), size=14, bold=True)
    page.line((50, "CIF A95758389 - Plaza Euskadi 5, 48009 Bilbao"), size=8)
    title = "FACTURA RECTIFICATIVA DE ELECTRICIDAD (ABONO)" if bill.credit_note else "FACTURA DE ELECTRICIDAD"
    page.line((50, title), size=12, bold=True, gap=24)
    page.line((50, "Nº de factura:"), (220, bill.invoice_number))
    page.line((50, "Fecha de emisión:"), (220, _es_date(bill.end.replace(day=1))))
    page.line((50, f"Periodo de facturación: del {_es_date(bill.start)} al {_es_date(bill.end)}"))
    if bill.cups:
        spaced = " ".join(bill.cups[i : i + 4] for i in range(0, len(bill.cups), 4))
        page.line((50, "CUPS:"), (220, spaced))
    page.line((50, "Potencia contratada P1: 4,6 kW  P2: 4,6 kW"), gap=24)
    page.line((50, "Consumo por periodos"), (200, "Energía"), (300, "Precio"), (420, "Importe"), bold=True)
    for index, value in enumerate(bill.periods):
        if bill.split_pages and index == 3:
            page.line((50, "(continúa en la página siguiente)"), size=8)
            page.new_page()
            page.line((50, "Consumo por periodos (continuación)"), bold=True)
        shown = es_number(value) + " kWh" if bill.consumption is not None else "—"
        page.line((60, f"P{index + 1}"), (-260, shown), (-360, "0,1523 €/kWh"), (-470, "18,45 €"))
    if bill.show_total and bill.consumption is not None:
        page.line((50, "Consumo total"), (-260, es_number(bill.consumption) + " kWh"), bold=True, gap=24)
    page.line((50, "Lectura anterior 12.345 kWh   Lectura actual 13.579 kWh"), size=8)
    sign = "-" if bill.credit_note else ""
    page.line((50, "Total a pagar:"), (-470, f"{sign}{es_number(bill.amount)} €"), size=12, bold=True)


def _spanish_electricity_b(page: _Page, bill: Bill) -> None:
    """Another retailer: long dates, a horizontal table of periods (P1 P2 P3 in a header row)."""
    page.line((50, bill.supplier), size=16, bold=True)
    page.line((50, "Factura de energía eléctrica"), (380, "Número de factura " + bill.invoice_number), gap=24)
    page.line((50, f"Período de consumo: {_es_long_date(bill.start)} - {_es_long_date(bill.end)}"))
    if bill.cups:
        page.line((50, "Código CUPS " + bill.cups))
    page.line((50, "Titular: Acme Iberia S.L."), (300, "Dirección de suministro: C/ Mayor 1, Madrid"), gap=24)
    header = [(200 + 70 * index, f"P{index + 1}") for index in range(len(bill.periods))]
    page.line((50, "Periodo"), *header, bold=True)
    if bill.consumption is not None:
        values = [(-(240 + 70 * index), es_number(value, 0)) for index, value in enumerate(bill.periods)]
        page.line((50, "Consumo (kWh)"), *values)
    page.line((50, "Precio (€/kWh)"), *[(-(240 + 70 * i), "0,14") for i in range(len(bill.periods))], gap=24)
    if bill.show_total and bill.consumption is not None:
        page.line((50, f"Energía consumida total: {es_number(bill.consumption, 0)} kWh"))
    page.line((50, "Importe total factura"), (-470, es_number(bill.amount) + " EUR"), bold=True)


def _spanish_gas(page: _Page, bill: Bill) -> None:
    """A natural-gas bill in kWh (the m³ read and the conversion factor printed too) or in m³."""
    page.line((50, bill.supplier), size=16, bold=True)
    page.line((50, "FACTURA DE GAS NATURAL"), size=12, bold=True, gap=24)
    page.line((50, "Nº factura: " + bill.invoice_number))
    page.line((50, f"Periodo de facturación: {_es_date(bill.start)} - {_es_date(bill.end)}"))
    if bill.cups:
        page.line((50, "CUPS gas: " + bill.cups), gap=24)
    if bill.consumption is not None:
        if bill.unit == "kWh":
            page.line((50, "Volumen medido: 112 m3   Factor de conversión: 11,02 kWh/m3"), size=9)
            page.line((50, "Consumo total:"), (-400, es_number(bill.consumption) + " kWh"), bold=True)
        else:
            page.line((50, "Consumo total:"), (-400, es_number(bill.consumption) + " m³"), bold=True)
    page.line((50, "Término fijo 30 días x 0,2567 €/día"), (-400, "7,70 €"), gap=24)
    page.line((50, "TOTAL A PAGAR"), (-400, es_number(bill.amount) + " €"), size=12, bold=True)


def _uk_electricity(page: _Page, bill: Bill) -> None:
    """A UK bill: English numbers, dates as 'Nov 1, 2024', MPAN instead of CUPS, pounds."""

    def uk_date(day: date) -> str:
        return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"

    page.line((50, bill.supplier + " Ltd"), size=16, bold=True)
    page.line((50, "Your electricity bill"), size=12, bold=True, gap=24)
    page.line((50, "Invoice number: " + bill.invoice_number))
    page.line((50, "Account number: 1234 5678 90"))
    page.line((50, f"Billing period: {uk_date(bill.start)} - {uk_date(bill.end)}"))
    page.line((50, "MPAN: 12 3456 7890 123"), gap=24)
    if bill.consumption is not None:
        page.line((50, "Previous reading 45,210 (actual)   Current reading 46,444 (actual)"), size=9)
        page.line((50, "Total consumption"), (-450, en_number(bill.consumption) + " kWh"), bold=True)
    page.line((50, "Unit rate 24.50p per kWh"), gap=24)
    page.line((50, "Total amount due"), (-450, "£" + en_number(bill.amount)), size=12, bold=True)


def _french_water(page: _Page, bill: Bill) -> None:
    """A French water bill: 'du 1 novembre 2024 au 30 novembre 2024', m³, 1 234,56 with spaces."""

    def fr_date(day: date) -> str:
        return f"{day.day} {MONTHS_FR[day.month - 1]} {day.year}"

    page.line((50, bill.supplier), size=16, bold=True)
    page.line((50, "Facture d'eau"), size=12, bold=True, gap=24)
    page.line((50, "Numéro de facture : " + bill.invoice_number))
    page.line((50, f"Période de consommation : du {fr_date(bill.start)} au {fr_date(bill.end)}"), gap=24)
    if bill.consumption is not None:
        page.line((50, "Index précédent : 1 204 m³   Index actuel : 1 327 m³"), size=9)
        page.line((50, "Consommation totale :"), (-450, es_number(bill.consumption) + " m³"), bold=True)
    page.line((50, "Abonnement"), (-450, "12,40 €"), gap=24)
    page.line((50, "Montant total TTC :"), (-450, es_number(bill.amount) + " €"), size=12, bold=True)


def _letter(page: _Page, bill: Bill) -> None:
    """Not a bill: a supplier's letter about a change of terms."""
    page.line((50, bill.supplier), size=16, bold=True)
    page.line((50, "Estimado cliente:"), gap=24)
    page.line((50, "Le informamos de que a partir del 1 de enero de 2025 cambian las condiciones"))
    page.line((50, "de su contrato. No tiene que hacer nada. Un saludo."))


LAYOUTS = {
    "es_electricity_a": _spanish_electricity_a,
    "es_electricity_b": _spanish_electricity_b,
    "es_gas": _spanish_gas,
    "uk_electricity": _uk_electricity,
    "fr_water": _french_water,
    "letter": _letter,
}


def render(bill: Bill) -> bytes:
    """The bill as a PDF; a scan (``layout="scan"``) is one image-only page, with no text layer."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(bill.name)
    if bill.layout == "scan":
        from reportlab.lib.utils import ImageReader

        pdf.drawImage(ImageReader(io.BytesIO(_gray_png())), 50, 400, width=400, height=300)
    else:
        LAYOUTS[bill.layout](_Page(pdf), bill)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _gray_png() -> bytes:
    """A small gray image (what a scanned page is, as far as a text layer goes)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (40, 30), 180).save(buffer, format="PNG")
    return buffer.getvalue()


SPANISH_CUPS = cups_for("0021000000000000")  # the demo seed's Madrid Office
OTHER_CUPS = cups_for("0031405678901234")
GAS_CUPS = cups_for("0217000012345678")

PERIODS = (
    Decimal("123.45"),
    Decimal("234.50"),
    Decimal("345.60"),
    Decimal("56.00"),
    Decimal("67.25"),
    Decimal("78.20"),
)


def spanish_electricity(**changes: object) -> Bill:
    """The walkthrough's bill: layout A, six periods, CUPS SPANISH_CUPS, November 2024."""
    bill = Bill(
        layout="es_electricity_a",
        name="es-electricity-a",
        invoice_type="electricity",
        supplier="Iberdrola Clientes",
        invoice_number="FE24-0001234",
        start=date(2024, 11, 1),
        end=date(2024, 11, 30),
        consumption=sum(PERIODS, Decimal(0)),
        periods=PERIODS,
        cups=SPANISH_CUPS,
        amount=Decimal("187.34"),
    )
    return replace(bill, **changes)  # type: ignore[arg-type]


def corpus() -> list[Bill]:
    """Every layout, then the hard cases."""
    three = (Decimal("410"), Decimal("380"), Decimal("725"))
    return [
        spanish_electricity(),
        Bill(
            layout="es_electricity_b",
            name="es-electricity-b",
            invoice_type="electricity",
            supplier="Endesa Energía",
            invoice_number="PMR401N0123456",
            start=date(2024, 10, 3),
            end=date(2024, 11, 2),
            consumption=sum(three, Decimal(0)),
            periods=three,
            cups=OTHER_CUPS,
            amount=Decimal("312.80"),
        ),
        Bill(
            layout="es_gas",
            name="es-gas-kwh",
            invoice_type="heat",
            supplier="Naturgy Iberia",
            invoice_number="GN-2024-778812",
            start=date(2024, 9, 15),
            end=date(2024, 11, 14),
            consumption=Decimal("1234.56"),
            cups=GAS_CUPS,
            amount=Decimal("96.10"),
        ),
        Bill(
            layout="es_gas",
            name="es-gas-m3",
            invoice_type="heat",
            supplier="Naturgy Iberia",
            invoice_number="GN-2024-778813",
            start=date(2024, 7, 15),
            end=date(2024, 9, 14),
            consumption=Decimal("98.00"),
            unit="m³",
            cups=GAS_CUPS,
            amount=Decimal("61.75"),
        ),
        Bill(
            layout="uk_electricity",
            name="uk-electricity",
            invoice_type="electricity",
            supplier="Octopus Energy",
            invoice_number="INV-88123",
            start=date(2024, 11, 1),
            end=date(2024, 11, 30),
            consumption=Decimal("1234.00"),
            amount=Decimal("302.33"),
        ),
        Bill(
            layout="fr_water",
            name="fr-water",
            invoice_type="water",
            supplier="Eau de Paris",
            invoice_number="F2024-000981",
            start=date(2024, 8, 1),
            end=date(2024, 10, 31),
            consumption=Decimal("123.00"),
            unit="m³",
            amount=Decimal("412.08"),
        ),
        # Hard cases.
        spanish_electricity(name="split-across-pages", invoice_number="FE24-0001301", split_pages=True),
        spanish_electricity(name="periods-only", invoice_number="FE24-0001302", show_total=False),
        spanish_electricity(
            name="crosses-a-year",
            invoice_number="FE24-0001303",
            start=date(2024, 12, 15),
            end=date(2025, 1, 14),
        ),
        spanish_electricity(
            name="credit-note",
            invoice_number="AB24-0000077",
            credit_note=True,
            expected_status="review",
            expected_reason="credit_note",
        ),
        spanish_electricity(
            name="consumption-smudged",
            invoice_number="FE24-0001304",
            consumption=None,
            expected_status="review",
            expected_reason="incomplete",
            missing=("base_quantity", "unit"),
        ),
        Bill(
            layout="letter",
            name="not-a-bill",
            invoice_type="electricity",
            supplier="Iberdrola Clientes",
            invoice_number="",
            start=date(2025, 1, 1),
            end=date(2025, 1, 1),
            consumption=None,
            expected_status="review",
            expected_reason="not_a_bill",
        ),
        Bill(
            layout="scan",
            name="scan",
            invoice_type="electricity",
            supplier="",
            invoice_number="",
            start=date(2024, 11, 1),
            end=date(2024, 11, 30),
            consumption=None,
            expected_status="review",
            expected_reason="no_text_layer",
        ),
    ]


def main(arguments: list[str]) -> None:
    """``python -m tests.documents.generator [DIR]``: write the corpus's bills to DIR (``bills/``)."""
    directory = Path(arguments[0] if arguments else "bills")
    directory.mkdir(parents=True, exist_ok=True)
    for bill in corpus():
        path = directory / f"{bill.name}.pdf"
        path.write_bytes(render(bill))
        print(f"{path}  {bill.invoice_type}, {bill.start} to {bill.end}: {bill.expected_status}")


if __name__ == "__main__":
    main(sys.argv[1:])
