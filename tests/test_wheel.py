"""The installed package works on its own: build the wheel, install it into a fresh virtualenv
outside the repository, and run the commands a new user runs, from another directory.

Nothing here may read the source tree: the commands run from a temporary folder, with no
PYTHONPATH, in a virtualenv that does not see this one's site-packages. The dependencies come
from pip's configured index and cache, so the test takes a minute or two.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_END = "2026-11-23T15:00:00+00:00"
WEEK_END = "2026-11-24T00:00:00+09:00"
TOP_LEVEL_SKIPPED = {".git", ".venv", "data", "reports", "build"}  # the clone's own state, not the package
SKIPPED_ANYWHERE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache")


def _skipped(folder: str, names: list[str]) -> set[str]:
    top = TOP_LEVEL_SKIPPED if Path(folder) == REPO else set()
    return (top & set(names)) | set(SKIPPED_ANYWHERE(folder, names))


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.wheel
def test_wheel_installed_in_a_fresh_venv_migrates_tracks_and_reports_from_another_directory(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("EXITLENS_", "PYTHON", "VIRTUAL_ENV")) and k != "DATABASE_URL"}
    source = tmp_path / "source"  # a clean copy: building writes build/ and *.egg-info beside the code
    shutil.copytree(REPO, source, ignore=_skipped)
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(source)],
         cwd=tmp_path, env=env)
    (wheel,) = wheels.glob("exitlens-*.whl")
    prefix = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(prefix)
    _run([str(prefix / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, env=env)
    env["PATH"] = f"{prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    work = tmp_path / "elsewhere"
    work.mkdir()
    exitlens = str(prefix / "bin" / "exitlens")
    db = "sqlite:///x.db"

    _run([exitlens, "migrate", "--db", db], cwd=work, env=env)
    _run([exitlens, "demo", "--db", db, "--end", DEMO_END], cwd=work, env=env)
    _run([exitlens, "track", "--db", db, "--now", DEMO_END], cwd=work, env=env)
    _run([exitlens, "report", "weekly", "--db", db, "--formats", "html", "--end", WEEK_END, "--now", DEMO_END],
         cwd=work, env=env)

    installed = _run([str(prefix / "bin" / "python"), "-c", "import exitlens; print(exitlens.__file__)"], cwd=work, env=env)
    assert Path(installed.strip()).is_relative_to(prefix)
    assert (work / "reports" / "weekly" / "2026-11-17_2026-11-23" / "report.html").is_file()
    assert (work / "reports" / "index.html").is_file()


@pytest.mark.wheel
def test_wheel_when_built_prints_no_packaging_warning(tmp_path):
    # `make install` builds the same way; every data folder used to raise a setuptools warning
    # (about 125 lines of `make demo`)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=_skipped)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "wheels"), str(source)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Warning" not in done.stdout + done.stderr
