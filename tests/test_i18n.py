"""The message catalogue: every message in every language, with the same placeholders."""

from __future__ import annotations

import re
import string

import pandas as pd
import pytest

from exitlens.core.errors import ConfigError
from exitlens.core.i18n import CATALOGUE, kind_label, report_name, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", sorted(set(CATALOGUE) - {"en"}))
def test_catalogue_when_language_added_has_every_message_with_the_same_placeholders(lang):
    assert set(CATALOGUE[lang]) == set(CATALOGUE["en"])
    for key, english in CATALOGUE["en"].items():
        assert placeholders(CATALOGUE[lang][key]) == placeholders(english), key


@pytest.mark.parametrize("lang", sorted(CATALOGUE))
def test_catalogue_when_shown_as_text_has_no_markdown_code_marks(lang):
    """Reports, PDFs and Discord show catalogue texts as text: a `code` mark prints its backticks."""
    assert [key for key, text in CATALOGUE[lang].items() if "`" in text] == []


def test_korean_catalogue_when_read_is_written_in_hangul():
    hangul = [key for key, text in CATALOGUE["ko"].items() if any("\uac00" <= c <= "\ud7a3" for c in text)]
    # only texts made of placeholders and symbols may stay as they are
    assert set(CATALOGUE["ko"]) - set(hangul) == {"col.horizon_pct", "col.money_in", "headline.label_day", "headline.label_month",
                                                  "headline.label_period"}


@pytest.mark.parametrize(("kind", "days", "lang", "expected"), [
    ("daily", None, "en", "Daily exit report"),
    ("weekly", 7, "en", "Weekly exit report"),
    ("weekly", 30, "en", "30-day exit report"),
    ("monthly", None, "en", "Monthly exit report"),
    ("weekly", 30, "ko", "30일 청산 리포트"),
    ("monthly", None, "ko", "월간 청산 리포트"),
])
def test_report_name_when_kind_and_length_given_names_the_period(kind, days, lang, expected):
    assert report_name(kind, lang, days) == expected


def test_kind_label_when_days_not_seven_is_not_weekly():
    assert kind_label("weekly", "en", 30) == "30-day period"


def test_t_when_language_unknown_raises_config_error_naming_the_languages():
    with pytest.raises(ConfigError, match="unknown language 'fr': use one of en, ko"):
        t("section.headline", "fr")


def test_catalogue_when_verdicts_declared_has_a_word_for_each():
    from exitlens.core.after_exit import VERDICTS

    assert all(f"verdict.{verdict}" in CATALOGUE["en"] for verdict in VERDICTS)
    assert [t(f"verdict.{v}", "en") for v in VERDICTS] == list(VERDICTS)


# Everything a person reads in a Korean report is Korean: the views, the terminal summary, the index.

def _english_texts(*prefixes: str) -> set[str]:
    """The English catalogue texts under `prefixes` that a Korean text must not contain (those
    without placeholders, long enough not to occur by chance)."""
    return {text for key, text in CATALOGUE["en"].items()
            if key.startswith(prefixes) and "{" not in text and len(text) >= 5}


def _hangul(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


def _report(lang: str):
    from analytics_factories import at, buy, orders_frame, post, sell
    from exitlens.core.settings import Settings
    from exitlens.core.summary import AnalysisRequest, Period, analyse_period
    from exitlens.reports.views import ReportData

    rows = [buy(0, 100, 1), sell(1, 104, 1, exit_reason="TAKE_PROFIT", post_exit_prices=post(h1=1.0, h24=3.0)),
            buy(2, 100, 1), sell(3, 95, 1, exit_reason="STOP_LOSS")]
    analysis = analyse_period(orders_frame(*rows), AnalysisRequest(
        "daily", Period(at(-1), at(23)), Settings(timezone="UTC", language=lang)))
    return ReportData(analysis, at(40))


def _html(view) -> str:
    return view.to_html() if hasattr(view, "to_html") else view.data


def _visible(view) -> str:
    """The text a reader sees of an HTML view (tags and their attributes removed)."""
    return re.sub(r"<[^>]+>", " ", _html(view))


def test_report_texts_when_korean_are_hangul_without_english_words():
    from exitlens.reports import decision_views as dv
    from exitlens.reports import tearsheet_views as tv
    from exitlens.reports.replay import views as rv

    report = _report("ko")
    texts = {
        "key_figures": _visible(report.key_figures()),
        "how_to_read": _visible(report.how_to_read()),
        "as_of": _visible(report.as_of_text(generated_at=pd.Timestamp("2026-01-01T00:00Z"))),
        "replay_status": _visible(rv.replay_status(report.analysis)),
        "left_on_the_table": " ".join(rv.left_on_the_table(report.analysis).columns),
        "replay_suggestions": " ".join(rv.replay_suggestions(report.analysis).columns),
        "replay_sweep": " ".join(rv.replay_sweep(report.analysis).columns),
        "verdicts": _visible(dv.verdict_view(report.analysis)),
        "suggestions": _visible(dv.ranked_view(report.analysis)),
        "by_exit_reason": _visible(report.bucket_view(report.by_exit_reason())),
        "tear_sheet": _visible(tv.trade_stats_view(report.analysis)),
        "best_worst": " ".join(tv.best_worst_table(report.analysis).columns),
        "strategy_exit": _visible(tv.strategy_exit_view(report.analysis)),
        "excursions": _visible(tv.excursion_view(report.analysis)),
        "sections": " ".join(_visible(report.section(name)) for name in (
            "verdicts", "suggestions", "equity", "tear_sheet", "best_worst", "strategy_exit", "excursions",
            "replay_suggestions", "replay_sweep")),
    }
    english = _english_texts("figure.", "howto.", "meta.", "replay.", "col.", "section.", "caption.", "evidence.",
                             "text.", "row.")
    for name, text in texts.items():
        text = text.replace("Exit replay", "")  # the README's section name, quoted as it is
        text = text.replace("min_samples", "")  # a setting's name, as the notebook spells it
        assert _hangul(text), name
        assert not [e for e in english if e in text], name


def test_key_figures_when_collection_rate_below_goal_warn_in_the_report_language():
    english, korean = _html(_report("en").key_figures()), _html(_report("ko").key_figures())
    # one of the two sells has its 24h point although both are due: 50%, below the 95% goal
    assert "50.0%" in english and "below the 95% goal" in english and 'class="exitlens-warning"' in english
    assert "목표 95%에 못 미칩니다" in korean


def test_key_figures_when_currencies_mix_show_net_pnl_per_currency():
    from analytics_factories import at, buy, orders_frame, sell
    from exitlens.core.settings import Settings
    from exitlens.core.summary import AnalysisRequest, Period, analyse_period
    from exitlens.reports.views import ReportData

    rows = [buy(0, 100, 1, symbol="KRW-BTC"), sell(1, 90, 1, symbol="KRW-BTC"),
            buy(0, 1.0, 10, symbol="ETH/USDT"), sell(2, 1.5, 10, symbol="ETH/USDT")]
    analysis = analyse_period(orders_frame(*rows), AnalysisRequest("daily", Period(at(-1), at(23)), Settings(timezone="UTC")))
    text = _html(ReportData(analysis, at(23)).key_figures())
    assert "net PnL (KRW, after fees)" in text and "-10<" in text
    assert "net PnL (USDT, after fees)" in text and "+5.00<" in text


def test_replay_status_when_no_rules_file_says_how_to_add_one_in_each_language():
    from exitlens.reports.replay import views as rv

    english, korean = (_html(rv.replay_status(_report(lang).analysis)) for lang in ("en", "ko"))
    assert "Exit replay is off" in english and "EXITLENS_EXIT_RULES" in english
    assert "청산 재현이 꺼져 있습니다" in korean and "EXITLENS_EXIT_RULES" in korean
    assert _html(rv.replay_suggestions_view(_report("en").analysis)) == ""


def test_summary_text_when_korean_labels_in_korean_and_numbers_unchanged():
    from exitlens.core.summary_text import summary_text

    summary = _report("ko").analysis.to_json()
    korean, english = summary_text(summary, "ko"), summary_text(summary, "en")
    assert "전체 매도" in korean and "24시간 수집률" in korean
    assert not [e for e in _english_texts("text.") if e in korean]
    number = [line for line in english.splitlines() if line.startswith("all sells")][0].split()[-1]
    assert number in korean


def test_index_when_korean_labels_its_columns_in_korean():
    from exitlens.reports.archive import render_index

    page = render_index([], lang="ko")
    assert '<html lang="ko">' in page and "<th>기간</th>" in page and "아직 리포트가 없습니다." in page
    assert not [e for e in _english_texts("index.") if f">{e}<" in page]


def test_replay_suggestion_message_when_korean_is_korean():
    from exitlens.core.replay_stats import Interval, Pick, replay_suggestions

    table = pd.DataFrame([{"parameter": "stop_loss_pct", "value": 4.5, "current": 3.0, "n": 40, "open_at_end": 0,
                           "mean": 0.4, "low": 0.1, "high": 0.7}])
    picks = {"stop_loss_pct": Pick("stop_loss_pct", 4.5, 0, 0.99, Interval(40, 0.4, 0.05, 0.75), True)}
    [english] = replay_suggestions(table, picks, comparisons=5)
    [korean] = replay_suggestions(table, picks, comparisons=5, lang="ko")
    assert english.message.startswith("Set stop_loss_pct to 4.5 (now 3)")
    assert _hangul(korean.message) and "+0.40" in korean.message and english.value == korean.value


@pytest.mark.parametrize("lang", sorted(CATALOGUE))
def test_how_to_read_when_verdicts_explained_names_the_provisional_mark(lang):
    """The Every-sell table marks verdicts '(provisional)'; the glossary must say what that means."""
    assert t("verdict.provisional_suffix", lang).strip() in CATALOGUE[lang]["howto.verdict.text"]


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "suggestion [rule, not confirmed by replay]: Loosen"),
    ("ko", "제안 [규칙, 재현으로 확인되지 않음]: Loosen"),
])
def test_summary_text_when_replay_does_not_confirm_a_rule_says_so(lang, line):
    from exitlens.core.summary_text import summary_text

    summary = {**_report(lang).analysis.to_json(), "suggestions": [
        {"rule": "trailing_stop_loosen", "message": "Loosen trailing_stop_pct", "metric": None, "value": None,
         "threshold": None, "samples": 4, "replay": {"status": "not confirmed"}}]}
    assert any(text.startswith(line) for text in summary_text(summary, lang).splitlines())


@pytest.mark.parametrize(("lang", "path_word"), [("en", "within 24h"), ("ko", "24시간 안에")])
def test_rates_read_at_the_24h_point_when_explained_do_not_say_within_24h(lang, path_word):
    # "within 24h" is the path maximum (left on the table); these rates read the 24h point only
    for key in ("howto.early_exit.text", "howto.over_hold.text", "suggest.regime_review"):
        assert path_word not in CATALOGUE[lang][key], key
