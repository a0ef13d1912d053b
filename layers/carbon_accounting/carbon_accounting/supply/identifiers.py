"""Supply points: the identifiers utilities bill them by, and the id each supply point has.

A supply point is the thing a utility bills, inside a facility. Its id is derived from what names it,
so that an invoice is linked to one without reading anything, and the same identifier always gives
the same supply point:

- named: ``uuid5(facility, kind, identifier)``: a CUPS (an invoice's ``cups``, or one in its
  facility's ``cups_list``), or any identifier a supply point was registered with;
- implicit: ``uuid5(facility, type, fuel)``: an invoice that names no supply point belongs to its
  facility's one of its type (and fuel), so that coverage works for organizations that never name
  their meters.

Identifiers are validated as their issuers publish them:

- ``cups``: the Spanish supply-point code (electricity and gas), ``carbon_accounting.cups``.
- ``mpan``: Great Britain's Meter Point Administration Number (electricity). Its 13-digit core (the
  bottom line; a full 21-character MPAN is its top line then the core) ends in a check digit: the
  first 12 digits times 3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41 and 43, summed, modulo 11, modulo 10
  (the MRA's Master Registration Agreement, as Elexon publishes it). Kept as the core.
- ``mprn``: Great Britain's Meter Point Reference Number (gas): 6 to 10 digits, as Xoserve allocates
  them. Xoserve publishes no check digit, so the shape is all that is checked.
- ``meter``: any other meter's number, as printed on the bill (1 to 40 letters, digits, ``-``, ``/``
  or ``.``), compacted and upper-cased.

Spaces and hyphens between groups are ignored: ``S 01 801 100 / 12 3456 7890 123`` reads as its core.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

from carbon_accounting.cups import normalize_cups
from carbon_accounting.errors import BadRequest


class IdentifierKind(StrEnum):
    CUPS = "cups"
    MPAN = "mpan"
    MPRN = "mprn"
    METER = "meter"


_MPAN_PRIMES = (3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43)
_MPAN = re.compile(r"(?:S?\d{2}\d{3}[A-Z0-9]{3})?(?P<core>\d{13})")
_MPRN = re.compile(r"\d{6,10}")
_METER = re.compile(r"[A-Z0-9][A-Z0-9./-]{0,39}")


def mpan_check_digit(first_twelve: str) -> int:
    return sum(int(digit) * prime for digit, prime in zip(first_twelve, _MPAN_PRIMES, strict=True)) % 11 % 10


def _invalid(detail: str) -> BadRequest:
    return BadRequest(detail, "INVALID_IDENTIFIER", "identifier")


def normalize_identifier(kind: IdentifierKind, value: str) -> str:
    """The identifier as stored (compact, upper case), or 400 ``INVALID_IDENTIFIER`` saying why."""
    if kind is IdentifierKind.CUPS:
        return normalize_cups(value)
    compact = re.sub(r"\s" if kind is IdentifierKind.METER else r"[\s/-]", "", value).upper()
    if kind is IdentifierKind.MPAN:
        shape = _MPAN.fullmatch(compact)
        if shape is None:
            raise _invalid(f"MPAN {value!r} must be its 13-digit core, or the 21 characters of a full MPAN")
        core = shape["core"]
        expected = mpan_check_digit(core[:12])
        if int(core[12]) != expected:
            raise _invalid(f"MPAN {value!r} has check digit {core[12]}; expected {expected}")
        return core
    if kind is IdentifierKind.MPRN:
        if not _MPRN.fullmatch(compact):
            raise _invalid(f"MPRN {value!r} must be 6 to 10 digits")
        return compact
    if not _METER.fullmatch(compact):
        raise _invalid(f"meter number {value!r} must be 1 to 40 letters, digits, '-', '/' or '.'")
    return compact


# Which identifiers each type of supply is billed by (a Spanish gas supply has a CUPS too).
KINDS_BY_TYPE: dict[str, frozenset[IdentifierKind]] = {
    "electricity": frozenset({IdentifierKind.CUPS, IdentifierKind.MPAN, IdentifierKind.METER}),
    "heat": frozenset({IdentifierKind.CUPS, IdentifierKind.MPRN, IdentifierKind.METER}),
    "water": frozenset({IdentifierKind.METER}),
    "recharge": frozenset({IdentifierKind.METER}),
}

_NAMESPACE = UUID("6f1d2a1e-0c55-4d55-9b0e-3c1f6f0e5a11")  # of supply point ids: never change it


def named_id(facility_id: str, kind: str, identifier: str) -> str:
    return str(uuid5(_NAMESPACE, f"{facility_id}|{kind}|{identifier}"))


def implicit_id(facility_id: str, invoice_type: str, fuel_id: str | None) -> str:
    return str(uuid5(_NAMESPACE, f"{facility_id}|implicit|{invoice_type}|{fuel_id or ''}"))


@dataclass(frozen=True)
class PointRef:
    """The supply point an invoice belongs to, as far as the invoice itself says."""

    id: str
    facility_id: str
    type: str
    kind: str | None = None  # None: implicit, or linked by id (its stored record says the rest)
    identifier: str | None = None
    fuel_id: str | None = None


def derived_point(facility_id: str, invoice: Mapping[str, Any]) -> PointRef | None:
    """The supply point an invoice's own fields name: its CUPS, else its facility's implicit one of
    its type and fuel; None for an industrial process, which is no utility's supply."""
    invoice_type, cups = invoice.get("type"), invoice.get("cups")
    if invoice_type not in KINDS_BY_TYPE:
        return None
    if cups:
        return PointRef(named_id(facility_id, "cups", cups), facility_id, invoice_type, "cups", cups)
    fuel = invoice.get("facility_fuel_id")
    return PointRef(implicit_id(facility_id, invoice_type, fuel), facility_id, invoice_type, fuel_id=fuel)


def point_of(invoice: Mapping[str, Any]) -> PointRef | None:
    """The supply point of a stored invoice with a facility and a period (None for a distributed
    parent, a draft or a process): the one it was linked to, else (written before supply points)
    its derived one."""
    facility = invoice.get("facility_id")
    derived = derived_point(facility, invoice) if facility and invoice.get("start_date") else None
    if derived is None:
        return None
    linked = invoice.get("supply_point_id")
    if linked and linked != derived.id:
        return PointRef(linked, derived.facility_id, derived.type)
    return derived
