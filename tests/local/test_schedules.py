"""local.schedules: rate/cron parsing and scheduled invocations."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.schedules import Cron, Rate, Scheduler, parse_schedule
from local.template import TemplateError

START = datetime(2024, 3, 1, 6, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
    ],
)
def test_rates(expression, period):
    assert parse_schedule(expression) == Rate(period)


def test_cron_minutes_and_hours():
    schedule = parse_schedule("cron(0/15 9-10,14 * * ? *)")
    assert isinstance(schedule, Cron)
    assert schedule.minutes == {0, 15, 30, 45} and schedule.hours == {9, 10, 14}
    assert schedule.next_after(START) == START.replace(hour=9)
    assert schedule.next_after(START.replace(hour=10, minute=45)) == START.replace(hour=14)
    assert schedule.next_after(START.replace(hour=23)) == START.replace(day=2, hour=9)


@pytest.mark.parametrize(
    "expression",
    ["cron(0 12 1 * ? *)", "cron(0 12 ? * MON *)", "cron(0 25 * * ? *)", "cron(0 12 * *)", "at(2024)"],
)
def test_unsupported_expressions(expression):
    with pytest.raises(TemplateError, match="schedule"):
        parse_schedule(expression)


def test_the_scheduler_refuses_what_it_cannot_run(stack):
    monthly = dataclasses.replace(stack.schedules[0], expression="cron(0 12 1 * ? *)")
    with pytest.raises(TemplateError, match=re.escape("cron(0 12 1 * ? *)")):
        Scheduler([monthly], {}, lambda fid, event: None)


def test_scheduler_runs_what_is_due(stack):
    calls: list[tuple[str, Any]] = []
    names = {function_id: function.name for function_id, function in stack.functions.items()}
    scheduler = Scheduler(
        stack.schedules, names, lambda fid, event: calls.append((fid, event)), clock=lambda: START
    )
    assert [entry.source.event_name for entry in scheduler.entries] == ["Tick", "Nightly"]

    assert scheduler.run_due(START + timedelta(minutes=4)) == 0
    assert scheduler.run_due(START + timedelta(minutes=5)) == 1  # Tick: rate(5 minutes)
    ((function_id, event),) = calls
    assert function_id == "TickFunction"
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["resources"] == [f"arn:aws:events:us-east-1:000000000000:rule/{names['TickFunction']}-Tick"]
    assert event["time"] == "2024-03-01T06:05:00Z" and event["detail"] == {}

    assert scheduler.run_due(START + timedelta(minutes=30)) == 2  # Tick again, and Nightly at 06:30
    assert calls[-1] == ("TickFunction", {"job": "nightly"})  # ScheduleV2 with Input
    assert scheduler.run_due(START + timedelta(minutes=31)) == 0
