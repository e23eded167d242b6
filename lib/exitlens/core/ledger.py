"""Entry prices and hold times of SELLs (SPEC §2), in one compiled FIFO walk.

The entry price of a SELL is `signal_info.entry_avg_price` when that is a positive number,
otherwise the FIFO average cost of the BUY lots the SELL consumes. FIFO runs per symbol over
the whole history of the orders given, in event-time order (ties: BUY before SELL, then by id),
and every SELL consumes lots whichever price source it uses, so the ledger stays aligned with
what the bot actually holds. Hold time is the quantity-weighted mean age of the consumed lots.

Why compiled: a FIFO queue walks every lot of every order, and in Python that is seconds over a
year of a busy bot. The walk itself is the plain loop (one queue of lots per symbol, a SELL
takes from the oldest lot first, what no lot covers is dropped because the bot never holds a
short), compiled with numba, the engine the exit replay already uses; a small history runs the
same function as plain Python rather than wait for numba to load. Around it everything is a
column operation: the FIFO order is one stable sort on event time, with side and id sorted only
where times tie; the lots of every symbol live in one array in the order they were bought,
each symbol's queue linked through it, so the walk needs no pass to size per-symbol slices.

* The cost, the quantity × age and the lot fees (`lot fee × consumed / lot quantity`, SPEC
  §2.1) of the consumed part are summed lot by lot as the SELL takes from them.
* The position of SELL i opens at the earliest lot it consumes by more than 1e-9 of its
  quantity (SPEC §6).
* A lot whose remainder is at most 1e-12 is used up, so float crumbs never open a position.

BUYs without a positive, finite price and quantity cannot be lots and are left out (logged).
A plain-loop reference implementation lives in tests/ledger_reference.py and a property test
compares the two on random ledgers.
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from exitlens.core.compiled import compiled
from exitlens.core.entry_price import STORED_PRICE, STORED_TEXT
from exitlens.core.errors import DataError
from exitlens.core.frames import UTC_TIME

logger = logging.getLogger(__name__)

ENTRY_STORED = "stored"
ENTRY_FIFO = "fifo"
ENTRY_FIFO_PARTIAL = "fifo_partial"
_SOURCES = np.array([None, ENTRY_FIFO_PARTIAL, ENTRY_FIFO, ENTRY_STORED], dtype=object)

LEDGER_COLUMNS: dict[str, str] = {
    "id": "object",
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
`id` is the SELL's, with the dtype it has in the orders frame;
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
_USED_UP = 1e-12
"""A lot with at most this much left is used up, and a SELL with at most this much still to
cover is done: float subtraction leaves crumbs that are not holdings."""
COMPILE_FROM_ROWS = 20_000
"""From this many lots and SELLs on, the FIFO walk runs compiled; below it the same function
runs as plain Python, which is quicker than importing numba and loading the compiled walk."""
_FULL_COVER = 1e-9
"""Coverage within this fraction of the SELL's quantity is full ('fifo', not 'fifo_partial')."""


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
    is_sell, is_buy = order_sides(orders["side"])
    quantity = pd.to_numeric(orders["quantity"], errors="coerce").to_numpy(dtype=float)
    price = pd.to_numeric(orders["price"], errors="coerce").to_numpy(dtype=float)
    time_ns = _epoch_ns(orders["event_time"])
    timed = time_ns != _NO_TIME

    with np.errstate(over="ignore", invalid="ignore"):  # an absurd lot (1e300 × 1e300) is no lot, not a warning
        usable_lot = is_buy & timed & (quantity > 0) & (price > 0) & np.isfinite(quantity * price)
    skipped = int((is_buy & ~usable_lot).sum())
    if skipped:
        logger.warning(
            "%d BUY order(s) without a positive price, quantity or time: not lots", skipped
        )
    consuming = is_sell & timed & (quantity > 0) & np.isfinite(quantity)
    fees, _ = fee_amounts(orders["fee"]) if "fee" in orders.columns else (
        np.zeros(len(orders)), None)

    sells = np.flatnonzero(is_sell)
    covered, cost, lot_hours, open_ns, lot_fees = _walk(
        orders, np.flatnonzero(usable_lot | consuming), sells, is_sell, quantity, price, time_ns, fees)
    quantity = quantity[sells]
    has_fifo = covered > 0
    full = has_fifo & (np.abs(covered - quantity) <= _FULL_COVER * quantity)
    fifo_price = np.divide(cost, covered, out=np.full(len(sells), np.nan), where=has_fifo)
    stored, unusable_stored = _stored_entry_prices(orders, sells)
    has_stored = ~np.isnan(stored)
    source = _SOURCES[np.where(has_stored, 3, np.where(full, 2, has_fifo.astype(np.int8)))]

    ids = orders["id"].array.take(sells)
    index = orders.index[sells]
    notes = _notes(ids, covered, quantity, has_fifo & ~full & ~has_stored, has_stored,
                   ~has_fifo & ~has_stored, unusable_stored, timed[sells])
    return pd.DataFrame(
        {
            "id": pd.Series(ids, index=index, dtype=orders["id"].dtype, copy=False),
            "entry_price": np.where(has_stored, stored, fifo_price),
            "entry_source": pd.Series(source, index=index, dtype=object, copy=False),
            "covered_quantity": covered,
            "hold_hours": np.divide(lot_hours, covered, out=np.full(len(sells), np.nan), where=has_fifo),
            "lot_fees": np.where(has_fifo, lot_fees, 0.0),
            "open_time": pd.DatetimeIndex(np.where(has_fifo, open_ns, _NO_TIME).view("M8[ns]")).tz_localize("UTC"),
            "note": pd.Series(notes, index=index, dtype=object, copy=False),
            "fifo_price": fifo_price,
        },
        index=index,
        copy=False,
    )


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


def order_sides(side: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(is SELL, is BUY) per row, whatever the case; anything else (or missing) is neither.
    The column is factorised once and only its few distinct values are upper-cased: comparing
    a million strings twice costs several times more, on object columns most of all."""
    codes, values = pd.factorize(side)
    upper = np.array([str(value).upper() for value in values] + [""], dtype=object)  # code -1, missing: ""
    return (upper == "SELL")[codes], (upper == "BUY")[codes]


def _walk(orders, rows, sells, is_sell, quantity, price, time_ns, fees):
    """(covered, cost, quantity × age in hours, open time in ns, lot fees) of the consumed lots,
    for every SELL at the positions `sells` of `orders` (zeros, and no time, where nothing was
    consumed). `rows` are the positions of the usable lots and of the SELLs that consume."""
    symbol_codes, symbols = pd.factorize(orders["symbol"])
    sequence = rows[_fifo_order(time_ns[rows], is_sell[rows], symbol_codes[rows],
                                lambda positions: orders["id"].array.take(rows[positions]))]
    sell_slot = np.full(len(orders), -1, dtype=np.int64)
    sell_slot[sells] = np.arange(len(sells))
    walk = compiled(_fifo_kernel) if len(rows) >= COMPILE_FROM_ROWS else _fifo_kernel
    return walk(sequence, sell_slot, len(sells), symbol_codes, len(symbols), quantity, price,
                time_ns, fees)


def _fifo_kernel(sequence, sell_slot, sell_count, symbol, symbol_count, quantity, price, time_ns,
                 fees):
    """The FIFO walk over the rows at `sequence`, in that order: a BUY (`sell_slot` -1) appends
    a lot to its symbol's queue, a SELL takes from the oldest lots of its symbol until it is
    covered or the queue is empty. Returns per SELL, at its slot, (covered, cost, quantity × age
    in hours, open time in ns, lot fees); a SELL that consumed nothing gets 0 and no time."""
    n = sell_count
    size = len(sequence)
    left = np.empty(size)  # the lots, in the order they were bought, every symbol in one array
    lot_price = np.empty(size)
    lot_time = np.empty(size, np.int64)
    lot_fee = np.empty(size)
    next_lot = np.full(size, -1, np.int64)  # the symbol's next lot, -1 for its newest
    head = np.full(symbol_count, -1, np.int64)  # each symbol's oldest lot not used up, -1 for none
    tail = np.full(symbol_count, -1, np.int64)  # each symbol's newest lot
    lots = 0
    covered = np.zeros(n)
    cost = np.zeros(n)
    lot_hours = np.zeros(n)
    open_ns = np.full(n, _NO_TIME)
    lot_fees = np.zeros(n)
    for i in sequence:
        s = symbol[i]
        slot = sell_slot[i]
        if slot < 0:
            t = lots
            lots += 1
            left[t], lot_price[t], lot_time[t] = quantity[i], price[i], time_ns[i]
            lot_fee[t] = fees[i] / quantity[i]
            if head[s] < 0:
                head[s] = t
            else:
                next_lot[tail[s]] = t
            tail[s] = t
            continue
        need = quantity[i]
        margin = _OPEN_MARGIN * quantity[i]
        opened = _NO_TIME
        got = spent = hours = fee = 0.0
        while need > _USED_UP and head[s] >= 0:
            h = head[s]
            take = min(left[h], need)
            if opened == _NO_TIME and take > margin:
                opened = lot_time[h]
            got += take
            spent += take * lot_price[h]
            hours += take * ((time_ns[i] - lot_time[h]) / _NS_PER_HOUR)
            fee += take * lot_fee[h]
            left[h] -= take
            need -= take
            if left[h] <= _USED_UP:
                head[s] = next_lot[h]
        covered[slot], cost[slot], lot_hours[slot], open_ns[slot], lot_fees[slot] = got, spent, hours, opened, fee
    return covered, cost, lot_hours, open_ns, lot_fees


def _fifo_order(time_ns, is_sell, symbol, ids_at):
    """Positions sorting the rows by event time, BUY before SELL, then id: per symbol, the FIFO
    order (the order of different symbols' rows does not matter to the walk).

    Orders usually arrive in time order, where a stable sort on time is one pass. Side and id
    only break ties, so only the rows that share a time are sorted further, within the places
    they hold, and the (slow) id strings, `ids_at(positions)`, only of the rows that also share
    symbol and side."""
    order = np.argsort(time_ns, kind="stable")
    tied = _in_tie_runs(time_ns[order])
    if tied.any():
        places = order[tied]
        places = places[np.lexsort((symbol[places], is_sell[places], time_ns[places]))]
        same = _in_tie_runs(time_ns[places], is_sell[places], symbol[places])
        if same.any():
            twins = places[same]
            id_rank = np.argsort(np.asarray(ids_at(twins), dtype=str))
            id_rank[id_rank.copy()] = np.arange(len(twins))
            places[same] = twins[np.lexsort((id_rank, symbol[twins], is_sell[twins], time_ns[twins]))]
        order[tied] = places
    return order


def _in_tie_runs(*keys):
    """Whether each row of sorted `keys` equals its previous or next row on every key."""
    n = len(keys[0])
    same_as_previous = np.ones(max(n - 1, 0), dtype=bool)
    for key in keys:
        same_as_previous &= key[1:] == key[:-1]
    tied = np.zeros(n, dtype=bool)
    tied[1:] |= same_as_previous
    tied[:-1] |= same_as_previous
    return tied


def _stored_entry_prices(orders: pd.DataFrame, sells: np.ndarray) -> tuple[np.ndarray, dict[int, str]]:
    """(usable stored entry prices with NaN where unusable, {position among `sells`: the stored
    value as text} for the values stored but not usable), read from the frame's columns.

    A usable value is a positive finite number (core/entry_price.py reads numeric strings
    such as "95000000" as numbers, and booleans as not)."""
    numbers = orders[STORED_PRICE].to_numpy(dtype=float)[sells]
    usable = np.isfinite(numbers) & (numbers > 0)
    unusable = np.flatnonzero(~usable)
    texts = orders[STORED_TEXT].to_numpy(dtype=object)[sells[unusable]]
    is_number = np.flatnonzero(~np.isnan(numbers[unusable]))
    texts[is_number] = [f"{number:g}" for number in numbers[unusable[is_number]]]
    present = pd.notna(texts)
    return np.where(usable, numbers, np.nan), dict(zip(unusable[present].tolist(), texts[present]))


PARTLY_COVERED = "BUY lots cover only"
"""How the note on a SELL larger than the lots it consumed begins (the headline counts them)."""


def _notes(ids, covered, quantity, partial, has_stored, no_source, unusable_stored, timed) -> np.ndarray:
    """One sentence per problem, joined with '; ', naming the sell id; None when all is well.
    Only rows with something to say are formatted."""
    problems: list[tuple[Iterable[int], Callable[[int], str]]] = [
        (np.flatnonzero(~timed), lambda i: "no event time, so it cannot be placed in the FIFO order"),
        (np.flatnonzero(timed & ~(quantity > 0)),
         lambda i: f"quantity {quantity[i]:g} is not positive, so it consumes no lots"),
        (sorted(unusable_stored),
         lambda i: f"signal_info.entry_avg_price {unusable_stored[i]} is not a positive number, so "
         "the FIFO cost is used"),
        (np.flatnonzero(partial),
         lambda i: f"{PARTLY_COVERED} {covered[i]:g} of {quantity[i]:g}; the entry price is the "
         "average cost of the covered part"),
        (np.flatnonzero(has_stored & (covered == 0) & (quantity > 0) & timed),
         lambda i: "consumed no BUY lots, so its fees are its own fee only"),
        (np.flatnonzero(no_source & (quantity > 0) & timed),
         lambda i: "no usable entry_avg_price and no BUY lots left to consume, so it is not "
         "evaluable"),
    ]
    sentences: dict[int, list[str]] = {}
    for positions, make in problems:
        for i in positions:
            sentences.setdefault(int(i), []).append(f"sell {ids[i]}: {make(i)}")
    notes = np.full(len(covered), None, dtype=object)
    for row, texts in sentences.items():
        notes[row] = "; ".join(texts)
    return notes


def _epoch_ns(times: pd.Series) -> np.ndarray:
    """Event times as int64 nanoseconds since the epoch (NaT as int64 min). A naive time is read
    as UTC, as SPEC §1 says for the source."""
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    return index.as_unit("ns").asi8
