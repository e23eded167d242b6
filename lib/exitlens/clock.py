"""The one reading of the wall clock. Library code takes time as a parameter; only the edges
(the command line, the scheduler, a report run's default clock) call `utc_now`, so every result
can be reproduced by passing the time instead. core never imports this module."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current time, aware and in UTC."""
    return datetime.now(timezone.utc)
