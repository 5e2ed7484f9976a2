"""The rules about people: roles, and who may manage accounts.

Part of the one policy module (`policies` re-exports every name here); its own
module because `accounts.services` asks these and must not depend on classrooms,
which the rest of `policies` reads.
"""

import functools

from accounts.models import Role
from school.audit import Actor, Channel


def is_server_program(who) -> bool:
    """A management command run on the server on nobody's behalf. It acts with
    staff rights; only on the command channel."""
    return (
        isinstance(who, Actor) and who.user is None and who.channel == Channel.COMMAND
    )


def _rule(rule):
    """Let `rule` be asked about an Actor: as its user, or (a server program) as
    itself, which `is_staff` answers for and `is_signed_in` does not (a program
    owns nothing: no class, no batch, no advisee)."""

    @functools.wraps(rule)
    def ask(who, *args, **kwargs):
        if isinstance(who, Actor) and not is_server_program(who):
            who = who.user
        return rule(who, *args, **kwargs)

    return ask


@_rule
def is_signed_in(user) -> bool:
    if isinstance(user, Actor):  # a server program: no session, no account
        return False
    return bool(user is not None and user.is_authenticated and user.is_active)


@_rule
def is_staff(user) -> bool:
    if is_server_program(user):
        return True
    return is_signed_in(user) and user.is_staff


@_rule
def is_teacher(user) -> bool:
    return is_signed_in(user) and user.role == Role.TEACHER


@_rule
def is_student(user) -> bool:
    return is_signed_in(user) and user.role == Role.STUDENT


@_rule
def may_manage_users(user) -> bool:
    """Creating, changing and deactivating accounts, sending reset links: staff."""
    return is_staff(user)


@_rule
def may_change_user(user, target) -> bool:
    """Changing one account: staff, and a superuser's only by a superuser."""
    return may_manage_users(user) and (
        may_grant_permissions(user) or not target.is_superuser
    )


@_rule
def may_set_password(user, target) -> bool:
    """A person's password: theirs to choose (signed in, or through a reset link,
    where the link stands for them), or staff's to set as for any change."""
    return target is not None and (
        (not isinstance(user, Actor) and user is not None and user.pk == target.pk)
        or may_change_user(user, target)
    )


@_rule
def may_grant_permissions(user) -> bool:
    """Setting superuser status, groups and permissions by hand: superusers."""
    return is_signed_in(user) and user.is_superuser
