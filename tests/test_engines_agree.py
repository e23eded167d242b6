"""SQLite and PostgreSQL give the same answers for the same bot history."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from exitlens.core.settings import Settings
from exitlens.reports.analysis import analyse_from_database
from exitlens.store import db, demo, migrations
from exitlens.store import tracker as tracking

END = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def _tracked_demo(url: str):
    engine = db.connect(url, create=True)
    migrations.migrate(engine)
    demo.fill_database(engine, days=4, seed=3, end=END)
    result = tracking.track(engine, END, progress=False)
    return engine, result


@pytest.mark.postgres
def test_demo_history_tracks_and_summarises_identically_on_both_engines(sqlite_url, postgres_url):
    sqlite_engine, sqlite_tracked = _tracked_demo(sqlite_url)
    postgres_engine, postgres_tracked = _tracked_demo(postgres_url)

    assert sqlite_tracked == postgres_tracked
    assert sqlite_tracked.points_tracked > 50
    for kind, period in (("daily", {"day": date(2026, 11, 23)}), ("weekly", {"end": END})):
        on_sqlite = analyse_from_database(sqlite_engine, kind, Settings(), **period).to_json()
        on_postgres = analyse_from_database(postgres_engine, kind, Settings(), **period).to_json()
        assert on_sqlite == on_postgres
