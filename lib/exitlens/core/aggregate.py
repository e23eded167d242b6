"""Buckets of sells and their metrics (SPEC §2): overall, by exit reason, by regime, and by
regime × exit reason, each computed by one groupby of the evaluation frame.

What each metric counts:

* `count` — every SELL in the bucket; `evaluable` — those with an entry price (evaluate.py).
* P&L metrics (`wins`, `draws`, `losses`, `win_rate`, `realized_pnl`, `avg_pnl_pct`, `median_pnl_pct`) use only
  evaluable sells: a sell without an entry price has no P&L, and counting it as 0 would bias
  every average towards zero. A sell is a win, a draw or a loss by its net PnL (SPEC §2.1,
  `evaluate.outcomes`), so `wins + draws + losses = evaluable`; `win_rate = wins / evaluable`;
  `realized_pnl` is their sum.
* A short's post-exit changes count with their sign reversed (SPEC §2.3): a fall after its
  covering BUY is what a rise is after a long's SELL, so `avg_post_<h>_pct`, the 24h
  median/min/max and the two rates read "the price went on in the trade's favour" alike.
* Time and market metrics (`avg_hold_hours`, `avg_post_<h>_pct`, `post_<h>_samples`, the 24h
  median/min/max, `early_exit_rate`, `over_hold_rate`) use every sell that has the value: how
  long lots were held and where the price went after the exit do not depend on knowing the
  entry price.
* After the exit (SPEC §2.2, `after_exit.py`): `avg_max_after_24h_pct` ("left on the table")
  and `avg_min_after_24h_pct` over the sells whose 24h window has passed and holds candles;
  `noise_stop_rate` among STOP_LOSS sells with an entry price and a 24h path.
* Averages, medians and rates over nothing are NaN (null in JSON), never 0; so is
  `realized_pnl` of a bucket with no evaluable sell (unknown, not zero).
* Money (SPEC §2.1): `realized_pnl` (gross), `fees` and `net_pnl` are sums over the evaluable
  sells, so `net_pnl = realized_pnl − fees` holds in every bucket; `wins` counts net wins and
  `avg_net_pnl_pct` averages net_pnl_pct. Money is never added across quote currencies: a
  bucket whose sells share one currency has plain numbers and `currency` set to it; a bucket
  that mixes currencies has `currency` None and, in JSON, each money figure as an object
  `{currency: amount}` (the frames keep these in the `<key>_by_currency` columns, for every
  bucket). Percentages are unitless and averaged across currencies.

The aggregated frames also carry `early_exit_samples`, `over_hold_samples` and
`noise_stop_samples`, the denominators of the three rates, which the suggestions report as sample sizes; they are not
part of the JSON bucket, which has exactly the SPEC keys (`bucket_to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from exitlens.core.after_exit import direction_signs, max_after_column, min_after_column
from exitlens.core.evaluate import post_column
from exitlens.core.frames import UNKNOWN
from exitlens.core.jsonvalues import json_scalar
from exitlens.core.keys import OUTCOME_HORIZON, post_avg_key, post_pct_key, post_samples_key
from exitlens.core.markets import UNKNOWN_CURRENCY
from exitlens.core.settings import Settings

# OUTCOME_HORIZON (core.keys): when the settings have no such horizon, its metrics are null.

EARLY_EXIT_REASONS = ("TRAILING_STOP", "TAKE_PROFIT")
OVER_HOLD_REASONS = ("TIME_LIMIT",)
OVERALL = "ALL"
"""Index label of the single overall bucket."""

RATE_SAMPLE_COLUMNS = ("early_exit_samples", "over_hold_samples", "noise_stop_samples")
MONEY_KEYS = ("realized_pnl", "fees", "net_pnl")
"""The bucket keys that are amounts in a quote currency (the rest are counts or unitless)."""


def by_currency_column(key: str) -> str:
    """The aggregated frames' column holding a money key per currency: 'fees' →
    'fees_by_currency' (a dict {currency: amount or None} in every bucket)."""
    return f"{key}_by_currency"


def bucket_keys(settings: Settings) -> list[str]:
    """The keys of a bucket, in SPEC order, horizons from `settings`."""
    keys = ["count", "evaluable", "wins", "draws", "losses", "win_rate", "currency", *MONEY_KEYS, "avg_pnl_pct",
            "avg_net_pnl_pct", "median_pnl_pct", "avg_hold_hours"]
    for key in settings.horizon_keys:
        keys += [post_avg_key(key), post_samples_key(key)]
    h = OUTCOME_HORIZON
    keys += [post_pct_key(h, "median"), post_pct_key(h, "min"), post_pct_key(h, "max"),
             "early_exit_rate", "over_hold_rate"]
    keys += [f"avg_{max_after_column(h)}", f"avg_{min_after_column(h)}", "noise_stop_rate"]
    return keys


def aggregate_buckets(
    sells: pd.DataFrame, settings: Settings, by: Sequence[str] = ()
) -> pd.DataFrame:
    """One row per bucket of the evaluation frame `sells`, grouped by the columns `by`.

    With `by` empty there is one row labelled OVERALL, present even when `sells` is empty
    (counts 0, everything else NaN). Otherwise the index holds the group values (a MultiIndex
    for two columns), sorted; only non-empty groups appear. Columns: `bucket_keys(settings)`,
    RATE_SAMPLE_COLUMNS, then `by_currency_column(key)` of each MONEY_KEYS.
    """
    return _aggregate(sells, _metric_inputs(sells, settings), settings, by)


def _aggregate(sells: pd.DataFrame, parts: pd.DataFrame, settings: Settings, by: Sequence[str]) -> pd.DataFrame:
    """`aggregate_buckets` with the metric inputs of `sells` (`_metric_inputs`) given, so the
    bucketings of one period build them once."""
    keys = [sells[name].astype(object).fillna(UNKNOWN) for name in by] if by else [
        pd.Series(OVERALL, index=sells.index, dtype=object)
    ]
    named = {
        "count": ("_one", "sum"),
        "evaluable": ("_evaluable", "sum"),
        "wins": ("_win", "sum"),
        "draws": ("_draw", "sum"),
        "losses": ("_loss", "sum"),
        "realized_pnl": ("_realized_pnl", "sum"),
        "fees": ("_fees", "sum"),
        "net_pnl": ("_net_pnl", "sum"),
        "_currencies": ("_currency", "nunique"),
        "currency": ("_currency", "first"),
        "avg_pnl_pct": ("_pnl_pct", "mean"),
        "avg_net_pnl_pct": ("_net_pnl_pct", "mean"),
        "median_pnl_pct": ("_pnl_pct", "median"),
        "avg_hold_hours": ("_hold_hours", "mean"),
    }
    for key in settings.horizon_keys:
        named[post_avg_key(key)] = (f"_post_{key}", "mean")
        named[post_samples_key(key)] = (f"_post_{key}", "count")
    for stat, how in (("median", "median"), ("min", "min"), ("max", "max")):
        named[post_pct_key(OUTCOME_HORIZON, stat)] = ("_outcome", how)
    named["_early_hits"] = ("_early_hit", "sum")
    named["early_exit_samples"] = ("_early_sample", "sum")
    named["_over_hits"] = ("_over_hit", "sum")
    named["over_hold_samples"] = ("_over_sample", "sum")
    named[f"avg_{max_after_column(OUTCOME_HORIZON)}"] = ("_max_after", "mean")
    named[f"avg_{min_after_column(OUTCOME_HORIZON)}"] = ("_min_after", "mean")
    named["_noise_hits"] = ("_noise_hit", "sum")
    named["noise_stop_samples"] = ("_noise_sample", "sum")

    scaled, exponents = _scaled_down(parts)
    grouped = scaled.groupby(keys, sort=True).agg(**named)
    for name, (column, how) in named.items():
        if column in exponents and how != "count":
            grouped[name] = np.ldexp(grouped[name].to_numpy(dtype=float), exponents[column])
    if not by and grouped.empty:
        grouped = grouped.reindex([OVERALL])
    if by:
        grouped.index.names = list(by)

    counts = ["count", "evaluable", "wins", "draws", "losses", *RATE_SAMPLE_COLUMNS]
    counts += [post_samples_key(key) for key in settings.horizon_keys]
    grouped[counts] = grouped[counts].fillna(0).astype("int64")
    grouped["win_rate"] = _rate(grouped["wins"], grouped["evaluable"])
    single = grouped["_currencies"] == 1
    grouped["currency"] = grouped["currency"].astype(object).where(single, None)
    for key in MONEY_KEYS:
        grouped[key] = grouped[key].where((grouped["evaluable"] > 0) & single)
    money = _money_by_currency(parts, keys, grouped.index)
    grouped["early_exit_rate"] = _rate(grouped["_early_hits"], grouped["early_exit_samples"])
    grouped["over_hold_rate"] = _rate(grouped["_over_hits"], grouped["over_hold_samples"])
    grouped["noise_stop_rate"] = _rate(grouped["_noise_hits"], grouped["noise_stop_samples"])
    out = grouped[bucket_keys(settings) + list(RATE_SAMPLE_COLUMNS)].copy()
    for key in MONEY_KEYS:
        out[by_currency_column(key)] = money[key]
    return out


def _money_by_currency(parts: pd.DataFrame, keys: list[pd.Series], index: pd.Index) -> dict[str, pd.Series]:
    """Per money key, a Series over the buckets `index` of dicts {currency: amount}, one entry
    per currency that has a sell in the bucket (None when none of its sells is evaluable)."""
    columns = {key: f"_{key}" for key in MONEY_KEYS}
    if parts.empty:
        return {key: pd.Series([{} for _ in index], index=index, dtype=object) for key in MONEY_KEYS}
    grouped = parts.groupby([*keys, parts["_currency"]], sort=True)
    sums = grouped[list(columns.values())].sum(min_count=1)
    out = {}
    for key, column in columns.items():
        per_bucket: dict = {}
        for label, amount in sums[column].items():
            *bucket, currency = label
            bucket_label = bucket[0] if len(bucket) == 1 else tuple(bucket)
            per_bucket.setdefault(bucket_label, {})[currency] = json_scalar(amount)
        out[key] = pd.Series([per_bucket.get(label, {}) for label in index], index=index, dtype=object)
    return out


def _metric_inputs(sells: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The numeric columns the aggregation sums, averages and counts, one row per sell."""
    evaluable = sells["evaluable"].astype(bool)
    reason = sells["exit_reason"].astype(object)
    outcome_column = post_column(OUTCOME_HORIZON)
    sign = direction_signs(sells)  # a short's post-exit fall is a long's rise (SPEC §2.3)
    outcome = (sells[outcome_column] if outcome_column in sells else
               pd.Series(np.nan, index=sells.index)).astype(float) * sign
    has_outcome = outcome.notna()
    early = reason.isin(EARLY_EXIT_REASONS) & has_outcome
    over = reason.isin(OVER_HOLD_REASONS) & has_outcome
    parts = pd.DataFrame(
        {
            "_one": 1,
            "_evaluable": evaluable.astype("int64"),
            "_win": _counted(sells, "win", evaluable),
            "_draw": _counted(sells, "draw", evaluable),
            "_loss": _counted(sells, "loss", evaluable),
            "_realized_pnl": sells["realized_pnl"].astype(float).where(evaluable),
            "_fees": sells["fees"].astype(float).where(evaluable),
            "_net_pnl": sells["net_pnl"].astype(float).where(evaluable),
            "_currency": sells["currency"].astype(object).fillna(UNKNOWN_CURRENCY),
            "_pnl_pct": sells["pnl_pct"].astype(float).where(evaluable),
            "_net_pnl_pct": sells["net_pnl_pct"].astype(float).where(evaluable),
            "_hold_hours": sells["hold_hours"].astype(float),
            "_outcome": outcome,
            "_early_sample": early.astype("int64"),
            "_early_hit": (early & (outcome > settings.early_exit_change_pct)).astype("int64"),
            "_over_sample": over.astype("int64"),
            "_over_hit": (over & (outcome < settings.over_hold_change_pct)).astype("int64"),
        },
        index=sells.index,
    )
    for key in settings.horizon_keys:
        parts[f"_post_{key}"] = sells[post_column(key)].astype(float) * sign
    parts["_max_after"] = _optional(sells, max_after_column(OUTCOME_HORIZON))
    parts["_min_after"] = _optional(sells, min_after_column(OUTCOME_HORIZON))
    noise = sells["noise_stop"] if "noise_stop" in sells else pd.Series(pd.NA, index=sells.index, dtype="boolean")
    parts["_noise_sample"] = noise.notna().astype("int64")
    parts["_noise_hit"] = noise.fillna(False).astype(bool).astype("int64")
    return parts


def _counted(sells: pd.DataFrame, outcome: str, evaluable: pd.Series) -> pd.Series:
    """1 where an evaluable sell has this outcome ("win", "draw", "loss"), else 0."""
    return (sells[outcome].fillna(False).astype(bool) & evaluable).astype("int64")


def _optional(sells: pd.DataFrame, column: str) -> pd.Series:
    """A float column of `sells`, or NaN when the analysis had no candles to compute it."""
    return (sells[column] if column in sells else pd.Series(np.nan, index=sells.index)).astype(float)


_SCALED_INPUTS = ("_realized_pnl", "_fees", "_net_pnl", "_pnl_pct", "_net_pnl_pct", "_hold_hours", "_outcome",
                  "_max_after", "_min_after")


def _scaled_down(parts: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """A copy of `parts` with each summed or averaged column divided by a power of two above
    its largest magnitude, and the exponents to multiply the results back with.

    Powers of two change no digit of an ordinary value, and a sum or mean of numbers in
    [-1, 1] cannot overflow midway: any finite input (a change_pct of 1e308 from the database)
    gives a finite mean, never a null."""
    exponents = {}
    scaled = parts.copy()
    columns = [*(c for c in _SCALED_INPUTS if c in parts), *(c for c in parts.columns if c.startswith("_post_"))]
    for column in columns:
        values = parts[column].to_numpy(dtype=float)
        finite = np.abs(values[np.isfinite(values)])
        exponent = int(np.frexp(finite.max())[1]) if finite.size else 0
        scaled[column] = np.ldexp(values, -exponent)
        exponents[column] = exponent
    return scaled, exponents


def _rate(hits: pd.Series, samples: pd.Series) -> pd.Series:
    """hits / samples, NaN where there are no samples."""
    return (hits / samples.where(samples > 0)).astype(float)


@dataclass(frozen=True)
class Buckets:
    """The four bucketings of SPEC §2 as aggregated frames (see `aggregate_buckets`)."""

    overall: pd.DataFrame
    by_exit_reason: pd.DataFrame
    by_regime: pd.DataFrame
    by_regime_exit_reason: pd.DataFrame

    def overall_bucket(self) -> pd.Series:
        return self.overall.loc[OVERALL]

    def to_json(self, settings: Settings) -> dict:
        """`overall`, `by_exit_reason`, `by_regime`, `by_regime_exit_reason` as in SPEC §4."""
        nested: dict[str, dict] = {}
        for (regime, reason), row in self.by_regime_exit_reason.iterrows():
            nested.setdefault(regime, {})[reason] = bucket_to_dict(row, settings)
        return {
            "overall": bucket_to_dict(self.overall_bucket(), settings),
            "by_exit_reason": _flat(self.by_exit_reason, settings),
            "by_regime": _flat(self.by_regime, settings),
            "by_regime_exit_reason": nested,
        }


def bucket_all(sells: pd.DataFrame, settings: Settings) -> Buckets:
    """Every bucketing the reports show, from one evaluation frame."""
    parts = _metric_inputs(sells, settings)
    return Buckets(
        overall=_aggregate(sells, parts, settings, ()),
        by_exit_reason=_aggregate(sells, parts, settings, ["exit_reason"]),
        by_regime=_aggregate(sells, parts, settings, ["regime"]),
        by_regime_exit_reason=_aggregate(sells, parts, settings, ["regime", "exit_reason"]),
    )


def _flat(frame: pd.DataFrame, settings: Settings) -> dict[str, dict]:
    return {str(label): bucket_to_dict(row, settings) for label, row in frame.iterrows()}


def bucket_to_dict(row: pd.Series, settings: Settings) -> dict:
    """A bucket row as a JSON-ready dict with the SPEC keys and `currency`: NaN → None, numpy
    scalars → Python, counts → int (a row taken out of a frame may have them as floats). In a
    bucket that mixes currencies each money key is an object {currency: amount}."""
    out: dict[str, Any] = {}
    mixed = pd.isna(row["currency"]) and len(row.get(by_currency_column("net_pnl")) or {}) > 1
    for key in bucket_keys(settings):
        if mixed and key in MONEY_KEYS:
            out[key] = dict(row[by_currency_column(key)])
            continue
        value = json_scalar(row[key])
        out[key] = int(value) if value is not None and _is_count(key) else value
    return out


def _is_count(key: str) -> bool:
    return key in ("count", "evaluable", "wins", "draws", "losses") or key.endswith("_samples")
