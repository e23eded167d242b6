"""Hostile and malformed inputs through the real CLI (track, summary, report): each ends with the
expected exit code and exactly one line on stderr, and changes neither the database file nor
the reports folder (checksums before and after)."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from html_checks import external_references

NOW = "2026-12-20T00:00:00+00:00"
"""Later than every demo sell's last horizon: after one settling run nothing is due."""
RECENT = "'2026-12-19 00:00:00'"
"""A sell a routine (incremental) tracker run still looks at, as of NOW."""

_ROW = ("INSERT INTO trading_history (id, symbol, side, order_type, price, quantity, status, created_at, "
        "executed_at, post_exit_prices, signal_info, exit_reason, regime) VALUES "
        "('hostile', 'KRW-BTC', 'SELL', 'MARKET', {price}, 1, 'FILLED', {at}, {at}, {points}, {info}, {reason}, "
        "{regime})")


def row(price="100", at="'2026-11-20 00:00:00'", points="NULL", info="NULL", reason="'TAKE_PROFIT'",
        regime="'BULL'") -> str:
    return _ROW.format(price=price, at=at, points=points, info=info, reason=reason, regime=regime)


REFUSED, USAGE, WARNED = 1, 2, 0

CORPUS = [
    # (command line, a hostile row to add first or None, exit code, what stderr says)
    (["track", "--now", "yesterday"], None, REFUSED, "is not an ISO-8601 time"),
    (["track", "--now", "2026-11-25T00:00:00"], None, REFUSED, "has no timezone"),
    (["track", "--now", "9999-12-31T00:00:00+00:00"], None, REFUSED, "out of range"),
    (["track", "--now", "1000-01-01T00:00:00+00:00"], None, REFUSED, "out of range"),
    (["track", "--db", "postgresql://u:p@[::1:5432/x"], None, REFUSED, "cannot parse database URL"),
    (["track", "--db", "mysql://a@b/c"], None, REFUSED, "unsupported database"),
    (["track", "--db", "notaurl"], None, REFUSED, "no database at"),
    (["track", "--db", "sqlite:////nonexistent/exitlens.db"], None, REFUSED, "no database at"),
    (["track", "--now", NOW], row(price="'abc'", at=RECENT), WARNED, "whose price is not a positive number"),
    (["track", "--now", NOW], row(price="-5", at=RECENT), WARNED, "whose price is not a positive number"),
    (["track", "--now", NOW], row(points="'[1, 2]'", at=RECENT), WARNED, "not a JSON object"),
    (["track", "--now", NOW], row(points="'not json{'", at=RECENT), WARNED, "not a JSON object"),
    (["track", "--now", NOW], row(at="'9999-12-31 00:00:00'"), WARNED, "cannot be placed in time"),
    (["summary", "yearly"], None, USAGE, "is not one of 'daily', 'weekly'"),
    (["summary", "daily", "--date", "2026-13-45"], None, REFUSED, "is not a date"),
    (["summary", "daily", "--date", "9999-12-31"], None, REFUSED, "out of range"),
    (["summary", "weekly", "--days", "0"], None, USAGE, "not in the range"),
    (["summary", "weekly", "--days", "99999999"], None, USAGE, "not in the range"),
    (["summary", "weekly", "--end", "9999-12-31T00:00:00+00:00"], None, REFUSED, "out of range"),
    (["summary", "daily", "--tz", "Mars/Base"], None, REFUSED, "unknown timezone"),
    (["summary", "daily", "--days", "3"], None, REFUSED, "apply to weekly reports"),
    (["summary", "daily", "--date", "2026-11-23"], row(at="'9999-12-31 00:00:00'"), WARNED, "out of range"),
    (["summary", "daily", "--date", "2026-11-23"], row(at="'not a time'"), WARNED, "unreadable or out of range"),
    (["summary", "daily", "--date", "2026-11-23"], row(info="'{broken'"), WARNED, "signal_info"),
    (["report", "daily", "-p", "as_of=123"], None, REFUSED, "parameter 'as_of' is 123"),
    (["report", "daily", "-p", "colour=blue"], None, REFUSED, "unknown parameter"),
    (["report", "daily", "-p", "bogus"], None, REFUSED, "is not NAME=VALUE"),
    (["report", "daily", "--formats", "docx"], None, REFUSED, "unknown report format"),
    (["report", "daily", "-p", "end=2026-11-20"], None, REFUSED, "end is the period: set it with --date"),
    (["report", "daily", "-p", "timezone=7"], None, REFUSED, "parameter 'timezone' is 7"),
    (["report", "daily", "-p", "min_samples=true"], None, REFUSED, "parameter 'min_samples' is True"),
    (["report", "weekly", "--date", "2026-11-23"], None, REFUSED, "--date applies to daily reports"),
    (["report", "daily", "--date", "9999-12-31"], None, REFUSED, "out of range"),
    (["report", "daily", "--db", "sqlite:////nonexistent/exitlens.db"], None, REFUSED, "no database at"),
]


@pytest.fixture(scope="module")
def settled_database(tmp_path_factory) -> Path:
    """The demo database after one tracker run at NOW: nothing further is due."""
    folder = tmp_path_factory.mktemp("corpus")
    database = folder / "exitlens.db"
    done = _exitlens("demo", "--days", "3", "--end", "2026-11-23T15:00:00+00:00", "--db", f"sqlite:///{database}",
                     cwd=folder)
    assert done.returncode == 0, done.stderr
    done = _exitlens("track", "--now", NOW, "--db", f"sqlite:///{database}", cwd=folder)
    assert done.returncode == 0, done.stderr
    return database


def _exitlens(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("EXITLENS_", "DISCORD_", "N8N_")) and k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "exitlens.cli", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=300)


def _checksum(path: Path) -> str:
    digest = hashlib.sha256()
    for item in sorted(path.rglob("*")) if path.is_dir() else [path]:
        digest.update(str(item.relative_to(path.parent)).encode())
        if item.is_file():
            digest.update(item.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize(("args", "hostile_row", "code", "says"), CORPUS,
                         ids=[" ".join(case[0])[:60] + (" +row" if case[1] else "") for case in CORPUS])
def test_cli_when_input_is_hostile_answers_in_one_line_and_changes_nothing(settled_database, tmp_path, args,
                                                                            hostile_row, code, says):
    database = tmp_path / "exitlens.db"
    shutil.copy(settled_database, database)
    if hostile_row:
        with sqlite3.connect(database) as conn:
            conn.execute(hostile_row)
        conn.close()
    reports = tmp_path / "reports"
    reports.mkdir()
    before = (_checksum(database), _checksum(reports))
    command = [*args] if "--db" in args else [*args, "--db", f"sqlite:///{database}"]
    if args[0] == "report":
        command += ["--out", str(reports)]

    done = _exitlens(*command, cwd=tmp_path)

    assert done.returncode == code, done.stderr
    assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
    assert (_checksum(database), _checksum(reports)) == before


def test_report_when_exit_reasons_have_dollars_succeeds_self_contained_and_literal(settled_database, tmp_path):
    database = tmp_path / "exitlens.db"
    shutil.copy(settled_database, database)
    with sqlite3.connect(database) as conn:
        conn.execute("UPDATE trading_history SET exit_reason = CASE WHEN rowid % 2 = 0 THEN '$\\foo{$' "
                     "ELSE 'TP $5 / SL $3' END WHERE side = 'SELL'")
    conn.close()

    done = _exitlens("report", "daily", "--date", "2026-11-23", "--formats", "html", "--db", f"sqlite:///{database}",
                     "--out", str(tmp_path / "reports"), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    page = (tmp_path / "reports" / "daily" / "2026-11-23" / "report.html").read_text()
    assert external_references(page) == []
    assert "TP $5 / SL $3" in page and "mathjax" not in page.lower()
