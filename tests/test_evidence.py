"""The evidence of a suggestion and the order suggestions are listed in (SPEC §3)."""

from exitlens.core.evidence import (
    EVIDENCE_ORDER,
    HOLD,
    IN_SAMPLE,
    OUT_OF_SAMPLE,
    RULE_CONFIRMED,
    RULE_NOT_CONFIRMED,
    RULE_NOT_REPLAYABLE,
    by_evidence,
    evidence_of,
    evidence_rank,
)
from exitlens.core.suggestions import Suggestion


def test_evidence_of_rule_based_suggestions_follows_their_replay_check():
    assert evidence_of({"rule": "stop_loss_loosen", "replay": {"status": "confirmed"}}) == RULE_CONFIRMED
    assert evidence_of({"rule": "stop_loss_loosen", "replay": {"status": "not confirmed"}}) == RULE_NOT_CONFIRMED
    assert evidence_of({"rule": "regime_review", "replay": {"status": "not replayable"}}) == RULE_NOT_REPLAYABLE


def test_evidence_of_rule_without_replay_when_no_rules_file_is_not_replayable():
    assert evidence_of({"rule": "take_profit_raise"}) == RULE_NOT_REPLAYABLE


def test_evidence_of_hold_and_replay_backed_suggestions():
    assert evidence_of({"rule": "hold"}) == HOLD
    assert evidence_of({"rule": "replay_take_profit_pct"}) == IN_SAMPLE
    assert evidence_of({"rule": "replay_take_profit_pct", "evidence": OUT_OF_SAMPLE}) == OUT_OF_SAMPLE


def test_by_evidence_when_mixed_lists_strongest_first_and_keeps_ties_in_order():
    given = [{"rule": "hold"}, {"rule": "a", "replay": {"status": "not replayable"}},
             {"rule": "b", "replay": {"status": "confirmed"}}, {"rule": "replay_x", "evidence": OUT_OF_SAMPLE},
             {"rule": "c", "replay": {"status": "confirmed"}}, {"rule": "replay_y"}]
    ordered = by_evidence(given)
    assert [s["rule"] for s in ordered] == ["replay_x", "replay_y", "b", "c", "a", "hold"]
    assert [s["evidence"] for s in ordered] == [OUT_OF_SAMPLE, IN_SAMPLE, RULE_CONFIRMED, RULE_CONFIRMED,
                                                RULE_NOT_REPLAYABLE, HOLD]
    assert [evidence_rank(s) for s in ordered] == sorted(evidence_rank(s) for s in ordered)
    assert EVIDENCE_ORDER[0] == OUT_OF_SAMPLE and EVIDENCE_ORDER[-1] == HOLD


def test_suggestion_dict_when_replayed_carries_its_evidence():
    suggestion = Suggestion("stop_loss_loosen", "m", "by_exit_reason.STOP_LOSS.x", 1.5, 1.0, 30,
                            replay={"status": "not confirmed"})
    assert suggestion.to_dict()["evidence"] == RULE_NOT_CONFIRMED


def test_by_evidence_when_two_share_an_evidence_leads_with_the_larger_lower_bound():
    # the monthly demo led with stop_loss_pct (+0.11, low +0.02) over take_profit_pct (+1.14, low +0.68)
    weak = {"rule": "replay_stop_loss_pct", "evidence": "in-sample", "low": 0.02}
    strong = {"rule": "replay_take_profit_pct", "evidence": "in-sample", "low": 0.68}
    rule = {"rule": "stop_loss_loosen", "replay": {"status": "confirmed", "low": 1.5}}
    assert [s["rule"] for s in by_evidence([rule, weak, strong])] == [
        "replay_take_profit_pct", "replay_stop_loss_pct", "stop_loss_loosen"]
