"""Every write of a gradebook's structure: categories and assessments.

Each service is one transaction that locks the rows it decides on, validates, and
raises ValidationError keyed by field ("__all__" when no field is to blame), so a
form can show every message next to what the teacher typed. Successful writes are
logged as key/value events once the transaction commits.

Rules kept here (the database keeps the structural ones too):
- a category has a name, unique per classroom subject (case-insensitively), and a
  weight above zero; it can be deleted only while it has no assessments, archived
  ones included;
- an assessment's category belongs to its classroom subject and its term to the
  classroom's school year; its maximum cannot drop below a stored score;
- a locked term takes no new assessments and no changes to, removal, archiving or
  restoring of its assessments. Publishing and unpublishing stay possible: they
  change what students see, not any grade;
- an assessment is deleted only while it has no recorded work: no score other than
  blank, no comment and no audit history. Otherwise it is archived (kept whole,
  hidden from the grid and the grade math) and can be restored.

Every service is one durable transaction (`atomic(durable=True)`: never part of a
caller's) holding its write, its audit event and the bump of its classroom
subject's report version (`classrooms.report_versions`), so a cached report card
or class report is never served after the change commits. `assessment_remove`
decides between deleting and archiving with the inner, non-durable steps.
"""

import datetime
from decimal import Decimal
from typing import Literal

import structlog
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from classrooms import report_versions
from classrooms.models import ClassroomSubject, Term
from grades import events
from grades.cells import local_number
from grades.models import Assessment, Category, GradeChange, Score, ScoreState
from school import audit
from school.audit import Actor

logger = structlog.get_logger(__name__)

NAME_MAX_LENGTH = Category._meta.get_field("name").max_length
TITLE_MAX_LENGTH = Assessment._meta.get_field("title").max_length
MAX_WEIGHT = Decimal("999.99")  # max_digits=5, decimal_places=2
MAX_POINTS = Decimal("9999.99")  # max_digits=6, decimal_places=2


# ---------------------------------------------------------------------------
# Shared checks


def _log_on_commit(event: str, **fields) -> None:
    transaction.on_commit(lambda: logger.info(event, **fields))


def _decimal_problem(value, *, maximum: Decimal, too_small: str, too_big: str):
    if not isinstance(value, Decimal) or not value.is_finite():
        return _("Enter a number.")
    if value <= 0:
        return too_small
    if value > maximum:
        return too_big
    if value != value.quantize(Decimal("0.01")):
        return _("Use at most two decimals.")
    return None


def _text_problem(value: str, *, max_length: int, empty: str):
    if not value:
        return empty
    if len(value) > max_length:
        return ngettext(
            "Use at most %(count)d character.",
            "Use at most %(count)d characters.",
            max_length,
        ) % {"count": max_length}
    return None


def _locked_message(term: Term) -> str:
    return _(
        "The term %(term)s is locked: its assessments cannot be added or changed."
    ) % {"term": term.name}


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


# ---------------------------------------------------------------------------
# Categories


def _validate_category(
    classroom_subject_id: int, name: str, weight: Decimal, exclude_pk: int | None
) -> dict:
    errors = {}
    name_problem = _text_problem(
        name, max_length=NAME_MAX_LENGTH, empty=_("Enter a name.")
    )
    if name_problem:
        errors["name"] = name_problem
    else:
        clash = Category.objects.filter(
            classroom_subject_id=classroom_subject_id, name__iexact=name
        ).exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = _("This subject already has a category with this name.")
    weight_problem = _decimal_problem(
        weight,
        maximum=MAX_WEIGHT,
        too_small=_("A category's weight must be more than zero."),
        too_big=_("A weight can be at most %(max)s.")
        % {"max": local_number(MAX_WEIGHT)},
    )
    if weight_problem:
        errors["weight"] = weight_problem
    return errors


def category_problems(
    *,
    classroom_subject: ClassroomSubject,
    name: str,
    weight: Decimal,
    category: Category | None = None,
) -> dict:
    """What `category_create` / `category_update` would refuse, by field, without
    writing: for a form to show before it calls the service (which checks again,
    under its locks)."""
    return _validate_category(
        classroom_subject.pk, name.strip(), weight, category.pk if category else None
    )


def _lock_classroom_subject(classroom_subject_id: int) -> None:
    # Serialises category writes of one gradebook, so the case-insensitive name
    # check cannot race another save (the database only knows exact names).
    list(
        ClassroomSubject.objects.select_for_update()
        .filter(pk=classroom_subject_id)
        .values_list("pk", flat=True)
    )


@transaction.atomic(durable=True)
def category_create(
    *,
    actor: Actor,
    classroom_subject: ClassroomSubject,
    name: str,
    weight: Decimal,
) -> Category:
    name = name.strip()
    _lock_classroom_subject(classroom_subject.pk)
    _raise(_validate_category(classroom_subject.pk, name, weight, None))
    category = Category.objects.create(
        classroom_subject=classroom_subject, name=name, weight=weight
    )
    audit.record(actor=actor, code=audit.ADDED, target=category)
    report_versions.bump_classroom_subjects([classroom_subject.pk])
    _log_on_commit(
        "category_created",
        category_id=category.pk,
        classroom_subject_id=classroom_subject.pk,
        weight=str(weight),
        actor_id=actor.user_id,
    )
    return category


@transaction.atomic(durable=True)
def categories_create(*, actor: Actor, categories: list[Category]) -> list[Category]:
    """The batch form of `category_create`, for a program adding many at once
    (seed_demo): unsaved categories, each checked as `category_create` checks
    it, then one INSERT, one INSERT of audit events and one report bump."""
    for category in categories:
        category.name = category.name.strip()
    subject_ids = sorted({category.classroom_subject_id for category in categories})
    for classroom_subject_id in subject_ids:
        _lock_classroom_subject(classroom_subject_id)
    for category in categories:
        _raise(
            _validate_category(
                category.classroom_subject_id, category.name, category.weight, None
            )
        )
    Category.objects.bulk_create(categories)
    audit.record_many(actor=actor, code=audit.ADDED, targets=categories)
    report_versions.bump_classroom_subjects(subject_ids)
    _log_on_commit("categories_created", count=len(categories), actor_id=actor.user_id)
    return categories


@transaction.atomic(durable=True)
def category_update(
    *, actor: Actor, category: Category, name: str, weight: Decimal
) -> Category:
    name = name.strip()
    _lock_classroom_subject(category.classroom_subject_id)
    category = Category.objects.select_for_update().get(pk=category.pk)
    _raise(_validate_category(category.classroom_subject_id, name, weight, category.pk))
    before = str(category.weight)
    changed = [
        field
        for field, value in (("name", name), ("weight", weight))
        if getattr(category, field) != value
    ]
    if not changed:
        return category
    category.name, category.weight = name, weight
    category.save(update_fields=["name", "weight"])
    audit.record(
        actor=actor,
        code=audit.CHANGED,
        target=category,
        params=audit.field_changes(Category, changed),
    )
    report_versions.bump_classroom_subjects([category.classroom_subject_id])
    _log_on_commit(
        "category_updated",
        category_id=category.pk,
        weight_before=before,
        weight=str(weight),
        actor_id=actor.user_id,
    )
    return category


@transaction.atomic(durable=True)
def category_delete(*, actor: Actor, category: Category) -> None:
    """Delete a category that has no assessments (archived ones count)."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    count = category.assessments.count()
    if count:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: ngettext(
                    "This category still has %(count)d assessment (archived ones "
                    "count too): move it to another category before deleting this "
                    "one.",
                    "This category still has %(count)d assessments (archived ones "
                    "count too): move them to another category before deleting this "
                    "one.",
                    count,
                )
                % {"count": count}
            },
            code="has_assessments",
        )
    category_id = category.pk
    audit.record(actor=actor, code=audit.DELETED, target=category)
    category.delete()
    report_versions.bump_classroom_subjects([category.classroom_subject_id])
    _log_on_commit("category_deleted", category_id=category_id, actor_id=actor.user_id)


# ---------------------------------------------------------------------------
# Assessments


def _validate_assessment(
    *,
    classroom_subject: ClassroomSubject,
    term: Term,
    category: Category,
    title: str,
    max_points: Decimal,
    current: Assessment | None,
) -> dict:
    errors = {}
    if current is not None and current.term.locked:
        errors["term"] = _locked_message(current.term)
    elif term.school_year_id != classroom_subject.classroom.school_year_id:
        errors["term"] = _("Choose a term of the classroom's school year.")
    elif term.locked:
        errors["term"] = _locked_message(term)
    # Locked (no key update): a category being deleted right now either waits for
    # this transaction or is gone by the time this reads it.
    category_exists = (
        Category.objects.select_for_update(no_key=True)
        .filter(pk=category.pk, classroom_subject_id=classroom_subject.pk)
        .exists()
    )
    if not category_exists:
        errors["category"] = _("Choose a category of this classroom subject.")
    title_problem = _text_problem(
        title, max_length=TITLE_MAX_LENGTH, empty=_("Enter a title.")
    )
    if title_problem:
        errors["title"] = title_problem
    points_problem = _decimal_problem(
        max_points,
        maximum=MAX_POINTS,
        too_small=_("Maximum points must be more than zero."),
        too_big=_("Maximum points can be at most %(max)s.")
        % {"max": local_number(MAX_POINTS)},
    )
    if points_problem:
        errors["max_points"] = points_problem
    elif current is not None:
        highest = current.scores.aggregate(Max("points"))["points__max"]
        if highest is not None and max_points < highest:
            errors["max_points"] = _(
                "Maximum points cannot be below a stored score (%(highest)s)."
            ) % {"highest": local_number(highest)}
    return errors


def assessment_problems(
    *,
    classroom_subject: ClassroomSubject,
    term: Term,
    category: Category,
    title: str,
    max_points: Decimal,
    assessment: Assessment | None = None,
) -> dict:
    """What `assessment_create` / `assessment_update` would refuse, by field,
    without writing (the service checks again under its locks)."""
    with transaction.atomic():
        current = None
        if assessment is not None:
            current = Assessment.objects.select_related(
                "term", "classroom_subject__classroom"
            ).get(pk=assessment.pk)
            if current.archived_at is not None:
                return {
                    NON_FIELD_ERRORS: _(
                        "This assessment is archived: restore it before changing it."
                    )
                }
        return _validate_assessment(
            classroom_subject=classroom_subject,
            term=term,
            category=category,
            title=title.strip(),
            max_points=max_points,
            current=current,
        )


def _locked_assessment(assessment: Assessment) -> Assessment:
    """The assessment row, locked for this transaction, with its term and class."""
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("term", "classroom_subject__classroom")
        .get(pk=assessment.pk)
    )


def _refuse_if_locked(assessment: Assessment) -> None:
    if assessment.term.locked:
        raise ValidationError(
            {NON_FIELD_ERRORS: _locked_message(assessment.term)}, code="locked"
        )


def _refuse_if_archived(assessment: Assessment) -> None:
    if assessment.archived_at is not None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This assessment is archived: restore it before changing it."
                )
            },
            code="archived",
        )


@transaction.atomic(durable=True)
def assessment_create(
    *,
    actor: Actor,
    classroom_subject: ClassroomSubject,
    term: Term,
    category: Category,
    title: str,
    max_points: Decimal,
    due_on: datetime.date | None,
) -> Assessment:
    title = title.strip()
    _raise(
        _validate_assessment(
            classroom_subject=classroom_subject,
            term=term,
            category=category,
            title=title,
            max_points=max_points,
            current=None,
        )
    )
    assessment = Assessment.objects.create(
        classroom_subject=classroom_subject,
        term=term,
        category=category,
        title=title,
        max_points=max_points,
        due_on=due_on,
    )
    audit.record(actor=actor, code=audit.ADDED, target=assessment)
    report_versions.bump_classroom_subjects([classroom_subject.pk])
    _log_on_commit(
        "assessment_created",
        assessment_id=assessment.pk,
        classroom_subject_id=classroom_subject.pk,
        term_id=term.pk,
        actor_id=actor.user_id,
    )
    return assessment


@transaction.atomic(durable=True)
def assessments_create(
    *, actor: Actor, assessments: list[Assessment]
) -> list[Assessment]:
    """The batch form of `assessment_create`, for a program adding many at once
    (seed_demo): unsaved assessments, each checked as `assessment_create` checks
    it, then one INSERT and one INSERT of audit events per kind. One given a
    `published_at` is added published at that time, with the event that
    `assessment_publish` records."""
    for assessment in assessments:
        assessment.title = assessment.title.strip()
        _raise(
            _validate_assessment(
                classroom_subject=assessment.classroom_subject,
                term=assessment.term,
                category=assessment.category,
                title=assessment.title,
                max_points=assessment.max_points,
                current=None,
            )
        )
    Assessment.objects.bulk_create(assessments)
    audit.record_many(actor=actor, code=audit.ADDED, targets=assessments)
    published = [a for a in assessments if a.published_at is not None]
    audit.record_many(actor=actor, code=events.ASSESSMENT_PUBLISHED, targets=published)
    report_versions.bump_classroom_subjects(
        {assessment.classroom_subject_id for assessment in assessments}
    )
    _log_on_commit(
        "assessments_created",
        count=len(assessments),
        published=len(published),
        actor_id=actor.user_id,
    )
    return assessments


@transaction.atomic(durable=True)
def assessment_update(
    *,
    actor: Actor,
    assessment: Assessment,
    term: Term,
    category: Category,
    title: str,
    max_points: Decimal,
    due_on: datetime.date | None,
) -> Assessment:
    title = title.strip()
    current = _locked_assessment(assessment)
    _refuse_if_archived(current)
    _raise(
        _validate_assessment(
            classroom_subject=current.classroom_subject,
            term=term,
            category=category,
            title=title,
            max_points=max_points,
            current=current,
        )
    )
    values = {
        "term_id": term.pk,
        "category_id": category.pk,
        "title": title,
        "max_points": max_points,
        "due_on": due_on,
    }
    changed = [
        name.removesuffix("_id")
        for name, value in values.items()
        if getattr(current, name) != value
    ]
    if not changed:
        return current
    current.term, current.category, current.title = term, category, title
    current.max_points, current.due_on = max_points, due_on
    current.save(update_fields=["term", "category", "title", "max_points", "due_on"])
    audit.record(
        actor=actor,
        code=audit.CHANGED,
        target=current,
        params=audit.field_changes(Assessment, changed),
    )
    report_versions.bump_classroom_subjects([current.classroom_subject_id])
    _log_on_commit(
        "assessment_updated",
        assessment_id=current.pk,
        term_id=term.pk,
        category_id=category.pk,
        max_points=str(max_points),
        actor_id=actor.user_id,
    )
    return current


def _recorded_work(assessment: Assessment):
    """Scores that are more than an untouched blank: points, EX, M, a comment."""
    return assessment.scores.filter(~Q(state=ScoreState.BLANK) | ~Q(comment=""))


def assessment_is_deletable(assessment: Assessment) -> bool:
    """Whether removing `assessment` deletes it (True) or must archive it (False).

    The rule `assessment_delete` and `assessment_remove` apply, read by the
    confirmation page. Blank rows with an audit history keep it from deletion too:
    audit rows are never deleted.
    """
    return not (
        _recorded_work(assessment).exists()
        or GradeChange.objects.filter(score__assessment=assessment).exists()
    )


@transaction.atomic(durable=True)
def assessment_delete(*, actor: Actor, assessment: Assessment) -> None:
    """Delete an assessment without recorded work, and its blank score rows."""
    _delete(actor, _locked_assessment(assessment))


def _delete(actor: Actor, assessment: Assessment) -> None:
    """`assessment_delete` inside the caller's transaction, the row locked."""
    _refuse_if_locked(assessment)
    if not assessment_is_deletable(assessment):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This assessment has scores, comments or a score history: "
                    "archive it instead (it can be restored)."
                )
            },
            code="has_scores",
        )
    audit.record(actor=actor, code=events.ASSESSMENT_DELETED, target=assessment)
    blank_rows, _by_model = Score.objects.filter(assessment=assessment).delete()
    assessment_id = assessment.pk
    assessment.delete()
    report_versions.bump_classroom_subjects([assessment.classroom_subject_id])
    _log_on_commit(
        "assessment_deleted",
        assessment_id=assessment_id,
        blank_scores_deleted=blank_rows,
        actor_id=actor.user_id,
    )


@transaction.atomic(durable=True)
def assessment_archive(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Hide an assessment from the grid and the grade math, keeping every score."""
    return _archive(actor, _locked_assessment(assessment))


def _archive(actor: Actor, assessment: Assessment) -> Assessment:
    """`assessment_archive` inside the caller's transaction, the row locked."""
    _refuse_if_locked(assessment)
    if assessment.archived_at is None:
        assessment.archived_at = timezone.now()
        assessment.save(update_fields=["archived_at"])
        audit.record(actor=actor, code=events.ASSESSMENT_ARCHIVED, target=assessment)
        report_versions.bump_classroom_subjects([assessment.classroom_subject_id])
        _log_on_commit(
            "assessment_archived", assessment_id=assessment.pk, actor_id=actor.user_id
        )
    return assessment


@transaction.atomic(durable=True)
def assessment_restore(*, actor: Actor, assessment: Assessment) -> Assessment:
    assessment = _locked_assessment(assessment)
    _refuse_if_locked(assessment)
    if assessment.archived_at is not None:
        assessment.archived_at = None
        assessment.save(update_fields=["archived_at"])
        audit.record(actor=actor, code=events.ASSESSMENT_RESTORED, target=assessment)
        report_versions.bump_classroom_subjects([assessment.classroom_subject_id])
        _log_on_commit(
            "assessment_restored", assessment_id=assessment.pk, actor_id=actor.user_id
        )
    return assessment


@transaction.atomic(durable=True)
def assessment_remove(
    *, actor: Actor, assessment: Assessment
) -> Literal["deleted", "archived"]:
    """What the delete button does: delete when allowed, else archive (restorable).

    Decided under the row lock, so scores saved after the confirmation page was
    shown turn a deletion into archiving rather than into an error.
    """
    assessment = _locked_assessment(assessment)
    _refuse_if_locked(assessment)
    if assessment_is_deletable(assessment):
        _delete(actor, assessment)
        return "deleted"
    _archive(actor, assessment)
    return "archived"


@transaction.atomic(durable=True)
def assessment_publish(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Let students see this assessment's scores. Publishing again changes nothing."""
    assessment = _locked_assessment(assessment)
    if assessment.archived_at is not None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "This assessment is archived: restore it before publishing it."
                )
            },
            code="archived",
        )
    if assessment.published_at is None:
        assessment.published_at = timezone.now()
        assessment.save(update_fields=["published_at"])
        audit.record(actor=actor, code=events.ASSESSMENT_PUBLISHED, target=assessment)
        report_versions.bump_classroom_subjects([assessment.classroom_subject_id])
        _log_on_commit(
            "assessment_published", assessment_id=assessment.pk, actor_id=actor.user_id
        )
    return assessment


@transaction.atomic(durable=True)
def assessment_unpublish(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Hide this assessment's scores from students again."""
    assessment = _locked_assessment(assessment)
    if assessment.published_at is not None:
        assessment.published_at = None
        audit.record(actor=actor, code=events.ASSESSMENT_UNPUBLISHED, target=assessment)
        assessment.save(update_fields=["published_at"])
        report_versions.bump_classroom_subjects([assessment.classroom_subject_id])
        _log_on_commit(
            "assessment_unpublished",
            assessment_id=assessment.pk,
            actor_id=actor.user_id,
        )
    return assessment
