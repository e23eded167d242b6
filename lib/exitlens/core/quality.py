"""Data quality of a report: how complete the post-exit record is, and where entry prices came from."""

from __future__ import annotations

import pandas as pd

from exitlens.core.evaluate import post_column
from exitlens.core.settings import Settings

POINT_STATES = ("tracked", "pending", "missed", "expired")


def point_states(sells: pd.DataFrame, as_of: pd.Timestamp, settings: Settings) -> pd.DataFrame:
    """Per horizon, how many of the sells' post-exit points are tracked, pending (window not
    over at `as_of`), missed (due, none recorded, within the retry window) or expired.

    `sells` is the evaluation frame (`post_<h>_pct`, `event_time`).
    """
    rows = {}
    for horizon in settings.horizons:
        target = sells["event_time"] + horizon.delta
        tracked = sells[post_column(horizon.key)].notna()
        pending = ~tracked & (target + settings.candle_tolerance > as_of)
        late = ~tracked & ~pending
        expired = late & (as_of - target > settings.retry_window)
        rows[horizon.key] = {
            "tracked": int(tracked.sum()), "pending": int(pending.sum()),
            "missed": int((late & ~expired).sum()), "expired": int(expired.sum()),
        }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(POINT_STATES))
    frame.index.name = "horizon"
    return frame


def collection_rate(sells: pd.DataFrame, as_of: pd.Timestamp, settings: Settings,
                    horizon: str = "24h") -> float | None:
    """The share of sells whose `horizon` point is due at `as_of` that have it (SPEC §2.2, the
    24h collection rate): sells with the point / sells whose point is due (window over by
    `as_of`; a recorded point counts as due). None when no point is due yet."""
    [spec] = [h for h in settings.horizons if h.key == horizon]
    tracked = sells[post_column(horizon)].notna()
    due = tracked | (sells["event_time"] + spec.delta + settings.candle_tolerance <= as_of)
    return None if not due.any() else float(tracked.sum() / due.sum())


def entry_sources(sells: pd.DataFrame) -> pd.DataFrame:
    """How many sells took their entry price from each source (`none` when not evaluable)."""
    source = sells["entry_source"].astype(object).where(sells["entry_source"].notna(), "none")
    counts = source.value_counts().rename("sells")
    counts.index.name = "entry price source"
    return counts.to_frame()
