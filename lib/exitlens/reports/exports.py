"""Turn an executed notebook into the files people read: HTML with the code hidden, and a PDF
printed by a real headless Chromium.

Why Chromium and not nbconvert's WebPDFExporter: that exporter drives
playwright, which is not one of our dependencies and downloads a browser build of its own at
install time. The distribution's `chromium` package prints the very HTML we publish, so the PDF
looks like the HTML and keeps real text (numbers can be searched and copied). Printing never
touches the network: every host name is made unresolvable, so the PDF depends only on the
local HTML file.

The page is self-contained: nbconvert's `lab` template would load require.js, MathJax, mermaid
and the widget manager from CDNs; REPORT_TEMPLATE drops those blocks (a report has tables, text
and PNG figures only), so opening a report reaches no other host, and text from the database
such as `TP $5 / SL $3` is shown literally, never typeset as math.
"""

from __future__ import annotations

import base64
import html
import logging
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping

import jinja2
import nbformat
from nbconvert import HTMLExporter

from exitlens.core.errors import ConfigError, ReportFailed
from exitlens.reports import devtools

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
CHROMIUM_ENV = "EXITLENS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FALLBACKS = ("/usr/bin/chromium",)
DEFAULT_PDF_TIMEOUT = 120.0

# The page's style: A4 landscape print rules and table layout that keep every column on the
# page (reports/report.css, shipped with the package and inlined: no network).
REPORT_CSS = resources.files("exitlens.reports").joinpath("report.css").read_text(encoding="utf-8")
PRINT_CSS = f"<style>\n{REPORT_CSS}</style>"

# Page.printToPDF options: the page's own @page size and margins, and "page / pages" centred
# in the bottom margin (Chromium fills the pageNumber / totalPages spans).
PDF_OPTIONS = {
    "preferCSSPageSize": True,
    "printBackground": True,
    "displayHeaderFooter": True,
    "headerTemplate": "<div></div>",
    "footerTemplate": (
        '<div style="font-size:8pt;color:#555;width:100%;text-align:center;">'
        '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
    ),
}

_MISSING_CHROMIUM = (
    "PDF export needs a headless Chromium: install the `chromium` package "
    "(apt-get install chromium), point {env} at the browser, or pass --formats html"
)


def parse_formats(formats: str | Iterable[str]) -> frozenset[str]:
    """The export formats asked for, from `"html,pdf"` or an iterable; a ConfigError names any
    unknown one and the allowed ones, or says that none was named (a run without an export
    would replace the period's HTML and PDF with nothing)."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = {str(item).strip().lower() for item in items if str(item).strip()}
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise ConfigError(
            f"unknown report format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}"
        )
    if not chosen:
        raise ConfigError(f"no report format given: name at least one of {', '.join(FORMATS)} (e.g. --formats html)")
    return frozenset(chosen)


def find_chromium(
    explicit: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    search_path: str | None = None,
    fallbacks: Iterable[str] = CHROMIUM_FALLBACKS,
) -> str:
    """The Chromium executable to print with: `explicit`, else $EXITLENS_CHROMIUM, else the first
    of chromium / chromium-browser / google-chrome on PATH, else /usr/bin/chromium. A ConfigError
    says how to install one (or to skip the PDF) when none is usable."""
    environ = os.environ if environ is None else environ
    wanted = explicit or environ.get(CHROMIUM_ENV)
    if wanted:
        found = shutil.which(wanted, path=search_path)
        if found is None:
            raise ConfigError(
                f"Chromium not found at {wanted!r}: " + _MISSING_CHROMIUM.format(env=CHROMIUM_ENV)
            )
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name, path=search_path)
        if found:
            return found
    for candidate in fallbacks:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ConfigError(_MISSING_CHROMIUM.format(env=CHROMIUM_ENV))


_NBCONVERT_LOG = logging.getLogger(f"{__name__}.nbconvert")
# Charts are explained by the markdown around them; nbconvert's warning that the PNGs have no
# alt text (they get a generic one) would only be noise on every run.
_NBCONVERT_LOG.addFilter(lambda record: "Alternative text is missing" not in record.getMessage())


REPORT_TEMPLATE = "exitlens_report.html.j2"
_REPORT_TEMPLATE_SOURCE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def html_exporter(lang: str = "en") -> HTMLExporter:
    """nbconvert's HTML exporter with the code and the In/Out prompts hidden, images embedded,
    no script loaded from elsewhere (REPORT_TEMPLATE) and the page's language (`<html lang>`)."""
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        embed_images=True, template_file=REPORT_TEMPLATE, language_code=lang,
                        extra_loaders=[jinja2.DictLoader({REPORT_TEMPLATE: _REPORT_TEMPLATE_SOURCE})],
                        log=_NBCONVERT_LOG)


_HEADING = re.compile(r"\s*<h[123][\s>]")
_PARAGRAPH = re.compile(r"\s*<p[\s>]")


def _output_html(output: nbformat.NotebookNode, alt: str) -> str | None:
    """An output as HTML: its own HTML, or its PNG as an inline image (None for anything else)."""
    data = output.get("data", {})
    if "text/html" in data:
        return "".join(data["text/html"])
    if "image/png" in data:
        png = "".join(data["image/png"]).replace("\n", "")
        return f'<img src="data:image/png;base64,{png}" alt="{html.escape(alt)}">'
    return None


def _heading_text(markup: str) -> str:
    found = re.search(r"<h[123][^>]*>(.*?)</h[123]>", markup, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() if found else ""


def keep_headings_with_content(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of `nb` where each heading output is joined with the outputs after it up to and
    including the first that is not a paragraph (a chart, a table), so that a heading and the
    start of what it heads are one output: nbconvert's print rule keeps an output whole, and
    Chromium keeps no break-after rule between a heading and a chart in separate outputs, so a
    heading could end a page with its chart on the next."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        joined: list = []
        index = 0
        while index < len(outputs):
            output = outputs[index]
            first = _output_html(output, "")
            index += 1
            if first is None or not _HEADING.match(first):
                joined.append(output)
                continue
            parts, alt = [first], _heading_text(first)
            while index < len(outputs):
                part = _output_html(outputs[index], alt)
                if part is None:
                    break
                parts.append(part)
                index += 1
                if not _PARAGRAPH.match(part):
                    break
            joined.append(nbformat.v4.new_output("display_data", data={
                "text/html": f'<div class="exitlens-keep">{"".join(parts)}</div>', "text/plain": alt}))
        if "outputs" in cell:
            cell.outputs = joined
    return nb


_CELL_TEXT = re.compile(r"(<t[dh]\b[^>]*>)([^<]*)(</t[dh]>)")


_HYPHENATED = re.compile(r"[^\s<>]*\w-\w[^\s<>]*")
"""A token with a hyphen between two word characters (KRW-BTC, 2026-11-23)."""


def cell_line_breaks(page: str) -> str:
    """`page` with the line breaks of its table cells set: an opportunity (<wbr>) after each
    underscore, so a narrow cell wraps TAKE_PROFIT as TAKE_ / PROFIT instead of inside a word,
    and none at a hyphen inside a token, so KRW-BTC or a date is never split (Chromium breaks
    after a hyphen by default)."""
    def cell(match: re.Match) -> str:
        text = _HYPHENATED.sub(lambda t: f'<span class="exitlens-nobreak">{t.group(0)}</span>', match.group(2))
        return match.group(1) + text.replace("_", "_<wbr>") + match.group(3)
    return _CELL_TEXT.sub(cell, page)


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str, lang: str = "en") -> str:
    """The report page for an executed notebook (pure) in language `lang`: outputs only, each
    heading joined with what it heads, table cells breakable after underscores, A4 print rules."""
    body, _resources = html_exporter(lang).from_notebook_node(keep_headings_with_content(nb),
                                                         resources={"metadata": {"name": title}})
    body = cell_line_breaks(body)
    if "</head>" in body:
        body = body.replace("</head>", PRINT_CSS + "\n</head>", 1)
    return body


def export_html(notebook_path: Path, html_path: Path, *, title: str, lang: str = "en") -> Path:
    """Write the code-hidden HTML of the executed notebook at `notebook_path` to `html_path`."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    Path(html_path).write_text(notebook_to_html(nb, title=title, lang=lang), encoding="utf-8")
    logger.info("wrote %s", html_path)
    return Path(html_path)


KEY_CHART_TAG = "key-chart"
"""The tag of the notebook cell whose figure is the report's key chart (shown in Discord)."""


def export_key_chart(notebook_path: Path, png_path: Path) -> Path | None:
    """Write the first PNG figure of the executed notebook's cell tagged KEY_CHART_TAG to
    `png_path`; None (nothing written) when no such cell has one."""
    nb = nbformat.read(notebook_path, as_version=4)
    for cell in nb.cells:
        if KEY_CHART_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {}).get("image/png")
            if data:
                png_path.write_bytes(base64.b64decode(data))
                return png_path
    return None


def chromium_command(chromium: str, profile_dir: Path) -> list[str]:
    """The command line of a headless Chromium driven over --remote-debugging-pipe (pure)."""
    return [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--user-data-dir={profile_dir}",
        "--remote-debugging-pipe",
        "about:blank",
    ]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


def print_pdf(
    html_path: Path,
    pdf_path: Path,
    *,
    chromium: str,
    timeout: float = DEFAULT_PDF_TIMEOUT,
) -> Path:
    """Print `html_path` to `pdf_path` with headless Chromium in a fresh profile, page numbers
    in the footer. Raises ReportFailed (one line) when Chromium fails, times out or writes no
    PDF."""
    pdf_path = Path(pdf_path)
    pdf_path.unlink(missing_ok=True)
    deadline = time.monotonic() + timeout
    with tempfile.TemporaryDirectory(prefix="exitlens-chromium-") as profile, \
            tempfile.TemporaryFile("w+", errors="replace") as stderr:
        cmd = chromium_command(chromium, Path(profile))
        logger.debug("printing PDF: %s", cmd)
        try:
            proc, pipe = devtools.start_browser(cmd, stderr=stderr)
        except OSError as exc:
            raise ReportFailed(f"PDF export failed: could not start {chromium}: {exc}") from exc
        data: bytes | None = None
        problem = ""
        try:
            data = devtools.print_page(pipe, Path(html_path).resolve().as_uri(), PDF_OPTIONS,
                                       deadline=deadline)
            proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
        except (devtools.DevToolsTimeout, subprocess.TimeoutExpired) as exc:
            _kill(proc)
            raise ReportFailed(
                f"PDF export failed: Chromium did not finish within {timeout:g} s"
            ) from exc
        except devtools.DevToolsError as exc:
            problem = str(exc)
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 1.0))
            except subprocess.TimeoutExpired:
                _kill(proc)
        finally:
            pipe.close()
        stderr.seek(0)
        messages = stderr.read()
    logger.debug("chromium stderr: %s", messages)
    if proc.returncode not in (0, None) and data is None:
        raise ReportFailed(
            f"PDF export failed: Chromium exited with {proc.returncode}: {_last_line(messages)}"
        )
    if data is None or data[:5] != b"%PDF-":
        raise ReportFailed(f"PDF export failed: Chromium wrote no PDF: {problem or _last_line(messages)}")
    pdf_path.write_bytes(data)
    logger.info("wrote %s", pdf_path)
    return pdf_path


def _kill(proc: subprocess.Popen) -> None:
    """End the browser and every helper process it started (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # it ended on its own in the meantime
    proc.wait()
