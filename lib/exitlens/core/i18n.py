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
                     "after it. Every number comes from the `exitlens` library (definitions: SPEC §2).",
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
    "caption.suggestions": "Rule-based (SPEC §3): each row names the metric, its value, the threshold and the "
                           "number of sells behind it.",
    "section.data_quality": "Data quality",
    "caption.data_quality": "Post-exit points per horizon, where entry prices came from, and notes about sells "
                            "left out.",
    "section.every_sell": "Every sell",
    "caption.every_sell": "Entry and exit in KRW; PnL and the moves after the exit in %.",
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
    "msg.avg_post_24h": "Avg post-24h",
    "msg.notes": "Notes",
    "msg.threshold": "threshold",
    "msg.more_suggestions": " · {count} more suggestions in the report",
    "msg.more_suggestion": " · {count} more suggestion in the report",
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
                     "모든 숫자는 `exitlens` 라이브러리에서 나옵니다 (정의: SPEC §2).",
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
    "caption.suggestions": "규칙 기반 (SPEC §3): 각 행은 지표, 값, 기준값과 근거가 된 매도 수를 보여줍니다.",
    "section.data_quality": "데이터 품질",
    "caption.data_quality": "기간별 청산 후 기록 지점, 진입가의 출처, 제외된 매도에 대한 메모.",
    "section.every_sell": "전체 매도",
    "caption.every_sell": "진입가와 청산가는 KRW, 손익과 청산 후 변화는 %.",
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
    "msg.avg_post_24h": "24시간 후 평균",
    "msg.notes": "메모",
    "msg.threshold": "기준값",
    "msg.more_suggestions": " · 리포트에 제안 {count}건 더 있음",
    "msg.more_suggestion": " · 리포트에 제안 {count}건 더 있음",
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
