# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# Parameters (literals only). The database: EXITLENS_DATABASE_URL, else DATABASE_URL, else data/exitlens.db.
month = None  # "YYYY-MM", a calendar month in the report timezone; None: the month of the latest sell
as_of = None  # when pending / missed points are judged (ISO with offset); None: the period end
timezone = "Asia/Seoul"
language = "en"  # "en" or "ko": every heading, table header and chart label
symbols = []  # e.g. ["KRW-BTC", "KRW-ETH"]; empty: all
regimes = []  # e.g. ["BULL"]; empty: all
exit_reasons = []  # e.g. ["TRAILING_STOP"]; empty: all
strategies = []  # strategy names; empty: all
min_samples = 20
trailing_stop_post_24h_pct = 3.0
stop_loss_post_4h_pct = 1.0
take_profit_post_4h_pct = 2.0
time_limit_post_24h_pct = -2.0
regime_early_exit_rate = 0.4
trailing_stop_step_pct = 0.5

# %%
# Monthly exit report. This file (jupytext percent format) is the source analysts edit and
# reviewers diff; `make notebooks` syncs it into the .ipynb and runs it on the demo database.
# Every number comes from the exitlens library (the report explains its terms under "How to read
# this report"); the headings, tables and charts follow the `language` parameter.
# %matplotlib inline
# The charts are laid out by matplotlib's constrained layout; IPython's default "tight" crop on top
# adds a few pixels of margin and a third to the time the charts take to draw.
# %config InlineBackend.print_figure_kwargs = {"bbox_inches": None}
import pandas as pd
from IPython.display import display

from exitlens.reports import plots
from exitlens.reports.replay import views as rv
from exitlens.reports.analysis import report_data, report_settings
from exitlens.reports.views import show

settings = report_settings(
    timezone=timezone, language=language, min_samples=min_samples,
    trailing_stop_post_24h_pct=trailing_stop_post_24h_pct, stop_loss_post_4h_pct=stop_loss_post_4h_pct,
    take_profit_post_4h_pct=take_profit_post_4h_pct, time_limit_post_24h_pct=time_limit_post_24h_pct,
    regime_early_exit_rate=regime_early_exit_rate, trailing_stop_step_pct=trailing_stop_step_pct,
)
report = report_data(
    "monthly", month=month, as_of=as_of, settings=settings,
    symbols=symbols, regimes=regimes, exit_reasons=exit_reasons, strategies=strategies,
)
report.heading()

# %%
# NBVAL_IGNORE_OUTPUT
# "generated at" is when this notebook runs: the one clock read of a report.
report.as_of_text(generated_at=pd.Timestamp.now(tz="UTC"))

# %%
report.key_figures()

# %%
display(report.section("headline"))
report.headline()

# %%
display(report.section("key_numbers"))
show(report.kpis(), index=False)

# %%
display(report.section("pnl_by_exit_reason"))
plots.pnl_by_exit_reason(report.analysis.sells, lang=language)

# %%
display(report.section("after_exit"))
plots.post_exit_path(report.analysis.buckets.by_exit_reason, list(settings.horizon_keys), lang=language)

# %%
display(report.section("regime_exit"))
plots.regime_exit_heatmap(report.analysis.buckets.by_regime_exit_reason, lang=language)

# %%
display(report.section("hold_time"))
plots.hold_time_by_exit_reason(report.analysis.sells, lang=language)

# %%
display(report.section("by_exit_reason"))
show(report.by_exit_reason())

# %%
display(report.section("by_regime"))
show(report.by_regime())

# %%
display(report.section("by_symbol"))
show(report.by_symbol())

# %%
display(report.section("suggestions"))
report.suggestions_view()

# %%
display(report.section("replay"))
display(rv.replay_status(report.analysis))
for fig in rv.replay_charts(report.analysis):
    display(fig)
display(rv.replay_suggestions_view(report.analysis))
display(rv.walk_forward_view(report.analysis))
for fig in rv.replay_grid_charts(report.analysis):
    display(fig)
rv.replay_sweep_view(report.analysis)

# %%
display(report.section("left_on_table"))
show(rv.left_on_the_table(report.analysis))

# %%
display(report.section("data_quality"))
display(show(report.point_states()))
display(show(report.entry_sources()))
report.notes_view()

# %%
display(report.section("every_sell"))
show(report.detail())

# %%
display(report.section("how_to_read"))
report.how_to_read()
