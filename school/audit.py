"""Staff-visible history of changes that are not grades (grades have GradeChange)."""

from django.contrib.admin.models import CHANGE, LogEntry


def record_in_admin_history(*, actor, obj, message: str, action_flag: int = CHANGE):
    """Add a line to the object's history page in the admin."""
    LogEntry.objects.log_actions(
        user_id=actor.pk,
        queryset=[obj],
        action_flag=action_flag,
        change_message=message,
        single_object=True,
    )
