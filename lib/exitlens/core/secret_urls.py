"""URLs shown without their secrets: the one redaction every message that can carry a URL uses.

A URL may hold a password (`postgresql://bob:secret@db/x`), a key in its query
(`http://llm/v1?api-key=KEY`) or a token in its path (`/api/webhooks/123/TOKEN`, an n8n
webhook id). A message shows the scheme and the host (with its port) only, so the reader
knows where it went without learning how to get in: `http://llm.example:8080/…`. The URL is
read as text, not parsed, so one that no parser accepts (`postgresql://bob:secret@h:notaport/db`)
is redacted too.
"""

from __future__ import annotations

import logging
import re

_URL_HEAD = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<authority>[^/?#\s]*)(?P<tail>\S*)$")
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>`]+")


def redact_url(url: str) -> str:
    """`scheme://host[:port]/…` (`/api/webhooks/…` for a webhook): no user, password, path or
    query. Text that is not a URL comes back as `…`, which names nothing."""
    match = _URL_HEAD.match(url.strip())
    if match is None:
        return "…"
    host = match["authority"].rsplit("@", 1)[-1] or "?"
    tail = "/api/webhooks/…" if "/webhooks/" in match["tail"] else "/…"
    return f"{match['scheme']}://{host}{tail}"


def redact_urls(text: str) -> str:
    """`text` with every URL in it redacted (`redact_url`): for messages from elsewhere
    (a driver's error, an HTTP library's exception) that may quote a URL whole."""
    return _URL_IN_TEXT.sub(lambda found: redact_url(found.group(0)), text)


class RedactUrlsFilter(logging.Filter):
    """A log filter that redacts every URL in a record (an HTTP client logs its request URLs
    whole); install `URL_REDACTION` on the logger of a client that may be given such a URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_urls(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


URL_REDACTION = RedactUrlsFilter()
