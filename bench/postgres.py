"""The benchmark's PostgreSQL: the test suite's throwaway server (tests/postgres_server.py),
started from the machine's binaries on 127.0.0.1, with one migrated database in it.

Autovacuum is switched off so that no background vacuum lands inside a timed step; the bench
vacuums and analyses explicitly between repetitions instead. Everything else is the server's
default configuration (shared_buffers 128MB), with the suite's fsync=off.
"""

from __future__ import annotations

import importlib.util
import sys
from contextlib import contextmanager

import sqlalchemy as sa

from bench.common import ROOT, say
from exitlens.store import db, migrations

_SERVER_FILE = ROOT / "tests" / "postgres_server.py"


def _server_module():
    """tests/postgres_server.py, loaded by path under a private name (tests/ is not a package)."""
    name = "exitlens_bench_postgres_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, _SERVER_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@contextmanager
def bench_database(name: str = "exitlens_bench"):
    """(server, URL of a fresh migrated database); the server is stopped and removed after."""
    module = _server_module()
    say("starting a throwaway PostgreSQL server on 127.0.0.1")
    server = module.PostgresServer.start()
    try:
        admin = sa.create_engine(server.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("ALTER SYSTEM SET autovacuum = off")
            conn.exec_driver_sql("SELECT pg_reload_conf()")
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
            version = conn.exec_driver_sql("SHOW server_version").scalar_one()
        admin.dispose()
        url = server.url(name)
        engine = db.connect(url)
        migrations.migrate(engine)
        engine.dispose()
        say(f"PostgreSQL {version} on port {server.port}")
        yield server, url, version
    finally:
        server.stop()


def unavailable_reason() -> str | None:
    """Why no server can be started here, or None."""
    try:
        _server_module().find_bindir()
    except Exception as exc:  # PostgresUnavailable; the module is loaded by path
        return str(exc)
    return None
