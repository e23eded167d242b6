"""Pytest at the project root: the report notebooks under nbval replay the demo bot's exits.

`make notebooks` executes the committed notebooks with EXITLENS_EXIT_RULES naming the demo
rules, so their outputs hold the exit replay section; nbval re-executes them in a kernel that
inherits this process's environment, started when a notebook's first cell is set up, so the
same rules are set just before that (unless the shell names its own)."""

from __future__ import annotations

import os

import pytest

DEMO_RULES = "config/demo_exit_rules.toml"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.path.suffix == ".ipynb" and item.path.parent.name == "notebooks":
        os.environ.setdefault("EXITLENS_EXIT_RULES", DEMO_RULES)
