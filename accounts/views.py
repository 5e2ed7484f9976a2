import structlog
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.utils.crypto import salted_hmac
from django.views import i18n
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView

from accounts.forms import (
    EmailAuthenticationForm,
    ServicePasswordChangeForm,
    ServiceSetPasswordForm,
)
from accounts.ratelimits import enforce_login_limits, enforce_password_reset_limits
from accounts.services import user_set_language
from school.audit import Actor

logger = structlog.get_logger(__name__)


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        enforce_login_limits(request)
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ServicePasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "actor": Actor.from_request(self.request)}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ServiceSetPasswordForm

    def get_form_kwargs(self):
        # The link stands for its person: they are the actor, not the anonymous
        # visitor holding it. A broken link shows no form, and has no person.
        actor = (
            Actor(user=self.user, request_id=self.request.request_id)
            if self.user is not None
            else None
        )
        return {**super().get_form_kwargs(), "actor": actor}


class PasswordResetView(auth_views.PasswordResetView):
    def post(self, request, *args, **kwargs):
        # Counted before the email is looked up: known and unknown emails alike.
        enforce_password_reset_limits(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # Logged with a keyed hash of the address, never the address: the same
        # email always gives the same hash (a flood against one account shows),
        # but without SECRET_KEY it cannot be turned back into an address, unlike
        # a plain SHA-256 that anyone with the school's roster could match.
        email = form.cleaned_data["email"].strip().lower()
        digest = salted_hmac("accounts.password_reset_requested", email).hexdigest()
        logger.info("password_reset_requested", email_hash=digest[:16])
        return super().form_valid(form)


class HomeView(RedirectView):
    """Send each person to the page their role starts from."""

    def get_redirect_url(self, *args, **kwargs):
        return self.request.user.get_home_url()


@login_not_required
@require_POST
def set_language(request):
    """Switch the language; a logged-in user keeps the choice on every device."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        user_set_language(actor=Actor.from_request(request), language=language)
    return i18n.set_language(request)
