"""An LLM briefing as the headline of a report: opt-in, never in the way.

With an `LLMConfig` (OpenAI-compatible `/chat/completions` endpoint, key, model) `LLMNarrator`
asks for a 3–5 line briefing of the summary's numbers. Any failure — timeout, connection error,
non-200 status, a body that is not the expected JSON — falls back to the deterministic headline
and returns a note saying why; it never raises. The API key is sent only in the Authorization
header and is never logged, put in a note, or shown in a repr; the endpoint is shown redacted
(`redact_url`: scheme and host only), since a base URL may carry a password or a key too.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from exitlens.core.environment import Environment
from exitlens.core.headline import (
    SOURCE_DETERMINISTIC,
    SOURCE_LLM,
    Narration,
    Narrator,
    deterministic_headline,
    narrator_in,
)
from exitlens.core.secret_urls import URL_REDACTION, redact_url

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)
logging.getLogger("httpx").addFilter(URL_REDACTION)  # httpx logs each request's URL whole

MAX_BRIEFING_LINES = 5
MAX_BRIEFING_CHARS = 1200
"""A briefing longer than this is cut (with `…`): the headline shows in a report, a PDF, a
Discord embed and summary.json, and a runaway answer must not fill any of them."""
MAX_BRIEFING_TOKENS = 400
"""`max_tokens` asked of the endpoint: five lines need far fewer; it bounds the wait and the bill."""

_SYSTEM_PROMPT = (
    "You brief the operator of a crypto trading bot on how well its exits worked. "
    "Write a 3 to 5 line plain-text briefing from the JSON summary you are given: the period, "
    "sells and win rate (net of fees), net P&L with gross P&L and fees beside it, each amount "
    "with its currency (never add amounts in different currencies), what the price did after "
    "exits, and the suggestions. "
    "Use only numbers present in the JSON; do not invent advice beyond its suggestions."
)


@dataclass(frozen=True)
class LLMConfig:
    """Where to ask for a briefing. Built from the environment at the edge (`from_environment`)."""

    base_url: str
    api_key: str = field(repr=False)
    model: str
    timeout_seconds: float = 20.0

    @classmethod
    def from_environment(cls, environment: Environment) -> "LLMConfig | None":
        """The config from EXITLENS_LLM_BASE_URL, EXITLENS_LLM_API_KEY and EXITLENS_LLM_MODEL,
        or None unless all three are set."""
        e = environment
        if not (e.llm_base_url and e.llm_api_key and e.llm_model):
            return None
        return cls(base_url=e.llm_base_url, api_key=e.llm_api_key, model=e.llm_model)

    @property
    def endpoint(self) -> str:
        """The base URL with `/chat/completions` appended to its path (its query kept after it)."""
        base, mark, query = self.base_url.partition("?")
        return base.rstrip("/") + "/chat/completions" + mark + query


class LLMNarrator:
    """A narrator that asks an OpenAI-compatible chat endpoint for the briefing, falling back
    to the deterministic headline (with a note) on any failure."""

    def __init__(self, config: LLMConfig, *, client: httpx.Client | None = None, language: str = "en"):
        self.config = config
        self.language = language
        self._client = client

    def __repr__(self) -> str:
        return f"LLMNarrator(endpoint={redact_url(self.config.endpoint)!r}, model={self.config.model!r})"

    def __call__(self, facts: Mapping) -> Narration:
        fallback = deterministic_headline(facts, self.language)
        try:
            text = self._ask(facts)
        except LLMUnavailable as exc:
            logger.warning("LLM briefing unavailable, using the deterministic headline: %s", exc)
            note = f"LLM briefing unavailable ({exc}); the headline is the deterministic one."
            return Narration(text=fallback, source=SOURCE_DETERMINISTIC, note=note)
        return Narration(text=text, source=SOURCE_LLM)

    def _ask(self, facts: Mapping) -> str:
        """The briefing text, or LLMUnavailable saying what went wrong (never the key)."""
        endpoint, shown = self.config.endpoint, redact_url(self.config.endpoint)
        body = {
            "model": self.config.model,
            "temperature": 0,
            "max_tokens": MAX_BRIEFING_TOKENS,
            "messages": [
                {"role": "system", "content": _SYSTEM_PROMPT},
                {"role": "user", "content": json.dumps(facts, ensure_ascii=False, default=str)},
            ],
        }
        headers = {"Authorization": f"Bearer {self.config.api_key}"}
        timeout = self.config.timeout_seconds
        # Imported here: every report imports this module, few configure an LLM, and httpx
        # (with what it pulls in) is a measurable part of a report kernel's start.
        import httpx

        client = self._client or httpx.Client()
        try:
            response = client.post(endpoint, json=body, headers=headers, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise LLMUnavailable(f"no answer from {shown} within {timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise LLMUnavailable(f"request to {shown} failed: {type(exc).__name__}") from exc
        finally:
            if self._client is None:
                client.close()
        if response.status_code != 200:
            raise LLMUnavailable(f"HTTP {response.status_code} from {shown}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMUnavailable(
                f"unexpected response from {shown}: not a chat completion"
            ) from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMUnavailable(f"unexpected response from {shown}: empty briefing")
        lines = [line.rstrip() for line in content.strip().splitlines() if line.strip()]
        text = "\n".join(lines[:MAX_BRIEFING_LINES])
        return text if len(text) <= MAX_BRIEFING_CHARS else text[:MAX_BRIEFING_CHARS - 1].rstrip() + "…"


class LLMUnavailable(Exception):
    """The LLM could not produce a briefing; internal to this module (callers get a Narration)."""


def narrator_from_config(config: LLMConfig | None, language: str = "en") -> Narrator:
    """The LLM narrator when configured, else the deterministic one; its own headline (and the
    fallback of the LLM's) in `language`."""
    return LLMNarrator(config, language=language) if config is not None else narrator_in(language)
