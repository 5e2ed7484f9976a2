"""One log line per request, and a request id on every line the request writes.

The id comes from the X-Request-ID header only when the request came through a
trusted proxy (TRUSTED_PROXIES) and the id looks sane; otherwise it is a new uuid4.
It is bound to structlog's context for the whole request, so every event of the
request (and the audit rows, through `request.request_id`) carries it,
and it is sent back in the X-Request-ID response header.

Nothing here reads headers beyond the request id and the user agent, nor any body:
the path is logged without its query string (it may carry tokens) and with the
token of a password-reset link masked.
"""

import re
import time
import uuid

import structlog
from django.core.signals import got_request_exception
from django.dispatch import receiver

from school.logging import mask_path
from school.middleware import is_trusted_proxy

logger = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
USER_AGENT_MAX_LENGTH = 200


def request_id_for(request) -> str:
    """The proxy's X-Request-ID if a trusted proxy sent a sane one, else a new id."""
    # ClientIPMiddleware has already replaced REMOTE_ADDR with the client's address;
    # whether the request came through a proxy is a question about the TCP peer.
    peer = getattr(request, "peer_addr", request.META.get("REMOTE_ADDR", ""))
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    if given and _SANE_REQUEST_ID.fullmatch(given) and is_trusted_proxy(peer):
        return given
    return uuid.uuid4().hex


def user_id_of(request) -> int | None:
    """The signed-in user's id; None for anonymous or when it cannot be read."""
    user = getattr(request, "user", None)  # unset when WhiteNoise answered
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:
        # Reading the user needs the database; when that is what failed, the
        # request line must still be written.
        return None


class RequestLoggingMiddleware:
    """Bind a request id, log one "request" line, and an "access_denied" for 403s.

    Sits right after school.middleware.ClientIPMiddleware, so REMOTE_ADDR is the
    real client's address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A worker thread serves one request after another: nothing of the last
        # request's context may leak into this one.
        structlog.contextvars.clear_contextvars()
        request_id = request_id_for(request)
        # Writes record it in their audit rows: views pass it to the services.
        request.request_id = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = request_id
            self.log_response(request, response, duration_ms)
            return response
        finally:
            structlog.contextvars.clear_contextvars()

    def log_response(self, request, response, duration_ms: float) -> None:
        status = response.status_code
        path = mask_path(request.path)
        user_id = user_id_of(request)
        if status == 403:
            logger.warning("access_denied", path=path, user_id=user_id)
        if status >= 500:
            log = logger.error
        elif status >= 400:
            log = logger.warning
        else:
            log = logger.info
        log(
            "request",
            method=request.method,
            path=path,
            status=status,
            duration_ms=duration_ms,
            client_ip=request.META.get("REMOTE_ADDR", ""),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH],
            user_id=user_id,
        )


@receiver(got_request_exception, dispatch_uid="school.request_logging.exception")
def log_unhandled_exception(sender, request=None, **kwargs):
    """Log the traceback of an exception that becomes a 500, once.

    Django sends this signal, from inside its `except` block, for every exception
    it turns into a 500: raised in a view, a template or a middleware (a database
    outage in LoginRequiredMiddleware never reaches process_exception). The
    request's own "request" line follows at error level.
    """
    logger.error(
        "unhandled_exception",
        method=getattr(request, "method", None),
        path=mask_path(request.path) if request is not None else None,
        exc_info=True,
    )
