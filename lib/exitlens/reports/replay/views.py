"""What a report shows of exit replay (SPEC §6) and of the path after the exit (SPEC §2.2).

The weekly and monthly section "What other exits would have done": fidelity (with the warning
below 80% that the rules file does not describe the bot), one chart per swept parameter, and
the replay-backed suggestions; and the "left on the table" table. Everything is read from the
analysis (its `replay` object, its buckets): nothing is computed here. Every text and column
header is in the analysis' language (`core.i18n`); parameter names stay as the rules file
spells them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from exitlens.core.formatting import fmt_money
from exitlens.core.i18n import t
from exitlens.core.replay.fidelity import FIDELITY_WARNING, UNMODELLED_WARNING, fidelity_warns
from exitlens.core.replay.rules import ALL_PARAMETERS
from exitlens.core.summary import PeriodAnalysis
from exitlens.reports.plots import replay_effect_chart, replay_grid_heatmap
from exitlens.reports.replay.service import RULES_ENV
from exitlens.reports.views import paragraph, show

SWEEP_HEADERS = {"parameter": "col.parameter", "value": "col.value", "current": "col.current", "n": "col.n",
                 "open_at_end": "col.open_at_end", "mean": "col.effect_mean", "low": "col.effect_low",
                 "high": "col.effect_high", "hold_hours_change": "col.hold_hours_change", "total": "col.effect_total"}
"""The sweep's columns (SPEC §6 keys) and their headers."""


def replay_status(analysis: PeriodAnalysis) -> HTML:
    """One paragraph: the rules replayed, fidelity (warning below 80%), or why there is no
    replay (with no rules file: how to add one)."""
    lang = analysis.settings.language
    replay = analysis.replay
    if replay is None:
        return paragraph(t("replay.off", lang, how=t("replay.how_to_add", lang, env=RULES_ENV)))
    if "error" in replay:
        return paragraph(t("replay.error", lang, error=replay["error"]))
    text = t("replay.status", lang, replayable=replay["replayable"], rules=Path(replay["rules"]).name, fill=replay["fill"],
             not_replayable=replay["not_replayable"], open_at_end=replay["open_at_end"])
    fit = replay["fidelity"]
    if fit is None:
        text += t("replay.fidelity_unknown", lang)
    else:
        text += t("replay.fidelity", lang, fidelity=f"{fit:.0%}", samples=replay["fidelity_samples"])
    unmodelled = replay.get("unmodelled") or {}
    if replay.get("coverage") is not None:
        named = ", ".join(f"{reason} {n}" for reason, n in unmodelled.items())
        text += t("replay.coverage", lang, coverage=f"{replay['coverage']:.0%}",
                  unmodelled=t("replay.unmodelled", lang, reasons=named) if named else "")
    modelled_sells = sum(entry["n"] for entry in (replay.get("fidelity_by_reason") or {}).values())
    if fidelity_warns(fit, unmodelled, modelled_sells):
        text += t("replay.unmodelled_warning", lang, threshold=f"{FIDELITY_WARNING:.0%}",
                  share=f"{UNMODELLED_WARNING:.0%}")
    return paragraph(" ".join([text, *analysis.replay_notes]))


def sweep_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The sweep with its SPEC §6 keys as columns (empty without a replay)."""
    rows = (analysis.replay or {}).get("sweep") or []
    table = pd.DataFrame(rows, columns=list(SWEEP_HEADERS))
    table["total"] = [fmt_money(total) if total else "–" for total in table["total"]]
    return table.astype({c: float for c in ("value", "current", "mean", "low", "high", "hold_hours_change")})


def replay_sweep(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The sweep as a report table: parameter, value, current value, n, open at end, mean effect
    and its 95% interval (percentage points of net_pnl_pct per trade)."""
    lang = analysis.settings.language
    return sweep_table(analysis).rename(columns={c: t(key, lang) for c, key in SWEEP_HEADERS.items()})


def replay_charts(analysis: PeriodAnalysis) -> list[Figure]:
    """One chart per swept parameter, in the order of the rules file's keys."""
    table = sweep_table(analysis)
    return [replay_effect_chart(table[table["parameter"] == name], name, lang=analysis.settings.language)
            for name in ALL_PARAMETERS if (table["parameter"] == name).any()]


def replay_suggestions(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The replay-backed suggestions, then each rule-based suggestion with its replay mark."""
    lang = analysis.settings.language
    rows = [{"suggestion": s["message"], "replay": t("replay.backed", lang), "n": s["samples"], "mean": s["value"],
             "low": s["low"], "high": s["high"]} for s in (analysis.replay or {}).get("suggestions") or []]
    for s in analysis.suggestions:
        if s.replay is not None:
            check = s.replay
            tried = "" if check["value"] is None else f" ({check['parameter']} {check['current']:g} → {check['value']:g})"
            rows.append({"suggestion": s.message, "replay": t(f"replay.check.{check['status']}", lang) + tried,
                         "n": check["n"], "mean": check["mean"], "low": check["low"], "high": check["high"]})
    columns = {"suggestion": "col.suggestion", "replay": "col.replay", "n": "col.n", "mean": "col.effect_mean",
               "low": "col.effect_low", "high": "col.effect_high"}
    table = pd.DataFrame(rows, columns=list(columns)).astype({c: float for c in ("mean", "low", "high")})
    return table.rename(columns={c: t(key, lang) for c, key in columns.items()})


def replay_grid_charts(analysis: PeriodAnalysis) -> list[Figure]:
    """The grid as a heatmap (SPEC §6: stop loss × take profit by default), the current pair
    outlined; none without a replay or a grid."""
    grid = (analysis.replay or {}).get("grid")
    if not grid:
        return []
    a, b = grid["parameters"]
    table = pd.DataFrame(grid["cells"], columns=[a, b, "n", "mean", "low", "high", "marked"])
    rows = sweep_table(analysis)
    current = (_current(rows, a), _current(rows, b))
    return [replay_grid_heatmap(table.astype({a: float, b: float, "mean": float}), (a, b), current,
                                lang=analysis.settings.language)]


def _current(sweep: pd.DataFrame, parameter: str) -> float | None:
    values = sweep.loc[sweep["parameter"] == parameter, "current"].dropna()
    return None if values.empty else float(values.iloc[0])


def walk_forward_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per parameter, the out-of-sample effect of choosing its value by walk-forward: n, mean,
    95% interval, and the value chosen in each fold (oldest first); empty without a replay."""
    lang = analysis.settings.language
    walk = (analysis.replay or {}).get("walk_forward") or {}
    rows = [{"parameter": name, "n": out["n"], "mean": out["mean"], "low": out["low"], "high": out["high"],
             "chosen": ", ".join("–" if v is None else f"{v:g}" for v in out["chosen"])}
            for name, out in (walk.get("by_parameter") or {}).items()]
    columns = {"parameter": "col.parameter", "n": "col.n", "mean": "col.effect_mean", "low": "col.effect_low",
               "high": "col.effect_high", "chosen": "col.chosen_per_fold"}
    table = pd.DataFrame(rows, columns=list(columns)).astype({c: float for c in ("mean", "low", "high")})
    return table.rename(columns={c: t(key, lang) for c, key in columns.items()})


def walk_forward_view(analysis: PeriodAnalysis):
    """A sentence on the walk-forward (folds formed of those asked, comparisons m) and its
    table; nothing without a replay."""
    replay = analysis.replay or {}
    walk = replay.get("walk_forward")
    if walk is None:
        return HTML("")
    lang = analysis.settings.language
    m = replay.get("comparisons") or 1
    text = t("replay.walk_forward", lang, folds=walk["folds"], requested=walk["folds_requested"],
             train=walk["train"], m=m, level=f"{1 - 0.05 / m:.1%}")
    display_table = walk_forward_table(analysis)
    return HTML(paragraph(text).data + ("" if display_table.empty else show(display_table).to_html()))


def left_on_the_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per exit reason: sells, the mean highest and lowest price within 24h after the exit (% of
    the exit price: "left on the table" and the fall avoided), and the noise-stop rate (%)."""
    lang = analysis.settings.language
    buckets = analysis.buckets.by_exit_reason
    columns = {"count": "col.sells", "avg_max_after_24h_pct": "col.high_after_24h_avg",
               "avg_min_after_24h_pct": "col.low_after_24h_avg", "noise_stop_rate": "col.noise_stops"}
    table = buckets.reindex(columns=list(columns)).astype({"count": "int64"})
    table["noise_stop_rate"] = table["noise_stop_rate"].astype(float) * 100
    table.index.name = None
    return table.rename(columns={c: t(key, lang) for c, key in columns.items()})


def replay_suggestions_view(analysis: PeriodAnalysis):
    """The replay suggestions table, or a sentence saying none is supported (nothing without
    a replay: `replay_status` already says how to add a rules file)."""
    if analysis.replay is None or "error" in analysis.replay:
        return HTML("")
    table = replay_suggestions(analysis)
    if table.empty:
        return paragraph(t("replay.no_suggestions", analysis.settings.language))
    column = t("col.suggestion", analysis.settings.language)
    return show(table).set_properties(subset=[column], **{"white-space": "normal", "min-width": "28em",
                                                         "text-align": "left"})


def replay_sweep_view(analysis: PeriodAnalysis):
    """The sweep table (nothing without a replay)."""
    table = replay_sweep(analysis)
    return HTML("") if table.empty else show(table)
