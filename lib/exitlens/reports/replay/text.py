"""Exit replay as the command's text table (`exitlens replay` without --json), in English or
Korean: what was replayed, fidelity overall and per exit reason, coverage, the warning when the
rules do not describe the bot, the sweep (with each variant's open-at-end count, change of hold
hours and total effect per currency), the picking level, the walk-forward per parameter, the
grid, the regime sweeps, the replay-backed suggestions with their evidence and the notes."""

from __future__ import annotations

import math

import pandas as pd

from exitlens.core.formatting import fmt_money
from exitlens.core.i18n import DEFAULT_LANGUAGE, t
from exitlens.core.replay.fidelity import FIDELITY_WARNING, UNMODELLED_WARNING
from exitlens.reports.replay.service import ReplayResult


def replay_text(result: ReplayResult, lang: str = DEFAULT_LANGUAGE) -> str:
    """The replay as readable text in `lang` (the module says what it holds)."""
    fit = result.fidelity
    lines = [t("replay.text.head", lang, rules=result.rules, model=result.model, fill=result.fill,
               horizon=f"{result.horizon_hours:g}", replayable=result.replayable,
               not_replayable=result.not_replayable, open_at_end=result.open_at_end),
             t("replay.text.fidelity", lang, fidelity=_share(fit.value), samples=fit.samples,
               coverage=_share(fit.coverage))]
    lines += [t("replay.text.by_reason", lang, reason=reason, fidelity=_share(value), n=n)
              for reason, (value, n) in fit.by_reason.items()]
    if fit.unmodelled:
        lines.append(t("replay.text.unmodelled", lang,
                       reasons=", ".join(f"{reason} {n}" for reason, n in fit.unmodelled.items())))
    if fit.warns:
        lines.append(t("replay.text.warning", lang, threshold=f"{FIDELITY_WARNING:.0%}",
                       share=f"{UNMODELLED_WARNING:.0%}"))
    study = result.study
    lines += _sweep_lines(study.sweep, lang)
    m = max(study.comparisons, 1)
    lines.append(t("replay.text.picking", lang, m=m, level=f"{1 - 0.05 / m:.1%}"))
    walk = study.walk
    lines.append(t("replay.text.walk", lang, folds=len(walk.folds), requested=walk.requested, train=walk.train))
    for name, out in walk.by_parameter.items():
        stats = out.interval
        lines.append(t("replay.text.walk_row", lang, parameter=name, n=stats.n, mean=_cell(stats.mean, "+.3f").strip(),
                       low=_cell(stats.low, "+.3f").strip(), high=_cell(stats.high, "+.3f").strip(),
                       chosen=", ".join("–" if v is None else f"{v:g}" for v in out.chosen) or "–"))
    if study.grid is not None:
        a, b = (str(name) for name in study.grid.columns[:2])
        lines.append(t("replay.text.grid", lang, a=a, b=b))
        lines += _grid_lines(study.grid)
    for regime, table in study.regimes.items():
        lines.append(t("replay.text.regime", lang, regime=regime))
        lines += _sweep_lines(table, lang)
    lines += [t("replay.text.evidence_suggestion", lang, evidence=s.evidence, message=s.message)
              for s in study.suggestions] or [t("replay.text.no_suggestion", lang)]
    lines += [t("replay.text.note", lang, note=note) for note in result.notes]
    return "\n".join(lines)


def _sweep_lines(table: pd.DataFrame, lang: str) -> list[str]:
    """A sweep table as text: each variant's n, open-at-end count, mean effect and interval,
    mean change of hold hours and total effect per currency."""
    names = t("replay.text.columns", lang).split("|")
    first = max([24, *(len(str(name)) + 2 for name in table["parameter"])])  # freqtrade's names are long
    widths = (first, 9, 9, 6, 6, 9, 9, 9, 9)
    lines = [names[0].ljust(widths[0]) + "".join(name.rjust(w) for name, w in zip(names[1:], widths[1:]))
             + "  " + names[-1]]
    for row in table.itertuples(index=False):
        cells = [_cell(row.value, "9g"), _cell(row.current, "9g"), f"{row.n:>6}", f"{row.open_at_end:>6}",
                 _cell(row.mean, "+9.3f"), _cell(row.low, "+9.3f"), _cell(row.high, "+9.3f"),
                 _cell(row.hold_hours_change, "+9.2f")]
        lines.append(f"{row.parameter:<{first}}{''.join(cells)}  {fmt_money(row.total) if row.total else '–'}")
    return lines


def _grid_lines(grid: pd.DataFrame) -> list[str]:
    """Mean effect per cell: rows the first parameter's values, columns the second's."""
    a, b = grid.columns[:2]
    columns = sorted(grid[b].unique())
    corner = f"{a} / {b}"
    lines = [f"{corner:<30}" + "".join(f"{v:>10g}" for v in columns)]
    for value, rows in grid.groupby(a, sort=True):
        by_b = rows.set_index(b)
        cells = [f"{_cell(by_b.at[v, 'mean'], '+.3f').strip() + ('*' if by_b.at[v, 'marked'] else ''):>10}"
                 for v in columns]
        lines.append(f"{value:<30g}" + "".join(cells))
    return lines


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _cell(value: float | None, spec: str) -> str:
    return f"{'–':>9}" if value is None or math.isnan(value) else format(value, spec)
