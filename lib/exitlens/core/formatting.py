"""Numbers as people read them in messages, reports and the report index: thousands
separators, signed percentages, amounts labelled with their quote currency, prices with at
least 6 significant digits, "n/a" for unknown. The webhook payloads and the archive index
format through these helpers (the notebook tables are styled in `reports.views`); formatting
happens at presentation, never in a computation, so the data stays unrounded."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

WHOLE_UNIT_CURRENCIES = frozenset({"KRW", "JPY", "VND", "IDR"})
"""Quote currencies whose amounts are shown without decimals."""
PRICE_SIGNIFICANT_DIGITS = 6


_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
"""Terminal escape sequences (CSI `ESC [ … m`, OSC `ESC ] … BEL`, two-character ones)."""
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Control characters (NUL, ESC, C1) and the bidi controls that reorder what follows them (U+202E)."""
DISPLAY_TEXT_MAX = 80
"""Characters of one database text (an exit reason, a symbol) a table cell or a label shows."""


_LONG_WORD = re.compile(r"\S{%d,}" % (DISPLAY_TEXT_MAX + 1))


def display_text(value: Any, limit: int | None = DISPLAY_TEXT_MAX) -> str:
    """Text from the database as any medium can show it, in one line: terminal escape
    sequences, control characters and bidi controls removed (they would colour a terminal,
    cut a page or reverse the text after them), line breaks and tabs as spaces, no word longer
    than DISPLAY_TEXT_MAX characters and at most `limit` characters in all (the rest as "…"),
    so one long value can neither push a table off the page nor fill a hundred pages."""
    text = _UNSHOWABLE.sub("", _ESCAPE_SEQUENCE.sub("", str(value).replace("\t", " ").replace("\n", " ")))
    text = _LONG_WORD.sub(lambda word: word.group(0)[:DISPLAY_TEXT_MAX - 1] + "…", text)
    return text if limit is None or len(text) <= limit else text[:limit - 1] + "…"


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
