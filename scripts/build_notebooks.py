"""Write the daily and weekly report notebooks, then execute them on the demo database so the
committed notebooks carry the outputs nbval checks.

Run from the repository root after `make demo`:  .venv/bin/python scripts/build_notebooks.py
The notebooks only call exitlens and plot; edit the cells here, never the .ipynb by hand.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path

import nbformat
import papermill
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from exitlens.core.settings import SuggestionThresholds

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = "\n".join(f"{name} = {value!r}" for name, value in asdict(SuggestionThresholds()).items())

SETUP = """\
%matplotlib inline
import pandas as pd
from exitlens.reports import plots
from exitlens.reports.analysis import report_data, report_settings
from exitlens.reports.views import show

settings = report_settings(
    timezone=timezone, min_samples=min_samples,
    trailing_stop_post_24h_pct=trailing_stop_post_24h_pct, stop_loss_post_4h_pct=stop_loss_post_4h_pct,
    take_profit_post_4h_pct=take_profit_post_4h_pct, time_limit_post_24h_pct=time_limit_post_24h_pct,
    regime_early_exit_rate=regime_early_exit_rate, trailing_stop_step_pct=trailing_stop_step_pct,
)
report = {call}
report.heading()"""

COMMON_PARAMETERS = f"""\
as_of = None  # when pending / missed points are judged (ISO with offset); None: the period end
timezone = "Asia/Seoul"
min_samples = 20
{THRESHOLDS}"""

DAILY_PARAMETERS = f"""\
# Parameters (literals only). The database: EXITLENS_DATABASE_URL, else DATABASE_URL, else data/exitlens.db.
report_date = None  # "YYYY-MM-DD" in the report timezone; None: the latest day with a sell
{COMMON_PARAMETERS}"""

WEEKLY_PARAMETERS = f"""\
# Parameters (literals only). The database: EXITLENS_DATABASE_URL, else DATABASE_URL, else data/exitlens.db.
end = None  # end of the period, exclusive (ISO with offset); None: midnight after the latest day with a sell
days = 7
{COMMON_PARAMETERS}"""


def section(title: str, text: str, *code: str) -> list:
    return [new_markdown_cell(f"## {title}\n\n{text}"), *(new_code_cell(c) for c in code)]


def cells(kind: str) -> list:
    weekly = kind == "weekly"
    parameters = new_code_cell(WEEKLY_PARAMETERS if weekly else DAILY_PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    call = ('report_data("weekly", end=end, days=days, as_of=as_of, settings=settings)' if weekly
            else 'report_data("daily", report_date=report_date, as_of=as_of, settings=settings)')
    out = [
        new_markdown_cell(
            f"# {'Weekly' if weekly else 'Daily'} exit report\n\n"
            "Were our exits right? What each exit earned, and what the price did 1h, 4h, 12h and 24h "
            "after it. Every number comes from the `exitlens` library (definitions: SPEC §2)."
        ),
        parameters,
        new_code_cell(SETUP.format(call=call)),
        *section("Headline", "", "report.headline()"),
        *section("Key numbers", "Win rate and PnL count evaluable sells (those with an entry price).",
                 "show(report.kpis(), index=False)"),
        *section("PnL by exit reason", "", "plots.pnl_by_exit_reason(report.analysis.sells)"),
        *section("After the exit", "Mean change of the price after the exit, by exit reason: above zero "
                 "means the price kept rising after we sold.",
                 "plots.post_exit_path(report.analysis.buckets.by_exit_reason, list(settings.horizon_keys))"),
    ]
    if weekly:
        out += [
            *section("Regime × exit reason", "Average PnL % of each regime and exit reason.",
                     "plots.regime_exit_heatmap(report.analysis.buckets.by_regime_exit_reason)"),
            *section("Hold time", "", "plots.hold_time_by_exit_reason(report.analysis.sells)"),
        ]
    out += [
        *section("By exit reason", "Averages in %, hold time in hours; rates in % (25 = 25%).",
                 "show(report.by_exit_reason())"),
        *section("Suggestions", "Rule-based (SPEC §3): each row names the metric, its value, the threshold "
                 "and the number of sells behind it.", "report.suggestions_view()"),
        *section("Data quality", "Post-exit points per horizon, where entry prices came from, and notes "
                 "about sells left out.", "show(report.point_states())", "show(report.entry_sources())",
                 "report.notes_view()"),
        *section("Every sell", "Entry and exit in KRW; PnL and the moves after the exit in %.",
                 "show(report.detail())"),
    ]
    return out


def build(kind: str) -> Path:
    notebook = new_notebook(cells=cells(kind))
    for number, cell in enumerate(notebook.cells):
        cell.id = f"{kind}-{number:02d}"  # stable ids: a rebuild changes only what really changed
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    path = ROOT / "notebooks" / f"{kind}_exit_report.ipynb"
    nbformat.write(notebook, path)
    papermill.execute_notebook(path, path, cwd=ROOT, kernel_name="python3", progress_bar=False)
    executed = nbformat.read(path, as_version=4)
    executed.metadata.pop("papermill", None)
    for cell in executed.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
    nbformat.write(executed, path)
    return path


if __name__ == "__main__":
    for kind in sys.argv[1:] or ["daily", "weekly"]:
        print(build(kind), file=sys.stderr)
