"""Background tasks of people's accounts (django-tasks).

Tasks take ids, never objects: with the database backend their arguments are
stored as JSON and read back by `manage.py db_worker`, maybe much later.
"""

from urllib.parse import urlsplit

import structlog
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from accounts.models import User

logger = structlog.get_logger(__name__)


def send_password_reset_email(user: User) -> None:
    """The email of Django's password reset form, sent to one user by staff.

    PasswordResetForm.save() skips users without a usable password; staff send
    the link precisely to those (imported accounts), so the context is built
    here as save() builds it, and the form's own send_mail() sends it.
    """
    site = urlsplit(settings.SITE_URL)
    context = {
        "email": user.email,
        "domain": site.netloc,
        "site_name": settings.SCHOOL_NAME,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme or "https",
    }
    with translation.override(user.language):
        PasswordResetForm().send_mail(
            "registration/password_reset_subject.txt",
            "registration/password_reset_email.html",
            context,
            None,
            user.email,
        )


@task()
def send_password_reset_emails(*, user_ids: list[int]) -> dict:
    """Email each active user of `user_ids` a link to choose a new password.

    One bad address never stops the others: each failure is logged and counted.
    """
    sent = failed = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        try:
            send_password_reset_email(user)
        except Exception:
            failed += 1
            logger.exception("password_reset_email_failed", user_id=user.pk)
        else:
            sent += 1
    logger.info("password_reset_emails_sent", sent=sent, failed=failed)
    return {"sent": sent, "failed": failed}
