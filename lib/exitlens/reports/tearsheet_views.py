"""The tear sheet of a weekly or monthly report (SPEC §5), as tables and figures.

Everything is computed in core (core.tearsheet, core.excursions, core.aggregate) from the
analysis' sells; this module only picks, labels (in the analysis' language) and lays out:
the trade statistics per currency, the best and worst sell, the strategy × exit-reason table,
the in-trade excursions per exit reason, and the figures of the net PnL curve with its
underwater curve and of the excursions.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from exitlens.core.aggregate import aggregate_buckets
from exitlens.core.excursions import excursion_buckets
from exitlens.core.i18n import t
from exitlens.core.summary import PeriodAnalysis
from exitlens.core.tearsheet import best_and_worst, net_curves, trade_stats
from exitlens.reports import plots
from exitlens.reports.views import faded

STAT_HEADERS = {"evaluable": "col.evaluable", "wins": "col.wins", "draws": "col.draws", "losses": "col.losses",
                "profit_factor": "col.profit_factor", "expectancy_pct": "col.expectancy_pct",
                "payoff_ratio": "col.payoff_ratio"}


def _lang(analysis: PeriodAnalysis) -> str:
    return analysis.settings.language


def trade_stats_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per quote currency: evaluable sells, wins / draws / losses, profit factor, expectancy
    (money in that currency, and net %) and payoff ratio."""
    lang = _lang(analysis)
    stats = trade_stats(analysis.sells)
    table = stats.reindex(columns=list(STAT_HEADERS)).rename(columns={c: t(k, lang) for c, k in STAT_HEADERS.items()})
    at = table.columns.get_loc(t("col.expectancy_pct", lang))
    money = [t("col.money_in", lang, label=t("col.expectancy", lang), currency=c) for c in stats.index]
    for offset, (label, currency) in enumerate(zip(money, stats.index)):
        table.insert(at + offset, label, stats["expectancy"].where(stats.index == currency))
    return table.rename_axis(t("col.currency", lang))


def trade_stats_view(analysis: PeriodAnalysis) -> Styler:
    """The trade statistics, the ratios faded when fewer than `min_samples` sells stand behind them."""
    lang = _lang(analysis)
    table = trade_stats_table(analysis)
    n = t("col.evaluable", lang)
    ratios = [t(k, lang) for k in ("col.profit_factor", "col.expectancy_pct", "col.payoff_ratio")]
    return faded(table, {column: n for column in ratios}, analysis.settings.min_samples, lang)


def best_worst_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """The best and the worst sell by net PnL %: time, symbol, exit reason, net PnL % and net
    PnL in its currency."""
    lang = _lang(analysis)
    picked = best_and_worst(analysis.sells)
    settings = analysis.settings
    table = pd.DataFrame({
        t("col.sell_time", lang, zone=settings.timezone):
            picked["event_time"].dt.tz_convert(settings.tz).dt.strftime("%Y-%m-%d %H:%M"),
        t("col.symbol", lang): picked["symbol"],
        t("col.exit_reason", lang): picked["exit_reason"],
        t("col.net_pnl_pct", lang): picked["net_pnl_pct"],
        t("col.net_pnl", lang): picked["net_pnl"],
        t("col.currency", lang): picked["currency"],
    })
    table.index = [t(f"row.{label}", lang) for label in picked.index]
    return table


def strategy_exit_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per strategy and exit reason: sells, evaluable, win rate % and mean net PnL %."""
    lang = _lang(analysis)
    buckets = aggregate_buckets(analysis.sells, analysis.settings, ["strategy_name", "exit_reason"])
    table = buckets.reindex(columns=["count", "evaluable", "win_rate", "avg_net_pnl_pct"]).copy()
    table["win_rate"] = table["win_rate"] * 100
    table = table.rename(columns={"count": t("col.sells", lang), "evaluable": t("col.evaluable", lang),
                                  "win_rate": t("col.win_rate", lang), "avg_net_pnl_pct": t("col.avg_net_pnl", lang)})
    table.index = table.index.set_names([t("col.strategy", lang), t("col.exit_reason", lang)])
    return table


def strategy_exit_view(analysis: PeriodAnalysis) -> Styler:
    lang = _lang(analysis)
    n = t("col.evaluable", lang)
    return faded(strategy_exit_table(analysis), {t("col.win_rate", lang): n, t("col.avg_net_pnl", lang): n},
                 analysis.settings.min_samples, lang)


def excursion_table(analysis: PeriodAnalysis) -> pd.DataFrame:
    """Per exit reason: sells with candles in the trade (n), mean MFE and MAE (%), the mean
    capture ratio and the sells it averages."""
    lang = _lang(analysis)
    table = excursion_buckets(analysis.sells)
    headers = {"samples": "col.n", "avg_mfe_pct": "col.avg_mfe", "avg_mae_pct": "col.avg_mae",
               "avg_capture_ratio": "col.avg_capture", "capture_samples": "col.n_capture"}
    return table.reindex(columns=list(headers)).rename(columns={c: t(k, lang) for c, k in headers.items()})


def excursion_view(analysis: PeriodAnalysis) -> Styler:
    lang = _lang(analysis)
    n, n_capture = t("col.n", lang), t("col.n_capture", lang)
    return faded(excursion_table(analysis), {t("col.avg_mfe", lang): n, t("col.avg_mae", lang): n,
                                             t("col.avg_capture", lang): n_capture},
                 analysis.settings.min_samples, lang)


def equity_chart(analysis: PeriodAnalysis) -> Figure:
    """The net PnL and underwater curves per currency."""
    return plots.equity_and_underwater(net_curves(analysis.sells), analysis.settings.timezone, lang=_lang(analysis))


def excursion_chart(analysis: PeriodAnalysis) -> Figure:
    """Mean MFE, MAE and realised move per exit reason."""
    return plots.excursions_by_exit_reason(excursion_buckets(analysis.sells), lang=_lang(analysis))
