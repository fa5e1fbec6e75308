"""One way to show a moment: ISO 8601 in UTC with its zone (``2026-12-06T01:02:03+00:00``),
whichever database it came from (PostgreSQL returns it with a zone, SQLite as naive UTC text)."""

from __future__ import annotations

from datetime import UTC, datetime

from ovirt_node_config.errors import InvalidInput, shown


def utc(moment: datetime) -> datetime:
    """``moment`` as an aware UTC datetime; a naive one is taken as UTC (as SQLite keeps them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso(value: datetime | str | None) -> str | None:
    """``value`` in ISO 8601, UTC, to the second; None stays None (unknown, not empty)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return utc(value).isoformat(timespec="seconds")


def iso_ms(value: int | None) -> str | None:
    """Milliseconds since the epoch in ISO 8601, UTC, to the second; None stays None."""
    return None if value is None else iso(datetime.fromtimestamp(value / 1000, UTC))


def parse(field: str, value: object) -> datetime:
    """An ISO 8601 date or time given by a caller (as text, or as XML-RPC's ``dateTime.iso8601``),
    as an aware UTC moment (no zone: UTC)."""
    if isinstance(value, datetime):
        return utc(value)
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidInput(field, f"must be an ISO 8601 date or time, not {shown(value)}")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(field, f"must be an ISO 8601 date or time, not {shown(value)}") from None
    return utc(moment)


def for_database(moment: datetime | None, dialect: str) -> datetime | None:
    """A moment (aware) as the database keeps it: SQLite naive UTC, PostgreSQL with its zone."""
    if moment is None or dialect == "postgresql":
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)
