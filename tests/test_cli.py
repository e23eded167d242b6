"""The `exitlens` command as a user runs it: one JSON object on stdout, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

DEMO_END = "2026-11-23T15:00:00+00:00"


def exitlens(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DATABASE_URL", "DATABASE_URL")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "exitlens.cli", *args], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """A working directory whose embedded database holds a short demo history."""
    folder = tmp_path_factory.mktemp("cli")
    done = exitlens("demo", "--days", "3", "--end", DEMO_END, cwd=folder)
    assert done.returncode == 0, done.stderr
    return folder


def test_demo_builds_the_embedded_database_under_the_working_directory(demo_dir):
    assert (demo_dir / "data" / "exitlens.db").exists()


def test_demo_when_database_has_orders_refuses_and_changes_nothing(demo_dir):
    before = (demo_dir / "data" / "exitlens.db").read_bytes()
    done = exitlens("demo", "--days", "3", cwd=demo_dir)
    assert done.returncode == 1
    assert "only fills an empty database" in done.stderr
    assert (demo_dir / "data" / "exitlens.db").read_bytes() == before


def test_demo_with_same_seed_and_end_builds_identical_data(tmp_path):
    import sqlite3

    dumps = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        assert exitlens("demo", "--days", "1", "--seed", "11", "--end", DEMO_END, cwd=folder).returncode == 0
        with closing(sqlite3.connect(folder / "data" / "exitlens.db")) as conn, conn:
            dumps.append(list(conn.execute("SELECT * FROM trading_history ORDER BY id")))
    assert dumps[0] == dumps[1] and dumps[0]


def test_track_json_then_again_reports_nothing_new(demo_dir):
    first = exitlens("track", "--now", DEMO_END, "--json", cwd=demo_dir)
    second = exitlens("track", "--now", DEMO_END, "--json", cwd=demo_dir)

    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert set(counts) == {"orders_scanned", "orders_updated", "points_tracked", "points_missed", "points_expired", "rows_invalid"}
    assert counts["points_tracked"] > 0
    assert json.loads(second.stdout)["points_tracked"] == 0


def test_track_full_when_an_old_point_was_lost_records_it_where_a_routine_run_does_not(tmp_path):
    import sqlite3

    assert exitlens("demo", "--days", "5", "--end", DEMO_END, cwd=tmp_path).returncode == 0
    assert exitlens("track", "--now", DEMO_END, cwd=tmp_path).returncode == 0
    database = tmp_path / "data" / "exitlens.db"
    with closing(sqlite3.connect(database)) as conn, conn:  # the oldest sell, days before what a routine
        conn.execute("UPDATE trading_history SET post_exit_prices = json_remove(post_exit_prices, '$.1h') "  # run
                     "WHERE id = (SELECT id FROM trading_history WHERE side = 'SELL' ORDER BY executed_at LIMIT 1)")

    routine = exitlens("track", "--now", DEMO_END, "--json", cwd=tmp_path)
    other_interval = exitlens("track", "--now", DEMO_END, "--full", "--candle-interval", "5m",
                              "--tolerance-minutes", "2", "--json", cwd=tmp_path)
    full = exitlens("track", "--now", DEMO_END, "--full", "--json", cwd=tmp_path)

    assert json.loads(routine.stdout)["points_tracked"] == 0, routine.stderr
    assert json.loads(other_interval.stdout)["points_tracked"] == 0, other_interval.stderr  # no 5m candles
    assert json.loads(full.stdout)["points_tracked"] == 1, full.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("track", "--tolerance-minutes", "-1"), "candle tolerance -1.0 must be a positive number of minutes"),
    (("track", "--now", "2026-11-23T15:00"), "has no timezone"),
    (("track", "--now", "yesterday"), "is not an ISO-8601 time"),
    (("track", "--db", "postgresql://bot:hunter2@127.0.0.1:1/coinpilot"), "could not connect"),
    (("track", "--db", "sqlite:///nowhere/exitlens.db"), "no database at"),
    (("migrate", "--db", "mysql://u:p@h/d"), "unsupported database"),
    (("frobnicate",), "No such command 'frobnicate'"),
    (("track", "--bogus"), "No such option"),
    (("summary", "yearly"), "'yearly' is not one of 'daily', 'weekly', 'monthly'"),
    (("summary", "monthly", "--month", "2026-13"), "--month '2026-13' is not a month: use YYYY-MM"),
    (("summary", "monthly", "--date", "2026-11-01"), "use --month YYYY-MM"),
    (("summary", "daily", "--lang", "fr"), "'fr' is not one of 'en', 'ko'"),
    (("summary", "weekly", "--days", "0"), "0 is not in the range 1<=x<=36500"),
    (("summary", "--json"), "Missing argument"),
])
def test_command_when_input_bad_prints_one_line_and_fails(tmp_path, args, message):
    done = exitlens(*args, cwd=tmp_path)

    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "hunter2" not in done.stderr


def test_track_when_tables_missing_says_to_migrate(tmp_path):
    import sqlite3

    (tmp_path / "data").mkdir()
    sqlite3.connect(tmp_path / "data" / "exitlens.db").close()
    done = exitlens("track", cwd=tmp_path)
    assert done.returncode == 1
    assert "run `exitlens migrate`" in done.stderr


def test_database_url_from_environment_is_used(tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    done = exitlens("migrate", cwd=tmp_path, env={"EXITLENS_DATABASE_URL": url})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env.db").exists()


def test_demo_when_end_malformed_creates_no_database(tmp_path):
    done = exitlens("demo", "--end", "garbage", cwd=tmp_path)

    assert done.returncode == 1 and "is not an ISO-8601 time" in done.stderr
    assert not (tmp_path / "data").exists()


def test_demo_when_only_candles_present_refuses_and_writes_nothing(tmp_path):
    import sqlite3

    url = f"sqlite:///{tmp_path / 'candles.db'}"
    assert exitlens("migrate", "--db", url, cwd=tmp_path).returncode == 0
    with closing(sqlite3.connect(tmp_path / "candles.db")) as conn, conn:
        conn.execute("INSERT INTO market_data (symbol, interval, open_price, high_price, low_price, close_price, "
                     "\"timestamp\") VALUES ('KRW-BTC', '1m', 1, 1, 1, 1, '2026-11-23 00:00:00.000000')")

    done = exitlens("demo", "--db", url, "--days", "1", cwd=tmp_path)

    assert done.returncode == 1 and "rows in market_data" in done.stderr
    with closing(sqlite3.connect(tmp_path / "candles.db")) as conn, conn:
        assert conn.execute("SELECT count(*) FROM trading_history").fetchone() == (0,)


def test_command_when_output_folder_impossible_prints_one_line(demo_dir):
    done = exitlens("report", "daily", "--out", "/dev/null/reports", "--formats", "html", cwd=demo_dir)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["exitlens: error: Not a directory: /dev/null/reports/daily"]


def test_verbose_option_after_the_command_name_logs_details(demo_dir):
    done = exitlens("track", "-v", "--now", DEMO_END, cwd=demo_dir)

    assert done.returncode == 0
    assert "INFO exitlens.store.tracker" in done.stderr


def test_exitlens_without_a_command_prints_help_and_succeeds(tmp_path):
    done = exitlens(cwd=tmp_path)
    assert done.returncode == 0
    assert "track" in done.stdout and "Usage:" in done.stdout and not done.stderr


def test_track_when_pushgateway_set_pushes_the_tracker_counters(demo_dir, make_server):
    gateway = make_server()
    done = exitlens("track", "--now", DEMO_END, cwd=demo_dir, env={"EXITLENS_PUSHGATEWAY_URL": gateway.url("")})

    assert done.returncode == 0, done.stderr
    [push] = gateway.requests
    assert (push.method, push.route) == ("PUT", "/metrics/job/exitlens_track")
    assert b"coinpilot_post_exit_tracked_total" in push.body


DEMO_RULES = str(Path(__file__).resolve().parents[1] / "config" / "demo_exit_rules.toml")
REPLAY_PERIOD = ("--now", DEMO_END, "--end", DEMO_END, "--days", "3")


def test_replay_without_rules_says_how_to_add_one_and_fails(demo_dir):
    done = exitlens("replay", *REPLAY_PERIOD, "--json", cwd=demo_dir, env={"EXITLENS_EXIT_RULES": ""})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "EXITLENS_EXIT_RULES" in done.stderr and "demo_exit_rules.toml" in done.stderr


@pytest.mark.parametrize("text, named", [("[default]\nstop_los_pct = 3\n", "stop_los_pct"),
                                         ("[default]\nfill = \"limit\"\n", "fill")])
def test_replay_when_rules_file_bad_names_the_key_in_one_line(demo_dir, tmp_path, text, named):
    (tmp_path / "rules.toml").write_text(text)
    done = exitlens("replay", *REPLAY_PERIOD, "--rules", str(tmp_path / "rules.toml"), "--json", cwd=demo_dir)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and named in done.stderr


def test_replay_json_on_the_demo_has_high_fidelity_and_intervals_around_means(demo_dir):
    done = exitlens("replay", *REPLAY_PERIOD, "--rules", DEMO_RULES, "--sweep", "stop_loss_pct=2,4", "--json",
                    cwd=demo_dir)
    assert done.returncode == 0, done.stderr
    replay = json.loads(done.stdout)
    assert replay["fidelity"] >= 0.95 and replay["fidelity_samples"] > 0
    assert [r["value"] for r in replay["sweep"] if r["parameter"] == "stop_loss_pct"] == [2.0, 4.0]
    assert all(r["low"] <= r["mean"] <= r["high"] for r in replay["sweep"] if r["n"])


def test_replay_with_bad_sweep_option_fails_in_one_line(demo_dir):
    done = exitlens("replay", *REPLAY_PERIOD, "--rules", DEMO_RULES, "--sweep", "stop_loss_pct=a", cwd=demo_dir)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "'a' is not a number" in done.stderr


def test_replay_json_on_the_demo_holds_the_folds_its_history_has_grid_and_evidence(demo_dir):
    done = exitlens("replay", "--now", DEMO_END, "--end", DEMO_END, "--days", "1", "--train", "1",
                    "--rules", DEMO_RULES, "--json", cwd=demo_dir)
    assert done.returncode == 0, done.stderr
    replay = json.loads(done.stdout)
    # the 3-day history's first fill comes after its first midnight: only the last day has a whole
    # day before it to choose on, so 1 fold is formed, not padded to 2 or 8
    assert replay["walk_forward"]["folds"] == 1 and replay["walk_forward"]["folds_requested"] == 8
    assert "1 of the 8 folds" in done.stderr
    assert replay["comparisons"] == 5 and isinstance(replay["regimes"], dict)
    assert replay["grid"]["parameters"] == ["stop_loss_pct", "take_profit_pct"] and replay["grid"]["cells"]
    assert all(len(p["chosen"]) == 1 for p in replay["walk_forward"]["by_parameter"].values())
    assert all(s["evidence"] in ("out-of-sample", "in-sample") for s in replay["suggestions"])


@pytest.mark.parametrize(("option", "says"), [
    (("--folds", "0"), "--folds 0: give a whole number, 1 or more"),
    (("--grid", "stop_loss_pct"), "--grid 'stop_loss_pct': name two different parameters"),
    (("--grid", "stop_loss_pct,nope"), "unknown parameter 'nope'"),
    (("--train", "30"), "--train 30: the history holds nothing before this period to train on"),
])
def test_replay_with_bad_walk_forward_or_grid_option_fails_in_one_line(demo_dir, option, says):
    done = exitlens("replay", *REPLAY_PERIOD, "--rules", DEMO_RULES, *option, cwd=demo_dir)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


def test_summary_json_has_replay_only_with_a_rules_file(demo_dir):
    period = ("weekly", "--now", DEMO_END, "--end", DEMO_END, "--days", "3", "--json")
    without = json.loads(exitlens("summary", *period, cwd=demo_dir, env={"EXITLENS_EXIT_RULES": ""}).stdout)
    with_rules = json.loads(exitlens("summary", *period, "--rules", DEMO_RULES, cwd=demo_dir).stdout)
    assert "replay" not in without
    assert with_rules["replay"]["rules"] == DEMO_RULES
    assert {k: v for k, v in with_rules.items() if k not in ("replay", "suggestions", "notes")} == \
        {k: v for k, v in without.items() if k not in ("suggestions", "notes")}
    # the replay only adds notes (here: how few walk-forward folds the 3-day history holds)
    assert with_rules["notes"][:len(without["notes"])] == without["notes"]
    assert any("0 of the 8 folds" in note for note in with_rules["notes"][len(without["notes"]):])


@pytest.mark.parametrize(("args", "says"), [
    (("summary", "weekly", "--end", "9999-12-31T00:00:00+00:00"), "--end 9999-12-31T00:00:00+00:00 is out of range"),
    (("summary", "weekly", "--days", "99999999"), "99999999 is not in the range 1<=x<=36500"),
    (("summary", "daily", "--date", "9999-12-31"), "--date 9999-12-31 is out of range"),
    (("summary", "daily", "--now", "9999-12-31T23:00:00+00:00"), "--now 9999-12-31T23:00:00+00:00 is out of range"),
    (("track", "--now", "9999-12-31T00:00:00+00:00"), "is out of range: use a time between 1900 and 2199"),
    (("track", "--db", "postgresql://u:p@[::1:5432/x"), "cannot parse database URL"),
])
def test_command_when_input_is_out_of_range_or_malformed_says_what_to_pass(demo_dir, args, says):
    done = exitlens(*args, cwd=demo_dir)
    assert done.returncode == (2 if "--days" in args else 1)  # 2: click's usage error
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
    assert "unexpected error" not in done.stderr and "migrate" not in done.stderr


def _raised(action):
    try:
        action()
    except Exception as exc:  # the real error the database gives
        return exc
    raise AssertionError("no error")


def test_database_error_line_when_sqlite_is_read_only_or_full_says_so_not_migrate(demo_dir):
    import sqlalchemy as sa

    from exitlens.cli import database_error_line

    path = demo_dir / "data" / "exitlens.db"
    read_only = sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    update = sa.text("UPDATE trading_history SET regime = regime")
    def write():
        with read_only.begin() as conn:
            conn.execute(update)

    error = _raised(write)
    line = database_error_line(error, f"sqlite:///{path}")
    assert "read-only" in line and str(path) in line and "migrate" not in line

    full = sa.create_engine(f"sqlite:///{path}")

    def fill():
        with full.begin() as conn:
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
            conn.exec_driver_sql("CREATE TABLE filler (x BLOB)")
            conn.exec_driver_sql("INSERT INTO filler VALUES (zeroblob(1000000))")

    line = database_error_line(_raised(fill), f"sqlite:///{path}")
    assert "full" in line and str(path) in line and "migrate" not in line


def test_report_when_disk_fills_names_the_folder_and_says_free_space(demo_dir, tmp_path):
    import resource
    import signal

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    environment = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DATABASE_URL", "DATABASE_URL")}
    done = subprocess.run([sys.executable, "-m", "exitlens.cli", "report", "daily", "--formats", "html",
                           "--out", str(tmp_path / "out")], cwd=demo_dir, env=environment, preexec_fn=small_files,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and str(tmp_path / "out") in done.stderr and "free space" in done.stderr


def test_track_when_price_is_text_says_not_a_positive_number(demo_dir):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{demo_dir / 'data' / 'exitlens.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO trading_history (id, symbol, side, order_type, price, quantity, status, "
                             "created_at, executed_at) VALUES ('abc-price', 'KRW-BTC', 'SELL', 'MARKET', 'abc', 1, "
                             "'FILLED', '2026-11-24 00:00:00', '2026-11-24 00:00:00')")
    try:
        done = exitlens("track", "--now", "2026-11-25T00:00:00+00:00", cwd=demo_dir)
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM trading_history WHERE id = 'abc-price'")
    assert "whose price is not a positive number" in done.stderr and "abc-price" in done.stderr
    assert "zero or negative" not in done.stderr


def test_summary_when_alias_map_is_not_a_table_of_strings_fails_with_one_line(demo_dir):
    done = exitlens("summary", "daily", "--date", "2026-11-23", "--json", cwd=demo_dir,
                    env={"EXITLENS_EXIT_REASON_ALIASES": '{"roi": 5}'})
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        'exitlens: error: EXITLENS_EXIT_REASON_ALIASES must be a table of non-empty strings, '
        'reason → reason it is read as, e.g. {"roi": "TAKE_PROFIT"}; got {\'roi\': 5}']


def test_summary_json_reports_fees_net_pnl_and_drawdown_in_krw(demo_dir):
    done = exitlens("summary", "weekly", "--end", DEMO_END, "--json", cwd=demo_dir)
    summary = json.loads(done.stdout)
    overall = summary["overall"]
    assert overall["currency"] == "KRW" and overall["fees"] > 0
    assert overall["net_pnl"] == pytest.approx(overall["realized_pnl"] - overall["fees"])
    assert list(summary["max_drawdown"]) == ["KRW"] and summary["max_drawdown"]["KRW"] >= 0


SLICE_TYPOS = [
    (("--symbols", "KRW-BTX"), "symbols KRW-BTX: not in the database; known symbols: KRW-BTC, KRW-DOGE, KRW-ETH"),
    (("--regimes", "BULLISH"), "regimes BULLISH: not in the database; known regimes: "),
    (("--exit-reasons", "trailing"), "exit reasons TRAILING: not in the database; known exit reasons: "),
    (("--strategies", "nope"), "strategies nope: not in the database; known strategies: "),
    (("--month", "2027-03"), "the period 2027-03-01 00:00 – 2027-04-01 00:00 (Asia/Seoul) has not begun"),
]


@pytest.mark.parametrize("command", ["summary", "report", "replay"])
@pytest.mark.parametrize(("args", "says"), SLICE_TYPOS)
def test_report_commands_when_slice_unknown_or_period_not_begun_refuse_in_one_line_and_write_nothing(
        demo_dir, tmp_path, command, args, says):
    kind = ("monthly",) if "--month" in args and command != "replay" else ("weekly",) if command != "replay" else ()
    extra = {"report": ("--out", str(tmp_path / "reports"), "--formats", "html"),
             "replay": ("--rules", DEMO_RULES)}.get(command, ())
    done = exitlens(command, *kind, "--now", DEMO_END, *args, *extra, cwd=demo_dir)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr
    assert not (tmp_path / "reports").exists()


def test_summary_when_exit_reason_filter_is_an_alias_counts_the_reason_it_stands_for(demo_dir):
    period = ("weekly", "--now", DEMO_END, "--end", DEMO_END, "--days", "3", "--json")
    aliased = json.loads(exitlens("summary", *period, "--exit-reasons", "roi", cwd=demo_dir).stdout)
    named = json.loads(exitlens("summary", *period, "--exit-reasons", "take_profit", cwd=demo_dir).stdout)
    assert aliased["filters"]["exit_reasons"] == ["TAKE_PROFIT"]
    assert aliased["overall"]["count"] == named["overall"]["count"] > 0


def test_replay_help_when_asked_lists_the_slice_options(demo_dir):
    done = exitlens("replay", "--help", cwd=demo_dir)
    assert all(option in done.stdout for option in ("--symbols", "--regimes", "--exit-reasons", "--strategies"))


@pytest.mark.parametrize(("date_text", "says"), [
    ("2026-11-31", "--date 2026-11-31: 2026-11 has 30 days, there is no day 31"),
    ("2026-02-29", "--date 2026-02-29: 2026-02 has 28 days, there is no day 29"),
    ("2026-13-01", "--date 2026-13-01: there is no month 13"),
])
def test_summary_when_date_names_a_day_its_month_lacks_says_so(tmp_path, date_text, says):
    done = exitlens("summary", "daily", "--date", date_text, cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


@pytest.mark.parametrize(("command", "says", "not_said"), [
    (("schedule",), "monthly", None),
    (("sync",), "bot's side", "SPEC"),
])
def test_help_when_asked_says_what_the_command_does_in_the_users_words(tmp_path, command, says, not_said):
    done = exitlens(*command, "--help", cwd=tmp_path)
    text = " ".join(done.stdout.split())
    assert done.returncode == 0 and says in text
    assert not_said is None or not_said not in text


def test_summary_when_korean_and_the_day_has_no_sells_notes_it_in_korean(demo_dir):
    done = exitlens("summary", "daily", "--date", "2026-11-10", "--now", DEMO_END, "--lang", "ko", "--json", cwd=demo_dir)
    assert done.returncode == 0, done.stderr
    [note] = [n for n in json.loads(done.stdout)["notes"] if "2026-11-10" in n]
    assert note.startswith("2026-11-10에는 매도가 없습니다")
