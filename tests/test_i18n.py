"""The message catalogue: every message in every language, with the same placeholders."""

from __future__ import annotations

import string

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
