"""Exit replay of a period, the service (SPEC §6): reads the candles once, builds the kernel's
arrays, calls core, and returns a typed result.

For the period's replayable SELLs it reads each position's candles with a
`store.candles.CandleReader` (one range query per symbol range and chunk; none for the candles
the report's after-exit paths already read) from the position's open to its actual exit + the
rules' `horizon_hours`, bounded by `now`, lays them out as the kernel's flat arrays
(`path_bounds`: each path from the first candle at or after the open to that end, so a later
position of the same symbol never extends it), and runs the tested core: `run_sweep` (the
actual rules and every swept value in one kernel call, the effect table) and `fidelity`.
Further statistics of the same replay (grid, walk-forward, regime sweeps) belong in
`replay_period`, computed from the same `SweepRun` (its pnl matrix, labels and the trades'
positions) and added to `ReplayResult`. Text for the command is in `text.py`, the notebook
tables in `views.py`.
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
    check_suggestion,
    replay_suggestions,
    run_sweep,
    sweep_values,
)
from exitlens.core.settings import candle_span
from exitlens.core.summary import PeriodAnalysis
from exitlens.core.timeutil import aware_utc
from exitlens.store.candles import CandleReader

log = logging.getLogger(__name__)

RULES_ENV = "EXITLENS_EXIT_RULES"
"""The variable that names the rules file (read as `Environment.exit_rules`)."""
HOW_TO_ADD_RULES = t("replay.how_to_add", env=RULES_ENV)
"""What a command says when it needs a rules file and has none (reports say it in their language)."""


@dataclass(frozen=True)
class ReplayResult:
    """The replay of a period: the SPEC §6 object (`to_json`), the sweep table behind it,
    fidelity and coverage, and notes (such as a regime table no sell of the period belongs to,
    or a sell that is not replayable and why)."""

    rules: str
    model: str
    fill: str
    replayable: int
    not_replayable: int
    open_at_end: int
    horizon_hours: float
    fidelity: Fidelity
    sweep: pd.DataFrame
    suggestions: list[ReplaySuggestion]
    min_samples: int
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The REPLAY object of SPEC §6, JSON-safe (None, never NaN)."""
        fit = self.fidelity
        return {
            "rules": self.rules, "model": self.model, "fill": self.fill, "replayable": self.replayable,
            "not_replayable": self.not_replayable, "open_at_end": self.open_at_end,
            "horizon_hours": self.horizon_hours, "fidelity": fit.value, "fidelity_samples": fit.samples,
            "fidelity_by_reason": {reason: {"fidelity": value, "n": n} for reason, (value, n) in fit.by_reason.items()},
            "coverage": fit.coverage, "unmodelled": dict(fit.unmodelled),
            "sweep": [_row_json(row) for row in self.sweep.to_dict("records")],
            "suggestions": [{key: json_scalar(value) for key, value in s.to_dict().items()} for s in self.suggestions],
        }

    def mark(self, analysis: PeriodAnalysis) -> PeriodAnalysis:
        """`analysis` with this replay in its summary, a replay check on every rule-based
        suggestion, and this replay's notes."""
        checks = {s.rule: {key: json_scalar(value) for key, value in
                           check_suggestion(self.sweep, s.rule, min_samples=self.min_samples).to_dict().items()}
                  for s in analysis.suggestions}
        return analysis.with_replay(self.to_json(), checks, self.notes)


def _row_json(row: dict) -> dict:
    return {key: ({currency: json_scalar(amount) for currency, amount in value.items()} if key == "total"
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
                  candles: CandleReader | None = None) -> ReplayResult:
    """Replay the sells of `analysis` under `book` and the sweep (`overrides` replace the
    default values of the parameters they name), with candles up to `now`, read with `candles`
    (the reader the analysis used, so no candle is read twice; default: a new one)."""
    settings = analysis.settings
    sells = analysis.sells
    values = sweep_values(book, overrides)
    usable = _replayable(sells)
    chosen = sells[usable]
    now_utc = aware_utc(now, "now")
    windows = replay_windows(chosen, book, now_utc)
    if candles is None:
        candles = CandleReader(engine, interval=settings.candle_interval)
    paths = candles.paths(windows)
    arrays, ranges = _candles(paths)
    tolerance = pd.Timedelta(candle_span(settings.candle_interval))
    trades, found = _trades(chosen, arrays, ranges, windows, tolerance)

    run = run_sweep(trades, arrays, book, values=values, currency=chosen["currency"].to_numpy(dtype=object))
    actual = run.replayed
    fit = fidelity(exit_reason_codes(trades.exit_reason), trades.exit_time, actual.code[0], actual.time[0],
                   tolerance=max(pd.Timedelta(minutes=FIDELITY_TOLERANCE_MINUTES), tolerance).value,
                   reasons=trades.exit_reason, modelled=modelled(book, trades.exit_reason, trades.regime))
    no_path = int((found != PATH_OK).sum())
    not_replayable = int((~usable).sum()) + no_path
    notes = _notes(book, sells, settings.language) + _path_notes(chosen, found, settings.language)
    log.info("replayed %d sells (%d not replayable) on %d candles under %d rule variants",
             len(trades) - no_path, not_replayable, len(arrays), 1 + len(run.labels))
    return ReplayResult(
        rules=book.source, model=book.model, fill=book.fill, replayable=len(trades) - no_path,
        not_replayable=not_replayable, open_at_end=int((actual.code[0] == OPEN_AT_END).sum()),
        horizon_hours=book.horizon_hours, fidelity=fit, sweep=run.table,
        suggestions=replay_suggestions(run.table, min_samples=settings.min_samples, lang=settings.language),
        min_samples=settings.min_samples, notes=notes,
    )


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
