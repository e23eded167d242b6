"""The `exitlens` command: parse options, build settings, call one library function, exit.

Every command takes its options after its name. Errors exitlens raises on purpose (and
database errors) end in one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from datetime import datetime, timezone

import click
from sqlalchemy.exc import SQLAlchemyError

from exitlens import db, demo as demo_module, tracking
from exitlens.config import database_url_from_env, settings_from_env
from exitlens.errors import ExitlensError
from exitlens.timeutil import parse_aware

log = logging.getLogger("exitlens")

EXIT_USAGE = 2
EXIT_FAILED = 1


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def _fail_cleanly(command):
    """Turn expected failures into one line on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ExitlensError as exc:
            click.echo(f"exitlens: error: {exc}", err=True)
            sys.exit(EXIT_FAILED)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            click.echo(f"exitlens: database error: {reason} — check the database and run `exitlens migrate`", err=True)
            sys.exit(EXIT_FAILED)

    return wrapper


def _database_option(command):
    return click.option(
        "--db", "db_url", metavar="URL", default=None,
        help="Database URL (default: EXITLENS_DATABASE_URL, DATABASE_URL, else data/exitlens.db).",
    )(command)


def _timezone_option(command):
    return click.option("--tz", "timezone_name", default=None, help="Report timezone (default: EXITLENS_TZ, else Asia/Seoul).")(command)


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
    engine = db.connect(database_url_from_env(db_url), create=True)
    applied = db.migrate(engine)
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
    engine = db.connect(database_url_from_env(db_url), create=True)
    db.migrate(engine)
    orders, candles = demo_module.fill_database(engine, days=days, seed=seed, end=parse_aware(end_text, "--end"))
    click.echo(f"demo database ready: {orders} orders, {candles} candles ({db.safe_url(engine.url)})")


@main.command()
@_database_option
@click.option("--now", "now_text", metavar="ISO", default=None, help="Track as of this time (default: the current time).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
@_fail_cleanly
def track(db_url: str | None, now_text: str | None, as_json: bool) -> None:
    """Record the post-exit points that are due."""
    now = _time(now_text, "--now") or datetime.now(timezone.utc)
    engine = db.connect(database_url_from_env(db_url))
    result = tracking.track(engine, now, settings_from_env())
    if as_json:
        click.echo(json.dumps(result.to_json()))
    else:
        click.echo(
            f"tracked {result.points_tracked} points on {result.orders_updated} orders; "
            f"missed {result.points_missed}, expired {result.points_expired}; "
            f"scanned {result.orders_scanned} orders, {result.rows_invalid} invalid"
        )


if __name__ == "__main__":
    main()
