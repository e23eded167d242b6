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
from exitlens.core.evaluate import exit_orders
from exitlens.core.filters import NO_FILTER, ReportFilter
from exitlens.core.headline import Narrator
from exitlens.core.i18n import t
from exitlens.core.settings import DEFAULT_SQLITE_PATH, KINDS, Settings
from exitlens.core.summary import (
    AnalysisRequest,
    Period,
    PeriodAnalysis,
    analyse_period,
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
from exitlens.store.load import filter_values, load_orders

NO_SELL_YET = "the database has no filled SELL yet: name the period (report_date / end / month) to report on"


def latest_sell_day(orders: pd.DataFrame, settings: Settings) -> Date | None:
    """The report-timezone date of the newest exit order (SELL of a long, BUY of a short), or
    None when there is none."""
    sells = orders.loc[exit_orders(orders), "event_time"]
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
    `candles` reads each sell's candles, from its position's open to its longest horizon after
    the exit, in one set-based read; pass the reader the period's exit replay will use, so the
    candles both need are read once.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown report kind {kind!r}: use {', '.join(KINDS)}")
    if days < 1:
        raise ConfigError(f"days must be at least 1, got {days}")
    if candles is None:
        candles = CandleReader(engine, interval=settings.candle_interval)
    filters = known_filter(engine, filters, settings)
    loaded = load_orders(engine)
    orders = loaded.orders
    latest = latest_sell_day(orders, settings)
    common: dict[str, Any] = {"narrator": narrator, "order_notes": loaded.notes_by_order, "filters": filters,
                              "as_of": as_of, "candles": candles.paths}
    if kind == "daily":
        chosen = day or latest
        if chosen is None:
            raise DataError(NO_SELL_YET)
        _require_begun(period_for_day(chosen, settings.tz), as_of, settings)
        analysis = analyse_period(orders, AnalysisRequest.daily(chosen, settings, **common))
        if analysis.sells.empty and latest is not None and latest != chosen:
            hint = t("note.no_sells_on_day", settings.language, day=chosen.isoformat(), latest=latest.isoformat())
            analysis = dataclasses.replace(analysis, data_notes=[*analysis.data_notes, hint])
        return analysis
    if kind == "monthly":
        if month is None and latest is None:
            raise DataError(NO_SELL_YET)
        year, number = month or (latest.year, latest.month)  # type: ignore[union-attr]
        _require_begun(period_for_month(year, number, settings.tz), as_of, settings)
        return _latest_named(analyse_period(orders, AnalysisRequest.monthly(year, number, settings, **common)), latest,
                             f"the latest month with sells is {latest:%Y-%m}: pass --month {latest:%Y-%m}"
                             if latest is not None else "")
    chosen_end = end or (midnight_after(latest, settings) if latest is not None else None)
    if chosen_end is None:
        raise DataError(NO_SELL_YET)
    _require_begun(period_for_days(chosen_end, days, settings.tz), as_of, settings)
    latest_end = midnight_after(latest, settings) if latest is not None else None
    return _latest_named(analyse_period(orders, AnalysisRequest.weekly(chosen_end, days, settings, **common)), latest,
                         f"the latest sell is on {latest.isoformat()} ({settings.timezone}): pass --end "
                         f"{latest_end.isoformat()}" if latest is not None and latest_end is not None else "")


def _latest_named(analysis: PeriodAnalysis, latest: Date | None, hint: str) -> PeriodAnalysis:
    """`analysis`, with a note naming the latest period that has sells when its own has none
    (a backtest's or a quiet bot's history is not this week)."""
    if not analysis.sells.empty or latest is None:
        return analysis
    return dataclasses.replace(analysis, data_notes=[*analysis.data_notes, f"no sells in this period; {hint}"])


def known_filter(engine: Engine, filters: ReportFilter, settings: Settings) -> ReportFilter:
    """`filters` with its exit reasons read through the alias map, once every value it names is
    in the database; else the ConfigError that names the known values (SPEC §5)."""
    if filters.is_empty:
        return filters
    return filters.require_known(filter_values(engine), settings.exit_reason_aliases)


def _require_begun(period: Period, as_of: datetime | None, settings: Settings) -> None:
    """A period judged as of a time before it begins is refused (`as_of`: the run's now)."""
    if as_of is not None:
        period.require_begun(as_of, settings.timezone)


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


def notebook_rules_path(rules: str | None = None) -> str | None:
    """The exit rules file a notebook replays (its `rules` parameter, else EXITLENS_EXIT_RULES
    as the command reads it, None when neither is set); a relative
    path that is not under the working directory is looked up in the nearest folder above that
    has it, so a notebook run from notebooks/ finds config/demo_exit_rules.toml as the command
    run from the project folder does."""
    path = rules_path(rules, Environment.from_mapping(os.environ))  # a notebook is an edge: it reads the environment
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
    rules: str | None = None,
) -> ReportData:
    """The data of a report from the notebook's parameters (JSON literals: ISO texts, lists
    of texts for the filters (empty: all), or None).

    `as_of` is the time the data-quality section and the collection rate measure pending /
    missed points against, and the end of the candles exit replay reads (when `rules`, else
    EXITLENS_EXIT_RULES, names a rules file); by default the period end, so a report of a past
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
        analysis = replay_section(engine, analysis, notebook_rules_path(rules), now=as_of_time, strict=False,
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
