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
    "caption.regime_exit": "Average PnL % of each regime and exit reason.",
    "section.hold_time": "Hold time",
    "section.by_exit_reason": "By exit reason",
    "caption.by_exit_reason": "Averages in %, hold time in hours; rates in %.",
    "section.by_regime": "By regime",
    "caption.by_regime": "The same numbers per market regime at the time of the sell.",
    "section.by_symbol": "By symbol",
    "caption.by_symbol": "The same numbers per traded symbol.",
    "section.suggestions": "Suggestions",
    "caption.suggestions": "Rule-based (the thresholds are settings): each row names the metric, its value, the threshold and the "
                           "number of sells behind it.",
    "section.data_quality": "Data quality",
    "caption.data_quality": "Post-exit points per horizon, where entry prices came from, and notes about sells "
                            "left out.",
    "section.every_sell": "Every sell",
    "caption.every_sell": "Entry and exit prices in each symbol's quote currency; PnL and the moves after the "
                          "exit in %.",
    "text.no_suggestions": "No suggestions for this period.",
    "text.no_notes": "No notes: every sell could be read and evaluated.",
    # table headers
    "col.period": "period",
    "col.fills": "fills",
    "col.sells": "sells",
    "col.evaluable": "evaluable",
    "col.win_rate": "win rate %",
    "col.realized_pnl": "realized PnL",
    "col.net_pnl": "net PnL",
    "col.fees": "fees",
    "col.max_drawdown": "max drawdown",
    "col.avg_net_pnl": "avg net PnL %",
    "col.net_pnl_pct": "net PnL (%)",
    "col.currency": "currency",
    "col.reason_raw": "reason as written",
    "col.money_in": "{label} ({currency})",
    "col.avg_pnl": "avg PnL %",
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
    "chart.pnl_by_exit_reason": "PnL % by exit reason",
    "chart.post_exit_path": "Mean price change after the exit",
    "chart.regime_exit": "Average PnL % by regime and exit reason",
    "chart.hold_time": "Hold time by exit reason",
    "axis.exit_reason": "exit reason",
    "axis.regime": "regime",
    "axis.pnl_pct": "PnL (%)",
    "axis.avg_pnl_pct": "avg PnL (%)",
    "axis.after_exit": "time after the exit",
    "axis.change_vs_exit": "mean change vs exit price (%)",
    "axis.hold_hours": "hold time (hours)",
    # headline
    "headline.none": "{label}: no sells in the period.",
    "headline.sells": "{count} sells",
    "headline.sell": "{count} sell",
    "headline.evaluable": "{count} evaluable",
    "headline.win_rate": "win rate {rate} ({wins} wins)",
    "headline.win_rate_one": "win rate {rate} ({wins} win)",
    "headline.net": "net P&L {net} (gross {gross}, fees {fees})",
    "headline.avg": "avg {pct}% per sell",
    "headline.after": " 24h after exit the price moved {pct}% on average ({samples} sells).",
    "headline.suggestion": " Suggestion: {message}",
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
                             "take-profit exits ({samples}) were followed by a rise of more than {change}% within 24h.",
    "suggest.hold": "Keep the parameters and collect more data: no rule fired.",
    "suggest.not_enough": "Not enough data for tuning suggestions: {evaluable} evaluable sell(s) in the period, "
                          "{needed} needed.",
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
    "msg.realized_pnl": "Gross PnL",
    "msg.net_pnl": "Net PnL",
    "msg.fees": "Fees",
    "msg.max_drawdown": "Max drawdown",
    "msg.avg_pnl": "Avg PnL",
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
    "meta.generated": "; generated at {time}",
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
                      "win rate = wins / evaluable.",
    "howto.after": "after 1h … 24h (post-exit change)",
    "howto.after.text": "how far the price moved from the exit price that long after the sell, in %: above zero "
                        "means it kept rising after we sold.",
    "howto.early_exit": "early exit %",
    "howto.early_exit.text": "of the TRAILING_STOP and TAKE_PROFIT sells with a 24h point, the share whose price "
                             "rose more than {change}% within 24h.",
    "howto.over_hold": "over-hold %",
    "howto.over_hold.text": "of the TIME_LIMIT sells with a 24h point, the share whose price fell more than "
                            "{change}% within 24h.",
    "howto.verdict": "verdict",
    "howto.verdict.text": "per sell, from its 24h point: noise stop (a stop loss after which the price came back "
                          "to the entry within 24h), early (rose more than {early}%), saved (fell more than "
                          "{saved}%: the exit avoided a fall), fine otherwise, pending before the point is due; "
                          "(provisional) when the 24h point is not recorded yet and the latest recorded point "
                          "judged it.",
    "howto.collection": "24h collection rate",
    "howto.collection.text": "sells that have their 24h point / sells whose 24h point is due; the goal is {goal}.",
    "howto.n": "n in legends",
    "howto.n.text": "the number of sells behind a bar, line, box or cell (n < 3: read with care; such heatmap "
                    "cells are drawn faded, and every sell is drawn as a point over the boxes).",
    "howto.units": "%, rates",
    "howto.units.text": "every rate is shown in % (53.6% = 0.536); money in the quote currency named beside it; "
                        "– means unknown.",
    # exit replay (replay_views)
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
                     "are not replayable (no entry price or no BUY lot), {censored} replays are censored (the "
                     "candles end before the exit). ",
    "replay.fidelity_unknown": "Fidelity is unknown: no sell has a modelled exit reason.",
    "replay.fidelity": "Fidelity {fidelity} over {samples} sells: the share whose replay with the actual rules "
                       "exits for the same reason within 2 minutes of the actual sell.",
    "replay.fidelity_warning": " Warning: below {threshold}, the rules file does not describe the bot, so the "
                               "effects below are not to be trusted.",
    "replay.note_unused_regimes": "Exit rules file {file} has a table for regime(s) {regimes} that no sell of the "
                                  "period belongs to: check the regime names.",
    "replay.note_skipped": "Exit replay skipped: {error}",
    "replay.backed": "replay-backed",
    "replay.no_suggestions": "Replay supports no change of a single parameter: no swept value's 95% interval lies "
                             "wholly above 0 with enough trades.",
    "replay.check.confirmed": "confirmed",
    "replay.check.not confirmed": "not confirmed",
    "replay.check.not replayable": "not replayable",
    "suggest.replay": "Set {parameter} to {value} (now {current}): replayed on {n} trades it adds {mean} points of "
                      "net_pnl_pct per trade (95% interval {low} to {high}).",
    "suggest.replay_off": "off",
    "col.suggestion": "suggestion",
    "col.replay": "replay",
    "col.parameter": "parameter",
    "col.current": "current",
    "col.n": "n",
    "col.censored": "censored",
    "col.effect_mean": "mean effect (pp)",
    "col.effect_low": "95% low (pp)",
    "col.effect_high": "95% high (pp)",
    "col.high_after_24h_avg": "24h high after exit (avg %)",
    "col.low_after_24h_avg": "24h low after exit (avg %)",
    "col.noise_stops": "noise stops (%)",
    # terminal summary (core.summary_text)
    "text.all_sells": "all sells",
    "text.win_rate": "win rate",
    "text.net_pnl": "net PnL",
    "text.gross_pnl": "gross PnL",
    "text.avg_pnl": "avg PnL",
    "text.after_24h": "after 24h",
    "text.early_exit": "early exit",
    "text.over_hold": "over-hold",
    "text.collection_rate": "24h collection rate: {rate}",
    "text.max_drawdown": "max drawdown: {amount}",
    "text.suggestion": "suggestion: {message} ({metric} {value}, threshold {threshold}, n={samples})",
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
    "index.avg_pnl": "Avg PnL",
    "index.headline": "Headline / error",
    "index.finished": "Finished (UTC)",
    "index.files": "Files",
    "index.empty": "No reports yet.",
    "index.status.succeeded": "succeeded",
    "index.status.failed": "failed",
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
    "caption.regime_exit": "레짐과 청산 사유별 평균 손익 %.",
    "section.hold_time": "보유 시간",
    "section.by_exit_reason": "청산 사유별",
    "caption.by_exit_reason": "평균은 %, 보유 시간은 시간 단위, 비율은 %.",
    "section.by_regime": "레짐별",
    "caption.by_regime": "매도 시점의 시장 레짐별 같은 지표.",
    "section.by_symbol": "종목별",
    "caption.by_symbol": "거래 종목별 같은 지표.",
    "section.suggestions": "제안",
    "caption.suggestions": "규칙 기반 (기준값은 설정): 각 행은 지표, 값, 기준값과 근거가 된 매도 수를 보여줍니다.",
    "section.data_quality": "데이터 품질",
    "caption.data_quality": "기간별 청산 후 기록 지점, 진입가의 출처, 제외된 매도에 대한 메모.",
    "section.every_sell": "전체 매도",
    "caption.every_sell": "진입가와 청산가는 각 종목의 결제 통화, 손익과 청산 후 변화는 %.",
    "text.no_suggestions": "이 기간에는 제안이 없습니다.",
    "text.no_notes": "메모 없음: 모든 매도를 읽고 평가했습니다.",
    "col.period": "기간",
    "col.fills": "체결",
    "col.sells": "매도",
    "col.evaluable": "평가 가능",
    "col.win_rate": "승률 %",
    "col.realized_pnl": "실현 손익",
    "col.net_pnl": "순손익",
    "col.fees": "수수료",
    "col.max_drawdown": "최대 낙폭",
    "col.avg_net_pnl": "평균 순손익 %",
    "col.net_pnl_pct": "순손익 (%)",
    "col.currency": "통화",
    "col.reason_raw": "기록된 사유",
    "col.money_in": "{label} ({currency})",
    "col.avg_pnl": "평균 손익 %",
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
    "chart.pnl_by_exit_reason": "청산 사유별 손익 %",
    "chart.post_exit_path": "청산 후 평균 가격 변화",
    "chart.regime_exit": "레짐과 청산 사유별 평균 손익 %",
    "chart.hold_time": "청산 사유별 보유 시간",
    "axis.exit_reason": "청산 사유",
    "axis.regime": "레짐",
    "axis.pnl_pct": "손익 (%)",
    "axis.avg_pnl_pct": "평균 손익 (%)",
    "axis.after_exit": "청산 후 경과 시간",
    "axis.change_vs_exit": "청산가 대비 평균 변화 (%)",
    "axis.hold_hours": "보유 시간 (시간)",
    "headline.none": "{label}: 기간 내 매도가 없습니다.",
    "headline.sells": "매도 {count}건",
    "headline.sell": "매도 {count}건",
    "headline.evaluable": "평가 가능 {count}건",
    "headline.win_rate": "승률 {rate} (수익 {wins}건)",
    "headline.win_rate_one": "승률 {rate} (수익 {wins}건)",
    "headline.net": "순손익 {net} (총손익 {gross}, 수수료 {fees})",
    "headline.avg": "매도당 평균 {pct}%",
    "headline.after": " 청산 24시간 후 가격은 평균 {pct}% 움직였습니다 (매도 {samples}건).",
    "headline.suggestion": " 제안: {message}",
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
                             "{rate}가 24시간 안에 {change}% 넘게 올랐습니다.",
    "suggest.hold": "파라미터를 유지하고 데이터를 더 모으세요: 발동한 규칙이 없습니다.",
    "suggest.not_enough": "튜닝 제안을 하기에 데이터가 부족합니다: 기간 내 평가 가능 매도 {evaluable}건, "
                          "{needed}건 필요.",
    "msg.failed_suffix": "{title} (실패)",
    "msg.run_failed": "{kind} 리포트 실행 실패: {error}",
    "msg.period": "기간",
    "msg.status": "상태",
    "msg.status_failed": "실패",
    "msg.error": "오류",
    "msg.sells": "매도",
    "msg.evaluable": "평가 가능",
    "msg.win_rate": "승률",
    "msg.realized_pnl": "총손익",
    "msg.net_pnl": "순손익",
    "msg.fees": "수수료",
    "msg.max_drawdown": "최대 낙폭",
    "msg.avg_pnl": "평균 손익",
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
    "meta.generated": "; 생성 시각 {time}",
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
                      "승률 = 수익 / 평가 가능.",
    "howto.after": "1시간 … 24시간 후 (청산 후 변화)",
    "howto.after.text": "매도 후 그 시간이 지났을 때 가격이 청산가에서 움직인 정도 (%). 0보다 크면 매도 후에도 "
                        "가격이 계속 올랐다는 뜻입니다.",
    "howto.early_exit": "조기 청산 %",
    "howto.early_exit.text": "24시간 지점이 있는 TRAILING_STOP·TAKE_PROFIT 매도 중 24시간 안에 가격이 {change}% 넘게 "
                             "오른 비율.",
    "howto.over_hold": "과다 보유 %",
    "howto.over_hold.text": "24시간 지점이 있는 TIME_LIMIT 매도 중 24시간 안에 가격이 {change}% 넘게 떨어진 비율.",
    "howto.verdict": "판정",
    "howto.verdict.text": "매도별로 24시간 지점을 보고 판정합니다: 노이즈 손절 (손절 후 24시간 안에 가격이 진입가로 "
                          "돌아옴), 이른 청산 ({early}% 넘게 상승), 손실 회피 ({saved}% 넘게 하락: 청산이 하락을 "
                          "피함), 그 밖에는 적절, 지점이 아직 오지 않았으면 대기 중. 24시간 지점이 아직 기록되지 "
                          "않아 기록된 가장 늦은 지점으로 판정했으면 (잠정).",
    "howto.collection": "24시간 수집률",
    "howto.collection.text": "24시간 지점이 기록된 매도 / 24시간 지점이 도래한 매도. 목표는 {goal}입니다.",
    "howto.n": "범례의 n",
    "howto.n.text": "막대, 선, 상자, 칸 뒤에 있는 매도 수 (n < 3이면 주의해서 읽으세요. 그런 히트맵 칸은 흐리게 "
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
                     "재현할 수 없고 (진입가나 매수 로트 없음), 재현 {censored}건은 중도 절단되었습니다 (청산 전에 "
                     "캔들이 끝남). ",
    "replay.fidelity_unknown": "충실도를 알 수 없습니다: 모델링된 청산 사유의 매도가 없습니다.",
    "replay.fidelity": "충실도 {fidelity} (매도 {samples}건): 실제 규칙으로 재현했을 때 같은 사유로 실제 매도 2분 "
                       "이내에 청산한 비율.",
    "replay.fidelity_warning": " 경고: {threshold} 미만이면 규칙 파일이 봇을 설명하지 못하므로 아래 효과는 믿을 수 "
                               "없습니다.",
    "replay.note_unused_regimes": "청산 규칙 파일 {file}에 기간 내 어떤 매도에도 해당하지 않는 레짐 {regimes}의 표가 "
                                  "있습니다: 레짐 이름을 확인하세요.",
    "replay.note_skipped": "청산 재현을 건너뛰었습니다: {error}",
    "replay.backed": "재현 근거",
    "replay.no_suggestions": "재현으로 뒷받침되는 단일 파라미터 변경이 없습니다: 95% 구간이 0보다 완전히 위에 있고 "
                             "거래 수가 충분한 값이 없습니다.",
    "replay.check.confirmed": "확인됨",
    "replay.check.not confirmed": "확인 안 됨",
    "replay.check.not replayable": "재현 불가",
    "suggest.replay": "{parameter}를 {value}로 바꾸세요 (현재 {current}): 거래 {n}건에 재현하면 거래당 net_pnl_pct가 "
                      "{mean}%p 늘어납니다 (95% 구간 {low} ~ {high}).",
    "suggest.replay_off": "꺼짐",
    "col.suggestion": "제안",
    "col.replay": "재현",
    "col.parameter": "파라미터",
    "col.current": "현재 값",
    "col.n": "건수",
    "col.censored": "중도 절단",
    "col.effect_mean": "평균 효과 (%p)",
    "col.effect_low": "95% 하한 (%p)",
    "col.effect_high": "95% 상한 (%p)",
    "col.high_after_24h_avg": "청산 후 24시간 최고 (평균 %)",
    "col.low_after_24h_avg": "청산 후 24시간 최저 (평균 %)",
    "col.noise_stops": "노이즈 손절 (%)",
    "text.all_sells": "전체 매도",
    "text.win_rate": "승률",
    "text.net_pnl": "순손익",
    "text.gross_pnl": "총손익",
    "text.avg_pnl": "평균 손익",
    "text.after_24h": "24시간 후",
    "text.early_exit": "조기 청산",
    "text.over_hold": "과다 보유",
    "text.collection_rate": "24시간 수집률: {rate}",
    "text.max_drawdown": "최대 낙폭: {amount}",
    "text.suggestion": "제안: {message} ({metric} {value}, 기준값 {threshold}, 표본 {samples})",
    "text.note": "메모: {note}",
    "index.title": "exitlens 리포트",
    "index.period": "기간",
    "index.kind": "종류",
    "index.status": "상태",
    "index.sells": "매도",
    "index.win_rate": "승률",
    "index.net_pnl": "순손익",
    "index.gross_pnl": "총손익",
    "index.avg_pnl": "평균 손익",
    "index.headline": "요약 / 오류",
    "index.finished": "완료 (UTC)",
    "index.files": "파일",
    "index.empty": "아직 리포트가 없습니다.",
    "index.status.succeeded": "성공",
    "index.status.failed": "실패",
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
