"""The run-folder scheme, status records and the index page (no kernel, no browser)."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from exitlens.core.errors import ConfigError
from exitlens.reports import archive
from exitlens.reports.archive import RunPeriod

KST = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (RunPeriod.day(date(2026, 11, 23)), "2026-11-23"),
        (RunPeriod(date(2026, 11, 17), date(2026, 11, 23)), "2026-11-17_2026-11-23"),
        (RunPeriod.from_bounds(datetime(2026, 11, 23, tzinfo=KST), datetime(2026, 11, 24, tzinfo=KST)),
         "2026-11-23"),
        (RunPeriod.from_bounds(datetime(2026, 11, 17, tzinfo=KST), datetime(2026, 11, 24, tzinfo=KST)),
         "2026-11-17_2026-11-23"),
    ],
)
def test_period_label_when_built_from_days_or_bounds_names_inclusive_days(period, label):
    assert period.label == label
    assert RunPeriod.parse(label) == period


@pytest.mark.parametrize("label", ["2026-11-23/..", "23-11-2026", "2026-13-01", "2026-11-23_2026-11-01", ""])
def test_period_parse_when_label_is_bad_raises_config_error(label):
    with pytest.raises(ConfigError):
        RunPeriod.parse(label)


@pytest.mark.parametrize("kind", ["../etc", "Daily", "", "a/b", "weekly report"])
def test_check_kind_when_not_a_safe_folder_name_raises_config_error(kind):
    with pytest.raises(ConfigError, match="report kind"):
        archive.check_kind(kind)


def test_run_dir_when_weekly_is_kind_then_period_label(tmp_path):
    period = RunPeriod(date(2026, 11, 17), date(2026, 11, 23))
    assert archive.run_dir(tmp_path, "weekly", period) == tmp_path / "weekly" / "2026-11-17_2026-11-23"


def test_headline_numbers_when_summary_missing_are_all_none():
    assert archive.headline_numbers(None) == {
        "sells": None, "win_rate": None, "realized_pnl": None, "avg_pnl_pct": None
    }


def test_status_record_when_run_finished_carries_duration_and_headline():
    record = archive.status_record(
        kind="daily", period=RunPeriod.day(date(2026, 11, 23)), status=archive.SUCCEEDED,
        started_at=datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc),
        finished_at=datetime(2026, 11, 23, 13, 0, 12, 500000, tzinfo=timezone.utc),
        summary={"overall": {"count": 4, "win_rate": 0.5, "realized_pnl": 10.0, "avg_pnl_pct": 1.5},
                 "headline": "4 sells"},
        files={"notebook": "report.ipynb"},
    )
    assert record["duration_seconds"] == pytest.approx(12.5)
    assert record["headline"] == {"sells": 4, "win_rate": 0.5, "realized_pnl": 10.0, "avg_pnl_pct": 1.5}
    assert record["headline_text"] == "4 sells"
    assert record["period_last_day"] == "2026-11-23"
    json.dumps(record)


def _record(kind, first, last, finished, status="succeeded", **extra):
    period = RunPeriod(date.fromisoformat(first), date.fromisoformat(last))
    rec = {
        "kind": kind, "period": period.label, "period_first_day": first, "period_last_day": last,
        "status": status, "finished_at": finished, "headline": {}, "files": {},
    }
    rec.update(extra)
    return (f"{kind}/{period.label}", rec)


def test_render_index_when_runs_unordered_lists_newest_period_then_latest_finish_first():
    records = [
        _record("daily", "2026-11-22", "2026-11-22", "2026-11-22T13:00:00+00:00"),
        _record("daily", "2026-11-23", "2026-11-23", "2026-11-23T13:00:00+00:00"),
        _record("weekly", "2026-11-17", "2026-11-23", "2026-11-23T13:05:00+00:00"),
        _record("daily", "2026-11-21", "2026-11-21", "2026-11-21T13:00:00+00:00"),
    ]
    page = archive.render_index(records)
    positions = [page.index(f"<td class=\"when\">{label}</td>") for label in
                 ("2026-11-17 – 2026-11-23", "2026-11-23", "2026-11-22", "2026-11-21")]
    assert positions == sorted(positions)


def test_render_index_when_strings_hold_markup_escapes_every_one():
    evil = '<script>alert("x")</script>'
    records = [
        _record("daily", "2026-11-23", "2026-11-23", "2026-11-23T13:00:00+00:00",
                headline_text=evil, headline={"sells": evil, "win_rate": evil}),
        _record("daily", "2026-11-24", "2026-11-24", "2026-11-24T13:00:00+00:00",
                status="failed", error=f"ValueError: {evil}",
                files={"notebook": '"><script>x</script>.ipynb'}),
    ]
    page = archive.render_index(records)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert 'href="daily/2026-11-24/%22%3E%3Cscript%3Ex%3C/script%3E.ipynb"' in page


def test_render_index_when_numbers_present_formats_rate_pnl_and_percent():
    records = [_record("daily", "2026-11-23", "2026-11-23", "2026-11-23T13:00:00+00:00",
                       headline={"sells": 12, "win_rate": 0.625, "realized_pnl": 1234567.5,
                                 "avg_pnl_pct": -0.4},
                       files={"html": "report.html", "pdf": "report.pdf"})]
    page = archive.render_index(records)
    for text in ("<td class=\"num\">12</td>", "62.5%", "<td class=\"when\">2026-11-23 13:00</td>", "+1,234,568 KRW", "-0.40%",
                 'href="daily/2026-11-23/report.html"', 'href="daily/2026-11-23/report.pdf"'):
        assert text in page


def test_read_run_records_when_staging_and_broken_files_exist_skips_them(tmp_path):
    good = tmp_path / "daily" / "2026-11-23"
    good.mkdir(parents=True)
    (good / "status.json").write_text(json.dumps({"kind": "daily", "status": "succeeded"}))
    staging = tmp_path / "daily" / ".2026-11-24.abc.staging"
    staging.mkdir()
    (staging / "status.json").write_text(json.dumps({"kind": "daily"}))
    broken = tmp_path / "daily" / "2026-11-25"
    broken.mkdir()
    (broken / "status.json").write_text("{not json")
    records = archive.read_run_records(tmp_path)
    assert [rel for rel, _ in records] == ["daily/2026-11-23"]


def test_publish_run_dir_when_period_already_built_replaces_old_files(tmp_path):
    final = tmp_path / "daily" / "2026-11-23"
    final.mkdir(parents=True)
    (final / "report.pdf").write_text("old pdf")
    staging = archive.make_staging_dir(final)
    (staging / "report.html").write_text("new html")
    archive.publish_run_dir(staging, final)
    assert sorted(p.name for p in final.iterdir()) == ["report.html"]
    assert sorted(p.name for p in final.parent.iterdir()) == ["2026-11-23"]


def test_write_index_when_no_runs_says_so(tmp_path):
    path = archive.write_index(tmp_path)
    assert path == tmp_path / "index.html"
    assert "No reports yet." in path.read_text()


def test_write_json_when_value_is_nan_refuses(tmp_path):
    with pytest.raises(ValueError):
        archive.write_json(tmp_path / "x.json", {"avg": float("nan")})
