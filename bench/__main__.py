"""`python -m bench` (`make bench`): run the sections, print the table and, last, the figures.

Progress goes to stderr; the table, a few lines of context and the figure lines to stdout.
A section that cannot run here (no PostgreSQL binaries, no Chromium, no notebook) prints its
figure as n/a with the reason, and the exit code is then 1.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

from bench.common import Row, knobs_from_env, say, table
from exitlens.core.errors import ConfigError


def main() -> int:
    knobs = knobs_from_env()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    say(f"bench: BENCH_REPEAT={knobs.repeat} BENCH_SCALE={knobs.scale:g} sections={','.join(knobs.only)} "
        f"on {os.cpu_count()} CPUs")
    rows: list[Row] = []
    context: list[str] = []
    figures: list[str] = []
    missing = False

    if "tracker" in knobs.only:
        from bench import postgres, tracker_bench

        reason = postgres.unavailable_reason()
        if reason:
            missing = True
            figures += [f"tracker speedup vs per-point baseline: n/a — {reason}",
                        f"tracker time over read-only floor: n/a — {reason}",
                        f"tracker nothing-due time 200k sells over 20k sells: n/a — {reason}"]
        else:
            tracker = tracker_bench.run(knobs)
            rows += tracker.rows()
            context.append(tracker.context())
            figures.append(f"tracker speedup vs per-point baseline: {tracker.speedup:.1f}x")
            figures.append(f"tracker time over read-only floor: {tracker.over_floor:.1f}x")
            figures.append(f"tracker nothing-due time 200k sells over 20k sells: {tracker.nothing_due_growth:.2f}"
                           f" (--full: {tracker.full_nothing_due_growth:.2f})")

    if "ledger" in knobs.only:
        from bench import ledger_bench

        gc.collect()
        ledger = ledger_bench.run(knobs)
        rows += ledger.rows()
        figures.append(f"ledger speedup vs loop baseline: {ledger.speedup:.1f}x")

    if "replay" in knobs.only:
        from bench import replay_bench

        gc.collect()
        replayed = replay_bench.run(knobs)
        rows += replayed.rows()
        context.append(replayed.context())
        figures.append(f"replay sweep speedup vs per-candle loop: {replayed.speedup:.1f}x")
        figures.append(f"replay sweep time over one candle read: {replayed.over_read:.2f}x")
        figures.append(f"replay with walk-forward and grid over one candle read: {replayed.study_over_read:.2f}x")
        figures.append(f"replay sweep peak memory: {replayed.peak_mb:.0f} MiB traced "
                       f"({replayed.candle_mb:.0f} MiB of candles read)")

    if "report" in knobs.only:
        from bench import report_bench
        from exitlens.reports import exports


        reason = None
        if not report_bench.NOTEBOOK.is_file():
            reason = f"no notebook at {report_bench.NOTEBOOK}"
        else:
            try:
                exports.find_chromium()
            except ConfigError as exc:
                reason = str(exc)
        if reason:
            missing = True
            figures.append(f"weekly report overhead above empty notebook: n/a — {reason}")
        else:
            gc.collect()
            report = report_bench.run(knobs)
            rows += report.rows()
            context.append(report.context())
            figures.append(f"weekly report overhead above empty notebook: {report.overhead:.1f}s")

    if rows:
        print(table(rows))
        print()
    for line in context:
        print(line)
    print(f"medians of {knobs.repeat} repetition(s), BENCH_SCALE={knobs.scale:g}, {os.cpu_count()} CPUs")
    print()
    for line in figures:
        print(line)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
