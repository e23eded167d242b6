"""The headline of a summary: deterministic text from the numbers.

The deterministic headline is always available and always the same for the same numbers, so
reports reproduce and tests can pin it. Narrators are callables `facts -> Narration`, where
`facts` is the JSON-ready summary object without its headline (summary.py builds it), so this
module knows nothing about DataFrames. The opt-in LLM narrator lives in `exitlens.reports.llm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from exitlens.core.keys import OUTCOME_HORIZON, post_avg_key, post_samples_key

SOURCE_DETERMINISTIC = "deterministic"
SOURCE_LLM = "llm"


@dataclass(frozen=True)
class Narration:
    """A headline text, where it came from, and a note when the LLM was wanted but failed."""

    text: str
    source: str = SOURCE_DETERMINISTIC
    note: str | None = None


Narrator = Callable[[Mapping], Narration]


def deterministic_headline(facts: Mapping) -> str:
    """One or two sentences from the summary's numbers: the period, sells, win rate, realized
    P&L, average P&L, the average 24h post-exit move, and the first suggestion."""
    overall = facts.get("overall") or {}
    label = period_label(facts)
    count = overall.get("count") or 0
    if not count:
        return f"{label}: no sells in the period."
    evaluable = overall.get("evaluable") or 0
    parts = [f"{count} sell{'s' if count != 1 else ''}", f"{evaluable} evaluable"]
    win_rate = overall.get("win_rate")
    if win_rate is not None:
        wins = overall.get("wins") or 0
        parts.append(f"win rate {win_rate:.1%} ({wins} win{'s' if wins != 1 else ''})")
    if overall.get("realized_pnl") is not None:
        parts.append(f"realized P&L {overall['realized_pnl']:+,.0f}")
    if overall.get("avg_pnl_pct") is not None:
        parts.append(f"avg {overall['avg_pnl_pct']:+.2f}% per sell")
    text = f"{label}: " + ", ".join(parts) + "."
    after = overall.get(post_avg_key(OUTCOME_HORIZON))
    if after is not None:
        text += (
            f" 24h after exit the price moved {after:+.2f}% on average "
            f"({overall.get(post_samples_key(OUTCOME_HORIZON))} sells)."
        )
    suggestions = facts.get("suggestions") or []
    if suggestions:
        text += f" Suggestion: {suggestions[0]['message']}"
    return text


def period_label(facts: Mapping) -> str:
    """'Daily 2026-11-23 (Asia/Seoul)' or 'Weekly 7 days from … to … (Asia/Seoul)'."""
    kind = str(facts.get("kind", "")).capitalize()
    zone = facts.get("timezone", "")
    if facts.get("date"):
        return f"{kind} {facts['date']} ({zone})"
    start, end = _minutes(facts.get("period_start")), _minutes(facts.get("period_end"))
    days = f"{facts['days']} days " if facts.get("days") else ""
    return f"{kind} {days}from {start} to {end} ({zone})"


def _minutes(iso: str | None) -> str:
    """'2026-11-16T22:00:00+09:00' → '2026-11-16 22:00' (the offset is in the label's zone)."""
    return (iso or "?")[:16].replace("T", " ")


def deterministic_narrator(facts: Mapping) -> Narration:
    """The default narrator: the deterministic headline, no note."""
    return Narration(text=deterministic_headline(facts))
