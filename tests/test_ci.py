"""CI cannot skip: under CI=true a skipped test fails (the root conftest.py), elsewhere it skips."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_a_skipping_test(folder: Path, ci: str | None) -> subprocess.CompletedProcess:
    shutil.copy(ROOT / "conftest.py", folder / "conftest.py")
    (folder / "test_needs_a_part.py").write_text(
        "import pytest\n\n\n"
        "@pytest.fixture\n"
        "def chromium():\n"
        "    pytest.skip('no chromium on this machine')\n\n\n"
        "def test_prints(chromium):\n"
        "    pass\n\n\n"
        "def test_runs():\n"
        "    pass\n")
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "PYTEST_ADDOPTS")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull,
                           "--rootdir", str(folder), str(folder)],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("ci", ["true", "1"])
def test_skip_under_ci_is_a_failure_that_says_why(tmp_path, ci):
    done = _run_a_skipping_test(tmp_path, ci)
    assert done.returncode == 1, done.stdout
    assert "skipped under CI, where every test must run: no chromium on this machine" in done.stdout
    assert "1 passed, 1 error" in done.stdout


def test_skip_outside_ci_stays_a_skip(tmp_path):
    done = _run_a_skipping_test(tmp_path, None)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 skipped" in done.stdout


def test_ci_run_sets_ci_and_fails_on_skips_and_on_no_tests():
    script = (ROOT / ".ci" / "run").read_text()
    assert "export CI=true" in script
    assert 'count["skipped"] > 0' in script and 'count["tests"] == 0' in script
