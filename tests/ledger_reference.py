"""The FIFO ledger and the money of each sell written the obvious way: a queue of lots per
symbol, one order at a time; fees, net PnL and drawdown one sell at a time.

It is the specification the vectorised `exitlens.core.ledger.entry_ledger`,
`exitlens.core.evaluate` and `exitlens.core.drawdown` are tested against (tests/test_ledger.py,
tests/test_money.py). Slow on purpose; not part of the library. The ledger benchmark keeps a
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


def _fee(value) -> float:
    """A fee as an amount: missing → 0; negative or not a finite number → 0 (SPEC §2.1)."""
    if value is None or isinstance(value, bool):
        return 0.0
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) and number >= 0 else 0.0


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
                fee = _fee(row["fee"]) if "fee" in row else 0.0
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


def reference_currency(symbol, configured=None) -> str:
    """SPEC §2.1: `KRW-BTC` → KRW (quote first), `BTC/USDT[:USDT]` → USDT, else the configured
    currency, else "?"."""
    text = str(symbol or "").strip()
    if "/" in text:
        base, _, rest = text.partition("/")
        quote = rest.split(":")[0]
        if base and quote.isalnum():
            return quote.upper()
    elif text.count("-") == 1:
        quote, _, base = text.partition("-")
        if quote.isalpha() and base.isalnum():
            return quote.upper()
    return configured.upper() if configured else "?"


def reference_money(orders: pd.DataFrame, configured_currency=None) -> pd.DataFrame:
    """Per SELL, indexed like `orders`: currency, fees, realized_pnl, net_pnl, net_pnl_pct and
    win, one sell at a time from the reference ledger."""
    ledger = reference_ledger(orders)
    rows = []
    for label, row in orders.iterrows():
        if str(row["side"]).upper() != "SELL":
            continue
        fees = _fee(row["fee"]) + (ledger.loc[label, "lot_fees"] if label in ledger.index else 0.0)
        entry = ledger.loc[label, "entry_price"] if label in ledger.index else math.nan
        price, quantity = float(row["price"]), float(row["quantity"])
        evaluable = entry > 0 and price > 0 and quantity > 0
        realized = (price - entry) * quantity if evaluable else math.nan
        net = realized - fees if evaluable else math.nan
        rows.append({
            "label": label, "id": row["id"], "event_time": row["event_time"],
            "currency": reference_currency(row["symbol"], configured_currency), "fees": fees,
            "realized_pnl": realized, "net_pnl": net,
            "net_pnl_pct": net / (entry * quantity) * 100 if evaluable else math.nan,
            "win": bool(net > 1e-9 * entry * quantity) if evaluable else None,
        })
    return pd.DataFrame(rows, columns=["label", "id", "event_time", "currency", "fees", "realized_pnl",
                                       "net_pnl", "net_pnl_pct", "win"]).set_index("label")


def reference_drawdown(money: pd.DataFrame) -> dict[str, float]:
    """SPEC §2.1 max drawdown per currency: walk the sells in (event time, id) order, keeping a
    running sum of net_pnl from 0 and its peak."""
    total: dict[str, float] = {}
    peak: dict[str, float] = {}
    worst: dict[str, float] = {}
    for _, row in sorted(money.iterrows(), key=lambda item: (item[1]["event_time"], str(item[1]["id"]))):
        currency = row["currency"]
        net = row["net_pnl"] if not pd.isna(row["net_pnl"]) else 0.0
        total[currency] = total.get(currency, 0.0) + net
        peak[currency] = max(peak.get(currency, 0.0), total[currency])
        worst[currency] = max(worst.get(currency, 0.0), peak[currency] - total[currency])
    return dict(sorted(worst.items()))
