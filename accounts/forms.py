from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


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
