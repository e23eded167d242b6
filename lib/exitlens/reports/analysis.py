"""The analysis service of a report: from a database and a period to a `PeriodAnalysis`.

`analyse_from_database` is the one path from a database to a period's analysis, shared by
`exitlens summary`, `exitlens report` and the notebooks, so the three always agree.
`report_data` is what a notebook calls: its parameters in, the views (`views.ReportData`) out.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date as Date
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, DataError
from exitlens.core.filters import NO_FILTER, ReportFilter
from exitlens.core.headline import Narrator
from exitlens.core.settings import DEFAULT_SQLITE_PATH, KINDS, Settings
from exitlens.core.summary import (
    Period,
    PeriodAnalysis,
    analyse_day,
    analyse_days,
    analyse_month,
    month_before,
    period_for_day,
    period_for_days,
    period_for_month,
)
from exitlens.core.timeutil import parse_aware, parse_month
from exitlens.reports import archive
from exitlens.reports.llm import LLMConfig, narrator_from_config
from exitlens.reports.replay.service import replay_section, rules_path
from exitlens.reports.views import ReportData
from exitlens.store import db
from exitlens.store.candles import CandleReader
from exitlens.store.load import load_orders

# Where a report notebook writes the summary object of its run (run.py sets it for the kernel):
# the analysis is computed once, in the notebook, and the command reads this file back.
SUMMARY_PATH_ENV = "EXITLENS_SUMMARY_PATH"
NO_SELL_YET = "the database has no filled SELL yet: name the period (report_date / end / month) to report on"


def latest_sell_day(orders: pd.DataFrame, settings: Settings) -> Date | None:
    """The report-timezone date of the newest SELL, or None when there is none."""
    sells = orders.loc[orders["side"] == "SELL", "event_time"]
    return None if sells.empty else sells.max().tz_convert(settings.tz).date()


def midnight_after(day: Date, settings: Settings) -> datetime:
    """The start of the day after `day`, in the report timezone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.tz)


def current_period(kind: str, settings: Settings, now: datetime, *, day: Date | None = None,
                   end: datetime | None = None, month: tuple[int, int] | None = None) -> dict:
    """The period a scheduled or command-line report means when not told otherwise: today in
    the report timezone (daily), the days ending at midnight after today (weekly), or the last
    full calendar month (monthly)."""
    today = now.astimezone(settings.tz).date()
    if kind == "daily":
        return {"day": day or today}
    if kind == "monthly":
        return {"month": month or month_before(now, settings.tz)}
    return {"end": end or midnight_after(today, settings)}


def analyse_from_database(
    engine: Engine,
    kind: str,
    settings: Settings,
    *,
    day: Date | None = None,
    end: datetime | None = None,
    days: int = 7,
    month: tuple[int, int] | None = None,
    filters: ReportFilter = NO_FILTER,
    narrator: Narrator | None = None,
    as_of: datetime | None = None,
    candles: CandleReader | None = None,
) -> PeriodAnalysis:
    """The daily analysis of `day`, the weekly one of the `days` days before `end`, or the
    monthly one of `month` (year, month), counting only the sells inside `filters`.

    Without `day` / `end` / `month` the period is the latest day with a sell (daily), the
    `days` days ending with it (weekly), or its calendar month (monthly): reproducible on a
    fixed history, current on a live one.
    Notes about unreadable JSON of the period's orders are the first of the analysis' notes;
    a daily period without sells gets a note naming the latest day that has some.
    `as_of` (default: the period end) is when the 24h collection rate judges what is due.
    `candles` reads the candle paths after the sells; pass the reader the period's exit replay
    will use, so the candles both need are read once.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown report kind {kind!r}: use {', '.join(KINDS)}")
    if days < 1:
        raise ConfigError(f"days must be at least 1, got {days}")
    if candles is None:
        candles = CandleReader(engine, interval=settings.candle_interval)
    loaded = load_orders(engine)
    orders = loaded.orders
    latest = latest_sell_day(orders, settings)
    common: dict[str, Any] = {"narrator": narrator, "order_notes": loaded.notes_by_order, "filters": filters,
                              "as_of": as_of}
    if kind == "daily":
        chosen = day or latest
        if chosen is None:
            raise DataError(NO_SELL_YET)
        common["candles"] = sell_paths(candles, orders, period_for_day(chosen, settings.tz), settings)
        analysis = analyse_day(orders, chosen, settings, **common)
        if analysis.sells.empty and latest is not None and latest != chosen:
            hint = f"no sells on {chosen.isoformat()}; the latest day with sells is {latest.isoformat()}"
            analysis = dataclasses.replace(analysis, data_notes=[*analysis.data_notes, hint])
        return analysis
    if kind == "monthly":
        if month is None and latest is None:
            raise DataError(NO_SELL_YET)
        year, number = month or (latest.year, latest.month)  # type: ignore[union-attr]
        common["candles"] = sell_paths(candles, orders, period_for_month(year, number, settings.tz), settings)
        return analyse_month(orders, year, number, settings, **common)
    chosen_end = end or (midnight_after(latest, settings) if latest is not None else None)
    if chosen_end is None:
        raise DataError(NO_SELL_YET)
    common["candles"] = sell_paths(candles, orders, period_for_days(chosen_end, days, settings.tz), settings)
    return analyse_days(orders, chosen_end, days, settings, **common)


def sell_paths(candles: CandleReader, orders: pd.DataFrame, period: Period, settings: Settings) -> pd.DataFrame:
    """The candles after each SELL of `period`, up to its longest horizon (SPEC §2.2)."""
    sells = orders[(orders["side"] == "SELL") & period.contains(orders["event_time"])]
    longest = max(h.delta for h in settings.horizons)
    windows = pd.DataFrame({"symbol": sells["symbol"], "start": sells["event_time"],
                            "end": sells["event_time"] + longest})
    return candles.paths(windows)


def notebook_database_url() -> str:
    """The database a notebook reads: EXITLENS_DATABASE_URL / DATABASE_URL, else the embedded
    data/exitlens.db of the working directory or the nearest folder above it that has one, so
    a notebook opened from notebooks/ finds the project's demo database."""
    environment = Environment.from_mapping(os.environ)
    if environment.database_url:
        return environment.database_url
    for folder in (Path.cwd(), *Path.cwd().parents):
        candidate = folder / DEFAULT_SQLITE_PATH
        if candidate.exists():
            return f"sqlite:///{candidate}"
    return environment.database()


def notebook_rules_path() -> str | None:
    """The exit rules file a notebook replays (EXITLENS_EXIT_RULES, None when unset); a relative
    path that is not under the working directory is looked up in the nearest folder above that
    has it, so a notebook run from notebooks/ finds config/demo_exit_rules.toml as the command
    run from the project folder does."""
    path = rules_path(None, Environment.from_mapping(os.environ))  # a notebook is an edge: it reads the environment
    if path is None or Path(path).is_absolute() or Path(path).exists():
        return path
    for folder in Path.cwd().parents:
        if (folder / path).exists():
            return str(folder / path)
    return path


def report_data(
    kind: str,
    *,
    report_date: str | None = None,
    end: str | None = None,
    days: int = 7,
    month: str | None = None,
    as_of: str | None = None,
    settings: Settings,
    symbols: list[str] | None = None,
    regimes: list[str] | None = None,
    exit_reasons: list[str] | None = None,
    strategies: list[str] | None = None,
    narrator: Narrator | None = None,
    summary_path: str | Path | None = None,
) -> ReportData:
    """The data of a report from the notebook's parameters (JSON literals: ISO texts, lists
    of texts for the filters (empty: all), or None).

    `as_of` is the time the data-quality section and the collection rate measure pending /
    missed points against, and the end of the candles exit replay reads (when
    EXITLENS_EXIT_RULES names a rules file); by default the period end, so a report of a past
    period reads the same every time. The headline is the LLM's when one is configured
    (EXITLENS_LLM_*), else the deterministic one. The summary object is written to
    `summary_path` (default: $EXITLENS_SUMMARY_PATH, set by `exitlens report` for its run;
    unset: not written), so the command, the index and the announcement show this very analysis.
    """
    moment = parse_aware(as_of, "as_of") if as_of else None
    environment = Environment.from_mapping(os.environ)  # a notebook is an edge: it reads the environment
    engine = db.connect(notebook_database_url())
    candles = CandleReader(engine, interval=settings.candle_interval)
    try:
        analysis = analyse_from_database(
            engine, kind, settings,
            day=Date.fromisoformat(report_date) if report_date else None,
            end=parse_aware(end, "end") if end else None,
            days=days, month=parse_month(month, "month") if month else None, as_of=moment,
            narrator=narrator or narrator_from_config(LLMConfig.from_environment(environment), settings.language),
            filters=ReportFilter.of(symbols=symbols, regimes=regimes, exit_reasons=exit_reasons, strategies=strategies),
            candles=candles,
        )
        as_of_time = pd.Timestamp(moment) if moment else analysis.period.end
        analysis = replay_section(engine, analysis, notebook_rules_path(), now=as_of_time, strict=False,
                                  candles=candles)
    finally:
        engine.dispose()
    target = summary_path or environment.summary_path
    if target:
        archive.write_json(Path(target), analysis.to_json())
    return ReportData(analysis, as_of_time)


def report_settings(*, timezone: str, min_samples: int, language: str = "en", **thresholds: float) -> Settings:
    """Settings from a notebook's parameters (threshold names as in SuggestionThresholds); the
    quote currency and exit-reason aliases from the environment, as `exitlens summary` reads
    them, so the notebook and summary.json agree."""
    try:
        environment = Environment.from_mapping(os.environ)  # a notebook is an edge: it reads the environment
        return environment.settings(timezone, language, min_samples=min_samples).with_overrides(thresholds=thresholds)
    except TypeError as exc:
        raise ConfigError(f"unknown threshold parameter: {exc}") from exc
