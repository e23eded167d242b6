"""Post-exit points: which are due, the candle nearest each, and merging them into the JSON.

For every FILLED SELL and horizon h (SPEC §2): the 1m candle of the same symbol nearest to
t + h within ±tolerance (a tie goes to the earlier candle) gives `price` and `change_pct`.
A point is due once its whole window has passed; due points without a candle are *missed*
within the retry window and *expired* after it. Existing keys and unknown keys of
`post_exit_prices` are never changed.

Runs are incremental (SPEC §4): the `now` of the latest run is kept in `exitlens_tracker_state`,
and a routine run looks only at sells whose points can still change, those with an event time
after `routine_since`; `full=True`, and the first run on a database, look at the whole history.
A point is counted as expired once, in the run in which it turns expired: a run claims the state
(`_claim_run`) when it starts, so two runs started together never count the same point.

One bad value never stops a run: a candle whose close is not a positive finite number is no
candle, a sell whose price is not one is skipped by name, and a point whose change would be
beyond ±MAX_ABS_CHANGE_PCT is not stored (its sell named in one warning line per run).

The work is set-based: a bounded number of statements per run, whatever the backlog. On
PostgreSQL the lookup and the merge are one statement per chunk of sells, the nearest candle
found with two index probes (the last candle at or before the target, then the first after it
if one is strictly nearer); on SQLite the candidate candles come from one join and the nearest
is picked with pandas.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from exitlens.core.settings import Settings
from exitlens.core.timeutil import require_aware, sqlite_text, utc_series
from exitlens.store.db import dialect_name, require_tables
from exitlens.store.load import parse_json_object

log = logging.getLogger(__name__)

_PG_UTC = "SET LOCAL TimeZone = 'UTC'"
"""Timestamps without a zone in the bot's database are UTC (SPEC §1), whatever the server's zone."""

SELLS_PER_CHUNK = 500
"""Sells looked up per statement: large enough to stay set-based, small enough to bound memory,
to commit progress on a long first backfill, and to hold the row locks of a chunk only briefly
(a bot write to one of its rows waits for the chunk's transaction)."""


@dataclass(frozen=True)
class TrackResult:
    """What one tracker run did. `orders_scanned` counts the sells that had a due point
    not yet recorded; `rows_invalid` the sells whose `post_exit_prices` is not a JSON object."""

    orders_scanned: int = 0
    orders_updated: int = 0
    points_tracked: int = 0
    points_missed: int = 0
    points_expired: int = 0
    rows_invalid: int = 0

    def __add__(self, other: "TrackResult") -> "TrackResult":
        return TrackResult(*(a + b for a, b in zip(asdict(self).values(), asdict(other).values())))

    def to_json(self) -> dict[str, int]:
        return asdict(self)


TRACKER_NAME = "post_exit"
STATE_TABLE = "exitlens_tracker_state"


@dataclass(frozen=True)
class RunWindow:
    """What a run looks at: sells with an event time after `since` (all when None), and the
    `now` of the previous run (None on the first), which decides what already counted as expired."""

    since: datetime | None
    previous: datetime | None


def routine_since(previous: datetime, now: datetime, settings: Settings) -> datetime:
    """The earliest event time whose points can change after the run at `previous`: a point of
    an older sell was recorded, or had expired, by then (the longest horizon, the retry window
    and the candle tolerance have all passed)."""
    longest = max(h.delta for h in settings.horizons)
    return min(previous, now) - longest - settings.retry_window - settings.candle_tolerance


def track(
    engine: Engine, now: datetime, settings: Settings = Settings(), *, full: bool = False, progress: bool | None = None,
) -> TrackResult:
    """Record every due post-exit point that is not recorded yet, as of `now`.

    A routine run looks only at sells whose points can still change since the previous run;
    `full=True` (and the first run on a database) looks at the whole history.
    `progress=None` shows a bar only on a terminal.
    """
    now = require_aware(now, "now")
    require_tables(engine)
    stateful = STATE_TABLE in sa.inspect(engine).get_table_names()
    if not stateful:
        log.warning("no %s table: looking at the whole history; run `exitlens migrate` so runs are incremental",
                    STATE_TABLE)
    previous = _claim_run(engine, now) if stateful else None
    since = None if full or previous is None else routine_since(previous, now, settings)
    window = RunWindow(since=since, previous=previous)
    track_chunks = _track_postgresql if dialect_name(engine) == "postgresql" else _track_sqlite
    result = track_chunks(engine, now, settings, window, progress)
    log.info(
        "tracked %d points on %d orders (%d missed, %d expired; %s)",
        result.points_tracked, result.orders_updated, result.points_missed, result.points_expired,
        "whole history" if since is None else f"sells after {since.isoformat()}",
    )
    return result


def _claim_run(engine: Engine, now: datetime) -> datetime | None:
    """The `now` of the latest run before this one (None on the first), read and replaced by
    this run's `now` in one transaction under the state row's lock (a run with an earlier `now`
    leaves it). Two trackers started at once therefore see different previous runs, and a
    point that turned expired is counted by one of them only."""
    postgresql = dialect_name(engine) == "postgresql"
    latest = "greatest" if postgresql else "max"
    stored = now if postgresql else sqlite_text(now)
    with engine.connect() as conn:
        if postgresql:
            conn.execute(sa.text(_PG_UTC))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext('exitlens.track.state'))"))
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        value = conn.execute(sa.text(f"SELECT last_now FROM {STATE_TABLE} WHERE tracker = :tracker"),
                             {"tracker": TRACKER_NAME}).scalar_one_or_none()
        conn.execute(sa.text(
            f"INSERT INTO {STATE_TABLE} (tracker, last_now) VALUES (:tracker, :now) "
            f"ON CONFLICT (tracker) DO UPDATE SET last_now = {latest}({STATE_TABLE}.last_now, excluded.last_now)"
        ), {"tracker": TRACKER_NAME, "now": stored})
        conn.commit()
    if value is None:
        return None
    stamp = pd.Timestamp(value)  # text on SQLite (UTC, no zone), aware on PostgreSQL
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")).to_pydatetime()


def _progress(total: int, progress: bool | None) -> tqdm:
    return tqdm(total=total, unit="sell", desc="tracking", disable=None if progress is None else not progress, leave=False)


WARN_IDS_SHOWN = 20
END_OF_TIME = datetime(9999, 12, 31, tzinfo=timezone.utc)


def _warn_skipped(ids: list[str], why: str) -> None:
    """One warning line per run naming the skipped orders (the first WARN_IDS_SHOWN of them)."""
    if ids:
        more = f" and {len(ids) - WARN_IDS_SHOWN} more" if len(ids) > WARN_IDS_SHOWN else ""
        log.warning("%d SELL orders %s, left untouched: %s%s", len(ids), why, ", ".join(ids[:WARN_IDS_SHOWN]), more)


def change_pct(close: float, price: float) -> float:
    """(close − price) / price × 100 rounded half away from zero to 6 decimals, in decimal
    arithmetic as PostgreSQL's numeric does, so both engines record the same value."""
    close_, price_ = Decimal(repr(float(close))), Decimal(repr(float(price)))
    return float(((close_ - price_) / price_ * 100).quantize(CHANGE_QUANTUM, rounding=ROUND_HALF_UP))


CHANGE_QUANTUM = Decimal("0.000001")
MAX_ABS_CHANGE_PCT = 1e6
"""The largest post-exit move a point may record (a 10,000-fold rise): beyond it the candle or
the sell price is a bad tick (1e308, 1e-300), and storing it would swamp every average."""
ABSURD_CHANGE = f"whose post-exit change would be beyond ±{MAX_ABS_CHANGE_PCT:,.0f}% (a bad candle or price)"
NOT_AN_OBJECT = "whose post_exit_prices is not a JSON object"
BAD_PRICE = "whose price is not a positive number"
_PG_PRICE_OK = "(t.price > 0 AND CAST(t.price AS float8) < CAST('Infinity' AS float8))"
"""A usable sell price on PostgreSQL: positive and finite (numeric NaN compares above every number)."""
_PG_CLOSE_OK = "m.close_price > 0 AND CAST(m.close_price AS float8) < CAST('Infinity' AS float8)"
"""A usable candle close: zero, negative, NaN or infinite closes are bad ticks, never a point."""
PLACEABLE_TIMES = (pd.Timestamp.min.tz_localize("UTC").ceil("s"), pd.Timestamp.max.tz_localize("UTC").floor("s"))
"""Event times the reports can place (nanosecond timestamps); a sell outside is skipped by name."""
NO_TIME = "whose executed_at/created_at cannot be placed in time (unreadable or out of range)"


# --- PostgreSQL: lookup and merge in one statement per chunk ------------------------------------

_PG_EVENT_TIME = "coalesce(t.executed_at, t.created_at)"

_PG_SELLS_TO_VISIT = f"""
SELECT CAST(t.id AS text) AS id, {_PG_EVENT_TIME} AS event_time,
       coalesce(jsonb_typeof(t.post_exit_prices), 'null') IN ('object', 'null') AS json_ok,
       coalesce({_PG_PRICE_OK}, false) AS price_ok,
       coalesce({_PG_EVENT_TIME} BETWEEN :first_time AND :last_time, false) AS time_ok
FROM trading_history t
WHERE t.side = 'SELL' AND t.status = 'FILLED'{{since}}
  AND (NOT coalesce({_PG_PRICE_OK}, false)
       OR NOT coalesce({_PG_EVENT_TIME} BETWEEN :first_time AND :last_time, false)
       OR coalesce(jsonb_typeof(t.post_exit_prices), 'null') NOT IN ('object', 'null')
       OR EXISTS (
           SELECT 1 FROM unnest(CAST(:keys AS text[]), CAST(:seconds AS float8[])) AS h(key, secs)
           WHERE t.post_exit_prices -> h.key IS NULL
             AND {_PG_EVENT_TIME} + make_interval(secs => h.secs) + :tolerance <= :now))
"""

_PG_RUN_PLAN = """
WITH visit AS MATERIALIZED ({scan}),
pending AS (
    SELECT event_time, row_number() OVER (ORDER BY event_time) - 1 AS n, count(*) OVER () AS total
    FROM visit WHERE json_ok AND price_ok AND time_ok
)
SELECT 'skip' AS kind, id, json_ok, price_ok, time_ok, NULL AS chunk_start, NULL AS pending
FROM visit WHERE NOT (json_ok AND price_ok AND time_ok)
UNION ALL
SELECT 'chunk', NULL, true, true, true, event_time, total
FROM pending WHERE n % :chunk_size = 0
"""
"""One scan for everything a run needs to know first: the sells to skip (and why), and where
the chunks of the sells with a due point not recorded yet begin (every :chunk_size-th event
time) and how many such sells there are. A routine run with nothing due gets no row back, a
full run one per skipped sell and per chunk, not one per sell."""

_SQLITE_SELLS = """
SELECT id, symbol, CAST(price AS REAL) AS price, coalesce(executed_at, created_at) AS event_time,
       post_exit_prices
FROM trading_history
WHERE side = 'SELL' AND status = 'FILLED'{since}
"""

_SINCE = " AND coalesce({alias}executed_at, {alias}created_at) > :since"
"""The routine run's bound, spelled as the index `idx_trading_history_sell_event_time` is."""


def sells_to_visit_sql(dialect: str, *, routine: bool) -> str:
    """The first scan of a run; a routine run's is bounded below by `:since` on the event time.
    On PostgreSQL it also places the chunks (`_PG_RUN_PLAN`)."""
    alias = "t." if dialect == "postgresql" else ""
    since = _SINCE.format(alias=alias) if routine else ""
    if dialect == "postgresql":
        return _PG_RUN_PLAN.replace("{scan}", _PG_SELLS_TO_VISIT.replace("{since}", since))
    return _SQLITE_SELLS.replace("{since}", since)


PG_TRACK_CHUNK = f"""
WITH horizons AS (  -- head: the point's JSON text up to its price, `"1h":{{"price":`
    SELECT * FROM unnest(CAST(:keys AS text[]), CAST(:seconds AS float8[]), CAST(:key_heads AS text[]))
                  AS h(key, secs, head)
),
due AS (
    SELECT t.id, t.symbol, t.price, h.head,
           {_PG_EVENT_TIME} + make_interval(secs => h.secs) AS target
    FROM trading_history t CROSS JOIN horizons h
    WHERE t.side = 'SELL' AND t.status = 'FILLED' AND {_PG_PRICE_OK}
      AND (t.post_exit_prices IS NULL OR jsonb_typeof(t.post_exit_prices) IN ('object', 'null'))
      AND {_PG_EVENT_TIME} >= :lo AND {_PG_EVENT_TIME} < :hi
      AND t.post_exit_prices -> h.key IS NULL
      AND {_PG_EVENT_TIME} + make_interval(secs => h.secs) + :tolerance <= :now
),
found AS (  -- the nearest candle: the last at or before the target, unless the first after it is nearer
    SELECT d.id, d.head, d.target, d.price, coalesce(just_after.close_price, at_or_before.close_price) AS close_price
    FROM (SELECT * FROM due ORDER BY target) d  -- probed in time order: cheaper than unordered or by symbol too
    LEFT JOIN LATERAL (
        SELECT m.close_price, m."timestamp" AS ts
        FROM market_data m
        WHERE m.symbol = d.symbol AND m.interval = :interval
          AND m."timestamp" BETWEEN d.target - :tolerance AND d.target AND {_PG_CLOSE_OK}
        ORDER BY m."timestamp" DESC
        LIMIT 1
    ) at_or_before ON true
    LEFT JOIN LATERAL (  -- strictly nearer than at_or_before: a tie goes to the earlier candle
        SELECT m.close_price
        FROM market_data m
        WHERE m.symbol = d.symbol AND m.interval = :interval
          AND m."timestamp" > d.target AND m."timestamp" <= d.target + :tolerance AND {_PG_CLOSE_OK}
          AND m."timestamp" < coalesce(d.target + (d.target - at_or_before.ts), 'infinity')
        ORDER BY m."timestamp"
        LIMIT 1
    ) just_after ON true
),
changes AS (  -- absurd: a change beyond ±:max_change (or NaN, which compares above it) is never stored
    SELECT *, round((close_price - price) / price * 100, 6) AS change,
           abs(round((close_price - price) / price * 100, 6)) > :max_change AS absurd
    FROM found
),
points AS (  -- a sell's new points as JSON text, parsed once: cheaper than building jsonb point by point
    SELECT id, CAST('{{' || string_agg(
               head || CAST(CAST(close_price AS float8) AS text)
               || ',"change_pct":' || CAST(CAST(change AS float8) AS text)
               || :point_tail, ',') || '}}' AS jsonb
           ) AS new_points
    FROM changes
    WHERE close_price IS NOT NULL AND NOT absurd
    GROUP BY id
),
locked AS MATERIALIZED (  -- row locks taken in primary-key order, as the bot's multi-row writes take them
    SELECT t.id, p.new_points FROM trading_history t JOIN points p ON t.id = p.id ORDER BY t.id FOR UPDATE OF t
),
updated AS (  -- joins only `locked`: a join of two CTEs, each estimated at one row, loops quadratically
    UPDATE trading_history t
    SET post_exit_prices = CASE WHEN coalesce(t.post_exit_prices, 'null') = 'null' THEN l.new_points
                                ELSE l.new_points || t.post_exit_prices END  -- existing keys win
    FROM locked l
    WHERE t.id = l.id
    RETURNING t.id
)
SELECT
    count(DISTINCT id) AS orders_scanned,
    (SELECT count(*) FROM updated) AS orders_updated,
    count(*) FILTER (WHERE close_price IS NOT NULL AND NOT absurd) AS points_tracked,
    count(*) FILTER (WHERE close_price IS NULL AND :now - target <= :retry) AS points_missed,
    count(*) FILTER (WHERE close_price IS NULL AND :now - target > :retry
                     AND NOT coalesce(CAST(:previous AS timestamptz) - target > :retry, false)) AS points_expired,
    array_agg(DISTINCT CAST(id AS text)) FILTER (WHERE close_price IS NOT NULL AND absurd) AS absurd_ids
FROM changes
"""


_PG_CHUNK_SETUP = """
SELECT pg_advisory_xact_lock(hashtext('exitlens.track')),
       set_config('jit', 'off', true), set_config('enable_bitmapscan', 'off', true),
       set_config('TimeZone', 'UTC', true)
"""
"""A chunk's transaction begins here, in one round trip: trackers on one database take turns, so
each point is found and counted once (the lock is held before the chunk statement takes its
snapshot); JIT costs more than it saves on these statements; every scan in the chunk statement
reads a few rows in index order, best as an index scan, never as a bitmap scan, whatever the
planner estimates; and times without a zone are UTC, as in `_PG_UTC`."""


def pg_params(now: datetime, settings: Settings) -> dict:
    return {
        "keys": list(settings.horizon_keys),
        "seconds": [h.delta.total_seconds() for h in settings.horizons],
        "tolerance": settings.candle_tolerance,
        "retry": settings.retry_window,
        "interval": settings.candle_interval,
        "now": now,
        "first_time": PLACEABLE_TIMES[0].to_pydatetime(),
        "last_time": PLACEABLE_TIMES[1].to_pydatetime(),
        "chunk_size": SELLS_PER_CHUNK,
        "max_change": MAX_ABS_CHANGE_PCT,
        # The JSON text around a point's two numbers, made once here rather than for every point.
        "key_heads": [json.dumps(key, ensure_ascii=False) + ':{"price":' for key in settings.horizon_keys],
        "point_tail": ',"tracked_at":' + json.dumps(now.isoformat()) + "}",
    }


def _track_postgresql(engine: Engine, now: datetime, settings: Settings, window: RunWindow,
                      progress: bool | None) -> TrackResult:
    params = {**pg_params(now, settings), "since": window.since, "previous": window.previous}
    scan = sells_to_visit_sql("postgresql", routine=window.since is not None)
    with engine.begin() as conn:
        conn.execute(sa.text(_PG_UTC))
        rows = conn.execute(sa.text(scan), params).all()
    skipped = [row for row in rows if row.kind == "skip"]
    invalid = sorted(row.id for row in skipped if not row.json_ok)
    _warn_skipped(invalid, NOT_AN_OBJECT)
    _warn_skipped(sorted(row.id for row in skipped if row.json_ok and not row.price_ok), BAD_PRICE)
    _warn_skipped(sorted(row.id for row in skipped if row.json_ok and row.price_ok and not row.time_ok), NO_TIME)
    chunks = [row for row in rows if row.kind == "chunk"]
    # Half-open [lo, hi) event-time ranges of about SELLS_PER_CHUNK sells; equal times share a chunk.
    starts = sorted({row.chunk_start for row in chunks})
    bounds = list(zip(starts, starts[1:] + [None]))

    result = TrackResult(rows_invalid=len(invalid))
    absurd: list[str] = []
    with _progress(chunks[0].pending if chunks else 0, progress) as bar:
        for lo, hi in bounds:
            with engine.begin() as conn:
                conn.execute(sa.text(_PG_CHUNK_SETUP))
                row = conn.execute(sa.text(PG_TRACK_CHUNK), {**params, "lo": lo, "hi": hi or END_OF_TIME}).one()
            counts = row._asdict()
            absurd += counts.pop("absurd_ids") or []
            result += TrackResult(**counts)
            bar.update(row.orders_scanned)
    _warn_skipped(sorted(absurd), ABSURD_CHANGE)
    return result


# --- SQLite: one candidate join per chunk, nearest picked in pandas ------------------------------

_SQLITE_CANDIDATES = """
SELECT w.target_id, m."timestamp", CAST(m.close_price AS REAL) AS close_price
FROM exitlens_track_windows w
JOIN market_data m
  ON m.symbol = w.symbol AND m.interval = :interval AND m."timestamp" BETWEEN w.lo AND w.hi
"""

_SQLITE_CURRENT_POINTS = """
SELECT id, post_exit_prices FROM trading_history
WHERE id IN (SELECT sell_id FROM exitlens_track_windows)
"""


def due_points(sells: pd.DataFrame, now: datetime, settings: Settings) -> pd.DataFrame:
    """One row per (sell, horizon) that is due and not recorded yet.

    `sells` has id, symbol, price, event_time and `points` (the parsed JSON dict or None).
    Returns id, symbol, price, key, target, in (symbol, target) order.
    """
    frames = []
    now_ts = pd.Timestamp(now)
    for horizon in settings.horizons:
        has_key = sells["points"].map(lambda p, k=horizon.key: p is not None and k in p).astype(bool)
        target = sells["event_time"] + horizon.delta
        due = ~has_key & (target + settings.candle_tolerance <= now_ts)
        frames.append(sells.loc[due, ["id", "symbol", "price"]].assign(key=horizon.key, target=target[due]))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out.sort_values(["symbol", "target"], kind="stable").reset_index(drop=True)


def nearest_candles(targets: pd.DataFrame, candidates: pd.DataFrame, tolerance: pd.Timedelta) -> pd.DataFrame:
    """`targets` with `close_price` of the candle nearest each target within ±tolerance
    (NaN where none); on a tie the earlier candle wins.

    `candidates` has target_id (the row position in `targets`), timestamp and close_price.
    """
    target_times = pd.Series(pd.DatetimeIndex(targets["target"])[candidates["target_id"].to_numpy()], index=candidates.index)
    found = candidates.assign(distance=(candidates["timestamp"] - target_times).abs())
    found = found[found["distance"] <= tolerance]
    found = found.sort_values(["target_id", "distance", "timestamp"]).drop_duplicates("target_id")
    close = pd.Series(found["close_price"].to_numpy(dtype=float), index=found["target_id"].to_numpy())
    return targets.assign(close_price=close.reindex(np.arange(len(targets))).to_numpy())


def merged_points(existing: dict | None, new_points: dict) -> dict:
    """`existing` with the keys of `new_points` it lacks appended; existing keys always win."""
    merged = dict(existing or {})
    for key, value in new_points.items():
        merged.setdefault(key, value)
    return merged


def _track_sqlite(engine: Engine, now: datetime, settings: Settings, window: RunWindow,
                  progress: bool | None) -> TrackResult:
    routine = window.since is not None
    # A second of slack: stored times compare as text, and a wider bound only looks at more.
    params = {"since": sqlite_text(window.since - timedelta(seconds=1))} if window.since is not None else {}
    with engine.connect() as conn:
        sells = pd.read_sql_query(sa.text(sells_to_visit_sql("sqlite", routine=routine)), conn, params=params)
    sells["event_time"] = utc_series(sells["event_time"])
    parsed = [parse_json_object(text) for text in sells["post_exit_prices"]]
    sells["points"] = [points for points, _ in parsed]
    invalid = pd.Series([malformed for _, malformed in parsed], index=sells.index, dtype=bool)
    _warn_skipped(sells.loc[invalid, "id"].tolist(), NOT_AN_OBJECT)
    bad_price = ~((sells["price"] > 0) & np.isfinite(sells["price"].to_numpy(dtype=float)))
    _warn_skipped(sells.loc[bad_price & ~invalid, "id"].tolist(), BAD_PRICE)
    no_time = sells["event_time"].isna()
    _warn_skipped(sells.loc[no_time & ~invalid & ~bad_price, "id"].tolist(), NO_TIME)
    usable = sells[~invalid & ~bad_price & ~no_time]

    targets = due_points(usable, now, settings)
    result = TrackResult(rows_invalid=int(invalid.sum()))
    absurd: list[str] = []
    sell_ids = targets["id"].drop_duplicates() if not targets.empty else pd.Series(dtype=object)
    with _progress(len(sell_ids), progress) as bar:
        for start in range(0, len(sell_ids), SELLS_PER_CHUNK):
            chunk_ids = sell_ids.iloc[start:start + SELLS_PER_CHUNK]
            chunk = targets[targets["id"].isin(chunk_ids)].reset_index(drop=True)
            counts, chunk_absurd = _track_sqlite_chunk(engine, chunk, now, settings, window.previous)
            result += counts
            absurd += chunk_absurd
            bar.update(len(chunk_ids))
    _warn_skipped(sorted(absurd), ABSURD_CHANGE)
    return result


def _track_sqlite_chunk(engine: Engine, targets: pd.DataFrame, now: datetime, settings: Settings,
                        previous: datetime | None) -> tuple[TrackResult, list[str]]:
    """The counts of one chunk, and the ids of its sells whose change would be absurd."""
    tolerance = pd.Timedelta(settings.candle_tolerance)
    # Bounds a second wider than the window, so a stored time without microseconds compares
    # as text on the right side of them; the exact window is applied after parsing.
    slack = tolerance + pd.Timedelta(seconds=1)
    windows = pd.DataFrame({
        "target_id": np.arange(len(targets)),
        "sell_id": targets["id"],
        "symbol": targets["symbol"],
        "lo": (targets["target"] - slack).map(sqlite_text),
        "hi": (targets["target"] + slack).map(sqlite_text),
    })
    with engine.connect() as conn:
        # Take the write lock first: the JSON read below is then the JSON the update replaces.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS exitlens_track_windows "
            "(target_id INTEGER PRIMARY KEY, sell_id TEXT, symbol TEXT, lo TEXT, hi TEXT)"
        )
        conn.exec_driver_sql("DELETE FROM exitlens_track_windows")
        conn.execute(
            sa.text("INSERT INTO exitlens_track_windows VALUES (:target_id, :sell_id, :symbol, :lo, :hi)"),
            windows.to_dict("records"),
        )
        candidates = pd.read_sql_query(sa.text(_SQLITE_CANDIDATES), conn, params={"interval": settings.candle_interval})
        current = pd.read_sql_query(sa.text(_SQLITE_CURRENT_POINTS), conn).set_index("id")["post_exit_prices"]

        candidates["timestamp"] = utc_series(candidates["timestamp"])
        candidates["target_id"] = candidates["target_id"].astype("int64")
        close = candidates["close_price"].to_numpy(dtype=float)
        good = candidates[candidates["timestamp"].notna() & np.isfinite(close) & (close > 0)]  # bad ticks are no candle
        looked_up = nearest_candles(targets, good, tolerance)
        with np.errstate(over="ignore", invalid="ignore"):
            change = (looked_up["close_price"] - looked_up["price"]) / looked_up["price"] * 100
        absurd = looked_up["close_price"].notna() & ~(change.abs() <= MAX_ABS_CHANGE_PCT)
        found = looked_up[looked_up["close_price"].notna() & ~absurd]
        lost = looked_up[looked_up["close_price"].isna()]
        retry = pd.Timedelta(settings.retry_window)
        expired = (pd.Timestamp(now) - lost["target"]) > retry
        counted_before = (pd.Timestamp(previous) - lost["target"]) > retry if previous is not None else False

        updates, added = _sqlite_updates(found, current, now)
        if updates:
            conn.execute(sa.text("UPDATE trading_history SET post_exit_prices = :merged WHERE id = :id"), updates)
        conn.exec_driver_sql("DROP TABLE exitlens_track_windows")
        conn.commit()
    return TrackResult(
        orders_scanned=int(targets["id"].nunique()),
        orders_updated=len(updates),
        points_tracked=added,
        points_missed=int((~expired).sum()),
        points_expired=int((expired & ~counted_before).sum()),
    ), looked_up.loc[absurd, "id"].drop_duplicates().astype(str).tolist()


def _sqlite_updates(found: pd.DataFrame, current: pd.Series, now: datetime) -> tuple[list[dict], int]:
    """One parameter row per sell whose JSON gains a key, and how many keys were added in all.

    Merged against `current`, the JSON as it is inside the write lock, so a point another
    tracker recorded meanwhile is kept and not counted again.
    """
    tracked_at = pd.Timestamp(now).tz_convert("UTC").isoformat()
    points = pd.DataFrame({
        "id": found["id"], "key": found["key"],
        "point": [
            {"price": float(close), "change_pct": change_pct(close, price), "tracked_at": tracked_at}
            for close, price in zip(found["close_price"], found["price"])
        ],
    })
    rows, added = [], 0
    for sell_id, group in points.groupby("id", sort=False):
        existing, malformed = parse_json_object(current.get(sell_id))
        if malformed:
            continue
        merged = merged_points(existing, dict(zip(group["key"], group["point"])))
        gained = len(merged) - len(existing or {})
        if gained:
            rows.append({"id": sell_id, "merged": json.dumps(merged, ensure_ascii=False, allow_nan=False)})
            added += gained
    return rows, added


def pending_points(engine: Engine, now: datetime, settings: Settings = Settings()) -> int:
    """Post-exit points not recorded and not expired as of `now`: not due yet, or due and still
    missed. One set-based count over the FILLED sells with a positive price whose
    `post_exit_prices` is NULL, JSON null or a JSON object (the ones the tracker works on).

    On SQLite the event time is compared as stored text, so a boundary may be off by under a second.
    """
    now = require_aware(now, "now")
    since = [now - settings.retry_window - h.delta for h in settings.horizons]
    if dialect_name(engine) == "postgresql":
        statement = sa.text("""
            SELECT count(*) FROM trading_history t
            JOIN unnest(CAST(:keys AS text[]), CAST(:since AS timestamptz[])) AS h(key, since)
              ON coalesce(t.executed_at, t.created_at) >= h.since
            WHERE t.side = 'SELL' AND t.status = 'FILLED' AND """ + _PG_PRICE_OK + """
              AND (t.post_exit_prices IS NULL OR jsonb_typeof(t.post_exit_prices) IN ('object', 'null'))
              AND t.post_exit_prices -> h.key IS NULL""")
        params: dict[str, Any] = {"keys": list(settings.horizon_keys), "since": since}
    else:
        rows = " UNION ALL ".join(f"SELECT :path{i} AS path, :since{i} AS since" for i in range(len(since)))
        statement = sa.text(f"""
            WITH h AS ({rows})
            SELECT count(*) FROM trading_history t JOIN h
              ON coalesce(t.executed_at, t.created_at) >= h.since
            WHERE t.side = 'SELL' AND t.status = 'FILLED' AND CAST(t.price AS REAL) > 0 AND CAST(t.price AS REAL) < 9e999
              AND CASE WHEN t.post_exit_prices IS NULL THEN 1
                       WHEN json_valid(t.post_exit_prices) AND json_type(t.post_exit_prices) IN ('object', 'null')
                       THEN json_type(t.post_exit_prices, h.path) IS NULL
                       ELSE 0 END = 1""")
        params = {}
        for i, (key, moment) in enumerate(zip(settings.horizon_keys, since)):
            params[f"path{i}"] = '$."' + key.replace('"', '\\"') + '"'
            params[f"since{i}"] = sqlite_text(moment)
    with engine.begin() as conn:
        if dialect_name(engine) == "postgresql":
            conn.execute(sa.text(_PG_UTC))
        return int(conn.execute(statement, params).scalar_one())
