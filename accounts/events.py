"""Audit event codes of user accounts (see school.audit)."""

from django.utils.translation import gettext_lazy as _

from school.audit import event

DEACTIVATED = event("deactivated", _("Deactivated: can no longer sign in."))
PASSWORD_RESET_SENT = event("password_reset_sent", _("Sent a password reset email."))
PASSWORD_SET = event("password_set", _("Password changed."))
PASSWORD_DISABLED = event(
    "password_disabled", _("Password sign-in disabled: a reset link sets a new one.")
)
