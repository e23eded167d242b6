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
rules = None  # exit rules file (TOML) to replay; None: EXITLENS_EXIT_RULES, as the command reads it
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
# Every number and every section comes from the exitlens library (exitlens.reports.sections:
# the daily, weekly and monthly notebooks differ only in their period).
# %matplotlib inline
# The charts are laid out by matplotlib's constrained layout; IPython's default "tight" crop on top
# adds a few pixels of margin and a third to the time the charts take to draw.
# %config InlineBackend.print_figure_kwargs = {"bbox_inches": None}
from exitlens.reports import sections

report = sections.open_report(
    "monthly", month=month, rules=rules,
    as_of=as_of, timezone=timezone, language=language, min_samples=min_samples,
    filters=dict(symbols=symbols, regimes=regimes, exit_reasons=exit_reasons, strategies=strategies),
    thresholds=dict(
        trailing_stop_post_24h_pct=trailing_stop_post_24h_pct, stop_loss_post_4h_pct=stop_loss_post_4h_pct,
        take_profit_post_4h_pct=take_profit_post_4h_pct, time_limit_post_24h_pct=time_limit_post_24h_pct,
        regime_early_exit_rate=regime_early_exit_rate, trailing_stop_step_pct=trailing_stop_step_pct,
    ),
)

# %%
# NBVAL_IGNORE_OUTPUT
sections.generated_at(report)

# %%
sections.answer(report)

# %% tags=["key-chart"]
sections.key_chart(report)

# %%
sections.tear_sheet(report)

# %%
sections.exits(report)

# %%
sections.replay(report)

# %%
sections.data(report)
