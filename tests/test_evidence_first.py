"""Evidence first (SPEC §3): suggestions in evidence order, and a headline that names the
strongest with its evidence, never hides "not confirmed" and says when the evidence is weak."""

from __future__ import annotations

from exitlens.core.evidence import EVIDENCE_ORDER, evidence_of, ranked
from exitlens.core.headline import deterministic_headline

TRAILING = {"rule": "trailing_stop_loosen", "message": "Loosen trailing_stop_pct by 0.5 percentage points.",
            "metric": "by_exit_reason.TRAILING_STOP.avg_post_24h_pct", "value": 3.37, "threshold": 3.0, "samples": 4}
NOT_CONFIRMED = {"status": "not confirmed", "parameter": "trailing_stop_pct", "value": 2.0, "current": 1.5, "n": 30,
                 "mean": 0.38, "low": -0.06, "high": 0.82}
REVIEW = {"rule": "regime_review", "message": "Review the BULL regime's exit parameters",
          "metric": "by_regime.BULL.early_exit_rate", "value": 0.78, "threshold": 0.4, "samples": 9}
TAKE_PROFIT = {"rule": "replay_take_profit_pct", "message": "Set take_profit_pct to 10 (now 5)",
               "metric": "replay.sweep.take_profit_pct", "value": 1.14, "threshold": 0.0, "samples": 94,
               "parameter": "take_profit_pct", "suggested": 10.0, "current": 5.0, "low": 0.81, "high": 1.49}
WEEK = {"kind": "weekly", "period_start": "2026-11-17T00:00:00+09:00", "period_end": "2026-11-24T00:00:00+09:00",
        "timezone": "Asia/Seoul", "days": 7,
        "overall": {"count": 28, "evaluable": 28, "wins": 15, "win_rate": 0.536, "currency": "KRW"}}


def test_ranked_when_replay_backs_a_change_puts_it_before_rules_replay_does_not_confirm():
    summary = {"suggestions": [{**TRAILING, "replay": NOT_CONFIRMED}, REVIEW],
               "replay": {"suggestions": [TAKE_PROFIT]}}
    assert [(s["rule"], s["evidence"]) for s in ranked(summary)] == [
        ("replay_take_profit_pct", "in-sample"), ("trailing_stop_loosen", "rule, not confirmed"),
        ("regime_review", "rule, not replayable")]


def test_ranked_when_suggestions_already_hold_the_replay_ones_lists_each_once():
    summary = {"suggestions": ranked({"suggestions": [REVIEW], "replay": {"suggestions": [TAKE_PROFIT]}}),
               "replay": {"suggestions": [TAKE_PROFIT]}}
    assert [s["rule"] for s in ranked(summary)] == ["replay_take_profit_pct", "regime_review"]


def test_evidence_of_a_suggestion_that_states_it_keeps_it_and_every_order_entry_is_known():
    assert evidence_of({**TAKE_PROFIT, "evidence": "out-of-sample"}) == "out-of-sample"
    assert evidence_of({"rule": "hold", "message": "Keep"}) == "hold"
    assert evidence_of({**TRAILING, "replay": {"status": "confirmed"}}) in EVIDENCE_ORDER


def test_headline_when_replay_backs_a_change_leads_with_it_not_the_weak_rule():
    facts = {**WEEK, "suggestions": [{**TRAILING, "replay": NOT_CONFIRMED}], "replay": {"suggestions": [TAKE_PROFIT]}}
    text = deterministic_headline(facts)
    assert text.endswith(" Strongest suggestion [in-sample (replay)]: Set take_profit_pct to 10 (now 5)")
    assert "trailing_stop_pct" not in text


def test_headline_when_replay_does_not_confirm_the_rule_says_so():
    facts = {**WEEK, "suggestions": [{**TRAILING, "replay": NOT_CONFIRMED}]}
    assert "[rule, not confirmed by replay]: Loosen trailing_stop_pct" in deterministic_headline(facts)
    assert "[규칙, 재현으로 확인되지 않음]" in deterministic_headline(facts, "ko")


def test_headline_when_nothing_is_stronger_than_an_unreplayable_rule_says_the_evidence_is_weak():
    facts = {**WEEK, "suggestions": [TRAILING, REVIEW]}
    assert deterministic_headline(facts).endswith(
        "[rule, not replayable]: Loosen trailing_stop_pct by 0.5 percentage points. "
        "The evidence is weak: no replay backs it, and it rests on 4 sells.")
    assert deterministic_headline(facts, "ko").endswith("근거가 약합니다: 재현 결과가 뒷받침하지 않으며, 매도 4건에 기반합니다.")


TRAILING_METRIC = "by_exit_reason.TRAILING_STOP.avg_post_24h_pct"
"""What a replay check of the trailing-stop rule is keyed by (`PeriodAnalysis.with_replay`)."""


def _analysis(lang: str = "en"):
    from analytics_factories import at, buy, orders_frame, post, sell
    from exitlens.core.settings import Settings
    from exitlens.core.summary import AnalysisRequest, Period, analyse_period

    orders = orders_frame(buy(0, 100, 2), sell(1, 110, 1, exit_reason="TRAILING_STOP", post_exit_prices=post(h24=5.0)),
                          sell(2, 108, 1, exit_reason="TRAILING_STOP", post_exit_prices=post(h24=4.0)))
    return analyse_period(orders, AnalysisRequest("weekly", Period(at(-1), at(23)), Settings(timezone="UTC", min_samples=1, language=lang)))


def test_headline_when_the_replay_arrives_after_the_analysis_is_written_again_to_lead_with_it():
    analysis = _analysis()
    assert "[rule, not replayable]: Loosen trailing_stop_pct" in analysis.headline
    replayed = analysis.with_replay({"suggestions": [TAKE_PROFIT]}, {TRAILING_METRIC: NOT_CONFIRMED}, [])
    assert "Strongest suggestion [in-sample (replay)]: Set take_profit_pct to 10" in replayed.headline
    assert [s["evidence"] for s in replayed.to_json()["suggestions"]][:2] == ["in-sample", "rule, not confirmed"]


def test_suggestions_table_lists_replay_backed_changes_with_their_interval_before_the_rules():
    from exitlens.reports.decision_views import ranked_suggestions

    replayed = _analysis("ko").with_replay({"suggestions": [TAKE_PROFIT]}, {TRAILING_METRIC: NOT_CONFIRMED}, [])
    table = ranked_suggestions(replayed)
    assert list(table["근거"])[:2] == ["표본 내 (재현)", "규칙, 재현으로 확인되지 않음"]
    assert list(table["95% 하한 (%p)"])[:2] == [0.81, -0.06]
    assert table["재현"].iloc[1] == "확인 안 됨 (trailing_stop_pct 1.5 → 2)"
