"""The report archive on disk: one folder per run, a status record in each, an index over all.

Folder scheme (SPEC §5), under the output folder `<out>` (default `reports/`)::

    <out>/index.html                                  every run, newest first
    <out>/<kind>/<period>/report.ipynb                the executed notebook (kept when it failed)
    <out>/<kind>/<period>/report.html                 code hidden
    <out>/<kind>/<period>/report.pdf
    <out>/<kind>/<period>/summary.json                the object `exitlens summary ... --json` prints
    <out>/<kind>/<period>/key_chart.png               the key chart (the notebook cell tagged key-chart)
    <out>/<kind>/<period>/status.json                 kind, period, status, times, headline, error

`<period>` is the calendar days the report covers, in the report timezone: `YYYY-MM-DD` for a
single day (`reports/daily/2026-11-23/`), `FIRST_LAST` for several, both days inclusive
(`reports/weekly/2026-11-17_2026-11-23/`). The labels sort by date as text.

A run is built in a hidden staging folder next to its final place and swapped in when complete,
so re-running a period replaces the whole previous run and a reader never sees half of each.
Folders whose names start with a dot are never indexed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import quote

import jinja2

from exitlens.core.errors import ConfigError, ReportFailed
from exitlens.core.formatting import fmt_count, fmt_money, fmt_pct, fmt_ratio
from exitlens.core.i18n import DEFAULT_LANGUAGE, kind_label, t
from exitlens.core.keys import FAILED, RUN_STATUSES, SUCCEEDED

logger = logging.getLogger(__name__)

STATUS_FILE = "status.json"
SUMMARY_FILE = "summary.json"
NOTEBOOK_FILE = "report.ipynb"
HTML_FILE = "report.html"
PDF_FILE = "report.pdf"
CHART_FILE = "key_chart.png"
INDEX_FILE = "index.html"


_KIND_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_LABEL_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:_(\d{4}-\d{2}-\d{2}))?$")


@dataclass(frozen=True)
class RunPeriod:
    """The calendar days a report covers, both inclusive, in the report timezone."""

    first_day: date
    last_day: date

    def __post_init__(self) -> None:
        if self.last_day < self.first_day:
            raise ConfigError(
                f"period ends ({self.last_day}) before it starts ({self.first_day})"
            )

    @classmethod
    def day(cls, day: date) -> "RunPeriod":
        return cls(day, day)

    @classmethod
    def from_bounds(cls, start: datetime, end: datetime) -> "RunPeriod":
        """The days of the half-open interval [start, end), read in the timezone the two
        datetimes carry (pass them in the report timezone, as the summary object has them)."""
        if end <= start:
            raise ConfigError(f"period end {end.isoformat()} is not after its start {start.isoformat()}")
        return cls(start.date(), (end - timedelta(microseconds=1)).date())

    @classmethod
    def parse(cls, label: str) -> "RunPeriod":
        """The period named by a folder label (`2026-11-23` or `2026-11-17_2026-11-23`)."""
        match = _LABEL_RE.match(label)
        if not match:
            raise ConfigError(
                f"bad period label {label!r}: use YYYY-MM-DD or YYYY-MM-DD_YYYY-MM-DD"
            )
        try:
            first = date.fromisoformat(match.group(1))
            last = date.fromisoformat(match.group(2) or match.group(1))
        except ValueError as exc:
            raise ConfigError(f"bad period label {label!r}: {exc}") from exc
        return cls(first, last)

    @property
    def label(self) -> str:
        if self.first_day == self.last_day:
            return self.first_day.isoformat()
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"


def check_kind(kind: str) -> str:
    """`kind` if it is a safe folder name (`daily`, `weekly`, ...), else a ConfigError."""
    if not isinstance(kind, str) or not _KIND_RE.match(kind):
        raise ConfigError(
            f"bad report kind {kind!r}: use a short lowercase name such as daily or weekly"
        )
    return kind


def run_dir(out: Path, kind: str, period: RunPeriod) -> Path:
    """Where the run of `kind` for `period` lives: `<out>/<kind>/<period label>/`."""
    return Path(out) / check_kind(kind) / period.label


# --- headline numbers ---------------------------------------------------------------------

def headline_numbers(summary: Mapping[str, Any] | None) -> dict[str, Any]:
    """The numbers the index and the announcement show, from the summary object's overall
    bucket: sells, win rate, net and gross PnL with their currency (`{currency: amount}` when
    the period mixes currencies), average net PnL %. Missing values are None."""
    overall = (summary or {}).get("overall") or {}
    if not isinstance(overall, Mapping):
        overall = {}
    return {
        "sells": overall.get("count"),
        "win_rate": overall.get("win_rate"),
        "currency": overall.get("currency"),
        "net_pnl": overall.get("net_pnl"),
        "realized_pnl": overall.get("realized_pnl"),
        "avg_net_pnl_pct": overall.get("avg_net_pnl_pct"),
    }


# --- status records -----------------------------------------------------------------------

def status_record(
    *,
    kind: str,
    period: RunPeriod,
    status: str,
    started_at: datetime,
    finished_at: datetime,
    summary: Mapping[str, Any] | None,
    files: Mapping[str, str],
    error: str | None = None,
    notebook: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The content of a run's status.json (pure)."""
    if status not in RUN_STATUSES:
        raise ConfigError(f"bad run status {status!r}: use {SUCCEEDED!r} or {FAILED!r}")
    headline_text = (summary or {}).get("headline")
    return {
        "kind": kind,
        "period": period.label,
        "period_first_day": period.first_day.isoformat(),
        "period_last_day": period.last_day.isoformat(),
        "status": status,
        "started_at": started_at.isoformat(),
        "finished_at": finished_at.isoformat(),
        "duration_seconds": round((finished_at - started_at).total_seconds(), 3),
        "headline": headline_numbers(summary),
        "headline_text": headline_text if isinstance(headline_text, str) else None,
        "error": error,
        "notebook": notebook,
        "parameters": dict(parameters or {}),
        "files": dict(files),
    }


def write_text_atomic(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file in the same folder and a rename, so a
    reader sees the old content or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_json(path: Path, obj: Any) -> Path:
    """`obj` as indented UTF-8 JSON (NaN refused: JSON has none; use null)."""
    return write_text_atomic(path, json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def read_summary(path: Path) -> dict[str, Any]:
    """The summary object a run's notebook wrote (a ReportFailed when it is not one)."""
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportFailed(f"cannot read the run's summary {path}: {exc}") from exc
    if not isinstance(summary, dict):
        raise ReportFailed(f"the run's summary {path} is not a JSON object")
    return summary


# --- staging and publishing ---------------------------------------------------------------

def make_staging_dir(final: Path) -> Path:
    """A fresh hidden folder beside `final` to build a run in (same file system, so the
    publishing rename is atomic). It is created with the umask's permissions (0755 under the
    usual 022), not mkdtemp's 0700: once renamed into place it is the run folder, and a static
    web server running as another user must be able to read it."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.parent / f".{final.name}.{uuid.uuid4().hex}.staging"
    os.mkdir(staging, 0o777)  # the umask applies, as for any folder a user creates
    return staging


def run_succeeded(run_folder: Path) -> bool:
    """Whether `run_folder` holds a run whose status record says it succeeded."""
    try:
        record = json.loads((Path(run_folder) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("status") == SUCCEEDED


def failed_attempt_dir(final: Path) -> Path:
    """Where a failed re-run of a period goes when `final` holds a successful run: beside it,
    indexed as failed, replaced by the next failed attempt."""
    return Path(final).with_name(f"{Path(final).name}.failed")


def clean_stale_staging(final: Path, *, older_than: timedelta, now: datetime) -> list[Path]:
    """Remove the staging folders of `final`'s period last changed more than `older_than` before
    `now`: a killed run leaves its half-built folder behind, and no live run is that old."""
    final = Path(final)
    limit = now.timestamp() - older_than.total_seconds()
    removed = []
    for stale in final.parent.glob(f".{final.name}.*.staging"):
        try:
            if stale.stat().st_mtime < limit:
                shutil.rmtree(stale, ignore_errors=True)
                removed.append(stale)
        except FileNotFoundError:
            continue  # another run cleaned it meanwhile
    if removed:
        logger.info("removed %d stale staging folder(s) of %s", len(removed), final)
    return removed


@contextmanager
def period_lock(final: Path) -> Iterator[None]:
    """Hold the lock of `final`'s period (an flock on a hidden file beside it) so that one
    process at a time publishes that period and rebuilds the index after it; it is released
    when the process dies, however it dies."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    with open(final.with_name(f".{final.name}.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover_interrupted_publish(final: Path) -> None:
    """Undo what a publish killed midway left (call it under `period_lock`): when `final` is
    missing its previous run, set aside as `.old`, is put back; other `.old` folders go."""
    final = Path(final)
    olds = sorted(final.parent.glob(f".{final.name}.*.old"), key=lambda p: p.stat().st_mtime)
    if olds and not final.exists():
        os.replace(olds.pop(), final)
        logger.warning("restored %s, left aside by an interrupted publish", final)
    for old in olds:
        shutil.rmtree(old, ignore_errors=True)


def publish_run_dir(staging: Path, final: Path) -> Path:
    """Move the complete run in `staging` to `final`, replacing a previous run of the same
    period: the old folder is renamed aside, the new one renamed in, then the old one deleted.
    Call it under `period_lock`."""
    staging, final = Path(staging), Path(final)
    if final.exists():
        old = final.with_name(f".{final.name}.{uuid.uuid4().hex}.old")
        os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
        logger.info("replaced the previous run in %s", final)
    else:
        os.replace(staging, final)
    return final


# --- index --------------------------------------------------------------------------------

def read_run_records(out: Path) -> list[tuple[str, dict[str, Any]]]:
    """Every run's status record under `out`, as (folder relative to `out`, record). Hidden
    (staging) folders are skipped; an unreadable status.json is skipped with a warning."""
    out = Path(out)
    records = []
    for path in sorted(out.glob(f"*/*/{STATUS_FILE}")):
        rel = path.parent.relative_to(out)
        if any(part.startswith(".") for part in rel.parts):
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            logger.warning("skipping %s in the index: %s", path, exc)
            continue
        if not isinstance(record, dict):
            logger.warning("skipping %s in the index: not a JSON object", path)
            continue
        records.append((rel.as_posix(), record))
    return records


def newest_first(records: Iterable[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Runs ordered newest first: by the period's last day, then by finish time."""

    def key(item: tuple[str, dict[str, Any]]) -> tuple[str, str, str]:
        rel, rec = item
        return (str(rec.get("period_last_day") or ""), str(rec.get("finished_at") or ""), rel)

    return sorted(records, key=key, reverse=True)


def _fmt_time(value: Any) -> str:
    """An ISO timestamp shown to the minute in UTC; anything else as it is."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return "" if value is None else str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M")


_FILE_LINKS = ("html", "pdf", "notebook", "summary")
"""The files of a run the index links: HTML and PDF by their format's name, the others by
`index.file.<name>` in the index's language."""
_NAMED_KINDS = ("daily", "weekly", "monthly")
_INDEX_HEADERS = ("period", "kind", "status", "sells", "win_rate", "net_pnl", "gross_pnl", "avg_pnl", "headline",
                  "finished", "files")
"""The index table's columns, each labelled by `index.<name>` in the catalogue."""

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("exitlens.reports", "templates"),
    autoescape=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,
)


def shown_kind(rec: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """The kind of a run as a word in `lang` ('Weekly', '주간', '30-day period'); a kind the
    catalogue does not name is shown as it is."""
    kind = str(rec.get("kind") or "")
    if kind not in _NAMED_KINDS:
        return kind
    try:
        days = (date.fromisoformat(str(rec["period_last_day"]))
                - date.fromisoformat(str(rec["period_first_day"]))).days + 1
    except (KeyError, ValueError):
        days = None
    return kind_label(kind, lang, days=days)


def index_row(rel: str, rec: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What the index shows of one run, as text in `lang` (pure). Links are relative to the
    output folder and URL-quoted; the template escapes every value."""
    headline = rec.get("headline")
    numbers: Mapping[str, Any] = headline if isinstance(headline, Mapping) else {}
    listed = rec.get("files")
    files: Mapping[str, Any] = listed if isinstance(listed, Mapping) else {}
    links = []
    for key in _FILE_LINKS:
        name = files.get(key)
        if isinstance(name, str) and name:
            links.append({"href": "/".join(quote(part) for part in (*rel.split("/"), name)),
                          "text": key.upper() if key in ("html", "pdf") else t(f"index.file.{key}", lang)})
    status = str(rec.get("status") or "unknown")
    detail = rec.get("error") if status == FAILED else rec.get("headline_text")
    return {
        "status": status,
        "shown_status": t(f"index.status.{status}", lang) if status in (SUCCEEDED, FAILED) else status,
        "period": str(rec.get("period") or rel).replace("_", " – "),
        "kind": shown_kind(rec, lang),
        "sells": fmt_count(numbers.get("sells")),
        "win_rate": fmt_ratio(numbers.get("win_rate")),
        "net_pnl": fmt_money(numbers.get("net_pnl"), numbers.get("currency")),
        "realized_pnl": fmt_money(numbers.get("realized_pnl"), numbers.get("currency")),
        "avg_net_pnl_pct": fmt_pct(numbers.get("avg_net_pnl_pct")),
        "detail": str(detail) if detail is not None else "",
        "finished": _fmt_time(rec.get("finished_at")),
        "links": links,
    }


def render_index(records: Iterable[tuple[str, dict[str, Any]]], *, title: str | None = None,
                 lang: str = DEFAULT_LANGUAGE) -> str:
    """The index page for `records` (pure), its labels in `lang`, from the package's
    `templates/index.html.j2`. The template autoescapes, so text from the database can never
    become markup."""
    rows = [index_row(rel, rec, lang) for rel, rec in newest_first(records)]
    headers = [t(f"index.{name}", lang) for name in _INDEX_HEADERS]
    return _TEMPLATES.get_template("index.html.j2").render(
        title=title or t("index.title", lang), rows=rows, headers=headers, lang=lang, empty=t("index.empty", lang))


def write_index(out: Path, *, lang: str = DEFAULT_LANGUAGE) -> Path:
    """Rebuild `<out>/index.html` from every status.json under `out`, labelled in `lang`."""
    out = Path(out)
    return write_text_atomic(out / INDEX_FILE, render_index(read_run_records(out), lang=lang))
