"""Model admins whose every write goes through a service.

A service opens its own durable transaction and records its own audit events.
So the admin's add, change and delete views do not open a transaction around
`save_model`/`delete_model` (a durable block cannot nest), and the admin writes
no history line of its own (`writes_through_services`, read by
school.admin_history.AuditedAdminMixin, which every registered admin has).
"""

from school.audit import Actor, Channel


class WritesThroughServicesMixin:
    writes_through_services = True

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        return self._delete_view(request, object_id, extra_context)

    def actor(self, request) -> Actor:
        return Actor.from_request(request, channel=Channel.ADMIN)


def adopt(obj, saved) -> None:
    """Make the admin's unsaved `obj` the row a service created as `saved`."""
    obj.pk = saved.pk
    obj._state.adding = False
    obj._state.db = saved._state.db
