"""Exit replay of a period (SPEC §6): the period's replayable SELLs, their candle paths, the
actual rules (fidelity, open at end), the sweep and its intervals, the replay-backed suggestions
and the confirmation mark of every rule-based suggestion (SPEC §3).

The engine (core.replay, core.replay_stats) is pure; this module is the edge that feeds it: it
reads each position's 1m candles with a `store.candles.CandleReader` (one range query per
symbol range and chunk; none for the candles the report's after-exit paths already read) from
the position's open to the later of its exit + the longest post-exit horizon and its open +
the longest time limit replayed, bounded by `now`, and lays them out as the engine's flat
arrays. A trade's path stops at its own window's end, so the candles of a later position of
the same symbol never extend it across a gap.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from exitlens.core.errors import ConfigError
from exitlens.core.i18n import t
from exitlens.core.jsonvalues import json_scalar
from exitlens.core.replay import (
    CANDLES_AFTER_EXIT,
    NO_CANDLE_AT_ENTRY,
    OPEN_AT_END,
    Candles,
    Trades,
    exit_reason_codes,
    fidelity,
    path_bounds,
    replay,
    replayed_net_pnl_pct,
)
from exitlens.core.replay.rules import RuleBook, load_rules
from exitlens.core.replay_stats import (
    ReplaySuggestion,
    check_suggestion,
    effect_table,
    replay_suggestions,
    sweep_values,
)
from exitlens.core.settings import candle_span
from exitlens.core.summary import PeriodAnalysis
from exitlens.core.timeutil import aware_utc
from exitlens.store.candles import CandleReader

log = logging.getLogger(__name__)

RULES_ENV = "EXITLENS_EXIT_RULES"
FIDELITY_WARNING = 0.80
"""Below this fidelity the reports warn that the rules file does not describe the bot."""
HOW_TO_ADD_RULES = t("replay.how_to_add", env=RULES_ENV)
"""What a command says when it needs a rules file and has none (reports say it in their language)."""


@dataclass(frozen=True)
class ReplayResult:
    """The replay of a period: the SPEC §6 object (`to_json`), the sweep table behind it and
    notes (such as a regime table no sell of the period belongs to)."""

    rules: str
    fill: str
    replayable: int
    not_replayable: int
    fidelity: float | None
    fidelity_samples: int
    open_at_end: int
    horizon_hours: float
    sweep: pd.DataFrame
    suggestions: list[ReplaySuggestion]
    min_samples: int
    notes: list[str] = field(default_factory=list)
    model: str = "simple"

    def to_json(self) -> dict:
        """The REPLAY object of SPEC §6, JSON-safe (None, never NaN)."""
        return {
            "rules": self.rules, "model": self.model, "fill": self.fill, "replayable": self.replayable,
            "not_replayable": self.not_replayable, "fidelity": self.fidelity,
            "open_at_end": self.open_at_end, "horizon_hours": self.horizon_hours,
            "fidelity_samples": self.fidelity_samples,
            "sweep": [{key: json_scalar(value) for key, value in row.items()} for row in self.sweep.to_dict("records")],
            "suggestions": [{key: json_scalar(value) for key, value in s.to_dict().items()} for s in self.suggestions],
        }

    def mark(self, analysis: PeriodAnalysis) -> PeriodAnalysis:
        """`analysis` with this replay in its summary, a replay check on every rule-based
        suggestion, and this replay's notes."""
        checks = {s.rule: {key: json_scalar(value) for key, value in
                           check_suggestion(self.sweep, s.rule, min_samples=self.min_samples).to_dict().items()}
                  for s in analysis.suggestions}
        return analysis.with_replay(self.to_json(), checks, self.notes)


def rules_path(option: str | None) -> str | None:
    """The exit rules file: the --rules option, else EXITLENS_EXIT_RULES, else None."""
    return option or os.environ.get(RULES_ENV) or None


def require_rules(option: str | None) -> RuleBook:
    """The rules `exitlens replay` runs with; ConfigError saying how to add one when none."""
    path = rules_path(option)
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

    labels = [(name, float(value)) for name, vs in values.items() for value in vs]
    books = [book] + [book.with_parameter(name, value) for name, value in labels]
    replayed = replay(trades, arrays, books)
    actual_code = exit_reason_codes(trades.exit_reason)
    fit = fidelity(actual_code, trades.exit_time, replayed.code[0], replayed.time[0],
                   tolerance=max(pd.Timedelta(minutes=2), tolerance).value)
    pnl = replayed_net_pnl_pct(trades.entry_price, np.asarray(trades.quantity), np.asarray(trades.buy_fees),
                               np.asarray(trades.sell_fee), trades.exit_price, replayed.price,
                               direction=trades.direction, leverage=trades.leverage)
    table = effect_table(pnl[0], pnl[1:], labels, book.parameters(), open_at_end=replayed.open_at_end[1:])
    no_path = int((found != 0).sum())
    not_replayable = int((~usable).sum()) + no_path
    notes = _notes(book, sells, settings.language) + _path_notes(chosen, found, settings.language)
    log.info("replayed %d sells (%d not replayable) on %d candles under %d rule variants",
             len(trades) - no_path, not_replayable, len(arrays), len(books))
    return ReplayResult(
        rules=book.source, fill=book.fill, replayable=len(trades) - no_path, not_replayable=not_replayable,
        fidelity=fit.value, fidelity_samples=fit.samples, open_at_end=int((replayed.code[0] == OPEN_AT_END).sum()),
        horizon_hours=book.horizon_hours,
        sweep=table, suggestions=replay_suggestions(table, min_samples=settings.min_samples, lang=settings.language),
        min_samples=settings.min_samples, notes=notes, model=book.model,
    )


def replay_section(engine: Engine, analysis: PeriodAnalysis, rules_option: str | None, *, now: datetime,
                   strict: bool, candles: CandleReader | None = None) -> PeriodAnalysis:
    """`analysis` with its replay when a rules file is configured; unchanged without one.

    `strict` (a command run) lets a bad rules file raise its one-line ConfigError; otherwise
    (a report run) the summary's replay section says what is wrong and the report goes on."""
    path = rules_path(rules_option)
    if path is None:
        return analysis
    try:
        book = load_rules(path)
    except ConfigError as exc:
        if strict:
            raise
        log.warning("exit replay skipped: %s", exc)
        note = t("replay.note_skipped", analysis.settings.language, error=exc)
        return analysis.with_replay({"rules": path, "error": str(exc)}, {}, [note])
    return replay_period(engine, analysis, book, now=now, candles=candles).mark(analysis)


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






def replay_text(result: ReplayResult) -> str:
    """The replay as readable text: fidelity, the sweep table, the replay-backed suggestions."""
    fit = "–" if result.fidelity is None else f"{result.fidelity:.1%}"
    lines = [f"exit replay with {result.rules} (model {result.model}, fill {result.fill}): {result.replayable} "
             f"replayable sells, {result.not_replayable} not replayable, {result.open_at_end} open at end",
             f"fidelity {fit} over {result.fidelity_samples} sells with a modelled exit reason"]
    if result.fidelity is not None and result.fidelity < FIDELITY_WARNING:
        lines.append(f"warning: fidelity below {FIDELITY_WARNING:.0%}: the rules file does not describe the bot")
    width = max([24, *(len(str(name)) + 2 for name in result.sweep["parameter"])])  # freqtrade's names are long
    lines.append(f"{'parameter':<{width}}{'value':>9}{'current':>9}{'n':>6}{'open':>6}{'mean':>9}{'low':>9}{'high':>9}")
    for row in result.sweep.itertuples(index=False):
        cells = [_cell(row.value, "9g"), _cell(row.current, "9g"), f"{row.n:>6}", f"{row.open_at_end:>6}",
                 _cell(row.mean, "+9.3f"), _cell(row.low, "+9.3f"), _cell(row.high, "+9.3f")]
        lines.append(f"{row.parameter:<{width}}{cells[0]}{cells[1]}{''.join(cells[2:4])}{''.join(cells[4:])}")
    lines += [f"suggestion: {s.message}" for s in result.suggestions] or ["no replay-backed suggestion"]
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def _cell(value: float, spec: str) -> str:
    return f"{'–':>9}" if value is None or math.isnan(value) else format(value, spec)
