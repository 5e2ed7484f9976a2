import sys

import structlog
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from school.health import check_services
from school.ids import MalformedId

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


def bad_request(request, exception):
    """The 400 handler: a malformed id says what was wrong, in the reader's language.

    Other 400s (a bad Host header...) keep Django's page, rendered without the
    request: the request itself may be what is wrong.
    """
    if isinstance(exception, MalformedId):
        return render(request, "400.html", {"message": exception.message}, status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    """The 500 handler, except that an unreachable database answers 503.

    Django calls it while handling the exception, so the exception is at hand. The
    page is rendered without the request's context: the context would ask the
    database who the user is.
    """
    error = sys.exc_info()[1]
    if not isinstance(error, DatabaseError):
        return defaults.server_error(request)
    logger.error("database_unavailable", path=request.path)
    if request.path == reverse("health_check"):
        response = JsonResponse(
            {"status": "error", "database": "down", "cache": "unknown"}, status=503
        )
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
    add_never_cache_headers(response)
    return response


def temporarily_unavailable(request):
    logger.error("rate_limit_store_unavailable", path=request.path)
    response = render(request, "503.html", status=503)
    response["Retry-After"] = str(DEFAULT_RETRY_AFTER)
    return response
