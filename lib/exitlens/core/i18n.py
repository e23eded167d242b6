"""The words of a report in each language: one catalogue, one lookup.

Every text a person reads (headings, captions, table headers, chart labels, the headline, the
Discord / n8n text) is a message id here with its English and Korean wording; views, plots,
the headline and the payloads call `t(key, lang, **values)`. JSON keys never go through it:
they are the same in every language. Values from the database (symbols, regimes, exit reasons)
are never translated.
"""

from __future__ import annotations

from typing import Any

from exitlens.core.errors import ConfigError

LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"

_EN: dict[str, str] = {
    # report names and titles
    "name.daily": "Daily exit report",
    "name.weekly": "Weekly exit report",
    "name.days": "{days}-day exit report",
    "name.monthly": "Monthly exit report",
    "label.daily": "Daily",
    "label.weekly": "Weekly",
    "label.days": "{days}-day period",
    "label.monthly": "Monthly",
    "period.text": "{start} to {end} ({zone}), end exclusive",
    "filter.intro": "filtered",
    "filter.symbols": "symbols",
    "filter.regimes": "regimes",
    "filter.exit_reasons": "exit reasons",
    "filter.strategies": "strategies",
    # notebook sections: heading and caption
    "section.intro": "Were our exits right? What each exit earned, and what the price did 1h, 4h, 12h and 24h "
                     "after it. Every number comes from the exitlens library; the terms are explained under "
                     "\"How to read this report\".",
    "section.headline": "Headline",
    "section.key_numbers": "Key numbers",
    "caption.key_numbers": "Win rate and PnL count evaluable sells (those with an entry price).",
    "section.pnl_by_exit_reason": "PnL by exit reason",
    "section.after_exit": "After the exit",
    "caption.after_exit": "Mean change of the price after the exit, by exit reason: above zero means the price "
                          "kept rising after we sold.",
    "section.regime_exit": "Regime × exit reason",
    "caption.regime_exit": "Average net PnL % (after fees) of each regime and exit reason.",
    "section.hold_time": "Hold time",
    "section.by_exit_reason": "By exit reason",
    "caption.by_exit_reason": "Averages in %, hold time in hours; rates in %.",
    "section.by_regime": "By regime",
    "caption.by_regime": "The same numbers per market regime at the time of the sell.",
    "section.by_symbol": "By symbol",
    "caption.by_symbol": "The same numbers per traded symbol.",
    "section.suggestions": "Suggestions",
    "caption.suggestions": "Strongest evidence first: replay-backed changes (with their 95% interval "
                                  "in percentage points of net PnL per trade), then rule-based ones with "
                                  "what replay says of them. Each row names the sells it rests on (n).",
    "section.data_quality": "Data quality",
    "caption.data_quality": "Post-exit points per horizon, where entry prices came from, and notes about sells "
                            "left out.",
    "section.every_sell": "Every sell",
    "caption.every_sell": "Entry and exit prices in each symbol's quote currency; PnL and the moves after the "
                          "exit in %.",
    "text.no_suggestions": "No suggestions for this period.",
    "text.no_notes": "No notes: every sell could be read and evaluated.",
    "note.no_sells_on_day": "no sells on {day}; the latest day with sells is {latest}",
    # table headers
    "col.period": "period",
    "col.fills": "fills",
    "col.sells": "sells",
    "col.evaluable": "evaluable",
    "col.win_rate": "win rate %",
    "col.wins": "wins",
    "col.draws": "draws",
    "col.losses": "losses",
    "col.realized_pnl": "realized PnL",
    "col.net_pnl": "net PnL",
    "col.fees": "fees",
    "col.max_drawdown": "max drawdown",
    "col.avg_net_pnl": "avg net PnL %",
    "col.net_pnl_pct": "net PnL (%)",
    "col.currency": "currency",
    "col.reason_raw": "reason as written",
    "col.money_in": "{label} ({currency})",
    "col.avg_pnl": "avg gross PnL %",
    "col.median_pnl": "median PnL %",
    "col.post_24h_samples": "post-24h samples",
    "col.avg_hold": "avg hold (h)",
    "col.after": "after {h} %",
    "col.early_exit": "early exit %",
    "col.over_hold": "over-hold %",
    "col.sell_time": "sell time ({zone})",
    "col.symbol": "symbol",
    "col.regime": "regime",
    "col.exit_reason": "exit reason",
    "col.quantity": "quantity",
    "col.entry": "entry",
    "col.entry_from": "entry from",
    "col.exit": "exit",
    "col.pnl_pct": "PnL (%)",
    "col.hold": "hold (h)",
    "col.horizon_pct": "{h} (%)",
    "col.rule": "rule",
    "col.message": "message",
    "col.metric": "metric",
    "col.value": "value",
    "col.threshold": "threshold",
    "col.samples": "samples",
    "col.note": "note",
    "col.horizon": "horizon",
    "col.entry_source": "entry price source",
    "col.point_tracked": "tracked",
    "col.point_pending": "pending",
    "col.point_missed": "missed",
    "col.point_expired": "expired",
    "col.high_after_24h": "24h high after (%)",
    "col.low_after_24h": "24h low after (%)",
    "col.verdict": "verdict",
    "verdict.noise stop": "noise stop",
    "verdict.early": "early",
    "verdict.saved": "saved",
    "verdict.fine": "fine",
    "verdict.pending": "pending",
    "verdict.provisional_suffix": " (provisional)",
    # charts
    "chart.no_data": "no data in this period",
    "chart.replay_title": "Replayed {parameter}: effect on net PnL per trade",
    "chart.replay_interval": "95% interval",
    "chart.replay_mean": "mean effect",
    "chart.replay_current": "current {value}",
    "chart.replay_effect_axis": "effect (percentage points)",
    "chart.replay_grid_title": "Replayed {a} × {b}:\nmean effect per trade (* interval excludes 0)",
    "chart.pnl_by_exit_reason": "Net PnL % by exit reason",
    "chart.post_exit_path": "Mean price change after the exit",
    "chart.regime_exit": "Average net PnL % by regime and exit reason",
    "chart.hold_time": "Hold time by exit reason",
    "axis.exit_reason": "exit reason",
    "axis.regime": "regime",
    "axis.pnl_pct": "net PnL (%)",
    "axis.avg_pnl_pct": "avg net PnL (%)",
    "axis.after_exit": "time after the exit",
    "axis.change_vs_exit": "mean change vs exit price (%)",
    "axis.hold_hours": "hold time (hours)",
    # headline
    "headline.none": "{label}: no sells in the period.",
    "headline.sells": "{count} sells",
    "headline.sell": "{count} sell",
    "headline.evaluable": "{count} evaluable",
    "headline.win_rate": "win rate {rate} ({record})",
    "headline.wins": "{count} wins",
    "headline.win": "{count} win",
    "headline.draws": "{count} draws",
    "headline.draw": "{count} draw",
    "headline.losses": "{count} losses",
    "headline.loss": "{count} loss",
    "headline.net": "net P&L {net} (gross {gross}, fees {fees})",
    "headline.avg": "avg net {pct}% per sell",
    "headline.after": " 24h after exit the price moved {pct}% on average ({samples} sells).",
    "headline.partly_covered": (" Caution: {count} sell(s) sold more than their BUY lots held; their P&L counts the "
                                "whole quantity at the covered cost (see the notes)."),
    "headline.label_day": "{kind} {date} ({zone})",
    "headline.label_period": "{kind} {days}from {start} to {end} ({zone})",
    "headline.label_days": "{days} days ",
    "headline.label_month": "{kind} {month} ({zone})",
    # suggestions (SPEC §3)
    "suggest.trailing_stop_loosen": "Loosen trailing_stop_pct by {step} percentage points: 24h after trailing-stop "
                                    "exits the price was {value}% higher on average.",
    "suggest.stop_loss_loosen": "Loosen stop_loss_pct: 4h after stop-loss exits the price had recovered {value}% on "
                                "average.",
    "suggest.take_profit_raise": "Raise take_profit_pct: 4h after take-profit exits the price kept rising, {value}% "
                                 "on average.",
    "suggest.time_limit_keep": "Keep the time limit: exits avoided further falls, the price was {value}% 24h after "
                               "time-limit exits on average.",
    "suggest.regime_review": "Review the {regime} regime's exit parameters: {rate} of its trailing-stop and "
                             "take-profit exits ({samples}) were followed by a price more than {change}% above the exit price "
                             "24h after the exit.",
    "suggest.hold": "Keep the parameters and collect more data: no rule fired.",
    "suggest.not_enough": "Not enough data for tuning suggestions: {evaluable} evaluable sell(s) in the period, "
                          "{needed} needed.",
    "suggest.held_back": "{rule} held back: {metric} is {value} over only {samples} sell(s), {needed} needed.",
    # Discord / n8n
    "msg.failed_suffix": "{title} (failed)",
    "msg.run_failed": "The {kind} report run failed: {error}",
    "msg.period": "Period",
    "msg.status": "Status",
    "msg.status_failed": "failed",
    "msg.error": "Error",
    "msg.sells": "Sells",
    "msg.evaluable": "Evaluable",
    "msg.win_rate": "Win rate",
    "msg.record": "Wins / draws / losses",
    "msg.realized_pnl": "Gross PnL",
    "msg.net_pnl": "Net PnL",
    "msg.fees": "Fees",
    "msg.max_drawdown": "Max drawdown",
    "msg.avg_pnl": "Avg gross PnL",
    "msg.avg_net_pnl": "Avg net PnL",
    "msg.collection_rate": "24h collection rate",
    "msg.below_goal": "below the {goal} goal",
    "msg.avg_post_24h": "Avg post-24h",
    "msg.notes": "Notes",
    "msg.threshold": "threshold",
    "msg.more_suggestions": " · {count} more suggestions in the report",
    "msg.more_suggestion": " · {count} more suggestion in the report",
    # key figures, as-of line, how to read (views.ReportData)
    "figure.sells": "sells",
    "figure.win_rate": "win rate (net of fees)",
    "figure.net_pnl": "net PnL ({currency}, after fees)",
    "figure.collection": "24h collection rate (goal {goal})",
    "figure.collection_low": "The 24h collection rate is {rate}, below the {goal} goal: post-exit numbers rest on "
                             "fewer sells than they should (check that the tracker runs and that candles are "
                             "collected).",
    "meta.as_of": "Data as of {time} ({zone})",
    "meta.generated": "; generated at {time} ({zone})",
    "section.how_to_read": "How to read this report",
    "howto.fills": "fills",
    "howto.fills.text": "every filled order of the period, buys and sells.",
    "howto.sells": "sells",
    "howto.sells.text": "filled SELL orders of the period; each row of the report is about sells.",
    "howto.evaluable": "evaluable",
    "howto.evaluable.text": "sells with an entry price (from the bot's signal, else the average cost of the buys "
                            "they closed, first in first out); only these have a PnL.",
    "howto.win": "win",
    "howto.win.text": "an evaluable sell whose PnL after fees (its own and its buys' share) is above zero; "
                      "a loss below zero; a draw within a billionth of the traded value (break-even, "
                      "as freqtrade counts it); win rate = wins / evaluable.",
    "howto.after": "after 1h … 24h (post-exit change)",
    "howto.after.text": "how far the price moved from the exit price that long after the sell, in %: above zero "
                        "means it kept rising after we sold.",
    "howto.early_exit": "early exit %",
    "howto.early_exit.text": "of the TRAILING_STOP and TAKE_PROFIT sells with a 24h point, the share whose price "
                             "24h after the exit was more than {change}% above the exit price.",
    "howto.over_hold": "over-hold %",
    "howto.over_hold.text": "of the TIME_LIMIT sells with a 24h point, the share whose price 24h after the exit "
                            "was more than {change}% below the exit price.",
    "howto.verdict": "verdict",
    "howto.verdict.text": "per sell, from its 24h point: noise stop (a stop loss after which the price came back "
                          "to the entry within 24h), early (the price at the point more than {early}% above the exit price), "
                          "saved (more than {saved}% below it: the exit avoided a fall), fine otherwise, pending before the point is due; "
                          "(provisional) when the 24h point is not recorded yet and the latest recorded point "
                          "judged it.",
    "howto.collection": "24h collection rate",
    "howto.collection.text": "sells that have their 24h point / sells whose 24h point is due; the goal is {goal}.",
    "howto.n": "n in legends",
    "howto.n.text": "the number of sells behind a bar, line, box or cell (n < {min_samples}: read with care; such heatmap "
                    "cells are drawn faded, and every sell is drawn as a point over the boxes).",
    "howto.units": "%, rates",
    "howto.units.text": "every rate is shown in % (53.6% = 0.536); money in the quote currency named beside it; "
                        "– means unknown.",
    # exit replay (reports/replay)
    "section.replay": "What other exits would have done",
    "caption.replay": "Exit replay: the bot's exit rules replayed on each position's 1m candles, one parameter "
                      "changed at a time. Effect = the mean change of net PnL % per trade, in percentage points, "
                      "with its 95% interval.",
    "section.left_on_table": "Left on the table",
    "caption.left_on_table": "Per exit reason: the mean highest and lowest price within 24h after the exit, in % "
                             "of the exit price, and the share of stop losses after which the price came back to "
                             "the entry (noise stops).",
    "replay.how_to_add": "no exit rules file: pass --rules FILE or set {env} (config/demo_exit_rules.toml is the "
                         "demo bot's; see the README section \"Exit replay\")",
    "replay.off": "Exit replay is off: {how}.",
    "replay.error": "Exit replay could not run: {error}",
    "replay.status": "Replayed {replayable} sells with the rules of {rules} (fill {fill}); {not_replayable} sells "
                     "are not replayable (no entry price, no lot or no candles), {open_at_end} replays are still open "
                     "at the end of their path (marked to market at its last close and counted). ",
    "replay.fidelity_unknown": "Fidelity is unknown: no sell has a modelled exit reason.",
    "replay.fidelity": "Fidelity {fidelity} over {samples} sells: the share whose replay with the actual rules "
                       "exits for the same reason within max(2 minutes, one candle interval) of the actual sell.",
    "replay.note_unused_regimes": "Exit rules file {file} has a table for regime(s) {regimes} that no sell of the "
                                  "period belongs to: check the regime names.",
    "replay.note_skipped": "Exit replay skipped: {error}",
    "replay.note_folds": "Walk-forward: the history holds {formed} of the {requested} folds asked for (test windows "
                         "of {days} days, each chosen on the {train} before it); a suggestion is out of sample only "
                         "when the folds it has confirm it.",
    "replay.text.head": "exit replay with {rules} (model {model}, fill {fill}, horizon {horizon} h): {replayable} "
                        "replayable sells, {not_replayable} not replayable, {open_at_end} open at end",
    "replay.text.fidelity": "fidelity {fidelity} over {samples} sells with a modelled exit reason; coverage {coverage}",
    "replay.text.by_reason": "  {reason}: fidelity {fidelity} over {n}",
    "replay.text.unmodelled": "exit reasons the rules do not model (sells): {reasons}",
    "replay.text.warning": "warning: fidelity below {threshold}, or a stop, take profit or time limit with at least "
                           "{share} of the sells that the rules do not model: the rules file does not describe the bot",
    "replay.text.columns": "parameter|value|current|n|open|mean|low|high|hold Δh|total",
    "replay.text.suggestion": "suggestion: {message}",
    "replay.text.evidence_suggestion": "suggestion [{evidence}]: {message}",
    "replay.text.picking": "picking: the best of {m} values per parameter, so a pick's interval is the {level} one",
    "replay.text.walk": "walk-forward: {folds} of {requested} folds, each chosen on the {train} periods before it",
    "replay.text.walk_row": "  {parameter:<24} n {n:>5}  mean {mean}  [{low}, {high}]  chosen {chosen}",
    "replay.text.grid": "grid {a} × {b}, mean effect (* interval excludes 0):",
    "replay.text.regime": "regime {regime}, its table only:",
    "replay.text.no_suggestion": "no replay-backed suggestion",
    "replay.text.note": "note: {note}",
    "replay.coverage": " Coverage {coverage}: the share of sells whose exit reason the rules model{unmodelled}.",
    "replay.unmodelled": " (not modelled: {reasons})",
    "replay.unmodelled_warning": " Warning: fidelity is below {threshold}, or a stop, take profit or time limit with "
                                 "at least {share} of the sells is not modelled: the rules file does not describe "
                                 "the bot, so the effects below are not to be trusted.",
    "replay.note_no_candle_at_entry": "Sell {sell} ({symbol}) is not replayable: no candle within one candle "
                                      "interval of its position's entry.",
    "replay.note_candles_after_exit": "Sell {sell} ({symbol}) is not replayable: its candles begin after its "
                                      "actual exit.",
    "replay.backed": "replay-backed",
    "replay.walk_forward": "Choosing and confirming: each parameter's best of {m} values must clear the {level} "
                           "interval, not the 95% one, to be suggested. Walk-forward: {folds} of the {requested} "
                           "folds asked for fit in the history; in each, the value is chosen on the {train} periods "
                           "before it and measured on that period only. Below, the pooled out-of-sample effect: a "
                           "suggestion is out of sample when its parameter's interval lies wholly above 0.",
    "replay.no_suggestions": "Replay supports no change of a single parameter: no swept value's 95% interval lies "
                             "wholly above 0 with enough trades.",
    "replay.check.confirmed": "confirmed",
    "replay.check.not confirmed": "not confirmed",
    "replay.check.not replayable": "not replayable",
    "suggest.replay": "Set {parameter} to {value} (now {current}): replayed on {n} trades it adds {mean} points of "
                      "net_pnl_pct per trade ({level} interval {low} to {high}: the best of {m} values compared, so "
                      "the interval is wider than 95%).",
    "suggest.replay_oos": "Confirmed out of sample (walk-forward): chosen on the {train} periods before each of the "
                          "last {folds} periods, the value added {mean} points on those periods' {n} trades ({low} "
                          "to {high}).",
    "suggest.replay_not_oos": "Not confirmed out of sample (walk-forward): chosen on the {train} periods before each "
                              "of the last {folds} periods, the value added {mean} points on those periods' {n} "
                              "trades ({low} to {high}), an interval not wholly above 0.",
    "suggest.replay_no_walk": "Not confirmed out of sample: the history holds {folds} walk-forward fold(s) with "
                              "replayed trades.",
    "suggest.replay_off": "off",
    "col.suggestion": "suggestion",
    "col.replay": "replay",
    "col.parameter": "parameter",
    "col.chosen_per_fold": "chosen per fold",
    "col.current": "current",
    "col.n": "n",
    "col.open_at_end": "open at end",
    "col.hold_hours_change": "hold change (h)",
    "col.effect_total": "total effect",
    "col.effect_mean": "mean effect (pp)",
    "col.effect_low": "95% low (pp)",
    "col.effect_high": "95% high (pp)",
    "col.high_after_24h_avg": "24h high after exit (avg %)",
    "col.low_after_24h_avg": "24h low after exit (avg %)",
    "col.noise_stops": "noise stops (%)",
    # terminal summary (core.summary_text)
    "text.all_sells": "all sells",
    "text.win_rate": "win rate",
    "text.record": "W/D/L",
    "text.net_pnl": "net PnL",
    "text.gross_pnl": "gross PnL",
    "text.avg_pnl": "avg net PnL",
    "text.after_24h": "after 24h",
    "text.early_exit": "early exit",
    "text.over_hold": "over-hold",
    "text.collection_rate": "24h collection rate: {rate}",
    "text.max_drawdown": "max drawdown: {amount}",
    "text.suggestion": "suggestion [{evidence}]: {message} ({metric} {value}, threshold {threshold}, n={samples})",
    "text.note": "note: {note}",
    # report index (reports.archive)
    "index.title": "exitlens reports",
    "index.period": "Period",
    "index.kind": "Kind",
    "index.status": "Status",
    "index.sells": "Sells",
    "index.win_rate": "Win rate",
    "index.net_pnl": "Net PnL",
    "index.gross_pnl": "Gross PnL",
    "index.avg_pnl": "Avg net PnL",
    "index.headline": "Headline / error",
    "index.finished": "Finished (UTC)",
    "index.files": "Files",
    "index.file.notebook": "notebook",
    "index.file.summary": "summary",
    "index.empty": "No reports yet.",
    "index.status.succeeded": "succeeded",
    "index.status.failed": "failed",
    # evidence first (SPEC §3, §5): verdicts, evidence, tear sheet, excursions
    "evidence.out-of-sample": "out-of-sample (replay, walk-forward)",
    "evidence.in-sample": "in-sample (replay)",
    "evidence.rule, confirmed": "rule, confirmed by replay",
    "evidence.rule, not confirmed": "rule, not confirmed by replay",
    "evidence.rule, not replayable": "rule, not replayable",
    "evidence.hold": "no change",
    "headline.lead": " Strongest suggestion [{evidence}]: {message}",
    "headline.weak": " The evidence is weak: no replay backs it, and it rests on {samples} sells.",
    "section.verdicts": "Were our exits right?",
    "caption.verdicts": "How many sells of each exit reason got each verdict, from the price 24h after the exit "
                        "(see \"How to read this report\"). \"of which provisional\" counts the verdicts read "
                        "from an earlier point because the 24h one is not in yet: they may still change.",
    "col.provisional": "of which provisional",
    "col.evidence": "evidence",
    "col.n_after": "n {h}",
    "col.n_early": "n early exit",
    "col.n_over_hold": "n over-hold",
    "text.faded": "* fewer than {min} sells behind the value (min_samples): faded, read with care.",
    "section.tear_sheet": "Tear sheet",
    "caption.tear_sheet": "Net of fees, per quote currency. Profit factor = net won / net lost; expectancy = "
                          "mean net PnL per sell; payoff ratio = mean win / mean loss; a draw is a sell whose "
                          "net PnL is within 1e-9 of its size.",
    "section.equity": "Net PnL and drawdown",
    "caption.equity": "Cumulative net PnL over the period's sells (top) and how far it stood below its running "
                      "peak (underwater, bottom), one line per quote currency.",
    "section.best_worst": "Best and worst sell",
    "caption.best_worst": "The sells with the highest and the lowest net PnL %.",
    "section.strategy_exit": "Strategy × exit reason",
    "caption.strategy_exit": "Sells, win rate and mean net PnL % of each strategy and exit reason.",
    "section.excursions": "In-trade excursions",
    "caption.excursions": "From each position's 1m candles between entry and exit: MFE, the best price reached "
                          "(% above the entry); MAE, the worst (% below it); capture ratio, the realised move "
                          "divided by the MFE (1 = sold at the best price).",
    "col.profit_factor": "profit factor",
    "col.expectancy": "expectancy",
    "col.expectancy_pct": "expectancy (net %)",
    "col.payoff_ratio": "payoff ratio",
    "row.best": "best",
    "row.worst": "worst",
    "col.strategy": "strategy",
    "col.avg_mfe": "MFE (avg %)",
    "col.avg_mae": "MAE (avg %)",
    "col.avg_capture": "capture ratio (avg)",
    "col.n_capture": "n capture",
    "chart.equity_title": "Cumulative net PnL ({currency})",
    "chart.underwater_title": "Underwater ({currency})",
    "chart.equity_y": "net PnL ({currency})",
    "chart.underwater_y": "below peak ({currency})",
    "chart.sell_time": "sell time ({zone})",
    "chart.excursions_title": "In-trade excursions by exit reason",
    "chart.excursions_y": "% of entry price (mean)",
    "chart.mfe": "MFE (best)",
    "chart.mae": "MAE (worst)",
    "chart.realised": "realised (gross)",
    "howto.evidence": "evidence",
    "howto.evidence.text": "What a suggestion rests on, strongest first: out-of-sample (exit replay, confirmed on "
                           "later weeks it was not chosen on) · in-sample (exit replay over this period, its 95% "
                           "interval above 0) · rule, confirmed (a threshold rule that replay of the same change "
                           "supports) · rule, not confirmed (replay of the change does not support it) · rule, not "
                           "replayable (replay cannot test it) · no change.",
    "howto.excursions": "MFE, MAE, capture ratio",
    "howto.excursions.text": "Maximum favourable and adverse excursion: the best and worst price between entry "
                             "and exit, in % of the entry; capture ratio = realised move / MFE.",
    "howto.tear_sheet": "profit factor, expectancy, payoff ratio",
    "howto.tear_sheet.text": "Net won / net lost; mean net PnL per sell; mean win / mean loss (net of fees).",
    "msg.evidence": "evidence",
    "section.replay_suggestions": "What replay says of each suggestion",
    "caption.replay_suggestions": "The replay-backed suggestions (a swept value whose 95% interval lies wholly "
                                  "above 0) and each rule-based suggestion with the replay of the same change: "
                                  "confirmed when its interval supports it, not confirmed when it does not, not "
                                  "replayable when replay cannot change that parameter. Effects in percentage "
                                  "points (pp) of net PnL % per trade.",
    "section.replay_sweep": "Every swept value",
    "caption.replay_sweep": "Each parameter's swept values, one at a time: the trades replayed (n), those still "
                            "open at the end of the data (censored), and the mean effect with its 95% interval "
                            "(pp of net PnL % per trade).",
    "msg.lead": "{title} · lead: {name} ({evidence})",
    "msg.effect": "replay: {mean} pp per trade (95% interval {low} to {high}), n={n}",
}

_KO: dict[str, str] = {
    "name.daily": "일간 청산 리포트",
    "name.weekly": "주간 청산 리포트",
    "name.days": "{days}일 청산 리포트",
    "name.monthly": "월간 청산 리포트",
    "label.daily": "일간",
    "label.weekly": "주간",
    "label.days": "{days}일 기간",
    "label.monthly": "월간",
    "period.text": "{start} ~ {end} ({zone}), 종료 시각 제외",
    "filter.intro": "필터",
    "filter.symbols": "종목",
    "filter.regimes": "레짐",
    "filter.exit_reasons": "청산 사유",
    "filter.strategies": "전략",
    "section.intro": "청산은 옳았는가? 각 청산의 손익과 청산 후 1시간, 4시간, 12시간, 24시간 동안의 가격 변화. "
                     "모든 숫자는 exitlens 라이브러리에서 나옵니다. 용어는 \"이 리포트를 읽는 법\"에서 설명합니다.",
    "section.headline": "요약",
    "section.key_numbers": "핵심 지표",
    "caption.key_numbers": "승률과 손익은 평가 가능한 매도(진입가가 있는 매도)만 셉니다.",
    "section.pnl_by_exit_reason": "청산 사유별 손익",
    "section.after_exit": "청산 이후",
    "caption.after_exit": "청산 사유별 청산 후 평균 가격 변화: 0보다 크면 매도 후에도 가격이 계속 올랐다는 뜻입니다.",
    "section.regime_exit": "레짐 × 청산 사유",
    "caption.regime_exit": "레짐과 청산 사유별 평균 순손익 % (수수료 차감 후).",
    "section.hold_time": "보유 시간",
    "section.by_exit_reason": "청산 사유별",
    "caption.by_exit_reason": "평균은 %, 보유 시간은 시간 단위, 비율은 %.",
    "section.by_regime": "레짐별",
    "caption.by_regime": "매도 시점의 시장 레짐별 같은 지표.",
    "section.by_symbol": "종목별",
    "caption.by_symbol": "거래 종목별 같은 지표.",
    "section.suggestions": "제안",
    "caption.suggestions": "근거가 강한 순서: 재현 기반 변경 (거래당 순손익 %p의 95% 구간과 함께), 그다음 규칙 기반 "
                                  "제안과 재현 결과. 각 행은 근거가 된 매도 수(건수)를 보여줍니다.",
    "section.data_quality": "데이터 품질",
    "caption.data_quality": "기간별 청산 후 기록 지점, 진입가의 출처, 제외된 매도에 대한 메모.",
    "section.every_sell": "전체 매도",
    "caption.every_sell": "진입가와 청산가는 각 종목의 결제 통화, 손익과 청산 후 변화는 %.",
    "text.no_suggestions": "이 기간에는 제안이 없습니다.",
    "text.no_notes": "메모 없음: 모든 매도를 읽고 평가했습니다.",
    "note.no_sells_on_day": "{day}에는 매도가 없습니다. 매도가 있는 가장 최근 날짜는 {latest}입니다",
    "col.period": "기간",
    "col.fills": "체결",
    "col.sells": "매도",
    "col.evaluable": "평가 가능",
    "col.win_rate": "승률 %",
    "col.wins": "수익",
    "col.draws": "무승부",
    "col.losses": "손실",
    "col.realized_pnl": "실현 손익",
    "col.net_pnl": "순손익",
    "col.fees": "수수료",
    "col.max_drawdown": "최대 낙폭",
    "col.avg_net_pnl": "평균 순손익 %",
    "col.net_pnl_pct": "순손익 (%)",
    "col.currency": "통화",
    "col.reason_raw": "기록된 사유",
    "col.money_in": "{label} ({currency})",
    "col.avg_pnl": "평균 총손익 %",
    "col.median_pnl": "손익 중앙값 %",
    "col.post_24h_samples": "24시간 후 표본",
    "col.avg_hold": "평균 보유 (시간)",
    "col.after": "{h} 후 %",
    "col.early_exit": "조기 청산 %",
    "col.over_hold": "과다 보유 %",
    "col.sell_time": "매도 시각 ({zone})",
    "col.symbol": "종목",
    "col.regime": "레짐",
    "col.exit_reason": "청산 사유",
    "col.quantity": "수량",
    "col.entry": "진입가",
    "col.entry_from": "진입가 출처",
    "col.exit": "청산가",
    "col.pnl_pct": "손익 (%)",
    "col.hold": "보유 (시간)",
    "col.horizon_pct": "{h} (%)",
    "col.rule": "규칙",
    "col.message": "내용",
    "col.metric": "지표",
    "col.value": "값",
    "col.threshold": "기준값",
    "col.samples": "표본",
    "col.note": "메모",
    "col.horizon": "기간",
    "col.entry_source": "진입가 출처",
    "col.point_tracked": "기록됨",
    "col.point_pending": "대기",
    "col.point_missed": "누락",
    "col.point_expired": "만료",
    "col.high_after_24h": "청산 후 24시간 최고 (%)",
    "col.low_after_24h": "청산 후 24시간 최저 (%)",
    "col.verdict": "판정",
    "verdict.noise stop": "노이즈 손절",
    "verdict.early": "이른 청산",
    "verdict.saved": "손실 회피",
    "verdict.fine": "적절",
    "verdict.pending": "대기 중",
    "verdict.provisional_suffix": " (잠정)",
    "chart.no_data": "이 기간에는 데이터가 없습니다",
    "chart.replay_title": "{parameter} 재현: 거래당 순손익 효과",
    "chart.replay_interval": "95% 구간",
    "chart.replay_mean": "평균 효과",
    "chart.replay_current": "현재 {value}",
    "chart.replay_effect_axis": "효과 (%p)",
    "chart.replay_grid_title": "{a} × {b} 재현:\n거래당 평균 효과 (* 구간이 0을 포함하지 않음)",
    "chart.pnl_by_exit_reason": "청산 사유별 순손익 %",
    "chart.post_exit_path": "청산 후 평균 가격 변화",
    "chart.regime_exit": "레짐과 청산 사유별 평균 순손익 %",
    "chart.hold_time": "청산 사유별 보유 시간",
    "axis.exit_reason": "청산 사유",
    "axis.regime": "레짐",
    "axis.pnl_pct": "순손익 (%)",
    "axis.avg_pnl_pct": "평균 순손익 (%)",
    "axis.after_exit": "청산 후 경과 시간",
    "axis.change_vs_exit": "청산가 대비 평균 변화 (%)",
    "axis.hold_hours": "보유 시간 (시간)",
    "headline.none": "{label}: 기간 내 매도가 없습니다.",
    "headline.sells": "매도 {count}건",
    "headline.sell": "매도 {count}건",
    "headline.evaluable": "평가 가능 {count}건",
    "headline.win_rate": "승률 {rate} ({record})",
    "headline.wins": "수익 {count}건",
    "headline.win": "수익 {count}건",
    "headline.draws": "무승부 {count}건",
    "headline.draw": "무승부 {count}건",
    "headline.losses": "손실 {count}건",
    "headline.loss": "손실 {count}건",
    "headline.net": "순손익 {net} (총손익 {gross}, 수수료 {fees})",
    "headline.avg": "매도당 평균 순손익 {pct}%",
    "headline.after": " 청산 24시간 후 가격은 평균 {pct}% 움직였습니다 (매도 {samples}건).",
    "headline.partly_covered": (" 주의: 매도 {count}건이 매수 로트보다 많이 팔렸습니다. 손익은 전체 수량을 커버된 "
                                "원가로 계산했습니다(메모 참조)."),
    "headline.label_day": "{kind} {date} ({zone})",
    "headline.label_period": "{kind} {days}{start} ~ {end} ({zone})",
    "headline.label_days": "{days}일간 ",
    "headline.label_month": "{kind} {month} ({zone})",
    "suggest.trailing_stop_loosen": "trailing_stop_pct를 {step}%p 완화하세요: 트레일링 스탑 청산 24시간 후 가격이 "
                                    "평균 {value}% 더 높았습니다.",
    "suggest.stop_loss_loosen": "stop_loss_pct를 완화하세요: 손절 청산 4시간 후 가격이 평균 {value}% 회복했습니다.",
    "suggest.take_profit_raise": "take_profit_pct를 높이세요: 익절 청산 4시간 후에도 가격이 평균 {value}% 계속 올랐습니다.",
    "suggest.time_limit_keep": "시간 제한을 유지하세요: 시간 제한 청산 24시간 후 가격이 평균 {value}%로, 추가 하락을 "
                               "피했습니다.",
    "suggest.regime_review": "{regime} 레짐의 청산 파라미터를 검토하세요: 트레일링 스탑·익절 청산({samples}건)의 "
                             "{rate}가 청산 24시간 후 청산가보다 {change}% 넘게 높았습니다.",
    "suggest.hold": "파라미터를 유지하고 데이터를 더 모으세요: 발동한 규칙이 없습니다.",
    "suggest.not_enough": "튜닝 제안을 하기에 데이터가 부족합니다: 기간 내 평가 가능 매도 {evaluable}건, "
                          "{needed}건 필요.",
    "suggest.held_back": "{rule} 보류: {metric} 값 {value}의 근거가 매도 {samples}건뿐입니다({needed}건 필요).",
    "msg.failed_suffix": "{title} (실패)",
    "msg.run_failed": "{kind} 리포트 실행 실패: {error}",
    "msg.period": "기간",
    "msg.status": "상태",
    "msg.status_failed": "실패",
    "msg.error": "오류",
    "msg.sells": "매도",
    "msg.evaluable": "평가 가능",
    "msg.win_rate": "승률",
    "msg.record": "수익 / 무승부 / 손실",
    "msg.realized_pnl": "총손익",
    "msg.net_pnl": "순손익",
    "msg.fees": "수수료",
    "msg.max_drawdown": "최대 낙폭",
    "msg.avg_pnl": "평균 총손익",
    "msg.avg_net_pnl": "평균 순손익",
    "msg.collection_rate": "24시간 수집률",
    "msg.below_goal": "목표 {goal} 미달",
    "msg.avg_post_24h": "24시간 후 평균",
    "msg.notes": "메모",
    "msg.threshold": "기준값",
    "msg.more_suggestions": " · 리포트에 제안 {count}건 더 있음",
    "msg.more_suggestion": " · 리포트에 제안 {count}건 더 있음",
    "figure.sells": "매도",
    "figure.win_rate": "승률 (수수료 차감)",
    "figure.net_pnl": "순손익 ({currency}, 수수료 차감)",
    "figure.collection": "24시간 수집률 (목표 {goal})",
    "figure.collection_low": "24시간 수집률이 {rate}로 목표 {goal}에 못 미칩니다: 청산 후 지표가 근거로 삼는 매도가 "
                             "적습니다 (추적기가 실행되는지, 캔들이 수집되는지 확인하세요).",
    "meta.as_of": "데이터 기준 시각 {time} ({zone})",
    "meta.generated": "; 생성 시각 {time} ({zone})",
    "section.how_to_read": "이 리포트를 읽는 법",
    "howto.fills": "체결",
    "howto.fills.text": "기간 내 체결된 모든 주문 (매수와 매도).",
    "howto.sells": "매도",
    "howto.sells.text": "기간 내 체결된 SELL 주문. 리포트의 모든 행은 매도에 관한 것입니다.",
    "howto.evaluable": "평가 가능",
    "howto.evaluable.text": "진입가가 있는 매도 (봇의 신호에서, 없으면 청산한 매수의 선입선출 평균 단가). 이런 매도만 "
                            "손익이 있습니다.",
    "howto.win": "수익",
    "howto.win.text": "수수료(자신의 수수료와 매수 수수료의 몫)를 뺀 손익이 0보다 큰 평가 가능 매도. "
                      "0보다 작으면 손실, 거래 금액의 10억분의 1 이내면 무승부(본전, freqtrade와 같은 기준). "
                      "승률 = 수익 / 평가 가능.",
    "howto.after": "1시간 … 24시간 후 (청산 후 변화)",
    "howto.after.text": "매도 후 그 시간이 지났을 때 가격이 청산가에서 움직인 정도 (%). 0보다 크면 매도 후에도 "
                        "가격이 계속 올랐다는 뜻입니다.",
    "howto.early_exit": "조기 청산 %",
    "howto.early_exit.text": "24시간 지점이 있는 TRAILING_STOP·TAKE_PROFIT 매도 중 청산 24시간 후 가격이 청산가보다 "
                             "{change}% 넘게 높았던 비율.",
    "howto.over_hold": "과다 보유 %",
    "howto.over_hold.text": "24시간 지점이 있는 TIME_LIMIT 매도 중 청산 24시간 후 가격이 청산가보다 {change}% 넘게 "
                            "낮았던 비율.",
    "howto.verdict": "판정",
    "howto.verdict.text": "매도별로 24시간 지점을 보고 판정합니다: 노이즈 손절 (손절 후 24시간 안에 가격이 진입가로 "
                          "돌아옴), 이른 청산 (그 지점 가격이 청산가보다 {early}% 넘게 높음), 손실 회피 ({saved}% 넘게 낮음: 청산이 하락을 "
                          "피함), 그 밖에는 적절, 지점이 아직 오지 않았으면 대기 중. 24시간 지점이 아직 기록되지 "
                          "않아 기록된 가장 늦은 지점으로 판정했으면 (잠정).",
    "howto.collection": "24시간 수집률",
    "howto.collection.text": "24시간 지점이 기록된 매도 / 24시간 지점이 도래한 매도. 목표는 {goal}입니다.",
    "howto.n": "범례의 n",
    "howto.n.text": "막대, 선, 상자, 칸 뒤에 있는 매도 수 (n < {min_samples}이면 주의해서 읽으세요. 그런 히트맵 칸은 흐리게 "
                    "그리고, 상자 위에는 매도 하나하나를 점으로 그립니다).",
    "howto.units": "%, 비율",
    "howto.units.text": "모든 비율은 %로 표시합니다 (53.6% = 0.536). 금액은 옆에 적힌 결제 통화, – 는 알 수 없음.",
    "section.replay": "다른 청산 규칙이었다면",
    "caption.replay": "청산 재현: 봇의 청산 규칙을 각 포지션의 1분봉에 다시 적용하되 한 번에 파라미터 하나만 바꿉니다. "
                      "효과 = 거래당 순손익 %의 평균 변화 (%p)와 95% 구간.",
    "section.left_on_table": "놓친 수익",
    "caption.left_on_table": "청산 사유별: 청산 후 24시간 동안의 최고가와 최저가 평균 (청산가 대비 %), 그리고 손절 후 "
                             "가격이 진입가로 돌아온 비율 (노이즈 손절).",
    "replay.how_to_add": "청산 규칙 파일이 없습니다: --rules FILE을 주거나 {env}를 설정하세요 "
                         "(config/demo_exit_rules.toml이 데모 봇의 규칙입니다. README의 \"Exit replay\" 절 참고)",
    "replay.off": "청산 재현이 꺼져 있습니다: {how}.",
    "replay.error": "청산 재현을 실행할 수 없습니다: {error}",
    "replay.status": "{rules}의 규칙 (체결 방식 {fill})으로 매도 {replayable}건을 재현했습니다. 매도 {not_replayable}건은 "
                     "재현할 수 없고 (진입가, 로트 또는 캔들 없음), 재현 {open_at_end}건은 경로 끝까지 청산되지 "
                     "않았습니다 (마지막 종가로 평가해 포함). ",
    "replay.fidelity_unknown": "충실도를 알 수 없습니다: 모델링된 청산 사유의 매도가 없습니다.",
    "replay.fidelity": "충실도 {fidelity} (매도 {samples}건): 실제 규칙으로 재현했을 때 같은 사유로 실제 매도 "
                       "max(2분, 캔들 간격 하나) 이내에 청산한 비율.",
    "replay.note_unused_regimes": "청산 규칙 파일 {file}에 기간 내 어떤 매도에도 해당하지 않는 레짐 {regimes}의 표가 "
                                  "있습니다: 레짐 이름을 확인하세요.",
    "replay.note_skipped": "청산 재현을 건너뛰었습니다: {error}",
    "replay.note_folds": "워크포워드: 요청한 폴드 {requested}개 중 기록에 {formed}개만 있습니다 (검증 구간 {days}일, 각각 그 "
                         "앞 {train}개 구간에서 선택). 제안은 있는 폴드들이 확인할 때만 표본 외로 확인된 것입니다.",
    "replay.text.head": "{rules}로 청산 재현 (모델 {model}, 체결 {fill}, 기간 {horizon}시간): 재현 가능한 매도 "
                        "{replayable}건, 재현 불가 {not_replayable}건, 끝까지 보유 {open_at_end}건",
    "replay.text.fidelity": "충실도 {fidelity} (모델링된 청산 사유의 매도 {samples}건), 포괄률 {coverage}",
    "replay.text.by_reason": "  {reason}: 충실도 {fidelity} ({n}건)",
    "replay.text.unmodelled": "규칙이 모델링하지 않는 청산 사유 (매도 건수): {reasons}",
    "replay.text.warning": "경고: 충실도가 {threshold} 미만이거나 매도의 {share} 이상인 손절, 익절, 추적 손절 또는 "
                           "시간 제한이 모델링되지 않았습니다: 규칙 파일이 봇을 설명하지 못합니다",
    "replay.text.columns": "파라미터|값|현재|건수|보유|평균|하한|상한|보유 Δ시간|합계",
    "replay.text.suggestion": "제안: {message}",
    "replay.text.evidence_suggestion": "제안 [{evidence}]: {message}",
    "replay.text.picking": "선택: 파라미터마다 값 {m}개 중 최선을 고르므로 선택 구간은 {level} 구간입니다",
    "replay.text.walk": "워크포워드: 폴드 {requested}개 중 {folds}개, 각각 그 앞 {train}개 기간에서 선택",
    "replay.text.walk_row": "  {parameter:<24} 건수 {n:>5}  평균 {mean}  [{low}, {high}]  선택값 {chosen}",
    "replay.text.grid": "그리드 {a} × {b}, 평균 효과 (* 구간이 0을 포함하지 않음):",
    "replay.text.regime": "레짐 {regime}, 그 표만 변경:",
    "replay.text.no_suggestion": "재현으로 뒷받침되는 제안 없음",
    "replay.text.note": "참고: {note}",
    "replay.coverage": " 포괄률 {coverage}: 규칙이 청산 사유를 모델링하는 매도의 비율{unmodelled}.",
    "replay.unmodelled": " (모델링 안 됨: {reasons})",
    "replay.unmodelled_warning": " 경고: 충실도가 {threshold} 미만이거나 매도의 {share} 이상인 손절, 익절, 추적 "
                                 "손절 또는 시간 제한이 모델링되지 않았습니다. 규칙 파일이 봇을 설명하지 못하므로 "
                                 "아래 효과는 믿을 수 없습니다.",
    "replay.note_no_candle_at_entry": "매도 {sell} ({symbol})는 재현할 수 없습니다: 포지션 진입 후 캔들 간격 하나 "
                                      "안에 캔들이 없습니다.",
    "replay.note_candles_after_exit": "매도 {sell} ({symbol})는 재현할 수 없습니다: 캔들이 실제 청산 이후에야 "
                                      "시작합니다.",
    "replay.backed": "재현 근거",
    "replay.walk_forward": "선택과 확인: 각 파라미터는 값 {m}개 중 최선을 고르므로 95%가 아닌 {level} 구간이 0보다 위에 "
                           "있어야 제안됩니다. 워크포워드: 요청한 폴드 {requested}개 중 {folds}개가 기록에 들어갑니다. 각 "
                           "폴드에서 값은 그 앞 {train}개 기간에서 고르고 그 기간에서만 측정합니다. 아래는 합친 표본 외 "
                           "효과이며, 파라미터의 구간이 0보다 완전히 위에 있으면 그 제안은 표본 외에서 확인된 것입니다.",
    "replay.no_suggestions": "재현으로 뒷받침되는 단일 파라미터 변경이 없습니다: 95% 구간이 0보다 완전히 위에 있고 "
                             "거래 수가 충분한 값이 없습니다.",
    "replay.check.confirmed": "확인됨",
    "replay.check.not confirmed": "확인 안 됨",
    "replay.check.not replayable": "재현 불가",
    "suggest.replay": "{parameter}를 {value}로 바꾸세요 (현재 {current}): 거래 {n}건에 재현하면 거래당 net_pnl_pct가 "
                      "{mean}%p 늘어납니다 ({level} 구간 {low} ~ {high}: 값 {m}개 중 최선을 고른 것이라 95%보다 넓은 "
                      "구간을 씁니다).",
    "suggest.replay_oos": "표본 외에서 확인됨 (워크포워드): 최근 {folds}개 기간마다 그 앞 {train}개 기간에서 고른 값이 "
                          "그 기간들의 거래 {n}건에서 {mean}%p를 더했습니다 ({low} ~ {high}).",
    "suggest.replay_not_oos": "표본 외에서 확인되지 않음 (워크포워드): 최근 {folds}개 기간마다 그 앞 {train}개 기간에서 고른 "
                              "값이 그 기간들의 거래 {n}건에서 {mean}%p를 더했고 ({low} ~ {high}), 이 구간은 0보다 완전히 "
                              "위에 있지 않습니다.",
    "suggest.replay_no_walk": "표본 외에서 확인되지 않음: 기록에 재현된 거래가 있는 워크포워드 폴드가 {folds}개뿐입니다.",
    "suggest.replay_off": "꺼짐",
    "col.suggestion": "제안",
    "col.replay": "재현",
    "col.parameter": "파라미터",
    "col.chosen_per_fold": "폴드별 선택값",
    "col.current": "현재 값",
    "col.n": "건수",
    "col.open_at_end": "끝까지 보유",
    "col.hold_hours_change": "보유 시간 변화 (시간)",
    "col.effect_total": "총 효과",
    "col.effect_mean": "평균 효과 (%p)",
    "col.effect_low": "95% 하한 (%p)",
    "col.effect_high": "95% 상한 (%p)",
    "col.high_after_24h_avg": "청산 후 24시간 최고 (평균 %)",
    "col.low_after_24h_avg": "청산 후 24시간 최저 (평균 %)",
    "col.noise_stops": "노이즈 손절 (%)",
    "text.all_sells": "전체 매도",
    "text.win_rate": "승률",
    "text.record": "수익/무/손실",
    "text.net_pnl": "순손익",
    "text.gross_pnl": "총손익",
    "text.avg_pnl": "평균 순손익",
    "text.after_24h": "24시간 후",
    "text.early_exit": "조기 청산",
    "text.over_hold": "과다 보유",
    "text.collection_rate": "24시간 수집률: {rate}",
    "text.max_drawdown": "최대 낙폭: {amount}",
    "text.suggestion": "제안 [{evidence}]: {message} ({metric} {value}, 기준값 {threshold}, 표본 {samples})",
    "text.note": "메모: {note}",
    "index.title": "exitlens 리포트",
    "index.period": "기간",
    "index.kind": "종류",
    "index.status": "상태",
    "index.sells": "매도",
    "index.win_rate": "승률",
    "index.net_pnl": "순손익",
    "index.gross_pnl": "총손익",
    "index.avg_pnl": "평균 순손익",
    "index.headline": "요약 / 오류",
    "index.finished": "완료 (UTC)",
    "index.files": "파일",
    "index.file.notebook": "노트북",
    "index.file.summary": "요약",
    "index.empty": "아직 리포트가 없습니다.",
    "index.status.succeeded": "성공",
    "index.status.failed": "실패",
    "evidence.out-of-sample": "표본 외 (재현, 워크포워드)",
    "evidence.in-sample": "표본 내 (재현)",
    "evidence.rule, confirmed": "규칙, 재현으로 확인됨",
    "evidence.rule, not confirmed": "규칙, 재현으로 확인되지 않음",
    "evidence.rule, not replayable": "규칙, 재현 불가",
    "evidence.hold": "변경 없음",
    "headline.lead": " 근거가 가장 강한 제안 [{evidence}]: {message}",
    "headline.weak": " 근거가 약합니다: 재현 결과가 뒷받침하지 않으며, 매도 {samples}건에 기반합니다.",
    "section.verdicts": "청산은 옳았는가?",
    "caption.verdicts": "청산 사유별로 각 판정을 받은 매도 수. 청산 24시간 후 가격으로 판정합니다 (\"리포트 읽는 법\" 참고). "
                        "\"그중 잠정\"은 24시간 지점이 아직 없어 더 이른 지점으로 판정한 매도 수로, 바뀔 수 있습니다.",
    "col.provisional": "그중 잠정",
    "col.evidence": "근거",
    "col.n_after": "건수 {h}",
    "col.n_early": "건수 조기 청산",
    "col.n_over_hold": "건수 과다 보유",
    "text.faded": "* 값의 근거가 매도 {min}건 미만 (min_samples): 흐리게 표시, 참고용.",
    "section.tear_sheet": "성과 요약표",
    "caption.tear_sheet": "수수료 차감 후, 결제 통화별. 손익비 = 순이익 합 / 순손실 합; 기대값 = 매도당 평균 순손익; "
                          "페이오프 비율 = 평균 이익 / 평균 손실; 무승부는 순손익이 거래 규모의 1e-9 이내인 매도입니다.",
    "section.equity": "순손익 누적과 낙폭",
    "caption.equity": "기간 내 매도의 누적 순손익 (위)과 그 고점 대비 하락폭 (수중 곡선, 아래), 결제 통화별 한 줄.",
    "section.best_worst": "최고와 최저 매도",
    "caption.best_worst": "순손익 %가 가장 높은 매도와 가장 낮은 매도.",
    "section.strategy_exit": "전략 × 청산 사유",
    "caption.strategy_exit": "전략과 청산 사유별 매도 수, 승률, 평균 순손익 %.",
    "section.excursions": "보유 중 가격 변동",
    "caption.excursions": "진입과 청산 사이의 1분봉 기준: MFE는 도달한 최고가 (진입가 대비 %), MAE는 최저가 (진입가 대비 %), "
                          "포착률은 실현 변동을 MFE로 나눈 값 (1 = 최고가에 매도).",
    "col.profit_factor": "손익비",
    "col.expectancy": "기대값",
    "col.expectancy_pct": "기대값 (순 %)",
    "col.payoff_ratio": "페이오프 비율",
    "row.best": "최고",
    "row.worst": "최저",
    "col.strategy": "전략",
    "col.avg_mfe": "MFE (평균 %)",
    "col.avg_mae": "MAE (평균 %)",
    "col.avg_capture": "포착률 (평균)",
    "col.n_capture": "건수 포착률",
    "chart.equity_title": "누적 순손익 ({currency})",
    "chart.underwater_title": "수중 곡선 ({currency})",
    "chart.equity_y": "순손익 ({currency})",
    "chart.underwater_y": "고점 대비 ({currency})",
    "chart.sell_time": "매도 시각 ({zone})",
    "chart.excursions_title": "청산 사유별 보유 중 가격 변동",
    "chart.excursions_y": "진입가 대비 % (평균)",
    "chart.mfe": "MFE (최고)",
    "chart.mae": "MAE (최저)",
    "chart.realised": "실현 (총)",
    "howto.evidence": "근거",
    "howto.evidence.text": "제안의 근거, 강한 순서: 표본 외 검증 (청산 재현, 선택에 쓰지 않은 이후 기간에서 확인) · 표본 내 "
                           "(이 기간의 청산 재현, 95% 구간이 0보다 큼) · 규칙, 재현으로 확인됨 · 규칙, 재현으로 확인되지 않음 · "
                           "규칙, 재현 불가 · 변경 없음.",
    "howto.excursions": "MFE, MAE, 포착률",
    "howto.excursions.text": "보유 중 최대 유리 변동과 최대 불리 변동: 진입과 청산 사이의 최고가와 최저가 (진입가 대비 %); "
                             "포착률 = 실현 변동 / MFE.",
    "howto.tear_sheet": "손익비, 기대값, 페이오프 비율",
    "howto.tear_sheet.text": "순이익 합 / 순손실 합; 매도당 평균 순손익; 평균 이익 / 평균 손실 (수수료 차감 후).",
    "msg.evidence": "근거",
    "section.replay_suggestions": "재현으로 본 각 제안",
    "caption.replay_suggestions": "재현 기반 제안 (95% 구간이 전부 0보다 큰 값)과, 같은 변경을 재현한 결과를 붙인 규칙 기반 제안: "
                                  "구간이 뒷받침하면 확인됨, 아니면 확인되지 않음, 재현이 그 파라미터를 바꿀 수 없으면 재현 불가. "
                                  "효과는 거래당 순손익 %의 %p.",
    "section.replay_sweep": "모든 스윕 값",
    "caption.replay_sweep": "파라미터별 스윕 값 (한 번에 하나): 재현한 거래 수 (건수), 데이터 끝까지 열려 있던 거래 (중도 절단), "
                            "평균 효과와 95% 구간 (거래당 순손익 %의 %p).",
    "msg.lead": "{title} · 핵심 제안 {name} ({evidence})",
    "msg.effect": "재현: 거래당 {mean}%p (95% 구간 {low} ~ {high}), 표본 {n}",
}

CATALOGUE: dict[str, dict[str, str]] = {"en": _EN, "ko": _KO}


def check_language(lang: Any) -> str:
    """`lang` when it is a supported language code, else a ConfigError naming them."""
    if lang not in CATALOGUE:
        raise ConfigError(f"unknown language {lang!r}: use one of {', '.join(LANGUAGES)} (EXITLENS_LANG, --lang)")
    return str(lang)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: Any) -> str:
    """The text of message `key` in `lang`, with `values` put in its `{placeholders}`."""
    return CATALOGUE[check_language(lang)][key].format(**values)


def report_name(kind: str, lang: str = DEFAULT_LANGUAGE, days: int | None = None) -> str:
    """'Daily exit report', 'Weekly exit report' (7 days), '30-day exit report' (any other
    length of a period of days), 'Monthly exit report'; in `lang`."""
    if kind == "weekly" and days not in (None, 7):
        return t("name.days", lang, days=days)
    return t(f"name.{kind}", lang)


def kind_label(kind: str, lang: str = DEFAULT_LANGUAGE, days: int | None = None) -> str:
    """The short kind word of a headline: 'Daily', 'Weekly', '30-day period', 'Monthly'."""
    if kind == "weekly" and days not in (None, 7):
        return t("label.days", lang, days=days)
    return t(f"label.{kind}", lang)
