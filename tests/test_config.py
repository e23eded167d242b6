"""Settings refuse values no computation could use, with a message saying which."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, error_reason, first_line
from exitlens.core.settings import DEFAULT_HORIZONS, Horizon, Settings


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


def test_environment_settings_when_no_argument_reads_exitlens_tz():
    environment = Environment.from_mapping({"EXITLENS_TZ": "UTC"})
    assert environment.settings().timezone == "UTC"
    assert environment.settings("Asia/Tokyo").timezone == "Asia/Tokyo"
    assert Environment().settings().timezone == "Asia/Seoul"


def test_environment_database_prefers_argument_then_exitlens_then_bot_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert Environment.from_mapping({}).database() == f"sqlite:///{tmp_path / 'data' / 'exitlens.db'}"
    bot = {"DATABASE_URL": "postgresql://bot@db/coinpilot"}
    assert Environment.from_mapping(bot).database() == "postgresql://bot@db/coinpilot"
    both = {**bot, "EXITLENS_DATABASE_URL": "postgresql://lens@db/coinpilot"}
    assert Environment.from_mapping(both).database() == "postgresql://lens@db/coinpilot"
    assert Environment.from_mapping(both).database("sqlite:///x.db") == "sqlite:///x.db"


def test_settings_when_candle_variables_set_reads_interval_and_tolerance():
    environment = Environment.from_mapping({"EXITLENS_CANDLE_INTERVAL": "5m", "EXITLENS_CANDLE_TOLERANCE_MINUTES": "2.5"})

    from_env = environment.settings()
    from_arguments = environment.settings(candle_interval="1h", tolerance_minutes=30)

    assert (from_env.candle_interval, from_env.candle_tolerance) == ("5m", timedelta(minutes=2.5))
    assert (from_arguments.candle_interval, from_arguments.candle_tolerance) == ("1h", timedelta(minutes=30))


@pytest.mark.parametrize(("name", "value", "message"), [
    ("EXITLENS_CANDLE_TOLERANCE_MINUTES", "five", "candle tolerance 'five' must be a positive number"),
    ("EXITLENS_CANDLE_TOLERANCE_MINUTES", "0", "candle tolerance '0' must be a positive number"),
    ("EXITLENS_CANDLE_INTERVAL", "5 minutes of", "candle interval '5 minutes of' must be"),
])
def test_settings_when_candle_variable_unusable_raises_config_error(name, value, message):
    with pytest.raises(ConfigError, match=message):
        Environment.from_mapping({name: value}).settings()


@pytest.mark.parametrize(("env", "message"), [
    ({"EXITLENS_NOTIFY_MAX_ATTEMPTS": "2.5"}, "EXITLENS_NOTIFY_MAX_ATTEMPTS must be a whole number"),
    ({"EXITLENS_NOTIFY_TIMEOUT_SECONDS": "inf"}, "EXITLENS_NOTIFY_TIMEOUT_SECONDS must be 0 or more"),
    ({"EXITLENS_METRICS_PORT": "-1"}, "EXITLENS_METRICS_PORT must be a port number"),
])
def test_environment_when_a_number_is_malformed_names_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        Environment.from_mapping(env)


def test_environment_when_values_are_blank_treats_them_as_unset():
    assert Environment.from_mapping({"EXITLENS_TZ": " ", "EXITLENS_LLM_MODEL": "", "DATABASE_URL": "\t"}) == Environment()


def test_environment_repr_hides_secrets():
    environment = Environment.from_mapping({"EXITLENS_DATABASE_URL": "postgresql://u:pw@db/x",
                                            "EXITLENS_LLM_API_KEY": "sk-secret", "EXITLENS_N8N_WEBHOOK_SECRET": "n8n-secret"})
    assert not any(secret in repr(environment) for secret in ("pw@", "sk-secret", "n8n-secret"))


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
