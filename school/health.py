"""Probes behind /health-check, each bounded in time.

A dead service may refuse at once or hang until a driver timeout (libpq never waits
less than 2 s). Both probes run side by side in worker threads and the answer waits
at most PROBE_TIMEOUT for them, so the health check itself always answers quickly.
"""

import uuid
from concurrent.futures import ThreadPoolExecutor, wait

import structlog
from django.core.cache import caches
from django.db import DatabaseError, connection, connections

logger = structlog.get_logger(__name__)

PROBE_TIMEOUT = 1.5
_probes = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health-probe")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health_check_database_error", exc_info=True)
        return False
    finally:
        # Worker threads live on between requests: leave no connection open in them.
        connections.close_all()


def _cache_answers() -> bool:
    # The cache backend swallows connection errors so pages keep serving without
    # Redis; a value that does not come back is how an outage shows.
    cache = caches["default"]
    key = f"health-check:{uuid.uuid4().hex}"
    if not cache.add(key, "1", timeout=10):
        return False
    answered = cache.get(key) == "1"
    cache.delete(key)
    return answered


def check_services() -> dict[str, bool]:
    """Whether each service answered within PROBE_TIMEOUT."""
    futures = {
        "database": _probes.submit(_database_answers),
        "cache": _probes.submit(_cache_answers),
    }
    done, _pending = wait(futures.values(), timeout=PROBE_TIMEOUT)
    results = {
        name: future in done and future.result() for name, future in futures.items()
    }
    for name, healthy in results.items():
        if not healthy:
            logger.warning("health_check_service_down", service=name)
    return results
