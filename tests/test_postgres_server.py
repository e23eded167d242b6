"""The suite's throwaway PostgreSQL server (postgres_server.py) cleans up after a failed start."""

from __future__ import annotations

import tempfile

import pytest

from postgres_server import PostgresServer, PostgresUnavailable


def test_start_when_initdb_fails_raises_and_leaves_no_folder_behind(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("initdb", "pg_ctl"):
        script = bindir / name
        script.write_text("#!/bin/sh\necho 'cannot create the data folder' >&2\nexit 1\n")
        script.chmod(0o755)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("EXITLENS_PG_BINDIR", str(bindir))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    with pytest.raises(PostgresUnavailable, match="initdb failed"):
        PostgresServer.start()

    assert list(temporary.iterdir()) == []
