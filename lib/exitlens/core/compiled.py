"""Loops compiled with numba, loaded when first used.

The FIFO ledger and the exit replay are plain loops that numba compiles (and caches on disk);
importing numba and loading a compiled loop costs a process about half a second, which a
report that replays nothing, or a ledger of a few thousand orders, never needs to pay.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


@functools.cache
def compiled(loop: Callable[..., Any]) -> Callable[..., Any]:
    """`loop` compiled by numba (nopython, GIL released), or loaded from numba's cache.

    Where numba finds no folder it may write its cache to (a read-only install, no writable
    home, no NUMBA_CACHE_DIR) the loop is compiled for this process only, with a warning,
    rather than failing the report."""
    from numba import njit

    try:
        return njit(cache=True, nogil=True)(loop)
    except RuntimeError as error:  # numba: "cannot cache function …: no locator available"
        logger.warning("%s: compiling %s for this process only; set NUMBA_CACHE_DIR to a "
                       "writable folder to keep the compiled code", error, loop.__qualname__)
        return njit(nogil=True)(loop)
