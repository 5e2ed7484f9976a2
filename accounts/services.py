"""Every write of accounts: people, their roles and advising links.

Each public service is one durable transaction with its audit events inside it.
(A teacher's new name needs no report-version bump: the report keys digest the
names they show.) The role is written only
here: `user_create`, `user_update` and the import's `users_import` keep the
School admin group in step with it, in the same transaction. No signal does.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import structlog
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import events, tasks
from accounts.models import Advising, Language, Role, User
from policies import people as policies
from school import audit
from school.audit import Actor
from school.tasks import enqueue_in_transaction

logger = structlog.get_logger(__name__)

# Created by the migration accounts.0002_school_admin_group, with its permissions.
SCHOOL_ADMIN_GROUP = "School admin"

# What user_update changes; the last three only for a superuser.
USER_FIELDS = (
    "email",
    "given_name",
    "family_name",
    "full_name",
    "role",
    "language",
    "is_active",
)
# Saved with any change: full_name follows the two parts (User.save), staff
# status the role.
DERIVED_FIELDS = ("email", "given_name", "family_name", "full_name", "is_staff")
PERMISSION_FIELDS = ("is_superuser", "groups", "user_permissions")
# What a report shows of a teacher (grades.school_report).


def user_set_language(*, actor: Actor, language: str) -> bool:
    """Store the actor's own language choice; unknown codes are ignored."""
    user = actor.user
    if language not in Language.values or user.language == language:
        return False
    user.language = language
    with transaction.atomic(durable=True):
        user.save(update_fields=["language"])
        audit.record(
            actor=actor,
            code=audit.CHANGED,
            target=user,
            params=audit.field_changes(User, ["language"]),
        )
    logger.info("user_language_set", user_id=user.pk, language=language)
    return True


def user_sync_school_admin_group(*, user: User) -> None:
    """Make the School admin group's membership follow the user's role, in the
    caller's transaction (a helper of the services below, not a service).

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


def user_create(
    *,
    actor: Actor,
    email: str,
    given_name: str = "",
    family_name: str = "",
    full_name: str = "",
    role: str = Role.STUDENT,
    language: str = Language.ENGLISH,
    password: str | None = None,
    is_superuser: bool = False,
    send_password_reset: bool = False,
) -> User:
    """Add a person, named by the two parts of their name (or, without them, by
    `full_name` split as accounts.names says). No password (None): an unusable
    one, to be chosen through a reset link (`send_password_reset` emails it, in
    this transaction)."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    if is_superuser and not policies.may_grant_permissions(actor):
        raise PermissionDenied
    user = User(
        email=User.objects.normalize_email(email),
        given_name=given_name,
        family_name=family_name,
        full_name=full_name,
        role=role,
        language=language,
        is_superuser=is_superuser,
    )
    user.set_password(password)  # None: unusable
    with transaction.atomic(durable=True):
        user.save(force_insert=True)
        if role == Role.ADMIN:
            user_sync_school_admin_group(user=user)
        audit.record(actor=actor, code=audit.ADDED, target=user)
        if send_password_reset:
            _send_password_reset(actor, [user])
    logger.info("user_created", actor_id=actor.user_id, user_id=user.pk)
    return user


def users_create(*, actor: Actor, users: list[User]) -> list[User]:
    """The batch form of `user_create`, for a program adding many people at once
    (seed_demo): unsaved users, their passwords already hashed (hashing is slow
    on purpose; empty: unusable). One INSERT and one INSERT of audit events; the
    admins among them join the School admin group. No superusers."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    if any(user.is_superuser for user in users):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        for user in users:
            user.derive_fields()  # bulk_create skips User.save()
            if not user.password:
                user.set_unusable_password()
        User.objects.bulk_create(users)
        for user in users:
            if user.role == Role.ADMIN:
                user_sync_school_admin_group(user=user)
        audit.record_many(actor=actor, code=audit.ADDED, targets=users)
    logger.info("users_created", actor_id=actor.user_id, count=len(users))
    return users


def user_set_password(*, actor: Actor, user: User, password: str | None) -> User:
    """Set `user`'s password (None: an unusable one, so that only a reset link
    lets them in). `user` is changed in place too, so that the caller can keep
    its session (update_session_auth_hash)."""
    if not policies.may_set_password(actor, user):
        raise PermissionDenied
    user.set_password(password)  # None: unusable
    with transaction.atomic(durable=True):
        user.save(update_fields=["password"])
        audit.record(
            actor=actor,
            code=events.PASSWORD_SET if password else events.PASSWORD_DISABLED,
            target=user,
        )
    logger.info("password_set", actor_id=actor.user_id, user_id=user.pk)
    return user


def users_set_password(
    *, actor: Actor, users: Iterable[User], password: str
) -> list[User]:
    """Give `users` this password (one hash for all of them: a program's reset of
    demo accounts), leaving alone those who have it already. Returns the users
    changed."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    by_hash = defaultdict(list)
    for user in users:
        if policies.may_change_user(actor, user):
            by_hash[user.password].append(user)
    # Users sharing a hash are checked once: a second run with the same password
    # rewrites nothing.
    stale = [
        user
        for encoded, users_ in by_hash.items()
        if not check_password(password, encoded)
        for user in users_
    ]
    if not stale:
        return []
    encoded = make_password(password)
    with transaction.atomic(durable=True):
        User.objects.filter(pk__in=[user.pk for user in stale]).update(password=encoded)
        audit.record_many(
            actor=actor,
            code=audit.CHANGED,
            targets=stale,
            params=audit.field_changes(User, ["password"]),
        )
    for user in stale:
        user.password = encoded
    logger.info("passwords_set", actor_id=actor.user_id, count=len(stale))
    return stale


def user_update(*, actor: Actor, user: User, changes: Mapping[str, Any]) -> list[str]:
    """Change `user`'s fields in `changes` (USER_FIELDS, and PERMISSION_FIELDS for
    a superuser); returns the names of the fields that changed.

    The row is read again under lock: what the caller holds may already carry
    the new values (a form's instance). A role change moves the person in or out
    of the School admin group, and staff status follows the role (User.save).
    """
    unknown = set(changes) - set(USER_FIELDS) - set(PERMISSION_FIELDS)
    if unknown:
        raise ValueError(f"user_update cannot change {sorted(unknown)}.")
    if not policies.may_change_user(actor, user):
        raise PermissionDenied
    if set(changes) & set(PERMISSION_FIELDS) and not policies.may_grant_permissions(
        actor
    ):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        current = User.objects.select_for_update().get(pk=user.pk)
        if not policies.may_change_user(actor, current):
            raise PermissionDenied
        changed = []
        for name in (*USER_FIELDS, "is_superuser"):
            if name in changes:
                value = changes[name]
                if name == "email":
                    value = User.objects.normalize_email(value)
                if getattr(current, name) != value:
                    setattr(current, name, value)
                    changed.append(name)
        if changed:
            current.save(update_fields=sorted({*changed, *DERIVED_FIELDS}))
        for name in ("groups", "user_permissions"):
            if name in changes:
                manager = getattr(current, name)
                wanted = {obj.pk for obj in changes[name]}
                if set(manager.values_list("pk", flat=True)) != wanted:
                    manager.set(list(changes[name]))
                    changed.append(name)
        if "role" in changed or "groups" in changed:
            user_sync_school_admin_group(user=current)
        if changed:
            audit.record(
                actor=actor,
                code=audit.CHANGED,
                target=current,
                params=audit.field_changes(User, changed),
            )
    for name in (*USER_FIELDS, "is_superuser", "is_staff"):
        setattr(user, name, getattr(current, name))
    logger.info("user_updated", actor_id=actor.user_id, user_id=user.pk, fields=changed)
    return changed


def user_delete(*, actor: Actor, user: User) -> None:
    """Delete an account that holds no records (the admin offers it for those
    only; PROTECT refuses the others)."""
    if not policies.may_change_user(actor, user):
        raise PermissionDenied
    with transaction.atomic(durable=True):
        audit.record(actor=actor, code=audit.DELETED, target=user)
        user.delete()
    logger.info("user_deleted", actor_id=actor.user_id)


def users_import(
    *, actor: Actor, new: list[User], changed: list[tuple[User, list[str]]]
) -> None:
    """Write a roster import: `new` users (unsaved) and `changed` ones with the
    names of their changed fields, in one transaction and a few queries whatever
    the number of rows (one INSERT of users, one UPDATE per set of fields, one
    INSERT of audit events per kind). Imports take students and teachers only."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    users = new + [user for user, _fields in changed]
    if any(u.role not in (Role.STUDENT, Role.TEACHER) or u.is_superuser for u in users):
        raise PermissionDenied
    by_fields = defaultdict(list)
    for user, fields in changed:
        if fields:
            by_fields[tuple(sorted(fields))].append(user)
    with transaction.atomic(durable=True):
        for user in new:
            # bulk_create skips User.save(): the email is normalized here (and
            # is_staff keeps its default: imports add no admins).
            user.email = User.objects.normalize_email(user.email)
            if not user.password:
                user.set_unusable_password()
        User.objects.bulk_create(new)
        audit.record_many(actor=actor, code=audit.ADDED, targets=new)
        for fields, users_ in by_fields.items():
            User.objects.bulk_update(users_, list(fields))
            audit.record_many(
                actor=actor,
                code=audit.CHANGED,
                targets=users_,
                params=audit.field_changes(User, fields),
            )
    logger.info(
        "users_imported", actor_id=actor.user_id, new=len(new), changed=len(changed)
    )


def users_deactivate(*, actor: Actor, users: Iterable[User]) -> list[User]:
    """Deactivate `users`: they cannot log in, and every record of theirs is kept.

    Nobody deactivates themselves, and only a superuser deactivates a superuser.
    """
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    targets = [
        user
        for user in users
        if user.is_active
        and user.pk != actor.user_id
        and policies.may_change_user(actor, user)
    ]
    with transaction.atomic(durable=True):
        User.objects.filter(pk__in=[u.pk for u in targets]).update(is_active=False)
        if targets:
            audit.record_many(actor=actor, code=events.DEACTIVATED, targets=targets)
    logger.info("users_deactivated", actor_id=actor.user_id, count=len(targets))
    return targets


def _send_password_reset(actor: Actor, targets: list[User]) -> None:
    audit.record_many(actor=actor, code=events.PASSWORD_RESET_SENT, targets=targets)
    enqueue_in_transaction(
        tasks.send_password_reset_emails, user_ids=[u.pk for u in targets]
    )


def users_send_password_reset(*, actor: Actor, users: Iterable[User]) -> list[User]:
    """Email each active user a link to choose a password, in the background.

    The task is enqueued in this transaction: it exists only if the history lines
    do. Users without a password yet (imported ones) get the link as well.
    """
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    targets = [user for user in users if user.is_active]
    if not targets:
        return []
    with transaction.atomic(durable=True):
        _send_password_reset(actor, targets)
    logger.info("password_resets_requested", actor_id=actor.user_id, count=len(targets))
    return targets


def advising_create(*, actor: Actor, teacher: User, student: User) -> Advising:
    """Make `teacher` an advisor of `student` (roles checked by Advising.clean)."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    link = Advising(teacher=teacher, student=student)
    link.full_clean()
    with transaction.atomic(durable=True):
        link.save(force_insert=True)
        audit.record(actor=actor, code=audit.ADDED, target=link)
    logger.info("advising_created", actor_id=actor.user_id, link_id=link.pk)
    return link


def advising_update(
    *, actor: Actor, link: Advising, teacher: User, student: User
) -> Advising:
    """Point an advising link at another teacher or student."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    changed = [
        name
        for name, value in (("teacher", teacher), ("student", student))
        if getattr(link, f"{name}_id") != value.pk
    ]
    link.teacher, link.student = teacher, student
    if not changed:
        return link
    link.full_clean()
    with transaction.atomic(durable=True):
        link.save(update_fields=changed)
        audit.record(
            actor=actor,
            code=audit.CHANGED,
            target=link,
            params=audit.field_changes(Advising, changed),
        )
    return link


def advising_delete(*, actor: Actor, links: Iterable[Advising]) -> None:
    """End advising links, all or none."""
    if not policies.may_manage_users(actor):
        raise PermissionDenied
    links = list(links)
    with transaction.atomic(durable=True):
        audit.record_many(actor=actor, code=audit.DELETED, targets=links)
        Advising.objects.filter(pk__in=[link.pk for link in links]).delete()
    logger.info("advising_deleted", actor_id=actor.user_id, count=len(links))
