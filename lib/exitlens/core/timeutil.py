"""Time at the edges: aware datetimes in, UTC everywhere inside, ISO text on SQLite."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pandas as pd

from exitlens.core.errors import DataError

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


def parse_aware(text: str, name: str = "time") -> datetime:
    """An ISO-8601 text with an offset, as an aware UTC datetime; anything else is a DataError."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(
            f"{name} {text!r} is not an ISO-8601 time: use e.g. 2026-11-23T22:00:00+09:00"
        ) from exc
    return require_aware(moment, name)


def sqlite_text(moment: datetime | pd.Timestamp) -> str:
    """The SQLite storage form of an aware time: UTC, `YYYY-MM-DD HH:MM:SS.ffffff`."""
    return pd.Timestamp(moment).tz_convert("UTC").strftime(SQLITE_TIME_FORMAT)


def utc_series(values) -> pd.Series:
    """Timestamps as `datetime64[ns, UTC]`; naive values are read as UTC, unparseable ones as NaT."""
    series = pd.to_datetime(pd.Series(values, dtype=object), utc=True, errors="coerce", format="ISO8601")
    return series.astype("datetime64[ns, UTC]")
