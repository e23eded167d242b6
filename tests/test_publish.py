"""A report end to end: database → summary → notebook → HTML/PDF → archive → Discord."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import nbformat
import pandas as pd
import pytest

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, DataError, DeliveryFailed, ReportFailed
from exitlens.core.filters import ReportFilter
from exitlens.core.settings import Settings
from exitlens.delivery.notify import DeliveryConfig
from exitlens.ops import publish
from exitlens.ops.publish import ReportRequest, publish_report
from exitlens.store import db, migrations
from exitlens.store import writes as store
from pdf_text import pdf_text

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
HOSTILE_REASON = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def small_history(tmp_path_factory):
    """A SQLite database with a day of sells, one with a hostile exit reason."""
    folder = tmp_path_factory.mktemp("publish")
    url = f"sqlite:///{folder / 'bot.db'}"
    engine = db.connect(url, create=True)
    migrations.migrate(engine)
    day = pd.Timestamp("2026-11-23 01:00", tz="UTC")
    rows = []
    for n, reason in enumerate(["TAKE_PROFIT", "STOP_LOSS", HOSTILE_REASON]):
        bought, sold = day + pd.Timedelta(hours=2 * n), day + pd.Timedelta(hours=2 * n + 1)
        rows += [
            {"symbol": "KRW-BTC", "side": "BUY", "order_type": "MARKET", "price": 90_000_000.0, "quantity": 0.01,
             "fee": 450.0, "status": "FILLED", "created_at": bought, "executed_at": bought, "regime": "BULL"},
            {"symbol": "KRW-BTC", "side": "SELL", "order_type": "MARKET", "price": 93_141_592.0, "quantity": 0.01,
             "fee": 465.0, "status": "FILLED", "created_at": sold, "executed_at": sold, "regime": "BULL",
             "exit_reason": reason, "post_exit_prices": {"1h": {"price": 93_000_000.0, "change_pct": -0.152}}},
        ]
    store.insert_orders(engine, pd.DataFrame(rows))
    engine.dispose()
    return folder, url


def test_publish_daily_writes_run_folder_whose_summary_equals_the_summary_command(small_history):
    folder, url = small_history
    out = folder / "reports"

    run = publish_report(ReportRequest(kind="daily", db_url=url, out_dir=out, settings=Settings(), now=NOW,
                         day=pd.Timestamp("2026-11-23").date()))

    assert run.run_dir == out / "daily" / "2026-11-23"
    assert {p.name for p in run.run_dir.iterdir()} == {"report.ipynb", "report.html", "report.pdf", "summary.json", "status.json"}
    printed = subprocess.run(
        [sys.executable, "-m", "exitlens.cli", "summary", "daily", "--db", url, "--date", "2026-11-23", "--json",
         "--now", NOW.isoformat()],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(run.summary.read_text()) == json.loads(printed.stdout)
    # one now: the run's as_of is --now itself, not the period's end (SPEC §6)
    status = json.loads((run.run_dir / "status.json").read_text())
    assert pd.Timestamp(status["parameters"]["as_of"]) == pd.Timestamp(NOW)

    html = run.html.read_text().lower()
    assert HOSTILE_REASON not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert HOSTILE_REASON not in (out / "index.html").read_text().lower()
    assert "3.49" in pdf_text(run.pdf.read_bytes())  # the average PnL %, as text in the PDF


def test_publish_when_notebook_fails_keeps_it_and_announces_failure(small_history, make_server, monkeypatch, tmp_path):
    folder, url = small_history
    failing = nbformat.read(publish.NOTEBOOKS["daily"], as_version=4)
    failing.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("boom in the notebook")'))
    nbformat.write(failing, tmp_path / "failing.ipynb")
    monkeypatch.setitem(publish.NOTEBOOKS, "daily", tmp_path / "failing.ipynb")
    discord = make_server()
    monkeypatch.setenv("DISCORD_WEBHOOK_URL", discord.url("/api/webhooks/1/secret-token"))

    with pytest.raises(ReportFailed, match="daily report 2026-11-23 failed: RuntimeError: boom in the notebook"):
        publish_report(ReportRequest(kind="daily", db_url=url, out_dir=folder / "failing", settings=Settings(), now=NOW,
                       day=pd.Timestamp("2026-11-23").date(), formats="html", delivery=DeliveryConfig.from_environment(Environment.from_mapping(os.environ))))

    run_dir = folder / "failing" / "daily" / "2026-11-23"
    assert json.loads((run_dir / "status.json").read_text())["status"] == "failed"
    assert "boom in the notebook" in (run_dir / "report.ipynb").read_text()
    assert "failed" in (folder / "failing" / "index.html").read_text()
    [message] = discord.requests
    assert "failed" in json.dumps(message.discord_message()).lower()


def test_report_command_when_parameter_unknown_fails_before_running(small_history):
    folder, url = small_history
    done = subprocess.run(
        [sys.executable, "-m", "exitlens.cli", "report", "daily", "--db", url, "--date", "2026-11-23",
         "--out", str(folder / "unknown"), "-p", "colour=blue"],
        capture_output=True, text=True,
    )
    assert done.returncode == 1
    assert "colour" in done.stderr and "Traceback" not in done.stderr
    assert not (folder / "unknown" / "daily").exists()


def test_publish_when_setting_parameter_given_applies_it_to_the_summary_too(small_history):
    folder, url = small_history

    run = publish_report(ReportRequest(kind="daily", db_url=url, out_dir=folder / "min1", settings=Settings(), now=NOW,
                         day=pd.Timestamp("2026-11-23").date(), formats="html",
                         extra_parameters={"min_samples": 1}))

    rules = {s["rule"] for s in json.loads(run.summary.read_text())["suggestions"]}
    assert rules == {"hold"}  # 3 evaluable sells ≥ min_samples 1 (with 20: no suggestion at all)
    assert "min_samples = 1" in run.notebook.read_text()
    assert ">hold</td>" in run.html.read_text()


@pytest.mark.parametrize("name", ["report_date", "end", "days"])
def test_publish_when_period_given_as_parameter_refuses(small_history, name):
    folder, url = small_history
    with pytest.raises(ConfigError, match=f"{name} is the period: set it with --date .* not with -p"):
        publish_report(ReportRequest(kind="daily", db_url=url, out_dir=folder / "refused", settings=Settings(), now=NOW,
                       extra_parameters={name: "2026-11-20"}))
    assert not (folder / "refused").exists()


def test_publish_when_as_of_parameter_naive_refuses_before_running(small_history):
    folder, url = small_history
    with pytest.raises(ConfigError, match="parameter 'as_of' is '2026-11-23T10:00:00': it must be an ISO time with an offset"):
        publish_report(ReportRequest(kind="daily", db_url=url, out_dir=folder / "as_of", settings=Settings(), now=NOW,
                       extra_parameters={"as_of": "2026-11-23T10:00:00"}))
    assert not (folder / "as_of").exists()


def test_publish_when_webhook_rejects_says_the_report_is_written(small_history, make_server, monkeypatch):
    folder, url = small_history
    discord = make_server()
    discord.respond((404, {}, {"message": "Unknown Webhook", "code": 10015}))
    monkeypatch.setenv("DISCORD_WEBHOOK_URL", discord.url("/api/webhooks/1/secret-token"))

    with pytest.raises(DeliveryFailed, match="the report itself is written") as failed:
        publish_report(ReportRequest(kind="daily", db_url=url, out_dir=folder / "rejected", settings=Settings(), now=NOW,
                       day=pd.Timestamp("2026-11-23").date(), formats="html", delivery=DeliveryConfig.from_environment(Environment.from_mapping(os.environ))))

    assert "secret-token" not in str(failed.value)
    assert (folder / "rejected" / "daily" / "2026-11-23" / "report.html").exists()


def test_publish_when_now_naive_refuses(small_history):
    folder, url = small_history
    with pytest.raises(DataError, match="has no timezone"):
        publish_report(ReportRequest(kind="daily", db_url=url, out_dir=folder / "naive", settings=Settings(),
                       now=datetime(2026, 11, 23, 15, 0)))


@pytest.mark.parametrize(("parameter", "says"), [
    ("as_of=123", "parameter 'as_of' is 123: it must be an ISO time with an offset"),
    ("as_of=yesterday", "parameter 'as_of' is 'yesterday'"),
    ("min_samples=true", "parameter 'min_samples' is True"),
    ("timezone=7", "parameter 'timezone' is 7"),
    ("regime_early_exit_rate=\"high\"", "parameter 'regime_early_exit_rate' is 'high'"),
])
def test_report_command_when_parameter_value_is_wrong_fails_in_one_line_writing_nothing(small_history, parameter,
                                                                                        says):
    folder, url = small_history
    done = subprocess.run(
        [sys.executable, "-m", "exitlens.cli", "report", "daily", "--db", url, "--date", "2026-11-23",
         "--out", str(folder / "typed"), "--formats", "html", "-p", parameter],
        capture_output=True, text=True,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
    assert not (folder / "typed").exists()


def test_publish_monthly_when_korean_and_filtered_writes_korean_pdf_and_filtered_summary(small_history):
    folder, url = small_history
    out = folder / "reports-ko"
    settings = Settings(language="ko")

    run = publish_report(ReportRequest(kind="monthly", db_url=url, out_dir=out, settings=settings, now=NOW,
                                       month=(2026, 11), filters=ReportFilter(exit_reasons=["TAKE_PROFIT"])))

    summary = json.loads(run.summary.read_text())
    assert run.run_dir == out / "monthly" / "2026-11-01_2026-11-30"
    assert (summary["kind"], summary["month"], summary["overall"]["count"]) == ("monthly", "2026-11", 1)
    assert summary["filters"]["exit_reasons"] == ["TAKE_PROFIT"]
    printed = subprocess.run(
        [sys.executable, "-m", "exitlens.cli", "summary", "monthly", "--db", url, "--month", "2026-11",
         "--exit-reasons", "TAKE_PROFIT", "--lang", "ko", "--now", NOW.isoformat(), "--json"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(printed.stdout) == summary
    text = " ".join(pdf_text(run.pdf.read_bytes()).split())  # Chromium sets each word apart
    assert "월간 청산 리포트 2026-11" in text
    assert "청산 사유별" in text
    assert "필터: 청산 사유 TAKE_PROFIT" in run.html.read_text()
    assert "monthly/2026-11-01_2026-11-30/report.html" in (out / "index.html").read_text()
