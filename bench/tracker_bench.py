"""Tracker figures on PostgreSQL: exitlens's set-based tracker against the per-point baseline
and the read-only floor, plus the incremental runs (about 1,000 newly due points; nothing due),
and how the nothing-due run's time grows with the history (20k against 200k sells).

Each repetition starts every step from the same state: all `post_exit_prices` cleared, the
table rewritten compactly (VACUUM FULL) and analysed, and a checkpoint taken, so each run does
the same work on the same layout. The first repetition also checks that the baseline and the
tracker wrote the same points.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime

from bench import tracker_baseline, tracker_data
from bench.common import ROOT, Knobs, Row, Samples, say, timed
from bench.postgres import bench_database

CHANGE_PCT_TOLERANCE = 1e-6
GROWTH_SELLS = 20_000


@dataclass
class TrackerFigures:
    data: tracker_data.TrackerData
    server_version: str
    candle_table_mb: float
    baseline: Samples = field(default_factory=Samples)
    floor: Samples = field(default_factory=Samples)
    full: Samples = field(default_factory=Samples)
    incremental: Samples = field(default_factory=Samples)
    nothing_due: Samples = field(default_factory=Samples)
    growth_sells: tuple[int, int] = (0, 0)
    routine_small: Samples = field(default_factory=Samples)
    routine_large: Samples = field(default_factory=Samples)
    full_small: Samples = field(default_factory=Samples)
    full_large: Samples = field(default_factory=Samples)
    rss_before_mb: list[float] = field(default_factory=list)
    rss_peak_mb: list[float] = field(default_factory=list)
    same_points: bool | None = None

    @property
    def speedup(self) -> float:
        return self.baseline.median / self.full.median

    @property
    def over_floor(self) -> float:
        return self.full.median / self.floor.median

    @property
    def nothing_due_growth(self) -> float:
        """Routine nothing-due time on the large history over the small one (flat: about 1)."""
        return self.routine_large.median / self.routine_small.median

    @property
    def full_nothing_due_growth(self) -> float:
        return self.full_large.median / self.full_small.median

    def rows(self) -> list[Row]:
        points = self.data.points
        def rate(samples: Samples, n: int) -> str:
            return f"{n / samples.median:,.0f} points/s"
        peak = max(self.rss_peak_mb)
        return [
            Row("tracker", "per-point baseline (psycopg2)", self.baseline, f"{points:,} points", rate(self.baseline, points),
                "1 SELECT per point, 1 UPDATE per sell, 1 transaction"),
            Row("tracker", "exitlens track (set-based)", self.full, f"{points:,} points", rate(self.full, points),
                f"peak RSS {peak:.0f} MiB ({peak - max(self.rss_before_mb):+.0f} MiB in the run)"),
            Row("tracker", "read-only floor (2 LATERAL LIMIT 1)", self.floor, f"{points:,} lookups", rate(self.floor, points),
                "nothing written"),
            Row("tracker", "incremental: newly due points", self.incremental, f"{self.data.incremental_points:,} points",
                rate(self.incremental, self.data.incremental_points), "target < 0.100 s"),
            Row("tracker", "incremental: nothing due", self.nothing_due, "0 points", "",
                f"{self.data.sells:,} sells all recorded"),
            *(Row("tracker", f"{kind} nothing due, {n:,} sells", samples, f"{n:,} sells", "",
                  f"history of {n:,} sells, all recorded")
              for kind, n, samples in (("routine", self.growth_sells[0], self.routine_small),
                                       ("routine", self.growth_sells[1], self.routine_large),
                                       ("--full", self.growth_sells[0], self.full_small),
                                       ("--full", self.growth_sells[1], self.full_large))),
        ]

    def context(self) -> str:
        d = self.data
        check = {None: "not checked", True: "identical", False: "DIFFERENT"}[self.same_points]
        return (f"tracker data: {d.candles:,} 1m candles ({d.days} days × 10 symbols, market_data "
                f"{self.candle_table_mb:.0f} MiB with indexes), {d.sells:,} sells + {d.sells:,} buys; "
                f"PostgreSQL {self.server_version.split()[0]}; points written by baseline and tracker: {check}")


def _execute(url: str, *statements: str) -> None:
    conn = tracker_data.connect_raw(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
    finally:
        conn.close()


def _compact(url: str) -> None:
    """Rewrite trading_history compactly, analyse it, flush dirty pages: same layout every run."""
    _execute(url, "VACUUM FULL trading_history", "ANALYZE trading_history", "CHECKPOINT")


def _reset(url: str) -> None:
    """No point recorded and no run recorded: the next run is a first one, over the whole history."""
    _execute(url, "UPDATE trading_history SET post_exit_prices = NULL WHERE post_exit_prices IS NOT NULL",
             "DELETE FROM exitlens_tracker_state")
    _compact(url)


def _points(url: str) -> dict[str, dict]:
    conn = tracker_data.connect_raw(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT CAST(id AS text), post_exit_prices FROM trading_history WHERE side = 'SELL'")
            return dict(cur.fetchall())
    finally:
        conn.close()


def _same_points(a: dict[str, dict], b: dict[str, dict]) -> bool:
    """Same keys and prices; change_pct equal up to the last rounding digit (the baseline
    rounds in Python's Decimal, the tracker in PostgreSQL's numeric)."""
    if a.keys() != b.keys():
        return False
    for order_id, points in a.items():
        other = b[order_id]
        if (points or {}).keys() != (other or {}).keys():
            return False
        for key, point in (points or {}).items():
            if point["price"] != other[key]["price"] or point["tracked_at"] != other[key]["tracked_at"]:
                return False
            if abs(point["change_pct"] - other[key]["change_pct"]) > CHANGE_PCT_TOLERANCE:
                return False
    return True


def _track_in_child(url: str, now: datetime, *, full: bool = False) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, "-m", "bench.track_once", url, now.isoformat(), *(["full"] if full else [])],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tracker run failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _expect(what: str, got: int, wanted: int) -> None:
    if got != wanted:
        raise RuntimeError(f"{what}: {got:,} points, expected {wanted:,}: the benchmark data or a tracker is wrong")


def run(knobs: Knobs) -> TrackerFigures:
    days = max(2, knobs.scaled(tracker_data.FULL_DAYS))
    sells = knobs.scaled(tracker_data.FULL_SELLS, minimum=10)
    with bench_database() as (_, url, version):
        say(f"tracker: generating and COPYing {days} days × 10 symbols of 1m candles and {sells:,} round trips")
        seconds, data = timed(tracker_data.load, url, days, sells)
        say(f"tracker: loaded {data.candles:,} candles and {2 * sells:,} orders in {seconds:.1f} s")
        _execute(url, "VACUUM ANALYZE market_data")
        conn = tracker_data.connect_raw(url)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_total_relation_size('market_data')")
            table_mb = cur.fetchone()[0] / 2**20
        conn.close()
        figures = TrackerFigures(data, version, table_mb)

        for rep in range(1, knobs.repeat + 1):
            tag = f"tracker [{rep}/{knobs.repeat}]"
            _reset(url)
            seconds, (due, found) = timed(tracker_baseline.read_only_floor, url, data.now)
            _expect("read-only floor", found, data.points)
            say(f"{tag} read-only floor: {figures.floor.add(seconds):.3f} s")

            _reset(url)
            seconds, counts = timed(tracker_baseline.per_point_track, url, data.now)
            _expect("per-point baseline", counts["points_tracked"], data.points)
            say(f"{tag} per-point baseline: {figures.baseline.add(seconds):.3f} s")
            baseline_points = _points(url) if rep == 1 else None

            _reset(url)
            run_full = _track_in_child(url, data.now)
            _expect("exitlens track", run_full["result"]["points_tracked"], data.points)
            figures.rss_before_mb.append(run_full["rss_before_mb"])
            figures.rss_peak_mb.append(run_full["rss_peak_mb"])
            say(f"{tag} exitlens track: {figures.full.add(run_full['seconds']):.3f} s, "
                f"peak RSS {run_full['rss_peak_mb']:.0f} MiB")
            if baseline_points is not None:
                figures.same_points = _same_points(baseline_points, _points(url))
                say(f"{tag} baseline and tracker wrote the same points: {figures.same_points}")

            _execute(url, "VACUUM ANALYZE trading_history")
            run_none = _track_in_child(url, data.now)
            _expect("nothing-due run", run_none["result"]["points_tracked"], 0)
            say(f"{tag} nothing due: {figures.nothing_due.add(run_none['seconds']):.3f} s")

            _reset(url)
            _expect("run before the incremental one",
                    _track_in_child(url, data.incremental_since)["result"]["points_tracked"],
                    data.points - data.incremental_points)
            _compact(url)
            run_new = _track_in_child(url, data.now)
            _expect("incremental run", run_new["result"]["points_tracked"], data.incremental_points)
            say(f"{tag} {data.incremental_points:,} newly due: {figures.incremental.add(run_new['seconds']):.3f} s")
        _history_growth(url, knobs, figures)
    return figures


def _history_growth(url: str, knobs: Knobs, figures: TrackerFigures) -> None:
    """The nothing-due run on a history of N and of 10·N sells, all recorded, a run recorded at
    END: routine runs (should stay flat) and --full runs (grow with the history), for contrast."""
    small = knobs.scaled(GROWTH_SELLS, minimum=10)
    figures.growth_sells = (small, 10 * small)
    for sells, routine, full in ((small, figures.routine_small, figures.full_small),
                                 (10 * small, figures.routine_large, figures.full_large)):
        orders = tracker_data.load_recorded(url, sells)
        _compact(url)
        say(f"tracker: history of {sells:,} sells ({orders:,} orders), every point recorded")
        for rep in range(1, knobs.repeat + 1):
            for samples, full_run in ((routine, False), (full, True)):
                run = _track_in_child(url, tracker_data.END, full=full_run)
                _expect("nothing-due run", run["result"]["points_tracked"], 0)
                say(f"tracker [{rep}/{knobs.repeat}] {'--full' if full_run else 'routine'} nothing due, "
                    f"{sells:,} sells: {samples.add(run['seconds']):.3f} s")
