from collections.abc import Iterable

import structlog
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

import policies
from accounts import events, tasks
from accounts.models import Language, Role, User
from grades.tasks import enqueue_in_transaction
from school import audit
from school.audit import Actor

logger = structlog.get_logger(__name__)

# Created by the migration accounts.0002_school_admin_group, with its permissions.
SCHOOL_ADMIN_GROUP = "School admin"


def user_set_language(*, actor: Actor, language: str) -> bool:
    """Store the actor's own language choice; unknown codes are ignored."""
    user = actor.user
    if language not in Language.values or user.language == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    logger.info("user_language_set", user_id=user.pk, language=language)
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


def users_deactivate(*, actor: Actor, users: Iterable[User]) -> list[User]:
    """Deactivate `users`: they cannot log in, and every record of theirs is kept.

    Nobody deactivates themselves, and only a superuser deactivates a superuser.
    """
    if not policies.may_manage_users(actor.user):
        raise PermissionDenied
    targets = [
        user
        for user in users
        if user.is_active
        and user.pk != actor.user_id
        and (actor.user.is_superuser or not user.is_superuser)
    ]
    with transaction.atomic():
        User.objects.filter(pk__in=[u.pk for u in targets]).update(is_active=False)
        if targets:
            audit.record_many(actor=actor, code=events.DEACTIVATED, targets=targets)
    logger.info("users_deactivated", actor_id=actor.user_id, count=len(targets))
    return targets


def users_send_password_reset(*, actor: Actor, users: Iterable[User]) -> list[User]:
    """Email each active user a link to choose a password, in the background.

    The task is enqueued in this transaction: it exists only if the history lines
    do. Users without a password yet (imported ones) get the link as well.
    """
    if not policies.may_manage_users(actor.user):
        raise PermissionDenied
    targets = [user for user in users if user.is_active]
    if not targets:
        return []
    with transaction.atomic():
        audit.record_many(actor=actor, code=events.PASSWORD_RESET_SENT, targets=targets)
        enqueue_in_transaction(
            tasks.send_password_reset_emails, user_ids=[u.pk for u in targets]
        )
    logger.info("password_resets_requested", actor_id=actor.user_id, count=len(targets))
    return targets
