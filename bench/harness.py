"""What the in-process benchmarks share: Django set up for a throwaway test
database, and the median (and 95th-percentile) time and query count of a
request."""

import os
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    for name, value in {
        "DJANGO_SETTINGS_MODULE": "school.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-" + "x" * 40,
        "ALLOWED_HOSTS": "testserver",
        "EMAIL_URL": "consolemail://",
        "LOG_LEVEL": "WARNING",
        "STATIC_MANIFEST": "false",
        "RATELIMIT_ENABLE": "false",
    }.items():
        os.environ.setdefault(name, value)
    # WhiteNoise warns when collectstatic has not run; no benchmark serves static
    # files.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


class Timing(NamedTuple):
    """What `timed()` found: server time in milliseconds and queries, per call."""

    median_ms: float
    p95_ms: float
    queries: float  # median
    max_queries: int
    runs: int


def percentile(values, share: float) -> float:
    """The `share` (0-1) percentile, interpolated between the closest two runs."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def timed(call, *, ok=(200,), before=None, runs=RUNS, counted=None) -> Timing:
    """Median and 95th-percentile time, and queries, of `call()` over `runs` runs.

    `before()`, when given, runs ahead of each call, outside the measure.
    `counted(sql)`, when given, says which queries count.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    for _ in range(runs):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - start)
        if response is not None and response.status_code not in ok:
            raise SystemExit(f"unexpected status {response.status_code}")
        queries.append(sum(1 for q in captured if counted is None or counted(q["sql"])))
    return Timing(
        median_ms=statistics.median(times) * 1000,
        p95_ms=percentile(times, 0.95) * 1000,
        queries=statistics.median(queries),
        max_queries=max(queries),
        runs=runs,
    )


def measure(call, *, ok=(200,), before=None, runs=RUNS) -> tuple[float, float]:
    """Median milliseconds and queries of `call()` over `runs` runs (see timed)."""
    timing = timed(call, ok=ok, before=before, runs=runs)
    return timing.median_ms, timing.queries
