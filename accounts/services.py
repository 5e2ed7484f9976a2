from collections.abc import Iterable

import structlog
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext

from accounts import tasks
from accounts.models import Language, Role, User
from grades.tasks import enqueue_in_transaction

logger = structlog.get_logger(__name__)

# Created by the migration accounts.0002_school_admin_group, with its permissions.
SCHOOL_ADMIN_GROUP = "School admin"


def user_set_language(*, actor: User, language: str) -> bool:
    """Store the user's own language choice; unknown codes are ignored."""
    if language not in Language.values or actor.language == language:
        return False
    actor.language = language
    actor.save(update_fields=["language"])
    logger.info("user_language_set", user_id=actor.pk, language=language)
    return True


def user_sync_school_admin_group(*, user: User) -> None:
    """Make the School admin group's membership follow the user's role.

    The admin role is what makes someone staff (User.save); the group is what
    gives them their permissions in the admin. A superuser needs neither.
    """
    memberships = User.groups.through.objects.filter(
        user_id=user.pk, group__name=SCHOOL_ADMIN_GROUP
    )
    if user.role != Role.ADMIN:
        memberships.delete()
        return
    group = Group.objects.filter(name=SCHOOL_ADMIN_GROUP).first()
    if group is None:
        logger.error("school_admin_group_missing", user_id=user.pk)
        return
    user.groups.add(group)
    logger.info("school_admin_group_joined", user_id=user.pk)


def users_deactivate(*, actor: User, users: Iterable[User]) -> list[User]:
    """Deactivate `users`: they cannot log in, and every record of theirs is kept.

    Nobody deactivates themselves, and only a superuser deactivates a superuser.
    """
    if not actor.is_staff:
        raise PermissionDenied
    targets = [
        user
        for user in users
        if user.is_active
        and user.pk != actor.pk
        and (actor.is_superuser or not user.is_superuser)
    ]
    with transaction.atomic():
        User.objects.filter(pk__in=[u.pk for u in targets]).update(is_active=False)
        if targets:
            # One history line per person, as if each had been unticked by hand.
            LogEntry.objects.log_actions(
                user_id=actor.pk,
                queryset=targets,
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": ["Active"]}}],
            )
    logger.info("users_deactivated", actor_id=actor.pk, count=len(targets))
    return targets


def users_send_password_reset(*, actor: User, users: Iterable[User]) -> list[User]:
    """Email each active user a link to choose a password, in the background.

    The task is enqueued in this transaction: it exists only if the history lines
    do. Users without a password yet (imported ones) get the link as well.
    """
    if not actor.is_staff:
        raise PermissionDenied
    targets = [user for user in users if user.is_active]
    if not targets:
        return []
    with transaction.atomic():
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=targets,
            action_flag=CHANGE,
            change_message=gettext("Sent a password reset email."),
        )
        enqueue_in_transaction(
            tasks.send_password_reset_emails, user_ids=[u.pk for u in targets]
        )
    logger.info("password_resets_requested", actor_id=actor.pk, count=len(targets))
    return targets
