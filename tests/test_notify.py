"""Delivery of one report run, against real HTTP servers on 127.0.0.1 started here.

Each server answers from a script (status, headers, body) and records every request, so the
tests see exactly what Discord or n8n would receive. No traffic leaves the machine.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import pytest

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, DataError, DeliveryFailed
from exitlens.core.formatting import fmt_money, fmt_pct, fmt_price, fmt_ratio
from exitlens.delivery.notify import (
    DeliveryConfig,
    RunAnnouncement,
    announce,
    discord_execute_url,
    redact_url,
    send_discord,
    send_discord_text,
    send_n8n,
)
from exitlens.delivery.payloads import (
    COLOR_FAILED,
    COLOR_SUCCEEDED,
    build_discord_embed,
    build_discord_message,
    build_n8n_payload,
    escape_markdown,
    text_length,
    truncate,
)
from http_servers import Received, ScriptedServer

TOKEN = "tok3n-S3CRET-QwErTy0123456789abcdefXYZ"
N8N_SECRET = "n8n-shared-S3CRET-4f9a"
NOW = datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc)


@pytest.fixture
def discord(make_server) -> ScriptedServer:
    return make_server()


@pytest.fixture
def n8n(make_server) -> ScriptedServer:
    return make_server()


def webhook_url(server: ScriptedServer, query: str = "") -> str:
    return server.url(f"/api/webhooks/1180000000000000000/{TOKEN}{query}")


def config_for(discord_server: ScriptedServer | None = None, **changes: Any) -> DeliveryConfig:
    values: dict[str, Any] = dict(
        discord_webhook_url=webhook_url(discord_server) if discord_server else None,
        backoff_seconds=0.01, max_attempts=3, retry_after_cap_seconds=30.0, timeout_seconds=5.0)
    values.update(changes)
    return DeliveryConfig(**values)


class Sleeps(list):
    """An injected sleep that records how long it was asked to wait, and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


# --------------------------------------------------------------------------- fixtures: runs


def bucket(**values: Any) -> dict[str, Any]:
    base = {"count": 24, "evaluable": 22, "wins": 13, "win_rate": 13 / 22, "currency": "KRW",
            "realized_pnl": 1234567.89, "fees": 23652.4, "net_pnl": 1210915.49,
            "avg_pnl_pct": 0.8123, "avg_net_pnl_pct": 0.7012, "median_pnl_pct": 0.5,
            "avg_hold_hours": 5.5, "avg_post_24h_pct": -1.234, "post_24h_samples": 20,
            "early_exit_rate": None, "over_hold_rate": None}
    return base | values


@pytest.fixture
def daily_summary() -> dict[str, Any]:
    return {
        "kind": "daily", "period_start": "2026-11-22T15:00:00+00:00",
        "period_end": "2026-11-23T15:00:00+00:00", "timezone": "Asia/Seoul",
        "date": "2026-11-23", "trade_count": 51, "max_drawdown": {"KRW": 45678.9},
        "overall": bucket(),
        "by_exit_reason": {"TRAILING_STOP": bucket(count=10)}, "by_regime": {},
        "by_regime_exit_reason": {},
        "suggestions": [
            {"rule": "trailing_stop_loosen", "message": "Loosen trailing_stop_pct by 0.5 points",
             "metric": "avg_post_24h_pct", "value": 3.8, "threshold": 3.0, "samples": 10},
            {"rule": "regime_review", "message": "Review BULL exit parameters",
             "metric": "early_exit_rate", "value": 0.45, "threshold": 0.4, "samples": 11},
        ],
        "notes": ["2 sells had no BUY lots: not evaluable"],
        "headline": "24 sells, win rate 59% — @everyone trailing stops exit too early",
    }


@pytest.fixture
def weekly_summary(daily_summary) -> dict[str, Any]:
    weekly = dict(daily_summary, kind="weekly", days=7,
                  period_start="2026-11-16T15:00:00+00:00", by_regime={"BULL": bucket()})
    weekly.pop("date")
    return weekly


DAILY = RunAnnouncement(kind="daily", period_label="2026-11-23",
                        html_relpath="daily/2026-11-23/report.html")
WEEKLY = RunAnnouncement(kind="weekly", period_label="2026-11-17 – 2026-11-23",
                         html_relpath="weekly/2026-11-17_2026-11-23/report.html")
MONTHLY = RunAnnouncement(kind="monthly", period_label="2026-11-01 – 2026-11-30",
                          html_relpath="monthly/2026-11-01_2026-11-30/report.html")


def only_request(server: ScriptedServer) -> Received:
    assert len(server.requests) == 1, [r.path for r in server.requests]
    return server.requests[0]


# --------------------------------------------------------------------------- retries


def test_discord_when_rate_limited_once_delivers_exactly_one_message_after_retry_after(
        discord, daily_summary, sleeps):
    discord.respond((429, {}, {"message": "You are being rate limited.", "retry_after": 1.5,
                               "global": False}))

    result = send_discord(daily_summary, DAILY, config_for(discord),
                          now=NOW, sleep=sleeps)

    assert [r.route for r in discord.requests] == [discord.requests[0].route] * 2
    assert sleeps == [1.5]
    assert result.delivered and result.attempts == 2
    assert result.message_id == "1180000000000000001"


@pytest.mark.parametrize(("body", "headers", "expected_wait"), [
    (b"slow down", {"Retry-After": "2"}, 2.0),
    ({"retry_after": 120.0}, {}, 30.0),  # capped
    ({"message": "no hint"}, {}, 0.01),  # falls back to backoff
])
def test_discord_when_rate_limited_waits_what_is_asked_capped(
        discord, daily_summary, sleeps, body, headers, expected_wait):
    discord.respond((429, headers, body))

    send_discord(daily_summary, DAILY, config_for(discord), now=NOW, sleep=sleeps)

    assert sleeps == [pytest.approx(expected_wait)]
    assert len(discord.requests) == 2


def test_discord_when_server_errors_persist_retries_then_raises_delivery_failed(
        discord, daily_summary, sleeps):
    discord.respond(*[(500, {}, {"message": "Internal Server Error"})] * 3)

    with pytest.raises(DeliveryFailed, match=r"still failing after 3 attempts \(last: 500"):
        send_discord(daily_summary, DAILY, config_for(discord), now=NOW,
                     sleep=sleeps)

    assert len(discord.requests) == 3
    assert sleeps == [pytest.approx(0.01), pytest.approx(0.02)]


def test_discord_when_server_error_is_transient_delivers(discord, daily_summary, sleeps):
    discord.respond((502, {}, b"bad gateway"), (503, {}, b"unavailable"))

    result = send_discord(daily_summary, DAILY, config_for(discord), now=NOW,
                          sleep=sleeps)

    assert result.delivered and result.attempts == 3
    assert len(discord.requests) == 3


@pytest.mark.parametrize(("status", "reason"), [
    (401, "401: Unauthorized"), (403, "Missing Access"), (404, "Unknown Webhook")])
def test_discord_when_webhook_rejected_stops_at_once_and_says_misconfigured(
        discord, daily_summary, sleeps, status, reason):
    discord.respond((status, {}, {"message": reason, "code": 10015}))

    with pytest.raises(DeliveryFailed) as raised:
        send_discord(daily_summary, DAILY, config_for(discord), now=NOW,
                     sleep=sleeps)

    assert str(raised.value) == (f"Discord webhook rejected the message ({status} {reason}): "
                                 "check DISCORD_WEBHOOK_URL")
    assert len(discord.requests) == 1
    assert sleeps == []


def test_discord_when_unreachable_retries_then_fails_without_leaking_token(
        daily_summary, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = config_for(discord_webhook_url=f"http://127.0.0.1:{port}/api/webhooks/1/{TOKEN}")

    with pytest.raises(DeliveryFailed) as raised:
        send_discord(daily_summary, DAILY, config, now=NOW, sleep=sleeps)

    assert "still failing after 3 attempts (last: ConnectError" in str(raised.value)
    assert f"http://127.0.0.1:{port}/api/webhooks/…" in str(raised.value)
    assert len(sleeps) == 2
    assert TOKEN not in str(raised.value) and TOKEN not in caplog.text
    assert raised.value.__cause__ is None


# --------------------------------------------------------------------------- secrets


def test_discord_token_when_every_failure_path_runs_stays_out_of_logs_and_errors(
        discord, daily_summary, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    url = webhook_url(discord, "?thread_id=42")
    echo = {"message": f"upstream said {url} and {TOKEN}"}  # a hostile / echoing body
    discord.respond((429, {}, {"retry_after": 0.1}), (500, {}, echo), (404, {}, echo))
    config = config_for(discord_webhook_url=url)

    with pytest.raises(DeliveryFailed) as raised:
        announce(daily_summary, DAILY, now=NOW, config=config, sleep=sleeps)

    assert "HTTP Request: POST" in caplog.text  # httpx did log the requests, redacted
    assert "/api/webhooks/…" in caplog.text
    for text in (caplog.text, str(raised.value), repr(raised.value), repr(config)):
        assert TOKEN not in text
    assert len(discord.requests) == 3


def test_n8n_secret_when_delivering_and_failing_stays_out_of_logs_and_errors(
        n8n, daily_summary, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    n8n.respond((500, {}, {"message": f"bad secret {N8N_SECRET}"}),
                (403, {}, {"message": f"Authorization data is wrong! {N8N_SECRET}"}))
    config = config_for(n8n_url=n8n.url(""), n8n_secret=N8N_SECRET)

    with pytest.raises(DeliveryFailed, match=r"rejected the message \(403 .*check EXITLENS_N8N_URL"
                       ) as raised:
        send_n8n(daily_summary, DAILY, config, now=NOW, sleep=sleeps)

    assert N8N_SECRET not in caplog.text and N8N_SECRET not in str(raised.value)
    assert N8N_SECRET not in repr(config)


@pytest.mark.parametrize(("url", "shown"), [
    ("https://discord.com/api/webhooks/123/abcTOKEN?thread_id=1", "https://discord.com/api/webhooks/…"),
    ("https://user:pw@hooks.example.com/x/y", "https://hooks.example.com/…"),
])
def test_redact_url_when_given_secret_url_keeps_scheme_and_host_only(url, shown):
    assert redact_url(url) == shown


# --------------------------------------------------------------------------- message shape


def test_discord_message_when_sent_disables_mentions_and_waits_keeping_query(
        discord, daily_summary, sleeps):
    config = config_for(discord_webhook_url=webhook_url(discord, "?thread_id=42&wait=false"))

    send_discord(daily_summary, DAILY, config, now=NOW, sleep=sleeps)

    request = only_request(discord)
    assert request.query == {"thread_id": ["42"], "wait": ["true"]}
    message = request.discord_message()
    assert message["allowed_mentions"] == {"parse": []}
    assert "@everyone" in message["embeds"][0]["description"]  # shown, never pinging


@pytest.mark.parametrize(("url", "query"), [
    ("https://discord.com/api/webhooks/1/t", "wait=true"),
    ("https://discord.com/api/webhooks/1/t?thread_id=9", "thread_id=9&wait=true"),
])
def test_discord_execute_url_when_built_adds_wait_true(url, query):
    assert urlsplit(discord_execute_url(url)).query == query


def test_discord_embed_when_run_succeeded_shows_title_period_numbers_and_top_suggestions(
        daily_summary):
    embed = build_discord_message(daily_summary, DAILY, now=NOW)["embeds"][0]

    assert embed["title"] == "Daily exit report 2026-11-23"
    assert embed["description"] == daily_summary["headline"]
    assert embed["color"] == COLOR_SUCCEEDED
    assert embed["timestamp"] == "2026-11-23T13:00:00+00:00"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Period"] == "2026-11-23 (Asia/Seoul)"
    assert fields["Sells"] == "24" and fields["Evaluable"] == "22"
    assert fields["Win rate"] == "59.1%"
    assert fields["Net PnL"] == "+1,210,915 KRW"
    assert fields["Gross PnL"] == "+1,234,568 KRW"
    assert fields["Fees"] == "23,652 KRW"
    assert fields["Max drawdown"] == "45,679 KRW"
    assert fields["Avg PnL"] == "+0.81%"
    assert fields["Avg net PnL"] == "+0.70%"
    assert fields["Avg post-24h"] == "-1.23% (n=20)"
    assert fields["1. trailing_stop_loosen"].splitlines() == [
        "Loosen trailing\\_stop\\_pct by 0.5 points",
        "avg_post_24h_pct +3.80%, threshold +3.00%, n=10"]
    assert fields["2. regime_review"].endswith("early_exit_rate 45.0%, threshold 40.0%, n=11")
    assert "url" not in embed


def test_weekly_embed_when_built_uses_period_range_title(weekly_summary):
    embed = build_discord_message(weekly_summary, WEEKLY)["embeds"][0]

    assert embed["title"] == "Weekly exit report 2026-11-17 – 2026-11-23"


def test_discord_payload_when_headline_and_suggestions_are_huge_stays_within_every_limit(
        discord, daily_summary, sleeps):
    emoji_text = "🚀 TRAILING_STOP exits ＠everyone " * 400  # astral characters count double
    daily_summary["headline"] = emoji_text
    daily_summary["notes"] = ["note " * 600] * 10
    daily_summary["suggestions"] = [
        {"rule": f"rule_{i}_" + "x" * 400, "message": "Loosen it " * 300, "metric": "m" * 300,
         "value": 1e12, "threshold": 3.0, "samples": 10**9} for i in range(60)]
    run = RunAnnouncement(kind="weekly", period_label="2026-11-17 – 2026-11-23 " + "w" * 400)
    config = config_for(discord, top_suggestions=60)

    send_discord(daily_summary, run, config, now=NOW, sleep=sleeps)

    message = only_request(discord).discord_message()
    embed = message["embeds"][0]
    assert len(message.get("content", "")) <= 2000
    assert text_length(embed["title"]) <= 256 and embed["title"].endswith("…")
    assert text_length(embed["description"]) <= 4096
    assert len(embed["fields"]) <= 25
    for item in embed["fields"]:
        assert 0 < text_length(item["name"]) <= 256
        assert 0 < text_length(item["value"]) <= 1024
    total = (text_length(embed["title"]) + text_length(embed["description"])
             + text_length(embed["footer"]["text"])
             + sum(text_length(f["name"]) + text_length(f["value"]) for f in embed["fields"]))
    assert total <= 6000
    assert embed["fields"][0]["name"] == "Period"  # the headline numbers survive the cuts
    assert {"Sells", "Win rate", "Net PnL"} <= {f["name"] for f in embed["fields"]}


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("short", 10, "short"),
    ("exactly ten", 11, "exactly ten"),
    ("one two three four", 12, "one two…"),
    ("abcdefghij", 5, "abcd…"),
    ("🚀🚀🚀", 4, "🚀…"),  # a surrogate pair is never split
])
def test_truncate_when_too_long_cuts_cleanly_with_ellipsis(text, limit, expected):
    assert truncate(text, limit) == expected
    assert text_length(truncate(text, limit)) <= limit


@pytest.mark.parametrize(("function", "value", "shown"), [
    (lambda v: fmt_money(v, "KRW"), 1234567.89, "+1,234,568 KRW"),
    (lambda v: fmt_money(v, "KRW"), -98765.4, "-98,765 KRW"),
    (lambda v: fmt_money(v, "KRW"), 0.3, "0 KRW"),
    (lambda v: fmt_money(v, "KRW"), None, "n/a"),
    (lambda v: fmt_money(v, "USDT"), 12.345, "+12.35 USDT"),
    (lambda v: fmt_money(v, "BTC"), -0.000123456789, "-0.000123457 BTC"),
    (lambda v: fmt_money(v, None), 5, "+5.00 ?"),
    (lambda v: fmt_money(v, signed=False), {"USDT": 1.5, "KRW": 1000}, "1,000 KRW · 1.50 USDT"),
    (fmt_price, 0.0000964, "0.0000964000"),
    (fmt_price, 95000000, "95,000,000"),
    (fmt_price, 123.456789, "123.457"),
    (fmt_price, None, "n/a"),
    (fmt_pct, 1.005, "+1.00%"),
    (fmt_pct, -0.5, "-0.50%"),
    (fmt_pct, float("nan"), "n/a"),
    (fmt_ratio, 0.6, "60.0%"), (fmt_ratio, 0.5357, "53.6%"),
    (fmt_ratio, None, "n/a"),
])
def test_format_when_presenting_numbers_is_human_readable(function, value, shown):
    assert function(value) == shown


# --------------------------------------------------------------------------- files and links


@pytest.fixture
def report_files(tmp_path):
    folder = tmp_path / "daily" / "2026-11-23"
    folder.mkdir(parents=True)
    html, pdf = folder / "report.html", folder / "report.pdf"
    html.write_text("<html><body>report</body></html>")
    pdf.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    return html, pdf


def test_discord_when_no_public_url_and_small_pdf_attaches_pdf(
        discord, daily_summary, sleeps, report_files):
    html, pdf = report_files
    run = RunAnnouncement(kind="daily", period_label="2026-11-23", html_path=html, pdf_path=pdf,
                          html_relpath="daily/2026-11-23/report.html")

    result = send_discord(daily_summary, run, config_for(discord), now=NOW,
                          sleep=sleeps)

    request = only_request(discord)
    assert request.is_multipart and "wait=true" in request.path
    parts = request.parts()
    assert parts["files[0]"] == ("report.pdf", pdf.read_bytes())
    payload = json.loads(parts["payload_json"][1])
    assert payload["attachments"] == [{"id": 0, "filename": "report.pdf"}]
    assert payload["allowed_mentions"] == {"parse": []}
    assert result.mode == "attachment"


def test_discord_when_no_pdf_attaches_html(discord, daily_summary, sleeps, report_files):
    html, _ = report_files
    run = RunAnnouncement(kind="daily", period_label="2026-11-23", html_path=html,
                          pdf_path=html.with_name("missing.pdf"))

    send_discord(daily_summary, run, config_for(discord), now=NOW, sleep=sleeps)

    assert only_request(discord).parts()["files[0]"][0] == "report.html"


def test_discord_when_file_exceeds_upload_limit_sends_text_only(
        discord, daily_summary, sleeps, report_files):
    html, pdf = report_files
    pdf.write_bytes(b"%PDF" + b"0" * 50_000)
    run = RunAnnouncement(kind="daily", period_label="2026-11-23", html_path=html, pdf_path=pdf)

    result = send_discord(daily_summary, run, config_for(discord, max_upload_bytes=20_000),
                          now=NOW, sleep=sleeps)

    request = only_request(discord)
    assert not request.is_multipart
    message = request.json()
    assert "report.pdf" in message["content"] and "not attached" in message["content"]
    assert "attachments" not in message and message["embeds"]
    assert result.mode == "text"


def test_discord_when_server_answers_413_falls_back_to_text(
        discord, daily_summary, sleeps, report_files):
    html, pdf = report_files
    discord.respond((413, {}, {"message": "Request entity too large", "code": 40005}))
    run = RunAnnouncement(kind="daily", period_label="2026-11-23", html_path=html, pdf_path=pdf)

    result = send_discord(daily_summary, run, config_for(discord), now=NOW,
                          sleep=sleeps)

    assert [r.is_multipart for r in discord.requests] == [True, False]
    assert "not attached" in discord.requests[1].json()["content"]
    assert result.mode == "text" and result.attempts == 2


def test_discord_when_public_base_url_set_links_html_and_attaches_nothing(
        discord, daily_summary, sleeps, report_files):
    html, pdf = report_files
    run = RunAnnouncement(kind="daily", period_label="2026-11-23", html_path=html, pdf_path=pdf,
                          html_relpath="daily/2026-11-23/report.html")
    config = config_for(discord, public_base_url="https://reports.example.org/exitlens/")

    result = send_discord(daily_summary, run, config, now=NOW, sleep=sleeps)

    request = only_request(discord)
    assert not request.is_multipart
    embed = request.json()["embeds"][0]
    assert embed["url"] == "https://reports.example.org/exitlens/daily/2026-11-23/report.html"
    assert result.mode == "link"


# --------------------------------------------------------------------------- n8n


@pytest.mark.parametrize(("run", "path"), [
    (DAILY, "/webhook/daily-report"), (WEEKLY, "/webhook/weekly-exit-report"), (MONTHLY, "/webhook/monthly-exit-report")])
def test_n8n_when_configured_posts_workflow_payload_with_secret_header(
        n8n, daily_summary, sleeps, run, path):
    config = config_for(n8n_url=n8n.url("/"), n8n_secret=N8N_SECRET,
                        public_base_url="https://reports.example.org")

    result = send_n8n(daily_summary, run, config, now=NOW, sleep=sleeps)

    request = only_request(n8n)
    assert request.route == path
    assert request.headers["x-webhook-secret"] == N8N_SECRET
    payload = request.json()
    assert payload["title"] == run.title
    assert payload["period_start"] == daily_summary["period_start"]
    assert payload["period_end"] == daily_summary["period_end"]
    assert payload["total_sells"] == 24
    assert payload["summary"] == daily_summary["headline"]
    assert payload["suggestions"] == [s["message"] for s in daily_summary["suggestions"]]
    assert payload["timestamp"] == "2026-11-23T13:00:00+00:00"
    assert payload["report_url"] == f"https://reports.example.org/{run.html_relpath}"
    assert result.delivered and result.mode == "json"


def test_n8n_daily_payload_carries_the_texts_coinpilots_daily_workflow_reads(daily_summary):
    """config/n8n_workflows/daily_report.json renders $json title, pnl, trades, win_rate, mdd,
    summary and timestamp into Discord fields as they are."""
    payload = build_n8n_payload(daily_summary, DAILY, now=NOW)

    assert payload["pnl"] == "+1,210,915 KRW"
    assert (payload["gross_pnl"], payload["fees"]) == ("+1,234,568 KRW", "23,652 KRW")
    assert payload["mdd"] == "45,679 KRW"
    assert payload["max_drawdown"] == {"KRW": 45678.9}
    assert (payload["trades"], payload["win_rate"]) == (51, "59.1%")
    assert all(payload[key] for key in ("title", "summary", "timestamp"))


def test_n8n_daily_payload_when_currencies_mix_labels_each_amount(daily_summary):
    daily_summary["overall"] = bucket(currency=None, net_pnl={"KRW": -5000.0, "USDT": 12.5})
    daily_summary["max_drawdown"] = {"KRW": 7000.0, "USDT": 0.0}

    payload = build_n8n_payload(daily_summary, DAILY, now=NOW)

    assert payload["pnl"] == "-5,000 KRW · +12.50 USDT"
    assert payload["mdd"] == "7,000 KRW · 0.00 USDT"


def test_n8n_payload_when_numbers_are_nan_is_plain_json(daily_summary):
    daily_summary["overall"] = bucket(avg_pnl_pct=float("nan"), realized_pnl=float("inf"))

    payload = build_n8n_payload(daily_summary, DAILY, now=NOW)

    assert payload["overall"]["avg_pnl_pct"] is None
    json.dumps(payload, allow_nan=False)
    assert "report_url" not in payload


# --------------------------------------------------------------------------- announce


def test_announce_when_run_failed_announces_failure_in_red(discord, n8n, sleeps):
    run = RunAnnouncement(kind="weekly", period_label="2026-11-17 – 2026-11-23", status="failed",
                          error="PapermillExecutionError: cell 7 raised KeyError: 'regime'\n"
                                "Traceback (most recent call last): ...")
    env = {"DISCORD_WEBHOOK_URL": webhook_url(discord), "EXITLENS_N8N_URL": n8n.url(""),
           "EXITLENS_N8N_WEBHOOK_SECRET": N8N_SECRET, "EXITLENS_NOTIFY_BACKOFF_SECONDS": "0.01"}

    results = announce(None, run, now=NOW, config=DeliveryConfig.from_environment(Environment.from_mapping(env)), sleep=sleeps)

    assert [(r.target, r.delivered) for r in results] == [("discord", True), ("n8n", True)]
    embed = only_request(discord).json()["embeds"][0]
    assert embed["color"] == COLOR_FAILED
    assert embed["title"] == "Weekly exit report 2026-11-17 – 2026-11-23 (failed)"
    assert "failed: PapermillExecutionError: cell 7 raised KeyError" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Status"] == "failed" and "KeyError: 'regime'" in fields["Error"]
    payload = only_request(n8n).json()
    assert payload["status"] == "failed" and payload["error"].startswith("PapermillExecutionError")


def test_announce_when_nothing_configured_does_nothing_and_logs_info(daily_summary, caplog):
    caplog.set_level(logging.INFO, logger="exitlens.delivery.notify")

    results = announce(daily_summary, DAILY, now=NOW,
                       config=DeliveryConfig.from_environment(Environment.from_mapping({"DISCORD_WEBHOOK_URL": " "})))

    assert results == []
    assert "no announcement for Daily exit report 2026-11-23" in caplog.text


def test_announce_when_discord_fails_still_delivers_n8n_then_raises(
        discord, n8n, daily_summary, sleeps):
    discord.respond((404, {}, {"message": "Unknown Webhook", "code": 10015}))
    config = config_for(discord, n8n_url=n8n.url(""), n8n_secret=N8N_SECRET)

    with pytest.raises(DeliveryFailed, match=r"^Discord webhook rejected the message \(404"):
        announce(daily_summary, DAILY, now=NOW, config=config, sleep=sleeps)

    assert len(n8n.requests) == 1


def test_announce_when_not_raising_returns_result_per_target(discord, n8n, daily_summary, sleeps):
    discord.respond(*[(503, {}, b"down")] * 3)
    config = config_for(discord, n8n_url=n8n.url(""), n8n_secret=N8N_SECRET)

    results = announce(daily_summary, DAILY, now=NOW, config=config, sleep=sleeps,
                       raise_on_failure=False)

    failed, delivered = results
    assert (failed.target, failed.delivered, failed.attempts, failed.status_code) == (
        "discord", False, 3, 503)
    assert "still failing after 3 attempts" in failed.error
    assert (delivered.target, delivered.delivered, delivered.status_code) == ("n8n", True, 200)


@pytest.mark.parametrize(("env", "message"), [
    ({"EXITLENS_NOTIFY_MAX_ATTEMPTS": "many"}, "EXITLENS_NOTIFY_MAX_ATTEMPTS must be a whole number"),
    ({"EXITLENS_NOTIFY_BACKOFF_SECONDS": "-1"}, "EXITLENS_NOTIFY_BACKOFF_SECONDS must be 0 or more"),
    ({"DISCORD_WEBHOOK_URL": f"discord.com/api/webhooks/1/{TOKEN}"},
     "DISCORD_WEBHOOK_URL must be an http"),
])
def test_config_from_environment_when_value_is_unusable_raises_config_error(env, message):
    with pytest.raises(ConfigError, match=message) as raised:
        DeliveryConfig.from_environment(Environment.from_mapping(env))
    assert TOKEN not in str(raised.value)


def test_config_from_environment_when_set_reads_every_variable():
    config = DeliveryConfig.from_environment(Environment.from_mapping({
        "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/1/t0k3n",
        "EXITLENS_PUBLIC_BASE_URL": "https://r.example.org",
        "EXITLENS_N8N_URL": "http://n8n:5678", "EXITLENS_N8N_WEBHOOK_SECRET": "s3cr3t",
        "EXITLENS_DISCORD_MAX_UPLOAD_BYTES": "8388608", "EXITLENS_NOTIFY_MAX_ATTEMPTS": "5",
        "EXITLENS_NOTIFY_BACKOFF_SECONDS": "0.5", "EXITLENS_NOTIFY_RETRY_AFTER_CAP_SECONDS": "10",
        "EXITLENS_NOTIFY_TIMEOUT_SECONDS": "3"}))

    assert config.targets == ("discord", "n8n")
    assert (config.max_upload_bytes, config.max_attempts, config.backoff_seconds,
            config.retry_after_cap_seconds, config.timeout_seconds) == (8388608, 5, 0.5, 10.0, 3.0)
    assert config.n8n_secret == "s3cr3t"


def test_run_announcement_when_kind_unknown_raises_config_error():
    with pytest.raises(ConfigError, match="kind must be one of daily, weekly, monthly"):
        RunAnnouncement(kind="yearly", period_label="2026")


@pytest.mark.parametrize(("run", "title"), [
    (RunAnnouncement(kind="weekly", days=30, period_label="2026-10-25 – 2026-11-23"), "30-day exit report 2026-10-25 – 2026-11-23"),
    (RunAnnouncement(kind="monthly", period_label="2026-11-01 – 2026-11-30", language="ko"),
     "월간 청산 리포트 2026-11-01 – 2026-11-30"),
])
def test_run_title_when_kind_length_and_language_given_names_them(run, title):
    assert run.title == title


def test_discord_embed_when_korean_has_korean_field_names_and_unchanged_numbers(daily_summary):
    english = build_discord_embed(daily_summary, DAILY)
    korean = build_discord_embed(daily_summary, RunAnnouncement(kind="daily", period_label="2026-11-23", language="ko"))

    assert [f["name"] for f in korean["fields"][:4]] == ["기간", "매도", "평가 가능", "승률"]
    assert korean["title"] == "일간 청산 리포트 2026-11-23"
    assert [f["value"] for f in korean["fields"][1:7]] == [f["value"] for f in english["fields"][1:7]]


def test_n8n_payload_when_korean_run_failed_says_so_in_korean_with_the_same_keys(daily_summary):
    failed = RunAnnouncement(kind="monthly", period_label="2026-11-01 – 2026-11-30", status="failed",
                             error="boom", language="ko")
    english = build_n8n_payload(daily_summary, MONTHLY, now=NOW)
    payload = build_n8n_payload(daily_summary, failed, now=NOW)

    assert payload["summary"] == "월간 리포트 실행 실패: boom"
    assert build_n8n_payload({**daily_summary, "month": "2026-11"}, MONTHLY, now=NOW)["month"] == "2026-11"
    assert payload["title"].endswith("(실패)")
    assert set(payload) - {"error"} == set(english)
    assert "period_days" not in payload


def test_discord_embed_names_the_best_supported_replay_change_with_its_interval(daily_summary):
    summary = {**daily_summary, "replay": {
        "rules": "rules.toml", "fill": "close", "replayable": 40, "not_replayable": 0, "fidelity": 0.97,
        "fidelity_samples": 35, "censored": 1, "sweep": [],
        "suggestions": [
            {"rule": "replay_stop_loss_pct", "parameter": "stop_loss_pct", "current": 3.0, "suggested": 4.5,
             "value": 0.41, "low": 0.05, "high": 0.8, "samples": 37},
            {"rule": "replay_take_profit_pct", "parameter": "take_profit_pct", "current": 5.0, "suggested": 7.5,
             "value": 0.6, "low": 0.02, "high": 1.2, "samples": 37}]}}
    embed = build_discord_message(summary, DAILY)["embeds"][0]
    field = next(f for f in embed["fields"] if f["name"] == "Exit replay")
    assert "stop_loss_pct 3.0 → 4.5" in field["value"] and "+0.05 to +0.80" in field["value"]
    assert "n=37" in field["value"]


def test_discord_embed_without_replay_has_no_replay_field(daily_summary):
    embed = build_discord_message(daily_summary, DAILY)["embeds"][0]
    assert all(f["name"] != "Exit replay" for f in embed["fields"])


HOSTILE_MARKDOWN = ["[click](http://127.0.0.1/x)", "*bold*", "_it_", "~~gone~~", "`code`", "||spoiler||",
                    "> quoted", "# heading", "- listed", "<:emoji:1>", "back\\slash*"]
_DISCORD_MARKUP = re.compile(r"[\\*_~`|>\[\]<#]")


def _shown_markup(text: str) -> list[str]:
    """The markdown characters Discord would interpret in `text` (escaped pairs removed)."""
    unescaped = re.sub(r"\\.", "", text)
    return _DISCORD_MARKUP.findall(unescaped) + re.findall(r"(?m)^\s*-", unescaped)


@pytest.mark.parametrize("hostile", HOSTILE_MARKDOWN)
def test_discord_embed_when_database_text_has_markdown_escapes_it_everywhere(daily_summary, hostile):
    summary = {**daily_summary, "headline": f"Exits {hostile}", "notes": [f"text id {hostile}"],
               "suggestions": [{"rule": "regime_review", "message": f"Review regime {hostile}"}]}
    embed = build_discord_message(summary, DAILY, now=NOW)["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    for shown in (embed["description"], fields["Notes"], fields["1. regime_review"]):
        assert _shown_markup(shown) == [], shown
        assert re.sub(r"\\(.)", r"\1", shown).count(hostile) == 1
    failed = RunAnnouncement(kind="daily", period_label="2026-11-23", status="failed",
                             error=f"KeyError: {hostile}")
    description = build_discord_message(summary, failed, now=NOW)["embeds"][0]["description"]
    assert _shown_markup(description) == []


def test_escape_markdown_when_text_is_plain_keeps_it():
    assert escape_markdown("BTC-KRW -1.23% (n=4): TP 5") == "BTC-KRW -1.23% (n=4): TP 5"
def test_discord_text_when_no_webhook_is_configured_says_which_variable_to_set():
    with pytest.raises(ConfigError, match="DISCORD_WEBHOOK_URL is not set"):
        send_discord_text(DeliveryConfig(), "job failed")


def test_payloads_when_now_has_no_timezone_refuse_it_instead_of_reading_utc(daily_summary):
    naive = datetime(2026, 11, 23, 22, 0)
    with pytest.raises(DataError, match="now 2026-11-23T22:00:00 has no timezone"):
        build_n8n_payload(daily_summary, DAILY, now=naive)
    with pytest.raises(DataError, match="has no timezone"):
        build_discord_message(daily_summary, DAILY, now=naive)


@pytest.mark.parametrize(("language", "name", "warning"), [
    ("en", "24h collection rate", "below the 95% goal"),
    ("ko", "24시간 수집률", "목표 95% 미달"),
])
def test_discord_collection_rate_when_below_goal_warns_in_the_run_language(daily_summary, language, name, warning):
    run = RunAnnouncement(kind="daily", period_label="2026-11-23", language=language)
    embed = build_discord_message({**daily_summary, "collection_rate_24h": 0.5}, run, now=NOW)["embeds"][0]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields[name].startswith("50.0%") and warning in fields[name]


@pytest.fixture
def hanging_webhook():
    """A server on 127.0.0.1 that reads each request and never answers; counts the requests."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    received, held, stop = [], [], threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            held.append(conn)
            conn.settimeout(2)
            try:
                if conn.recv(65536).startswith(b"POST"):
                    received.append(1)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/api/webhooks/1/{TOKEN}", received
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def test_discord_when_webhook_hangs_after_the_message_is_sent_posts_it_once(hanging_webhook, daily_summary, sleeps):
    url, received = hanging_webhook
    config = config_for(discord_webhook_url=url, timeout_seconds=0.3)

    with pytest.raises(DeliveryFailed, match=r"gave no answer after the message was sent \(ReadTimeout\): it may have "
                                             "arrived, so it is not sent again") as raised:
        send_discord(daily_summary, DAILY, config, now=NOW, sleep=sleeps)

    assert len(received) == 1 and sleeps == []
    assert TOKEN not in str(raised.value)


def test_discord_when_nothing_listens_retries_since_nothing_arrived(daily_summary, sleeps):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = config_for(discord_webhook_url=f"http://127.0.0.1:{port}/api/webhooks/1/{TOKEN}")

    with pytest.raises(DeliveryFailed, match=r"still failing after 3 attempts \(last: ConnectError"):
        send_discord(daily_summary, DAILY, config, now=NOW, sleep=sleeps)

    assert len(sleeps) == 2


def test_announce_when_a_target_fails_and_it_raises_names_the_failure_once(discord, n8n, daily_summary, sleeps,
                                                                           caplog):
    discord.respond((404, {}, {"message": "Unknown Webhook", "code": 10015}))
    config = config_for(discord, n8n_url=n8n.url(""), n8n_secret=N8N_SECRET)

    with caplog.at_level(logging.INFO), pytest.raises(DeliveryFailed) as raised:
        announce(daily_summary, DAILY, now=NOW, config=config, sleep=sleeps)

    told = caplog.text + str(raised.value)
    assert told.count("Unknown Webhook") == 1
