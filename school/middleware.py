import contextlib
import ipaddress

from django.conf import settings
from django.utils.cache import add_never_cache_headers
from django_ratelimit.exceptions import Ratelimited

from school import views
from school.ratelimits import RateLimitUnavailable


def _trusted_networks():
    return [
        ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES
    ]


def _is_trusted_proxy(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def is_trusted_proxy(address: str) -> bool:
    """Whether `address` is one of TRUSTED_PROXIES (addresses or networks)."""
    return _is_trusted_proxy(address, _trusted_networks())


class ClientIPMiddleware:
    """Make REMOTE_ADDR the real client's address.

    Only a proxy listed in TRUSTED_PROXIES may name the client, through X-Real-IP
    (which the proxy overwrites). X-Forwarded-For is never read: its left-most entry
    is whatever the client typed. Everything downstream, rate limits included, keys
    on REMOTE_ADDR.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted_networks = _trusted_networks()

    def __call__(self, request):
        peer = request.META.get("REMOTE_ADDR", "")
        request.peer_addr = peer  # the TCP peer, before X-Real-IP replaces it
        real_ip = request.META.get("HTTP_X_REAL_IP", "").strip()
        if real_ip and _is_trusted_proxy(peer, self.trusted_networks):
            with contextlib.suppress(ValueError):
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(real_ip))
        return self.get_response(request)


class RateLimitMiddleware:
    """Answer a tripped rate limit with 429 and Retry-After instead of a 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Ratelimited):
            return views.too_many_requests(request, exception)
        if isinstance(exception, RateLimitUnavailable):
            return views.temporarily_unavailable(request)
        return None


class NoStoreForSignedInUsersMiddleware:
    """Keep pages shown to a signed-in user out of every cache (browser and proxy).

    Grades and report cards must not be served again from a shared computer's
    browser cache after logout, nor kept by a proxy. A response whose view set
    Cache-Control itself is left alone. Static files never get here: WhiteNoise
    answers them earlier in MIDDLEWARE.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # The header test comes first: an error page answered while the database
        # is down sets its own, and asking who the user is would fail again.
        if (
            not response.has_header("Cache-Control")
            and user is not None
            and user.is_authenticated
        ):
            add_never_cache_headers(response)
        return response
