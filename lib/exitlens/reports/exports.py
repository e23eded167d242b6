"""Turn an executed notebook into the files people read: HTML with the code hidden, and a PDF
printed by a real headless Chromium.

Why Chromium on the command line and not nbconvert's WebPDFExporter: that exporter drives
playwright, which is not one of our dependencies and downloads a browser build of its own at
install time. The distribution's `chromium` package prints the very HTML we publish, so the PDF
looks like the HTML and keeps real text (numbers can be searched and copied). Printing never
touches the network: every host name is made unresolvable, so the PDF depends only on the
local HTML file (the CDN scripts nbconvert's template references are not needed for tables,
text and PNG figures).
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Mapping

import nbformat
from nbconvert import HTMLExporter

from exitlens.core.errors import ConfigError, ReportFailed

logger = logging.getLogger(__name__)

FORMATS = ("html", "pdf")
CHROMIUM_ENV = "EXITLENS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FALLBACKS = ("/usr/bin/chromium",)
DEFAULT_PDF_TIMEOUT = 120.0

# Printed page: A4 with modest margins; a wide table may shrink rather than be cut.
PRINT_CSS = """<style>
@page { size: A4 landscape; margin: 10mm; }
.jp-RenderedHTMLCommon table { font-size: 11px; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { white-space: nowrap; }
@media print {
  /* Tables print whole: no scroll box, no clipped columns; a heading stays with what follows. */
  .jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow: visible !important; }
  .jp-RenderedHTMLCommon table { font-size: 10px; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 2px 4px; }
  h1, h2, h3, .jp-MarkdownCell { break-after: avoid; page-break-after: avoid; }
  img, tr { break-inside: avoid; page-break-inside: avoid; }
}
</style>"""

_MISSING_CHROMIUM = (
    "PDF export needs a headless Chromium: install the `chromium` package "
    "(apt-get install chromium), point {env} at the browser, or pass --formats html"
)


def parse_formats(formats: str | Iterable[str]) -> frozenset[str]:
    """The export formats asked for, from `"html,pdf"` or an iterable; a ConfigError names any
    unknown one and the allowed ones."""
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    chosen = {str(item).strip().lower() for item in items if str(item).strip()}
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise ConfigError(
            f"unknown report format(s) {', '.join(unknown)}: choose from {', '.join(FORMATS)}"
        )
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


def html_exporter() -> HTMLExporter:
    """nbconvert's HTML exporter with the code and the In/Out prompts hidden."""
    return HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        log=_NBCONVERT_LOG)


def notebook_to_html(nb: nbformat.NotebookNode, *, title: str) -> str:
    """The report page for an executed notebook (pure): outputs only, A4 print rules added."""
    body, _resources = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    if "</head>" in body:
        body = body.replace("</head>", PRINT_CSS + "\n</head>", 1)
    return body


def export_html(notebook_path: Path, html_path: Path, *, title: str) -> Path:
    """Write the code-hidden HTML of the executed notebook at `notebook_path` to `html_path`."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    Path(html_path).write_text(notebook_to_html(nb, title=title), encoding="utf-8")
    logger.info("wrote %s", html_path)
    return Path(html_path)


def chromium_command(chromium: str, html_path: Path, pdf_path: Path, profile_dir: Path) -> list[str]:
    """The command line that prints `html_path` to `pdf_path` (pure)."""
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
        "--no-pdf-header-footer",
        f"--print-to-pdf={Path(pdf_path).resolve()}",
        Path(html_path).resolve().as_uri(),
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
    """Print `html_path` to `pdf_path` with headless Chromium in a fresh profile. Raises
    ReportFailed (one line) when Chromium fails, times out or writes no PDF."""
    pdf_path = Path(pdf_path)
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="exitlens-chromium-") as profile:
        cmd = chromium_command(chromium, html_path, pdf_path, Path(profile))
        logger.debug("printing PDF: %s", cmd)
        try:
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=True,  # its own process group: a timeout ends all its helpers
            )
        except OSError as exc:
            raise ReportFailed(f"PDF export failed: could not start {chromium}: {exc}") from exc
        try:
            _stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass  # it ended on its own in the meantime
            proc.communicate()
            raise ReportFailed(
                f"PDF export failed: Chromium did not finish within {timeout:g} s"
            ) from exc
    logger.debug("chromium stderr: %s", stderr)
    if proc.returncode != 0:
        raise ReportFailed(
            f"PDF export failed: Chromium exited with {proc.returncode}: {_last_line(stderr)}"
        )
    if not pdf_path.is_file() or pdf_path.read_bytes()[:5] != b"%PDF-":
        raise ReportFailed(f"PDF export failed: Chromium wrote no PDF: {_last_line(stderr)}")
    logger.info("wrote %s", pdf_path)
    return pdf_path
