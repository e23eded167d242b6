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


def _is_short(row) -> bool:
    return str(row.get("direction") or "").strip().lower() == "short"


def _position_id(row):
    value = row.get("position_id")
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def reference_ledger(orders: pd.DataFrame) -> pd.DataFrame:
    """Same contract as entry_ledger: one row per exit order (SELL of a long, BUY of a short),
    indexed like `orders`. One queue per (symbol, direction, position id); a queue without
    position ids is cut into runs from flat to flat (left <= 1% of the run's largest holding),
    and what is left at a cut is dust that is consumed but never opens a position."""
    rows = []
    for label, row in orders.iterrows():
        if pd.isna(row["event_time"]):
            continue
        side = str(row["side"]).upper()
        if side not in ("BUY", "SELL"):
            continue
        short = _is_short(row)
        exit_rank = 1 if side == ("BUY" if short else "SELL") else 0
        queue = (row["symbol"], short, _position_id(row))
        rows.append((queue, row["event_time"], exit_rank, str(row["id"]), label, row))
    rows.sort(key=lambda item: (str(item[0]),) + item[1:4])

    queues: dict = defaultdict(deque)
    state: dict = defaultdict(lambda: {"run": 0, "flat": True, "largest": 0.0})
    out: dict = {}
    for queue_key, when, rank, _, label, row in rows:
        quantity, price = float(row["quantity"]), float(row["price"])
        queue, run = queues[queue_key], state[queue_key]
        if rank == 0:
            if quantity > 0 and price > 0 and math.isfinite(quantity * price):
                fee = _fee(row["fee"]) if "fee" in row else 0.0
                if run["flat"]:
                    run.update(run=run["run"] + 1, flat=False, largest=0.0)
                queue.append({"left": quantity, "price": price, "time": when, "fee": fee / quantity,
                              "dust": False})
                run["largest"] = max(run["largest"], sum(lot["left"] for lot in queue))
            continue
        need = quantity if quantity > 0 else 0.0
        covered = cost = age = fees = 0.0
        opened = None
        while need > 1e-12 and queue:
            lot = queue[0]
            take = min(lot["left"], need)
            if opened is None and take > 1e-9 * quantity and not lot["dust"]:
                opened = lot["time"]
            covered += take
            cost += take * lot["price"]
            age += take * (when - lot["time"]).total_seconds() / 3600
            fees += take * lot["fee"]
            lot["left"] -= take
            need -= take
            if lot["left"] <= 1e-12:
                queue.popleft()
        left = sum(lot["left"] for lot in queue)
        if queue_key[2] is None and not run["flat"] and left <= 0.01 * run["largest"]:
            run["flat"] = True
            for lot in queue:
                lot["dust"] = True
        symbol, short, position_id = queue_key
        position = (str(position_id) if position_id is not None
                    else f"{symbol} {'short ' if short else ''}#{run['run']}")
        out[label] = (covered, cost, age, opened, fees, position)

    result = []
    for label, row in orders.iterrows():
        short = _is_short(row)
        if str(row["side"]).upper() != ("BUY" if short else "SELL"):
            continue
        if label in out:
            covered, cost, age, opened, fees, position = out[label]
        else:  # no event time: never placed in a queue
            covered, cost, age, opened, fees = 0.0, 0.0, 0.0, None, 0.0
            position_id = _position_id(row)
            position = (str(position_id) if position_id is not None
                        else f"{row['symbol']} {'short ' if short else ''}#0")
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
                "position": position,
                "direction": "short" if short else "long",
            }
        )
    frame = pd.DataFrame(result, columns=["label", "id", "entry_price", "entry_source",
                                          "covered_quantity", "hold_hours", "open_time", "lot_fees",
                                          "position", "direction"])
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
            "win": bool(net > 0) if evaluable else None,
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
