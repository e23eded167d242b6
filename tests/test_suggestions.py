"""Tuning suggestions (SPEC §3): each rule at, just above and below its threshold."""

from __future__ import annotations

import pytest

from analytics_factories import orders_frame, post, sell
from exitlens.core.aggregate import bucket_all
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.settings import Settings
from exitlens.core.suggestions import Suggestion, suggest

FEW = Settings(min_samples=1)


def exits(reason: str, changes: list[dict | None], regime: str = "SIDEWAYS") -> list[dict]:
    """Evaluable sells (stored entry) of one exit reason, one per post-exit dict."""
    return [
        sell(1, 101, 1, exit_reason=reason, regime=regime, signal_info={"entry_avg_price": 100},
             post_exit_prices=change)
        for change in changes
    ]


def advise(rows: list[dict], settings: Settings = FEW):
    sells = evaluate_sells(orders_frame(*rows), settings).sells
    return suggest(bucket_all(sells, settings), settings)


def rules(result) -> list[str]:
    return [s.rule for s in result.suggestions]


@pytest.mark.parametrize(
    "reason, horizon, rule, at_threshold, above",
    [
        ("TRAILING_STOP", "h24", "trailing_stop_loosen", 3.0, 3.01),
        ("STOP_LOSS", "h4", "stop_loss_loosen", 1.0, 1.01),
        ("TAKE_PROFIT", "h4", "take_profit_raise", 2.0, 2.01),
        ("TIME_LIMIT", "h24", "time_limit_keep", -2.0, -2.01),
    ],
)
def test_exit_reason_rule_when_exactly_at_threshold_does_not_fire_and_beyond_does(
    reason, horizon, rule, at_threshold, above
):
    # two sells averaging to the value, so the average (not one sell) is what is compared
    def pair(value):
        return exits(reason, [post(**{horizon: value - 0.5}), post(**{horizon: value + 0.5})])

    assert rule not in rules(advise(pair(at_threshold)))
    fired = [s for s in advise(pair(above)).suggestions if s.rule == rule]
    assert len(fired) == 1
    key = horizon[1:] + "h"
    assert fired[0].metric == f"by_exit_reason.{reason}.avg_post_{key}_pct"
    assert fired[0].value == pytest.approx(above)
    assert fired[0].threshold == at_threshold
    assert fired[0].samples == 2


def test_trailing_stop_rule_message_says_how_much_to_loosen():
    fired = advise(exits("TRAILING_STOP", [post(h24=4.0)])).suggestions[0]
    assert fired.message.startswith("Loosen trailing_stop_pct by 0.5 percentage points")
    assert "+4.00%" in fired.message


def test_exit_reason_rule_when_bucket_has_no_post_exit_point_does_not_fire():
    assert rules(advise(exits("TRAILING_STOP", [None, None]))) == ["hold"]


def test_rules_use_thresholds_from_settings():
    rows = exits("TRAILING_STOP", [post(h24=4.0)])
    settings = FEW.with_overrides(thresholds={"trailing_stop_post_24h_pct": 5.0, "regime_early_exit_rate": 1.0})
    assert "trailing_stop_loosen" in rules(advise(rows))
    assert rules(advise(rows, settings)) == ["hold"]


@pytest.mark.parametrize("early, fires", [(2, False), (3, True)])
def test_regime_review_fires_only_strictly_above_forty_percent(early, fires):
    # 5 take-profit exits with a 24h point in BULL; `early` of them rose more than +2 %
    changes = [post(h24=2.5)] * early + [post(h24=-10.0)] * (5 - early)
    result = advise(exits("TAKE_PROFIT", changes, regime="BULL"))
    if not fires:
        assert rules(result) == ["hold"]
        return
    (review,) = result.suggestions
    assert review == Suggestion(
        rule="regime_review",
        message=review.message,
        metric="by_regime.BULL.early_exit_rate",
        value=pytest.approx(0.6),
        threshold=0.4,
        samples=5,
    )
    assert review.message.startswith("Review the BULL regime's exit parameters: 60%")


def test_several_rules_fire_in_spec_table_order():
    rows = (
        exits("TIME_LIMIT", [post(h24=-5.0)])
        + exits("TRAILING_STOP", [post(h24=6.0)], regime="BULL")
        + exits("STOP_LOSS", [post(h4=3.0)])
    )
    assert rules(advise(rows)) == ["trailing_stop_loosen", "stop_loss_loosen", "time_limit_keep", "regime_review"]


def test_hold_when_no_rule_fires_reports_the_evaluable_count():
    result = advise(exits("TIME_LIMIT", [post(h24=0.0)] * 3))
    assert [s.to_dict() for s in result.suggestions] == [
        {
            "rule": "hold",
            "message": "Keep the parameters and collect more data: no rule fired.",
            "metric": None,
            "value": None,
            "threshold": None,
            "samples": 3,
            "evidence": "hold",
        }
    ]
    assert result.notes == []


def test_when_fewer_evaluable_sells_than_min_samples_suggests_nothing_and_says_how_many():
    rows = exits("TRAILING_STOP", [post(h24=9.0)] * 19) + [sell(1, 100, 1)]  # the last: no entry
    result = advise(rows, Settings())
    assert result.suggestions == []
    assert result.notes == [
        "Not enough data for tuning suggestions: 19 evaluable sell(s) in the period, 20 needed."
    ]


def test_when_exactly_min_samples_evaluable_sells_rules_apply():
    result = advise(exits("TRAILING_STOP", [post(h24=9.0)] * 20), Settings())
    assert rules(result) == ["trailing_stop_loosen", "regime_review"]
    assert result.notes == []


def test_rule_when_its_bucket_has_fewer_than_min_samples_is_held_back_and_listed_with_its_count():
    # 20 evaluable sells in the period, but only one TRAILING_STOP sell with a 24h point
    rows = exits("TIME_LIMIT", [post(h24=0.0)] * 19) + exits("TRAILING_STOP", [post(h24=9.0)])
    result = advise(rows, Settings())
    assert rules(result) == ["hold"]
    assert result.notes == [
        "trailing_stop_loosen held back: by_exit_reason.TRAILING_STOP.avg_post_24h_pct is +9.00% "
        "over only 1 sell(s), 20 needed.",
        "regime_review held back: by_regime.SIDEWAYS.early_exit_rate is 100% over only 1 sell(s), 20 needed.",
    ]


def test_rule_counts_the_sells_with_its_metric_not_the_sells_of_its_bucket():
    # 20 TRAILING_STOP sells, but only 19 with a 24h point: the rule reads 19
    rows = exits("TRAILING_STOP", [post(h24=9.0)] * 19 + [post(h1=9.0)])
    result = advise(rows, Settings().with_overrides(thresholds={"regime_early_exit_rate": 1.0}))
    assert rules(result) == ["hold"]
    assert [note.split(":")[0] for note in result.notes] == ["trailing_stop_loosen held back"]
    assert "only 19 sell(s)" in result.notes[0]


def test_regime_review_when_its_regime_has_fewer_than_min_samples_is_held_back():
    rows = exits("TIME_LIMIT", [post(h24=0.0)] * 19, regime="BEAR") + exits("TAKE_PROFIT", [post(h24=5.0)], regime="BULL")
    result = advise(rows, Settings(language="ko"))
    assert rules(result) == ["hold"]
    assert result.notes == [
        "regime_review 보류: by_regime.BULL.early_exit_rate 값 100%의 근거가 매도 1건뿐입니다(20건 필요)."]
