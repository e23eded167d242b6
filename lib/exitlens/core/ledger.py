"""Entry prices and hold times of SELLs (SPEC §2), vectorised per symbol.

The entry price of a SELL is `signal_info.entry_avg_price` when that is a positive number,
otherwise the FIFO average cost of the BUY lots the SELL consumes. FIFO runs per symbol over
the whole history of the orders given, in event-time order (ties: BUY before SELL, then by id),
and every SELL consumes lots whichever price source it uses, so the ledger stays aligned with
what the bot actually holds. Hold time is the quantity-weighted mean age of the consumed lots.

Why vectorised: a FIFO queue in Python walks every lot of every order; over a year of a busy
bot that is minutes. Here each symbol is a handful of numpy passes:

* Cumulative bought `A` and sold `Q` quantities, in FIFO order. A SELL can only consume what
  was bought before it; what it cannot cover is dropped (the bot never holds a short), so the
  consumed position after SELL i is `P_i = min(P_{i-1} + q_i, A_i)`. That recursion has the
  closed form `P_i = Q_i - max(0, max_{j<=i} (Q_j - A_j))`: a running maximum, no loop.
* SELL i consumes the slice `[P_{i-1}, P_i)` of the cumulative-bought axis. The cost of any
  slice is a difference of the piecewise-linear cumulative cost curve (lot prices are constant
  inside a lot), read with `np.interp`; the same curve over `quantity × lot time` gives the
  quantity-weighted lot time, hence the hold time, and the curve of cumulative lot fees gives
  the fees of the consumed slice, pro rata (`lot fee × consumed / lot quantity`, SPEC §2.1).
* The position of SELL i opens at the earliest lot it consumes by more than 1e-9 of its
  quantity (SPEC §6): the first lot whose cumulative end lies beyond `P_{i-1}` plus that
  margin, one `searchsorted` on the cumulative lot ends.

BUYs without a positive, finite price and quantity cannot be lots and are left out (logged).
A plain-loop reference implementation lives in tests/ledger_reference.py and a property test
compares the two on random ledgers.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from exitlens.core.entry_price import STORED_PRICE, STORED_TEXT
from exitlens.core.errors import DataError
from exitlens.core.frames import UTC_TIME, with_declared_types

logger = logging.getLogger(__name__)

ENTRY_STORED = "stored"
ENTRY_FIFO = "fifo"
ENTRY_FIFO_PARTIAL = "fifo_partial"

LEDGER_COLUMNS: dict[str, str] = {
    "id": "object",
    "symbol": "object",
    "entry_price": "float64",
    "entry_source": "object",
    "covered_quantity": "float64",
    "hold_hours": "float64",
    "lot_fees": "float64",
    "open_time": UTC_TIME,
    "note": "object",
    "fifo_price": "float64",
}
"""One row per SELL, indexed like the SELL's row in the orders frame.
`entry_source` is 'stored' | 'fifo' | 'fifo_partial' | None (no entry price);
`covered_quantity` is how much of the SELL the BUY lots covered; `hold_hours` is null when
no lot was consumed; `lot_fees` is the pro-rata fees of the consumed lots (SPEC §2.1:
`lot fee × consumed / lot quantity`; 0 when none; a fee that is missing, negative or not a
number counts as 0, see `fee_amounts`); `open_time` is the event time of the earliest lot
consumed by more than 1e-9 of the SELL's quantity (the position's open, SPEC §6), null when
none; `note` is None or a sentence naming the sell id; `fifo_price` is the average cost of the
covered part whatever the source (evaluate checks a stored price with it)."""

REQUIRED_COLUMNS = ("id", "symbol", "side", "price", "quantity", STORED_PRICE, STORED_TEXT, "event_time")

_NS_PER_HOUR = 3_600_000_000_000
_NO_TIME = np.iinfo(np.int64).min
_OPEN_MARGIN = 1e-9
"""A lot opens the position only when the SELL consumes more than this fraction of its
quantity from it (SPEC §6)."""
_RELATIVE_TOLERANCE = 1e-9
_ABSOLUTE_TOLERANCE = 1e-12
"""Coverage within this fraction of the SELL quantity (or this fraction of the symbol's total
traded quantity, the scale of cumsum rounding) counts as full, and below it as nil: float
cumulative sums are not exact, and a lot consumed exactly must not read as 0.999999999 of it."""


def entry_ledger(orders: pd.DataFrame) -> pd.DataFrame:
    """Entry price, its source, covered quantity and hold time of every SELL in `orders`.

    `orders` is the orders frame (frames.ORDER_COLUMNS) of FILLED orders, any side, over the
    whole history that should feed the FIFO queues. Returns a frame with LEDGER_COLUMNS, one
    row per SELL, indexed by the SELL's index label in `orders`, in the order of `orders`.
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in orders.columns]
    if missing:
        raise DataError(
            f"orders frame lacks column(s) {', '.join(missing)}: load it with exitlens.store.load"
        )
    side_codes, sides = pd.factorize(orders["side"].to_numpy(dtype=object))
    side = np.array([str(name).upper() for name in sides] + [""], dtype=object)[side_codes]
    is_sell = side == "SELL"
    is_buy = side == "BUY"
    quantity = pd.to_numeric(orders["quantity"], errors="coerce").to_numpy(dtype=float)
    price = pd.to_numeric(orders["price"], errors="coerce").to_numpy(dtype=float)
    time_ns = _epoch_ns(orders["event_time"])
    timed = time_ns != np.iinfo(np.int64).min

    usable_lot = is_buy & timed & (quantity > 0) & (price > 0) & np.isfinite(quantity * price)
    skipped = int((is_buy & ~usable_lot).sum())
    if skipped:
        logger.warning(
            "%d BUY order(s) without a positive price, quantity or time: not lots", skipped
        )
    consuming = is_sell & timed & (quantity > 0) & np.isfinite(quantity)

    fees, _ = fee_amounts(orders["fee"]) if "fee" in orders.columns else (
        np.zeros(len(orders)), None)
    covered = np.zeros(len(orders))
    lot_fees = np.zeros(len(orders))
    cost = np.full(len(orders), np.nan)
    lot_age_hours = np.full(len(orders), np.nan)
    open_ns = np.full(len(orders), _NO_TIME)
    active = usable_lot | consuming
    if active.any():
        rows = np.flatnonzero(active)
        symbol_codes, _ = pd.factorize(orders["symbol"].to_numpy()[rows])
        ids = orders["id"].to_numpy()[rows]
        order = _fifo_order(symbol_codes, time_ns[rows], is_sell[rows], ids)
        rows, symbol_codes = rows[order], symbol_codes[order]
        bounds = np.flatnonzero(np.diff(symbol_codes)) + 1
        for part in np.split(rows, bounds):
            got = _consume_symbol(is_sell[part], quantity[part], price[part], time_ns[part], fees[part])
            covered[part], cost[part], lot_age_hours[part], open_ns[part], lot_fees[part] = got

    sells = np.flatnonzero(is_sell)
    result = pd.DataFrame(index=orders.index[sells])
    result["id"] = orders["id"].to_numpy()[sells]
    result["symbol"] = orders["symbol"].to_numpy()[sells]
    quantity, covered = quantity[sells], covered[sells]
    fifo_price = np.divide(cost[sells], covered, out=np.full(len(sells), np.nan), where=covered > 0)

    stored, stored_raw = _stored_entry_prices(orders, sells)
    has_stored = ~np.isnan(stored)
    has_fifo = covered > 0
    source = np.full(len(sells), None, dtype=object)
    source[has_fifo] = ENTRY_FIFO_PARTIAL
    source[has_fifo & (covered == quantity)] = ENTRY_FIFO
    source[has_stored] = ENTRY_STORED
    result["entry_price"] = np.where(has_stored, stored, fifo_price)
    result["entry_source"] = source
    result["covered_quantity"] = covered
    result["hold_hours"] = np.where(has_fifo, lot_age_hours[sells], np.nan)
    result["lot_fees"] = np.where(has_fifo, lot_fees[sells], 0.0)
    result["open_time"] = pd.to_datetime(np.where(has_fifo, open_ns[sells], _NO_TIME), utc=True)
    result["note"] = _notes(result, quantity, has_stored, stored_raw, timed[sells])
    result["fifo_price"] = fifo_price
    return with_declared_types(result, LEDGER_COLUMNS)


def fee_amounts(fee: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(fees usable as amounts, a mask of the bad ones). A missing fee is 0 (nothing recorded);
    a fee that is negative or not a finite number is bad and also counts as 0 (SPEC §2.1: the
    caller notes it)."""
    if pd.api.types.is_float_dtype(fee.dtype) or pd.api.types.is_integer_dtype(fee.dtype):
        numbers = fee.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(numbers)
    else:  # text or mixed values, as a source other than the database may give
        raw = fee.astype(object)
        is_bool = raw.map(lambda value: isinstance(value, (bool, np.bool_))).to_numpy(dtype=bool)
        numbers = pd.to_numeric(raw.where(~is_bool, None), errors="coerce").to_numpy(dtype=float)
        numbers = np.where(is_bool, np.nan, numbers)
        present = raw.notna().to_numpy(dtype=bool)
    usable = np.isfinite(numbers) & (numbers >= 0)
    return np.where(usable, numbers, 0.0), present & ~usable


def _consume_symbol(is_sell, quantity, price, time_ns, fees):
    """(covered, cost, mean lot age in hours, open time in ns, lot fees consumed) for each row of
    one symbol, rows in FIFO order. Only the SELL rows' values mean anything; BUY rows get
    covered 0."""
    time_hours = (time_ns - time_ns[0]) / _NS_PER_HOUR
    bought = np.where(is_sell, 0.0, quantity)
    sold = np.where(is_sell, quantity, 0.0)
    cum_bought = np.cumsum(bought)
    cum_sold = np.cumsum(sold)
    shortfall = np.maximum.accumulate(np.maximum(cum_sold - cum_bought, 0.0))
    consumed_end = np.minimum(cum_sold - shortfall, cum_bought)
    consumed_start = np.minimum(np.concatenate(([0.0], consumed_end[:-1])), consumed_end)

    # Cumulative sums are not exact: snap coverage that is full (or nil) up to rounding.
    tolerance = np.maximum(
        _RELATIVE_TOLERANCE * sold, _ABSOLUTE_TOLERANCE * max(cum_sold[-1], cum_bought[-1])
    )
    covered = np.where(is_sell, consumed_end - consumed_start, 0.0)
    covered = np.where(covered >= sold - tolerance, sold, covered)
    covered = np.where(covered <= tolerance, 0.0, covered)
    consumed_start = np.minimum(consumed_start, consumed_end - covered)

    lots = ~is_sell
    axis = np.concatenate(([0.0], cum_bought[lots]))
    cost_curve = np.concatenate(([0.0], np.cumsum(bought[lots] * price[lots])))
    time_curve = np.concatenate(([0.0], np.cumsum(bought[lots] * time_hours[lots])))
    fee_curve = np.concatenate(([0.0], np.cumsum(fees[lots])))

    def consumed(curve):
        return np.interp(consumed_end, axis, curve) - np.interp(consumed_start, axis, curve)

    has_lots = covered > 0
    nothing = np.full(len(covered), np.nan)
    cost = np.where(has_lots, consumed(cost_curve), np.nan)
    mean_lot_time = np.divide(consumed(time_curve), covered, out=nothing, where=has_lots)
    # The earliest lot consumed by more than the margin: the first whose cumulative end lies
    # beyond the slice's start plus the margin (a lot the previous sell left a rounding crumb of
    # ends before it).
    lot_ends = axis[1:]
    first_lot = np.searchsorted(lot_ends, consumed_start + _OPEN_MARGIN * sold, side="right")
    lot_times = np.append(time_ns[lots], _NO_TIME)  # past the last lot: no time
    open_ns = np.where(has_lots, lot_times[np.minimum(first_lot, len(lot_times) - 1)], _NO_TIME)
    lot_fees = np.where(has_lots, consumed(fee_curve), 0.0)
    return covered, cost, time_hours - mean_lot_time, open_ns, lot_fees


def _fifo_order(symbol_codes, time_ns, is_sell, ids):
    """Positions sorting rows by symbol, event time, BUY before SELL, then id.

    Sorting a million id strings is the slow part of a lexsort, and ids only break ties, so
    they are ranked only for the rows that tie on (symbol, time, side)."""
    side_rank = is_sell.astype(np.int8)
    primary = np.lexsort((side_rank, time_ns, symbol_codes))
    keys = (symbol_codes[primary], time_ns[primary], side_rank[primary])
    same_as_previous = np.ones(len(primary) - 1, dtype=bool)
    for key in keys:
        same_as_previous &= key[1:] == key[:-1]
    tied = np.zeros(len(primary), dtype=bool)
    tied[1:] |= same_as_previous
    tied[:-1] |= same_as_previous
    if not tied.any():
        return primary
    id_rank = np.zeros(len(primary), dtype=np.int64)
    tied_positions = primary[tied]
    id_rank[tied_positions], _ = pd.factorize(ids[tied_positions].astype(str), sort=True)
    return np.lexsort((id_rank, side_rank, time_ns, symbol_codes))


def _stored_entry_prices(orders: pd.DataFrame, sells: np.ndarray) -> tuple[np.ndarray, pd.Series]:
    """(usable stored entry prices with NaN where unusable, the stored values that are not
    usable as their text, None where nothing was stored), read from the frame's columns.

    A usable value is a positive finite number (core/entry_price.py reads numeric strings
    such as "95000000" as numbers, and booleans as not)."""
    numbers = orders[STORED_PRICE].to_numpy(dtype=float)[sells]
    usable = np.isfinite(numbers) & (numbers > 0)
    shown = orders[STORED_TEXT].to_numpy(dtype=object)[sells].copy()
    unusable_number = np.flatnonzero(~usable & ~np.isnan(numbers))
    shown[unusable_number] = [f"{number:g}" for number in numbers[unusable_number]]
    return np.where(usable, numbers, np.nan), pd.Series(shown, dtype=object)


def _notes(result, quantity, has_stored, stored_raw, timed) -> np.ndarray:
    """One sentence per problem, joined with '; ', naming the sell id; None when all is well.
    Only rows with something to say are formatted."""
    ids = result["id"].astype(str).to_numpy()
    covered = result["covered_quantity"].to_numpy()
    source = result["entry_source"].to_numpy()
    raw = stored_raw.to_numpy()
    sentences: dict[int, list[str]] = {}

    def add(mask, make):
        for i in np.flatnonzero(mask):
            sentences.setdefault(i, []).append(f"sell {ids[i]}: {make(i)}")

    add(~timed, lambda i: "no event time, so it cannot be placed in the FIFO order")
    add(
        timed & ~(quantity > 0),
        lambda i: f"quantity {quantity[i]:g} is not positive, so it consumes no lots",
    )
    add(
        stored_raw.notna().to_numpy() & ~has_stored,
        lambda i: f"signal_info.entry_avg_price {raw[i]} is not a positive number, so the FIFO "
        "cost is used",
    )
    add(
        source == ENTRY_FIFO_PARTIAL,
        lambda i: f"BUY lots cover only {covered[i]:g} of {quantity[i]:g}; the entry price is the "
        "average cost of the covered part",
    )
    add(
        has_stored & (covered == 0) & (quantity > 0) & timed,
        lambda i: "consumed no BUY lots, so its fees are its own fee only",
    )
    add(
        pd.isna(source) & (quantity > 0) & timed,
        lambda i: "no usable entry_avg_price and no BUY lots left to consume, so it is not "
        "evaluable",
    )
    notes = np.full(len(ids), None, dtype=object)
    for i, texts in sentences.items():
        notes[i] = "; ".join(texts)
    return notes


def _epoch_ns(times: pd.Series) -> np.ndarray:
    """Event times as int64 nanoseconds since the epoch (NaT as int64 min). A naive time is read
    as UTC, as SPEC §1 says for the source."""
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    return index.as_unit("ns").asi8
