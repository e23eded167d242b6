"""One `exitlens.store.tracker.track` run in a process of its own, so that its peak RSS is the
tracker's and not the benchmark's (which holds the generated data).

    python -m bench.track_once URL NOW_ISO [full]

prints one JSON object: the run's seconds, its TrackResult, the process's RSS in MiB just
before the run (after imports and connecting) and its peak RSS after it.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import current_rss_mb, peak_rss_mb
from exitlens.core.timeutil import parse_aware
from exitlens.store import db
from exitlens.store import tracker as tracking


def main(argv: list[str]) -> None:
    url, now = argv[0], parse_aware(argv[1], "now")
    engine = db.connect(url)
    rss_before = current_rss_mb()
    start = time.perf_counter()
    result = tracking.track(engine, now, full=argv[2:] == ["full"], progress=False)
    seconds = time.perf_counter() - start
    engine.dispose()
    print(json.dumps({
        "seconds": seconds, "result": result.to_json(),
        "rss_before_mb": rss_before, "rss_peak_mb": peak_rss_mb(),
    }))


if __name__ == "__main__":
    main(sys.argv[1:])
