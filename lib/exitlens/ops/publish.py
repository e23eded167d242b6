"""One report, end to end: choose the period, run its notebook, archive it, announce it.

This is what `exitlens report` and the scheduler's report jobs call. The analysis is computed
once, in the notebook (`analysis.report_data`, the same function as `exitlens summary` uses),
which writes `summary.json`; the announcement reads that file, so the page, the file and the
Discord message carry the same numbers and the same headline, even when an LLM words it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from exitlens.core.errors import ConfigError, DeliveryFailed
from exitlens.core.filters import FILTER_COLUMNS, NO_FILTER, ReportFilter
from exitlens.core.settings import KINDS, Settings, SuggestionThresholds
from exitlens.core.summary import Period, month_text, period_for_day, period_for_days, period_for_month
from exitlens.core.timeutil import require_aware
from exitlens.delivery.notify import DeliveryConfig, RunAnnouncement, announce
from exitlens.reports.analysis import current_period
from exitlens.reports.archive import RunPeriod, read_summary
from exitlens.reports.run import (
    ReportRun,
    ReportRunFailed,
    RunRequest,
    check_known_parameters,
    notebook_parameters,
    report_notebook,
    run_report,
)
from exitlens.store import db

log = logging.getLogger(__name__)

NOTEBOOKS = {kind: report_notebook(kind) for kind in KINDS}


PERIOD_PARAMETERS = ("report_date", "end", "days", "month", *FILTER_COLUMNS)
RUN_PARAMETERS = ("as_of",)  # set by the command from --now unless given
SETTING_PARAMETERS = ("timezone", "min_samples", "language", *(f.name for f in fields(SuggestionThresholds)))


def apply_setting_parameters(settings: Settings, parameters: Mapping[str, Any]) -> tuple[Settings, dict[str, Any]]:
    """Settings changed by the notebook parameters that are settings (timezone, min_samples,
    thresholds), and the parameters left over. The period parameters are refused: the period is
    chosen with --date / --end / --days / --month and the slice with --symbols / --regimes /
    --exit-reasons / --strategies, so that summary.json, the folder and the notebook agree."""
    period = sorted(set(parameters) & set(PERIOD_PARAMETERS))
    if period:
        raise ConfigError(f"{', '.join(period)} is the period: set it with --date (daily), --end / --days "
                          "(weekly) or --month (monthly), and the slice with --symbols / --regimes / "
                          "--exit-reasons / --strategies, not with -p")
    check_known_parameters(parameters)
    chosen = {name: value for name, value in parameters.items() if name in SETTING_PARAMETERS}
    thresholds = {name: value for name, value in chosen.items() if name not in ("timezone", "min_samples", "language")}
    direct = {name: value for name, value in chosen.items() if name not in thresholds}
    left = {name: value for name, value in parameters.items() if name not in chosen}
    return settings.with_overrides(**direct, thresholds=thresholds), left


def report_parameters(kind: str, period: Period, settings: Settings, as_of: datetime,
                      filters: ReportFilter = NO_FILTER) -> dict[str, Any]:
    """The notebook parameters of the report of `period`: its bounds, the run's now (`as_of`:
    what is due, the after-exit numbers and the replay's paths are judged at it, as
    `exitlens summary` / `replay` with the same --now judge them), the slice, timezone, language
    and thresholds."""
    zone = settings.tz
    bounds: dict[str, Any]
    if kind == "daily":
        bounds = {"report_date": period.start.tz_convert(zone).date().isoformat()}
    elif kind == "monthly":
        start = period.start.tz_convert(zone)
        bounds = {"month": month_text(start.year, start.month)}
    else:
        days = round((period.end - period.start) / pd.Timedelta(days=1))
        bounds = {"end": period.end.tz_convert(zone).isoformat(), "days": days}
    return {
        **bounds,
        "as_of": pd.Timestamp(as_of).tz_convert(zone).isoformat(),
        **filters.to_json(),
        "timezone": settings.timezone,
        "language": settings.language,
        "min_samples": settings.min_samples,
        **asdict(settings.thresholds),
    }


def chosen_period(kind: str, settings: Settings, now: datetime, *, day: Date | None = None,
                  end: datetime | None = None, days: int = 7, month: tuple[int, int] | None = None) -> Period:
    """The period of the report: the day / the days ending at `end` / the month asked for,
    else the current one at `now`."""
    chosen = current_period(kind, settings, now, day=day, end=end, month=month)
    if kind == "daily":
        return period_for_day(chosen["day"], settings.tz)
    if kind == "monthly":
        year, month_number = chosen["month"]
        return period_for_month(year, month_number, settings.tz)
    return period_for_days(chosen["end"], days, settings.tz)


def run_period(period: Period, settings: Settings) -> RunPeriod:
    zone = settings.tz
    return RunPeriod.from_bounds(period.start.tz_convert(zone), period.end.tz_convert(zone))


def check_extra_parameters(kind: str, parameters: Mapping[str, Any]) -> None:
    """Refuse a -p name the report notebook does not have, listing the names -p accepts (the
    period and slice ones are set by their options)."""
    accepted = sorted(set(notebook_parameters(NOTEBOOKS[kind])) - set(PERIOD_PARAMETERS))
    unknown = sorted(set(parameters) - set(accepted))
    if unknown:
        raise ConfigError(f"unknown parameter(s) {', '.join(unknown)} for the {kind} report: "
                          f"-p accepts {', '.join(accepted)}")


@dataclass(frozen=True, kw_only=True)
class ReportRequest:
    """One report to publish. Without `day` / `end` / `month` the period is the current one at
    `now` (`current_period`); `filters` slice it; `extra_parameters` are notebook parameters
    (`-p NAME=VALUE`); with `delivery` the run is announced where it says."""

    kind: str
    db_url: str
    out_dir: Path
    settings: Settings
    now: datetime
    day: Date | None = None
    end: datetime | None = None
    days: int = 7
    month: tuple[int, int] | None = None
    filters: ReportFilter = NO_FILTER
    formats: str | Iterable[str] = "html,pdf"
    extra_parameters: Mapping[str, Any] = field(default_factory=dict)
    delivery: DeliveryConfig | None = None


def publish_report(request: ReportRequest) -> ReportRun:
    """Analyse, execute the notebook, export, archive and (with `request.delivery`) announce one
    report. A failed run is archived and announced as failed, then its ReportRunFailed is raised."""
    r = request
    now = require_aware(r.now, "now")
    settings, parameters_left = apply_setting_parameters(r.settings, r.extra_parameters)
    check_extra_parameters(r.kind, parameters_left)
    analysed = chosen_period(r.kind, settings, now, day=r.day, end=r.end, days=r.days, month=r.month)
    engine = db.connect(r.db_url)
    try:
        db.require_tables(engine)
    finally:
        engine.dispose()
    period = run_period(analysed, settings)
    out_dir = Path(r.out_dir)
    run_request = RunRequest(
        notebook=NOTEBOOKS[r.kind], kind=r.kind, period=period, out=out_dir,
        parameters={**report_parameters(r.kind, analysed, settings, now, r.filters), **parameters_left},
        database_url=r.db_url, formats=r.formats,
    )
    try:
        run = run_report(run_request)
    except ReportRunFailed as failure:
        if r.delivery is not None:
            announce(_summary_of(failure.run), _announcement(r.kind, period, failure.run, out_dir, settings),
                     now=now, config=r.delivery, raise_on_failure=False)
        raise
    summary = _summary_of(run)
    if r.delivery is not None:
        try:
            announce(summary, _announcement(r.kind, period, run, out_dir, settings), now=now, config=r.delivery)
        except DeliveryFailed as exc:
            raise DeliveryFailed(f"{exc} (the report itself is written: {run.run_dir})") from exc
    return run


def _summary_of(run: ReportRun) -> dict[str, Any] | None:
    """The summary object the run's notebook wrote (None when it stopped before writing it)."""
    return read_summary(run.summary) if run.summary else None


def _announcement(kind: str, period: RunPeriod, run: ReportRun, out_dir: Path, settings: Settings) -> RunAnnouncement:
    html_relpath = run.html.relative_to(out_dir).as_posix() if run.html else None
    return RunAnnouncement(
        kind=kind,
        days=(period.last_day - period.first_day).days + 1 if kind == "weekly" else None,
        language=settings.language,
        period_label=period.label.replace("_", " – "),
        status=run.status,
        error=run.error,
        html_path=run.html,
        pdf_path=run.pdf,
        html_relpath=html_relpath,
    )
