"""Discord / n8n webhooks: deliver the announcement of one report run.

`DeliveryConfig` says where to send and how hard to try; the edge builds it from the
environment (`DeliveryConfig.from_environment(core.environment.Environment)`). Payloads come
from the pure builders in `exitlens.delivery.payloads`; only `send_discord`, `send_n8n`,
`send_discord_text` and `announce` touch the network, each through the one retrying POST of
`exitlens.delivery.webhooks` (its docstring says the retry policy).

Webhook URLs carry a token and the n8n secret is a password: `DeliveryConfig` registers them
with `exitlens.delivery.redaction`, so neither appears in logs, exception messages or results.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from exitlens.core.environment import Environment
from exitlens.core.errors import ConfigError, DeliveryFailed
from exitlens.delivery.payloads import (
    RunAnnouncement,
    build_discord_message,
    build_n8n_payload,
    report_url,
)
from exitlens.delivery.redaction import redact_url, register_secrets, scrub_secrets
from exitlens.delivery.webhooks import Endpoint, WebhookFailed, post_with_retries, refused

__all__ = [
    "DeliveryConfig",
    "DeliveryResult",
    "RunAnnouncement",
    "WebhookFailed",
    "announce",
    "send_discord",
    "send_n8n",
    "redact_url",
    "scrub_secrets",
]

log = logging.getLogger(__name__)

N8N_PATHS = {"daily": "/webhook/daily-report", "weekly": "/webhook/weekly-exit-report",
             "monthly": "/webhook/monthly-exit-report"}
# Default upload limit for webhooks since 2025-01-16 (discord-api-docs PR #7312): 10 MiB.
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 4096  # boundaries and part headers, kept out of the upload budget
CONTENT_TYPES = {".pdf": "application/pdf", ".html": "text/html; charset=utf-8"}


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class DeliveryConfig:
    """Where announcements go and how hard to try. Secrets stay out of repr()."""

    discord_webhook_url: str | None = field(default=None, repr=False)
    public_base_url: str | None = None
    n8n_url: str | None = field(default=None, repr=False)
    n8n_secret: str | None = field(default=None, repr=False)
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    max_attempts: int = 4
    backoff_seconds: float = 1.0
    backoff_max_seconds: float = 30.0
    retry_after_cap_seconds: float = 30.0
    timeout_seconds: float = 15.0
    top_suggestions: int = 3

    def __post_init__(self) -> None:
        for name, url in (("DISCORD_WEBHOOK_URL", self.discord_webhook_url),
                          ("EXITLENS_N8N_URL", self.n8n_url),
                          ("EXITLENS_PUBLIC_BASE_URL", self.public_base_url)):
            if url is not None:
                parts = urlsplit(url)
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    raise ConfigError(f"{name} must be an http(s) URL such as https://host/path, "
                                      f"got {redact_url(url)}")
        if self.max_attempts < 1:
            raise ConfigError(f"max_attempts must be 1 or more, got {self.max_attempts}")
        if self.max_upload_bytes < 0 or self.top_suggestions < 0:
            raise ConfigError("max_upload_bytes and top_suggestions must be 0 or more")
        register_secrets(self.discord_webhook_url, self.n8n_url, self.n8n_secret,
                           *_path_tokens(self.discord_webhook_url))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(name for name, url in (("discord", self.discord_webhook_url),
                                            ("n8n", self.n8n_url)) if url)

    @classmethod
    def from_environment(cls, environment: Environment) -> "DeliveryConfig":
        """DISCORD_WEBHOOK_URL, EXITLENS_PUBLIC_BASE_URL, EXITLENS_N8N_URL,
        EXITLENS_N8N_WEBHOOK_SECRET, EXITLENS_DISCORD_MAX_UPLOAD_BYTES,
        EXITLENS_NOTIFY_MAX_ATTEMPTS, EXITLENS_NOTIFY_BACKOFF_SECONDS,
        EXITLENS_NOTIFY_RETRY_AFTER_CAP_SECONDS and EXITLENS_NOTIFY_TIMEOUT_SECONDS, as read by
        `Environment`; an unset one keeps its default."""
        e, default = environment, _DEFAULTS
        return cls(
            discord_webhook_url=e.discord_webhook_url, public_base_url=e.public_base_url, n8n_url=e.n8n_url,
            n8n_secret=e.n8n_secret,
            max_upload_bytes=_given(e.discord_max_upload_bytes, default.max_upload_bytes),
            max_attempts=_given(e.notify_max_attempts, default.max_attempts),
            backoff_seconds=_given(e.notify_backoff_seconds, default.backoff_seconds),
            retry_after_cap_seconds=_given(e.notify_retry_after_cap_seconds, default.retry_after_cap_seconds),
            timeout_seconds=_given(e.notify_timeout_seconds, default.timeout_seconds),
        )



def _path_tokens(url: str | None) -> tuple[str, ...]:
    """The token segment of a Discord webhook URL (`/api/webhooks/<id>/<token>`)."""
    if not url:
        return ()
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if "webhooks" in segments and len(segments) > segments.index("webhooks") + 2:
        return (segments[segments.index("webhooks") + 2],)
    return ()


_DEFAULTS = DeliveryConfig()
T = TypeVar("T")


def _given(value: T | None, default: T) -> T:
    return default if value is None else value


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DeliveryResult:
    """How one target fared. `error` is a one-line, secret-free message when not delivered."""

    target: str
    delivered: bool
    attempts: int = 0
    status_code: int | None = None
    mode: str | None = None  # discord: "link", "attachment", "text"; n8n: "json"
    message_id: str | None = None
    error: str | None = None


def discord_execute_url(webhook_url: str) -> str:
    """The webhook URL with `wait=true` set (so Discord answers with the message), other query
    parameters (e.g. `thread_id`) kept."""
    parts = urlsplit(webhook_url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "wait"]
    query.append(("wait", "true"))
    return urlunsplit(parts._replace(query=urlencode(query)))




# --------------------------------------------------------------------------- targets


def _attachment(run: RunAnnouncement) -> Path | None:
    """The file to attach: the PDF, else the HTML, when it exists."""
    for path in (run.pdf_path, run.html_path):
        if path is not None and Path(path).is_file():
            return Path(path)
    return None


def _too_large_note(path: Path, size: int, limit: int) -> str:
    return (f"{path.name} ({size / 2**20:.1f} MiB) is over the webhook upload limit "
            f"({limit / 2**20:.1f} MiB), so it is not attached; it is kept in the run folder.")


def _send_discord(
    summary: Mapping[str, Any] | None,
    run: RunAnnouncement,
    config: DeliveryConfig,
    *,
    now: datetime,
    client: httpx.Client,
    sleep: Callable[[float], None],
) -> DeliveryResult:
    endpoint = _discord_endpoint(config)
    link = report_url(run, config.public_base_url)

    def build(**extra: Any) -> dict[str, Any]:
        return build_discord_message(summary, run, link=link, now=now, top_suggestions=config.top_suggestions, **extra)

    attempts, note = 0, None
    path = None if link else _attachment(run)
    if path is not None:
        payload_json = json.dumps(build(attachment_name=path.name))
        size = path.stat().st_size
        if size + len(payload_json.encode()) + MULTIPART_OVERHEAD_BYTES > config.max_upload_bytes:
            note = _too_large_note(path, size, config.max_upload_bytes)
        else:
            content_type = CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
            files = {"files[0]": (path.name, path.read_bytes(), content_type)}
            request = {"data": {"payload_json": payload_json}, "files": files}
            response, attempts = post_with_retries(client, endpoint, request, config, sleep)
            if response.status_code != 413:
                return _discord_result(endpoint, response, attempts, "attachment")
            note = _too_large_note(path, size, config.max_upload_bytes).replace(
                "over the webhook upload limit", "over the size this webhook accepts")
        log.warning("Discord: %s", note)
    message = build(content=note)
    response, attempts = post_with_retries(client, endpoint, {"json": message}, config, sleep,
                                           attempts_before=attempts)
    return _discord_result(endpoint, response, attempts, "link" if link else "text")


def _discord_endpoint(config: DeliveryConfig) -> Endpoint:
    """The Discord webhook to post to; a ConfigError when none is configured."""
    if not config.discord_webhook_url:
        raise ConfigError("DISCORD_WEBHOOK_URL is not set: nothing to send to Discord")
    return Endpoint("discord", "Discord webhook", discord_execute_url(config.discord_webhook_url),
                    "check DISCORD_WEBHOOK_URL")


def _discord_result(endpoint: Endpoint, response: httpx.Response, attempts: int,
                    mode: str) -> DeliveryResult:
    if not response.is_success:
        raise refused(endpoint, response, attempts)
    message_id = None
    try:
        body = response.json()
        if isinstance(body, Mapping) and body.get("id") is not None:
            message_id = str(body["id"])
    except ValueError:
        pass
    return DeliveryResult("discord", True, attempts, response.status_code, mode, message_id)


def _send_n8n(
    summary: Mapping[str, Any] | None,
    run: RunAnnouncement,
    config: DeliveryConfig,
    *,
    now: datetime,
    client: httpx.Client,
    sleep: Callable[[float], None],
) -> DeliveryResult:
    if not config.n8n_url:
        raise ConfigError("EXITLENS_N8N_URL is not set: nothing to send to n8n")
    path = N8N_PATHS[run.kind]
    endpoint = Endpoint("n8n", f"n8n webhook {path}", config.n8n_url.rstrip("/") + path,
                         "check EXITLENS_N8N_URL and EXITLENS_N8N_WEBHOOK_SECRET, "
                         "and that the workflow is active")
    headers = {}
    if config.n8n_secret:
        headers["X-Webhook-Secret"] = config.n8n_secret
    else:
        log.warning("EXITLENS_N8N_WEBHOOK_SECRET is not set: posting to n8n without X-Webhook-Secret")
    payload = build_n8n_payload(summary, run, now=now,
                                report_url=report_url(run, config.public_base_url))
    response, attempts = post_with_retries(client, endpoint, {"json": payload, "headers": headers},
                                           config, sleep)
    if not response.is_success:
        raise refused(endpoint, response, attempts)
    return DeliveryResult("n8n", True, attempts, response.status_code, "json")


@contextmanager
def _client_for(config: DeliveryConfig, client: httpx.Client | None) -> Iterator[httpx.Client]:
    """The given client, or one of our own, closed afterwards."""
    if client is not None:
        yield client
        return
    with httpx.Client(timeout=config.timeout_seconds) as own:
        yield own


def send_discord(summary: Mapping[str, Any] | None, run: RunAnnouncement,
                 config: DeliveryConfig, *, now: datetime, client: httpx.Client | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> DeliveryResult:
    """One Discord message for the run: the embed, with a link to the HTML when
    EXITLENS_PUBLIC_BASE_URL is set, else the PDF (or HTML) attached, else (file too large, or
    none) the embed alone. Raises DeliveryFailed (a WebhookFailed) when it cannot deliver."""
    with _client_for(config, client) as http:
        return _send_discord(summary, run, config, now=now, client=http, sleep=sleep)


def send_discord_text(config: DeliveryConfig, content: str, *, client: httpx.Client | None = None,
                      sleep: Callable[[float], None] = time.sleep) -> None:
    """A plain text message (no embed, mentions disabled) with the usual retries; raises
    DeliveryFailed, secret-free, when Discord does not take it."""
    endpoint = _discord_endpoint(config)
    body = {"content": content, "allowed_mentions": {"parse": []}}
    with _client_for(config, client) as http:
        response, attempts = post_with_retries(http, endpoint, {"json": body}, config, sleep)
    if not response.is_success:
        raise refused(endpoint, response, attempts)


def send_n8n(summary: Mapping[str, Any] | None, run: RunAnnouncement,
             config: DeliveryConfig, *, now: datetime, client: httpx.Client | None = None,
             sleep: Callable[[float], None] = time.sleep) -> DeliveryResult:
    """The CoinPilot workflow payload to <EXITLENS_N8N_URL>/webhook/daily-report (daily) or
    /webhook/weekly-exit-report (weekly) or /webhook/monthly-exit-report (monthly), with header X-Webhook-Secret. Raises DeliveryFailed
    (a WebhookFailed) when it cannot deliver."""
    with _client_for(config, client) as http:
        return _send_n8n(summary, run, config, now=now, client=http, sleep=sleep)


# --------------------------------------------------------------------------- announce

_SENDERS = {"discord": send_discord, "n8n": send_n8n}


def announce(
    summary: Mapping[str, Any] | None,
    run: RunAnnouncement,
    *,
    now: datetime,
    config: DeliveryConfig | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    raise_on_failure: bool = True,
) -> list[DeliveryResult]:
    """Announce one run on every configured target (none configured: does nothing).

    Every target is tried even when another fails; then, with `raise_on_failure`, a
    DeliveryFailed names the failures in one line. `now` stamps the payloads (n8n `timestamp`,
    the embed's time); without `config` nothing is configured and nothing is sent."""
    config = config or DeliveryConfig()
    if not config.targets:
        log.info("no announcement for %s: set DISCORD_WEBHOOK_URL or EXITLENS_N8N_URL to send one",
                 run.title)
        return []
    results: list[DeliveryResult] = []
    with _client_for(config, client) as http:
        for target in config.targets:
            try:
                result = _SENDERS[target](summary, run, config, client=http, now=now, sleep=sleep)
            except DeliveryFailed as exc:
                if not raise_on_failure:  # else the DeliveryFailed raised below names it: once
                    log.warning("%s not announced on %s: %s", run.title, target, exc)
                results.append(DeliveryResult(
                    target, False, getattr(exc, "attempts", 0), getattr(exc, "status_code", None),
                    error=str(exc)))
            else:
                log.info("%s announced on %s (%s, %d attempt%s)", run.title, target, result.mode,
                         result.attempts, "" if result.attempts == 1 else "s")
                results.append(result)
    failures = [r for r in results if not r.delivered]
    if failures and raise_on_failure:
        raise DeliveryFailed("; ".join(r.error or f"{r.target}: not delivered" for r in failures))
    return results
