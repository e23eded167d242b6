"""The run-folder scheme, status records and the index page (no kernel, no browser)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
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
        "sells": None, "win_rate": None, "currency": None, "net_pnl": None, "realized_pnl": None,
        "avg_net_pnl_pct": None,
    }


def test_status_record_when_run_finished_carries_duration_and_headline():
    record = archive.status_record(
        kind="daily", period=RunPeriod.day(date(2026, 11, 23)), status=archive.SUCCEEDED,
        started_at=datetime(2026, 11, 23, 13, 0, tzinfo=timezone.utc),
        finished_at=datetime(2026, 11, 23, 13, 0, 12, 500000, tzinfo=timezone.utc),
        summary={"overall": {"count": 4, "win_rate": 0.5, "currency": "USDT", "realized_pnl": 10.0,
                             "net_pnl": 9.5, "avg_pnl_pct": 1.5, "avg_net_pnl_pct": 1.4},
                 "headline": "4 sells"},
        files={"notebook": "report.ipynb"},
    )
    assert record["duration_seconds"] == pytest.approx(12.5)
    assert record["headline"] == {"sells": 4, "win_rate": 0.5, "currency": "USDT", "net_pnl": 9.5,
                                  "realized_pnl": 10.0, "avg_net_pnl_pct": 1.4}
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
    positions = [page.index(f"<td class=\"when\"><span class=\"whole\">{first}") for first in
                 ("2026-11-17 –", "2026-11-23<", "2026-11-22<", "2026-11-21<")]
    assert positions == sorted(positions)


@pytest.mark.parametrize(("lang", "words"), [("en", ("Daily", "Weekly", "30-day period", "custom")),
                                             ("ko", ("일간", "주간", "30일 기간", "custom"))])
def test_render_index_when_language_given_names_each_kind_in_it(lang, words):
    records = [
        _record("daily", "2026-11-23", "2026-11-23", "2026-11-23T13:00:00+00:00"),
        _record("weekly", "2026-11-17", "2026-11-23", "2026-11-23T13:05:00+00:00"),
        _record("weekly", "2026-10-25", "2026-11-23", "2026-11-23T13:06:00+00:00"),
        _record("custom", "2026-11-23", "2026-11-23", "2026-11-23T13:07:00+00:00"),
    ]
    page = archive.render_index(records, lang=lang)
    for word in words:
        assert f"<td>{word}</td>" in page


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
                       headline={"sells": 12, "win_rate": 0.625, "currency": "KRW",
                                 "net_pnl": 1200000.4, "realized_pnl": 1234567.5, "avg_net_pnl_pct": -0.4},
                       files={"html": "report.html", "pdf": "report.pdf"})]
    page = archive.render_index(records)
    for text in ("<td class=\"num\">12</td>", "62.5%", "<span class=\"whole\">2026-11-23</span> <span class=\"whole\">13:00</span>", "+1,234,568 KRW", "+1,200,000 KRW", "-0.40%",
                 'href="daily/2026-11-23/report.html"', 'href="daily/2026-11-23/report.pdf"'):
        assert text in page


def test_render_index_when_currencies_mix_shows_each_amount_with_its_currency():
    records = [_record("weekly", "2026-11-17", "2026-11-23", "2026-11-23T13:00:00+00:00",
                       headline={"sells": 3, "currency": None, "net_pnl": {"KRW": 1000.0, "USDT": -2.5}})]
    assert "+1,000 KRW · -2.50 USDT" in archive.render_index(records)


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


def test_clean_stale_staging_when_a_killed_run_left_a_folder_removes_only_the_old_ones(tmp_path):
    final = tmp_path / "daily" / "2026-11-23"
    stale, live = archive.make_staging_dir(final), archive.make_staging_dir(final)
    other_period = archive.make_staging_dir(tmp_path / "daily" / "2026-11-24")
    now = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
    for folder in (stale, other_period):
        os.utime(folder, (now.timestamp() - 7200, now.timestamp() - 7200))
    os.utime(live, (now.timestamp() - 60, now.timestamp() - 60))

    removed = archive.clean_stale_staging(final, older_than=timedelta(hours=1), now=now)

    assert removed == [stale] and not stale.exists() and live.exists() and other_period.exists()


def test_recover_interrupted_publish_when_killed_between_renames_restores_the_previous_run(tmp_path):
    final = tmp_path / "daily" / "2026-11-23"
    final.mkdir(parents=True)
    (final / archive.STATUS_FILE).write_text('{"status": "succeeded"}')
    os.replace(final, final.with_name(f".{final.name}.0123abcd.old"))  # the kill came here

    with archive.period_lock(final):
        archive.recover_interrupted_publish(final)

    assert (final / archive.STATUS_FILE).is_file()
    assert list(final.parent.glob(".*.old")) == []


PUBLISHER = """
import sys
from pathlib import Path
from exitlens.reports import archive

out = Path(sys.argv[1]); final = out / "daily" / "2026-11-23"
for attempt in range(int(sys.argv[2])):
    staging = archive.make_staging_dir(final)
    (staging / archive.STATUS_FILE).write_text('{"kind": "daily", "period": "2026-11-23", "status": "succeeded"}')
    with archive.period_lock(final):
        archive.recover_interrupted_publish(final)
        archive.publish_run_dir(staging, final)
        archive.write_index(out)
"""


def test_publish_when_two_processes_publish_one_period_at_once_never_fails(tmp_path):
    publishers = [subprocess.Popen([sys.executable, "-c", PUBLISHER, str(tmp_path), "60"],
                                   stderr=subprocess.PIPE, text=True) for _ in range(2)]
    errors = [p.communicate(timeout=120)[1] for p in publishers]
    assert [p.returncode for p in publishers] == [0, 0], errors
    assert sorted(p.name for p in (tmp_path / "daily").iterdir()) == [".2026-11-23.lock", "2026-11-23"]
    assert "2026-11-23" in (tmp_path / archive.INDEX_FILE).read_text()


def _layout(page: Path, script: str, width: int = 1280):
    """The value of `script` evaluated in `page` shown by headless Chromium in a `width` px window."""
    import tempfile
    import time

    from exitlens.reports import devtools, exports

    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile, tempfile.TemporaryFile("w+") as stderr:
        proc, pipe = devtools.start_browser(exports.chromium_command(exports.find_chromium(), Path(profile)),
                                            stderr=stderr)
        deadline = time.monotonic() + 60
        try:
            target = pipe.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
            session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                deadline=deadline)["sessionId"]
            pipe.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1,
                                                             "mobile": False}, session=session, deadline=deadline)
            pipe.call("Page.enable", session=session, deadline=deadline)
            pipe.call("Page.navigate", {"url": page.resolve().as_uri()}, session=session, deadline=deadline)
            pipe.wait_for_event("Page.loadEventFired", session=session, deadline=deadline)
            answer = pipe.call("Runtime.evaluate", {"expression": script, "returnByValue": True},
                               session=session, deadline=deadline)
        finally:
            pipe.close()
            proc.kill()
            proc.wait()
    assert "exceptionDetails" not in answer, answer
    return answer["result"]["value"]


# The page's width, and the height in lines of the text of each header and of each period,
# kind and status cell: a word wrapped one character a line is as many lines tall as it is long.
_CELL_LINES = """(() => {
  const lines = cells => Array.from(document.querySelectorAll(cells)).map(cell => {
    const text = document.createRange(); text.selectNodeContents(cell);
    return Math.round(text.getBoundingClientRect().height / (1.2 * parseFloat(getComputedStyle(cell).fontSize)));});
  return JSON.stringify({scroll: document.documentElement.scrollWidth, window: window.innerWidth,
                         headers: lines('thead th'), periods: lines('tbody td:nth-child(1)'),
                         words: lines('tbody td:nth-child(2), tbody td:nth-child(3)')});})()"""


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_index_when_shown_1280px_wide_needs_no_scrolling_and_wraps_no_short_word(tmp_path, lang):
    headline = {"sells": 28, "win_rate": 0.536, "currency": "KRW", "net_pnl": 281278.8, "realized_pnl": 304431.0,
                "avg_net_pnl_pct": 0.99}
    files = {key: f"report.{key}" for key in ("html", "pdf", "notebook", "summary")}
    records = [_record("weekly", "2026-11-17", "2026-11-23", "2026-11-23T15:01:00+00:00", headline=headline, files=files,
                       headline_text="Weekly 7 days from 2026-11-17 00:00 to 2026-11-24 00:00 (Asia/Seoul): 28 sells, "
                                     "28 evaluable, win rate 53.6% (15 wins), net P&L +281,279 KRW. " * 3),
               _record("daily", "2026-11-23", "2026-11-23", "2026-11-23T15:00:00+00:00", headline=headline, files=files)]
    page = tmp_path / "index.html"
    page.write_text(archive.render_index(records, lang=lang), encoding="utf-8")
    shown = json.loads(_layout(page, _CELL_LINES))
    assert shown["scroll"] <= shown["window"]
    assert max(shown["words"]) == 1  # kind and status: one word, one line
    assert max(shown["periods"]) <= 2 and max(shown["headers"]) <= 3  # wrapped between dates, between words


def test_render_index_when_korean_names_the_notebook_and_summary_links_in_korean():
    files = {"html": "report.html", "notebook": "report.ipynb", "summary": "summary.json"}
    page = archive.render_index([_record("daily", "2026-11-23", "2026-11-23", "2026-11-23T13:00:00+00:00", files=files)],
                                lang="ko")
    assert ">HTML</a>" in page and ">노트북</a>" in page and ">요약</a>" in page
