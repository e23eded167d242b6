"""Hostile and malformed inputs through the real CLI (track, summary, report): each ends with the
expected exit code and exactly one line on stderr, and changes neither the database file nor
the reports folder (checksums before and after)."""

from __future__ import annotations

import hashlib
import os
import re
import select
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

NOW = "2026-12-20T00:00:00+00:00"
RECENT = "'2026-12-19 00:00:00'"
"""A sell a routine (incremental) tracker run still looks at, as of NOW."""
"""Later than every demo sell's last horizon: after one settling run nothing is due."""

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


def _exitlens(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("EXITLENS_", "DISCORD_", "N8N_")) and k != "DATABASE_URL"} | (env or {})
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


def test_corpus_has_at_least_25_inputs_over_the_three_commands():
    assert len(CORPUS) >= 25
    assert {case[0][0] for case in CORPUS} == {"track", "summary", "report"}


_EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?!data:|#)[^"'\s>]+|@import|url\(\s*["']?(?!data:)|import\(""",
                       re.IGNORECASE)


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
    assert _EXTERNAL.findall(re.sub(r"/\*.*?\*/", "", page, flags=re.DOTALL)) == []
    assert "TP $5 / SL $3" in page and "mathjax" not in page.lower()


# --- round three: extreme values, secrets in URLs, stored-wrong values, layout and operations ---

SECRET_PASSWORD, SECRET_KEY = "PASSWORD-h0stile", "KEY-h0stile"
LLM_WITH_SECRETS = {"EXITLENS_LLM_BASE_URL": f"http://user:{SECRET_PASSWORD}@127.0.0.1:9/v1?api-key={SECRET_KEY}",
                    "EXITLENS_LLM_API_KEY": "sk-never-shown", "EXITLENS_LLM_MODEL": "m"}
WHOLE_HISTORY = "'2026-11-22 00:00:00'"
"""A sell with candles after it: a --full run looks at its points."""
ALL_CLOSES_AFTER_IT = "UPDATE market_data SET close_price = {close} WHERE \"timestamp\" >= '2026-11-22 00:00:00'"
ORDERS_HEADER = "symbol,side,price,quantity,fee,executed_at,exit_reason,signal_info"
ORDER = "KRW-BTC,BUY,100,1,,2026-11-20T00:00:00Z,,"
DEMO_ORDER = "(SELECT id FROM trading_history WHERE side = 'SELL' ORDER BY executed_at LIMIT 1)"
LAST_DEMO_SELL = "(SELECT id FROM trading_history WHERE side = 'SELL' ORDER BY executed_at DESC LIMIT 1)"
"""A sell inside the daily report of 2026-11-23 (Asia/Seoul)."""


def orders_csv(*lines: str, encoding: str = "utf-8") -> dict[str, bytes]:
    return {"orders.csv": "\n".join([ORDERS_HEADER, *lines, ""]).encode(encoding)}


IMPORT_ORDERS = ["import", "csv", "--orders", "{tmp}/orders.csv"]

ROUND_THREE = [
    # (case id, command line, SQL run first, files written first, environment, exit code, stderr line or None,
    #  texts that must appear nowhere in stdout or stderr)
    ("inf sell price", ["track", "--now", NOW], [row(price="9e999", at=RECENT)], {}, {}, WARNED,
     "hostile", []),
    ("1e-300 sell price, --full", ["track", "--now", NOW, "--full"], [row(price="1e-300", at=WHOLE_HISTORY)], {}, {},
     WARNED, "post-exit change would be beyond", []),
    ("1e308 candle closes, --full", ["track", "--now", NOW, "--full"],
     [row(at=WHOLE_HISTORY), ALL_CLOSES_AFTER_IT.format(close="1e308")], {}, {}, WARNED,
     "hostile", []),
    ("NaN text candle closes, --full", ["track", "--now", NOW, "--full"],
     [row(at=WHOLE_HISTORY), ALL_CLOSES_AFTER_IT.format(close="'NaN'")], {}, {}, WARNED, None, []),
    ("zero candle closes, --full", ["track", "--now", NOW, "--full"],
     [row(at=WHOLE_HISTORY), ALL_CLOSES_AFTER_IT.format(close="0")], {}, {}, WARNED, None, []),
    ("secret in an unparseable database URL", ["track", "--db", "postgresql://bob:s3cret-db@127.0.0.1:notaport/db"],
     [], {}, {}, REFUSED, "cannot parse database URL 'postgresql://127.0.0.1:notaport/…'", ["s3cret-db", "bob"]),
    ("secrets in the LLM base URL", ["summary", "daily", "--date", "2026-11-23"], [], {}, LLM_WITH_SECRETS, WARNED,
     "LLM briefing unavailable", [SECRET_PASSWORD, SECRET_KEY, "sk-never-shown"]),
    ("escape sequences in an exit reason", ["summary", "daily", "--date", "2026-11-23"],
     [f"UPDATE trading_history SET exit_reason = 'TP' || char(27) || '[2J' || char(8238) || 'x' WHERE id = {LAST_DEMO_SELL}"],
     {}, {}, WARNED, None, ["\x1b", "\u202e"]),
    ("fee 'abc' in the database", ["summary", "daily", "--date", "2026-11-23"],
     [f"UPDATE trading_history SET fee = 'abc' WHERE id = {DEMO_ORDER}"], {}, {}, WARNED, "fee 'abc' is not a number", []),
    ("rules time limit of 2,000,000 hours", ["replay", "--date", "2026-11-23", "--rules", "{tmp}/rules.toml"],
     [], {"rules.toml": b"[default]\ntime_limit_hours = 2000000\n"}, {}, REFUSED,
     "[default] time_limit_hours must be at most 87,600", []),
    ("empty --out", ["report", "daily", "--date", "2026-11-23", "--out", ""], [], {}, {}, USAGE, "is empty", []),
    ("dangling symlink as --out", ["report", "daily", "--date", "2026-11-23", "--out", "{tmp}/gone"], [], {}, {}, USAGE,
     "which does not exist", []),
    ("NaN in signal_info", IMPORT_ORDERS, [], orders_csv(ORDER + '"{""entry_avg_price"": NaN}"'), {}, REFUSED,
     "orders.csv line 2: signal_info", []),
    ("NUL byte in a cell", IMPORT_ORDERS, [], orders_csv(ORDER.replace(",,", ",TP\0,") + "x"), {}, REFUSED,
     "orders.csv line 2: contains a NUL byte", []),
    ("Latin-1 file", IMPORT_ORDERS, [], orders_csv(ORDER.replace(",,", ",Café,"), encoding="latin-1"), {}, REFUSED,
     "orders.csv line 2: not UTF-8 text", []),
    ("cell over 128 KiB", IMPORT_ORDERS, [], orders_csv(ORDER.replace(",,", "," + "x" * 140_000 + ",")), {}, REFUSED,
     "orders.csv line 2: a cell is larger than 128 KiB", []),
    ("price 1e308", IMPORT_ORDERS, [], orders_csv(ORDER.replace(",100,", ",1e308,")), {}, REFUSED,
     "orders.csv line 2: price '1e308' is larger than the database holds", []),
    ("price 1e-18", IMPORT_ORDERS, [], orders_csv(ORDER.replace(",100,", ",1e-18,")), {}, REFUSED,
     "orders.csv line 2: price '1e-18' would be stored as 0", []),
    ("id of another stored order", ["import", "csv", "--orders", "{tmp}/orders.csv"],
     ["UPDATE trading_history SET id = '0f0e0d0c-0b0a-4909-8807-060504030201' WHERE id = " + DEMO_ORDER],
     {"orders.csv": b"id,symbol,side,price,quantity,executed_at\n"
                    b"0f0e0d0c-0b0a-4909-8807-060504030201,KRW-ETH,BUY,1,1,2026-11-20T00:00:00Z\n"}, {}, REFUSED,
     "orders.csv line 2: id 0f0e0d0c-0b0a-4909-8807-060504030201 is already stored as a different order", []),
    ("candle stored with another close", ["import", "csv", "--candles", "{tmp}/candles.csv"], [],
     {"candles.csv": b"symbol,timestamp,close_price\nKRW-BTC,2026-11-22T00:00:00Z,1\n"}, {}, REFUSED,
     "is already stored with another close_price", []),
]


@pytest.mark.parametrize(("case", "args", "setup", "files", "env", "code", "says", "never"), ROUND_THREE,
                         ids=[case[0] for case in ROUND_THREE])
def test_cli_when_round_three_input_is_hostile_answers_in_one_line_and_changes_nothing(
        settled_database, tmp_path, case, args, setup, files, env, code, says, never):
    database = tmp_path / "exitlens.db"
    shutil.copy(settled_database, database)
    with sqlite3.connect(database) as conn:
        for statement in setup:
            conn.execute(statement)
    conn.close()
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    reports = tmp_path / "reports"
    reports.mkdir()
    before = (_checksum(database), _checksum(reports))
    command = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    command += [] if "--db" in args else ["--db", f"sqlite:///{database}"]
    command += ["--out", str(reports)] if args[0] == "report" and "--out" not in args else []

    done = _exitlens(*command, cwd=tmp_path, env=env)

    assert done.returncode == code, done.stderr
    if says is None:
        assert done.stderr == "", done.stderr
    else:
        assert len(done.stderr.splitlines()) == 1 and says in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
    assert not [text for text in never if text in done.stdout + done.stderr]
    assert (_checksum(database), _checksum(reports)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"exitlens.db", "reports", "gone", *files})


def test_report_when_llm_url_has_secrets_and_an_exit_reason_is_hostile_publishes_clean_everywhere(
        settled_database, tmp_path, make_server):
    database = tmp_path / "exitlens.db"
    shutil.copy(settled_database, database)
    hostile = "TP 🚀\x00\u202e" + "w" * 105_000
    with sqlite3.connect(database) as conn:
        conn.execute(f"UPDATE trading_history SET exit_reason = ? WHERE id = {LAST_DEMO_SELL}", (hostile,))
    conn.close()
    discord, n8n = make_server(), make_server()
    env = LLM_WITH_SECRETS | {"DISCORD_WEBHOOK_URL": discord.url("/api/webhooks/1/t0ken-h0stile"),
                              "EXITLENS_N8N_URL": n8n.url("/webhook/exitlens"),
                              "EXITLENS_N8N_WEBHOOK_SECRET": "n8n-s3cret-h0stile"}

    done = _exitlens("report", "daily", "--date", "2026-11-23", "--notify", "--db", f"sqlite:///{database}",
                     "--out", str(tmp_path / "reports"), cwd=tmp_path, env=env)

    assert done.returncode == 0, done.stderr
    sent = [request.body for request in discord.requests + n8n.requests]
    published = [path.read_bytes() for path in (tmp_path / "reports").rglob("*") if path.is_file()]
    everything = b"".join([done.stdout.encode(), done.stderr.encode(), *sent, *published])
    assert b"LLM briefing unavailable (request to http://127.0.0.1:9/\xe2\x80\xa6 failed" in everything
    for secret in (SECRET_PASSWORD, SECRET_KEY, "sk-never-shown", "t0ken-h0stile", "n8n-s3cret-h0stile"):
        assert secret.encode() not in everything, secret
    assert len(discord.requests) == 1 and len(n8n.requests) == 1
    page = (tmp_path / "reports" / "daily" / "2026-11-23" / "report.html").read_text(encoding="utf-8")
    assert "\x00" not in page and "\u202e" not in page and "w" * 1000 not in page
    assert "Warning" not in page and str(Path(sys.executable).parent) not in page
    pdf = (tmp_path / "reports" / "daily" / "2026-11-23" / "report.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) < 20


def test_schedule_when_a_second_one_starts_on_the_same_database_it_exits_in_one_line(settled_database, tmp_path):
    database = tmp_path / "exitlens.db"
    shutil.copy(settled_database, database)
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("EXITLENS_", "DISCORD_", "N8N_")) and k != "DATABASE_URL"}
    environment["EXITLENS_TRACKER_CRON"] = "0 0 1 1 *"  # nothing runs while the test looks
    first = subprocess.Popen([sys.executable, "-m", "exitlens.cli", "schedule", "--metrics-port", "0", "--db",
                              f"sqlite:///{database}", "--out", str(tmp_path / "reports")],
                             cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([first.stdout], [], [], 60)
        announced = first.stdout.readline() if ready else "(nothing announced within 60 s)"
        assert re.fullmatch(r"serving metrics on http://127\.0\.0\.1:\d+/metrics\n", announced), announced

        second = _exitlens("schedule", "--metrics-port", "0", "--db", f"sqlite:///{database}", cwd=tmp_path,
                           env={"EXITLENS_TRACKER_CRON": "0 0 1 1 *"})
    finally:
        first.terminate()
        first.communicate(timeout=30)

    assert second.returncode == REFUSED
    assert second.stderr.splitlines() == [f"exitlens: error: another exitlens schedule is already running on {database}: "
                                          "run one scheduler per database file (stop the other one first)"]
    assert first.returncode == 0


@pytest.mark.postgres
@pytest.mark.parametrize(("price", "says"), [("1e308", "price '1e308' is larger than the database holds"),
                                             ("1e-18", "price '1e-18' would be stored as 0")])
def test_import_csv_on_postgresql_when_a_price_does_not_fit_refuses_it_and_stores_nothing(postgres_url, tmp_path,
                                                                                          price, says):
    import sqlalchemy as sa

    (tmp_path / "orders.csv").write_bytes(orders_csv(ORDER.replace(",100,", f",{price},"))["orders.csv"])
    assert _exitlens("migrate", "--db", postgres_url, cwd=tmp_path).returncode == 0

    done = _exitlens("import", "csv", "--orders", str(tmp_path / "orders.csv"), "--db", postgres_url, cwd=tmp_path)

    assert done.returncode == REFUSED and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"exitlens: error: orders.csv line 2: {says}"), done.stderr
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM trading_history")).scalar_one() == 0
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("full", [False, True])
def test_track_on_postgresql_when_a_change_would_be_absurd_warns_once_naming_the_sell_and_tracks_the_rest(
        postgres_url, tmp_path, full):
    import sqlalchemy as sa

    done = _exitlens("demo", "--days", "3", "--end", "2026-11-23T15:00:00+00:00", "--db", postgres_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text(row(price="0.00000001", at="'2026-11-22 00:00:00+00'").replace("'hostile'",
                                                                                           "gen_random_uuid()")))
        conn.execute(sa.text("UPDATE market_data SET close_price = 999999999999 WHERE symbol = 'KRW-BTC' "
                             "AND \"timestamp\" BETWEEN '2026-11-22 00:55:00+00' AND '2026-11-22 01:05:00+00'"))
        hostile = conn.execute(sa.text("SELECT CAST(id AS text) FROM trading_history WHERE price = 0.00000001")).scalar_one()

    done = _exitlens("track", "--now", NOW, *(["--full"] if full else []), "--db", postgres_url, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert len(done.stderr.splitlines()) == 1 and hostile in done.stderr and "beyond" in done.stderr, done.stderr
    with engine.connect() as conn:
        points = conn.execute(sa.text("SELECT post_exit_prices FROM trading_history WHERE CAST(id AS text) = :id"),
                              {"id": hostile}).scalar_one()
        tracked = conn.execute(sa.text("SELECT count(*) FROM trading_history WHERE post_exit_prices IS NOT NULL "
                                       "AND side = 'SELL'")).scalar_one()
    engine.dispose()
    assert "1h" not in (points or {}) and tracked > 0
