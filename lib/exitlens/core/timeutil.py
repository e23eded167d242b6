"""Time at the edges: aware datetimes in, UTC everywhere inside, ISO text on SQLite."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd

from exitlens.core.errors import ConfigError, DataError

SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


def _refuse_naive(moment: datetime, name: str) -> None:
    """The one guard every aware time passes: a naive time is refused, never read as UTC,
    because its zone would be a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DataError(
            f"{name} {moment.isoformat()} has no timezone: add an offset such as +00:00 or +09:00"
        )


def require_aware(moment: datetime, name: str = "time") -> datetime:
    """`moment` (a datetime) in UTC; a naive one is refused."""
    if not isinstance(moment, datetime):
        raise DataError(f"{name} must be a datetime, got {type(moment).__name__}")
    _refuse_naive(moment, name)
    return moment.astimezone(timezone.utc)


def aware_utc(moment: Any, name: str = "time") -> pd.Timestamp:
    """`moment` (anything pandas reads as one time) as a UTC Timestamp; a naive one is refused."""
    stamp = pd.Timestamp(moment)
    _refuse_naive(stamp, name)
    return stamp.tz_convert("UTC")


FIRST_YEAR, LAST_YEAR = 1900, 2199
"""The years an input time may fall in: periods, horizons and the nanosecond timestamps of the
analysis all stay placeable around them (9999-12-31 would overflow them)."""


def parse_aware(text: str, name: str = "time") -> datetime:
    """An ISO-8601 text with an offset between FIRST_YEAR and LAST_YEAR, as an aware UTC
    datetime; anything else is a DataError saying what to pass."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(
            f"{name} {text!r} is not an ISO-8601 time: use e.g. 2026-11-23T22:00:00+09:00"
        ) from exc
    moment = require_aware(moment, name)
    require_placeable_year(moment.year, f"{name} {text.strip()}")
    return moment


def require_placeable_year(year: int, what: str) -> None:
    """A DataError unless `year` is between FIRST_YEAR and LAST_YEAR; `what` names the input."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DataError(f"{what} is out of range: use a time between {FIRST_YEAR} and {LAST_YEAR}")


def sqlite_text(moment: datetime | pd.Timestamp) -> str:
    """The SQLite storage form of an aware time: UTC, `YYYY-MM-DD HH:MM:SS.ffffff`."""
    return pd.Timestamp(moment).tz_convert("UTC").strftime(SQLITE_TIME_FORMAT)


_FIRST = pd.Timestamp.min.tz_localize("UTC")
_LAST = pd.Timestamp.max.tz_localize("UTC")


def utc_series(values) -> pd.Series:
    """Timestamps as `datetime64[ns, UTC]`; naive values are read as UTC. Unparseable ones and
    those outside what a nanosecond timestamp can place (years before 1677 or after 2262, such
    as `9999-12-31`) are NaT, for the caller to skip and name."""
    series = pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601")
    return series.where((series >= _FIRST) & (series <= _LAST)).astype("datetime64[ns, UTC]")


def parse_month(text: str, name: str = "month") -> tuple[int, int]:
    """(year, month) of a `YYYY-MM` text; anything else is a ConfigError."""
    try:
        moment = datetime.strptime(text.strip(), "%Y-%m")
    except (ValueError, AttributeError) as exc:
        raise ConfigError(f"{name} {text!r} is not a month: use YYYY-MM, e.g. 2026-11") from exc
    return moment.year, moment.month
