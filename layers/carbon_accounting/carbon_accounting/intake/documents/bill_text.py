"""Reading a utility bill's fields from its lines of text, as bills print them.

Pure: lines in (each with its page and the extractor's confidence in it), candidates out. Every
value is read next to the label that names it on the bill (``Consumo total``, ``Billing period``,
``Nº de factura``...) in Spanish, English, French, Portuguese or German, so a number is never taken
for another. A field read twice with two different values is a contradiction, never a choice.

Numbers follow the document's convention: ``1.234,56`` where the decimal mark is a comma (the
Spanish, French, Portuguese and German bills), ``1,234.56`` where it is a point (English). A number
whose separators the convention cannot explain (``1,23`` on an English bill) is not read. Numeric
dates are day first (``01/11/2024`` is 1 November), as on every bill these languages print.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

# A value read from a bill's own label is certain as far as the text is; one derived from several
# (a total summed from its tariff periods, a type told by its words) a little less. A field below
# CERTAIN x the line's confidence is never filled in without review (documents.drafts).
LABELLED = 1.0
DERIVED = 0.95


@dataclass(frozen=True)
class Line:
    page: int  # from 1
    text: str  # whitespace collapsed
    confidence: float = 1.0  # the extractor's (1.0 for a text layer)


@dataclass(frozen=True)
class Read:
    """One reading of a field: its value, where it was read and how sure the reading is."""

    value: object
    page: int
    source: str
    confidence: float


# A bill's line is a label and its value, or a table's row: far shorter. Longer ones (a hostile PDF's)
# are cut, so no pattern ever runs over more than this.
MAX_LINE_CHARACTERS = 300


def lines_of(page: int, text: str, confidence: float = 1.0) -> list[Line]:
    """A page's text as lines, whitespace collapsed, blank ones dropped, each at most MAX_LINE_CHARACTERS."""
    return [
        Line(page, collapsed[:MAX_LINE_CHARACTERS], confidence)
        for raw in text.splitlines()
        if (collapsed := " ".join(unicodedata.normalize("NFKC", raw).split()))
    ]


def folded(text: str) -> str:
    """Lower case, without accents: what labels and names are compared as."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


# ------------------------------------------------------------------ language and numbers

_LANGUAGE_WORDS = {
    "es": ("factura", "periodo", "consumo", "importe", "suministro", "contrato"),
    "en": ("invoice", "bill", "period", "consumption", "amount", "account"),
    "fr": ("facture", "periode", "consommation", "montant", "releve"),
    "pt": ("fatura", "consumo", "periodo de faturacao", "valor a pagar"),
    "de": ("rechnung", "verbrauch", "zeitraum", "betrag"),
}


def language(lines: list[Line]) -> str:
    """The bill's language, by the words it uses most (``es`` when none is used)."""
    text = folded(" ".join(line.text for line in lines))
    counts = {
        code: sum(len(re.findall(rf"\b{word}\b", text)) for word in words)
        for code, words in _LANGUAGE_WORDS.items()
    }
    return max(counts, key=lambda code: (counts[code], code == "es"))


def decimal_mark(language_code: str) -> str:
    return "." if language_code == "en" else ","


NUMBER = r"-?\d[\d.,\u00a0\u202f]*\d|-?\d"


def parse_number(token: str, mark: str) -> Decimal | None:
    """A number as the bill prints it, by its decimal ``mark``; None when its separators are not a
    number in that convention (groups of other than three digits, two decimal marks...)."""
    token = token.replace("\u00a0", " ").replace("\u202f", " ")
    negative, digits = token.startswith("-"), token.lstrip("-")
    whole, _, fraction = digits.rpartition(mark) if mark in digits else (digits, "", "")
    groups = re.split(r"[ " + re.escape("." if mark == "," else ",") + "]", whole)
    if not all(group.isdigit() for group in groups) or (fraction and not fraction.isdigit()):
        return None
    if len(groups) > 1 and (len(groups[0]) > 3 or any(len(group) != 3 for group in groups[1:])):
        return None
    value = Decimal("".join(groups) + (f".{fraction}" if fraction else ""))
    return -value if negative else value


# ------------------------------------------------------------------ dates

_MONTH_NAMES = {
    1: "enero january jan janvier janv janeiro januar ene",
    2: "febrero february feb fevrier fevr fevereiro fev februar",
    3: "marzo march mar mars marco marz",
    4: "abril april apr avril avr abr",
    5: "mayo may mai maio",
    6: "junio june jun juin junho juni",
    7: "julio july jul juillet juil julho juli",
    8: "agosto august aug aout ago",
    9: "septiembre setiembre september sep sept septembre setembro set",
    10: "octubre october oct octobre outubro out oktober okt",
    11: "noviembre november nov novembre novembro",
    12: "diciembre december dec decembre dezembro dez dezember dic",
}
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"(?P<iso>\b(?P<iy>\d{{4}})-(?P<im>\d{{2}})-(?P<id>\d{{2}})\b)"
    rf"|(?P<numeric>\b(?P<nd>\d{{1,2}})[/.-](?P<nm>\d{{1,2}})[/.-](?P<ny>\d{{4}}|\d{{2}})\b)"
    rf"|(?P<dayfirst>\b(?P<dd>\d{{1,2}})(?:er|o|º|st|nd|rd|th)?\.?\s+(?:de\s+)?(?P<dm>{_MONTH})\.?,?\s+(?:de\s+)?(?P<dy>\d{{4}})\b)"
    rf"|(?P<monthfirst>\b(?P<mm>{_MONTH})\.?\s+(?P<md>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<my>\d{{4}})\b)"
)


def dates_in(text: str) -> list[tuple[date, str]]:
    """Every date a line prints, in order, each with the text it was read from."""
    found = []
    for match in _DATE.finditer(folded(text)):
        groups = match.groupdict()
        try:
            if groups["iso"]:
                day = date(int(groups["iy"]), int(groups["im"]), int(groups["id"]))
            elif groups["numeric"]:
                year = int(groups["ny"])
                day = date(year + 2000 if year < 100 else year, int(groups["nm"]), int(groups["nd"]))
            elif groups["dayfirst"]:
                day = date(int(groups["dy"]), MONTHS[groups["dm"]], int(groups["dd"]))
            else:
                day = date(int(groups["my"]), MONTHS[groups["mm"]], int(groups["md"]))
        except ValueError:  # 31/02/2024: not a date
            continue
        found.append((day, match.group(0)))
    return found


# ------------------------------------------------------------------ the fields


def _label(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b")


_PERIOD_LABEL = _label(
    r"periodo(?: de (?:facturacion|consumo|lectura|liquidacion))?",
    r"billing period",
    r"(?:supply|consumption) period",
    r"period(?: covered)?",
    r"periode(?: de (?:facturation|consommation))?",
    r"periodo de faturacao",
    r"abrechnungszeitraum|zeitraum",
)
_TOTAL_LABEL = _label(
    r"consumo total",
    r"total consumo",
    r"energia (?:total )?consumida",
    r"consumo (?:de|en) el periodo",
    r"total (?:consumption|units used|energy used)",
    r"consumption this period",
    r"consommation totale",
    r"consommation (?:de la periode|facturee)",
    r"consumo total faturado",
    r"gesamtverbrauch",
)
_GENERIC_TOTAL_LABEL = _label(r"consumo", r"consumption", r"consommation", r"verbrauch")
_INVOICE_NUMBER = re.compile(
    r"\b(?:n\.?\s?[ºo°]\.?\s*(?:de\s+)?factura|numero\s+de\s+factura|factura\s+n\.?\s?[ºo°]"
    r"|invoice\s+(?:number|no\.?|#)|bill\s+(?:number|no\.?)"
    r"|numero\s+de\s+facture|n\.?\s?[ºo°]\s+de\s+facture|facture\s+n\.?\s?[ºo°]"
    r"|numero\s+da\s+fatura|rechnungsnummer)\s*[:#.]?\s*(?P<number>[a-z0-9][a-z0-9\-/.]{2,39})",
)
_AMOUNT_LABEL = _label(
    r"total a pagar",
    r"importe total(?: factura)?",
    r"total factura",
    r"total(?: amount)? (?:due|to pay)",
    r"amount due",
    r"montant total(?: ttc)?",
    r"total ttc",
    r"net a payer",
    r"valor a pagar",
    r"rechnungsbetrag",
)
_CURRENCY = {"€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "$": "USD", "usd": "USD"}
_CURRENCY_PATTERN = r"(?:€|eur\b|£|gbp\b|\$|usd\b)"
_UNITS = {"kwh": "kWh", "mwh": "MWh", "m3": "m³", "m³": "m³"}
_QUANTITY = re.compile(rf"(?P<number>{NUMBER})\s*(?P<unit>kwh|mwh|m3|m³)(?![a-z0-9/])")
_TARIFF_PERIOD = re.compile(r"(?<![a-z0-9])p(?P<period>[1-6])(?![0-9])")
_PERIOD_HEADER = re.compile(r"(?<![a-z0-9])p1(?:\s+p[2-6])+\s*$")
CUPS_PATTERN = re.compile(r"\bES\s?(?:\d\s?){16}[A-Z]\s?[A-Z](?:\s?\d\s?[FPRCXYZ])?\b")
_CREDIT_NOTE = _label(
    r"factura rectificativa", r"abono", r"credit note", r"avoir", r"nota de credito", r"gutschrift"
)
_BILL_WORDS = _label(r"factura", r"invoice", r"bill", r"facture", r"fatura", r"rechnung")
_TYPE_WORDS = {
    "electricity": _label(r"electricidad", r"energia electrica", r"electricity", r"electricite", r"strom"),
    "heat": _label(r"gas natural", r"natural gas", r"gaz naturel", r"gas", r"gaz", r"erdgas"),
    "water": _label(r"agua", r"water", r"eau", r"wasser", r"abastecimiento"),
}
UNIT_TYPES = {"electricity": {"kWh", "MWh"}, "heat": {"kWh", "MWh", "m³"}, "water": {"m³"}}


@dataclass(frozen=True)
class Quantity:
    value: Decimal
    unit: str  # kWh, MWh or m³


def _quantities(text: str, mark: str) -> list[tuple[Quantity, str]]:
    found = []
    for match in _QUANTITY.finditer(folded(text)):
        number = parse_number(match["number"], mark)
        if number is not None:
            found.append((Quantity(number, _UNITS[match["unit"]]), match.group(0)))
    return found


def period(lines: list[Line]) -> list[Read]:
    """The billing period: the first two dates on a period label's line (or the line after it)."""
    readings = []
    for index, line in enumerate(lines):
        label = _PERIOD_LABEL.search(folded(line.text))
        if label is None:
            continue
        found = dates_in(folded(line.text)[label.start() :])
        if len(found) < 2 and index + 1 < len(lines) and lines[index + 1].page == line.page:
            found += dates_in(lines[index + 1].text)
        if len(found) >= 2:
            (start, _), (end, _) = found[:2]
            readings.append(Read((start, end), line.page, line.text, LABELLED * line.confidence))
    return readings


def total_consumption(lines: list[Line], mark: str) -> list[Read]:
    """The consumption the bill totals, read on its label's line; a tariff period's line never counts."""
    readings = []
    for pattern in (_TOTAL_LABEL, _GENERIC_TOTAL_LABEL):
        for line in lines:
            text = folded(line.text)
            label = pattern.search(text)
            if label is None or _TARIFF_PERIOD.search(text) or _PERIOD_HEADER.search(text):
                continue
            quantities = _quantities(text[label.end() :], mark)
            if quantities:
                quantity, _ = quantities[0]
                readings.append(Read(quantity, line.page, line.text, LABELLED * line.confidence))
        if readings:  # a total's own label wins over the generic word
            return readings
    return readings


def tariff_periods(lines: list[Line], mark: str) -> list[Read]:
    """Consumption per tariff period (P1-P6), in rows (``P1 ... 123 kWh``) or in a header row of
    periods and a consumption row under it. A row's first quantity is the period's."""
    readings = []
    for index, line in enumerate(lines):
        text = folded(line.text)
        header = _PERIOD_HEADER.search(text)
        if header:
            periods = _TARIFF_PERIOD.findall(header.group(0))
            for following in lines[index + 1 : index + 4]:
                if following.page != line.page or not _GENERIC_TOTAL_LABEL.search(folded(following.text)):
                    continue
                unit = next((u for key, u in _UNITS.items() if key in folded(following.text)), None)
                numbers = [parse_number(n, mark) for n in re.findall(NUMBER, following.text)]
                if unit and len(numbers) == len(periods) and None not in numbers:
                    for number, name in zip(numbers, periods, strict=True):
                        assert number is not None
                        read = Read(
                            (f"P{name}", Quantity(number, unit)), line.page, following.text, line.confidence
                        )
                        readings.append(read)
                break
            continue
        tariff = _TARIFF_PERIOD.match(text) or (
            _TARIFF_PERIOD.search(text) if _GENERIC_TOTAL_LABEL.search(text) else None
        )
        if tariff is None:
            continue
        quantities = _quantities(text[tariff.end() :], mark)
        if quantities:
            quantity, _ = quantities[0]
            readings.append(Read((f"P{tariff['period']}", quantity), line.page, line.text, line.confidence))
    return readings


def cups(lines: list[Line]) -> list[Read]:
    """Every CUPS-shaped code printed (its check letters are checked by the caller)."""
    return [
        Read(re.sub(r"\s", "", match.group(0)), line.page, line.text, LABELLED * line.confidence)
        for line in lines
        for match in CUPS_PATTERN.finditer(line.text.upper())
    ]


_ESTIMATED = re.compile(
    r"\b(?:lectura|consumo|reading|read|lecture|leitura)s?\s+(?:estimad[ao]s?|estimated|estimee?s?)\b"
    r"|\b(?:estimad[ao]s?|estimated|estimee?s?)\s+(?:lectura|consumo|reading|read|lecture|leitura)s?\b"
    r"|\d\s*\(e\)(?!\w)"  # a reading marked (E), as British bills print it
)
_ACTUAL = re.compile(
    r"\b(?:lectura|reading|read|lecture|leitura)s?\s+(?:reale?s?|actual|real|effective|efectiva)\b"
    r"|\b(?:actual|real)\s+(?:reading|read)s?\b"
)


def reading(lines: list[Line]) -> list[Read]:
    """How the meter was read: "estimated" wherever the bill says so (``lectura estimada``, ``estimated
    reading``, a reading marked ``(E)``), else "actual" where it says that."""
    estimated = [line for line in lines if _ESTIMATED.search(folded(line.text))]
    actual = [line for line in lines if _ACTUAL.search(folded(line.text))]
    found = [(value, line) for value, each in (("estimated", estimated), ("actual", actual)) for line in each]
    return [Read(value, line.page, line.text, LABELLED * line.confidence) for value, line in found[:1]]


def invoice_number(lines: list[Line]) -> list[Read]:
    readings = []
    for line in lines:
        match = _INVOICE_NUMBER.search(folded(line.text))
        if match:
            number = match["number"].rstrip(".").upper()
            readings.append(Read(number, line.page, line.text, LABELLED * line.confidence))
    return readings


def amount(lines: list[Line], mark: str) -> list[Read]:
    """The total the bill asks (or, on a credit note, refunds), with its currency."""
    readings = []
    for line in lines:
        text = folded(line.text)
        label = _AMOUNT_LABEL.search(text)
        if label is None:
            continue
        rest = text[label.end() :]
        match = re.search(
            rf"(?P<before>{_CURRENCY_PATTERN})?\s*(?P<number>{NUMBER})\s*(?P<after>{_CURRENCY_PATTERN})?",
            rest,
        )
        if match is None or not (match["before"] or match["after"]):
            continue
        number = parse_number(match["number"], mark)
        if number is not None:
            currency = _CURRENCY[(match["before"] or match["after"]).strip()]
            readings.append(Read((number, currency), line.page, line.text, LABELLED * line.confidence))
    return readings


def invoice_types(lines: list[Line], supplier_names: list[str]) -> list[Read]:
    """The types the bill's title lines name (a line with a bill word: ``Factura de electricidad``).

    The suppliers' names are blanked first: ``Repsol ... de Electricidad y Gas`` names no type.
    """
    readings = []
    for line in lines:
        text = folded(line.text)
        for name in supplier_names:
            text = text.replace(name, " ")
        if not _BILL_WORDS.search(text):
            continue
        for invoice_type, words in _TYPE_WORDS.items():
            if words.search(text):
                readings.append(Read(invoice_type, line.page, line.text, DERIVED * line.confidence))
    return readings


def is_credit_note(lines: list[Line]) -> Line | None:
    return next((line for line in lines if _CREDIT_NOTE.search(folded(line.text))), None)


def is_bill(lines: list[Line]) -> bool:
    return any(_BILL_WORDS.search(folded(line.text)) for line in lines)
