"""Report figure: the weekly report pipeline (Papermill execution, code-hidden HTML, PDF
printed by headless Chromium, the run folder and the index: `exitlens.reports.run.run_report`) on
a one-year demo database, against the same pipeline on an empty notebook, whose time is the
floor set by starting a kernel and exporting. The figure is the difference of the medians.

The demo database is the product's own simulated bot (`exitlens.store.demo.build_history`, one year
of 1m candles on 5 symbols), tracked with `exitlens.store.tracker.track`, in the embedded SQLite
form the notebooks read by default. Both runs get the demo bot's exit rules
(config/demo_exit_rules.toml, as `make demo` renders), so the weekly report replays its sells and
draws the sweep whatever the shell's EXITLENS_EXIT_RULES says. The 2.6M candles are written with
sqlite3 executemany in the storage form of `exitlens.store.writes` (its row-by-row dict path would
take a minute).
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import nbformat
import pandas as pd

from bench.common import Knobs, Row, Samples, say, timed
from exitlens.core.timeutil import SQLITE_TIME_FORMAT
from exitlens.reports.archive import RunPeriod
from exitlens.reports.run import RunRequest, run_report
from exitlens.store import db, demo, migrations
from exitlens.store import tracker as tracking
from exitlens.store import writes as store

FULL_DAYS = 365
WEEK_END = "2026-11-24T00:00:00+09:00"  # midnight after the demo's last day, in Asia/Seoul
WEEK = RunPeriod(date(2026, 11, 17), date(2026, 11, 23))
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "weekly_exit_report.ipynb"
RULES = Path(__file__).resolve().parents[1] / "config" / "demo_exit_rules.toml"
KERNEL_ENV = {"EXITLENS_EXIT_RULES": str(RULES)}


def build_demo(path: Path, days: int) -> tuple[int, int]:
    """A migrated SQLite demo database of `days` days, tracked as of the demo end."""
    url = f"sqlite:///{path}"
    engine = db.connect(url, create=True)
    migrations.migrate(engine)
    orders, candles = demo.build_history(days=days, end=demo.DEFAULT_END)
    store.insert_orders(engine, orders)
    engine.dispose()
    rows = zip(
        candles["symbol"].astype(object), ["1m"] * len(candles),
        candles["open_price"].tolist(), candles["high_price"].tolist(), candles["low_price"].tolist(),
        candles["close_price"].tolist(), candles["volume"].tolist(),
        pd.to_datetime(candles["timestamp"], utc=True).dt.strftime(SQLITE_TIME_FORMAT).tolist(),
    )
    with sqlite3.connect(path) as conn:
        conn.executemany(
            'INSERT INTO market_data (symbol, interval, open_price, high_price, low_price, close_price, volume, "timestamp") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    engine = db.connect(url)
    tracking.track(engine, demo.DEFAULT_END, progress=False)
    engine.dispose()
    return len(orders), len(candles)


def empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))
    return path


def cell_seconds(executed: Path, top: int = 4) -> list[tuple[float, str]]:
    """The slowest cells of an executed notebook, from papermill's per-cell durations."""
    nb = json.loads(executed.read_text())
    cells = [
        (cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0, "".join(cell["source"]).strip().splitlines()[0][:60])
        for cell in nb["cells"] if cell["cell_type"] == "code" and "".join(cell["source"]).strip()
    ]
    return sorted(cells, reverse=True)[:top]


@dataclass
class ReportFigures:
    days: int
    orders: int
    candles: int
    weekly: Samples = field(default_factory=Samples)
    empty: Samples = field(default_factory=Samples)
    slow_cells: list[tuple[float, str]] = field(default_factory=list)

    @property
    def overhead(self) -> float:
        return self.weekly.median - self.empty.median

    def rows(self) -> list[Row]:
        return [
            Row("report", "empty notebook → HTML + PDF", self.empty, "0 cells", "", "kernel start + export floor"),
            Row("report", "weekly notebook → HTML + PDF", self.weekly, f"{self.days}-day demo",
                "", f"{self.overhead:+.1f} s over the empty notebook (target ≤ 2 s)"),
        ]

    def context(self) -> str:
        cells = "; ".join(f"{s:.2f} s {src}" for s, src in self.slow_cells)
        return (f"report data: {self.days}-day demo database (SQLite, {self.orders:,} orders, "
                f"{self.candles:,} candles); slowest weekly cells (last run): {cells}")


def run(knobs: Knobs) -> ReportFigures:
    days = max(14, knobs.scaled(FULL_DAYS))
    with tempfile.TemporaryDirectory(prefix="exitlens-bench-report-") as tmp:
        tmp = Path(tmp)
        say(f"report: building a {days}-day demo database")
        seconds, (orders, candles) = timed(build_demo, tmp / "demo.db", days)
        say(f"report: {orders:,} orders and {candles:,} candles written and tracked in {seconds:.1f} s")
        url = f"sqlite:///{tmp / 'demo.db'}"
        empty = empty_notebook(tmp / "empty.ipynb")
        figures = ReportFigures(days, orders, candles)
        for rep in range(1, knobs.repeat + 1):
            tag = f"report [{rep}/{knobs.repeat}]"
            seconds, _ = timed(run_report, RunRequest(notebook=empty, kind="empty", period=WEEK, out=tmp / "reports",
                                                      database_url=url, formats="html,pdf", env=KERNEL_ENV))
            say(f"{tag} empty notebook: {figures.empty.add(seconds):.2f} s")
            seconds, ran = timed(run_report, RunRequest(notebook=NOTEBOOK, kind="weekly", period=WEEK,
                                                        out=tmp / "reports", parameters={"end": WEEK_END, "days": 7},
                                                        database_url=url, formats="html,pdf", env=KERNEL_ENV))
            say(f"{tag} weekly notebook: {figures.weekly.add(seconds):.2f} s")
            figures.slow_cells = cell_seconds(ran.notebook)
    return figures
