"""What the in-process benchmarks share: Django set up for a throwaway test
database, and the median time and query count of a request."""

import os
import statistics
import sys
import time
from pathlib import Path

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
    import django

    django.setup()


def measure(call, *, ok=(200,), before=None, runs=RUNS) -> tuple[float, float]:
    """Median milliseconds and queries of `call()` over `runs` runs.

    `before()`, when given, runs ahead of each call, outside the measure.
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
        queries.append(len(captured))
    return statistics.median(times) * 1000, statistics.median(queries)
