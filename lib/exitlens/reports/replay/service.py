"""Exit replay of a period, the service (SPEC §6): reads the candles once, builds the kernel's
arrays, calls core, and returns a typed result.

For the period's replayable SELLs it reads each position's candles with a
`store.candles.CandleReader` (one range query per symbol range and chunk; none for the candles
the report's after-exit paths already read) from the position's open to its actual exit + the
rules' `horizon_hours`, bounded by `now`, lays them out as the kernel's flat arrays
(`path_bounds`: each path from the first candle at or after the open to that end, so a later
position of the same symbol never extends it), and runs the tested core: `replay_study`
(core.replay_stats.study: the actual rules and the sweep over the sells of the whole history
the walk-forward covers in one kernel call, the grid and the regime sweeps over the period's
sells in another; the sweep table, the picks at the (1 − 0.05 / m) interval, the walk-forward,
the grid, the regime tables and the suggestions with their evidence) and `fidelity`. Text for
the command is in `text.py`, the notebook tables in `views.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError
from exitlens.core.evidence import by_evidence
from exitlens.core.i18n import t
from exitlens.core.jsonvalues import json_scalar
from exitlens.core.replay import (
    CANDLES_AFTER_EXIT,
    NO_CANDLE_AT_ENTRY,
    OPEN_AT_END,
    PATH_OK,
    Candles,
    Trades,
    exit_reason_codes,
    fidelity,
    path_bounds,
)
from exitlens.core.replay.engine import modelled
from exitlens.core.replay.fidelity import FIDELITY_TOLERANCE_MINUTES, Fidelity
from exitlens.core.replay.rules import RuleBook, load_rules
from exitlens.core.replay_stats import (
    ReplaySuggestion,
    WalkForward,
    check_regime,
    check_suggestion,
    default_grid,
    out_of_sample_json,
    regimes_to_sweep,
    sweep_values,
)
from exitlens.core.replay_stats.study import Study, plan, replay_study
from exitlens.core.settings import candle_span
from exitlens.core.summary import PeriodAnalysis, first_fill, sells_between
from exitlens.core.timeutil import aware_utc
from exitlens.store.candles import CandleReader
from exitlens.store.load import load_orders

log = logging.getLogger(__name__)

RULES_ENV = "EXITLENS_EXIT_RULES"
"""The variable that names the rules file (read as `Environment.exit_rules`)."""
HOW_TO_ADD_RULES = t("replay.how_to_add", env=RULES_ENV)
"""What a command says when it needs a rules file and has none (reports say it in their language)."""


@dataclass(frozen=True)
class ReplayResult:
    """The replay of a period: the SPEC §6 object (`to_json`), the study behind it (sweep,
    picks, walk-forward, grid, regime sweeps, suggestions), fidelity and coverage, and notes
    (such as a regime table no sell of the period belongs to, a sell that is not replayable and
    why, or fewer walk-forward folds than asked for)."""

    rules: str
    model: str
    fill: str
    replayable: int
    not_replayable: int
    open_at_end: int
    horizon_hours: float
    fidelity: Fidelity
    study: Study
    min_samples: int
    notes: list[str] = field(default_factory=list)

    @property
    def sweep(self) -> pd.DataFrame:
        return self.study.sweep

    @property
    def suggestions(self) -> list[ReplaySuggestion]:
        return self.study.suggestions

    def to_json(self) -> dict:
        """The REPLAY object of SPEC §6, JSON-safe (None, never NaN); suggestions strongest
        evidence first."""
        fit, study = self.fidelity, self.study
        return {
            "rules": self.rules, "model": self.model, "fill": self.fill, "replayable": self.replayable,
            "not_replayable": self.not_replayable, "open_at_end": self.open_at_end,
            "horizon_hours": self.horizon_hours, "fidelity": fit.value, "fidelity_samples": fit.samples,
            "fidelity_by_reason": {reason: {"fidelity": value, "n": n} for reason, (value, n) in fit.by_reason.items()},
            "coverage": fit.coverage, "unmodelled": dict(fit.unmodelled),
            "sweep": [_row_json(row) for row in study.sweep.to_dict("records")],
            "regimes": {regime: [_row_json(row) for row in table.to_dict("records")]
                        for regime, table in study.regimes.items()},
            "grid": None if study.grid is None else {
                "parameters": [str(name) for name in study.grid.columns[:2]],
                "cells": [_row_json(row) for row in study.grid.to_dict("records")]},
            "walk_forward": walk_forward_json(study.walk),
            "comparisons": study.comparisons,
            "suggestions": by_evidence({key: json_value(value) for key, value in s.to_dict().items()}
                                       for s in study.suggestions),
        }

    def mark(self, analysis: PeriodAnalysis) -> PeriodAnalysis:
        """`analysis` with this replay in its summary, a replay check on every rule-based
        suggestion (a regime_review from its regime's own sweep), and this replay's notes."""
        checks = {}
        for s in analysis.suggestions:
            if s.rule == "regime_review":
                regime = str(s.metric).split(".")[1]
                check = check_regime(self.study.regimes.get(regime), self.study.regime_picks.get(regime))
            else:
                check = check_suggestion(self.sweep, s.rule, min_samples=self.min_samples)
            checks[s.metric or s.rule] = {key: json_scalar(value) for key, value in check.to_dict().items()}
        return analysis.with_replay(self.to_json(), checks, self.notes)


def walk_forward_json(walk: WalkForward) -> dict:
    """The walk-forward as SPEC §6 has it: the folds formed, those asked for, the training
    windows, and per parameter the pooled out-of-sample n, mean, interval and chosen values."""
    return {"folds": len(walk.folds), "folds_requested": walk.requested, "train": walk.train,
            "by_parameter": {name: out_of_sample_json(result) for name, result in walk.by_parameter.items()}}


def json_value(value: object) -> object:
    """A JSON-safe value: NaN → None, numpy scalars → Python ones, dicts and lists within too."""
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    return json_scalar(value)


def _row_json(row: dict) -> dict:
    return {str(key): ({currency: json_scalar(amount) for currency, amount in value.items()} if key == "total"
                       else json_scalar(value)) for key, value in row.items()}


def rules_path(option: str | None, environment: Environment) -> str | None:
    """The exit rules file: the --rules option, else EXITLENS_EXIT_RULES, else None."""
    return option or environment.exit_rules or None


def require_rules(option: str | None, environment: Environment) -> RuleBook:
    """The rules `exitlens replay` runs with; ConfigError saying how to add one when none."""
    path = rules_path(option, environment)
    if path is None:
        raise ConfigError(HOW_TO_ADD_RULES)
    return load_rules(path)


def replay_period(engine: Engine, analysis: PeriodAnalysis, book: RuleBook, *, now: datetime,
                  overrides: Mapping[str, Sequence[float]] | None = None,
                  candles: CandleReader | None = None, folds: int | None = None, train: int | None = None,
                  grid: tuple[str, str] | None = None, orders: pd.DataFrame | None = None) -> ReplayResult:
    """Replay the sells of `analysis` under `book`, the sweep (`overrides` replace the default
    values of the parameters they name), the grid (`grid`, default `default_grid`), the sweep
    of each regime with `min_samples` positions, and the walk-forward over the `folds` periods
    before the period's end, each chosen on the `train` before it (default: the settings').

    The sells of the whole history the folds cover (`orders`, default: read from `engine`) are
    replayed once with the actual rules and the sweep; their candles, up to `now`, are read
    once with `candles` (the reader the analysis used, so no candle is read twice)."""
    settings = analysis.settings
    folds = settings.replay_folds if folds is None else folds
    train = settings.replay_train if train is None else train
    period = analysis.period
    length = period.end - period.start
    if orders is None:
        orders = load_orders(engine).orders
    first = first_fill(orders)
    reach = max(period.end - (folds + train) * length, first if first is not None else period.start)
    history = sells_between(orders, min(reach, period.start), period.end, settings, analysis.filters)
    usable = _replayable(history)
    chosen = history[usable]
    in_period = period.contains(chosen["event_time"]).to_numpy()
    now_utc = aware_utc(now, "now")
    windows = replay_windows(chosen, book, now_utc)
    if candles is None:
        candles = CandleReader(engine, interval=settings.candle_interval)
    arrays, ranges = _candles(candles.paths(windows))
    tolerance = pd.Timedelta(candle_span(settings.candle_interval))
    trades, found = _trades(chosen, arrays, ranges, windows, tolerance)
    regimes = regimes_to_sweep(trades.regime[in_period], trades.position[in_period], settings.min_samples)
    values = sweep_values(book, overrides)
    layout = plan(book, values=values, grid=grid or default_grid(values), regimes=regimes)
    start_ns = _ns(pd.Series([first if first is not None else period.start]))[0]
    result = replay_study(trades, arrays, layout, period_start=int(period.start.value), end=int(period.end.value),
                          history_start=int(start_ns), min_samples=settings.min_samples,
                          currency=chosen["currency"].to_numpy(dtype=object), folds=folds, train=train,
                          lang=settings.language)
    code, replayed_time = result.replayed.code[0][in_period], result.replayed.time[0][in_period]
    reasons, regimes_in = trades.exit_reason[in_period], trades.regime[in_period]
    fit = fidelity(exit_reason_codes(reasons), trades.exit_time[in_period], code, replayed_time,
                   tolerance=max(pd.Timedelta(minutes=FIDELITY_TOLERANCE_MINUTES), tolerance).value,
                   reasons=reasons, modelled=modelled(book, reasons, regimes_in))
    no_path = int((found[in_period] != PATH_OK).sum())
    not_replayable = int((~_replayable(analysis.sells)).sum()) + no_path
    notes = (_notes(book, analysis.sells, settings.language)
             + _path_notes(chosen[in_period], found[in_period], settings.language)
             + _walk_notes(result.walk, length, settings.language))
    log.info("replayed %d sells (%d of the period) on %d candles under %d + %d rule variants",
             len(trades), int(in_period.sum()), len(arrays), len(layout.history_books()), len(layout.period_books()))
    return ReplayResult(
        rules=book.source, model=book.model, fill=book.fill, replayable=int(in_period.sum()) - no_path,
        not_replayable=not_replayable, open_at_end=int((code == OPEN_AT_END).sum()),
        horizon_hours=book.horizon_hours, fidelity=fit, study=result, min_samples=settings.min_samples, notes=notes,
    )


def max_train(orders: pd.DataFrame, analysis: PeriodAnalysis) -> int:
    """The most training windows of the period's length the history holds before the period
    (0 when it holds none): a `--train` above it can form no walk-forward fold."""
    first = first_fill(orders)
    if first is None:
        return 0
    length = analysis.period.end - analysis.period.start
    return max(0, int((analysis.period.start - first) // length))


def _walk_notes(walk: WalkForward, length: pd.Timedelta, lang: str) -> list[str]:
    if len(walk.folds) >= walk.requested:
        return []
    return [t("replay.note_folds", lang, formed=len(walk.folds), requested=walk.requested, train=walk.train,
              days=f"{length / pd.Timedelta(days=1):g}")]


@dataclass(frozen=True)
class ReplaySkipped:
    """A report run's replay that could not run: the rules file and what is wrong with it. Its
    mark keeps the report going and says why in the summary (`replay.error`) and the notes."""

    rules: str
    error: str

    def mark(self, analysis: PeriodAnalysis) -> PeriodAnalysis:
        note = t("replay.note_skipped", analysis.settings.language, error=self.error)
        return analysis.with_replay({"rules": self.rules, "error": self.error}, {}, [note])


def replay_section(engine: Engine, analysis: PeriodAnalysis, rules: str | None, *, now: datetime,
                   strict: bool, candles: CandleReader | None = None) -> PeriodAnalysis:
    """`analysis` with the replay of the `rules` file (a path, see `rules_path`); unchanged
    without one.

    `strict` (a command run) lets a bad rules file raise its one-line ConfigError; otherwise
    (a report run) the summary's replay section says what is wrong and the report goes on."""
    if rules is None:
        return analysis
    outcome: ReplayResult | ReplaySkipped
    try:
        book = load_rules(rules)
    except ConfigError as exc:
        if strict:
            raise
        log.warning("exit replay skipped: %s", exc)
        outcome = ReplaySkipped(rules, str(exc))
    else:
        outcome = replay_period(engine, analysis, book, now=now, candles=candles)
    return outcome.mark(analysis)


def replay_windows(sells: pd.DataFrame, book: RuleBook, now: pd.Timestamp) -> pd.DataFrame:
    """Per replayable sell (indexed like `sells`): symbol, start (the position's open) and end
    (SPEC §6: the actual exit + the rules' horizon_hours, at most `now`)."""
    end = (sells["event_time"] + pd.Timedelta(hours=book.horizon_hours)).clip(upper=now)
    return pd.DataFrame({"symbol": sells["symbol"], "start": sells["open_time"],
                         "end": np.maximum(end, sells["open_time"])}, index=sells.index)


def _replayable(sells: pd.DataFrame) -> np.ndarray:
    """SPEC §6: an entry price and at least one consumed lot (an open time); the exit price and
    quantity must be positive for net_pnl_pct."""
    positive = [pd.to_numeric(sells[c], errors="coerce").gt(0).to_numpy() for c in ("entry_price", "price", "quantity")]
    return np.logical_and.reduce(positive) & sells["open_time"].notna().to_numpy()


def _candles(paths: pd.DataFrame) -> tuple[Candles, dict[str, tuple[int, int]]]:
    """The candle paths as the engine's flat arrays (paths are sorted by symbol and time) and
    each symbol's [lo, hi) range in them."""
    symbols = paths["symbol"].to_numpy(dtype=object)
    cuts = np.flatnonzero(symbols[1:] != symbols[:-1]) + 1 if len(symbols) else np.empty(0, dtype=int)
    starts = np.concatenate(([0], cuts)) if len(symbols) else np.empty(0, dtype=int)
    stops = np.concatenate((cuts, [len(symbols)])) if len(symbols) else np.empty(0, dtype=int)
    ranges = {str(symbols[lo]): (int(lo), int(hi)) for lo, hi in zip(starts, stops)}
    candles = Candles(time=_ns(paths["timestamp"]), open=paths["open"].to_numpy(dtype=float),
                      high=paths["high"].to_numpy(dtype=float), low=paths["low"].to_numpy(dtype=float),
                      close=paths["close"].to_numpy(dtype=float))
    return candles, ranges


def _trades(sells: pd.DataFrame, candles: Candles, ranges: Mapping[str, tuple[int, int]],
            windows: pd.DataFrame, tolerance: pd.Timedelta) -> tuple[Trades, np.ndarray]:
    """The engine's trades (paths from `path_bounds`) and what `path_bounds` found per trade."""
    start, stop, found = path_bounds(candles.time, ranges, sells["symbol"].to_numpy(dtype=object),
                                     _ns(sells["open_time"]), _ns(windows["end"]), _ns(sells["event_time"]),
                                     tolerance=tolerance.value)
    own_fee = pd.to_numeric(sells["fee"], errors="coerce").fillna(0.0).clip(lower=0.0)
    short = ((sells["direction"].astype(str).str.lower() == "short").to_numpy() if "direction" in sells
             else np.zeros(len(sells), dtype=bool))
    leverage = (pd.to_numeric(sells["leverage"], errors="coerce").fillna(1.0).to_numpy(dtype=float)
                if "leverage" in sells else np.ones(len(sells)))
    position = (pd.factorize(sells["position"])[0] if "position" in sells else np.arange(len(sells)))
    return Trades(
        entry_price=sells["entry_price"].to_numpy(dtype=float), open_time=_ns(sells["open_time"]),
        exit_time=_ns(sells["event_time"]), exit_price=sells["price"].to_numpy(dtype=float),
        exit_reason=sells["exit_reason"].to_numpy(dtype=object), regime=sells["regime"].to_numpy(dtype=object),
        start=start, stop=stop, quantity=sells["quantity"].to_numpy(dtype=float),
        buy_fees=sells["lot_fees"].fillna(0.0).to_numpy(dtype=float), sell_fee=own_fee.to_numpy(dtype=float),
        direction=np.where(short, -1, 1), leverage=leverage, position=position,
    ), found


def _path_notes(sells: pd.DataFrame, found: np.ndarray, lang: str) -> list[str]:
    """One note per sell whose position has no path (SPEC §6), naming it and why."""
    keys = {NO_CANDLE_AT_ENTRY: "replay.note_no_candle_at_entry", CANDLES_AFTER_EXIT: "replay.note_candles_after_exit"}
    return [t(keys[int(code)], lang, sell=sell_id, symbol=symbol)
            for sell_id, symbol, code in zip(sells["id"], sells["symbol"], found) if int(code) in keys]


def _notes(book: RuleBook, sells: pd.DataFrame, lang: str) -> list[str]:
    unused = book.unused_regimes(set(sells["regime"].dropna().astype(str)))
    if not unused:
        return []
    return [t("replay.note_unused_regimes", lang, file=Path(book.source).name, regimes=", ".join(unused))]


def _ns(times: pd.Series) -> np.ndarray:
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True)).as_unit("ns").asi8
