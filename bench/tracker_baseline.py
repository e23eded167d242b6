"""The bot's original post-exit tracker, as the baseline: for every SELL and horizon one
`SELECT … ORDER BY distance LIMIT 1` for the nearest candle, and one UPDATE per SELL row, all
through psycopg2 in one transaction. Same rules as exitlens (SPEC §2): due once the whole
±tolerance window has passed, ties to the earlier candle, existing keys never overwritten.

And the read-only floor: the nearest-candle lookups of every due point as one set-based SELECT,
nothing written — what any tracker on that database must spend. It looks candles up as exitlens
does, with two index probes per point (LATERAL … LIMIT 1 for the last candle at or before the
target, then for the first after it that is strictly nearer, since a tie goes to the earlier),
probing in time order, so that the floor is the cheapest lookup known, not one exitlens has outgrown.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from bench.tracker_data import connect_raw
from exitlens.core.settings import Settings

_SELLS = """
SELECT CAST(id AS text), symbol, price, coalesce(executed_at, created_at), post_exit_prices
FROM trading_history
WHERE side = 'SELL' AND status = 'FILLED'
"""

_NEAREST = """
SELECT close_price FROM market_data
WHERE symbol = %s AND interval = %s AND "timestamp" BETWEEN %s AND %s
ORDER BY abs(extract(epoch FROM "timestamp" - %s)), "timestamp"
LIMIT 1
"""

_UPDATE = "UPDATE trading_history SET post_exit_prices = CAST(%s AS jsonb) WHERE id = CAST(%s AS uuid)"


def per_point_track(url: str, now: datetime, settings: Settings = Settings()) -> dict[str, int]:
    """Record every due, unrecorded point one query at a time; the counts it did."""
    tolerance, tracked_at = settings.candle_tolerance, now.isoformat()
    counts = {"orders_updated": 0, "points_tracked": 0, "points_missed": 0, "points_expired": 0}
    conn = connect_raw(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(_SELLS)
            for order_id, symbol, price, event_time, points in cur.fetchall():
                if price is None or price <= 0 or event_time is None:
                    continue
                if points is not None and not isinstance(points, dict):
                    continue
                new = {}
                for horizon in settings.horizons:
                    target = event_time + horizon.delta
                    if (points and horizon.key in points) or target + tolerance > now:
                        continue
                    cur.execute(_NEAREST, (symbol, settings.candle_interval, target - tolerance, target + tolerance, target))
                    row = cur.fetchone()
                    if row is None:
                        counts["points_expired" if now - target > settings.retry_window else "points_missed"] += 1
                        continue
                    close = row[0]
                    change = ((close - price) / price * 100).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)
                    new[horizon.key] = {"price": float(close), "change_pct": float(change), "tracked_at": tracked_at}
                if new:
                    cur.execute(_UPDATE, (json.dumps({**new, **(points or {})}), order_id))
                    counts["orders_updated"] += 1
                    counts["points_tracked"] += len(new)
    finally:
        conn.close()
    return counts


_FLOOR = """
WITH horizons AS (
    SELECT * FROM unnest(CAST(%(keys)s AS text[]), CAST(%(seconds)s AS float8[])) AS h(key, secs)
),
due AS (
    SELECT t.symbol, coalesce(t.executed_at, t.created_at) + make_interval(secs => h.secs) AS target
    FROM trading_history t CROSS JOIN horizons h
    WHERE t.side = 'SELL' AND t.status = 'FILLED' AND t.price > 0
      AND (t.post_exit_prices IS NULL OR jsonb_typeof(t.post_exit_prices) = 'object')
      AND t.post_exit_prices -> h.key IS NULL
      AND coalesce(t.executed_at, t.created_at) + make_interval(secs => h.secs) + %(tolerance)s <= %(now)s
)
SELECT count(*) AS due, count(coalesce(just_after.close_price, at_or_before.close_price)) AS found
FROM (SELECT * FROM due ORDER BY target) d  -- probed in time order, as that is cheapest
LEFT JOIN LATERAL (
    SELECT m.close_price, m."timestamp" AS ts
    FROM market_data m
    WHERE m.symbol = d.symbol AND m.interval = %(interval)s
      AND m."timestamp" BETWEEN d.target - %(tolerance)s AND d.target
    ORDER BY m."timestamp" DESC
    LIMIT 1
) at_or_before ON true
LEFT JOIN LATERAL (  -- strictly nearer than at_or_before: a tie goes to the earlier candle
    SELECT m.close_price
    FROM market_data m
    WHERE m.symbol = d.symbol AND m.interval = %(interval)s
      AND m."timestamp" > d.target AND m."timestamp" <= d.target + %(tolerance)s
      AND m."timestamp" < coalesce(d.target + (d.target - at_or_before.ts), 'infinity')
    ORDER BY m."timestamp"
    LIMIT 1
) just_after ON true
"""


def read_only_floor(url: str, now: datetime, settings: Settings = Settings()) -> tuple[int, int]:
    """(points due, points with a candle): every lookup done once, set-based, nothing written.
    JIT is off, as in the tracker."""
    params = {
        "keys": list(settings.horizon_keys),
        "seconds": [h.delta.total_seconds() for h in settings.horizons],
        "tolerance": settings.candle_tolerance,
        "interval": settings.candle_interval,
        "now": now,
    }
    conn = connect_raw(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(_FLOOR, params)
            due, found = cur.fetchone()
    finally:
        conn.close()
    return due, found
