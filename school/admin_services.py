"""Model admins that write through services.

Django's admin wraps each POST of a change form and of a delete page in a
transaction of its own; a service opens its own, durable one (one write path:
the write, its audit event and its report-version bump together, never part of a
caller's transaction). An admin built with `ServiceAdminMixin` therefore runs
those views without the admin's transaction, calls a service in `save_model` /
`delete_model`, and sets `writes_through_services` so that the admin site does
not log the change a second time (the service records it; see
school.admin_history.AuditedAdminMixin, which every registered admin has).

Forms validate with the services' own checks (`*_problems`), so a refusal shows
next to the fields; a refusal that only the service sees under its locks (another
save in between) leaves everything unchanged and is shown as an error message on
the same page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from school.audit import Actor, Channel


class ServiceAdminMixin:
    writes_through_services = True

    def actor(self, request) -> Actor:
        return Actor.from_request(request, channel=Channel.ADMIN)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return self._changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            return self.refused(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return self._delete_view(request, object_id, extra_context)
        except ValidationError as error:
            return self.refused(request, error)

    # Admins whose `delete_queryset` goes through a service keep "Delete selected".
    deletes_in_bulk = False

    def get_actions(self, request):
        # Django's bulk delete would bypass `delete_model`, unless told otherwise.
        actions = super().get_actions(request)
        if not self.deletes_in_bulk:
            actions.pop("delete_selected", None)
        return actions

    def refused(self, request, error: ValidationError):
        for message in error.messages:
            self.message_user(request, message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


def adopt(obj, saved) -> None:
    """Make the admin's unsaved `obj` the row a service created as `saved`."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
