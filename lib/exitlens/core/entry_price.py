"""The stored entry price of an order: `signal_info.entry_avg_price`, read once into columns.

The orders frame carries it as two columns, so the ledger never walks `signal_info` dicts:
`stored_entry_price`, the value as a number when it is one (a JSON number, or a string whose
text, spaces aside, is a JSON number, as bots that serialise `Decimal` write it, e.g.
"95000000" or "1.5E+2"), NaN otherwise; and `stored_entry_text`, the value's JSON text when the
key holds something that is not such a number (so a note can name it), None otherwise.

The loaders compute both in SQL (store/load.py, with NUMBER_PATTERN guarding the cast so junk
never raises); `stored_entry_columns` is the same rule for frames built in Python.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd

ENTRY_KEY = "entry_avg_price"
STORED_PRICE = "stored_entry_price"
STORED_TEXT = "stored_entry_text"

NUMBER_PATTERN = r"^\s*-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,5})?\s*$"
"""JSON's number grammar, surrounding spaces allowed, the exponent at most five digits (so a
SQL numeric cast of a matching text cannot overflow)."""

FLOAT_LIMIT = 1e300
"""Magnitudes beyond this (or nonzero below its reciprocal) are not read as prices: they would
overflow or underflow a double, which PostgreSQL reports as an error."""

_NUMBER = re.compile(NUMBER_PATTERN)


def read_stored_entry(value) -> tuple[float, str | None]:
    """(the number, NaN when not one; the JSON text when present but not a number, else None).
    None and a float NaN (pandas' missing value) are absent, not bad."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and _in_range(number):
            return number, None
    elif isinstance(value, str) and _NUMBER.match(value):
        number = float(value)
        if _in_range(number):
            return number, None
    return math.nan, json.dumps(value, ensure_ascii=False, default=str)


def _in_range(number: float) -> bool:
    return number == 0 or 1 / FLOAT_LIMIT <= abs(number) <= FLOAT_LIMIT


def stored_entry_columns(signal_info: pd.Series) -> pd.DataFrame:
    """`stored_entry_price` and `stored_entry_text` of each order from its parsed `signal_info`
    (a dict or None), indexed like `signal_info`."""
    values = [info.get(ENTRY_KEY) if isinstance(info, dict) else None for info in signal_info]
    read = [read_stored_entry(value) for value in values]
    return pd.DataFrame({
        STORED_PRICE: np.array([number for number, _ in read], dtype=float),
        STORED_TEXT: pd.Series([text for _, text in read], dtype=object).to_numpy(),
    }, index=signal_info.index)
