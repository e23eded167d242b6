"""The `exitlens` command: parse options, build settings, call one library function, exit.

Every command takes its options after its name. Errors exitlens raises on purpose (and
database errors) end in one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import errno
import functools
import json
import logging
import os
import sys
from datetime import date as Date
from datetime import datetime
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from exitlens.clock import utc_now
from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, ExitlensError, error_reason, first_line
from exitlens.core.filters import FILTER_COLUMNS, ReportFilter
from exitlens.core.i18n import LANGUAGES
from exitlens.core.settings import KINDS
from exitlens.core.summary_text import summary_text
from exitlens.core.timeutil import parse_aware, parse_month, require_placeable_year
from exitlens.ops.metrics import count_tracking, push_metrics
from exitlens.reports.llm import LLMConfig, narrator_from_config
from exitlens.store import db, migrations, tracker
from exitlens.store import demo as demo_module

log = logging.getLogger("exitlens")

EXIT_FAILED = 1
MAX_DAYS = 36_500
"""The longest period a weekly summary or report may span (a century)."""
WEEKLY_DAYS = 7
EXIT_INTERRUPTED = 130


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.INFO if verbose else logging.WARNING)
    # Python warnings (numpy's overflow on an absurd value) go to the log, shown only with -v:
    # a command answers in its own lines, never with a library's warning and source line.
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").setLevel(logging.INFO if verbose else logging.ERROR)


def _fail(message: str) -> None:
    click.echo(f"exitlens: {message}", err=True)
    sys.exit(EXIT_FAILED)


def _fail_cleanly(command):
    """Give a command its -v option, and turn every failure into one line on stderr and exit
    code 1; with -v an unexpected error also shows its traceback."""

    @click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
    @functools.wraps(command)
    def wrapper(*args, verbose: bool = False, **kwargs):
        if verbose:
            _setup_logging(True)
        try:
            return command(*args, **kwargs)
        except ExitlensError as exc:
            _fail(f"error: {exc}")
        except SQLAlchemyError as exc:
            _fail(database_error_line(exc, kwargs.get("db_url")))
        except OSError as exc:
            _fail(os_error_line(exc, kwargs.get("out_dir")))
        except KeyboardInterrupt:
            click.echo("exitlens: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Exception as exc:
            if verbose or logging.getLogger().isEnabledFor(logging.INFO):
                raise
            _fail(f"unexpected error: {type(exc).__name__}: {first_line(exc)} (run again with -v to see the traceback)")

    return wrapper


_FULL_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def database_error_line(exc: SQLAlchemyError, db_url: str | None) -> str:
    """The one line for a database failure: what went wrong and the step that fixes it (only a
    missing table or column is fixed by `exitlens migrate`)."""
    orig = getattr(exc, "orig", None)
    reason = error_reason(exc)
    code = getattr(orig, "sqlite_errorname", "") or ""
    where = db.safe_url(_environment().database(db_url)) if code else "the database"
    if code.startswith("SQLITE_READONLY"):
        hint = f"{where} is read-only for this user: make the file and its folder writable"
    elif code.startswith("SQLITE_FULL"):
        hint = f"the disk holding {where} is full: free space and run again"
    elif "no such table" in reason or "no such column" in reason or "does not exist" in reason:
        hint = "run `exitlens migrate`"
    else:
        hint = "check the database and its URL, then run again"
    return f"database error: {reason} — {hint}"


def os_error_line(exc: OSError, out_dir: str | None) -> str:
    """The one line for a file failure, naming the file (or the folder being written)."""
    where = exc.filename or (f"while writing under {out_dir}" if out_dir else None)
    line = f"error: {exc.strerror or exc}{f': {where}' if where else ''}"
    if exc.errno in _FULL_ERRNOS:
        line += " — the disk (or a file size limit) is full: free space and run again"
    return line


def _out_folder(ctx, param, value: str) -> str:
    """--out as a folder that can be made: not empty (that would be the working folder), not a
    symbolic link to nothing (making it would fail with a bare "File exists")."""
    if not value.strip():
        raise click.BadParameter("is empty: name the reports folder (default: reports)")
    path = Path(value)
    if path.is_symlink() and not path.exists():
        raise click.BadParameter(f"{value} is a symbolic link to {os.readlink(path)}, which does not exist: "
                                 "create that folder or pass another one")
    return value


def _database_option(command):
    return click.option(
        "--db", "db_url", metavar="URL", default=None,
        help="Database URL (default: EXITLENS_DATABASE_URL, DATABASE_URL, else data/exitlens.db).",
    )(command)


def _timezone_option(command):
    return click.option("--tz", "timezone_name", default=None, help="Report timezone (default: EXITLENS_TZ, else Asia/Seoul).")(command)


def _candle_options(command):
    """--candle-interval and --tolerance-minutes: which candles a post-exit point is read from."""
    command = click.option("--tolerance-minutes", type=float, default=None,
                           help="Candle window ± minutes (default: EXITLENS_CANDLE_TOLERANCE_MINUTES, else 5).")(command)
    return click.option("--candle-interval", default=None,
                        help="market_data.interval of the candles (default: EXITLENS_CANDLE_INTERVAL, else 1m).")(command)


def _time(value: str | None, name: str) -> datetime | None:
    return parse_aware(value, name) if value else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr.")
@click.version_option(package_name="exitlens")
def main(verbose: bool) -> None:
    """exitlens: were our exits right? Post-exit analysis for trading bots."""
    _setup_logging(verbose)


@main.command()
@_database_option
@_fail_cleanly
def migrate(db_url: str | None) -> None:
    """Apply the migrations the database lacks (idempotent, additive)."""
    engine = db.connect(_environment().database(db_url), create=True)
    applied = migrations.migrate(engine)
    click.echo(f"applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "database is up to date")


@main.command()
@_database_option
@click.option("--days", type=click.IntRange(min=1), default=demo_module.DEFAULT_DAYS, show_default=True)
@click.option("--seed", type=int, default=demo_module.DEFAULT_SEED, show_default=True)
@click.option("--end", "end_text", metavar="ISO", default=demo_module.DEFAULT_END.isoformat(), show_default=True,
              help="End of the simulated history (with a UTC offset).")
@_fail_cleanly
def demo(db_url: str | None, days: int, seed: int, end_text: str) -> None:
    """Fill an empty database with a deterministic simulated bot history."""
    end = parse_aware(end_text, "--end")
    engine = db.connect(_environment().database(db_url), create=True)
    migrations.migrate(engine)
    orders, candles = demo_module.fill_database(engine, days=days, seed=seed, end=end)
    click.echo(f"demo database ready: {orders} orders, {candles} candles ({db.safe_url(engine.url)})")


@main.command()
@_database_option
@click.option("--now", "now_text", metavar="ISO", default=None, help="Track as of this time (default: the current time).")
@click.option("--full", is_flag=True, help="Look at the whole history, not only the sells whose points can still change.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@_candle_options
@_fail_cleanly
def track(db_url: str | None, now_text: str | None, full: bool, as_json: bool,
          candle_interval: str | None, tolerance_minutes: float | None) -> None:
    """Record the post-exit points that are due."""
    now = _time(now_text, "--now") or utc_now()
    environment = _environment()
    settings = environment.settings(candle_interval=candle_interval, tolerance_minutes=tolerance_minutes)
    engine = db.connect(environment.database(db_url))
    result = tracker.track(engine, now, settings, full=full)
    count_tracking(result)
    push_metrics("exitlens_track", environment.pushgateway_url, succeeded_at=now)
    if as_json:
        click.echo(json.dumps(result.to_json()))
    else:
        click.echo(
            f"tracked {result.points_tracked} points on {result.orders_updated} orders; "
            f"missed {result.points_missed}, expired {result.points_expired}; "
            f"scanned {result.orders_scanned} orders, {result.rows_invalid} invalid"
        )



def _period_options(command):
    command = click.option("--date", "date_text", metavar="YYYY-MM-DD", default=None,
                           help="daily: the calendar day in the report timezone (default: today).")(command)
    command = click.option("--end", "end_text", metavar="ISO", default=None,
                           help="weekly: end of the period, exclusive (default: midnight ending today).")(command)
    command = click.option("--days", type=click.IntRange(min=1, max=MAX_DAYS), default=None,
                           help="weekly: length of the period in days (default: 7).")(command)
    command = click.option("--month", "month_text", metavar="YYYY-MM", default=None,
                           help="monthly: the calendar month in the report timezone (default: the last full month).")(command)
    command = click.option("--now", "now_text", metavar="ISO", default=None,
                           help="Treat this as the current time (default: the clock).")(command)
    return command


def _report_options(command):
    """--lang and the slice options of the commands that report (summary, report)."""
    command = click.option("--lang", "language", type=click.Choice(LANGUAGES), default=None,
                           help="Language of the report and its messages (default: EXITLENS_LANG, else en).")(command)
    for name in FILTER_COLUMNS:
        option = "--" + name.replace("_", "-")
        command = click.option(option, name, metavar="A,B", default=None,
                               help=f"Count only these {name.replace('_', ' ')} (comma-separated; default: all).")(command)
    return command


def _filters(options: dict) -> ReportFilter:
    """The report's slice from the --symbols / --regimes / --exit-reasons / --strategies options."""
    return ReportFilter.of(**{name: options.pop(name) for name in FILTER_COLUMNS})


def _period_arguments(kind: str, date_text, end_text, days, month_text=None) -> dict:
    """The explicit period options of a daily, weekly or monthly command (the rest default to now)."""
    if kind == "monthly":
        if date_text or end_text or days:
            raise ConfigError("--date, --end and --days do not apply to monthly reports; use --month YYYY-MM")
        return {"month": parse_month(month_text, "--month") if month_text else None}
    if month_text:
        raise ConfigError("--month applies to monthly reports; use --date (daily) or --end / --days (weekly)")
    if kind == "daily":
        if end_text or days:
            raise ConfigError("--end and --days apply to weekly reports; use --date YYYY-MM-DD for a daily one")
        try:
            day = Date.fromisoformat(date_text) if date_text else None
        except ValueError as exc:
            raise ConfigError(f"--date {date_text!r} is not a date: use YYYY-MM-DD") from exc
        if day is not None:
            require_placeable_year(day.year, f"--date {date_text}")
        return {"day": day}
    if date_text:
        raise ConfigError("--date applies to daily reports; use --end ISO and --days N for a weekly one")
    return {"end": _time(end_text, "--end"), "days": days or WEEKLY_DAYS}


def _rules_option(command):
    return click.option("--rules", metavar="FILE", default=None,
                        help="Exit rules file for exit replay (default: EXITLENS_EXIT_RULES).")(command)


def _environment() -> Environment:
    """The EXITLENS_* variables of this process: the command line is the edge that reads them."""
    return Environment.from_mapping(os.environ)


def _narrator(environment: Environment, language: str):
    return narrator_from_config(LLMConfig.from_environment(environment), language)


KIND = click.Choice(list(KINDS))


@main.command()
@click.argument("kind", type=KIND)
@_database_option
@_timezone_option
@_period_options
@_report_options
@_rules_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary object as JSON.")
@_candle_options
@_fail_cleanly
def summary(kind, db_url, timezone_name, date_text, end_text, days, month_text, now_text, rules, language, as_json,
            candle_interval, tolerance_minutes, **filter_options) -> None:
    """Print the numbers of a day (daily), a period (weekly) or a calendar month (monthly)."""
    from exitlens.ops.publish import chosen_period
    from exitlens.reports.analysis import analyse_from_database, current_period
    from exitlens.reports.replay_service import replay_section
    from exitlens.store.candles import CandleReader

    environment = _environment()
    settings = environment.settings(timezone_name, language, candle_interval=candle_interval,
                                    tolerance_minutes=tolerance_minutes)
    filters = _filters(filter_options)
    now = _time(now_text, "--now") or utc_now()
    period = _period_arguments(kind, date_text, end_text, days, month_text)
    days = period.pop("days", WEEKLY_DAYS)
    engine = db.connect(environment.database(db_url))
    db.require_tables(engine)
    bounds = chosen_period(kind, settings, now, days=days, **period)
    candles = CandleReader(engine, interval=settings.candle_interval)
    # The collection rate is judged as a report of the period judges it: now, at most its end.
    analysis = analyse_from_database(engine, kind, settings, days=days, filters=filters,
                                     narrator=_narrator(environment, settings.language),
                                     as_of=min(now, bounds.end.to_pydatetime()), candles=candles,
                                     **current_period(kind, settings, now, **period))
    analysis = replay_section(engine, analysis, rules, now=now, strict=True, candles=candles)
    result = analysis.to_json()
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else summary_text(result, settings.language))


@main.command()
@click.argument("kind", type=KIND)
@_database_option
@_timezone_option
@_period_options
@_report_options
@click.option("--formats", default="html,pdf", show_default=True, help="Exports to write: html, pdf or both.")
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False),
              callback=_out_folder)
@click.option("--notify", is_flag=True, help="Announce the run on Discord / n8n as configured.")
@click.option("-p", "--parameter", "parameters", multiple=True, metavar="NAME=VALUE",
              help="Override a notebook parameter (VALUE read as JSON, else as text).")
@_candle_options
@_fail_cleanly
def report(kind, db_url, timezone_name, date_text, end_text, days, month_text, now_text, language, formats, out_dir,
           notify, parameters, candle_interval, tolerance_minutes, **filter_options) -> None:
    """Execute the report notebook with Papermill, export HTML/PDF, archive and announce it."""
    from exitlens.delivery.notify import DeliveryConfig
    from exitlens.ops.publish import ReportRequest, publish_report

    environment = _environment()
    settings = environment.settings(timezone_name, language, candle_interval=candle_interval,
                                    tolerance_minutes=tolerance_minutes)
    filters = _filters(filter_options)
    now = _time(now_text, "--now") or utc_now()
    period = _period_arguments(kind, date_text, end_text, days, month_text)
    run = publish_report(ReportRequest(
        kind=kind, db_url=environment.database(db_url), out_dir=Path(out_dir), settings=settings, now=now,
        filters=filters, formats=formats, extra_parameters=_parse_parameters(parameters),
        delivery=DeliveryConfig.from_environment(environment) if notify else None, **period,
    ))
    push_metrics(f"exitlens_{kind}_report", environment.pushgateway_url, succeeded_at=now)
    click.echo(f"{kind} report written to {run.run_dir} (index: {run.index})")


@main.command()
@_database_option
@_timezone_option
@_period_options
@_rules_option
@click.option("--sweep", "sweeps", multiple=True, metavar="NAME=V1,V2,…",
              help="Values to replay for one parameter instead of its default sweep (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the replay object as JSON.")
@_fail_cleanly
def replay(db_url, timezone_name, date_text, end_text, days, month_text, now_text, rules, sweeps, as_json) -> None:
    """Exit replay: what other exit parameters would have done (a day with --date, a calendar
    month with --month, else the --days days ending at --end)."""
    from exitlens.core.replay_stats import parse_sweep_option
    from exitlens.reports.analysis import analyse_from_database, current_period
    from exitlens.reports.replay_service import replay_period, replay_text, require_rules
    from exitlens.store.candles import CandleReader

    book = require_rules(rules)
    overrides: dict[str, list[float]] = {}
    for text in sweeps:
        overrides.update(parse_sweep_option(text))
    environment = _environment()
    settings = environment.settings(timezone_name)
    now = _time(now_text, "--now") or utc_now()
    kind = "daily" if date_text else "monthly" if month_text else "weekly"
    period = _period_arguments(kind, date_text, end_text, days, month_text)
    days = period.pop("days", WEEKLY_DAYS)
    engine = db.connect(environment.database(db_url))
    db.require_tables(engine)
    candles = CandleReader(engine, interval=settings.candle_interval)
    analysis = analyse_from_database(engine, kind, settings, days=days, candles=candles,
                                     **current_period(kind, settings, now, **period))
    result = replay_period(engine, analysis, book, now=now, overrides=overrides, candles=candles)
    for note in result.notes:
        log.warning(note)
    click.echo(json.dumps(result.to_json(), ensure_ascii=False) if as_json else replay_text(result))


def _parse_parameters(pairs: tuple[str, ...]) -> dict:
    parsed = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise ConfigError(f"parameter {pair!r} is not NAME=VALUE")
        try:
            parsed[name] = json.loads(value)
        except ValueError:
            parsed[name] = value
    return parsed


@main.command()
@_database_option
@_timezone_option
@click.option("--out", "out_dir", default="reports", show_default=True, type=click.Path(file_okay=False),
              callback=_out_folder)
@click.option("--metrics-port", type=int, default=None, help="Prometheus port (default: EXITLENS_METRICS_PORT, else 9108).")
@_candle_options
@_fail_cleanly
def schedule(db_url, timezone_name, out_dir, metrics_port, candle_interval, tolerance_minutes) -> None:
    """Run the tracker every 10 minutes and the daily/weekly reports, serving metrics."""
    from exitlens.ops.schedule import run_scheduler
    from exitlens.ops.schedule_config import ScheduleConfig

    environment = _environment()
    settings = environment.settings(timezone_name, candle_interval=candle_interval, tolerance_minutes=tolerance_minutes)
    run_scheduler(environment.database(db_url), settings=settings,
                  config=ScheduleConfig.from_environment(environment, metrics_port=metrics_port), out_dir=out_dir,
                  environment=environment, announce=click.echo)


@main.group()
def sync() -> None:
    """Copy another bot's orders and candles into exitlens's own database (SPEC §7)."""


@sync.command("freqtrade")
@click.option("--source", required=True, metavar="PATH_OR_URL",
              help="The bot's database: tradesv3.sqlite, or its SQLAlchemy URL (opened read-only).")
@click.option("--candles", "candles_dir", required=True, type=click.Path(file_okay=False),
              help="freqtrade's data directory holding 1m candles, e.g. user_data/data/binance.")
@_database_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@_fail_cleanly
def sync_freqtrade(source: str, candles_dir: str, db_url: str | None, as_json: bool) -> None:
    """Copy a freqtrade bot's filled orders and 1m candle files (read-only, incremental)."""
    from exitlens.store.sources.freqtrade import sync_freqtrade as run_sync

    result = run_sync(source, candles_dir, target_url=_environment().database(db_url))
    _echo_source_result(result, as_json)


@main.group("import")
def import_() -> None:
    """Import orders and candles from files in a documented format."""


@import_.command("csv")
@click.option("--orders", "orders_file", type=click.Path(dir_okay=False), default=None,
              help="Orders CSV (trading_history columns; see the README).")
@click.option("--candles", "candles_file", type=click.Path(dir_okay=False), default=None,
              help="Candles CSV (market_data columns; see the README).")
@_database_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@_fail_cleanly
def import_csv(orders_file: str | None, candles_file: str | None, db_url: str | None, as_json: bool) -> None:
    """Check every row of both files, then import them in one transaction (insert-or-ignore)."""
    from exitlens.store.sources.csv_import import import_csv as run_import

    result = run_import(orders=orders_file, candles=candles_file, target_url=_environment().database(db_url))
    _echo_source_result(result, as_json)


def _echo_source_result(result, as_json: bool) -> None:
    """Notes (one per kind of skipped row) on stderr, then the summary line or the JSON object."""
    for note in getattr(result, "notes", []):
        click.echo(f"note: {note}", err=True)
    click.echo(json.dumps(result.to_json()) if as_json else result.summary_line())


def run(argv: list[str] | None = None) -> None:
    """The `exitlens` entry point: click's usage errors, too, end in one line on stderr."""
    try:
        main.main(args=argv, prog_name="exitlens", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help())
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "exitlens"
        message = " ".join(exc.format_message().split())
        click.echo(f"exitlens: error: {message} (see `{command} --help`)", err=True)
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"exitlens: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("exitlens: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)


if __name__ == "__main__":
    run()
