"""What keeps an HTML page from being self-contained, in one place for every test that checks it."""

from __future__ import annotations

import re

_EXTERNAL_REFERENCE = re.compile(
    r"""(?:src|href)\s*=\s*["']?\s*(?!data:|#)[^"'\s>]+|@import|url\(\s*["']?(?!data:)|import\(|https?://""",
    re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def external_references(page: str) -> list[str]:
    """What in `page` (CSS comments aside) a browser would fetch from elsewhere: a src or href
    that is neither data: nor a #fragment, @import, url() of no data:, import(), and any
    http(s) address; [] for a self-contained page."""
    return _EXTERNAL_REFERENCE.findall(_CSS_COMMENT.sub("", page))
