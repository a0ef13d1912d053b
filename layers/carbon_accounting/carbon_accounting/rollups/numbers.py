"""The rollups' arithmetic: the months a period touches, and numbers kept in billionths.

A rollup cell is one item, ``(organization id, sort key)``, and the numbers added to its attributes.
Every figure and quantity is kept as an integer count of billionths (``SCALE``: 1e-9 kg, 1e-9 of the
unit), so that adding a contribution and later subtracting the same one leaves the stored sum exactly
as it was, whatever the order.
"""

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Context, Decimal
from typing import Any

Cell = tuple[str, str]  # (organization id, sort key)
Cells = dict[Cell, dict[str, Decimal]]

SCALE = Decimal(10) ** 9  # figures and quantities are stored in billionths
_CONTEXT = Context(prec=60)


def fixed(value: Any) -> Decimal:
    """A number in billionths, rounded to a whole one."""
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return (number * SCALE).quantize(Decimal(1), context=_CONTEXT)


def month_of(day: date) -> str:
    """``YYYY-MM``, four digits whatever the year (``strftime`` gives ``7-05`` for the year 7)."""
    return f"{day.year:04d}-{day.month:02d}"


def months(first: date, last: date) -> Iterator[tuple[str, date, date]]:
    """``(YYYY-MM, first day, last day)`` of each month the inclusive period touches, clipped to it."""
    day = first
    while day <= last:
        end = min(last, day.replace(day=calendar.monthrange(day.year, day.month)[1]))
        yield month_of(day), day, end
        if end == date.max:
            return
        day = end + timedelta(days=1)


def share(value: Any, days: int, since: int, count: int) -> Decimal:
    """The part of ``value`` (over ``days``) of its days ``since`` .. ``since + count``, as the
    difference of two running totals: a period's months then add up to its value exactly."""
    whole = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return fixed(whole * (since + count) / days) - fixed(whole * since / days)


def spread(value: Any, start: date, end: date) -> dict[str, Decimal]:
    """``value`` over the inclusive period ``start``..``end``, by month (``YYYY-MM``) and days, in
    billionths."""
    days = (end - start).days + 1
    return {
        month: share(value, days, (first - start).days, (last - first).days + 1)
        for month, first, last in months(start, end)
    }
