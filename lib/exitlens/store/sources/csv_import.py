"""`exitlens import csv`: orders and candles of any bot, in a documented CSV format.

Both files are UTF-8 CSV with a header row naming columns exactly as the database does
(`trading_history`, `market_data`, SPEC §1); column order does not matter, an empty cell is
"no value". Times are ISO-8601 with an offset (`2024-05-01T13:45:00+00:00`, `…Z`); a time
without an offset is read as UTC.

orders: required `symbol`, `side` (BUY / SELL), `price` (> 0), `quantity` (> 0) and a time
(`executed_at`, else `created_at`); optional `id` (a UUID; by default one derived from the
row, so importing the same file again adds nothing), `order_type` (LIMIT / MARKET, default
MARKET), `fee` (≥ 0, quote currency, default 0), `status` (default FILLED), `strategy_name`,
`signal_info` (a JSON object, e.g. `{"entry_avg_price": 101.5}`), `regime` (BULL / SIDEWAYS /
BEAR), `high_water_mark`, `exit_reason` (raw: the alias map reads it), `created_at`,
`executed_at`. `post_exit_prices` is refused: exitlens writes it.

candles: required `symbol`, `timestamp` (the candle's open), `close_price`; optional
`open_price`, `high_price`, `low_price` (default: the close), `volume` (default 0), `interval`
(default `1m`, the one exitlens reads).

Every row of both files is checked before anything is written; a bad file raises one line
naming the first bad row by line number (and how many more there are), and the good files are
then written in one transaction with insert-or-ignore: nothing half-written, nothing changed.
A value the database column cannot hold (numeric(20, 8): 1e308, or a price of 1e-18 that would
be stored as 0), a file that is not UTF-8, a NUL byte or a cell over 128 KiB is such a bad row;
so is a row the database already holds differently (an id taken by another order, a candle with
another close, `conflicts.py`), which insert-or-ignore would otherwise call "already there".
"""

from __future__ import annotations

import csv
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from exitlens.core.errors import ConfigError, DataError
from exitlens.store import db, migrations
from exitlens.store.load import parse_json_object
from exitlens.store.sources.conflicts import candle_conflicts, order_conflicts
from exitlens.store.sources.ingest import insert_new_candles, insert_new_orders
from exitlens.store.writes import CANDLE_FIELDS, ORDER_FIELDS

log = logging.getLogger(__name__)

ID_NAMESPACE = uuid.UUID("5c3f4f3e-38a4-4a53-9d8c-3f8f6f1e2a67")
"""Fixed forever: a row without an id gets uuid5(ID_NAMESPACE, "symbol|side|time|price|quantity")."""

ORDER_REQUIRED = ("symbol", "side", "price", "quantity")
ORDER_TIMES = ("executed_at", "created_at")
ORDER_OPTIONAL = ("id", "order_type", "fee", "status", "strategy_name", "signal_info", "regime",
                  "high_water_mark", "exit_reason", *ORDER_TIMES)
CANDLE_REQUIRED = ("symbol", "timestamp", "close_price")
CANDLE_OPTIONAL = ("open_price", "high_price", "low_price", "volume", "interval")
SIDES = ("BUY", "SELL")
ORDER_TYPES = ("LIMIT", "MARKET")
REGIMES = ("BULL", "SIDEWAYS", "BEAR")
WIDTHS = {"symbol": 20, "side": 10, "order_type": 10, "status": 20, "strategy_name": 50,
          "regime": 10, "exit_reason": 30, "interval": 10}
"""Column widths of CoinPilot's tables (SPEC §1)."""
DEFAULT_INTERVAL = "1m"
NUMERIC_LIMIT = 1e12
"""Prices, quantities and fees are numeric(20, 8) on PostgreSQL (SPEC §1): 12 digits before
the point. A larger value is refused on either engine, so a file imports the same everywhere."""
NUMERIC_QUANTUM = 1e-8
"""The smallest step numeric(20, 8) keeps: a positive price below half of it would be stored as 0."""
CELL_LIMIT_KIB = csv.field_size_limit() // 1024


class BadCsv(DataError):
    """A CSV file exitlens cannot import: a missing or unknown column, or bad rows."""


@dataclass(frozen=True)
class ImportResult:
    orders_read: int = 0
    orders_added: int = 0
    candles_read: int = 0
    candles_added: int = 0

    def summary_line(self) -> str:
        return (f"csv import: {self.orders_added} order(s) added, {self.orders_read - self.orders_added} already there; "
                f"{self.candles_added} candle(s) added, {self.candles_read - self.candles_added} already there")

    def to_json(self) -> dict:
        return dict(vars(self))


class _Problems:
    """Bad cells of one file, reported as the first one (by line) and a count: memory bounded,
    however many rows are bad."""

    def __init__(self, name: str):
        self.name = name
        self.first: tuple[int, str] | None = None
        self.count = 0

    def add(self, lines: pd.Series, mask: pd.Series, message) -> None:
        mask = mask.astype(bool)
        if not mask.any():
            return
        self.count += int(mask.sum())
        position = int(lines[mask].to_numpy().argmin())
        line, index = int(lines[mask].iloc[position]), mask[mask].index[position]
        if self.first is None or line < self.first[0]:
            self.first = (line, message(index))

    def raise_if_any(self) -> None:
        if self.first is not None:
            line, message = self.first
            more = f" (and {self.count - 1} more problem(s))" if self.count > 1 else ""
            raise BadCsv(f"{self.name} line {line}: {message}{more}")


CSV_CHUNK_ROWS = 50_000
"""Rows checked at a time: a large file is read in chunks and kept only as typed columns, so an
import needs a few times the file's size in memory, not its cells as Python strings."""


def csv_chunks(path: Path, required: tuple[str, ...], optional: tuple[str, ...],
               refused: dict[str, str] | None = None) -> Iterator[pd.DataFrame]:
    """The file's cells as text (empty → None) plus their `line` numbers, CSV_CHUNK_ROWS rows at
    a time; the header is checked before the first row is read."""
    if not path.is_file():
        raise ConfigError(f"no CSV file at {path}")
    columns = list(required + optional)
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        try:
            header = [name.strip() for name in next(reader, [])]
            _check_header(path, header, required, optional, refused)
            rows: list[list[str | None]] = []
            lines: list[int] = []
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    raise BadCsv(f"{path.name} line {reader.line_num}: {len(row)} cells, the header has {len(header)}")
                if "\0" in "".join(row):  # no database text column holds one (PostgreSQL refuses it)
                    raise BadCsv(f"{path.name} line {reader.line_num}: contains a NUL byte: remove it")
                rows.append([cell.strip() or None for cell in row])
                lines.append(reader.line_num)
                if len(rows) == CSV_CHUNK_ROWS:
                    yield _chunk(rows, lines, header, columns)
                    rows, lines = [], []
            if rows:
                yield _chunk(rows, lines, header, columns)
        except UnicodeDecodeError:
            raise BadCsv(f"{path.name} line {_first_undecodable_line(path)}: not UTF-8 text: "
                         "save the file as UTF-8") from None
        except csv.Error as exc:
            reason = (f"a cell is larger than {CELL_LIMIT_KIB} KiB: shorten it" if "field limit" in str(exc)
                      else f"not CSV ({exc})")
            raise BadCsv(f"{path.name} line {reader.line_num}: {reason}") from None


def _check_header(path: Path, header: list[str], required: tuple[str, ...], optional: tuple[str, ...],
                  refused: dict[str, str] | None) -> None:
    for name, why in (refused or {}).items():
        if name in header:
            raise BadCsv(f"{path.name}: column {name} cannot be imported: {why}")
    unknown = [h for h in header if h not in required + optional]
    if unknown:
        raise BadCsv(f"{path.name}: unknown column(s) {', '.join(unknown)}: use {', '.join(required + optional)}")
    missing = [h for h in required if h not in header]
    if missing:
        raise BadCsv(f"{path.name}: missing required column(s) {', '.join(missing)}")
    if len(set(header)) != len(header):
        raise BadCsv(f"{path.name}: a column appears twice in the header")


def _chunk(rows: list, lines: list[int], header: list[str], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header, dtype=object).reindex(columns=columns)
    frame = frame.astype(object).where(frame.notna(), None)
    frame["line"] = lines
    return frame


def _as_text(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Text columns in pandas' compact string dtype, so a chunk's cells are not kept as Python strings."""
    return frame.astype({c: "str" for c in columns})


def _first_undecodable_line(path: Path) -> int:
    """The line number of the first line that is not UTF-8 (read again only on that error)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def _numbers(frame: pd.DataFrame, column: str, problems: _Problems, *, minimum: float | None,
             strict: bool, default: float | None = None) -> pd.Series:
    text = frame[column]
    values = pd.to_numeric(text, errors="coerce").astype(float)
    present = text.notna()
    bad = present & ~np.isfinite(values)
    problems.add(frame["line"], bad, lambda i: f"{column} {text[i]!r} is not a number")
    too_large = present & ~bad & (values.abs() >= NUMERIC_LIMIT)
    problems.add(frame["line"], too_large,
                 lambda i: f"{column} {text[i]!r} is larger than the database holds (below {NUMERIC_LIMIT:,.0f})")
    if minimum is not None:
        low = present & ~bad & ((values <= minimum) if strict else (values < minimum))
        word = "positive" if strict and minimum == 0 else f"at least {minimum:g}"
        problems.add(frame["line"], low, lambda i: f"{column} {text[i]!r} is not {word}")
        if strict and minimum == 0:
            vanishing = present & ~bad & ~low & (values < NUMERIC_QUANTUM / 2)
            problems.add(frame["line"], vanishing,
                         lambda i: f"{column} {text[i]!r} would be stored as 0 (the database keeps 8 decimals)")
    return values if default is None else values.fillna(default)


def _times(frame: pd.DataFrame, column: str, problems: _Problems) -> pd.Series:
    text = frame[column]
    values = pd.to_datetime(text, utc=True, format="ISO8601", errors="coerce")
    problems.add(frame["line"], text.notna() & values.isna(),
                 lambda i: f"{column} {text[i]!r} is not an ISO-8601 time (e.g. 2024-05-01T13:45:00+00:00)")
    return values


def _choice(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], problems: _Problems, default=None) -> pd.Series:
    text = frame[column]
    values = text.map(lambda v: v.upper() if isinstance(v, str) else default)
    problems.add(frame["line"], text.notna() & ~values.isin(allowed),
                 lambda i: f"{column} {text[i]!r} is not one of {', '.join(allowed)}")
    return values


def _widths(frame: pd.DataFrame, problems: _Problems) -> None:
    for column, width in WIDTHS.items():
        if column in frame:
            long = frame[column].map(lambda v, w=width: isinstance(v, str) and len(v) > w).astype(bool)
            problems.add(frame["line"], long,
                         lambda i, c=column, w=width: f"{c} {frame[c][i]!r} is longer than {w} characters")


ORDER_TEXT = ("id", "symbol", "side", "order_type", "status", "strategy_name", "regime", "exit_reason")
CANDLE_TEXT = ("symbol", "interval")


def parse_orders(path: Path) -> pd.DataFrame:
    """The orders file as `trading_history` rows (plus `line`), every cell checked, chunk by chunk."""
    problems = _Problems(path.name)
    parts = [_order_rows(frame, problems) for frame in
             csv_chunks(path, ORDER_REQUIRED, ORDER_OPTIONAL, refused={"post_exit_prices": "exitlens writes it (SPEC §1)"})]
    problems.raise_if_any()
    orders = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*ORDER_FIELDS, "line"])
    duplicated = orders["id"].duplicated(keep="first")
    problems.add(orders["line"], duplicated, lambda i: f"id {orders['id'][i]} repeats an earlier row")
    problems.raise_if_any()
    return orders


def _order_rows(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame | None:
    """One chunk's rows, typed; None once the file has a problem (the rest is only checked)."""
    for column in ("symbol", "side", "price", "quantity"):
        problems.add(frame["line"], frame[column].isna(), lambda i, c=column: f"{c} is empty")
    side = _choice(frame, "side", SIDES, problems)
    order_type = _choice(frame, "order_type", ORDER_TYPES, problems, default="MARKET")
    regime = _choice(frame, "regime", REGIMES, problems)
    price = _numbers(frame, "price", problems, minimum=0, strict=True)
    quantity = _numbers(frame, "quantity", problems, minimum=0, strict=True)
    fee = _numbers(frame, "fee", problems, minimum=0, strict=False, default=0.0)
    high_water_mark = _numbers(frame, "high_water_mark", problems, minimum=0, strict=True)
    executed = _times(frame, "executed_at", problems)
    created = _times(frame, "created_at", problems)
    problems.add(frame["line"], frame["executed_at"].isna() & frame["created_at"].isna(),
                 lambda i: "no time: fill executed_at (or created_at)")
    signal_info = frame["signal_info"].map(_json_object)
    problems.add(frame["line"], frame["signal_info"].notna() & signal_info.isna(),
                 lambda i: f"signal_info {frame['signal_info'][i]!r} is not a JSON object")
    ids = frame["id"].map(_uuid_text)
    problems.add(frame["line"], frame["id"].notna() & ids.isna(), lambda i: f"id {frame['id'][i]!r} is not a UUID")
    _widths(frame, problems)
    if problems.first is not None:
        return None
    event = executed.fillna(created)
    derived = [str(uuid.uuid5(ID_NAMESPACE, f"{s}|{d}|{t.isoformat()}|{p!r}|{q!r}"))
               for s, d, t, p, q in zip(frame["symbol"], side, event, price, quantity)]
    ids = ids.where(ids.notna(), pd.Series(derived, index=frame.index))
    return _as_text(pd.DataFrame({
        "id": ids, "symbol": frame["symbol"], "side": side, "order_type": order_type,
        "price": price, "quantity": quantity, "fee": fee, "status": frame["status"].fillna("FILLED"),
        "strategy_name": frame["strategy_name"], "signal_info": signal_info, "regime": regime,
        "high_water_mark": high_water_mark, "exit_reason": frame["exit_reason"], "post_exit_prices": None,
        "created_at": created.fillna(executed), "executed_at": executed, "line": frame["line"],
    }), ORDER_TEXT)


def parse_candles(path: Path) -> pd.DataFrame:
    """The candles file as `market_data` rows (plus `line`), every cell checked, chunk by chunk."""
    problems = _Problems(path.name)
    parts = [_candle_rows(frame, problems) for frame in csv_chunks(path, CANDLE_REQUIRED, CANDLE_OPTIONAL)]
    problems.raise_if_any()
    candles = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*CANDLE_FIELDS, "line"])
    key = candles[["symbol", "interval", "timestamp"]]
    first_close = candles.groupby(["symbol", "interval", "timestamp"])["close_price"].transform("first")
    problems.add(candles["line"], key.duplicated(keep="first") & (candles["close_price"] != first_close),
                 lambda i: f"candle {candles['symbol'][i]} {candles['interval'][i]} at "
                 f"{candles['timestamp'][i].isoformat()} repeats an earlier row with another close_price")
    problems.raise_if_any()
    return candles


def _candle_rows(frame: pd.DataFrame, problems: _Problems) -> pd.DataFrame | None:
    """One chunk's candles, typed; None once the file has a problem (the rest is only checked)."""
    for column in CANDLE_REQUIRED:
        problems.add(frame["line"], frame[column].isna(), lambda i, c=column: f"{c} is empty")
    close = _numbers(frame, "close_price", problems, minimum=0, strict=True)
    prices = {c: _numbers(frame, c, problems, minimum=0, strict=True) for c in ("open_price", "high_price", "low_price")}
    volume = _numbers(frame, "volume", problems, minimum=0, strict=False, default=0.0)
    timestamp = _times(frame, "timestamp", problems)
    _widths(frame, problems)
    if problems.first is not None:
        return None
    return _as_text(pd.DataFrame({
        "symbol": frame["symbol"], "interval": frame["interval"].fillna(DEFAULT_INTERVAL),
        **{c: values.fillna(close) for c, values in prices.items()},
        "close_price": close, "volume": volume, "timestamp": timestamp, "line": frame["line"],
    }), CANDLE_TEXT)


def import_csv(*, orders: Path | str | None, candles: Path | str | None, target_url: str) -> ImportResult:
    """Check both files completely, then write them in one transaction (insert-or-ignore) into
    the exitlens database at `target_url` (created and migrated when needed)."""
    if orders is None and candles is None:
        raise ConfigError("nothing to import: pass --orders FILE and/or --candles FILE")
    order_rows = parse_orders(Path(orders)) if orders is not None else None
    candle_rows = parse_candles(Path(candles)) if candles is not None else None
    engine = db.connect(target_url, create=True)
    try:
        migrations.migrate(engine)
        with engine.begin() as conn:
            _refuse_conflicts(conn, order_rows, candle_rows, orders, candles)
            orders_added = insert_new_orders(conn, order_rows) if order_rows is not None and len(order_rows) else 0
            candles_added = insert_new_candles(conn, candle_rows) if candle_rows is not None and len(candle_rows) else 0
    finally:
        engine.dispose()
    result = ImportResult(
        orders_read=0 if order_rows is None else len(order_rows), orders_added=orders_added,
        candles_read=0 if candle_rows is None else len(candle_rows), candles_added=candles_added,
    )
    log.info(result.summary_line())
    return result


def _refuse_conflicts(conn, order_rows: pd.DataFrame | None, candle_rows: pd.DataFrame | None,
                      orders_path, candles_path) -> None:
    """BadCsv naming the first row the database holds differently (an id taken by another
    order, a candle with another close): insert-or-ignore would call it "already there"."""
    if order_rows is not None and len(order_rows):
        problems = _Problems(Path(orders_path).name)
        taken = order_conflicts(conn, order_rows)
        problems.add(order_rows["line"], taken, lambda i: f"id {order_rows['id'][i]} is already stored as a "
                     "different order: give this row another id, or leave the id out")
        problems.raise_if_any()
    if candle_rows is not None and len(candle_rows):
        problems = _Problems(Path(candles_path).name)
        changed = candle_conflicts(conn, candle_rows)
        problems.add(candle_rows["line"], changed, lambda i: f"candle {candle_rows['symbol'][i]} at "
                     f"{candle_rows['timestamp'][i].isoformat()} is already stored with another close_price")
        problems.raise_if_any()


def _json_object(text):
    """The cell's JSON object, or None (also for NaN / Infinity, which JSON does not have)."""
    return None if text is None else parse_json_object(text)[0]


def _uuid_text(text):
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        return None
