from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.ratelimits import enforce_login_limits
from school.admin_input import StrictInputAdminMixin


class SchoolAdminSite(admin.AdminSite):
    site_header = _("School portal administration")
    site_title = _("School portal admin")
    index_title = _("Run the school")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin reads ids and numbers strictly (school.admin_input),
        whoever registers it: the project's apps or other packages."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, StrictInputAdminMixin):
            admin_class = type(
                admin_class.__name__,
                (StrictInputAdminMixin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def each_context(self, request):
        context = super().each_context(request)
        context["site_header"] = settings.SCHOOL_NAME
        return context

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # The admin's login form is a second way in: it gets the portal login's limits.
        if request.method == "POST":
            enforce_login_limits(request)
        return super().login(request, extra_context)
