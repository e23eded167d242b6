"""What a report shows, as tables: the notebooks call this and only display the results.

`analyse_from_database` is the one path from a database to a period's analysis, shared by
`exitlens summary`, `exitlens report` and the notebooks, so the three always agree.
Rounding and labels happen here, at presentation; the analysis itself stays unrounded.
"""

from __future__ import annotations

import hashlib
import html
import os
from dataclasses import dataclass, replace
from datetime import date as Date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler
from sqlalchemy.engine import Engine

from exitlens import db, quality
from exitlens.config import DEFAULT_SQLITE_PATH, KINDS, Settings, database_url_from_env
from exitlens.errors import ConfigError, DataError
from exitlens.evaluate import post_column
from exitlens.load import load_orders
from exitlens.narrative import Narrator
from exitlens.timeutil import parse_aware
from exitlens.suggestions import suggest
from exitlens.summary import PeriodAnalysis, analyse_day, analyse_days

def latest_sell_day(orders: pd.DataFrame, settings: Settings) -> Date | None:
    """The report-timezone date of the newest SELL, or None when there is none."""
    sells = orders.loc[orders["side"] == "SELL", "event_time"]
    return None if sells.empty else sells.max().tz_convert(settings.tz).date()


def midnight_after(day: Date, settings: Settings) -> datetime:
    """The start of the day after `day`, in the report timezone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.tz)


def current_period(kind: str, settings: Settings, now: datetime, *, day: Date | None = None,
                   end: datetime | None = None) -> dict:
    """The period a scheduled or command-line report means when not told otherwise: today in
    the report timezone (daily), or the days ending at midnight after today (weekly)."""
    today = now.astimezone(settings.tz).date()
    if kind == "daily":
        return {"day": day or today}
    return {"end": end or midnight_after(today, settings)}


def analyse_from_database(
    engine: Engine,
    kind: str,
    settings: Settings,
    *,
    day: Date | None = None,
    end: datetime | None = None,
    days: int = 7,
    narrator: Narrator | None = None,
) -> PeriodAnalysis:
    """The daily analysis of `day`, or the weekly one of the `days` days before `end`.

    Without `day` / `end` the period is the latest day with a sell (daily), or the `days`
    days ending with it (weekly): reproducible on a fixed history, current on a live one.
    Notes about unreadable JSON of the period's orders are added to the analysis' notes.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown report kind {kind!r}: use daily or weekly")
    if days < 1:
        raise ConfigError(f"days must be at least 1, got {days}")
    loaded = load_orders(engine)
    orders = loaded.orders
    latest = latest_sell_day(orders, settings)
    if latest is None and day is None and end is None:
        raise DataError("the database has no filled SELL yet: name the period (report_date / end) to report on")
    if kind == "daily":
        analysis = analyse_day(orders, day or latest, settings, narrator=narrator)
    else:
        analysis = analyse_days(orders, end or midnight_after(latest, settings), days, settings, narrator=narrator)
    in_period = analysis.period.contains(orders["event_time"])
    period_ids = set(orders.loc[in_period, "id"])
    load_notes = [note for order_id, note in loaded.notes_by_order if order_id in period_ids]
    return replace(analysis, notes=load_notes + analysis.notes)


def notebook_database_url() -> str:
    """The database a notebook reads: EXITLENS_DATABASE_URL / DATABASE_URL, else the embedded
    data/exitlens.db of the working directory or the nearest folder above it that has one, so
    a notebook opened from notebooks/ finds the project's demo database."""
    if os.environ.get("EXITLENS_DATABASE_URL") or os.environ.get("DATABASE_URL"):
        return database_url_from_env()
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / DEFAULT_SQLITE_PATH
        if candidate.exists():
            return f"sqlite:///{candidate}"
    return database_url_from_env()


@dataclass(frozen=True)
class ReportData:
    """A period's analysis and the tables a report displays."""

    analysis: PeriodAnalysis
    as_of: pd.Timestamp

    @property
    def settings(self) -> Settings:
        return self.analysis.settings

    @property
    def title(self) -> str:
        a = self.analysis
        if a.kind == "daily":
            return f"Daily exit report {a.date.isoformat()}"
        first = a.period.start.tz_convert(self.settings.tz).date()
        last = (a.period.end - pd.Timedelta(microseconds=1)).tz_convert(self.settings.tz).date()
        return f"Weekly exit report {first.isoformat()} – {last.isoformat()}"

    @property
    def period_text(self) -> str:
        zone = self.settings.tz
        start = self.analysis.period.start.tz_convert(zone)
        end = self.analysis.period.end.tz_convert(zone)
        return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({self.settings.timezone}), end exclusive"

    def kpis(self) -> pd.DataFrame:
        """The headline numbers, one row."""
        overall = self.analysis.buckets.overall_bucket()
        return pd.DataFrame([{
            "fills": self.analysis.trade_count,
            "sells": int(overall["count"]),
            "evaluable": int(overall["evaluable"]),
            "win rate (%)": overall["win_rate"] * 100,
            "realized PnL (KRW)": overall["realized_pnl"],
            "avg PnL (%)": overall["avg_pnl_pct"],
            "post-24h samples": int(overall["post_24h_samples"]),
        }], index=["period"])

    def by_exit_reason(self) -> pd.DataFrame:
        """The per exit reason bucket table: counts, PnL, hold time, post-exit moves, rates (in %)."""
        horizons = [f"avg_post_{h}_pct" for h in self.settings.horizon_keys]
        columns = ["count", "evaluable", "win_rate", "avg_pnl_pct", "median_pnl_pct", "realized_pnl",
                   "avg_hold_hours", *horizons, "early_exit_rate", "over_hold_rate"]
        table = self.analysis.buckets.by_exit_reason.reindex(columns=columns)
        table = table.astype({"count": "int64", "evaluable": "int64"})
        rates = ["win_rate", "early_exit_rate", "over_hold_rate"]
        table[rates] = table[rates] * 100
        table.index.name = None
        return table.rename(columns=_READABLE)

    def suggestions(self) -> pd.DataFrame:
        """Each suggestion with the metric, value, threshold and sample size behind it."""
        rows = [s.to_dict() for s in self.analysis.suggestions]
        return pd.DataFrame(rows, columns=["rule", "message", "metric", "value", "threshold", "samples"])

    def suggestions_view(self):
        """The suggestions table, or the sentence saying why there is none."""
        table = self.suggestions()
        if not table.empty:
            return show(table).set_properties(subset=["message"], **{"white-space": "normal", "min-width": "28em", "text-align": "left"})
        return paragraph(" ".join(self._suggestion_notes()) or "No suggestions for this period.")

    def _suggestion_notes(self) -> list[str]:
        """Why there are no suggestions ("not enough data"), as the rules say it."""
        return suggest(self.analysis.buckets, self.settings).notes

    def heading(self):
        return paragraph(f"{self.title} — {self.period_text}")

    def headline(self):
        return paragraph(self.analysis.headline)

    def notes_view(self):
        """The notes about sells, or a sentence saying there is nothing to note (the suggestions
        section already says when there is not enough data)."""
        shown = set(self._suggestion_notes())
        notes = self.notes()
        notes = notes[~notes["note"].isin(shown)]
        if notes.empty:
            return paragraph("No notes: every sell could be read and evaluated.")
        return show(notes).set_properties(**{"text-align": "left", "white-space": "normal"})

    def point_states(self) -> pd.DataFrame:
        return quality.point_states(self.analysis.sells, self.as_of, self.settings)

    def entry_sources(self) -> pd.DataFrame:
        return quality.entry_sources(self.analysis.sells)

    def notes(self) -> pd.DataFrame:
        return pd.DataFrame({"note": self.analysis.notes}, dtype=object)

    def detail(self) -> pd.DataFrame:
        """Every sell of the period: time in the report timezone, symbol, regime, reason,
        quantity, entry (and where it came from), exit, PnL, hold time, post-exit changes."""
        sells = self.analysis.sells.sort_values(["event_time", "id"])
        table = pd.DataFrame({
            f"sell time ({self.settings.timezone})": sells["event_time"].dt.tz_convert(self.settings.tz).dt.strftime("%Y-%m-%d %H:%M"),
            "symbol": sells["symbol"],
            "regime": sells["regime"],
            "exit reason": sells["exit_reason"],
            "quantity": sells["quantity"],
            "entry": sells["entry_price"],
            "entry from": sells["entry_source"],
            "exit": sells["price"],
            "PnL (%)": sells["pnl_pct"],
            "PnL (KRW)": sells["realized_pnl"],
            "hold (h)": sells["hold_hours"],
            **{f"{h} (%)": sells[post_column(h)] for h in self.settings.horizon_keys},
        })
        return table.reset_index(drop=True)


_READABLE = {
    "count": "sells", "win_rate": "win rate %", "avg_pnl_pct": "avg PnL %", "median_pnl_pct": "median PnL %",
    "realized_pnl": "realized PnL (KRW)", "avg_hold_hours": "avg hold (h)", "early_exit_rate": "early exit %",
    "over_hold_rate": "over-hold %",
}
_READABLE.update({f"avg_post_{h}_pct": f"after {h} %" for h in ("1h", "4h", "12h", "24h")})


def show(table: pd.DataFrame, *, index: bool | None = None) -> Styler:
    """A table as a report shows it: thousands separators, two decimals, "–" for unknown,
    text escaped (values come from the database), row numbers hidden unless they mean something."""
    # A stable id (pandas draws a random one), so the same table renders to the same HTML.
    digest = hashlib.blake2b(repr((list(table.columns), table.shape)).encode(), digest_size=4).hexdigest()
    floats = table.select_dtypes("float").columns
    # Values that round to zero print as 0.00, not -0.00; quantities keep their small digits.
    shown = table.assign(**{c: table[c].round(2) + 0.0 for c in floats if c != "quantity"})
    quantities = {"quantity": "{:,.8g}"} if "quantity" in shown.columns else None
    styler = shown.style.set_uuid(f"t{digest}").format(
        quantities, precision=2, thousands=",", na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if index is False or (index is None and isinstance(table.index, pd.RangeIndex)):
        styler = styler.hide(axis="index")
    return styler


def paragraph(text: str) -> HTML:
    """Text as an HTML paragraph that wraps like prose (escaped: it may quote the database)."""
    return HTML(f"<p>{html.escape(text)}</p>")


def report_data(
    kind: str,
    *,
    report_date: str | None = None,
    end: str | None = None,
    days: int = 7,
    as_of: str | None = None,
    settings: Settings,
    narrator: Narrator | None = None,
) -> ReportData:
    """The data of a report from the notebook's parameters (JSON literals: ISO texts or None).

    `as_of` is the time the data-quality section measures pending / missed points against;
    by default the period end, so a report of a past period reads the same every time.
    """
    engine = db.connect(notebook_database_url())
    try:
        analysis = analyse_from_database(
            engine, kind, settings,
            day=Date.fromisoformat(report_date) if report_date else None,
            end=parse_aware(end, "end") if end else None,
            days=days, narrator=narrator,
        )
    finally:
        engine.dispose()
    moment = pd.Timestamp(parse_aware(as_of, "as_of")) if as_of else analysis.period.end
    return ReportData(analysis, moment)


def report_settings(*, timezone: str, min_samples: int, **thresholds: float) -> Settings:
    """Settings from a notebook's parameters (threshold names as in SuggestionThresholds)."""
    try:
        return Settings(timezone=timezone, min_samples=min_samples).with_overrides(thresholds=thresholds)
    except TypeError as exc:
        raise ConfigError(f"unknown threshold parameter: {exc}") from exc
