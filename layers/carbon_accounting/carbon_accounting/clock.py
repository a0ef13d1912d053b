"""The API's timestamps: UTC, to the millisecond, ISO 8601 with a ``Z``."""

from datetime import UTC, datetime, timedelta


def text(moment: datetime) -> str:
    """A moment as the API writes it."""
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now() -> str:
    return text(datetime.now(UTC))


def in_seconds(seconds: int) -> str:
    """The timestamp ``seconds`` from now (an expiry)."""
    return text(datetime.now(UTC) + timedelta(seconds=seconds))
