"""Limits on the two public forms that take a guess: login and password reset.

Both fail closed: with the counters unreadable (Redis down) they answer 503 rather
than run without brute-force or mail-bombing protection.

Each call checks its limits from the most specific to the broadest and stops at the
first one tripped, so an attempt that is already refused is not also counted against
a broader limit: a student hammering a teacher's account from one machine fills only
the (account, address) counter, never the teacher's account-wide one.
"""

from django.conf import settings

from school.ratelimits import Limit


def _client_ip(request) -> str:
    # ClientIPMiddleware has already put the real client here; X-Forwarded-For is
    # never read.
    return request.META.get("REMOTE_ADDR", "")


def _normalized_email(value) -> str:
    return str(value or "").strip().lower()


def enforce_login_limits(request) -> None:
    """Count a login attempt (portal or admin login form).

    - per (account, client address), tight: someone guessing from one place;
    - per client address, broad: one address trying many accounts;
    - per account across addresses, loose: a spread-out attack on one account. It
      is loose so that a student typing wrong passwords for a teacher from elsewhere
      cannot lock the teacher out for long.
    """
    account = _normalized_email(request.POST.get("username"))
    client_ip = _client_ip(request)
    Limit(
        group="login:account-ip", rate=settings.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP
    ).enforce(request, key=f"{account}|{client_ip}")
    Limit(group="login:ip", rate=settings.RATE_LIMIT_LOGIN_PER_IP).enforce(
        request, key=client_ip
    )
    Limit(group="login:account", rate=settings.RATE_LIMIT_LOGIN_PER_ACCOUNT).enforce(
        request, key=account
    )


def enforce_password_reset_limits(request) -> None:
    """Count a password reset request, per client address and per target email.

    The email is counted whether or not it belongs to an account, before the form
    looks it up: the answer (the "sent" page, then 429) is the same for both, so the
    limit cannot tell anyone which emails have an account.
    """
    email = _normalized_email(request.POST.get("email"))
    Limit(
        group="password-reset:ip", rate=settings.RATE_LIMIT_PASSWORD_RESET_PER_IP
    ).enforce(request, key=_client_ip(request))
    Limit(
        group="password-reset:email",
        rate=settings.RATE_LIMIT_PASSWORD_RESET_PER_EMAIL,
    ).enforce(request, key=email)
