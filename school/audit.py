"""Who acts, and the record of what they did.

Every write names an `Actor`: the person (or, with no person, the program) that
made it, the door it came through and the request it belongs to. Services take
one and leave an `AuditEvent` per record they change, in their own transaction.

An event is a registered code and its parameters. Its text is written once, as a
translatable message in the module that defines the event (each app's
`events.py`, loaded at startup), and rendered in the reader's language.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from school.models import AuditEvent, Channel

if TYPE_CHECKING:
    # The project's user model (accounts.User), named by its base: a shared helper
    # imports no app.
    from django.contrib.auth.base_user import AbstractBaseUser as User

__all__ = [
    "Actor",
    "AuditEvent",
    "Channel",
    "describe",
    "event",
    "field_changes",
    "record",
    "record_many",
]

REPR_MAX_LENGTH = 200


@dataclass(frozen=True)
class Actor:
    """The author of a write: a user or a program, the channel, the request id."""

    user: "User | None" = None
    program: str = ""
    channel: str = Channel.PAGE
    request_id: str = ""

    def __post_init__(self):
        if self.user is None and not self.program:
            raise ValueError("An actor is a user or a named program.")
        if self.channel not in Channel.values:
            raise ValueError(f"Unknown channel {self.channel!r}.")

    @classmethod
    def from_request(cls, request, *, channel: str = Channel.PAGE) -> "Actor":
        return cls(
            user=request.user,
            channel=channel,
            request_id=getattr(request, "request_id", ""),
        )

    @classmethod
    def command(cls, name: str, *, user: "User | None" = None) -> "Actor":
        return cls(user=user, program=name, channel=Channel.COMMAND)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user is not None else None

    def __str__(self):
        who = str(self.user) if self.user is not None else self.program
        return f"{who} ({self.channel})"


_MESSAGES: dict[str, Promise | str] = {}


def event(code: str, message: Promise | str) -> str:
    """Register an event code with its message (a lazy translation taking the
    event's parameters by name); returns the code."""
    known = _MESSAGES.get(code)
    if known is not None and str(known) != str(message):
        raise ValueError(f"Audit event {code!r} is registered twice.")
    _MESSAGES[code] = message
    return code


# Django's own history messages (a list of added/changed/deleted parts) are
# rendered by Django, in the reader's language.
ADDED = event("added", _("Added."))
CHANGED = event("changed", _("Changed."))
DELETED = event("deleted", _("Deleted."))
# The admin history written before events had codes (Django's LogEntry rows,
# moved here by the migration school.0002): their text, as it was stored.
LEGACY = event("legacy", "%(text)s")
_DJANGO_MESSAGE_CODES = {ADDED, CHANGED, DELETED}


def field_changes(model, field_names) -> dict:
    """The parameters of a CHANGED event naming the fields that changed, stored
    as Django's admin stores them (labels in the default language, translated
    when shown)."""
    with translation.override(None):
        labels = [str(model._meta.get_field(name).verbose_name) for name in field_names]
    return {"changes": [{"changed": {"fields": labels}}]}


def describe(row: AuditEvent) -> str:
    """The event's text in the active language."""
    params = row.params or {}
    if row.code in _DJANGO_MESSAGE_CODES and params.get("changes"):
        entry = LogEntry(change_message=json.dumps(params["changes"]))
        return entry.get_change_message()
    if row.code == LEGACY:
        # Django's structured messages among them are still translated.
        return LogEntry(change_message=params.get("text", "")).get_change_message()
    message = _MESSAGES.get(row.code)
    if message is None:
        return row.code
    try:
        return str(message) % params if params else str(message)
    except (KeyError, TypeError, ValueError):
        return str(message)


def actor_label(row) -> str:
    """Who made an audited change, for a history page: a person or a program."""
    user = getattr(row, "actor_user", None) or getattr(row, "changed_by", None)
    if user is not None:
        return user.get_full_name() or user.get_username()
    return row.actor_program or gettext("unknown")


def _event(actor: Actor, code: str, target, params: dict | None, at) -> AuditEvent:
    if code not in _MESSAGES:
        raise ValueError(f"Unregistered audit event {code!r}.")
    return AuditEvent(
        at=at,
        actor_user=actor.user,
        actor_program=actor.program,
        channel=actor.channel,
        request_id=actor.request_id,
        code=code,
        params=params or {},
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        target_repr=str(target)[:REPR_MAX_LENGTH],
    )


def record(
    *, actor: Actor, code: str, target, params: dict | None = None
) -> AuditEvent:
    """Add one event about `target`, in the caller's transaction."""
    row = _event(actor, code, target, params, timezone.now())
    row.save(force_insert=True)
    return row


def record_many(
    *, actor: Actor, code: str, targets: Iterable, params: dict | None = None
) -> list[AuditEvent]:
    """Add the same event about each of `targets` in one INSERT."""
    now = timezone.now()
    rows = [_event(actor, code, target, params, now) for target in targets]
    return AuditEvent.objects.bulk_create(rows) if rows else []
