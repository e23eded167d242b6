"""What a report shows of exit replay (SPEC §6) and of the path after the exit (SPEC §2.2).

The weekly and monthly section "What other exits would have done": fidelity (with the warning
below 80% that the rules file does not describe the bot), one chart per swept parameter, and
the replay-backed suggestions; and the weekly "left on the table" table. Everything is read
from the analysis (its `replay` object, its buckets): nothing is computed here.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from exitlens.core.exit_rules import PARAMETERS
from exitlens.core.summary import PeriodAnalysis
from exitlens.reports.plots import replay_effect_chart
from exitlens.reports.replay_service import FIDELITY_WARNING, HOW_TO_ADD_RULES
from exitlens.reports.views import paragraph


def replay_status(analysis: PeriodAnalysis) -> HTML:
    """One paragraph: the rules replayed, fidelity (warning below 80%), or why there is no replay."""
    replay = analysis.replay
    if replay is None:
        return paragraph(f"Exit replay is off: {HOW_TO_ADD_RULES}.")
    if "error" in replay:
        return paragraph(f"Exit replay could not run: {replay['error']}")
    text = (f"Replayed {replay['replayable']} sells with the rules of {replay['rules']} (fill {replay['fill']}); "
            f"{replay['not_replayable']} sells are not replayable (no entry price or no BUY lot), "
            f"{replay['censored']} replays are censored (the candles end before the exit). ")
    fit = replay["fidelity"]
    if fit is None:
        return paragraph(text + "Fidelity is unknown: no sell has a modelled exit reason.")
    text += (f"Fidelity {fit:.0%} over {replay['fidelity_samples']} sells: the share whose replay with the actual "
             "rules exits for the same reason within 2 minutes of the actual sell.")
    if fit < FIDELITY_WARNING:
        text += (f" Warning: below {FIDELITY_WARNING:.0%}, the rules file does not describe the bot, so the "
                 "effects below are not to be trusted.")
    return paragraph(text + " " + " ".join(analysis.replay_notes))


def replay_sweep(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The sweep as a table: parameter, value, current value, n, censored, mean effect and its
    95% interval (percentage points of net_pnl_pct per trade)."""
    columns = ["parameter", "value", "current", "n", "censored", "mean", "low", "high"]
    rows = (analysis.replay or {}).get("sweep") or []
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({c: float for c in ("value", "current", "mean", "low", "high")})


def replay_charts(analysis: PeriodAnalysis) -> list[Figure]:
    """One chart per swept parameter, in the order of the rules file's keys."""
    table = replay_sweep(analysis)
    return [replay_effect_chart(table[table["parameter"] == name], name, lang=analysis.settings.language)
            for name in PARAMETERS if (table["parameter"] == name).any()]


def replay_suggestions(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The replay-backed suggestions, then each rule-based suggestion with its replay mark."""
    rows = [{"suggestion": s["message"], "replay": "replay-backed", "n": s["samples"], "mean": s["value"],
             "low": s["low"], "high": s["high"]} for s in (analysis.replay or {}).get("suggestions") or []]
    for s in analysis.suggestions:
        if s.replay is not None:
            check = s.replay
            tried = "" if check["value"] is None else f" ({check['parameter']} {check['current']:g} → {check['value']:g})"
            rows.append({"suggestion": s.message, "replay": f"{check['status']}{tried}", "n": check["n"],
                         "mean": check["mean"], "low": check["low"], "high": check["high"]})
    table = pd.DataFrame(rows, columns=["suggestion", "replay", "n", "mean", "low", "high"])
    return table.astype({c: float for c in ("mean", "low", "high")})


def left_on_the_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per exit reason: sells, the mean highest and lowest price within 24h after the exit (% of
    the exit price: "left on the table" and the fall avoided), and the noise-stop rate (%)."""
    buckets = analysis.buckets.by_exit_reason
    columns = {"count": "sells", "avg_max_after_24h_pct": "24h high after exit (avg %)",
               "avg_min_after_24h_pct": "24h low after exit (avg %)", "noise_stop_rate": "noise stops (%)"}
    table = buckets.reindex(columns=list(columns)).astype({"count": "int64"})
    table["noise_stop_rate"] = table["noise_stop_rate"].astype(float) * 100
    table.index.name = None
    return table.rename(columns=columns)
