"""A report run end to end with a real kernel, real nbconvert and a real Chromium, on the small
notebooks in tests/notebooks/ (one module-scoped archive shared by the tests), plus the parameter
checks that need no kernel."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from itertools import count
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from exitlens.core.errors import ConfigError, ReportFailed
from exitlens.reports import run as reports
from exitlens.reports.archive import RunPeriod
from exitlens.reports.run import ExecutionOptions, RunRequest
from pdf_text import pdf_text

NOTEBOOKS = Path(__file__).parent / "notebooks"
OK, FAILS, SLOW = NOTEBOOKS / "ok.ipynb", NOTEBOOKS / "fails.ipynb", NOTEBOOKS / "slow.ipynb"
EVIL = '<script>alert("pwned")</script>'
SUMMARY = {
    "kind": "daily", "period_start": "2026-11-23T00:00:00+09:00",
    "period_end": "2026-11-24T00:00:00+09:00", "timezone": "Asia/Seoul", "date": "2026-11-23",
    "trade_count": 9,
    "overall": {"count": 4, "evaluable": 4, "wins": 3, "win_rate": 0.75, "currency": "KRW",
                "realized_pnl": 123456.5, "net_pnl": 120000.0, "avg_pnl_pct": 1.25,
                "median_pnl_pct": None},
    "by_exit_reason": {}, "by_regime": {}, "by_regime_exit_reason": {},
    "suggestions": [], "notes": [f"exit reason {EVIL}"], "headline": f"4 sells {EVIL}",
}


def clock_from(start: datetime):
    """A clock that ticks one second per reading."""
    ticks = count()
    return lambda: start + timedelta(seconds=next(ticks))


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=timezone.utc)


# --- parameters, no kernel -----------------------------------------------------------------

def test_validate_parameters_when_names_and_values_known_returns_them():
    params = {"title": "x", "sells": 2, "ratio": 0.1, "labels": ["a", {"b": [None, True]}]}
    assert reports.validate_parameters(OK, params) == params


def test_validate_parameters_when_name_unknown_names_it_and_the_allowed_ones():
    with pytest.raises(ConfigError, match=r"unknown parameter\(s\) databse, sels .*allowed: labels, ratio, sells, title"):
        reports.validate_parameters(OK, {"sels": 1, "databse": "x", "title": "t"})


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 11, 23), {1, 2}, float("nan"), float("inf"), object(), (1, 2), {1: "a"},
     ["ok", date(2026, 11, 23)], b"bytes"],
)
def test_validate_parameters_when_value_not_json_raises_config_error(value):
    with pytest.raises(ConfigError, match="parameter 'title'"):
        reports.validate_parameters(OK, {"title": value})


def test_validate_parameters_when_value_is_url_with_password_refuses_it():
    with pytest.raises(ConfigError, match="database_url"):
        reports.validate_parameters(OK, {"title": "postgresql://bot:s3cret@db:5432/coinpilot"})


def test_validate_parameters_when_notebook_missing_raises_config_error(tmp_path):
    with pytest.raises(ConfigError, match="notebook not found"):
        reports.validate_parameters(tmp_path / "nope.ipynb", {})


def test_validate_parameters_when_notebook_has_no_parameters_cell_says_none_allowed(tmp_path):
    nb = nbformat.read(OK, as_version=4)
    nb.cells[1].metadata["tags"] = []
    path = tmp_path / "untagged.ipynb"
    nbformat.write(nb, path)
    assert reports.validate_parameters(path, {}) == {}
    with pytest.raises(ConfigError, match="allowed: none"):
        reports.validate_parameters(path, {"title": "x"})


def test_kernel_env_when_url_given_sets_exitlens_database_url():
    assert reports.kernel_env("sqlite:///x.db", {"EXITLENS_TZ": "UTC"}) == {
        "EXITLENS_TZ": "UTC", "EXITLENS_DATABASE_URL": "sqlite:///x.db"}
    assert reports.kernel_env(None) == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"parameters": {"nope": 1}},
        {"chromium": "/nonexistent/chromium"},
        {"formats": "docx"},
        {"summary": {"overall": {"avg_pnl_pct": float("nan")}}},
        {"kind": "../up"},
    ],
)
def test_run_report_when_input_bad_raises_config_error_and_writes_nothing(tmp_path, kwargs):
    args = {"kind": "daily", "period": RunPeriod.day(date(2026, 11, 23)), "out": tmp_path / "reports"}
    args.update(kwargs)
    with pytest.raises(ConfigError):
        reports.run_report(RunRequest(notebook=OK, **args))
    assert not (tmp_path / "reports").exists()


def test_executed_notebook_is_written_once_when_the_run_ends(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")], metadata={"papermill": {}})
    manager = reports.SaveWhenRunEnds(nb, output_path=str(tmp_path / "out.ipynb"), progress_bar=False)
    manager.notebook_start()
    manager.cell_start(nb.cells[0], 0)
    manager.cell_complete(nb.cells[0], 0)
    assert not (tmp_path / "out.ipynb").exists()

    manager.notebook_complete()

    assert nbformat.read(tmp_path / "out.ipynb", as_version=4).cells[0].metadata.papermill["status"] == "completed"


# --- real runs -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Four runs into one archive: a full daily run, an HTML-only weekly run, a failing notebook
    and a notebook that outlasts its cell timeout."""
    base = tmp_path_factory.mktemp("reports")
    out, work = base / "reports", base / "work"
    work.mkdir()
    options = ExecutionOptions(cwd=work, cell_timeout=60, start_timeout=60)
    ok = reports.run_report(RunRequest(
        notebook=OK, kind="daily", period=RunPeriod.day(date(2026, 11, 23)), out=out,
        parameters={"title": f"Daily {EVIL}", "sells": 7}, summary=SUMMARY,
        database_url="sqlite:////tmp/exitlens-test.db", execution=options), clock=clock_from(at(23, 13)))
    html_only = reports.run_report(RunRequest(
        notebook=OK, kind="weekly", period=RunPeriod(date(2026, 11, 17), date(2026, 11, 23)), out=out,
        formats="html", execution=options), clock=clock_from(at(23, 14)))
    with pytest.raises(ReportFailed) as failed:
        reports.run_report(RunRequest(
            notebook=FAILS, kind="daily", period=RunPeriod.day(date(2026, 11, 24)), out=out,
            summary=SUMMARY, execution=options), clock=clock_from(at(24, 13)))
    with pytest.raises(ReportFailed) as timed_out:
        reports.run_report(RunRequest(
            notebook=SLOW, kind="daily", period=RunPeriod.day(date(2026, 11, 25)), out=out,
            execution=ExecutionOptions(cwd=work, cell_timeout=2)), clock=clock_from(at(25, 13)))
    return SimpleNamespace(out=out, work=work, ok=ok, html_only=html_only,
                           failed=failed.value, timed_out=timed_out.value)


def executed_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(
        str(output.get("text", "")) + str(output.get("evalue", ""))
        for cell in nb.cells for output in cell.get("outputs", [])
    )


def test_run_report_when_notebook_succeeds_fills_the_run_folder(runs):
    run = runs.ok
    assert run.status == "succeeded"
    assert run.run_dir == runs.out / "daily" / "2026-11-23"
    assert sorted(p.name for p in run.run_dir.iterdir()) == [
        "report.html", "report.ipynb", "report.pdf", "status.json", "summary.json"]
    assert (run.html, run.pdf, run.summary) == (
        run.run_dir / "report.html", run.run_dir / "report.pdf", run.run_dir / "summary.json")
    assert run.duration_seconds == pytest.approx(1.0)


def test_run_report_when_notebook_succeeds_html_has_outputs_but_no_code(runs):
    page = runs.ok.html.read_text()
    assert "sells=7 realized_pnl=31415.92" in page
    assert "CODE_ONLY_MARKER" not in page
    assert "sells = 3" not in page and "import os" not in page
    assert "Daily &lt;script&gt;" in page and EVIL not in page


def test_run_report_when_notebook_succeeds_pdf_holds_the_numbers_as_text(runs):
    data = runs.ok.pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    assert "realized_pnl=31415.92" in pdf_text(data)


def test_run_report_when_url_given_kernel_sees_it_but_notebook_parameters_do_not(runs):
    nb = nbformat.read(runs.ok.notebook, as_version=4)
    assert nb.metadata.papermill.parameters == {"title": f"Daily {EVIL}", "sells": 7}
    assert nb.metadata.papermill.output_path == str(runs.ok.notebook)
    text = executed_text(runs.ok.notebook)
    assert "database sqlite:////tmp/exitlens-test.db" in text
    assert f"cwd {runs.work.resolve()}" in text


def test_run_report_when_summary_given_stores_it_unchanged_and_headline_in_status(runs):
    assert json.loads(runs.ok.summary.read_text()) == SUMMARY
    status = json.loads(runs.ok.status_file.read_text())
    assert status["status"] == "succeeded" and status["error"] is None
    assert status["kind"] == "daily" and status["period"] == "2026-11-23"
    assert status["headline"] == {"sells": 4, "win_rate": 0.75, "currency": "KRW", "net_pnl": 120000.0,
                                  "realized_pnl": 123456.5, "avg_pnl_pct": 1.25}
    assert status["started_at"] == "2026-11-23T13:00:00+00:00"
    assert status["files"] == {"summary": "summary.json", "notebook": "report.ipynb",
                               "html": "report.html", "pdf": "report.pdf"}


def test_run_report_when_formats_html_only_writes_no_pdf(runs):
    run = runs.html_only
    assert run.pdf is None and run.summary is None
    assert sorted(p.name for p in run.run_dir.iterdir()) == ["report.html", "report.ipynb", "status.json"]
    assert run.run_dir.name == "2026-11-17_2026-11-23"


def test_run_report_when_notebook_raises_keeps_error_notebook_and_raises_report_failed(runs):
    exc = runs.failed
    assert "\n" not in str(exc)
    assert str(exc).startswith("daily report 2026-11-24 failed: ValueError: boom: no trades table")
    run = exc.run
    assert run.status == "failed" and run.html is None and run.pdf is None
    assert sorted(p.name for p in run.run_dir.iterdir()) == ["report.ipynb", "status.json", "summary.json"]
    nb = nbformat.read(run.notebook, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert [(e.ename, e.evalue) for e in errors] == [("ValueError", "boom: no trades table")]
    status = json.loads(run.status_file.read_text())
    assert status["status"] == "failed"
    assert status["error"].startswith("ValueError: boom: no trades table")


def test_run_report_when_cell_times_out_marks_notebook_and_raises_report_failed(runs):
    exc = runs.timed_out
    assert "longer than the 2 s cell timeout" in str(exc)
    nb = nbformat.read(exc.run.notebook, as_version=4)
    assert "This report run failed" in nb.cells[0].source
    assert json.loads(exc.run.status_file.read_text())["status"] == "failed"


def test_run_report_index_lists_every_run_newest_first_with_failures(runs):
    page = (runs.out / "index.html").read_text()
    rows = [line for line in page.splitlines() if line.startswith("<tr class=")]
    assert [(r.split("<td class=\"when\">")[1].split("<")[0], r.split('class="')[1].split('"')[0]) for r in rows] == [
        ("2026-11-25", "failed"),
        ("2026-11-24", "failed"),
        ("2026-11-17 – 2026-11-23", "succeeded"),
        ("2026-11-23", "succeeded"),
    ]
    assert 'href="daily/2026-11-24/report.ipynb"' in page
    assert 'href="daily/2026-11-23/report.pdf"' in page
    assert "<script" not in page and "&lt;script&gt;" in page


def test_run_report_when_rerun_fails_keeps_the_earlier_successful_run(tmp_path):
    out = tmp_path / "reports"
    period = RunPeriod.day(date(2026, 11, 23))
    options = ExecutionOptions(cwd=tmp_path, cell_timeout=60, start_timeout=60)
    good = reports.run_report(RunRequest(notebook=OK, kind="daily", period=period, out=out, formats="html", execution=options))
    good_html = good.html.read_text()

    with pytest.raises(ReportFailed) as failed:
        reports.run_report(RunRequest(notebook=FAILS, kind="daily", period=period, out=out, formats="html", execution=options))

    assert good.html.read_text() == good_html
    assert json.loads(good.status_file.read_text())["status"] == "succeeded"
    assert failed.value.run.run_dir == out / "daily" / "2026-11-23.failed"
    assert json.loads(failed.value.run.status_file.read_text())["status"] == "failed"
    index = (out / "index.html").read_text()
    assert "2026-11-23.failed/report.ipynb" in index and "daily/2026-11-23/report.html" in index


def test_run_report_when_run_outlasts_its_time_limit_fails_saying_so(tmp_path):
    options = ExecutionOptions(cwd=tmp_path, cell_timeout=60, run_timeout=2)

    with pytest.raises(ReportFailed, match="longer than its 2 s time limit"):
        reports.run_report(RunRequest(notebook=SLOW, kind="daily", period=RunPeriod.day(date(2026, 11, 26)),
                           out=tmp_path / "reports", formats="html", execution=options))


@pytest.mark.parametrize(("name", "value"), [("as_of", 123), ("report_date", "23/11/2026"), ("end", "2026-11-23"),
                                             ("days", 0), ("days", 2.5), ("min_samples", -1), ("timezone", "Mars/Base"),
                                             ("trailing_stop_post_24h_pct", "3")])
def test_validate_parameters_when_known_value_has_wrong_type_names_it(name, value):
    with pytest.raises(ConfigError, match=f"parameter '{name}' is .*: it must be"):
        reports.validate_parameters(OK, {name: value})


def test_execute_notebook_when_a_cell_leaves_a_file_open_its_buffered_tail_reaches_the_disk(tmp_path):
    notebook = tmp_path / "leaves_open.ipynb"
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nb.cells = [nbformat.v4.new_code_cell("kept = open('tail.txt', 'w')\nkept.write('the buffered tail')")]
    nbformat.write(nb, notebook)

    error = reports.execute_notebook(notebook, tmp_path / "out.ipynb", {},
                                     options=ExecutionOptions(cwd=tmp_path, cell_timeout=60, start_timeout=60))

    assert error is None
    assert (tmp_path / "tail.txt").read_text() == "the buffered tail"
