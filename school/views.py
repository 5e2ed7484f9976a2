import uuid

import structlog
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = structlog.get_logger(__name__)

DEFAULT_RETRY_AFTER = 60


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health_check_database_down", exc_info=True)
        return False


def _cache_ok() -> bool:
    # The cache backend swallows connection errors (so pages keep serving without
    # Redis); a value that does not come back is how an outage shows.
    probe_key = "health-check-probe"
    token = uuid.uuid4().hex
    cache.set(probe_key, token, timeout=10)
    return cache.get(probe_key) == token


@login_not_required
@never_cache
@require_GET
def health_check(request):
    database = _database_ok()
    cache_up = _cache_ok()
    if not database:
        status, http_status = "error", 503
    elif not cache_up:
        status, http_status = "degraded", 200
    else:
        status, http_status = "ok", 200
    return JsonResponse(
        {
            "status": status,
            "database": "ok" if database else "down",
            "cache": "ok" if cache_up else "down",
        },
        status=http_status,
    )


def too_many_requests(request, exception):
    retry_after = getattr(exception, "retry_after", DEFAULT_RETRY_AFTER)
    logger.warning("rate_limited", path=request.path, retry_after=retry_after)
    response = render(
        request,
        "429.html",
        {"retry_after_minutes": max(1, -(-retry_after // 60))},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def temporarily_unavailable(request):
    logger.error("rate_limit_store_unavailable", path=request.path)
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
    return response
