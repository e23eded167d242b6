"""Fixtures shared by the whole suite: databases on both engines."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from exitlens.core import ledger
from exitlens.store import db, migrations
from http_servers import start_scripted_server, stop
from postgres_server import PostgresServer, PostgresUnavailable


@pytest.fixture(scope="session")
def postgres_server():
    """The suite's own PostgreSQL; without one the tests skip (under CI, a skip fails: the
    root conftest.py)."""
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the suite's server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield postgres_server.url(name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'exitlens.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request):
    """A fresh empty database, once on each engine."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url):
    """A migrated, empty database on each engine."""
    engine = db.connect(database_url, create=True)
    migrations.migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def make_server():
    """Start scripted HTTP servers on 127.0.0.1 (as many as asked); stopped afterwards."""
    servers = []

    def start():
        servers.append(start_scripted_server())
        return servers[-1]

    yield start
    for server in servers:
        stop(server)


@pytest.fixture(params=["plain", "compiled"])
def fifo_walk(request, monkeypatch):
    """Run the ledger's FIFO walk as plain Python (as for small histories) or compiled (as for
    large ones), so the loop-reference tests check both."""
    if request.param == "compiled":
        monkeypatch.setattr(ledger, "COMPILE_FROM_ROWS", 0)
    return request.param
