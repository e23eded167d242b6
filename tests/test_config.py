"""Settings refuse values no computation could use, with a message saying which."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from exitlens.core.errors import ConfigError, error_reason, first_line
from exitlens.core.settings import DEFAULT_HORIZONS, Horizon, Settings, database_url_from_env, settings_from_env


@pytest.mark.parametrize(("changes", "message"), [
    ({"timezone": "Mars/Olympus_Mons"}, "unknown timezone"),
    ({"min_samples": -1}, "min_samples"),
    ({"min_samples": 2.5}, "min_samples"),
    ({"horizons": (Horizon("1h", timedelta(hours=1)),)}, "must include 4h, 24h"),
    ({"horizons": DEFAULT_HORIZONS + (Horizon("1h", timedelta(hours=2)),)}, "distinct keys"),
    ({"candle_tolerance": timedelta(0)}, "candle_tolerance"),
])
def test_settings_when_value_unusable_raise_config_error(changes, message):
    with pytest.raises(ConfigError, match=message):
        Settings(**changes)


@pytest.mark.parametrize("value", ["abc", True, None, float("nan")])
def test_settings_when_threshold_not_a_number_raise_config_error(value):
    with pytest.raises(ConfigError, match="threshold trailing_stop_post_24h_pct must be a number"):
        Settings().with_overrides(thresholds={"trailing_stop_post_24h_pct": value})


def test_settings_with_overrides_changes_thresholds_by_name():
    settings = Settings().with_overrides(min_samples=5, thresholds={"stop_loss_post_4h_pct": 1.5})
    assert (settings.min_samples, settings.thresholds.stop_loss_post_4h_pct) == (5, 1.5)
    assert settings.thresholds.take_profit_post_4h_pct == Settings().thresholds.take_profit_post_4h_pct


def test_settings_from_env_when_no_argument_reads_exitlens_tz(monkeypatch):
    monkeypatch.setenv("EXITLENS_TZ", "UTC")
    assert settings_from_env().timezone == "UTC"
    assert settings_from_env("Asia/Tokyo").timezone == "Asia/Tokyo"


def test_database_url_prefers_argument_then_exitlens_then_bot_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EXITLENS_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url_from_env() == f"sqlite:///{tmp_path / 'data' / 'exitlens.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot@db/coinpilot")
    assert database_url_from_env() == "postgresql://bot@db/coinpilot"
    monkeypatch.setenv("EXITLENS_DATABASE_URL", "postgresql://lens@db/coinpilot")
    assert database_url_from_env() == "postgresql://lens@db/coinpilot"
    assert database_url_from_env("sqlite:///x.db") == "sqlite:///x.db"


@pytest.mark.parametrize(("text", "expected"), [
    ("\n  relation \"x\" does not exist\nLINE 1: SELECT ...\n", 'relation "x" does not exist'),
    ("", "fallback"),
    (None, "fallback"),
    (" \n \n", "fallback"),
])
def test_first_line_when_text_has_blank_lines_returns_the_first_with_words(text, expected):
    assert first_line(text, "fallback") == expected


def test_error_reason_when_a_driver_error_is_wrapped_gives_its_first_line():
    wrapped = sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused\n\tIs the server running?"))
    assert error_reason(wrapped) == "connection refused"
    assert error_reason(ValueError()) == "ValueError"
