"""Knobs, timing and printing shared by the benchmark sections.

Environment knobs:
  BENCH_REPEAT   repetitions of every timed step; figures are medians (default 5)
  BENCH_SCALE    fraction of the full data sizes, for a quick run (default 1.0)
  BENCH_ONLY     comma-separated sections to run: tracker, ledger, replay, report (default: all)
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("tracker", "ledger", "replay", "report")
_STARTED = time.perf_counter()


@dataclass(frozen=True)
class Knobs:
    repeat: int
    scale: float
    only: tuple[str, ...]

    def scaled(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.scale))


def knobs_from_env(env=os.environ) -> Knobs:
    try:
        repeat = int(env.get("BENCH_REPEAT", "5"))
        scale = float(env.get("BENCH_SCALE", "1"))
    except ValueError as exc:
        raise SystemExit(f"bench: BENCH_REPEAT must be an integer and BENCH_SCALE a number: {exc}")
    if repeat < 1 or not 0 < scale <= 10:
        raise SystemExit("bench: BENCH_REPEAT must be >= 1 and BENCH_SCALE in (0, 10]")
    only = tuple(s.strip() for s in env.get("BENCH_ONLY", ",".join(SECTIONS)).split(",") if s.strip())
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        raise SystemExit(f"bench: unknown BENCH_ONLY section(s) {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    return Knobs(repeat, scale, only)


def say(message: str) -> None:
    """Progress, on stderr, stamped with the seconds since the bench started."""
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass
class Samples:
    """Wall-clock seconds of one timed step, one per repetition."""

    seconds: list[float] = field(default_factory=list)

    def add(self, seconds: float) -> float:
        self.seconds.append(seconds)
        return seconds

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def spread(self) -> str:
        return f"{min(self.seconds):.3f}–{max(self.seconds):.3f}" if len(self.seconds) > 1 else "-"


@dataclass(frozen=True)
class Row:
    """One line of the printed table."""

    section: str
    step: str
    samples: Samples
    work: str = ""
    rate: str = ""
    note: str = ""


def table(rows: list[Row]) -> str:
    header = ("section", "step", "median s", "min–max s", "work", "rate", "note")
    lines = [
        (r.section, r.step, f"{r.samples.median:.3f}", r.samples.spread, r.work, r.rate, r.note)
        for r in rows
    ]
    widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*line) for line in lines]
    return "\n".join(line.rstrip() for line in out)


def timed(function, *args, **kwargs):
    """(seconds, result) of one call."""
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    Linux's VmHWM where there is one: `ru_maxrss` of a process started by fork/vfork + exec
    also counts the parent's RSS at the fork, so a child of the (big) bench process would
    report the bench's memory, not its own."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def current_rss_mb() -> float:
    """Resident set size now, in MiB (Linux /proc; the peak where that is missing)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return peak_rss_mb()
