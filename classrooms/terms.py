"""Locking and unlocking a term: staff only, with a reason, audited twice.

The lock is a field of the term, so its service lives with the term in
`classrooms`; the grade services of `grades` read it.

A locked term refuses every grade change: scores (`scores_record`), term grades
and publishing (`term_grades_update`, `term_grades_publish`). Each action writes a
log event and an audit event on the term, so it shows in the term's history in
the admin with its reason.

The term's row is locked (`SELECT ... FOR UPDATE`) while it changes; the term
grade services take the same lock, so a save never slips past a lock.
"""

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import policies
from classrooms import events
from classrooms.models import Term
from school import audit
from school.audit import Actor

logger = structlog.get_logger(__name__)

REASON_MAX_LENGTH = 500


def term_lock(*, actor: Actor, term: Term, reason: str) -> bool:
    """Lock `term` for grading. True if it changed, False if it was locked already."""
    return _set_locked(actor=actor, term=term, locked=True, reason=reason)


def term_unlock(*, actor: Actor, term: Term, reason: str) -> bool:
    """Reopen `term` for grading. True if it changed, False if it was open already."""
    return _set_locked(actor=actor, term=term, locked=False, reason=reason)


def _set_locked(*, actor: Actor, term: Term, locked: bool, reason: str) -> bool:
    if not policies.may_lock_term(actor, term):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            _("Say why the term is locked or unlocked: a reason is required."),
            code="reason_required",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    with transaction.atomic(durable=True):
        current = Term.objects.select_for_update().get(pk=term.pk)
        if current.locked == locked:
            term.locked = locked
            return False
        current.locked = locked
        current.save(update_fields=["locked"])
        audit.record(
            actor=actor,
            code=events.TERM_LOCKED if locked else events.TERM_UNLOCKED,
            target=current,
            params={"reason": reason},
        )
        transaction.on_commit(
            lambda: logger.info(
                "term_locked" if locked else "term_unlocked",
                actor_id=actor.user_id,
                term_id=current.pk,
                reason=reason,
            )
        )
    term.locked = locked
    return True
