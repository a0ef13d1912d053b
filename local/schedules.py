"""Scheduled invocations for ``Type: Schedule`` and ``Type: ScheduleV2`` events.

Supported expressions: ``rate(N minute|minutes|hour|hours|day|days)`` (first run one period after
start, as for a new rule) and ``cron(minutes hours * * ? *)`` in UTC, where minutes and hours
accept ``*``, values, ranges, lists and ``/step``; any other expression (a cron that constrains
days, months or years) is a TemplateError. Functions receive the event's Input, or the EventBridge
"Scheduled Event" payload.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from local.aws import ACCOUNT_ID, REGION
from local.functions import FunctionError, Invoke
from local.polling import PollingThread
from local.template import ScheduleSource, TemplateError

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^rate\((\d+) (minute|hour|day)s?\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


@dataclass(frozen=True)
class Rate:
    """``rate(...)``: a fixed period."""

    period: timedelta

    def next_after(self, moment: datetime) -> datetime:
        """The first run after `moment`."""
        return moment + self.period


@dataclass(frozen=True)
class Cron:
    """``cron(...)`` restricted to its minute and hour fields."""

    minutes: frozenset[int]
    hours: frozenset[int]

    def next_after(self, moment: datetime) -> datetime:
        """The first matching minute strictly after `moment`."""
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        for _ in range(24 * 60):
            if candidate.minute in self.minutes and candidate.hour in self.hours:
                return candidate
            candidate += timedelta(minutes=1)
        raise AssertionError("a non-empty minute and hour set matches within a day")


def _field(text: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            start, end = (int(bound) for bound in base.split("-"))
        else:
            start = int(base)
            end = high if step else start
        values.update(range(start, end + 1, int(step or 1)))
    if not values or min(values) < low or max(values) > high:
        raise ValueError(f"field {text!r} is out of range {low}-{high}")
    return frozenset(values)


def parse_schedule(expression: str) -> Rate | Cron:
    """Parse a schedule expression; raise TemplateError when it cannot run locally."""
    rate = _RATE.match(expression)
    if rate:
        return Rate(int(rate.group(1)) * _UNITS[rate.group(2)])
    cron = _CRON.match(expression)
    fields = cron.group(1).split() if cron else []
    if len(fields) != 6 or any(part not in ("*", "?") for part in fields[2:]):
        raise TemplateError(
            f"schedule {expression!r} is not emulated locally: use rate() or cron(M H * * ? *)"
        )
    try:
        return Cron(minutes=_field(fields[0], 0, 59), hours=_field(fields[1], 0, 23))
    except ValueError as error:
        raise TemplateError(f"schedule {expression!r}: {error}") from None


def scheduled_event(source: ScheduleSource, function_name: str, moment: datetime) -> Any:
    """What the function receives: the event's Input, else an EventBridge "Scheduled Event"."""
    if source.input is not None:
        return json.loads(source.input)
    if source.scheduler:
        resource = (
            f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{function_name}-{source.event_name}"
        )
    else:
        resource = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{function_name}-{source.event_name}"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler" if source.scheduler else "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [resource],
        "detail": {},
    }


@dataclass
class _Entry:
    source: ScheduleSource
    schedule: Rate | Cron
    next_run: datetime


class Scheduler(PollingThread):
    """Runs the schedules; `run_due` does one tick (tests call it directly)."""

    interval = 1.0

    def __init__(
        self,
        sources: Sequence[ScheduleSource],
        function_names: dict[str, str],
        invoke: Invoke,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__("scheduler")
        self._invoke = invoke
        self._function_names = function_names
        self._clock = clock
        now = clock()
        self.entries: list[_Entry] = []
        for source in sources:
            schedule = parse_schedule(source.expression)
            self.entries.append(_Entry(source, schedule, schedule.next_after(now)))

    def run_due(self, now: datetime) -> int:
        """Invoke every schedule due at `now`; return how many ran."""
        ran = 0
        for entry in self.entries:
            if entry.next_run > now:
                continue
            source = entry.source
            event = scheduled_event(source, self._function_names[source.function_id], now)
            try:
                self._invoke(source.function_id, event)
            except FunctionError as error:
                logger.error("%s/%s: scheduled run failed: %s", source.function_id, source.event_name, error)
            entry.next_run = entry.schedule.next_after(now)
            ran += 1
        return ran

    def poll(self) -> bool:
        """Run what is due now."""
        self.run_due(self._clock())
        return False
