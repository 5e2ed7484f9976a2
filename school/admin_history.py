"""The admin's history pages read the portal's audit trail.

Django's admin writes `LogEntry` rows with its own messages; here the same moments
become `AuditEvent` rows (channel admin, the request id), and each object's history
page lists them with who acted, through which channel, in the reader's language.
Admins whose writes go through services set `writes_through_services`: the service
records the event, the admin does not record it again.
"""

import contextlib

from django.contrib.admin.options import get_content_type_for_model
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from school import audit
from school.audit import Actor, Channel
from school.models import AuditEvent

HISTORY_PAGE_SIZE = 100


class AuditedAdminMixin:
    # Put before the admin class in the MRO (school.admin_site): it reads the
    # admin's `writes_through_services` rather than defining a default over it.
    def _through_services(self) -> bool:
        return getattr(self, "writes_through_services", False)

    def _record(self, request, code, obj, message):
        if self._through_services():
            return None
        params = {"changes": message} if isinstance(message, list) and message else {}
        return audit.record(
            actor=Actor.from_request(request, channel=Channel.ADMIN),
            code=code,
            target=obj,
            params=params,
        )

    def log_addition(self, request, obj, message):
        return self._record(request, audit.ADDED, obj, message)

    def log_change(self, request, obj, message):
        return self._record(request, audit.CHANGED, obj, message)

    def log_deletions(self, request, queryset):
        if self._through_services():
            return []
        return audit.record_many(
            actor=Actor.from_request(request, channel=Channel.ADMIN),
            code=audit.DELETED,
            targets=list(queryset),
        )

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        events = (
            AuditEvent.objects.filter(
                target_type=get_content_type_for_model(self.model),
                target_id=str(obj.pk),
            )
            .select_related("actor_user")
            .order_by("at", "pk")
        )
        paginator = self.get_paginator(request, events, HISTORY_PAGE_SIZE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        for event in page:
            event.text = audit.describe(event)
            event.actor_label = audit.actor_label(event)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "action_list": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > HISTORY_PAGE_SIZE,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        template = self.object_history_template or "admin/object_history.html"
        return TemplateResponse(request, template, context)


def recent_events_of(user, site, *, limit: int = 10) -> list[AuditEvent]:
    """The user's latest audited actions, each with a link to its record when the
    record is still there to be opened in this admin."""
    events = list(
        AuditEvent.objects.filter(actor_user=user)
        .select_related("target_type")
        .order_by("-at", "-pk")[:limit]
    )
    for event in events:
        event.text = audit.describe(event)
        event.admin_url = ""
        model = event.target_type.model_class() if event.target_type else None
        if model is None or not site.is_registered(model):
            continue
        if event.code == audit.DELETED:
            continue
        opts = model._meta
        with contextlib.suppress(NoReverseMatch):
            event.admin_url = reverse(
                f"{site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[quote(event.target_id)],
            )
    return events
