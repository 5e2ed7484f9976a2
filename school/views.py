import structlog
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from school.health import check_services

logger = structlog.get_logger(__name__)

DEFAULT_RETRY_AFTER = 60


@login_not_required
@never_cache
@require_GET
def health_check(request):
    services = check_services()
    database, cache_up = services["database"], services["cache"]
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
    logger.warning(
        "rate_limited",
        path=request.path,
        # The limit's group ("login:account-ip"...) when the exception names it.
        group=getattr(exception, "group", None),
        retry_after=retry_after,
    )
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
