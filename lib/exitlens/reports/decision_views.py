"""What a report answers first (SPEC §5): "were our exits right?" and what to change, strongest
evidence first.

`verdict_table` counts each exit reason's verdicts (core.verdict_counts, the summary's
`verdicts`); `ranked_suggestions` lists the rule-based and the replay-backed suggestions in
evidence order (core.replay_stats.evidence, the summary's `suggestions`), each with the sells it
rests on and, when replay ran, the effect of the change with its 95% interval, so a rule that
replay does not confirm always says so. Headers are in the analysis' language.
"""

from __future__ import annotations

import html

import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

from exitlens.core.formatting import fmt_metric
from exitlens.core.i18n import t
from exitlens.core.summary import PeriodAnalysis
from exitlens.core.verdict_counts import COUNT_COLUMNS, overall_counts, verdict_counts
from exitlens.reports.views import paragraph, show

RANKED_COLUMNS = {"evidence": "col.evidence", "message": "col.suggestion", "samples": "col.n",
                  "value": "col.value", "threshold": "col.threshold", "replay": "col.replay",
                  "mean": "col.effect_mean", "low": "col.effect_low", "high": "col.effect_high"}
"""The columns of the ranked suggestions table and their headers."""


def verdict_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per exit reason, then every sell: sells, the count of each verdict, and how many of
    them are provisional; headers in the analysis' language."""
    lang = analysis.settings.language
    table = verdict_counts(analysis.sells)
    total = overall_counts(table).rename(t("text.all_sells", lang))
    table = pd.concat([table, total.to_frame().T]).astype("int64")
    headers = {"sells": t("col.sells", lang), "provisional": t("col.provisional", lang)}
    headers.update({column: t(f"verdict.{column}", lang) for column in COUNT_COLUMNS if column not in headers})
    return table.rename(columns=headers)


def verdict_view(analysis: PeriodAnalysis) -> Styler:
    """The verdict table with its total row set apart."""
    table = verdict_table(analysis)
    return show(table).set_table_styles([{"selector": "tbody tr:last-child", "props": "font-weight: bold"}],
                                        overwrite=False)


def ranked_suggestions(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The suggestions strongest first: evidence, message, n (the sells or positions it rests
    on), a rule's metric value and threshold, what replay says (the change replayed and its
    mark, or the replay-backed change) and the effect with its 95% interval (percentage points
    of net PnL per trade)."""
    lang = analysis.settings.language
    rows = []
    for s in analysis.ranked_suggestions():
        check = s.get("replay") or {}
        replay: str | None
        value: str | None
        threshold: str | None
        if "suggested" in s:
            replay = f"{s['parameter']} {_number(s.get('current'))} → {_number(s['suggested'])}"
            effect = (s.get("value"), s.get("low"), s.get("high"))
            value, threshold = None, None
        else:
            replay = _check_text(check, lang)
            effect = (check.get("mean"), check.get("low"), check.get("high"))
            metric = s.get("metric")
            value = None if metric is None else fmt_metric(metric, s.get("value"))
            threshold = None if metric is None else fmt_metric(metric, s.get("threshold"))
        rows.append({"evidence": t(f"evidence.{s['evidence']}", lang), "message": s["message"],
                     "samples": s.get("samples"), "value": value, "threshold": threshold, "replay": replay,
                     "mean": effect[0], "low": effect[1], "high": effect[2]})
    table = pd.DataFrame(rows, columns=list(RANKED_COLUMNS)).astype({c: float for c in ("mean", "low", "high")})
    table["samples"] = table["samples"].astype("Int64")
    return table.rename(columns={c: t(key, lang) for c, key in RANKED_COLUMNS.items()})


def _check_text(check: dict, lang: str) -> str | None:
    """'not confirmed (trailing_stop_pct 1.5 → 2)', or None without a replay check."""
    if not check:
        return None
    tried = "" if check.get("value") is None else (
        f" ({check['parameter']} {_number(check.get('current'))} → {_number(check['value'])})")
    return t(f"replay.check.{check['status']}", lang) + tried


def _number(value) -> str:
    return "–" if value is None else f"{value:g}"


def ranked_view(analysis: PeriodAnalysis):
    """The ranked suggestions table after the notes on rules held back, or the sentence saying
    why there is none."""
    lang = analysis.settings.language
    table = ranked_suggestions(analysis)
    if table.empty:
        return paragraph(" ".join(analysis.suggestion_notes) or t("text.no_suggestions", lang))
    wide = [t("col.suggestion", lang), t("col.evidence", lang), t("col.replay", lang)]
    styler = show(table).set_properties(subset=wide[:1], **{"white-space": "normal", "min-width": "24em",
                                                            "text-align": "left"})
    styler = styler.set_properties(subset=wide[1:], **{"white-space": "normal", "text-align": "left"})
    notes = "".join(f"<p>{html.escape(n)}</p>" for n in analysis.suggestion_notes)
    return HTML(f"{notes}{styler.to_html()}")
