"""The demo's weekly and daily reports as people get them: every table column in the PDF,
every link of the index served by a web server running as another user, and one headline
in the page, summary.json and the Discord message, even from an LLM that never repeats itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from exitlens.core.environment import Environment
from exitlens.core.settings import Settings
from exitlens.delivery.notify import DeliveryConfig
from exitlens.ops.publish import ReportRequest, publish_report
from http_servers import start_scripted_server, stop
from pdf_text import pdf_text
from report_tables import missing_from, report_tables

DEMO_DB = Path(__file__).resolve().parents[1] / "data" / "exitlens.db"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
WEEK_END = datetime.fromisoformat("2026-11-24T00:00:00+09:00")

# Without the demo database these tests skip; under CI a skip fails (the root conftest.py).
pytestmark = pytest.mark.skipif(not DEMO_DB.exists(), reason="needs the demo database (make demo)")


@pytest.fixture(scope="module")
def published():
    """The demo weekly report (headline worded by a changing LLM, announced on Discord) and the
    daily one, in a reports folder under a world-readable temporary folder."""
    base = Path(tempfile.mkdtemp(prefix="exitlens-published-"))  # pytest's own folders are 0700
    try:
        base.chmod(0o755)
        yield _publish_the_demo(base / "reports")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _publish_the_demo(out: Path) -> dict:
    url = f"sqlite:///{DEMO_DB}"
    llm, discord = start_scripted_server(), start_scripted_server()
    try:
        llm.respond(*[(200, {}, {"choices": [{"message": {"role": "assistant", "content": f"Briefing number {n}."}}]})
                      for n in range(10)])
        with pytest.MonkeyPatch.context() as env:
            env.setenv("EXITLENS_LLM_BASE_URL", llm.url("/v1"))
            env.setenv("EXITLENS_LLM_API_KEY", "test-key")
            env.setenv("EXITLENS_LLM_MODEL", "fake")
            env.setenv("DISCORD_WEBHOOK_URL", discord.url("/api/webhooks/1/token"))
            env.delenv("EXITLENS_PUBLIC_BASE_URL", raising=False)
            delivery = DeliveryConfig.from_environment(Environment.from_mapping(os.environ))
            weekly = publish_report(ReportRequest(kind="weekly", db_url=url, out_dir=out, settings=Settings(),
                                                  now=NOW, end=WEEK_END, delivery=delivery))
        daily = publish_report(ReportRequest(kind="daily", db_url=url, out_dir=out, settings=Settings(), now=NOW,
                                             day=date(2026, 11, 23)))
    finally:
        stop(llm)
        stop(discord)
    return {"weekly": weekly, "daily": daily, "out": out, "discord": discord.requests}


@pytest.mark.parametrize("kind", ["weekly", "daily"])
def test_demo_report_pdf_when_printed_holds_every_header_and_last_column_value(published, kind):
    run = published[kind]
    page = run.html.read_text(encoding="utf-8")
    assert len(report_tables(page)) >= 4
    assert missing_from(pdf_text(run.pdf.read_bytes()), page) == []


def test_demo_weekly_pdf_when_printed_numbers_its_pages(published):
    text = "".join(pdf_text(published["weekly"].pdf.read_bytes()).split())
    pages = len(re.findall(rb"/Type\s*/Page\b", published["weekly"].pdf.read_bytes()))
    assert pages >= 2
    assert all(f"{n}/{pages}" in text for n in range(1, pages + 1))


def test_headline_when_llm_answers_differently_each_call_is_the_same_everywhere(published):
    run = published["weekly"]
    headline = json.loads(run.summary.read_text())["headline"]
    assert headline.startswith("Briefing number")
    assert headline in run.html.read_text(encoding="utf-8")
    [message] = published["discord"]
    assert message.discord_message()["embeds"][0]["description"] == headline


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links += [value for name, value in attrs if name == "href" and value]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin:/bin")


@pytest.mark.skipif(shutil.which("runuser") is None or SYSTEM_PYTHON is None,
                    reason="needs runuser (util-linux) and /usr/bin/python3 to serve as nobody")
def test_index_when_served_by_another_user_answers_every_link(published):
    out = published["out"]
    port = _free_port()
    server = subprocess.Popen(
        # the base interpreter: `nobody` may not enter the project's virtual environment
        ["runuser", "-u", "nobody", "--", SYSTEM_PYTHON, "-m", "http.server", str(port),
         "--bind", "127.0.0.1", "--directory", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}/"
        index = ""
        for _ in range(100):
            try:
                index = urllib.request.urlopen(base + "index.html", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.1)
        parser = _Links()
        parser.feed(index)
        assert len(parser.links) >= 8  # HTML, PDF, notebook, summary of both runs
        for link in parser.links:
            with urllib.request.urlopen(base + link, timeout=5) as answer:
                assert answer.status == 200, link
    finally:
        server.terminate()
        server.wait(timeout=10)
