"""CUPS (Código Universal del Punto de Suministro), the Spanish supply-point code.

Layout: ``ES`` + 16 digits + 2 control letters, optionally + 1 digit + 1 letter of ``FPRCXYZ``
(the border point). The control letters come from the 16 digits modulo 529 over the table below,
as python-stdnum's ``es.cups`` computes them.
"""

from __future__ import annotations

import re

from carbon_accounting.errors import InvalidCups

_CONTROL_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_SHAPE = re.compile(r"ES(?P<digits>\d{16})(?P<control>[A-Z]{2})(?:\d[FPRCXYZ])?")


def control_letters(digits: str) -> str:
    """The two control letters for the 16 digits of a CUPS."""
    first, second = divmod(int(digits) % 529, 23)
    return _CONTROL_LETTERS[first] + _CONTROL_LETTERS[second]


def normalize_cups(value: str) -> str:
    """Return the compact, upper-cased CUPS, or raise ``InvalidCups`` saying what is wrong."""
    compact = re.sub(r"[\s\-]", "", value).upper()
    shape = _SHAPE.fullmatch(compact)
    if shape is None:
        raise InvalidCups(
            f"CUPS {value!r} must be ES, 16 digits and 2 control letters, optionally followed by "
            "a digit and one of F, P, R, C, X, Y, Z (20 or 22 characters)"
        )
    expected = control_letters(shape["digits"])
    if shape["control"] != expected:
        raise InvalidCups(f"CUPS {value!r} has control letters {shape['control']}; expected {expected}")
    return compact
