"""Waiting for something to become true, bounded by monotonic time.

Tests that start a process wait for it to answer, not for a number of seconds: on a
busy machine a server can take many times longer to boot than on an idle one, so the
bounds are generous and only reached when something is really wrong. Monotonic time
keeps running while the suite's wall clock is frozen.
"""

import time
from collections.abc import Callable

# Long enough for a Django app server to boot on a machine running two suites.
READY_SECONDS = 120


def wait_until(
    predicate: Callable[[], object], *, seconds: float = READY_SECONDS
) -> bool:
    """Poll `predicate` until it is true; False if `seconds` pass first."""
    deadline = time.monotonic() + seconds
    interval = 0.05
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
        interval = min(interval * 2, 0.5)
