"""The sections of a report notebook, in the order a reader needs them (SPEC §5).

The daily, weekly and monthly notebooks differ only in their period: each opens its report
with `open_report` and then calls these, one cell each, so the layout lives here once. First
the answer ("were our exits right?": verdicts per exit reason, the headline, the suggestions
in evidence order), then the key chart (net PnL and drawdown), the tear sheet (weekly,
monthly), the exits in detail, what other exits would have done (exit replay), and the data.
Every function displays; nothing here computes (the views and core do).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from IPython.display import display

from exitlens.reports import decision_views as dv
from exitlens.reports import plots
from exitlens.reports import tearsheet_views as tv
from exitlens.reports.analysis import report_data, report_settings
from exitlens.reports.replay import views as rv
from exitlens.reports.views import ReportData, show

PERIOD_KINDS_WITH_TEAR_SHEET = ("weekly", "monthly")


def open_report(kind: str, *, timezone: str, language: str, min_samples: int, thresholds: dict[str, float],
                filters: dict[str, list[str]], as_of: str | None = None, rules: str | None = None,
                **period: Any) -> ReportData:
    """A notebook's report from its parameters: `period` is `report_date` (daily), `end` and
    `days` (weekly) or `month` (monthly); `rules` the exit rules file to replay (None:
    EXITLENS_EXIT_RULES, as the command reads it). Shows the title and period."""
    settings = report_settings(timezone=timezone, language=language, min_samples=min_samples, **thresholds)
    report = report_data(kind, as_of=as_of, settings=settings, rules=rules, symbols=filters.get("symbols"),
                         regimes=filters.get("regimes"), exit_reasons=filters.get("exit_reasons"),
                         strategies=filters.get("strategies"), **period)
    display(report.heading())
    return report


def generated_at(report: ReportData) -> None:
    """When the data was read and when this notebook ran (the one clock read of a report)."""
    display(report.as_of_text(generated_at=pd.Timestamp.now(tz="UTC")))


def answer(report: ReportData) -> None:
    """The key figures; were our exits right (verdicts per exit reason); the headline; the
    suggestions, strongest evidence first."""
    analysis = report.analysis
    display(report.key_figures())
    display(report.section("verdicts"), dv.verdict_view(analysis))
    display(report.section("headline"), report.headline())
    display(report.section("suggestions"), dv.ranked_view(analysis))


def key_chart(report: ReportData) -> None:
    """The report's key chart, the one Discord shows: net PnL and its drawdown per currency."""
    display(report.section("equity"), tv.equity_chart(report.analysis))


def tear_sheet(report: ReportData) -> None:
    """Key numbers; for a week or a month also what a tear sheet shows: wins / draws / losses,
    profit factor, expectancy, payoff ratio, best and worst sell, strategy × exit reason."""
    analysis = report.analysis
    display(report.section("key_numbers"), show(report.kpis(), index=False))
    if analysis.kind not in PERIOD_KINDS_WITH_TEAR_SHEET:
        return
    display(report.section("tear_sheet"), tv.trade_stats_view(analysis))
    display(report.section("best_worst"), show(tv.best_worst_table(analysis)))
    display(report.section("strategy_exit"), tv.strategy_exit_view(analysis))


def exits(report: ReportData) -> None:
    """The exits in detail: PnL by exit reason, the price after the exit, (weekly, monthly)
    regime × exit reason, hold time and in-trade excursions, and the bucket tables."""
    analysis = report.analysis
    language = report.language
    display(report.section("pnl_by_exit_reason"), plots.pnl_by_exit_reason(analysis.sells, lang=language))
    display(report.section("after_exit"),
            plots.post_exit_path(analysis.buckets.by_exit_reason, list(report.settings.horizon_keys), lang=language))
    if analysis.kind in PERIOD_KINDS_WITH_TEAR_SHEET:
        display(report.section("regime_exit"),
                plots.regime_exit_heatmap(analysis.buckets.by_regime_exit_reason,
                                          min_samples=report.settings.min_samples, lang=language))
        display(report.section("hold_time"), plots.hold_time_by_exit_reason(analysis.sells, lang=language))
        display(report.section("excursions"), tv.excursion_chart(analysis), tv.excursion_view(analysis))
    display(report.section("by_exit_reason"), report.bucket_view(report.by_exit_reason()))
    display(report.section("by_regime"), report.bucket_view(report.by_regime()))
    display(report.section("by_symbol"), report.bucket_view(report.by_symbol()))


def replay(report: ReportData) -> None:
    """What other exits would have done (exit replay) and what the price did after the exit."""
    analysis = report.analysis
    display(report.section("replay"), rv.replay_status(analysis))
    for figure in rv.replay_charts(analysis):
        display(figure)
    if analysis.replay is not None and "error" not in analysis.replay:
        display(report.section("replay_suggestions"), rv.replay_suggestions_view(analysis))
        display(report.section("replay_sweep"), rv.replay_sweep_view(analysis))
        display(rv.walk_forward_view(analysis))
        for figure in rv.replay_grid_charts(analysis):
            display(figure)
    display(report.section("left_on_table"), show(rv.left_on_the_table(analysis)))


def data(report: ReportData) -> None:
    """Data quality, every sell, and how to read the report."""
    display(report.section("data_quality"), show(report.point_states()), show(report.entry_sources()),
            report.notes_view())
    display(report.section("every_sell"), show(report.detail()))
    display(report.section("how_to_read"), report.how_to_read())
