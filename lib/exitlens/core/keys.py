"""Names declared once: the post-exit metric keys of a bucket and the statuses of a report run.

The summary JSON, the suggestion rules, the headline, the views, the plots and the webhook
payloads all read these keys; each builds them here, so a key spelled differently in one module
cannot drift from the others.
"""

from __future__ import annotations

OUTCOME_HORIZON = "24h"
"""The horizon of the median/min/max post-exit metrics and the early-exit / over-hold rates;
the SPEC names it in the keys (`median_post_24h_pct`), so it is part of the definition."""

SUCCEEDED = "succeeded"
FAILED = "failed"
RUN_STATUSES = (SUCCEEDED, FAILED)
"""How a report run ended, as status.json, the index and the announcements say it."""
SKIPPED = "skipped"
"""A scheduled job that did not run because another process held its lock."""


def post_pct_key(horizon: str, stat: str = "avg") -> str:
    """The bucket key of a statistic of the post-exit change at `horizon`: `avg_post_4h_pct`."""
    return f"{stat}_post_{horizon}_pct"


def post_avg_key(horizon: str) -> str:
    """`avg_post_<horizon>_pct`: the mean post-exit change at `horizon`, in %."""
    return post_pct_key(horizon, "avg")


def post_samples_key(horizon: str) -> str:
    """`post_<horizon>_samples`: how many sells have a recorded change at `horizon`."""
    return f"post_{horizon}_samples"
