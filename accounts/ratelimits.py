from django.conf import settings

from school.ratelimits import Limit


def _login_limit():
    return Limit(
        group="login:account-ip", rate=settings.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP
    )


def enforce_login_limits(request) -> None:
    """Count a login attempt per (account, client IP).

    Keying on the pair means a student who types wrong passwords for a teacher's
    account locks out only their own address, not the teacher.
    """
    account = request.POST.get("username", "").strip().lower()
    client_ip = request.META.get("REMOTE_ADDR", "")
    _login_limit().enforce(request, key=f"{account}|{client_ip}")
