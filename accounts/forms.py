from contextvars import ContextVar

from django import forms
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from accounts.services import user_set_password
from school.audit import Actor


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form, by email; it never says which of the two was wrong."""

    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        "invalid_login": _(
            "That email and password do not match an active account. "
            "Check both and try again."
        ),
        "inactive": _(
            "That email and password do not match an active account. "
            "Check both and try again."
        ),
    }


class ServicePasswordFormMixin:
    """Django's password forms, saving through `user_set_password` as `actor`."""

    password_field = "new_password1"  # noqa: S105 - a field name

    def __init__(self, user, *args, actor: Actor | None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.actor = actor

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data[self.password_field] if usable else None
        return user_set_password(actor=self.actor, user=self.user, password=password)


class ServiceSetPasswordForm(ServicePasswordFormMixin, SetPasswordForm):
    """The form of a password reset link."""


class ServicePasswordChangeForm(ServicePasswordFormMixin, PasswordChangeForm):
    """A signed-in person changing their own password."""


# Django's admin view builds its password form without the request; the admin
# sets the actor of the request around that view (accounts.admin).
admin_password_actor: ContextVar[Actor | None] = ContextVar(
    "admin_password_actor", default=None
)


class ServiceAdminPasswordChangeForm(ServicePasswordFormMixin, AdminPasswordChangeForm):
    """Staff setting someone's password (or disabling it) in the admin."""

    password_field = "password1"  # noqa: S105 - a field name

    def __init__(self, user, *args, **kwargs):
        actor = admin_password_actor.get()
        if actor is None:
            raise ImproperlyConfigured(
                "The admin's password form needs admin_password_actor set."
            )
        super().__init__(user, *args, actor=actor, **kwargs)
