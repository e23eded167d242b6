"""A report run: validate the parameters → execute the notebook with Papermill → export HTML and
PDF → write summary.json and status.json → swap the run folder into place → rebuild the index.

`run_report` only chains the steps (like papermill's `execute_notebook`); each step is a
function of its own, and all but `execute_notebook` work without a kernel. What the notebook
computes is not this module's business: it takes any notebook path and JSON parameters.

The database URL is never a notebook parameter (papermill writes parameters into the executed
notebook, and a URL may hold a password): it goes into the kernel's environment as
EXITLENS_DATABASE_URL, and the notebook reads it from there.
"""

from __future__ import annotations

import html
import logging
import math
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

import nbformat
import papermill
from jupyter_client.kernelspec import NoSuchKernel
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.exceptions import PapermillExecutionError, strip_color
from traitlets import Dict, Unicode
from traitlets.config import Config

from exitlens.clock import utc_now
from exitlens.core.errors import ConfigError, ExitlensError, ReportFailed
from exitlens.core.filters import FILTER_COLUMNS
from exitlens.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from exitlens.core.jsonvalues import require_json
from exitlens.core.keys import FAILED, SUCCEEDED
from exitlens.core.settings import SuggestionThresholds, zone_info
from exitlens.core.timeutil import parse_aware, parse_month
from exitlens.reports import archive, exports
from exitlens.reports.archive import RunPeriod

logger = logging.getLogger(__name__)

DATABASE_URL_ENV = "EXITLENS_DATABASE_URL"
SUMMARY_PATH_ENV = "EXITLENS_SUMMARY_PATH"  # analysis.SUMMARY_PATH_ENV: the notebook writes it
ERROR_MARKER_TAG = "papermill-error-cell-tag"  # papermill's tag: it removes such cells on re-run
_URL_WITH_PASSWORD = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]*:[^/@\s]+@")


def report_notebook(kind: str) -> Path:
    """The report notebook of `kind` shipped with the package (`notebooks/` in the source tree)."""
    return Path(str(resources.files("exitlens.notebooks").joinpath(f"{kind}_exit_report.ipynb")))


# --- parameters (no kernel) ---------------------------------------------------------------

def notebook_parameters(notebook: Path) -> dict[str, dict[str, Any]]:
    """The parameters the notebook's `parameters` cell defines, as papermill infers them:
    {name: {name, inferred_type_name, default, help}}. Empty when it has no such cell."""
    notebook = Path(notebook)
    if not notebook.is_file():
        raise ConfigError(f"report notebook not found: {notebook}")
    try:
        return papermill.inspect_notebook(str(notebook))
    except ValueError as exc:  # not JSON / not a notebook / no kernelspec
        raise ConfigError(f"cannot read the parameters of {notebook}: {exc}") from exc


def _whole(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _iso_time(value: Any) -> bool:
    return value is None or (isinstance(value, str) and parse_aware(value) is not None)


def _iso_date(value: Any) -> bool:
    return value is None or (isinstance(value, str) and Date.fromisoformat(value) is not None)


def _timezone(value: Any) -> bool:
    return isinstance(value, str) and zone_info(value) is not None


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


KNOWN_PARAMETERS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "report_date": ("a date YYYY-MM-DD or null", _iso_date),
    "as_of": ("an ISO time with an offset (2026-11-23T22:00:00+09:00) or null", _iso_time),
    "end": ("an ISO time with an offset (2026-11-24T00:00:00+09:00) or null", _iso_time),
    "days": ("a whole number of days, 1 or more", lambda value: _whole(value, 1)),
    "month": ("a month YYYY-MM or null", lambda value: value is None or bool(parse_month(value))),
    "timezone": ("an IANA timezone name such as Asia/Seoul", _timezone),
    "language": (f"one of {', '.join(LANGUAGES)}", lambda value: value in LANGUAGES),
    **{name: ("a list of texts ([] for all)", _texts) for name in FILTER_COLUMNS},
    "min_samples": ("a whole number, 0 or more", lambda value: _whole(value, 0)),
    **{name: ("a number", _number) for name in SuggestionThresholds.__dataclass_fields__},
}
"""What the report notebooks' parameters must be: a wrong one is refused before anything is
written, instead of failing inside the kernel and leaving a failed run behind."""


def check_known_parameters(parameters: Mapping[str, Any]) -> None:
    """A ConfigError naming the first parameter whose value is not what KNOWN_PARAMETERS says
    (names it does not know are left to `validate_parameters`)."""
    for name, value in parameters.items():
        if name not in KNOWN_PARAMETERS:
            continue
        what, accepts = KNOWN_PARAMETERS[name]
        try:
            accepted = accepts(value)
        except (ExitlensError, ValueError, TypeError):
            accepted = False
        if not accepted:
            raise ConfigError(f"parameter {name!r} is {value!r:.60}: it must be {what}")


def validate_parameters(notebook: Path, parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """The parameters as a plain dict when every name is one the notebook's parameters cell
    defines and every value is JSON of the kind KNOWN_PARAMETERS says; else a ConfigError
    naming the offenders (and the allowed names). A value that looks like a URL with a
    password is refused: pass the database URL as `database_url`, never as a parameter."""
    params = dict(parameters or {})
    check_known_parameters(params)
    for name, value in params.items():
        require_json(value, f"parameter {name!r}")
        if isinstance(value, str) and _URL_WITH_PASSWORD.match(value):
            raise ConfigError(
                f"parameter {name!r} looks like a URL with a password: the executed notebook "
                "would keep it; pass the database URL as database_url (it reaches the kernel "
                f"as {DATABASE_URL_ENV})"
            )
    allowed = notebook_parameters(notebook)
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        names = ", ".join(sorted(allowed)) or "none (the notebook has no cell tagged 'parameters')"
        raise ConfigError(
            f"unknown parameter(s) {', '.join(unknown)} for {Path(notebook).name}: allowed: {names}"
        )
    return params


# --- execution ----------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class ExecutionOptions:
    """How to run the kernel. `start_timeout` bounds the kernel's start, `cell_timeout` each
    cell and `run_timeout` the whole run (None = no limit); `cwd` is the kernel's working
    directory (None = the caller's current one, so relative paths such as data/exitlens.db
    mean what they mean on the command line); `progress_bar` None = only when stderr is a
    terminal. `kernel_shutdown` "graceful" (the default) asks the kernel to exit by itself, so
    a file a notebook left open is flushed and atexit hooks run; "immediate" kills it as soon as
    every cell has run, without the interpreter's teardown (0.1 s instead of 0.7-0.8 s for a
    report kernel with pandas, matplotlib and numba loaded), and a file left open loses what was
    still buffered: only for callers that know their notebooks close what they open."""

    kernel_name: str = "python3"
    start_timeout: float = 60.0
    cell_timeout: float | None = 600.0
    run_timeout: float | None = 1800.0
    cwd: Path | None = None
    progress_bar: bool | None = None
    kernel_shutdown: Literal["immediate", "graceful"] = "graceful"


class EnvKernelManager(AsyncKernelManager):
    """A kernel manager that adds `extra_env` to the kernel's environment, leaving this
    process's os.environ alone (the scheduler runs other jobs in threads beside a report).

    The kernel process's own log lines (transport warnings, the interrupt at shutdown) are
    kept off the user's terminal unless exitlens logs verbosely; what the notebook's cells
    print goes into the executed notebook either way. Python warnings are off in the kernel: a
    warning box (a glyph a font lacks, with the server's paths in it) is no part of a report."""

    extra_env = Dict(key_trait=Unicode(), value_trait=Unicode(), config=True)

    async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
        env = dict(kw.pop("env", None) or os.environ)
        env.update(self.extra_env)
        env["PYTHONWARNINGS"] = "ignore"  # a published report never shows a library's warning box
        if not logger.isEnabledFor(logging.INFO):
            kw.setdefault("stderr", subprocess.DEVNULL)
        await super().start_kernel(env=env, **kw)


class SaveWhenRunEnds(NotebookExecutionManager):
    """papermill's bookkeeping of a run, writing the executed notebook once, when the run ends
    (a timeout or a dead kernel included), instead of before and after every cell: the notebook
    is in the run's staging folder, which nothing reads before the run ends, and rewriting it
    with every figure so far, 40 times for a weekly report, cost a report about 0.3 s."""

    _ended = False

    def save(self, **kwargs: Any) -> None:
        if self._ended:
            super().save(**kwargs)

    def notebook_complete(self, **kwargs: Any) -> None:
        super().notebook_complete(**kwargs)
        self._ended = True
        self.save()


class ReportEngine(NBClientEngine):
    """papermill's nbclient engine with SaveWhenRunEnds as its bookkeeping (papermill's
    `Engine.execute_notebook`, with that one class swapped in)."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: str | None = None, progress_bar: bool = True,
                         log_output: bool = False, autosave_cell_every: int = 30, **kwargs: Any) -> Any:
        nb_man = SaveWhenRunEnds(nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                                 autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


REPORT_ENGINE = "exitlens"
papermill_engines.register(REPORT_ENGINE, ReportEngine)


def kernel_env(database_url: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables to add to the kernel's environment (pure)."""
    env = {str(k): str(v) for k, v in (extra or {}).items()}
    if database_url:
        env[DATABASE_URL_ENV] = database_url
    return env


def _one_line(text: str, limit: int = 300) -> str:
    line = " ".join(strip_color(str(text)).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    options: ExecutionOptions = ExecutionOptions(),
) -> str | None:
    """Run `notebook` with Papermill, writing the executed notebook to `output`. Returns None
    when every cell ran, else a one-line error summary; the executed notebook is kept either
    way and, when the failure left no error in it (a timeout, a kernel that would not start),
    gets a marker cell at the top saying what happened."""
    cwd = Path(options.cwd) if options.cwd is not None else Path.cwd()
    progress = sys.stderr.isatty() if options.progress_bar is None else options.progress_bar
    config = Config({"EnvKernelManager": {"extra_env": dict(env or {})}})
    deadline = None if options.run_timeout is None else time.monotonic() + options.run_timeout

    def cell_time_limit(cell: Any) -> float | None:
        """What is left of the run's time, but no more than a cell may take."""
        limits = [options.cell_timeout] if options.cell_timeout is not None else []
        if deadline is not None:
            limits.append(max(deadline - time.monotonic(), 1.0))
        return min(limits) if limits else None

    error: str | None = None
    try:
        papermill.execute_notebook(
            str(notebook),
            str(output),
            parameters=dict(parameters),
            kernel_name=options.kernel_name,
            engine_name=REPORT_ENGINE,
            progress_bar=progress,
            log_output=False,
            start_timeout=options.start_timeout,
            execution_timeout=options.cell_timeout,
            # nbclient starts the kernel in resources.metadata.path; papermill's own `cwd`
            # would chdir this whole process instead.
            resources={"metadata": {"path": str(cwd.resolve())}},
            kernel_manager_class=EnvKernelManager,
            shutdown_kernel=options.kernel_shutdown,
            config=config,
            timeout_func=cell_time_limit,
        )
    except PapermillExecutionError as exc:  # papermill already wrote the error into the notebook
        error = _one_line(f"{exc.ename}: {exc.evalue} (cell In [{exc.exec_count}])")
    except CellTimeoutError:
        if deadline is not None and time.monotonic() >= deadline - 1.0:
            error = f"the run took longer than its {options.run_timeout:g} s time limit"
        else:
            error = f"a cell ran longer than the {options.cell_timeout:g} s cell timeout"
        mark_failed(output, error)
    except TimeoutError as exc:  # the kernel stopped answering
        error = _one_line(f"timed out: {exc}")
        mark_failed(output, error)
    except NoSuchKernel:
        error = f"no Jupyter kernel named {options.kernel_name!r}: install ipykernel in this environment"
        mark_failed(output, error)
    except RuntimeError as exc:  # the kernel died or did not start in start_timeout
        error = _one_line(f"kernel failure: {exc}")
        mark_failed(output, error)
    if error:
        logger.warning("notebook %s failed: %s", notebook, error)
    return error


def mark_failed(notebook_path: Path, message: str) -> None:
    """Put a markdown cell at the top of an executed notebook saying why the run stopped,
    unless papermill already marked it (no-op when the notebook was never written)."""
    path = Path(notebook_path)
    if not path.is_file():
        logger.warning("no executed notebook was written to %s", path)
        return
    nb = nbformat.read(str(path), as_version=4)
    if any(ERROR_MARKER_TAG in cell.metadata.get("tags", []) for cell in nb.cells):
        return
    cell = nbformat.v4.new_markdown_cell(f"**This report run failed:** {html.escape(message)}")
    cell.metadata["tags"] = [ERROR_MARKER_TAG]
    nb.cells.insert(0, cell)
    nbformat.write(nb, str(path))


def set_output_path(notebook_path: Path, final_path: Path) -> None:
    """Record the executed notebook's final place in papermill's metadata (it was written in
    the staging folder)."""
    nb = nbformat.read(str(notebook_path), as_version=4)
    nb.metadata.setdefault("papermill", {})["output_path"] = str(final_path)
    nbformat.write(nb, str(notebook_path))


# --- the run ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportRun:
    """Where a run's files are and how it went. Paths of files not produced are None."""

    run_dir: Path
    status: str
    notebook: Path
    html: Path | None
    pdf: Path | None
    summary: Path | None
    status_file: Path
    index: Path
    started_at: datetime
    finished_at: datetime
    duration_seconds: float
    error: str | None = None


class ReportRunFailed(ReportFailed):
    """A run failed; `run` says where its executed notebook (with the error) and status are."""

    def __init__(self, message: str, run: ReportRun):
        super().__init__(message)
        self.run = run


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    """One notebook run: `notebook` executed for `kind` and `period` into
    `<out>/<kind>/<period>/`, with `parameters` (JSON values the notebook's parameters cell
    defines), the `summary` to store beside it, the database URL for the kernel's environment
    (never a parameter), the exports to write and how to run the kernel and Chromium."""

    notebook: Path
    kind: str
    period: RunPeriod
    out: Path = Path("reports")
    parameters: Mapping[str, Any] = field(default_factory=dict)
    summary: Mapping[str, Any] | None = None
    database_url: str | None = None
    formats: str | Iterable[str] = exports.FORMATS
    execution: ExecutionOptions = ExecutionOptions()
    env: Mapping[str, str] = field(default_factory=dict)
    chromium: str | None = None
    pdf_timeout: float = exports.DEFAULT_PDF_TIMEOUT


def run_report(request: RunRequest, *, clock: Callable[[], datetime] = utc_now) -> ReportRun:
    """Execute the request's notebook, export it, store its summary (the object `exitlens
    summary ... --json` prints) and the run's status, and rebuild `<out>/index.html`. Bad input
    raises ConfigError before anything is written; a failed run is kept, indexed as failed, and
    raises ReportRunFailed (a ReportFailed). The summary stored is the one the notebook writes
    to $EXITLENS_SUMMARY_PATH (`analysis.report_data` does), else the request's `summary`."""
    notebook, kind, period, summary, execution = (request.notebook, request.kind, request.period,
                                                  request.summary, request.execution)
    notebook = Path(notebook)
    archive.check_kind(kind)
    wanted = exports.parse_formats(request.formats)
    params = validate_parameters(notebook, request.parameters)
    if summary is not None:
        require_json(dict(summary), "summary")
    browser = exports.find_chromium(request.chromium) if "pdf" in wanted else None
    out = Path(request.out)
    final = archive.run_dir(out, kind, period)

    started = clock()
    logger.info("running %s report %s from %s", kind, period.label, notebook)
    if execution.run_timeout is not None:
        # No live run is older than its time limit plus the PDF's: an older folder is debris.
        limit = timedelta(seconds=execution.run_timeout + request.pdf_timeout)
        archive.clean_stale_staging(final, older_than=limit, now=started)
    staging = archive.make_staging_dir(final)
    files: dict[str, str] = {}
    try:
        if summary is not None:
            archive.write_json(staging / archive.SUMMARY_FILE, summary)
            files["summary"] = archive.SUMMARY_FILE
        executed = staging / archive.NOTEBOOK_FILE
        summary_file = staging / archive.SUMMARY_FILE
        kernel = {**kernel_env(request.database_url, request.env), SUMMARY_PATH_ENV: str(summary_file.resolve())}
        error = execute_notebook(notebook, executed, params, env=kernel, options=execution)
        if summary_file.is_file():
            summary = archive.read_summary(summary_file)
            files["summary"] = archive.SUMMARY_FILE
        if error is None and wanted:
            error = _export(executed, staging, wanted, browser, request.pdf_timeout, files,
                            title=f"exitlens {kind} report {period.label}")
        finished = clock()
        status = FAILED if error else SUCCEEDED
        with archive.period_lock(final):
            archive.recover_interrupted_publish(final)
            if status == FAILED and archive.run_succeeded(final):
                # A failed re-run must not replace a good report of the same period.
                final = archive.failed_attempt_dir(final)
                logger.warning("keeping the earlier successful run of %s %s; the failed run is in %s",
                               kind, period.label, final)
            if executed.is_file():
                set_output_path(executed, final / archive.NOTEBOOK_FILE)
                files["notebook"] = archive.NOTEBOOK_FILE
            archive.write_json(
                staging / archive.STATUS_FILE,
                archive.status_record(
                    kind=kind, period=period, status=status, started_at=started,
                    finished_at=finished, summary=summary, files=files, error=error,
                    notebook=str(notebook), parameters=params,
                ),
            )
            archive.publish_run_dir(staging, final)
            index = archive.write_index(out, lang=str(params.get("language") or DEFAULT_LANGUAGE))
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)

    def produced(key: str) -> Path | None:
        return final / files[key] if key in files else None

    run = ReportRun(
        run_dir=final, status=status, notebook=final / archive.NOTEBOOK_FILE,
        html=produced("html"), pdf=produced("pdf"), summary=produced("summary"),
        status_file=final / archive.STATUS_FILE, index=index, started_at=started,
        finished_at=finished, duration_seconds=(finished - started).total_seconds(), error=error,
    )
    if error:
        raise ReportRunFailed(
            f"{kind} report {period.label} failed: {error} (see {run.notebook})", run
        )
    logger.info("%s report %s done in %.1f s: %s", kind, period.label, run.duration_seconds, final)
    return run


def _export(
    executed: Path,
    staging: Path,
    wanted: frozenset[str],
    chromium: str | None,
    pdf_timeout: float,
    files: dict[str, str],
    *,
    title: str,
) -> str | None:
    """Write the asked-for exports into `staging`, recording them in `files`; the error
    summary when the PDF could not be printed, else None."""
    html_path = staging / archive.HTML_FILE
    exports.export_html(executed, html_path, title=title)
    if "html" in wanted:
        files["html"] = archive.HTML_FILE
    try:
        if "pdf" in wanted:
            assert chromium is not None
            exports.print_pdf(html_path, staging / archive.PDF_FILE, chromium=chromium,
                              timeout=pdf_timeout)
            files["pdf"] = archive.PDF_FILE
    except ReportFailed as exc:
        return _one_line(str(exc))
    finally:
        if "html" not in wanted:
            html_path.unlink(missing_ok=True)
    return None
