"""HTML export and PDF printing with the real headless Chromium."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from exitlens.core.errors import ConfigError, ReportFailed
from exitlens.reports import exports
from html_checks import external_references
from pdf_text import pdf_text


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("html,pdf", {"html", "pdf"}),
        (" HTML ", {"html"}),
        (["pdf"], {"pdf"}),
    ],
)
def test_parse_formats_when_known_names_returns_them(given, expected):
    assert exports.parse_formats(given) == expected


@pytest.mark.parametrize("given", ["", " , ", []])
def test_parse_formats_when_none_named_says_name_one(given):
    with pytest.raises(ConfigError, match="no report format given: name at least one of html, pdf"):
        exports.parse_formats(given)


def test_parse_formats_when_unknown_names_it_and_the_allowed_ones():
    with pytest.raises(ConfigError, match=r"docx.*choose from html, pdf"):
        exports.parse_formats("html,docx")


def test_find_chromium_when_explicit_path_missing_says_install_or_html_only():
    with pytest.raises(ConfigError, match=r"install the `chromium` package.*--formats html"):
        exports.find_chromium("/nonexistent/chromium")


def test_find_chromium_when_nothing_on_path_says_install_or_html_only():
    with pytest.raises(ConfigError, match=r"install the `chromium` package.*--formats html"):
        exports.find_chromium(environ={}, search_path="", fallbacks=())


def test_find_chromium_when_env_names_browser_uses_it():
    assert exports.find_chromium(environ={exports.CHROMIUM_ENV: "/bin/sh"}) == "/bin/sh"


def test_notebook_to_html_when_code_cells_hides_code_and_prompts_keeps_outputs():
    nb = new_notebook()
    cell = new_code_cell("SECRET_SOURCE = 1\nprint('winrate 0.625')", execution_count=1)
    cell.outputs = [new_output("stream", name="stdout", text="winrate 0.625 <b>\n")]
    nb.cells = [cell]
    page = exports.notebook_to_html(nb, title="exitlens daily report 2026-11-23")
    assert "SECRET_SOURCE" not in page
    assert "winrate 0.625 &lt;b&gt;" in page
    assert "In&nbsp;[1]" not in page and "In [1]" not in page
    assert "<title>exitlens daily report 2026-11-23</title>" in page
    assert "size: A4" in page


def test_print_pdf_when_real_chromium_writes_pdf_with_extractable_text(tmp_path):
    html = tmp_path / "page.html"
    html.write_text("<html><body><h1>Exits</h1><p>Realized PnL 271828.18 KRW</p></body></html>")
    pdf = exports.print_pdf(html, tmp_path / "page.pdf", chromium=exports.find_chromium())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert "Realized PnL 271828.18 KRW" in pdf_text(data)


def test_print_pdf_when_browser_fails_raises_one_line_report_failed(tmp_path):
    html = tmp_path / "page.html"
    html.write_text("<p>x</p>")
    with pytest.raises(ReportFailed, match=r"^PDF export failed: Chromium exited with 1") as info:
        exports.print_pdf(html, tmp_path / "page.pdf", chromium="/bin/false")
    assert "\n" not in str(info.value)


def test_print_pdf_when_browser_hangs_stops_it_after_timeout(tmp_path):
    script = tmp_path / "hang.sh"
    script.write_text("#!/bin/sh\nsleep 30\n")
    script.chmod(0o755)
    html = tmp_path / "page.html"
    html.write_text("<p>x</p>")
    with pytest.raises(ReportFailed, match="did not finish within 0.5 s"):
        exports.print_pdf(html, tmp_path / "page.pdf", chromium=str(script), timeout=0.5)


def test_notebook_to_html_when_database_text_has_dollars_is_self_contained_and_literal():
    nb = new_notebook()
    cell = new_code_cell("", execution_count=1)
    cell.outputs = [new_output("display_data", data={"text/html": "<p>reason TP $5 / SL $3</p>"})]
    nb.cells = [new_markdown_cell(r"Exit reason $\foo{$"), cell]
    page = exports.notebook_to_html(nb, title="exitlens daily report 2026-11-23")
    assert external_references(page) == []
    assert "mathjax" not in page.lower() and "<script src" not in page
    assert r"$\foo{$" in page and "TP $5 / SL $3" in page


def test_print_pdf_when_its_caller_is_killed_chromium_dies_too(tmp_path):
    browser = tmp_path / "chromium"
    browser.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'pid'}\nexec sleep 60\n")
    browser.chmod(0o755)
    caller = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from exitlens.reports import exports; "
        f"exports.print_pdf(Path('{tmp_path / 'page.html'}'), Path('{tmp_path / 'page.pdf'}'), "
        f"chromium='{browser}', timeout=60)")])
    pid_file = tmp_path / "pid"
    deadline = time.monotonic() + 30
    while not (pid_file.is_file() and pid_file.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    caller.kill()
    caller.wait()

    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not _alive(pid), "Chromium outlived the process that started it"
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_export_key_chart_writes_the_figure_of_the_tagged_cell_only(tmp_path):
    import base64

    import nbformat

    from exitlens.reports.exports import KEY_CHART_TAG, export_key_chart

    def figure_cell(png: bytes, tags: list[str]):
        cell = nbformat.v4.new_code_cell("chart()", metadata={"tags": tags})
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<h2>x</h2>"}),
                        nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()})]
        return cell

    notebook = tmp_path / "report.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[figure_cell(b"other", []), figure_cell(b"key", [KEY_CHART_TAG])]),
                   notebook)
    written = export_key_chart(notebook, tmp_path / "key_chart.png")
    assert written is not None and written.read_bytes() == b"key"

    nbformat.write(nbformat.v4.new_notebook(cells=[figure_cell(b"other", [])]), notebook)
    assert export_key_chart(notebook, tmp_path / "none.png") is None and not (tmp_path / "none.png").exists()


def test_cell_line_breaks_keep_hyphenated_tokens_whole_and_break_after_underscores():
    from exitlens.reports.exports import cell_line_breaks

    page = "<td>KRW-BTC</td><td>TAKE_PROFIT</td><th>2026-11-23 09:00</th><td>-12.5</td><p>KRW-BTC</p>"
    out = cell_line_breaks(page)
    assert '<td><span class="exitlens-nobreak">KRW-BTC</span></td>' in out
    assert "<td>TAKE_<wbr>PROFIT</td>" in out
    assert '<th><span class="exitlens-nobreak">2026-11-23</span> 09:00</th>' in out
    assert "<td>-12.5</td>" in out and "<p>KRW-BTC</p>" in out
