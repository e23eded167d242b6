""""Were our exits right?": how many sells of each exit reason got each verdict (SPEC §2.2, §5).

Every report opens with this table, and the summary object carries it as `verdicts`: per exit
reason and overall, the count of each verdict (noise stop, early, saved, fine, pending), the
sells counted, and how many of the verdicts are provisional (read from a point before 24h).
A pure groupby over the evaluation frame's `verdict` and `verdict_provisional` columns.
"""

from __future__ import annotations

import pandas as pd

from exitlens.core.after_exit import VERDICTS
from exitlens.core.frames import UNKNOWN

COUNT_COLUMNS = ("sells", *VERDICTS, "provisional")
"""The columns of a verdict-count table: sells, one per verdict in SPEC order, provisional."""


def verdict_counts(sells: pd.DataFrame) -> pd.DataFrame:
    """One row per exit reason (sorted), columns COUNT_COLUMNS (int): the sells of that reason,
    how many got each verdict, and how many of those verdicts are provisional. Empty (no rows)
    when there is no sell."""
    reason = sells["exit_reason"].astype(object).fillna(UNKNOWN)
    verdict = sells["verdict"].astype(object) if "verdict" in sells else pd.Series(None, index=sells.index,
                                                                                    dtype=object)
    provisional = (sells["verdict_provisional"].fillna(False).astype(bool) if "verdict_provisional" in sells
                   else pd.Series(False, index=sells.index))
    counts = pd.crosstab(reason, verdict).reindex(columns=list(VERDICTS), fill_value=0)
    table = pd.DataFrame({"sells": reason.value_counts()}).join(counts, how="left")
    table["provisional"] = provisional.astype("int64").groupby(reason).sum()
    table = table.reindex(columns=list(COUNT_COLUMNS)).fillna(0).astype("int64").sort_index()
    table.index.name = None
    table.columns.name = None
    return table


def overall_counts(table: pd.DataFrame) -> pd.Series:
    """The column sums of a `verdict_counts` table: the counts over every sell."""
    return table.reindex(columns=list(COUNT_COLUMNS)).sum().astype("int64")


def verdicts_json(sells: pd.DataFrame) -> dict:
    """The summary object's `verdicts`: {"overall": counts, "by_exit_reason": {reason: counts}},
    each counts a dict keyed by COUNT_COLUMNS."""
    table = verdict_counts(sells)
    return {"overall": {key: int(value) for key, value in overall_counts(table).items()},
            "by_exit_reason": {str(reason): {key: int(value) for key, value in row.items()}
                               for reason, row in table.iterrows()}}
