"""One owner per scheduled job across schedulers sharing a PostgreSQL database: a
session-level advisory lock per running job, each on a connection of its own. On SQLite, one
scheduler per database file: an exclusive `flock` on the file itself for the scheduler's life."""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta
from pathlib import Path
from typing import IO

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from exitlens.core.errors import ConfigError, error_reason
from exitlens.store import db

log = logging.getLogger(__name__)

def job_lock_key(job: str) -> int:
    """The PostgreSQL advisory-lock key of a job: a stable signed 64-bit hash of its name."""
    digest = hashlib.blake2b(f"exitlens.schedule.{job}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class JobLocks:
    """One PostgreSQL session-level advisory lock per running job, each on a connection of its
    own (autocommit, so a long job never sits idle in a transaction).

    After a run the lock is kept until `min_hold` has passed since the run started; a run of
    the same job in this process within that time takes the kept lock over.
    """

    def __init__(self, url: str, min_hold: timedelta) -> None:
        self._engine = sa.create_engine(db.sync_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._min_hold = min_hold.total_seconds()
        self._mutex = threading.Lock()
        self._held: dict[str, sa.Connection] = {}
        self._kept: dict[str, tuple[sa.Connection, threading.Timer]] = {}
        self._skipped_last: set[str] = set()

    def acquire(self, job: str) -> bool:
        """Take the job's lock; False when another session holds it."""
        with self._mutex:
            kept = self._kept.pop(job, None)
        if kept is not None:
            kept[1].cancel()
            self._held[job] = kept[0]
            return True
        conn = self._engine.connect()
        try:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": job_lock_key(job)}).scalar_one()
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            self._skipped_last.add(job)
            return False
        self._held[job] = conn
        self._skipped_last.discard(job)
        return True

    def owned_last(self, job: str) -> bool:
        """Whether this process held the job's lock the last time it asked (True before it
        ever asked): when the database cannot even be asked, the last owner speaks for all."""
        return job not in self._skipped_last

    def release(self, job: str, held_seconds: float) -> None:
        conn = self._held.pop(job)
        remaining = self._min_hold - held_seconds
        if remaining <= 0:
            self._unlock(job, conn)
            return
        timer = threading.Timer(remaining, self._expire, (job, conn))
        timer.daemon = True
        with self._mutex:
            self._kept[job] = (conn, timer)
        timer.start()

    def _expire(self, job: str, conn: sa.Connection) -> None:
        with self._mutex:
            kept = self._kept.get(job)
            if kept is None or kept[0] is not conn:
                return  # taken over by the next run
            del self._kept[job]
        self._unlock(job, conn)

    def _unlock(self, job: str, conn: sa.Connection) -> None:
        try:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": job_lock_key(job)})
        except sa.exc.SQLAlchemyError as exc:  # closing the session below releases it anyway
            log.warning("could not unlock job %s explicitly: %s", job, error_reason(exc))
        finally:
            conn.close()

    def close(self) -> None:
        """Release every lock, kept ones included."""
        with self._mutex:
            kept, self._kept = self._kept, {}
        for job, (conn, timer) in kept.items():
            timer.cancel()
            self._unlock(job, conn)
        for job in list(self._held):
            self._unlock(job, self._held.pop(job))
        self._engine.dispose()


class SchedulerFileLock:
    """An exclusive `flock` on a SQLite database file, held while one scheduler runs on it.

    The lock is on the database file itself (no lock file beside it): `flock` locks are apart
    from the POSIX locks SQLite takes, and the descriptor stays open until `release`, so
    SQLite's own locks in this process are never dropped by its closing. The kernel frees the
    lock when the process ends, however it ends.
    """

    def __init__(self, handle: IO[bytes], path: Path) -> None:
        self._handle, self.path = handle, path

    @classmethod
    def acquire(cls, url: str) -> "SchedulerFileLock | None":
        """The lock on the SQLite file of `url` (None when the URL is not a SQLite file that
        exists); ConfigError in one line when another scheduler holds it."""
        import fcntl

        parsed = db.sync_url(url)
        if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
            return None
        path = Path(parsed.database)
        if not path.is_file():
            return None
        handle = path.open("rb")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ConfigError(f"another exitlens schedule is already running on {path}: "
                              "run one scheduler per database file (stop the other one first)") from None
        return cls(handle, path)

    def release(self) -> None:
        self._handle.close()
