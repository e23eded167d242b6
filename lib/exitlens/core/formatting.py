"""Numbers as people read them in messages and the report index: thousands separators,
signed percentages, KRW amounts, "n/a" for unknown. The webhook payloads and the archive index
format through these helpers (the notebook tables are styled in `reports.views`); formatting
happens at presentation, never in a computation, so the data stays unrounded."""

from __future__ import annotations

import math
from typing import Any


def finite_number(value: Any) -> float | None:
    """`value` as a finite float, or None (None, bools, text and NaN/inf are not numbers)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt_count(value: Any) -> str:
    number = finite_number(value)
    return "n/a" if number is None else f"{number:,.0f}"


def fmt_krw(value: Any) -> str:
    number = finite_number(value)
    if number is None:
        return "n/a"
    rounded = round(number)
    return "0 KRW" if rounded == 0 else f"{rounded:+,d} KRW"


def fmt_pct(value: Any) -> str:
    """A value already in percent: `+1.23%`."""
    number = finite_number(value)
    return "n/a" if number is None else f"{number:+.2f}%"


def fmt_ratio(value: Any) -> str:
    """A fraction shown as percent, one decimal (every rate, everywhere): 0.536 → `53.6%`."""
    number = finite_number(value)
    return "n/a" if number is None else f"{number * 100:.1f}%"


def fmt_metric(metric: str | None, value: Any) -> str:
    name = (metric or "").lower()
    if name.endswith("_pct"):
        return fmt_pct(value)
    if name.endswith("_rate"):
        return fmt_ratio(value)
    number = finite_number(value)
    return "n/a" if number is None else f"{number:,.2f}"
