"""The FIFO ledger written the obvious way: a queue of lots per symbol, one order at a time.

It is the specification the vectorised `exitlens.core.ledger.entry_ledger` is tested against
(tests/test_ledger.py). Slow on purpose; not part of the library. The ledger benchmark keeps a
baseline loop of its own in bench/ledger_bench.py.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque

import pandas as pd


def _stored_price(signal_info):
    if not isinstance(signal_info, dict):
        return None
    value = signal_info.get("entry_avg_price")
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def reference_ledger(orders: pd.DataFrame) -> pd.DataFrame:
    """Same contract as entry_ledger: one row per SELL, indexed like `orders`."""
    rows = []
    for label, row in orders.iterrows():
        if pd.isna(row["event_time"]):
            continue
        rank = 1 if str(row["side"]).upper() == "SELL" else 0
        rows.append((row["symbol"], row["event_time"], rank, str(row["id"]), label, row))
    rows.sort(key=lambda item: item[:4])

    queues: dict[str, deque] = defaultdict(deque)
    out: dict = {}
    for symbol, when, rank, _, label, row in rows:
        quantity, price = float(row["quantity"]), float(row["price"])
        queue = queues[symbol]
        if rank == 0:
            if quantity > 0 and price > 0 and math.isfinite(quantity * price):
                fee = float(row["fee"]) if "fee" in row and pd.notna(row["fee"]) else 0.0
                fee = fee if math.isfinite(fee) and fee >= 0 else 0.0
                queue.append([quantity, price, when, fee / quantity])
            continue
        need = quantity if quantity > 0 else 0.0
        covered = cost = age = fees = 0.0
        opened = None
        while need > 1e-12 and queue:
            lot = queue[0]
            take = min(lot[0], need)
            if opened is None and take > 1e-9 * quantity:
                opened = lot[2]
            covered += take
            cost += take * lot[1]
            age += take * (when - lot[2]).total_seconds() / 3600
            fees += take * lot[3]
            lot[0] -= take
            need -= take
            if lot[0] <= 1e-12:
                queue.popleft()
        out[label] = (covered, cost, age, opened, fees)

    result = []
    for label, row in orders.iterrows():
        if str(row["side"]).upper() != "SELL":
            continue
        covered, cost, age, opened, fees = out.get(label, (0.0, 0.0, 0.0, None, 0.0))
        quantity = float(row["quantity"])
        stored = _stored_price(row["signal_info"])
        full = covered > 0 and abs(covered - quantity) <= 1e-9 * quantity
        if stored is not None:
            entry, source = stored, "stored"
        elif covered > 0:
            entry, source = cost / covered, ("fifo" if full else "fifo_partial")
        else:
            entry, source = math.nan, None
        result.append(
            {
                "label": label,
                "id": row["id"],
                "entry_price": entry,
                "entry_source": source,
                "covered_quantity": covered,
                "hold_hours": age / covered if covered > 0 else math.nan,
                "open_time": opened if covered > 0 else None,
                "lot_fees": fees if covered > 0 else 0.0,
            }
        )
    frame = pd.DataFrame(result, columns=["label", "id", "entry_price", "entry_source",
                                          "covered_quantity", "hold_hours", "open_time", "lot_fees"])
    frame["open_time"] = pd.to_datetime(frame["open_time"], utc=True)
    frame["entry_source"] = frame["entry_source"].astype(object).where(frame["entry_source"].notna(), None)
    return frame.set_index("label")
