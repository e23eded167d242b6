"""One webhook POST with the retry policy every target shares.

429 waits the `retry_after` the server asks for (capped); 5xx, 408 and a connection that could
not be made back off exponentially; 401/403/404 stop at once (the webhook is misconfigured,
retrying cannot help); other 4xx are final. A message is sent again only when it surely did
not arrive: an error after the connection was made (no answer within the timeout, a dropped
connection) is final, since the server may have posted it, and a report is announced at most
once per target. Every attempt counts against `max_attempts`. Nothing here shows a URL or a
server's words without redaction.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from exitlens.core.errors import DeliveryFailed
from exitlens.delivery.redaction import redact_url, scrub_secrets

log = logging.getLogger(__name__)


class RetryPolicy(Protocol):
    @property
    def max_attempts(self) -> int: ...

    @property
    def backoff_seconds(self) -> float: ...

    @property
    def backoff_max_seconds(self) -> float: ...

    @property
    def retry_after_cap_seconds(self) -> float: ...


class WebhookFailed(DeliveryFailed):
    """A DeliveryFailed that also says which target failed and how many attempts it took."""

    def __init__(self, message: str, *, target: str, attempts: int, status_code: int | None = None):
        super().__init__(message)
        self.target = target
        self.attempts = attempts
        self.status_code = status_code


@dataclass(frozen=True)
class Endpoint:
    """Where a webhook message goes, and how to talk about it without showing its secret."""

    target: str  # "discord" / "n8n"
    label: str  # "Discord webhook"
    url: str = field(repr=False)  # secret
    hint: str = ""  # what to check when it is rejected

    @property
    def shown(self) -> str:
        return redact_url(self.url)


def _reason(response: httpx.Response) -> str:
    """Discord's / n8n's own words for a refusal, one line, secret-free."""
    reason = ""
    try:
        body = response.json()
        if isinstance(body, Mapping) and isinstance(body.get("message"), str):
            reason = body["message"]
    except ValueError:
        pass
    reason = " ".join((reason or response.reason_phrase or "").split())
    return scrub_secrets(reason)[:200]


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from the JSON body's `retry_after`, else the Retry-After header."""
    candidates: list[Any] = []
    try:
        body = response.json()
        if isinstance(body, Mapping):
            candidates.append(body.get("retry_after"))
    except ValueError:
        pass
    candidates.append(response.headers.get("Retry-After"))
    for value in candidates:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport errors before any byte of the request left: sending again cannot duplicate it."""


def _backoff(policy: RetryPolicy, attempt: int) -> float:
    return min(policy.backoff_max_seconds, policy.backoff_seconds * 2 ** (attempt - 1))


def post_with_retries(
    client: httpx.Client,
    endpoint: Endpoint,
    request: Mapping[str, Any],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    *,
    attempts_before: int = 0,
) -> tuple[httpx.Response, int]:
    """POST until a final answer: returns (response, attempts) for 2xx and for 4xx other than
    401/403/404/408/429; raises WebhookFailed for those, and when retries run out."""
    attempt = 0
    while True:
        attempt += 1
        total = attempts_before + attempt
        status: int | None = None
        try:
            response = client.post(endpoint.url, **request)
        except NOT_SENT as exc:
            problem = f"{type(exc).__name__}: {scrub_secrets(str(exc)) or 'no detail'}"
            wait = _backoff(policy, attempt)
        except httpx.TransportError as exc:
            raise WebhookFailed(
                f"{endpoint.label} at {endpoint.shown} gave no answer after the message was sent "
                f"({type(exc).__name__}): it may have arrived, so it is not sent again",
                target=endpoint.target, attempts=total) from None
        except httpx.InvalidURL:
            raise WebhookFailed(
                f"{endpoint.label} URL {endpoint.shown} is not valid: {endpoint.hint}",
                target=endpoint.target, attempts=total) from None
        else:
            status = response.status_code
            if status in (401, 403, 404):
                raise WebhookFailed(
                    f"{endpoint.label} rejected the message ({status} {_reason(response)}): "
                    f"{endpoint.hint}", target=endpoint.target, attempts=total, status_code=status)
            if status == 429:
                asked = _retry_after(response)
                wait = min(asked if asked is not None else _backoff(policy, attempt),
                           policy.retry_after_cap_seconds)
                problem = f"429 rate limited{'' if asked is None else f' for {asked:g} s'}"
            elif status >= 500 or status == 408:
                problem = f"{status} {_reason(response)}"
                wait = _backoff(policy, attempt)
            else:
                return response, total
        if attempt >= policy.max_attempts:
            raise WebhookFailed(
                f"{endpoint.label} at {endpoint.shown} still failing after {total} attempts "
                f"(last: {problem})", target=endpoint.target, attempts=total, status_code=status)
        log.warning("%s at %s: %s; retrying in %.2f s (attempt %d of %d)", endpoint.label,
                    endpoint.shown, problem, wait, attempt + 1, policy.max_attempts)
        sleep(wait)


def refused(endpoint: Endpoint, response: httpx.Response, attempts: int) -> WebhookFailed:
    return WebhookFailed(
        f"{endpoint.label} at {endpoint.shown} refused the message "
        f"({response.status_code} {_reason(response)})",
        target=endpoint.target, attempts=attempts, status_code=response.status_code)
