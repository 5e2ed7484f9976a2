"""Signals of the accounts app.

Security events of signing in, logged for every way in (the portal and /admin/).
Django's `user_login_failed` carries the credentials typed, the password included
(masked by Django, but still): only the email is logged, never anything else of it.
And only an email: a password typed into the email box by mistake (the admin's login
form does not check the address) is not logged either.

The School admin group follows the role: a user whose role becomes (or stops
being) admin joins (or leaves) it when saved. The role loaded from the database
is remembered, so that saving a user whose role did not change costs no query.
"""

import structlog
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.signals import post_init, post_save
from django.dispatch import receiver

from accounts.models import Role, User
from accounts.services import user_sync_school_admin_group

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


@receiver(post_init, sender=User, dispatch_uid="accounts.signals.remember_role")
def remember_loaded_role(sender, instance, **kwargs):
    # __dict__: a deferred role must not cost a query per loaded user.
    instance._saved_role = instance.__dict__.get("role") if instance.pk else None


@receiver(post_save, sender=User, dispatch_uid="accounts.signals.sync_admin_group")
def keep_school_admin_group(sender, instance, created, raw, update_fields, **kwargs):
    if raw or (update_fields is not None and "role" not in update_fields):
        return
    previous = getattr(instance, "_saved_role", None)
    instance._saved_role = instance.role
    if created:
        needed = instance.role == Role.ADMIN
    elif previous is None:
        needed = True
    else:
        needed = previous != instance.role and Role.ADMIN in (previous, instance.role)
    if needed:
        user_sync_school_admin_group(user=instance)
