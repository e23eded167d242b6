"""Loops compiled with numba on first use (core/compiled.py)."""

from __future__ import annotations

import logging

import numpy as np

from exitlens.core.compiled import compiled


def test_compiled_when_numba_has_no_cache_folder_compiles_for_the_process_and_warns(caplog):
    # A loop whose source file does not exist has no folder numba could cache it in, as a
    # read-only install without a writable home has not.
    namespace: dict = {}
    exec(compile("def total(values):\n    s = 0.0\n    for v in values:\n        s += v\n    return s\n",
                 "<no file>", "exec"), namespace)
    with caplog.at_level(logging.WARNING, logger="exitlens.core.compiled"):
        total = compiled(namespace["total"])
        assert total(np.array([1.0, 2.5])) == 3.5
    assert "NUMBA_CACHE_DIR" in caplog.text
    assert total.signatures  # it ran compiled, not as Python


def test_compiled_when_asked_twice_returns_the_same_dispatcher():
    def double(x):
        return 2 * x

    assert compiled(double) is compiled(double)
