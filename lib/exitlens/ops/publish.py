"""One report, end to end: analyse the period, run its notebook, archive it, announce it.

This is what `exitlens report` and the scheduler's report jobs call. The summary stored with
the run is computed here, by the same function as `exitlens summary`, so `summary.json`
equals what that command prints for the same period.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, fields
from datetime import date as Date
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

from exitlens.core.errors import ConfigError, DeliveryFailed
from exitlens.core.headline import Narrator
from exitlens.core.settings import KINDS, Settings, SuggestionThresholds
from exitlens.core.summary import PeriodAnalysis
from exitlens.core.timeutil import parse_aware, require_aware
from exitlens.delivery.notify import RunAnnouncement, announce
from exitlens.reports.analysis import analyse_from_database, current_period
from exitlens.reports.archive import RunPeriod
from exitlens.reports.replay_service import replay_section
from exitlens.reports.run import ReportRun, ReportRunFailed, report_notebook, run_report
from exitlens.store import db

log = logging.getLogger(__name__)

NOTEBOOKS = {kind: report_notebook(kind) for kind in KINDS}


PERIOD_PARAMETERS = ("report_date", "end", "days")
SETTING_PARAMETERS = ("timezone", "min_samples", *(f.name for f in fields(SuggestionThresholds)))


def apply_setting_parameters(settings: Settings, parameters: Mapping[str, Any]) -> tuple[Settings, dict[str, Any]]:
    """Settings changed by the notebook parameters that are settings (timezone, min_samples,
    thresholds), and the parameters left over. The period parameters are refused: the period is
    chosen with --date / --end / --days, so that summary.json, the folder and the notebook agree."""
    period = sorted(set(parameters) & set(PERIOD_PARAMETERS))
    if period:
        raise ConfigError(f"set the period with --date / --end / --days, not as parameter {', '.join(period)}")
    chosen = {name: value for name, value in parameters.items() if name in SETTING_PARAMETERS}
    thresholds = {name: value for name, value in chosen.items() if name not in ("timezone", "min_samples")}
    direct = {name: value for name, value in chosen.items() if name not in thresholds}
    left = {name: value for name, value in parameters.items() if name not in chosen}
    return settings.with_overrides(**direct, thresholds=thresholds), left


def report_parameters(analysis: PeriodAnalysis, settings: Settings, as_of: datetime) -> dict[str, Any]:
    """The notebook parameters that reproduce `analysis`: its period, timezone and thresholds."""
    period: dict[str, Any]
    if analysis.kind == "daily":
        period = {"report_date": analysis.date.isoformat()}
    else:
        period = {"end": analysis.period.end.isoformat(), "days": analysis.days}
    return {
        **period,
        "as_of": min(as_of, analysis.period.end.to_pydatetime()).isoformat(),
        "timezone": settings.timezone,
        "min_samples": settings.min_samples,
        **asdict(settings.thresholds),
    }


def run_period(analysis: PeriodAnalysis) -> RunPeriod:
    zone = analysis.settings.tz
    return RunPeriod.from_bounds(analysis.period.start.tz_convert(zone), analysis.period.end.tz_convert(zone))


def publish_report(
    kind: str,
    *,
    db_url: str,
    out_dir: str | Path,
    settings: Settings,
    now: datetime,
    notify: bool = False,
    day: Date | None = None,
    end: datetime | None = None,
    days: int = 7,
    formats: str | Iterable[str] = "html,pdf",
    extra_parameters: Mapping[str, Any] | None = None,
    narrator: Narrator | None = None,
) -> ReportRun:
    """Analyse, execute the notebook, export, archive and (with `notify`) announce one report.

    Without `day` / `end` the period is the current one at `now` (`current_period`). A failed
    run is archived and announced as failed, then its ReportRunFailed is raised.
    """
    now = require_aware(now, "now")
    settings, parameters_left = apply_setting_parameters(settings, extra_parameters or {})
    if isinstance(parameters_left.get("as_of"), str):
        parse_aware(parameters_left["as_of"], "parameter as_of")
    period_arguments = current_period(kind, settings, now, day=day, end=end)
    engine = db.connect(db_url)
    try:
        db.require_tables(engine)
        analysis = analyse_from_database(engine, kind, settings, days=days, narrator=narrator, **period_arguments)
        analysis = replay_section(engine, analysis, None, now=now, strict=False)
    finally:
        engine.dispose()
    summary = analysis.to_json()
    period = run_period(analysis)
    parameters = {**report_parameters(analysis, settings, now), **parameters_left}
    try:
        run = run_report(NOTEBOOKS[kind], kind=kind, period=period, out=out_dir, parameters=parameters,
                         summary=summary, database_url=db_url, formats=formats)
    except ReportRunFailed as failure:
        if notify:
            announce(summary, _announcement(kind, period, failure.run, Path(out_dir)), now=now, raise_on_failure=False)
        raise
    if notify:
        try:
            announce(summary, _announcement(kind, period, run, Path(out_dir)), now=now)
        except DeliveryFailed as exc:
            raise DeliveryFailed(f"{exc} (the report itself is written: {run.run_dir})") from exc
    return run


def _announcement(kind: str, period: RunPeriod, run: ReportRun, out_dir: Path) -> RunAnnouncement:
    html_relpath = run.html.relative_to(out_dir).as_posix() if run.html else None
    return RunAnnouncement(
        kind=kind,
        period_label=period.label.replace("_", " – "),
        status=run.status,
        error=run.error,
        html_path=run.html,
        pdf_path=run.pdf,
        html_relpath=html_relpath,
    )
