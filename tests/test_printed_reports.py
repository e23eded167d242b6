"""The demo's reports as they print, in English and Korean, daily, weekly and monthly (SPEC §5
"Print"): every heading on the page of what it heads, no trailing blank page, no word or number
broken inside a table cell, table text at 8 pt or more."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from exitlens.core.settings import Settings
from exitlens.ops.publish import ReportRequest, publish_report
from pdf_text import IMAGE, pdf_font_sizes, pdf_pages
from report_tables import report_tables

DEMO_DB = Path(__file__).resolve().parents[1] / "data" / "exitlens.db"
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)
WEEK_END = datetime.fromisoformat("2026-11-24T00:00:00+09:00")
RUNS = [(kind, lang) for kind in ("daily", "weekly", "monthly") for lang in ("en", "ko")]

pytestmark = pytest.mark.skipif(not DEMO_DB.exists() or shutil.which("pdftotext") is None,
                                reason="needs the demo database (make demo) and pdftotext (poppler-utils)")


@pytest.fixture(scope="module")
def printed():
    """Each demo report of RUNS, printed: {(kind, language): ReportRun}."""
    base = Path(tempfile.mkdtemp(prefix="exitlens-printed-"))
    period = {"daily": {"day": date(2026, 11, 23)}, "weekly": {"end": WEEK_END}, "monthly": {}}
    runs = {(kind, lang): publish_report(ReportRequest(
        kind=kind, db_url=f"sqlite:///{DEMO_DB}", out_dir=base / lang, settings=Settings(language=lang), now=NOW,
        **period[kind])) for kind, lang in RUNS}
    yield runs
    shutil.rmtree(base, ignore_errors=True)


def _sections(page: str) -> list[tuple[str, str]]:
    """(heading, the caption right under it or '') of every h1 / h2 of a report page."""
    found = re.findall(r"<h([12])>(.*?)</h\1>(?:<p>(.*?)</p>)?", page, re.S)
    return [(html.unescape(heading), html.unescape(caption)) for _, heading, caption in found]


def _squeezed(text: str) -> str:
    return "".join(text.split())


HEADING_POINTS = 14
"""Text this large is a heading (h1, h2); body text is 10.5 pt, tables 8 pt."""


def stranded_headings(pages: list[list[tuple[str, float, float]]], captions: dict[str, str]) -> list[tuple[int, str]]:
    """(page number, heading) for each page whose last heading is followed by nothing but (part
    of) its caption: no chart, no table, no text of its own."""
    stranded = []
    for number, painted in enumerate(pages, start=1):
        # top to bottom (heights grow upwards); the sort keeps paint order within a line
        runs = [(text, size) for text, size, top in sorted(painted, key=lambda run: -round(run[2]))]
        headed = [at for at, (_, size) in enumerate(runs) if size >= HEADING_POINTS]
        if not headed:
            continue
        first = last = headed[-1]
        while first > 0 and runs[first - 1][1] >= HEADING_POINTS:
            first -= 1
        heading = _squeezed("".join(text for text, _ in runs[first:last + 1]))
        tail = runs[last + 1:]
        if any(text == IMAGE for text, _ in tail):
            continue
        body = _squeezed(re.sub(r"\d+\s*/\s*\d+\s*$", "", "".join(text for text, _ in tail)))
        if len(body) <= len(_squeezed(captions.get(heading, ""))):
            stranded.append((number, heading))
    return stranded


@pytest.mark.parametrize("kind,lang", RUNS)
def test_report_pdf_when_printed_ends_no_page_with_a_heading(printed, kind, lang):
    run = printed[kind, lang]
    sections = _sections(run.html.read_text(encoding="utf-8"))
    assert len(sections) >= 8
    captions = {_squeezed(heading): caption for heading, caption in sections}
    assert stranded_headings(pdf_pages(run.pdf.read_bytes()), captions) == []


@pytest.mark.parametrize("kind,lang", RUNS)
def test_report_pdf_when_printed_ends_on_its_last_content_page(printed, kind, lang):
    last = pdf_pages(printed[kind, lang].pdf.read_bytes())[-1]
    text = "".join(text for text, _, _ in last if text != IMAGE)
    assert _squeezed(re.sub(r"\d+\s*/\s*\d+\s*$", "", text)) != ""


def _parts(text: str) -> set[str]:
    """The words of `text`, each split at its underscores (TAKE_PROFIT may wrap after the `_`)."""
    return {part for word in text.split() for part in word.split("_") if part}


@pytest.mark.parametrize("kind,lang", RUNS)
def test_report_pdf_when_printed_breaks_no_word_or_number_inside_a_cell(printed, kind, lang):
    run = printed[kind, lang]
    printed_words = _parts(subprocess.run(["pdftotext", str(run.pdf), "-"], capture_output=True, text=True,
                                          check=True).stdout)
    cells = {cell for table in report_tables(run.html.read_text(encoding="utf-8"))
             for row in table["rows"] for cell in row}
    summary = json.loads(run.summary.read_text(encoding="utf-8"))
    named = _parts(" ".join([*summary["by_regime"], *summary["by_exit_reason"]]))  # SIDEWAYS, TAKE, PROFIT…
    shown = set().union(*map(_parts, cells))
    assert named and named <= shown
    assert sorted(shown - printed_words) == []


@pytest.mark.parametrize("kind,lang", RUNS)
def test_report_pdf_when_printed_has_no_text_under_8pt(printed, kind, lang):
    sizes = pdf_font_sizes(printed[kind, lang].pdf.read_bytes())
    assert sizes and min(sizes) >= 7.95


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_report_page_when_korean_declares_korean_and_has_a_korean_title(printed, kind):
    page = printed[kind, "ko"].html.read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page).group(1)
    assert '<html lang="ko">' in page
    assert re.search("[가-힣]", title) and "report" not in title
