"""The columns of the DataFrames that pass between modules, declared once.

Loaders produce these frames with these dtypes; every computation in the middle takes and
returns them. Times are always timezone-aware UTC (`datetime64[ns, UTC]`).
"""

from __future__ import annotations

import pandas as pd

UTC_TIME = "datetime64[ns, UTC]"

ORDER_COLUMNS: dict[str, str] = {
    "id": "object",
    "symbol": "object",
    "side": "object",
    "order_type": "object",
    "price": "float64",
    "quantity": "float64",
    "fee": "float64",
    "status": "object",
    "strategy_name": "object",
    "signal_info": "object",
    "stored_entry_price": "float64",
    "stored_entry_text": "object",
    "regime": "object",
    "high_water_mark": "float64",
    "exit_reason": "object",
    "post_exit_prices": "object",
    "created_at": UTC_TIME,
    "executed_at": UTC_TIME,
    "event_time": UTC_TIME,
}
"""FILLED orders as loaded (`load.load_orders`). `signal_info` and `post_exit_prices` hold
parsed dicts, or None when absent or malformed; `regime` is upper-case with null mapped to
"UNKNOWN"; `exit_reason` is the raw text (or None), normalised by `markets.exit_reasons` when
sells are evaluated; `event_time` is `coalesce(executed_at, created_at)`;
`stored_entry_price` / `stored_entry_text` are `signal_info.entry_avg_price` read as a number,
or as the text of a value that is not one (core/entry_price.py)."""

CANDLE_COLUMNS: dict[str, str] = {
    "symbol": "object",
    "timestamp": UTC_TIME,
    "close_price": "float64",
}
"""The slice of `market_data` the tracker needs."""

UNKNOWN = "UNKNOWN"


def with_declared_types(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """`frame` reduced to the declared columns, in order, with their dtypes."""
    out = frame.reindex(columns=list(columns))
    for name, dtype in columns.items():
        if dtype == UTC_TIME:
            out[name] = pd.to_datetime(out[name], utc=True, format="ISO8601")
        elif dtype == "object":
            out[name] = out[name].astype(object).where(out[name].notna(), None)
        else:
            out[name] = pd.to_numeric(out[name], errors="coerce").astype(dtype)
    return out


def holds_text(dtype) -> bool:
    """Whether a column or index of `dtype` may hold text (object, or pandas' string dtypes)."""
    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
