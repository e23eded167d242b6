"""Evidence order of suggestions (SPEC §3): what each suggestion rests on, strongest first.

`out-of-sample` (replay-backed, confirmed by walk-forward) · `in-sample` (replay-backed) ·
`rule, confirmed` · `rule, not confirmed` · `rule, not replayable` · `hold`. A suggestion
that already carries `evidence` keeps it; otherwise it is read from the suggestion itself: a
replay-backed one (it names the swept `parameter`) is in-sample unless it says it held out of
sample, a rule-based one takes its replay mark (none: not replayable). `ranked` lists a
summary's rule-based and replay-backed suggestions together in that order, each with its
`evidence`, so the headline, the report, Discord and n8n lead with the same one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exitlens.core.replay_stats.checks import NOT_REPLAYABLE

OUT_OF_SAMPLE, IN_SAMPLE = "out-of-sample", "in-sample"
RULE_CONFIRMED, RULE_NOT_CONFIRMED, RULE_NOT_REPLAYABLE = "rule, confirmed", "rule, not confirmed", "rule, not replayable"
HOLD = "hold"
EVIDENCE_ORDER = (OUT_OF_SAMPLE, IN_SAMPLE, RULE_CONFIRMED, RULE_NOT_CONFIRMED, RULE_NOT_REPLAYABLE, HOLD)
WEAK = (RULE_NOT_REPLAYABLE, HOLD)
"""Evidence no stronger than a rule replay could not check: the headline says it is weak."""


def evidence_of(suggestion: Mapping[str, Any]) -> str:
    """The evidence string of one suggestion (summary JSON shape)."""
    given = suggestion.get("evidence")
    if given in EVIDENCE_ORDER:
        return str(given)
    if suggestion.get("rule") == "hold":
        return HOLD
    if suggestion.get("parameter") is not None and "suggested" in suggestion:
        return OUT_OF_SAMPLE if suggestion.get("out_of_sample") else IN_SAMPLE
    check = suggestion.get("replay") or {}
    status = check.get("status", NOT_REPLAYABLE)
    return f"rule, {status}"


def ranked(summary: Mapping[str, Any]) -> list[dict]:
    """The summary's suggestions and its replay's suggestions (those not already among them),
    each with `evidence`, strongest first; equal evidence keeps the summary's order, the
    rule-based ones before the replay-backed."""
    rules = [dict(s) for s in summary.get("suggestions") or []]
    known = {s.get("rule") for s in rules}
    backed = [dict(s) for s in (summary.get("replay") or {}).get("suggestions") or [] if s.get("rule") not in known]
    every = [{**s, "evidence": evidence_of(s)} for s in rules + backed]
    return sorted(every, key=lambda s: EVIDENCE_ORDER.index(s["evidence"]))


def weakest_only(suggestions: list[dict]) -> bool:
    """True when none of `suggestions` (from `ranked`) is stronger than `rule, not replayable`."""
    return all(s["evidence"] in WEAK for s in suggestions)
