from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.views import i18n
from django.views.decorators.http import require_POST
from django.views.generic import RedirectView, TemplateView

from accounts.forms import EmailAuthenticationForm
from accounts.mixins import StudentRequiredMixin
from accounts.ratelimits import enforce_login_limits
from accounts.services import user_set_language


class LoginView(auth_views.LoginView):
    form_class = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        enforce_login_limits(request)
        return super().post(request, *args, **kwargs)


class HomeView(RedirectView):
    """Send each person to the page their role starts from."""

    def get_redirect_url(self, *args, **kwargs):
        return self.request.user.get_home_url()


class ReportCardView(StudentRequiredMixin, TemplateView):
    template_name = "accounts/report_card.html"


@login_not_required
@require_POST
def set_language(request):
    """Switch the language; a logged-in user keeps the choice on every device."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated:
        user_set_language(actor=request.user, language=language)
    return i18n.set_language(request)
