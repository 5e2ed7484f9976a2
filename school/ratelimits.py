"""Rate limits counted by django-ratelimit, answered with HTTP 429 by the middleware.

`enforce` is called from views (a view can key on what it parsed from the POST);
django-ratelimit's `Ratelimited` from its decorator is answered the same way.
"""

from dataclasses import dataclass

from django_ratelimit.core import get_usage
from django_ratelimit.exceptions import Ratelimited


class RateLimitExceeded(Ratelimited):
    """Too many attempts; `retry_after` is the seconds left until the window ends."""

    def __init__(self, retry_after: int, group: str | None = None):
        super().__init__(retry_after)
        self.retry_after = max(1, retry_after)
        self.group = group


class RateLimitUnavailable(Exception):
    """The counters could not be read (cache down) and this limit fails closed."""


@dataclass(frozen=True)
class Limit:
    group: str
    rate: str
    # When the counters cannot be read (cache down): let the request through
    # (fail open) or refuse it with 503 (fail closed).
    fail_open: bool = False

    def enforce(self, request, *, key: str) -> None:
        usage = get_usage(
            request,
            group=self.group,
            key=lambda _group, _request: key,
            rate=self.rate,
            method="POST",
            increment=True,
        )
        if usage is None or not usage["should_limit"]:
            return
        if usage["time_left"] < 0:
            if self.fail_open:
                return
            raise RateLimitUnavailable(self.group)
        raise RateLimitExceeded(retry_after=usage["time_left"], group=self.group)
