"""Numbers as people read them in messages, reports and the report index: thousands
separators, signed percentages, amounts labelled with their quote currency, prices with at
least 6 significant digits, "n/a" for unknown. The webhook payloads and the archive index
format through these helpers (the notebook tables are styled in `reports.views`); formatting
happens at presentation, never in a computation, so the data stays unrounded."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

WHOLE_UNIT_CURRENCIES = frozenset({"KRW", "JPY", "VND", "IDR"})
"""Quote currencies whose amounts are shown without decimals."""
PRICE_SIGNIFICANT_DIGITS = 6


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


def fmt_money(value: Any, currency: str | None = None, *, signed: bool = True) -> str:
    """An amount labelled with its quote currency: `+1,234 KRW`, `-12.50 USDT`,
    `+0.00012346 BTC`; a mapping {currency: amount} (money of a bucket that mixes currencies)
    gives each, joined with " · ". Whole-unit currencies (KRW, JPY, …) show no decimals; other
    amounts show 2, or 6 significant digits below 1. A missing currency shows as "?"."""
    if isinstance(value, Mapping):
        parts = [fmt_money(amount, str(code), signed=signed) for code, amount in sorted(value.items())]
        return " · ".join(parts) if parts else "n/a"
    number = finite_number(value)
    if number is None:
        return "n/a"
    label = currency or "?"
    if label in WHOLE_UNIT_CURRENCIES:
        digits = 0
    elif abs(number) >= 1 or number == 0:
        digits = 2
    else:
        digits = _decimals_for(number, PRICE_SIGNIFICANT_DIGITS)
    if round(number, digits) == 0:
        return f"{0:.{digits}f} {label}"
    sign = "+" if signed else ""
    return f"{number:{sign},.{digits}f} {label}"


def fmt_price(value: Any) -> str:
    """A price with at least 6 significant digits and thousands separators: 95,000,000 ·
    123.457 · 0.0000964000."""
    number = finite_number(value)
    if number is None:
        return "n/a"
    return f"{number:,.{_decimals_for(number, PRICE_SIGNIFICANT_DIGITS)}f}"


def _decimals_for(number: float, significant: int) -> int:
    """Decimals that show `number` with `significant` significant digits (0 for large numbers)."""
    if number == 0:
        return significant - 1
    return max(0, significant - 1 - math.floor(math.log10(abs(number))))


def fmt_record(bucket: Mapping) -> str:
    """Wins / draws / losses of a bucket (SPEC §2.1): `48 / 122 / 9`."""
    return " / ".join(fmt_count(bucket.get(key)) for key in ("wins", "draws", "losses"))


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
