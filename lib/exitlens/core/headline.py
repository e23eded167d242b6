"""The headline of a summary: deterministic text from the numbers.

The deterministic headline is always available and always the same for the same numbers, so
reports reproduce and tests can pin it. Narrators are callables `facts -> Narration`, where
`facts` is the JSON-ready summary object without its headline (summary.py builds it), so this
module knows nothing about DataFrames. The opt-in LLM narrator lives in `exitlens.reports.llm`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Mapping

from exitlens.core.filters import filter_from
from exitlens.core.formatting import fmt_money
from exitlens.core.i18n import DEFAULT_LANGUAGE, kind_label, t
from exitlens.core.keys import OUTCOME_HORIZON, post_avg_key, post_samples_key
from exitlens.core.ledger import PARTLY_COVERED
from exitlens.core.settings import KINDS

SOURCE_DETERMINISTIC = "deterministic"
SOURCE_LLM = "llm"


@dataclass(frozen=True)
class Narration:
    """A headline text, where it came from, and a note when the LLM was wanted but failed."""

    text: str
    source: str = SOURCE_DETERMINISTIC
    note: str | None = None


Narrator = Callable[[Mapping], Narration]


def deterministic_headline(facts: Mapping, lang: str = DEFAULT_LANGUAGE) -> str:
    """One or two sentences from the summary's numbers, in `lang`: the period (and slice),
    sells, win rate (net of fees), net P&L with gross and fees beside it in their quote
    currency, average P&L, the average 24h post-exit move, and the first suggestion; when a SELL
    sold more than the BUY lots it consumed, a warning that its P&L rests on the covered cost
    (a SELL far larger than every BUY would otherwise show an absurd net P&L unremarked)."""
    overall = facts.get("overall") or {}
    label = period_label(facts, lang)
    count = overall.get("count") or 0
    if not count:
        return t("headline.none", lang, label=label)
    evaluable = overall.get("evaluable") or 0
    parts = [t("headline.sells" if count != 1 else "headline.sell", lang, count=count),
             t("headline.evaluable", lang, count=evaluable)]
    win_rate = overall.get("win_rate")
    if win_rate is not None:
        wins = overall.get("wins") or 0
        parts.append(t("headline.win_rate" if wins != 1 else "headline.win_rate_one", lang,
                       rate=f"{win_rate:.1%}", wins=wins))
    if overall.get("net_pnl") is not None:
        currency = overall.get("currency")
        parts.append(t("headline.net", lang, net=fmt_money(overall["net_pnl"], currency),
                       gross=fmt_money(overall.get("realized_pnl"), currency),
                       fees=fmt_money(overall.get("fees"), currency, signed=False)))
    if overall.get("avg_pnl_pct") is not None:
        parts.append(t("headline.avg", lang, pct=f"{overall['avg_pnl_pct']:+.2f}"))
    text = f"{label}: " + ", ".join(parts) + "."
    after = overall.get(post_avg_key(OUTCOME_HORIZON))
    if after is not None:
        text += t("headline.after", lang, pct=f"{after:+.2f}", samples=overall.get(post_samples_key(OUTCOME_HORIZON)))
    suggestions = facts.get("suggestions") or []
    if suggestions:
        text += t("headline.suggestion", lang, message=suggestions[0]["message"])
    partly = sum(PARTLY_COVERED in str(note) for note in facts.get("notes") or [])
    if partly:
        text += t("headline.partly_covered", lang, count=partly)
    return text


def period_label(facts: Mapping, lang: str = DEFAULT_LANGUAGE) -> str:
    """'Daily 2026-11-23 (Asia/Seoul)', 'Weekly 7 days from … to … (Asia/Seoul)', '30-day period
    from …', 'Monthly 2026-11 (Asia/Seoul)'; followed by the slice when one is set."""
    kind = str(facts.get("kind", ""))
    zone = facts.get("timezone", "")
    word = kind_label(kind, lang, facts.get("days")) if kind in KINDS else kind.capitalize()
    if facts.get("date"):
        label = t("headline.label_day", lang, kind=word, date=facts["date"], zone=zone)
    elif facts.get("month"):
        label = t("headline.label_month", lang, kind=word, month=facts["month"], zone=zone)
    else:
        start, end = _minutes(facts.get("period_start")), _minutes(facts.get("period_end"))
        # "Weekly 7 days from …"; a period of another length names its days in its kind word
        days = t("headline.label_days", lang, days=facts["days"]) if facts.get("days") == 7 else ""
        label = t("headline.label_period", lang, kind=word, days=days, start=start, end=end, zone=zone)
    chosen = filter_from(facts.get("filters"))
    return f"{label} [{t('filter.intro', lang)}: {chosen.describe(lang)}]" if not chosen.is_empty else label


def _minutes(iso: str | None) -> str:
    """'2026-11-16T22:00:00+09:00' → '2026-11-16 22:00' (the offset is in the label's zone)."""
    return (iso or "?")[:16].replace("T", " ")


def deterministic_narrator(facts: Mapping, lang: str = DEFAULT_LANGUAGE) -> Narration:
    """The default narrator: the deterministic headline, no note."""
    return Narration(text=deterministic_headline(facts, lang))


def narrator_in(lang: str) -> Narrator:
    """The deterministic narrator writing in `lang`."""
    return deterministic_narrator if lang == DEFAULT_LANGUAGE else partial(deterministic_narrator, lang=lang)
