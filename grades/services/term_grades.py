"""Every write of term grades: overrides, comments and publishing, with audit rows.

Both services take the term's row lock first (`SELECT ... FOR UPDATE`), so a term
being locked by staff and a term grade being saved never interleave: whichever
comes second sees the other's result. Then they read the class in a fixed number
of queries and write with one bulk insert, one bulk update and one bulk insert of
`GradeChange` rows, whatever the class size.

A published line is a snapshot (percent and letter) taken when it is published;
nothing but publishing again changes it. Republishing a line that would change
needs a reason, stored on its audit row.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import policies
from classrooms import report_versions
from classrooms.models import ClassroomSubject, Enrollment, Term
from grades import calc
from grades.models import GradeChange, TermGrade
from grades.selectors import grade_bands
from grades.tasks import send_term_grades_published
from grades.term_grade_selectors import effective_grade, term_inputs
from school.audit import Actor
from school.tasks import enqueue_in_transaction

logger = structlog.get_logger(__name__)

REASON_MAX_LENGTH = TermGrade._meta.get_field("override_reason").max_length
_EDITED_FIELDS = ["computed", "override", "override_reason", "comment"]
_PUBLISHED_FIELDS = [
    "computed",
    "published_percent",
    "published_letter",
    "published_at",
]


@dataclass(frozen=True)
class TermGradeEdit:
    """What the teacher set for one student: override (or None), reason, comment."""

    student_id: int
    override: Decimal | None
    override_reason: str = ""
    comment: str = ""


@dataclass(frozen=True)
class PublishResult:
    published: int  # lines published for the first time
    republished: int  # published lines that changed
    unchanged: int  # published lines that already match
    nothing_counted: int  # students with no grade yet: no line


def _text(value) -> str | None:
    return None if value is None else str(value)


def term_grade_snapshot(term_grade: TermGrade) -> dict:
    """The audited state of a term grade, as JSON."""
    return {
        "computed": _text(term_grade.computed),
        "override": _text(term_grade.override),
        "override_reason": term_grade.override_reason,
        "comment": term_grade.comment,
        "published_percent": _text(term_grade.published_percent),
        "published_letter": term_grade.published_letter,
        "published_at": (
            term_grade.published_at.isoformat() if term_grade.published_at else None
        ),
    }


def _check_grader(actor: Actor, classroom_subject: ClassroomSubject) -> None:
    if not policies.may_grade(actor, classroom_subject):
        raise PermissionDenied


def _lock_open_term(term: Term) -> Term:
    """Take the term's row lock; refuse a locked term. Inside a transaction."""
    current = Term.objects.select_for_update().get(pk=term.pk)
    if current.locked:
        raise ValidationError(
            _("The term %(term)s is locked: its grades cannot change.")
            % {"term": current.name},
            code="locked",
        )
    return current


def _current_enrollments(classroom_subject: ClassroomSubject, student_ids=None):
    enrollments = Enrollment.objects.current().filter(
        classroom_id=classroom_subject.classroom_id
    )
    if student_ids is not None:
        enrollments = enrollments.filter(student_id__in=student_ids)
    return {
        enrollment.student_id: enrollment
        for enrollment in enrollments.select_related("student")
    }


def _clean_edit(edit: TermGradeEdit, name: str) -> tuple[TermGradeEdit, list]:
    """The edit with trimmed text; the problems of this row, in words."""
    reason = (edit.override_reason or "").strip()
    comment = (edit.comment or "").strip()
    override = edit.override
    problems = []
    if override is not None:
        if not Decimal(0) <= override <= Decimal(100):
            problems.append(
                ValidationError(
                    _("%(student)s: an override lies between 0 and 100.")
                    % {"student": name},
                    code="override_range",
                )
            )
        elif override != override.quantize(calc.ONE_DECIMAL):
            problems.append(
                ValidationError(
                    _("%(student)s: an override has at most one decimal.")
                    % {"student": name},
                    code="override_precision",
                )
            )
        if not reason:
            problems.append(
                ValidationError(
                    _("%(student)s: an override needs a reason.") % {"student": name},
                    code="reason_required",
                )
            )
        elif len(reason) > REASON_MAX_LENGTH:
            problems.append(
                ValidationError(
                    _("%(student)s: keep the reason under %(max)d characters.")
                    % {"student": name, "max": REASON_MAX_LENGTH},
                    code="reason_too_long",
                )
            )
        if not problems:
            override = override.quantize(calc.ONE_DECIMAL)
    else:
        # A reason belongs to an override: clearing the override clears it.
        reason = ""
    return TermGradeEdit(edit.student_id, override, reason, comment), problems


def _checked_edits(classroom_subject, changes):
    """The edits cleaned, and the problems of the edits (students not in the class
    now, overrides out of range or without a reason)."""
    enrolled = _current_enrollments(
        classroom_subject, [edit.student_id for edit in changes]
    )
    problems, cleaned = [], []
    for edit in changes:
        enrollment = enrolled.get(edit.student_id)
        if enrollment is None:
            problems.append(
                ValidationError(
                    _("A student is not in this class now. Reload the page."),
                    code="unknown_student",
                )
            )
            continue
        edit, row_problems = _clean_edit(edit, enrollment.student.full_name)
        problems.extend(row_problems)
        cleaned.append(edit)
    return cleaned, problems


def term_grade_problems(
    *, classroom_subject: ClassroomSubject, term: Term, edit: TermGradeEdit
) -> list[ValidationError]:
    """What `term_grades_update` would refuse for this one edit, without writing:
    for a form to show before it calls the service (which checks again, under
    the term's lock)."""
    problems = []
    if Term.objects.filter(pk=term.pk, locked=True).exists():
        problems.append(
            ValidationError(
                _("The term %(term)s is locked: its grades cannot change.")
                % {"term": term.name},
                code="locked",
            )
        )
    _cleaned, edit_problems = _checked_edits(classroom_subject, [edit])
    return problems + edit_problems


def term_grades_update(
    *,
    actor: Actor,
    classroom_subject: ClassroomSubject,
    term: Term,
    changes: Sequence[TermGradeEdit],
    reason: str | None = None,
) -> list[TermGrade]:
    """Save overrides, their reasons and comments of one class, all or nothing.

    Creates the term grades that do not exist yet and stores the computed percent
    on every row it writes. One `GradeChange` per row that changed; its reason is
    the override's reason when the override (or its reason) changed, else "" (a
    comment edit is not explained by an older override's reason). Rows that
    already hold these values are not written.

    `reason`, when given, is the reason of every audit row instead (the admin's).

    Raises PermissionDenied when `actor` does not grade this subject, and
    ValidationError (saving nothing) when the term is locked, a student is not in
    the class now, an override is outside 0-100 or lacks a reason.
    Returns the term grades that changed.
    """
    _check_grader(actor, classroom_subject)
    changes = list({edit.student_id: edit for edit in changes}.values())
    with transaction.atomic(durable=True):
        term = _lock_open_term(term)
        if not changes:
            return []
        student_ids = [edit.student_id for edit in changes]
        cleaned, problems = _checked_edits(classroom_subject, changes)
        if problems:
            raise ValidationError(problems)

        inputs = term_inputs(classroom_subject, term, student_ids)
        existing = {
            tg.student_id: tg
            for tg in TermGrade.objects.select_for_update(of=("self",))
            .filter(
                classroom_subject=classroom_subject,
                term=term,
                student_id__in=student_ids,
            )
            .order_by("pk")
        }
        to_create, to_update, audits = [], [], []
        for edit in cleaned:
            computed = inputs.breakdown(edit.student_id).rounded
            term_grade = existing.get(edit.student_id)
            if term_grade is None:
                if edit.override is None and not edit.comment:
                    continue
                term_grade = TermGrade(
                    student_id=edit.student_id,
                    classroom_subject=classroom_subject,
                    term=term,
                    computed=computed,
                    override=edit.override,
                    override_reason=edit.override_reason,
                    comment=edit.comment,
                )
                to_create.append(term_grade)
                audits.append((term_grade, None, edit.override_reason))
                continue
            if (
                term_grade.override == edit.override
                and term_grade.override_reason == edit.override_reason
                and term_grade.comment == edit.comment
            ):
                continue
            before = term_grade_snapshot(term_grade)
            overridden = (
                term_grade.override != edit.override
                or term_grade.override_reason != edit.override_reason
            )
            term_grade.computed = computed
            term_grade.override = edit.override
            term_grade.override_reason = edit.override_reason
            term_grade.comment = edit.comment
            to_update.append(term_grade)
            # The override's reason explains a change of the override; a
            # comment-only change has no reason of its own.
            audits.append(
                (term_grade, before, edit.override_reason if overridden else "")
            )
        if reason is not None:
            audits = [(term_grade, before, reason) for term_grade, before, _r in audits]
        _write(actor, to_create, to_update, _EDITED_FIELDS, audits)
        count = len(audits)
        transaction.on_commit(
            lambda: logger.info(
                "term_grades_updated",
                actor_id=actor.user_id,
                classroom_subject_id=classroom_subject.pk,
                term_id=term.pk,
                count=count,
            )
        )
    return [term_grade for term_grade, _before, _reason in audits]


def term_grades_publish(
    *,
    actor: Actor,
    classroom_subject: ClassroomSubject,
    term: Term,
    reason: str = "",
) -> PublishResult:
    """Publish the term grades of every current student of the class.

    Each line stores the effective percent (the override, else the computed
    percent), rounded, the letter of that rounded value on today's scale, and the
    moment. Students with nothing counted and no override get no line (a line is
    never a made-up zero). Lines that already match are left alone. One
    `GradeChange` per line written, with `reason`. The students whose line is
    new or changed are emailed by one task (`grades.tasks`), enqueued in this
    transaction.

    Raises ValidationError, changing nothing, when the term is locked, or when a
    published line would change (or disappear) and `reason` is empty.
    """
    if not policies.may_publish(actor, classroom_subject):
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX_LENGTH},
            code="reason_too_long",
        )
    with transaction.atomic(durable=True):
        term = _lock_open_term(term)
        enrolled = _current_enrollments(classroom_subject)
        inputs = term_inputs(classroom_subject, term, list(enrolled))
        bands = grade_bands()
        existing = {
            tg.student_id: tg
            for tg in TermGrade.objects.select_for_update(of=("self",))
            .filter(
                classroom_subject=classroom_subject,
                term=term,
                student_id__in=list(enrolled),
            )
            .order_by("pk")
        }
        now = timezone.now()
        to_create, to_update, audits = [], [], []
        published = republished = unchanged = nothing = 0
        for student_id in enrolled:
            term_grade = existing.get(student_id)
            grade = effective_grade(inputs.breakdown(student_id), term_grade, bands)
            was_published = term_grade is not None and term_grade.published_at
            if grade.percent is None and not was_published:
                nothing += 1
                continue
            if was_published and (
                term_grade.published_percent == grade.percent
                and term_grade.published_letter == grade.letter
            ):
                unchanged += 1
                continue
            if term_grade is None:
                term_grade = TermGrade(
                    student_id=student_id,
                    classroom_subject=classroom_subject,
                    term=term,
                    computed=grade.computed,
                    published_percent=grade.percent,
                    published_letter=grade.letter,
                    published_at=now,
                )
                to_create.append(term_grade)
                audits.append((term_grade, None, reason))
                published += 1
                continue
            before = term_grade_snapshot(term_grade)
            term_grade.computed = grade.computed
            term_grade.published_percent = grade.percent
            term_grade.published_letter = grade.letter
            # Nothing counted any more: the line is withdrawn, not turned into 0.
            term_grade.published_at = now if grade.percent is not None else None
            to_update.append(term_grade)
            audits.append((term_grade, before, reason))
            if was_published:
                republished += 1
            else:
                published += 1
        if republished and not reason:
            raise ValidationError(
                _(
                    "Published grades would change (%(count)d): say why in the "
                    "reason field before publishing again."
                )
                % {"count": republished},
                code="reason_required",
            )
        _write(actor, to_create, to_update, _PUBLISHED_FIELDS, audits)
        # Students whose line is new or changed (not withdrawn) get an email; the
        # task is enqueued in this transaction: a rollback sends nothing.
        notify = sorted(tg.student_id for tg, _b, _r in audits if tg.published_at)
        if notify:
            enqueue_in_transaction(
                send_term_grades_published,
                student_ids=notify,
                classroom_subject_id=classroom_subject.pk,
                term_id=term.pk,
            )
        result = PublishResult(published, republished, unchanged, nothing)
        transaction.on_commit(
            lambda: logger.info(
                "term_grades_published",
                actor_id=actor.user_id,
                classroom_subject_id=classroom_subject.pk,
                term_id=term.pk,
                published=result.published,
                republished=result.republished,
            )
        )
    return result


def _write(actor: Actor, to_create, to_update, fields, audits):
    """Bulk insert, bulk update, then one audit row per (term grade, before, reason)."""
    if to_create:
        TermGrade.objects.bulk_create(to_create)
    if to_update:
        TermGrade.objects.bulk_update(to_update, fields)
    if not audits:
        return
    # Bulk writes send no signals: the cached reports learn of them here.
    report_versions.bump_classroom_subjects(
        {term_grade.classroom_subject_id for term_grade, _before, _reason in audits}
    )
    GradeChange.objects.bulk_create(
        GradeChange(
            term_grade=term_grade,
            changed_by=actor.user,
            actor_program=actor.program,
            channel=actor.channel,
            before=before,
            after=term_grade_snapshot(term_grade),
            reason=reason,
            request_id=actor.request_id,
        )
        for term_grade, before, reason in audits
    )
