"""The evidence behind a suggestion and the one order suggestions are listed in (SPEC §3).

Strongest first: `out-of-sample` (replay-backed, confirmed by walk-forward) · `in-sample`
(replay-backed, not confirmed out of sample) · `rule, confirmed` · `rule, not confirmed` ·
`rule, not replayable` · `hold`. The summary JSON, the report, Discord and n8n all sort with
`evidence_rank` (or `by_evidence`), so they never disagree on which suggestion is strongest.
Works on suggestion dicts (as the summary object holds them). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

OUT_OF_SAMPLE = "out-of-sample"
IN_SAMPLE = "in-sample"
RULE_CONFIRMED = "rule, confirmed"
RULE_NOT_CONFIRMED = "rule, not confirmed"
RULE_NOT_REPLAYABLE = "rule, not replayable"
HOLD = "hold"
EVIDENCE_ORDER = (OUT_OF_SAMPLE, IN_SAMPLE, RULE_CONFIRMED, RULE_NOT_CONFIRMED, RULE_NOT_REPLAYABLE, HOLD)
"""Every evidence level, strongest first."""

_RULE_BY_STATUS = {"confirmed": RULE_CONFIRMED, "not confirmed": RULE_NOT_CONFIRMED,
                   "not replayable": RULE_NOT_REPLAYABLE}


def evidence_of(suggestion: Mapping) -> str:
    """The evidence of one suggestion: the `evidence` it carries (a replay-backed suggestion
    gets it from walk-forward); else `hold` for the hold rule, `in-sample` for a replay-backed
    one, and for a rule-based one its replay check's status (`rule, not replayable` without a
    check: no rules file, nothing to replay it with)."""
    given = suggestion.get("evidence")
    if given in EVIDENCE_ORDER:
        return str(given)
    rule = str(suggestion.get("rule") or "")
    if rule == "hold":
        return HOLD
    if rule.startswith("replay_"):
        return IN_SAMPLE
    check = suggestion.get("replay") or {}
    return _RULE_BY_STATUS.get(str(check.get("status")), RULE_NOT_REPLAYABLE)


def evidence_rank(suggestion: Mapping) -> int:
    """The sort key of a suggestion: 0 for the strongest evidence (`out-of-sample`)."""
    return EVIDENCE_ORDER.index(evidence_of(suggestion))


def strength(suggestion: Mapping) -> tuple[int, float]:
    """The sort key of a suggestion, strongest first: its evidence, then within one evidence
    the larger lower bound of its replayed interval (the more certain gain: +0.68 before +0.02);
    one without an interval after those with one."""
    low = suggestion.get("low") if "low" in suggestion else (suggestion.get("replay") or {}).get("low")
    bound = float(low) if isinstance(low, (int, float)) and low == low else float("-inf")
    return evidence_rank(suggestion), -bound


def by_evidence(suggestions: Iterable[Mapping]) -> list[dict]:
    """The suggestions as dicts, each with its `evidence`, strongest first (`strength`; a
    stable sort: equal strength keeps the given order)."""
    marked = [{**suggestion, "evidence": evidence_of(suggestion)} for suggestion in suggestions]
    return sorted(marked, key=strength)


WEAK = (RULE_NOT_REPLAYABLE, HOLD)
"""Evidence no stronger than a rule replay could not check: the headline says it is weak."""


def ranked(summary: Mapping[str, Any]) -> list[dict]:
    """A summary's suggestions and its replay's replay-backed suggestions (those not already
    among them) as one list, each with its `evidence`, strongest first: what the headline,
    the report, Discord and n8n lead with."""
    rules = list(summary.get("suggestions") or [])
    known = {s.get("rule") for s in rules}
    backed = [s for s in (summary.get("replay") or {}).get("suggestions") or [] if s.get("rule") not in known]
    return by_evidence([*rules, *backed])


def weakest_only(suggestions: Iterable[Mapping]) -> bool:
    """True when none of `suggestions` is stronger than `rule, not replayable`."""
    return all(evidence_of(s) in WEAK for s in suggestions)
