"""Tuning suggestions (SPEC §3): fixed rules over the buckets, thresholds from Settings.

Each rule reads one metric of one bucket and fires on a strict inequality, so a value exactly
at its threshold does not fire, and a missing value (no samples) never does. Suggestions are
structured (`Suggestion`) so the JSON, the notebooks and Discord render them without parsing
text. Nothing is suggested while the period has fewer evaluable sells than
`settings.min_samples`; a note says so and how many it has. A rule also needs that many sells
in the bucket it reads with the metric it uses (a trailing-stop rule counts the TRAILING_STOP
sells with a 24h point, not the period's): one whose inequality holds on fewer is held back,
and a note names it with its count. When no rule fires, the single suggestion is `hold`.
"""

from __future__ import annotations

import logging
import operator
from dataclasses import asdict, dataclass, field
from typing import Callable

import pandas as pd

from exitlens.core.aggregate import Buckets
from exitlens.core.evidence import evidence_of
from exitlens.core.i18n import t
from exitlens.core.jsonvalues import json_scalar
from exitlens.core.keys import post_avg_key, post_samples_key
from exitlens.core.settings import Settings, SuggestionThresholds

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    """One tuning suggestion: which rule, what to do, and the evidence behind it.

    `metric` is the path of the bucket metric in the summary object
    (`"by_exit_reason.TRAILING_STOP.avg_post_24h_pct"`, `"by_regime.BULL.early_exit_rate"`);
    `samples` is how many sells that metric is computed from.
    For `hold`, metric, value and threshold are None and samples is the evaluable count.
    `replay` is what exit replay says of it (SPEC §3, replay_stats.ReplayCheck as a dict:
    status confirmed / not confirmed / not replayable, the replayed parameter and value, n, the
    mean effect on net_pnl_pct and its 95% interval); None, and absent from the dict, when no
    exit rules file is configured. Its dict carries `evidence` (core.evidence)."""

    rule: str
    message: str
    metric: str | None
    value: float | None
    threshold: float | None
    samples: int
    replay: dict | None = None

    def to_dict(self) -> dict:
        """The suggestion as the summary object holds it, with its `evidence` (SPEC §3)."""
        out = asdict(self)
        if self.replay is None:
            del out["replay"]
        out["evidence"] = evidence_of(out)
        return out


@dataclass(frozen=True)
class SuggestionResult:
    """The suggestions of a period, and notes such as 'not enough data'."""

    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _ExitReasonRule:
    rule: str
    exit_reason: str
    metric: str
    samples: str
    threshold: Callable[[SuggestionThresholds], float]
    fires: Callable[[float, float], bool]
    message: Callable[[float, SuggestionThresholds], dict]
    """The values of the rule's message (i18n `suggest.<rule>`)."""


EXIT_REASON_RULES = (
    _ExitReasonRule(
        "trailing_stop_loosen", "TRAILING_STOP", post_avg_key("24h"), post_samples_key("24h"),
        lambda th: th.trailing_stop_post_24h_pct, operator.gt,
        lambda v, th: {"step": f"{th.trailing_stop_step_pct:g}", "value": f"{v:+.2f}"},
    ),
    _ExitReasonRule(
        "stop_loss_loosen", "STOP_LOSS", post_avg_key("4h"), post_samples_key("4h"),
        lambda th: th.stop_loss_post_4h_pct, operator.gt,
        lambda v, th: {"value": f"{v:+.2f}"},
    ),
    _ExitReasonRule(
        "take_profit_raise", "TAKE_PROFIT", post_avg_key("4h"), post_samples_key("4h"),
        lambda th: th.take_profit_post_4h_pct, operator.gt,
        lambda v, th: {"value": f"{v:+.2f}"},
    ),
    _ExitReasonRule(
        "time_limit_keep", "TIME_LIMIT", post_avg_key("24h"), post_samples_key("24h"),
        lambda th: th.time_limit_post_24h_pct, operator.lt,
        lambda v, th: {"value": f"{v:+.2f}"},
    ),
)


def suggest(buckets: Buckets, settings: Settings) -> SuggestionResult:
    """The suggestions of SPEC §3 for a period's buckets, in the order of the SPEC table
    (regimes alphabetically)."""
    evaluable = int(buckets.overall_bucket()["evaluable"])
    if evaluable < settings.min_samples:
        note = t("suggest.not_enough", settings.language, evaluable=evaluable, needed=settings.min_samples)
        return SuggestionResult(suggestions=[], notes=[note])

    thresholds = settings.thresholds
    candidates: list[Suggestion] = []
    for rule in EXIT_REASON_RULES:
        if rule.exit_reason not in buckets.by_exit_reason.index:
            continue
        bucket = buckets.by_exit_reason.loc[rule.exit_reason]
        value, threshold = json_scalar(bucket[rule.metric]), rule.threshold(thresholds)
        if value is not None and rule.fires(value, threshold):
            candidates.append(
                Suggestion(
                    rule=rule.rule,
                    message=t(f"suggest.{rule.rule}", settings.language, **rule.message(value, thresholds)),
                    metric=f"by_exit_reason.{rule.exit_reason}.{rule.metric}",
                    value=value,
                    threshold=threshold,
                    samples=int(bucket[rule.samples]),
                )
            )
    candidates += _regime_reviews(buckets.by_regime, settings)
    found = [s for s in candidates if s.samples >= settings.min_samples]
    notes = [_held_back(s, settings) for s in candidates if s.samples < settings.min_samples]
    if not found:
        found.append(
            Suggestion(
                rule="hold",
                message=t("suggest.hold", settings.language),
                metric=None,
                value=None,
                threshold=None,
                samples=evaluable,
            )
        )
    logger.info("suggestions: %s; held back: %d", ", ".join(s.rule for s in found), len(notes))
    return SuggestionResult(suggestions=found, notes=notes)


def _held_back(suggestion: Suggestion, settings: Settings) -> str:
    """The note of a rule whose inequality holds on fewer than min_samples sells."""
    value = suggestion.value
    shown = f"{value:.0%}" if suggestion.rule == "regime_review" else f"{value:+.2f}%"
    return t("suggest.held_back", settings.language, rule=suggestion.rule, metric=suggestion.metric,
             value=shown, samples=suggestion.samples, needed=settings.min_samples)


def _regime_reviews(by_regime: pd.DataFrame, settings: Settings) -> list[Suggestion]:
    """regime_review for every regime whose early_exit_rate is strictly above its threshold."""
    threshold = settings.thresholds.regime_early_exit_rate
    reviews = []
    for regime, bucket in by_regime.iterrows():
        value = json_scalar(bucket["early_exit_rate"])
        if value is None or not value > threshold:
            continue
        samples = int(bucket["early_exit_samples"])
        reviews.append(
            Suggestion(
                rule="regime_review",
                message=t("suggest.regime_review", settings.language, regime=regime, rate=f"{value:.0%}",
                          samples=samples, change=f"{settings.early_exit_change_pct:+g}"),
                metric=f"by_regime.{regime}.early_exit_rate",
                value=value,
                threshold=threshold,
                samples=samples,
            )
        )
    return reviews
