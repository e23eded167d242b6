"""Exit replay of a period from a database (SPEC §6): the replay object, the summary's replay
key, the marks on rule-based suggestions, on both engines."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
import pytest

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError
from exitlens.core.replay.rules import parse_rules
from exitlens.core.settings import Settings
from exitlens.core.suggestions import Suggestion
from exitlens.reports.analysis import analyse_from_database
from exitlens.reports.replay import views as rv
from exitlens.reports.replay.service import RULES_ENV, replay_period, replay_section, rules_path
from exitlens.reports.replay.text import replay_text
from exitlens.store import writes

RULES = """
[default]
stop_loss_pct = 3.0
take_profit_pct = 5.0
time_limit_hours = 72
fill = "close"

[regime.BEAR]
stop_loss_pct = 2.0
"""
NOW = pd.Timestamp("2026-11-20T12:00:00Z")
END = pd.Timestamp("2026-11-21T00:00:00Z")
STAKE = 100.1 / 100
"""The lot's stake in hundreds: 100 plus its 0.1 fee (SPEC §2.1), so a price point is 1 / STAKE pp."""
REPLAY_KEYS = ["rules", "model", "fill", "replayable", "not_replayable", "open_at_end", "horizon_hours", "fidelity",
               "fidelity_samples", "fidelity_by_reason", "coverage", "unmodelled", "sweep", "regimes", "grid",
               "walk_forward", "comparisons", "suggestions"]
SWEEP_KEYS = ["parameter", "value", "current", "n", "open_at_end", "mean", "low", "high", "total", "hold_hours_change"]


def order(side, minute, price, *, order_id, exit_reason=None, signal_info=None, fee=0.0):
    at = pd.Timestamp("2026-11-20T10:00:00Z") + pd.Timedelta(minutes=minute)
    return {"id": order_id, "symbol": "KRW-BTC", "side": side, "order_type": "MARKET", "price": price,
            "quantity": 1.0, "fee": fee, "status": "FILLED", "created_at": at, "executed_at": at,
            "exit_reason": exit_reason, "regime": "BULL", "signal_info": signal_info}


@pytest.fixture
def one_take_profit(engine):
    """A lot bought at 10:00 at 100 (fee 0.1); the close climbs 1 a minute to 110 at 10:10, then
    falls 0.5 a minute to 100 at 10:30, where the candles end; the bot took profit at 10:05 at 105. A second sell has no lot at all."""
    writes.insert_orders(engine, pd.DataFrame([
        order("BUY", 0, 100.0, order_id=f"{1:08d}-0000-0000-0000-000000000000", fee=0.1),
        order("SELL", 5, 105.0, order_id=f"{2:08d}-0000-0000-0000-000000000000", exit_reason="TAKE_PROFIT"),
        order("SELL", 40, 99.0, order_id=f"{3:08d}-0000-0000-0000-000000000000", exit_reason="STOP_LOSS", signal_info={"entry_avg_price": 102.0}),
    ]))
    closes = [100 + m if m <= 10 else 110 - (m - 10) / 2 for m in range(1, 31)]
    writes.insert_candles(engine, pd.DataFrame({
        "symbol": "KRW-BTC",
        "timestamp": [pd.Timestamp("2026-11-20T10:00:00Z") + pd.Timedelta(minutes=m) for m in range(1, 31)],
        "close_price": [float(c) for c in closes],
    }))
    return engine


def analysis_of(engine, settings=Settings(min_samples=1)):
    return analyse_from_database(engine, "weekly", settings, end=END.to_pydatetime(), days=7)


def test_replay_period_gives_the_spec_object_with_fidelity_and_sweep(one_take_profit):
    result = replay_period(one_take_profit, analysis_of(one_take_profit), parse_rules(RULES, source="rules.toml"),
                           now=NOW.to_pydatetime())
    out = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert list(out) == REPLAY_KEYS
    assert (out["rules"], out["fill"], out["replayable"], out["not_replayable"]) == ("rules.toml", "close", 1, 1)
    assert (out["fidelity"], out["fidelity_samples"], out["open_at_end"]) == (1.0, 1, 0)
    assert all(list(row) == SWEEP_KEYS for row in out["sweep"])
    rows = {(r["parameter"], r["value"]): r for r in out["sweep"]}
    # take profit 2.5%: the close reaches 103 at 10:03, 2 points below the actual 105 exit
    assert rows[("take_profit_pct", 2.5)]["mean"] == pytest.approx(-2.0 / STAKE)
    assert rows[("take_profit_pct", 2.5)]["low"] == pytest.approx(-2.0 / STAKE)
    # take profit 7.5%: 108 at 10:08
    assert rows[("take_profit_pct", 7.5)]["mean"] == pytest.approx(3.0 / STAKE)
    assert rows[("take_profit_pct", 5.0 * 0.5)]["current"] == 5.0
    assert "regime(s) BEAR" in result.notes[0]


def test_replay_when_candles_end_before_an_exit_the_variant_is_marked_to_market(one_take_profit):
    result = replay_period(one_take_profit, analysis_of(one_take_profit), parse_rules(RULES), now=NOW.to_pydatetime(),
                           overrides={"take_profit_pct": [9.5, 20.0]})
    rows = result.to_json()["sweep"]
    tp = [r for r in rows if r["parameter"] == "take_profit_pct"]
    assert [r["value"] for r in tp] == [9.5, 20.0]
    assert (tp[0]["n"], tp[0]["open_at_end"], tp[0]["mean"]) == (1, 0, pytest.approx(5.0 / STAKE))  # 110 at 10:10
    # 120 never comes: open at the last candle (100 at 10:30), -5 points, counted
    assert (tp[1]["n"], tp[1]["open_at_end"], tp[1]["mean"]) == (1, 1, pytest.approx(-5.0 / STAKE))


def test_summary_without_rules_has_no_replay_key_and_unchanged_suggestions(one_take_profit, monkeypatch):
    analysis = analysis_of(one_take_profit)
    path = rules_path(None, Environment.from_mapping({}))
    same = replay_section(one_take_profit, analysis, path, now=NOW.to_pydatetime(), strict=False)
    assert path is None
    assert same.to_json() == analysis.to_json()
    assert "replay" not in same.to_json()
    assert all("replay" not in s for s in same.to_json()["suggestions"])


def test_summary_with_rules_from_the_environment_has_the_replay_key(one_take_profit, monkeypatch, tmp_path):
    (tmp_path / "rules.toml").write_text(RULES)
    path = rules_path(None, Environment.from_mapping({RULES_ENV: str(tmp_path / "rules.toml")}))
    summary = replay_section(one_take_profit, analysis_of(one_take_profit), path, now=NOW.to_pydatetime(),
                             strict=False).to_json()
    assert list(summary["replay"]) == REPLAY_KEYS
    assert list(summary).index("replay") == list(summary).index("overall") - 1
    assert any("BEAR" in note for note in summary["notes"])


def test_bad_rules_file_stops_a_command_but_not_a_report(one_take_profit, tmp_path):
    (tmp_path / "bad.toml").write_text("[default]\nstop_los_pct = 3\n")
    analysis = analysis_of(one_take_profit)
    with pytest.raises(ConfigError, match="stop_los_pct"):
        replay_section(one_take_profit, analysis, str(tmp_path / "bad.toml"), now=NOW.to_pydatetime(), strict=True)
    summary = replay_section(one_take_profit, analysis, str(tmp_path / "bad.toml"), now=NOW.to_pydatetime(),
                             strict=False).to_json()
    assert "stop_los_pct" in summary["replay"]["error"]
    assert summary["overall"] == analysis.to_json()["overall"]


def test_rule_based_suggestion_carries_its_replay_mark(one_take_profit):
    """The mark is check_suggestion's on the replay's own sweep, with the settings' min_samples:
    one trade confirms nothing when two are asked for (catches a mark that drops min_samples)."""
    raise_tp = Suggestion("take_profit_raise", "Raise take_profit_pct", "by_exit_reason.TAKE_PROFIT.avg_post_4h_pct",
                          2.5, 2.0, 1)
    marks = {}
    for min_samples in (1, 2):
        analysis = replace(analysis_of(one_take_profit, Settings(min_samples=min_samples)), suggestions=[raise_tp])
        result = replay_period(one_take_profit, analysis, parse_rules(RULES), now=NOW.to_pydatetime())
        suggestions = result.mark(analysis).to_json()["suggestions"]
        marks[min_samples] = next(s for s in suggestions if s["rule"] == "take_profit_raise")["replay"]
    # the nearest larger swept value, 6.25%: exit at 107 (10:07), +2 points on the one trade
    assert (marks[1]["parameter"], marks[1]["value"], marks[1]["n"]) == ("take_profit_pct", 6.25, 1)
    assert marks[1]["mean"] == pytest.approx(2.0 / STAKE)
    assert (marks[1]["status"], marks[2]["status"]) == ("confirmed", "not confirmed")


def test_replay_object_has_fidelity_by_reason_coverage_and_unmodelled(one_take_profit):
    out = replay_period(one_take_profit, analysis_of(one_take_profit), parse_rules(RULES), now=NOW.to_pydatetime(),
                        ).to_json()
    assert out["fidelity_by_reason"] == {"TAKE_PROFIT": {"fidelity": 1.0, "n": 1}}
    assert (out["coverage"], out["unmodelled"], out["model"], out["horizon_hours"]) == (1.0, {}, "simple", 168.0)
    row = next(r for r in out["sweep"] if (r["parameter"], r["value"]) == ("take_profit_pct", 7.5))
    assert row["total"] == {"KRW": pytest.approx(3.0)}  # 108 instead of 105 on a quantity of 1
    assert row["hold_hours_change"] == pytest.approx(3 / 60)  # 10:08 instead of 10:05


def test_rules_without_the_take_profit_the_bot_uses_warn_in_text_and_report(one_take_profit):
    """SPEC §6: a rule the file lacks leaves its sells unmodelled; with ≥ 10% of the sells that
    warns, in the command's text (both languages) and in the report's replay paragraph."""
    rules = parse_rules("[default]\nstop_loss_pct = 3.0\ntime_limit_hours = 72\n", source="no_tp.toml")
    analysis = analysis_of(one_take_profit)
    result = replay_period(one_take_profit, analysis, rules, now=NOW.to_pydatetime())
    out = result.to_json()
    assert (out["fidelity_samples"], out["coverage"], out["unmodelled"]) == (0, 0.0, {"TAKE_PROFIT": 1})
    assert result.fidelity.warns
    assert "warning:" in replay_text(result, "en") and "경고:" in replay_text(result, "ko")
    assert "does not describe the bot" in rv.replay_status(result.mark(analysis)).data
    full = replay_period(one_take_profit, analysis, parse_rules(RULES), now=NOW.to_pydatetime())
    assert not full.fidelity.warns and "warning:" not in replay_text(full, "en")


@pytest.mark.parametrize("now", ["2026-11-20T10:20:00+00:00", "2026-12-20T00:00:00+00:00"])
def test_monthly_report_and_replay_command_with_one_now_give_the_same_replay(one_take_profit, monkeypatch, tmp_path,
                                                                              now):
    """SPEC §6, one now: the month's report run with --now (its parameters' as_of) and `exitlens
    replay --month` with the same --now replay the same paths, for a current month (now
    mid-path) and a past one (catches a report that replays as of the period's end)."""
    from click.testing import CliRunner

    from exitlens.cli import main
    from exitlens.core.summary import period_for_month
    from exitlens.ops.publish import report_parameters
    from exitlens.reports.analysis import report_data

    (tmp_path / "rules.toml").write_text(RULES)
    url = one_take_profit.url.render_as_string(hide_password=False)
    monkeypatch.setenv("EXITLENS_DATABASE_URL", url)
    monkeypatch.setenv(RULES_ENV, str(tmp_path / "rules.toml"))
    monkeypatch.delenv("EXITLENS_SUMMARY_PATH", raising=False)
    settings = Settings(min_samples=1, timezone="UTC")
    parameters = report_parameters("monthly", period_for_month(2026, 11, settings.tz), settings, pd.Timestamp(now))
    report = report_data("monthly", month=parameters["month"], as_of=parameters["as_of"], settings=settings)
    printed = CliRunner().invoke(main, ["replay", "--month", "2026-11", "--now", now, "--db", url, "--json",
                                        "--tz", "UTC"])
    assert printed.exit_code == 0, printed.output
    command = json.loads(printed.output.splitlines()[-1])
    assert report.analysis.replay["sweep"] == command["sweep"]
    assert report.analysis.as_of == pd.Timestamp(now)
    assert {key: report.analysis.replay[key] for key in ("replayable", "open_at_end", "fidelity")} == {
        key: command[key] for key in ("replayable", "open_at_end", "fidelity")}


def test_replay_when_history_is_shorter_than_the_folds_says_how_many_formed(one_take_profit):
    result = replay_period(one_take_profit, analysis_of(one_take_profit), parse_rules(RULES), now=NOW.to_pydatetime())
    out = result.to_json()
    assert out["walk_forward"]["folds"] == 0 and out["walk_forward"]["folds_requested"] == 8
    assert out["walk_forward"]["train"] == 4 and out["comparisons"] == 5
    assert out["walk_forward"]["by_parameter"]["take_profit_pct"] == {"n": 0, "mean": None, "low": None,
                                                                       "high": None, "chosen": []}
    assert any("0 of the 8 folds" in note for note in result.notes)
    assert out["grid"]["parameters"] == ["stop_loss_pct", "take_profit_pct"]
    assert len(out["grid"]["cells"]) == 36 and out["regimes"] == {"BULL": out["regimes"]["BULL"]}


def test_regime_review_carries_the_mark_of_its_regimes_own_sweep(one_take_profit):
    analysis = analysis_of(one_take_profit)
    review = Suggestion("regime_review", "Review BULL", "by_regime.BULL.early_exit_rate", 0.6, 0.4, 1)
    unknown = Suggestion("regime_review", "Review BEAR", "by_regime.BEAR.early_exit_rate", 0.6, 0.4, 1)
    analysis = replace(analysis, suggestions=[unknown, review])
    result = replay_period(one_take_profit, analysis, parse_rules(RULES), now=NOW.to_pydatetime())
    listed = [s for s in result.mark(analysis).to_json()["suggestions"] if s["rule"] == "regime_review"]
    # listed strongest evidence first (SPEC §3), whatever order the rules gave
    assert [s["metric"] for s in listed] == ["by_regime.BULL.early_exit_rate", "by_regime.BEAR.early_exit_rate"]
    marks = {s["metric"]: s for s in listed}
    bull, bear = marks["by_regime.BULL.early_exit_rate"], marks["by_regime.BEAR.early_exit_rate"]
    # one BULL trade (min_samples 1): its sweep is replayed; 7.5%-10% take profits add 3 to 5 points
    assert bull["replay"]["status"] == "confirmed" and bull["evidence"] == "rule, confirmed"
    assert bull["replay"]["parameter"] == "take_profit_pct"
    assert bear["replay"]["status"] == "not replayable" and bear["evidence"] == "rule, not replayable"


def test_report_views_show_the_grid_heatmap_and_the_walk_forward(one_take_profit, tmp_path):

    (tmp_path / "rules.toml").write_text(RULES)
    analysis = replay_section(one_take_profit, analysis_of(one_take_profit), str(tmp_path / "rules.toml"),
                              now=NOW.to_pydatetime(), strict=True)
    [figure] = rv.replay_grid_charts(analysis)
    assert figure.axes[0].get_xlabel() == "take_profit_pct" and figure.axes[0].get_ylabel() == "stop_loss_pct"
    assert any(text.get_text().startswith("+0.00") for text in figure.axes[0].texts)  # the current cell
    table = rv.walk_forward_table(analysis)
    assert table["parameter"].tolist() == ["stop_loss_pct", "take_profit_pct", "time_limit_hours"]
    assert "0 of the 8 folds" in rv.walk_forward_view(analysis).data
    assert rv.replay_grid_charts(analysis_of(one_take_profit)) == []
