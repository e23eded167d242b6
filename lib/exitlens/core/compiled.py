"""Loops compiled with numba, loaded when first used.

The FIFO ledger and the exit replay are plain loops that numba compiles (and caches on disk);
importing numba and loading a compiled loop costs a process about half a second, which a
report that replays nothing, or a ledger of a few thousand orders, never needs to pay.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


@functools.cache
def compiled(loop: Callable[..., Any]) -> Callable[..., Any]:
    """`loop` compiled by numba (nopython, GIL released), or loaded from numba's cache."""
    from numba import njit

    return njit(cache=True, nogil=True)(loop)
