"""Secrets out of sight: webhook URLs carry a token and the n8n secret is a password, so
neither may appear in logs, error messages or results. URLs are shown redacted
(`https://discord.com/api/webhooks/…`), text from elsewhere (server bodies, httpx errors) is
scrubbed before it is shown, and a filter on the `httpx` logger rewrites its request lines."""

from __future__ import annotations

import logging

from exitlens.core.secret_urls import redact_url, redact_urls

__all__ = ["redact_url", "register_secrets", "scrub_secrets"]


class _SecretScrubber(logging.Filter):
    """Rewrites any known secret, and any URL's user, password, path and query, out of text
    and log records."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def register(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def scrub(self, text: str) -> str:
        text = redact_urls(text)
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, "…")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_SCRUBBER = _SecretScrubber()
logging.getLogger("httpx").addFilter(_SCRUBBER)


def scrub_secrets(text: str) -> str:
    """`text` with URLs redacted (`redact_url`), tokens and webhook secrets replaced by an ellipsis."""
    return _SCRUBBER.scrub(text)


def register_secrets(*secrets: str | None) -> None:
    """Scrub these values (tokens, passwords) from every text and log line from now on."""
    _SCRUBBER.register(*secrets)
