"""Signals of the accounts app.

Security events of signing in, logged for every way in (the portal and /admin/).
Django's `user_login_failed` carries the credentials typed, the password included
(masked by Django, but still): only the email is logged, never anything else of it.
And only an email: a password typed into the email box by mistake (the admin's login
form does not check the address) is not logged either.

Nothing here writes to the database: the School admin group follows the role
through the services that change it (accounts.services).
"""

import structlog
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.dispatch import receiver

logger = structlog.get_logger(__name__)


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


@receiver(user_login_failed, dispatch_uid="accounts.signals.login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs):
    email = str(credentials.get("username", "")).strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        email = None
    logger.warning("login_failed", email=email, client_ip=_client_ip(request))


@receiver(user_logged_in, dispatch_uid="accounts.signals.login_succeeded")
def log_login_succeeded(sender, request, user, **kwargs):
    logger.info("login_succeeded", user_id=user.pk, client_ip=_client_ip(request))
