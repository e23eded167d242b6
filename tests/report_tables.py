"""Test helper: the tables of a report page (header cells, last-column values) and a check
that a PDF's text holds them, in order."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] = []
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"headers": [], "rows": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_head:
                self.tables[-1]["headers"].append(text)
            self._row.append(text)
            self._cell = None
        elif tag == "tr" and self.tables and not self._in_head:
            self.tables[-1]["rows"].append(self._row)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def report_tables(page: str) -> list[dict]:
    """Each table of an HTML page: {"headers": [header texts], "rows": [[cell texts]]}."""
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def squeeze(text: str) -> str:
    """Text without whitespace and with ligatures unfolded (a PDF may print "fi" as one glyph,
    and a wrapped header or value puts a line break inside it)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def missing_from(pdf_text: str, page: str) -> list[str]:
    """What of the page's tables the PDF text lacks: any header, or any last-column value (the
    values of each table's last column must appear in their row order)."""
    text = squeeze(pdf_text)
    missing = []
    for table in report_tables(page):
        missing += [h for h in table["headers"] if h and squeeze(h) not in text]
        position = 0
        for row in table["rows"]:
            if not row:
                continue
            found = text.find(squeeze(row[-1]), position)
            if found < 0:
                missing.append(row[-1])
            else:
                position = found + len(squeeze(row[-1]))
    return missing
