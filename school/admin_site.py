from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.ratelimits import enforce_login_limits


class SchoolAdminSite(admin.AdminSite):
    site_header = _("School portal administration")
    site_title = _("School portal admin")
    index_title = _("Run the school")

    def each_context(self, request):
        context = super().each_context(request)
        context["site_header"] = settings.SCHOOL_NAME
        return context

    def login(self, request, extra_context=None):
        # The admin's login form is a second way in: it gets the portal login's limits.
        if request.method == "POST":
            enforce_login_limits(request)
        return super().login(request, extra_context)
