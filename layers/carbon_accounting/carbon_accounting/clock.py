"""The API's timestamps: UTC, to the millisecond, ISO 8601 with a ``Z``."""

from datetime import UTC, datetime


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
