"""Secrets out of sight: webhook URLs carry a token and the n8n secret is a password, so
neither may appear in logs, error messages or results. URLs are shown redacted
(`https://discord.com/api/webhooks/…`), text from elsewhere (server bodies, httpx errors) is
scrubbed before it is shown, and a filter on the `httpx` logger rewrites its request lines."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit


class _SecretScrubber(logging.Filter):
    """Rewrites any known secret, and any Discord webhook URL, out of text and log records."""

    _WEBHOOK = re.compile(r"(https?://[^/\s\"'<>]+)/api(?:/v\d+)?/webhooks/[^\s\"'<>]+")

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def register(self, *secrets: str | None) -> None:
        self._secrets.update(s for s in secrets if s and len(s) >= 4)

    def scrub(self, text: str) -> str:
        text = self._WEBHOOK.sub(r"\1/api/webhooks/…", text)
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
    """`text` with webhook URLs, tokens and webhook secrets replaced by an ellipsis."""
    return _SCRUBBER.scrub(text)


def redact_url(url: str) -> str:
    """Scheme and host only, plus `/api/webhooks/…` for a Discord webhook: safe to log."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1] or "?"
    tail = "/api/webhooks/…" if "/webhooks/" in parts.path else "/…"
    return f"{parts.scheme or '?'}://{host}{tail}"


def register_secrets(*secrets: str | None) -> None:
    """Scrub these values (tokens, passwords) from every text and log line from now on."""
    _SCRUBBER.register(*secrets)
