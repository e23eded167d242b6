"""The per-sell evaluation frame: what each SELL earned and what the price did after it.

One row per SELL, joining the order with its ledger row (entry price, hold time) and reading
the post-exit change of every horizon out of `post_exit_prices`. This is the tidy table every
bucket, suggestion and report detail table is computed from; nothing downstream re-reads the
raw orders.

A SELL is *evaluable* when its entry price, price and quantity are positive finite numbers;
then `pnl_pct = (price − entry) / entry × 100`, `realized_pnl = (price − entry) × quantity`
(gross, in the symbol's quote `currency`), `net_pnl = realized_pnl − fees`,
`net_pnl_pct = net_pnl / (entry × quantity) × 100` and `win = net_pnl > 0` (SPEC §2.1).
`fees` is the sell's own `fee` plus the pro-rata fees of the BUY lots it consumed (ledger.py),
known for every sell; a fee that is negative or not a number counts as 0, with a note.
Otherwise the P&L columns are missing (NaN / NA), and a note naming the sell id says why; so
they are when the PnL is too large for a float. Malformed post-exit values become NaN plus a
note; they never raise.

A stored `entry_avg_price` more than `settings.entry_price_max_factor` times above or below
the FIFO cost of the same sell, or its price, is not believed (1e-9 would make a PnL of
10^13 %): the FIFO cost is used, with a note.

`exit_reason` is the reason the rules read (aliases applied, markets.exit_reasons);
`exit_reason_raw` the text the bot wrote, kept for the per-sell table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from exitlens.core.errors import DataError
from exitlens.core.frames import UNKNOWN, UTC_TIME, with_declared_types
from exitlens.core.ledger import (
    ENTRY_FIFO,
    ENTRY_FIFO_PARTIAL,
    ENTRY_STORED,
    LEDGER_COLUMNS,
    entry_ledger,
    fee_amounts,
    order_sides,
)
from exitlens.core.markets import exit_reasons, quote_currencies
from exitlens.core.settings import Settings

logger = logging.getLogger(__name__)


def post_column(horizon_key: str) -> str:
    """The evaluation column holding a horizon's change_pct: '24h' → 'post_24h_pct'."""
    return f"post_{horizon_key}_pct"


def sell_columns(settings: Settings) -> dict[str, str]:
    """The columns of the evaluation frame and their dtypes, horizons taken from `settings`."""
    columns = {
        "id": "object",
        "symbol": "object",
        "currency": "object",
        "event_time": UTC_TIME,
        "regime": "object",
        "exit_reason": "object",
        "exit_reason_raw": "object",
        "price": "float64",
        "quantity": "float64",
        "fee": "float64",
        "fees": "float64",
        "entry_price": "float64",
        "entry_source": "object",
        "covered_quantity": "float64",
        "evaluable": "bool",
        "pnl_pct": "float64",
        "realized_pnl": "float64",
        "net_pnl": "float64",
        "net_pnl_pct": "float64",
        "win": "boolean",
        "hold_hours": "float64",
        "open_time": UTC_TIME,
        "lot_fees": "float64",
        "position": "object",
    }
    columns.update({post_column(key): "float64" for key in settings.horizon_keys})
    return columns


@dataclass(frozen=True)
class Evaluation:
    """The evaluation frame of some SELLs and the notes about the ones with problems."""

    sells: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def evaluate_sells(
    orders: pd.DataFrame, settings: Settings, *, ledger: pd.DataFrame | None = None
) -> Evaluation:
    """Evaluate every SELL in `orders`.

    `ledger` is `ledger.entry_ledger` of the whole history `orders` was taken from, indexed
    like `orders`; pass it when `orders` is a slice (a period) of a longer history, because
    entry prices depend on earlier BUYs. Without it the ledger is built from `orders` itself.
    Rows keep `orders`' index labels and order.
    """
    if ledger is None:
        if not orders.index.is_unique:
            orders = orders.reset_index(drop=True)
        ledger = entry_ledger(orders)
    elif not orders.index.is_unique:
        raise DataError(
            "orders index has duplicate labels, so sells cannot be matched with their ledger "
            "rows: reset_index(drop=True) before building the ledger"
        )
    sells = orders[order_sides(orders["side"])[0]]
    known = ledger.reindex(sells.index)[list(LEDGER_COLUMNS)]
    columns = sell_columns(settings)

    out = pd.DataFrame(index=sells.index)
    for name in ("id", "symbol", "event_time", "price", "quantity"):
        out[name] = sells[name]
    out["currency"] = quote_currencies(sells["symbol"], settings.quote_currency)
    out["regime"] = sells["regime"].astype(object).where(sells["regime"].notna(), UNKNOWN)
    out["exit_reason_raw"] = sells["exit_reason"]
    out["exit_reason"] = exit_reasons(sells["exit_reason"], settings.exit_reason_aliases)
    for name in ("covered_quantity", "hold_hours", "open_time", "lot_fees", "position"):
        out[name] = known[name]
    fees, bad_fee = fee_amounts(orders["fee"])
    own_fee = pd.Series(fees, index=orders.index).reindex(sells.index)
    out["fee"] = own_fee
    out["fees"] = own_fee + known["lot_fees"].fillna(0.0)

    price = pd.to_numeric(out["price"], errors="coerce").astype(float)
    quantity = pd.to_numeric(out["quantity"], errors="coerce").astype(float)
    ids = out["id"].astype(str)
    entry, out["entry_source"], notes = _plausible_entry(known, ids, price, quantity,
                                                         settings.entry_price_max_factor)
    out["entry_price"] = entry
    evaluable = _positive(entry) & _positive(price) & _positive(quantity)
    with np.errstate(over="ignore", invalid="ignore"):
        pnl_pct = (price - entry) / entry * 100
        realized_pnl = (price - entry) * quantity
    overflow = evaluable & ~(np.isfinite(pnl_pct) & np.isfinite(realized_pnl))
    notes += [f"sell {i}: its PnL is too large for a float (price {p:g}, entry {e:g}, quantity {q:g}), "
              "so it is not evaluable"
              for i, p, e, q in zip(ids[overflow], price[overflow], entry[overflow], quantity[overflow])]
    evaluable &= ~overflow
    out["evaluable"] = evaluable
    out["pnl_pct"] = pnl_pct.where(evaluable)
    out["realized_pnl"] = realized_pnl.where(evaluable)
    with np.errstate(over="ignore", invalid="ignore"):
        out["net_pnl"] = out["realized_pnl"] - out["fees"]
        out["net_pnl_pct"] = (out["net_pnl"] / (entry * quantity) * 100).where(evaluable)
    out["win"] = (out["net_pnl"] > 0).astype("boolean").where(evaluable, pd.NA)

    notes = [f"order {i}: fee {f!r} is negative or not a number, so it counts as 0"
             for i, f in zip(orders["id"][bad_fee], orders["fee"][bad_fee])] + notes
    bad_price = ~_positive(price)
    notes += [f"sell {i}: price {p!r} is not positive, so it is not evaluable"
              for i, p in zip(ids[bad_price], price[bad_price])]
    for key in settings.horizon_keys:
        values, malformed = post_exit_changes(sells["post_exit_prices"], key)
        out[post_column(key)] = values
        bad = sells["post_exit_prices"][malformed].map(lambda prices: prices.get(key))
        notes += [f"sell {i}: post_exit_prices[{key!r}] is malformed ({raw!r}), read as missing"
                  for i, raw in zip(ids[malformed], bad)]
    if notes:
        logger.info("%d note(s) about %d sell(s)", len(notes), len(out))
    return Evaluation(sells=with_declared_types(out, columns), notes=notes)


def _plausible_entry(known: pd.DataFrame, ids: pd.Series, price: pd.Series, quantity: pd.Series,
                     factor: float) -> tuple[pd.Series, pd.Series, list[str]]:
    """(entry price, entry source, the ledger's notes plus one per stored price not believed).

    A stored price is not believed when it is more than `factor` times above or below the FIFO
    cost of the sell or the sell price; the FIFO cost (of the covered part) replaces it."""
    entry = known["entry_price"].astype(float)
    source = known["entry_source"].astype(object)
    fifo = known["fifo_price"].astype(float)
    stored = source == ENTRY_STORED
    from_fifo = stored & _beyond(entry, fifo, factor)
    from_price = stored & ~from_fifo & _beyond(entry, price, factor)
    doubted = from_fifo | from_price
    covered = known["covered_quantity"].astype(float)
    fifo_source = pd.Series(np.where(covered >= quantity, ENTRY_FIFO, ENTRY_FIFO_PARTIAL), index=known.index)
    notes = list(known["note"].dropna())
    for i, e, f, p, against_fifo in zip(ids[doubted], entry[doubted], fifo[doubted], price[doubted],
                                        from_fifo[doubted]):
        away = f"the FIFO cost {f:g}" if against_fifo else f"the sell price {p:g}"
        then = ("the FIFO cost is used" if _positive(pd.Series([f])).iloc[0]
                else "no BUY lots give a FIFO cost, so it is not evaluable")
        notes.append(f"sell {i}: signal_info.entry_avg_price {e:g} is more than {factor:g}x away from "
                     f"{away}, so {then}")
    entry = entry.where(~doubted, fifo)
    source = source.where(~doubted, fifo_source.where(_positive(fifo), None))
    return entry, source, notes


def _beyond(values: pd.Series, reference: pd.Series, factor: float) -> pd.Series:
    """True where `reference` is a positive finite number and `values` is more than `factor`
    times above or below it."""
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ratio = values / reference
    return _positive(reference) & ~((ratio <= factor) & (ratio >= 1 / factor))


def post_exit_changes(post_exit_prices: pd.Series, horizon_key: str) -> tuple[pd.Series, pd.Series]:
    """(change_pct of `horizon_key` as float with NaN where absent or malformed, a mask of the
    malformed ones).

    Absent means no `post_exit_prices`, or no entry for the horizon: the point is not recorded
    yet. Malformed means an entry that is not `{"change_pct": <finite number>, ...}`, such as
    `{"1h": "oops"}` or a non-numeric change_pct."""
    entries = post_exit_prices.map(
        lambda prices: prices.get(horizon_key) if isinstance(prices, dict) else None
    ).astype(object)
    present = entries.notna()
    raw = entries.map(lambda entry: entry.get("change_pct") if isinstance(entry, dict) else None)
    is_bool = raw.map(lambda value: isinstance(value, (bool, np.bool_)))
    values = pd.to_numeric(raw.where(~is_bool).astype(object), errors="coerce").astype(float)
    values = values.where(np.isfinite(values))
    return values, present & values.isna()


def _positive(values: pd.Series) -> pd.Series:
    """True where `values` is a finite number above zero."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    return pd.Series(np.isfinite(numbers) & (numbers > 0), index=values.index)
