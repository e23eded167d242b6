"""The headline of a summary: deterministic text from the numbers, optionally an LLM briefing.

The deterministic headline is always available and always the same for the same numbers, so
reports reproduce and tests can pin it. An LLM briefing is opt-in: with an `LLMConfig`
(OpenAI-compatible `/chat/completions` endpoint, key, model) `LLMNarrator` asks for a 3–5 line
briefing of the summary's numbers. Any failure — timeout, connection error, non-200 status,
a body that is not the expected JSON — falls back to the deterministic headline and returns a
note saying why; it never raises. The API key is sent only in the Authorization header and is
never logged, put in a note, or shown in a repr.

Narrators are callables `facts -> Narration`, where `facts` is the JSON-ready summary object
without its headline (summary.py builds it), so this module knows nothing about DataFrames.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from typing import Callable, Mapping

import httpx

logger = logging.getLogger(__name__)

SOURCE_DETERMINISTIC = "deterministic"
SOURCE_LLM = "llm"
MAX_BRIEFING_LINES = 5

_SYSTEM_PROMPT = (
    "You brief the operator of a crypto trading bot on how well its exits worked. "
    "Write a 3 to 5 line plain-text briefing from the JSON summary you are given: the period, "
    "sells and win rate, realized P&L, what the price did after exits, and the suggestions. "
    "Use only numbers present in the JSON; do not invent advice beyond its suggestions."
)


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
    after = overall.get("avg_post_24h_pct")
    if after is not None:
        text += (
            f" 24h after exit the price moved {after:+.2f}% on average "
            f"({overall.get('post_24h_samples')} sells)."
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


@dataclass(frozen=True)
class LLMConfig:
    """Where to ask for a briefing. Read from the environment at the edge (`from_env`)."""

    base_url: str
    api_key: str = field(repr=False)
    model: str
    timeout_seconds: float = 20.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "LLMConfig | None":
        """The config from EXITLENS_LLM_BASE_URL, EXITLENS_LLM_API_KEY and EXITLENS_LLM_MODEL,
        or None unless all three are set."""
        env = os.environ if environ is None else environ
        names = ("BASE_URL", "API_KEY", "MODEL")
        values = [env.get(f"EXITLENS_LLM_{name}", "").strip() for name in names]
        if not all(values):
            return None
        return cls(base_url=values[0], api_key=values[1], model=values[2])

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/chat/completions"


class LLMNarrator:
    """A narrator that asks an OpenAI-compatible chat endpoint for the briefing, falling back
    to the deterministic headline (with a note) on any failure."""

    def __init__(self, config: LLMConfig, *, client: httpx.Client | None = None):
        self.config = config
        self._client = client

    def __repr__(self) -> str:
        return f"LLMNarrator(endpoint={self.config.endpoint!r}, model={self.config.model!r})"

    def __call__(self, facts: Mapping) -> Narration:
        fallback = deterministic_headline(facts)
        try:
            text = self._ask(facts)
        except LLMUnavailable as exc:
            logger.warning("LLM briefing unavailable, using the deterministic headline: %s", exc)
            note = f"LLM briefing unavailable ({exc}); the headline is the deterministic one."
            return Narration(text=fallback, source=SOURCE_DETERMINISTIC, note=note)
        return Narration(text=text, source=SOURCE_LLM)

    def _ask(self, facts: Mapping) -> str:
        """The briefing text, or LLMUnavailable saying what went wrong (never the key)."""
        endpoint = self.config.endpoint
        body = {
            "model": self.config.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": _SYSTEM_PROMPT},
                {"role": "user", "content": json.dumps(facts, ensure_ascii=False, default=str)},
            ],
        }
        headers = {"Authorization": f"Bearer {self.config.api_key}"}
        timeout = self.config.timeout_seconds
        client = self._client or httpx.Client()
        try:
            response = client.post(endpoint, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise LLMUnavailable(f"no answer from {endpoint} within {timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"request to {endpoint} failed: {type(exc).__name__}") from exc
        finally:
            if self._client is None:
                client.close()
        if response.status_code != 200:
            raise LLMUnavailable(f"HTTP {response.status_code} from {endpoint}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMUnavailable(
                f"unexpected response from {endpoint}: not a chat completion"
            ) from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMUnavailable(f"unexpected response from {endpoint}: empty briefing")
        lines = [line.rstrip() for line in content.strip().splitlines() if line.strip()]
        return "\n".join(lines[:MAX_BRIEFING_LINES])


class LLMUnavailable(Exception):
    """The LLM could not produce a briefing; internal to this module (callers get a Narration)."""


def narrator_from_config(config: LLMConfig | None) -> Narrator:
    """The LLM narrator when configured, else the deterministic one."""
    return LLMNarrator(config) if config is not None else deterministic_narrator
