"""One redaction for every URL a message can carry: no user, password, path or query shown."""

from __future__ import annotations

import pytest

from exitlens.core.secret_urls import redact_url, redact_urls


@pytest.mark.parametrize(("url", "shown"), [
    ("http://user:PASSWORD@llm.example:8080/v1?api-key=KEY", "http://llm.example:8080/…"),
    ("postgresql://bob:secret@127.0.0.1:notaport/db", "postgresql://127.0.0.1:notaport/…"),
    ("postgresql://u:p@[::1:5432/x", "postgresql://[::1:5432/…"),
    ("https://discord.com/api/webhooks/123/TOKEN?wait=true", "https://discord.com/api/webhooks/…"),
    ("https://n8n.example/webhook/0f3c-secret-id", "https://n8n.example/…"),
    ("not a url", "…"),
])
def test_redact_url_when_url_carries_secrets_shows_scheme_and_host_only(url, shown):
    assert redact_url(url) == shown


def test_redact_urls_when_text_quotes_urls_redacts_each_and_keeps_the_words():
    text = "POST http://a:PW@h1/v1?key=K1 failed; retried https://h2/x?token=K2."

    assert redact_urls(text) == "POST http://h1/… failed; retried https://h2/…"
