"""A throwaway PostgreSQL server for the test suite, started from the machine's binaries.

It lives in a temporary directory, listens on 127.0.0.1 only, trusts local connections and is
stopped and removed afterwards. As root it runs as the `postgres` user, since PostgreSQL refuses
to run as root.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_bindir() -> Path:
    candidates = [os.environ.get("EXITLENS_PG_BINDIR", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(str(Path(on_path).resolve().parent))
    for folder in filter(None, candidates):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    raise PostgresUnavailable("no PostgreSQL binaries (initdb, pg_ctl): install Debian's `postgresql` package")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    run_as: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log = (self.root / "server.log")
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise PostgresUnavailable(f"{args[0]} failed: {done.stderr.strip()} {tail}")

    @classmethod
    def start(cls) -> "PostgresServer":
        """A running server in a new temporary folder; when any step fails, the folder (and a
        server half started) is removed before the error is raised."""
        bindir = find_bindir()
        root = Path(tempfile.mkdtemp(prefix="exitlens-pg-"))
        run_as = "postgres" if os.geteuid() == 0 else None
        server = cls(bindir, root, _free_port(), run_as)
        try:
            if run_as:
                user = pwd.getpwnam(run_as)
                os.chown(root, user.pw_uid, user.pw_gid)
            server._run("initdb", "-D", str(server.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
            server._run(
                "pg_ctl", "-D", str(server.data), "-l", str(root / "server.log"), "-w", "-t", "60",
                "-o", f"-h 127.0.0.1 -p {server.port} -k {root} -c fsync=off -c full_page_writes=off",
                "start",
            )
        except BaseException:
            with contextlib.suppress(PostgresUnavailable, OSError, subprocess.SubprocessError):
                server.stop()
            shutil.rmtree(root, ignore_errors=True)
            raise
        return server

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
