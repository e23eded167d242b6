"""The one engine behind the daily and the weekly numbers: a period, the orders, the settings
in; the SPEC §4 summary object (and the per-sell table behind it) out.

Daily, weekly and monthly differ only in their window (`period_for_day`, `period_for_days`,
`period_for_month`) and in the `date` / `days` / `month` keys, so they share `analyse_period`. The ledger runs over the whole history
given, because an entry price depends on BUYs from before the period; only then are sells
filtered to the period, by event time, start inclusive, end exclusive, and to the report's
slice (`filters.ReportFilter`: symbols, regimes, exit reasons, strategies).

Period bounds are aware datetimes (naive ones raise DataError: a window without a zone is
ambiguous by up to a day). `period_start` / `period_end` in the JSON are ISO-8601 in the report
timezone, with its offset (`2026-11-23T00:00:00+09:00`), which is the same instant as the UTC
bound and reads as the calendar day the report is about. Time is always a parameter here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date as Date
from datetime import datetime, time, timedelta
from typing import Any, Sequence
from zoneinfo import ZoneInfo

import pandas as pd

from exitlens.core import quality
from exitlens.core.after_exit import noise_stops, path_extremes, verdicts
from exitlens.core.aggregate import Buckets, bucket_all
from exitlens.core.drawdown import max_drawdown
from exitlens.core.errors import ConfigError, DataError
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.evidence import by_evidence
from exitlens.core.filters import NO_FILTER, ReportFilter
from exitlens.core.headline import Narration, Narrator, narrator_in
from exitlens.core.ledger import entry_ledger
from exitlens.core.settings import KINDS, Settings, zone_info
from exitlens.core.suggestions import Suggestion, suggest
from exitlens.core.timeutil import aware_utc

logger = logging.getLogger(__name__)

@dataclass(frozen=True)
class Period:
    """A half-open UTC window [start, end)."""

    start: pd.Timestamp
    end: pd.Timestamp

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", aware_utc(self.start, "period start"))
        object.__setattr__(self, "end", aware_utc(self.end, "period end"))
        if self.end <= self.start:
            raise DataError(f"period end {self.end} is not after its start {self.start}")

    def contains(self, times: pd.Series) -> pd.Series:
        """True for the times in [start, end)."""
        return (times >= self.start) & (times < self.end)


def period_for_day(day: Date, tz: str | ZoneInfo) -> Period:
    """The calendar day `day` in timezone `tz`, as a UTC window (23 or 25 hours long on DST
    change days)."""
    zone = zone_info(tz) if isinstance(tz, str) else tz
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return Period(pd.Timestamp(start), pd.Timestamp(end))


def period_for_days(end: datetime, days: int, tz: str | ZoneInfo = "UTC") -> Period:
    """The `days` calendar days ending at `end` (aware) in timezone `tz`: the start is the same
    wall-clock time `days` days earlier, so a week across a DST change is 167 or 169 hours."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError(f"days must be a whole number of 1 or more, got {days!r}")
    zone = zone_info(tz) if isinstance(tz, str) else tz
    stop = aware_utc(end, "period end")
    start = stop.tz_convert(zone) - pd.DateOffset(days=days)
    return Period(start, stop)


def period_for_month(year: int, month: int, tz: str | ZoneInfo) -> Period:
    """The calendar month `year`-`month` in timezone `tz`, as a UTC window."""
    zone = zone_info(tz) if isinstance(tz, str) else tz
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return Period(pd.Timestamp(start), pd.Timestamp(end))


def month_before(moment: datetime, tz: str | ZoneInfo) -> tuple[int, int]:
    """(year, month) of the last full calendar month before `moment` (aware) in timezone `tz`."""
    zone = zone_info(tz) if isinstance(tz, str) else tz
    local = aware_utc(moment, "now").tz_convert(zone)
    return (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)


def month_text(year: int, month: int) -> str:
    """'2026-11'."""
    return f"{year:04d}-{month:02d}"


@dataclass(frozen=True)
class PeriodAnalysis:
    """Everything a daily or weekly report shows about one period.

    `sells` is the per-sell evaluation frame of the period (evaluate.sell_columns) for detail
    tables; `buckets` the aggregated frames; `to_json()` the SPEC §4 summary object."""

    kind: str
    period: Period
    settings: Settings
    trade_count: int
    sells: pd.DataFrame
    buckets: Buckets
    suggestions: list[Suggestion]
    data_notes: list[str]
    suggestion_notes: list[str]
    narration: Narration
    date: Date | None = None
    days: int | None = None
    as_of: pd.Timestamp | None = None
    collection_rate_24h: float | None = None
    replay: dict | None = None
    replay_notes: list[str] = field(default_factory=list)
    max_drawdown: dict[str, float] = field(default_factory=dict)
    month: str | None = None
    filters: ReportFilter = NO_FILTER

    @property
    def headline(self) -> str:
        return self.narration.text

    @property
    def notes(self) -> list[str]:
        """Every note of the summary: about the data, about the suggestions (such as "not
        enough data"), and why the headline is not the LLM's when one was wanted."""
        narration = [self.narration.note] if self.narration.note else []
        return self.data_notes + self.suggestion_notes + self.replay_notes + narration

    def to_json(self) -> dict:
        """The summary object of SPEC §4, JSON-ready (plain types, None for unknown); with a
        `replay` key (SPEC §6), before the buckets, only when the period was replayed."""
        out = {**self.facts(), "notes": self.notes, "headline": self.headline}
        if self.replay is None:
            return out
        at = list(out).index("overall") if "overall" in out else len(out)
        items = list(out.items())
        return dict(items[:at] + [("replay", self.replay)] + items[at:])

    def with_replay(self, replay: dict, checks: dict[str, dict], notes: list[str]) -> PeriodAnalysis:
        """This analysis with the exit replay object, each suggestion's replay check (keyed by
        the suggestion's metric, by its rule name when it has none: two regime reviews differ
        only by metric) and the replay's notes."""
        suggestions = [replace(s, replay=checks.get(s.metric or s.rule)) for s in self.suggestions]
        return replace(self, replay=replay, suggestions=suggestions, replay_notes=list(notes))

    def facts(self) -> dict:
        """The summary object without its headline: what a narrator writes the headline from."""
        return _facts(self.kind, self.period, self.settings, {"date": self.date, "days": self.days, "month": self.month},
                      self.filters, self.trade_count, self.buckets, self.suggestions,
                      self.data_notes + self.suggestion_notes, self.collection_rate_24h, self.max_drawdown)


def _facts(kind: str, period: Period, settings: Settings, window: dict, filters: ReportFilter,
           trade_count: int, buckets: Buckets, suggestions: list[Suggestion], notes: list[str],
           collection_rate_24h: float | None, drawdown: dict[str, float]) -> dict:
    zone = settings.tz
    out: dict[str, Any] = {
        "kind": kind,
        "period_start": period.start.tz_convert(zone).isoformat(),
        "period_end": period.end.tz_convert(zone).isoformat(),
        "timezone": settings.timezone,
    }
    if kind == "daily":
        out["date"] = window["date"].isoformat() if window["date"] else None
    elif kind == "weekly":
        out["days"] = window["days"]
    else:
        out["month"] = window["month"]
    out["filters"] = filters.to_json()
    out["trade_count"] = trade_count
    out["max_drawdown"] = dict(drawdown)
    out["collection_rate_24h"] = collection_rate_24h
    out.update(buckets.to_json(settings))
    out["suggestions"] = by_evidence(suggestion.to_dict() for suggestion in suggestions)
    out["notes"] = list(notes)
    return out


def analyse_period(
    orders: pd.DataFrame,
    *,
    kind: str,
    period_start: datetime,
    period_end: datetime,
    settings: Settings,
    days: int | None = None,
    date: Date | None = None,
    month: str | None = None,
    filters: ReportFilter = NO_FILTER,
    narrator: Narrator | None = None,
    order_notes: Sequence[tuple[Any, str]] = (),
    candles: pd.DataFrame | None = None,
    as_of: datetime | None = None,
) -> PeriodAnalysis:
    """Analyse the sells of [period_start, period_end) inside `filters` against the whole
    history `orders` (the ledger sees every fill, the slice only decides which are counted).

    `candles` (store.candles.CANDLE_PATH_COLUMNS) are the paths after the period's sells, for
    the after-exit metrics (SPEC §2.2); without them those metrics are missing.
    `as_of` (default: the period end) is when the 24h collection rate judges which points are
    due: a report of a past period reads the same every time.

    `order_notes` are (order id, note) pairs from loading; those of the period's orders are
    the first data notes.
    `orders` is the orders frame (frames.ORDER_COLUMNS); rows whose status is not FILLED are
    ignored. `date` (daily) defaults to the report-timezone date of the start; `days` (weekly)
    to the window length in whole days; `month` (monthly) to the month of the start. `narrator`
defaults to the deterministic headline in the settings' language.
    """
    if kind not in KINDS:
        raise ConfigError(f"unknown summary kind {kind!r}: use one of {', '.join(KINDS)}")
    period = Period(period_start, period_end)
    zone = settings.tz
    if kind == "daily" and date is None:
        date = period.start.tz_convert(zone).date()
    if kind == "weekly" and days is None:
        days = round((period.end - period.start) / pd.Timedelta(days=1))
    if kind == "monthly" and month is None:
        start = period.start.tz_convert(zone)
        month = month_text(start.year, start.month)

    history = _filled(orders)
    ledger = entry_ledger(history)
    in_period = filters.apply(history[period.contains(history["event_time"]).to_numpy()])
    evaluation = evaluate_sells(in_period, settings, ledger=ledger)
    sells = with_after_exit(evaluation.sells, candles, settings)
    buckets = bucket_all(sells, settings)
    advice = suggest(buckets, settings)

    in_period_ids = set(in_period["id"]) if "id" in in_period.columns else set()
    data_notes = [note for order_id, note in order_notes if order_id in in_period_ids] + evaluation.notes
    days = None if days is None else int(days)
    trade_count = int(len(in_period))
    moment = period.end if as_of is None else aware_utc(as_of, "as_of")
    collected = quality.collection_rate(evaluation.sells, moment, settings)
    drawdown = max_drawdown(evaluation.sells)
    facts = _facts(kind, period, settings, {"date": date, "days": days, "month": month}, filters, trade_count,
                   buckets, advice.suggestions, data_notes + advice.notes, collected, drawdown)
    narration = (narrator or narrator_in(settings.language))(facts)
    logger.info(
        "%s summary %s – %s: %d fills, %d sells, %d note(s)",
        kind, period.start, period.end, trade_count, len(evaluation.sells),
        len(data_notes) + len(advice.notes) + bool(narration.note),
    )
    return PeriodAnalysis(
        kind=kind, period=period, settings=settings, trade_count=trade_count, sells=sells,
        buckets=buckets, suggestions=advice.suggestions, data_notes=data_notes,
        suggestion_notes=advice.notes, narration=narration, date=date, days=days, month=month, filters=filters,
        as_of=moment, collection_rate_24h=collected, max_drawdown=drawdown,
    )


def sells_between(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, settings: Settings,
                  filters: ReportFilter = NO_FILTER) -> pd.DataFrame:
    """The evaluation frame (no after-exit columns) of the sells in [start, end) inside
    `filters`, against the whole history `orders`, as `analyse_period` evaluates a period's: what
    exit replay's walk-forward needs of the periods before the one reported."""
    history = _filled(orders)
    inside = filters.apply(history[Period(start, end).contains(history["event_time"]).to_numpy()])
    return evaluate_sells(inside, settings, ledger=entry_ledger(history)).sells


def first_fill(orders: pd.DataFrame) -> pd.Timestamp | None:
    """When the history of FILLED orders begins (UTC), None when it holds none."""
    times = _filled(orders)["event_time"]
    return None if times.empty else times.min()


def with_after_exit(sells: pd.DataFrame, candles: pd.DataFrame | None, settings: Settings) -> pd.DataFrame:
    """The evaluation frame with the after-exit columns: path extremes, noise stop, verdict."""
    extremes = path_extremes(sells, candles, settings)
    noise = noise_stops(sells, extremes)
    judged = verdicts(sells, noise, settings)
    return pd.concat([sells, extremes, noise.rename("noise_stop"), judged], axis=1)


def analyse_day(
    orders: pd.DataFrame, day: Date, settings: Settings, *, narrator: Narrator | None = None,
    order_notes: Sequence[tuple[Any, str]] = (), candles: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    filters: ReportFilter = NO_FILTER,
) -> PeriodAnalysis:
    """The daily analysis of calendar day `day` in the settings' report timezone."""
    period = period_for_day(day, settings.tz)
    return analyse_period(orders, kind="daily", period_start=period.start, period_end=period.end,
                          settings=settings, date=day, narrator=narrator, order_notes=order_notes,
                          candles=candles, as_of=as_of, filters=filters)


def analyse_month(
    orders: pd.DataFrame, year: int, month: int, settings: Settings, *, narrator: Narrator | None = None,
    order_notes: Sequence[tuple[Any, str]] = (), candles: pd.DataFrame | None = None,
    as_of: datetime | None = None, filters: ReportFilter = NO_FILTER,
) -> PeriodAnalysis:
    """The monthly analysis of calendar month `year`-`month` in the settings' report timezone."""
    period = period_for_month(year, month, settings.tz)
    return analyse_period(orders, kind="monthly", period_start=period.start, period_end=period.end,
                          settings=settings, month=month_text(year, month), narrator=narrator,
                          order_notes=order_notes, candles=candles, as_of=as_of, filters=filters)


def analyse_days(
    orders: pd.DataFrame,
    end: datetime,
    days: int,
    settings: Settings,
    *,
    narrator: Narrator | None = None,
    order_notes: Sequence[tuple[Any, str]] = (),
    candles: pd.DataFrame | None = None,
    as_of: datetime | None = None,
    filters: ReportFilter = NO_FILTER,
) -> PeriodAnalysis:
    """The weekly analysis of the `days` days ending at `end` (aware)."""
    period = period_for_days(end, days, settings.tz)
    return analyse_period(orders, kind="weekly", period_start=period.start, period_end=period.end,
                          settings=settings, days=days, narrator=narrator, order_notes=order_notes,
                          candles=candles, as_of=as_of, filters=filters)


def _filled(orders: pd.DataFrame) -> pd.DataFrame:
    """FILLED orders with a unique index and UTC event times (naive read as UTC, SPEC §1)."""
    frame = orders.reset_index(drop=True)
    if "status" in frame.columns:
        status = frame["status"].astype(object).where(frame["status"].notna(), "")
        frame = frame[status.astype(str).str.upper().eq("FILLED").to_numpy()]
    if "event_time" not in frame.columns:
        raise DataError("orders frame lacks column event_time: load it with exitlens.store.load")
    frame = frame.copy()
    frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
    return frame
