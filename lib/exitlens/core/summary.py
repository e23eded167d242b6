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
from typing import Any, Callable, Sequence
from zoneinfo import ZoneInfo

import pandas as pd

from exitlens.core import quality
from exitlens.core.after_exit import noise_stops, path_extremes, verdicts
from exitlens.core.aggregate import Buckets, bucket_all
from exitlens.core.drawdown import max_drawdown
from exitlens.core.errors import ConfigError, DataError
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.evidence import ranked
from exitlens.core.excursions import excursions, excursions_json
from exitlens.core.filters import NO_FILTER, ReportFilter
from exitlens.core.headline import SOURCE_DETERMINISTIC, Narration, Narrator, narrator_in
from exitlens.core.ledger import entry_ledger
from exitlens.core.settings import KINDS, Settings, zone_info
from exitlens.core.suggestions import Suggestion, suggest
from exitlens.core.tearsheet import tear_sheet_json
from exitlens.core.timeutil import aware_utc
from exitlens.core.verdict_counts import verdicts_json

logger = logging.getLogger(__name__)

CandleSource = Callable[[pd.DataFrame], pd.DataFrame]
"""What reads candles for given windows (columns symbol, start, end): a
`store.candles.CandleReader`'s `paths`, or a test's function over a frame."""

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

    def require_begun(self, now: datetime, tz: str) -> None:
        """Refuse (ConfigError) a period wholly after `now`: it has no sell yet, and a report of
        it would be empty, not wrong, so a typo in a scheduled period would go unnoticed."""
        moment = aware_utc(now, "now")
        if self.start > moment:
            zone = zone_info(tz)
            start, end = self.start.tz_convert(zone), self.end.tz_convert(zone)
            raise ConfigError(f"the period {start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({tz}) has not begun: "
                              f"it is now {moment.tz_convert(zone):%Y-%m-%d %H:%M}; name a period up to now")


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
        return {**self.facts(), "notes": self.notes, "headline": self.headline}

    def with_replay(self, replay: dict, checks: dict[str, dict], notes: list[str]) -> PeriodAnalysis:
        """This analysis with the exit replay object, each suggestion's replay check (keyed by
        the suggestion's metric, by its rule name when it has none: two regime reviews differ
        only by metric) and the replay's notes; the deterministic headline is written again, so
        it leads with the strongest suggestion the replay brought (an LLM's headline is kept)."""
        suggestions = [replace(s, replay=checks.get(s.metric or s.rule)) for s in self.suggestions]
        replayed = replace(self, replay=replay, suggestions=suggestions, replay_notes=list(notes))
        if self.narration.source != SOURCE_DETERMINISTIC:
            return replayed
        return replace(replayed, narration=narrator_in(self.settings.language)(replayed.facts()))

    def ranked_suggestions(self) -> list[dict]:
        """The rule-based and replay-backed suggestions, each with its `evidence`, strongest
        first (SPEC §3): the summary's `suggestions`."""
        return ranked({"suggestions": [s.to_dict() for s in self.suggestions], "replay": self.replay})

    def facts(self) -> dict:
        """The summary object without its headline: what a narrator writes the headline from."""
        return _facts(self.kind, self.period, self.settings, {"date": self.date, "days": self.days, "month": self.month},
                      self.filters, self.trade_count, self.buckets, self.suggestions,
                      self.data_notes + self.suggestion_notes, self.collection_rate_24h, self.max_drawdown,
                      self.sells, self.replay)


def _facts(kind: str, period: Period, settings: Settings, window: dict, filters: ReportFilter,
           trade_count: int, buckets: Buckets, suggestions: list[Suggestion], notes: list[str],
           collection_rate_24h: float | None, drawdown: dict[str, float], sells: pd.DataFrame,
           replay: dict | None = None) -> dict:
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
    out["verdicts"] = verdicts_json(sells)
    if replay is not None:
        out["replay"] = replay
    out.update(buckets.to_json(settings))
    out["tear_sheet"] = tear_sheet_json(sells)
    out["excursions"] = excursions_json(sells)
    out["suggestions"] = ranked({"suggestions": [suggestion.to_dict() for suggestion in suggestions],
                                 "replay": replay})
    out["notes"] = list(notes)
    return out


@dataclass(frozen=True)
class AnalysisRequest:
    """What `analyse_period` analyses: the period and its window key (`date` daily, `days`
    weekly, `month` monthly), the settings, the slice, and what it reads beside the orders.

    `candles` (store.candles.CANDLE_PATH_COLUMNS) are the paths of the period's sells, from
    each position's open to its longest horizon after the exit, for the after-exit metrics
    (SPEC §2.2) and the in-trade excursions; or a `CandleSource` asked once for exactly those
    windows (`candle_windows`); without them those metrics are missing. `as_of`
    (default: the period end) is the moment the analysis judges what is due at: the 24h
    collection rate and which after-exit windows have passed, so a report of a past period
    reads the same every time. `order_notes` are (order id, note) pairs from loading; those
    of the period's orders are the first data notes. `narrator` defaults to the deterministic
    headline in the settings' language. Build one with `daily`, `weekly` or `monthly`.
    """

    kind: str
    period: Period
    settings: Settings
    date: Date | None = None
    days: int | None = None
    month: str | None = None
    filters: ReportFilter = NO_FILTER
    narrator: Narrator | None = None
    order_notes: Sequence[tuple[Any, str]] = ()
    candles: pd.DataFrame | CandleSource | None = None
    as_of: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"unknown summary kind {self.kind!r}: use one of {', '.join(KINDS)}")

    @classmethod
    def daily(cls, day: Date, settings: Settings, **options: Any) -> AnalysisRequest:
        """Calendar day `day` in the settings' report timezone."""
        return cls("daily", period_for_day(day, settings.tz), settings, date=day, **options)

    @classmethod
    def weekly(cls, end: datetime, days: int, settings: Settings, **options: Any) -> AnalysisRequest:
        """The `days` days ending at `end` (aware)."""
        return cls("weekly", period_for_days(end, days, settings.tz), settings, days=days, **options)

    @classmethod
    def monthly(cls, year: int, month: int, settings: Settings, **options: Any) -> AnalysisRequest:
        """Calendar month `year`-`month` in the settings' report timezone."""
        return cls("monthly", period_for_month(year, month, settings.tz), settings,
                   month=month_text(year, month), **options)


def analyse_period(orders: pd.DataFrame, request: AnalysisRequest) -> PeriodAnalysis:
    """Analyse the sells of the request's period inside its filters against the whole history
    `orders` (the ledger sees every fill, the slice only decides which are counted).

    `orders` is the orders frame (frames.ORDER_COLUMNS); rows whose status is not FILLED are
    ignored. A request without its window key takes it from the period: `date` (daily) the
    report-timezone date of the start, `days` (weekly) the length in whole days, `month`
    (monthly) the month of the start.
    """
    kind, period, settings, filters = request.kind, request.period, request.settings, request.filters
    zone = settings.tz
    date, days, month = request.date, request.days, request.month
    if kind == "daily" and date is None:
        date = period.start.tz_convert(zone).date()
    if kind == "weekly" and days is None:
        days = round((period.end - period.start) / pd.Timedelta(days=1))
    if kind == "monthly" and month is None:
        start = period.start.tz_convert(zone)
        month = month_text(start.year, start.month)

    history = _filled(orders)
    ledger = entry_ledger(history)
    in_period = filters.apply(history[period.contains(history["event_time"]).to_numpy()],
                              settings.exit_reason_aliases)
    evaluation = evaluate_sells(in_period, settings, ledger=ledger)
    candles = request.candles
    if callable(candles):
        candles = candles(candle_windows(evaluation.sells, settings))
    moment = period.end if request.as_of is None else aware_utc(request.as_of, "as_of")
    sells = with_after_exit(evaluation.sells, candles, settings, moment)
    buckets = bucket_all(sells, settings)
    advice = suggest(buckets, settings)

    in_period_ids = set(in_period["id"]) if "id" in in_period.columns else set()
    data_notes = [note for order_id, note in request.order_notes if order_id in in_period_ids] + evaluation.notes
    days = None if days is None else int(days)
    trade_count = int(len(in_period))
    collected = quality.collection_rate(evaluation.sells, moment, settings)
    drawdown = max_drawdown(evaluation.sells)
    facts = _facts(kind, period, settings, {"date": date, "days": days, "month": month}, filters, trade_count,
                   buckets, advice.suggestions, data_notes + advice.notes, collected, drawdown, sells)
    narration = (request.narrator or narrator_in(settings.language))(facts)
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


def candle_windows(sells: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per sell, the candles its metrics read (columns symbol, start, end): from its position's
    open (its exit when unknown) to its longest post-exit horizon."""
    longest = max(h.delta for h in settings.horizons)
    start = sells["open_time"].where(sells["open_time"].notna(), sells["event_time"])
    return pd.DataFrame({"symbol": sells["symbol"], "start": start, "end": sells["event_time"] + longest})


def with_after_exit(sells: pd.DataFrame, candles: pd.DataFrame | None, settings: Settings,
                    now: pd.Timestamp) -> pd.DataFrame:
    """The evaluation frame with the after-exit columns (path extremes of the windows passed by
    `now`, noise stop, verdict) and the in-trade excursions (MFE, MAE, capture ratio), from the
    same candles."""
    extremes = path_extremes(sells, candles, settings, now)
    noise = noise_stops(sells, extremes)
    judged = verdicts(sells, noise, settings)
    return pd.concat([sells, extremes, noise.rename("noise_stop"), judged, excursions(sells, candles)], axis=1)


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
