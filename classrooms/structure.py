"""Every write of the school's structure: school years, terms, subjects,
classrooms, classroom subjects and single enrollments (the admin's add, change
and delete), and the roster import's batches.

Each public service is one durable transaction holding the write, its audit
event(s) and the report-version bumps of what a report shows: the school report
caches classroom and subject names, grade levels and teachers under the
versions of classroom subjects (grades.school_report), so a change to a
classroom, subject or classroom subject bumps them. Enrollments are read fresh
into every report's key (grades.reports, grades.report_cards): no bump.

`*_save` takes an instance a form (or the caller) has already validated: a new
one (no primary key) is added, an existing one has `fields` written. The admin's
inlines come as `InlineChanges`, written in the parent's transaction.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import structlog
from django.core.exceptions import PermissionDenied
from django.db import transaction

import policies
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from classrooms.report_versions import (
    bump_classroom_subjects,
    bump_classrooms,
    bump_subjects,
)
from school import audit
from school.audit import Actor

logger = structlog.get_logger(__name__)


@dataclass
class InlineChanges:
    """What an inline formset changes: new rows, (row, changed fields), deleted."""

    new: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    deleted: list = field(default_factory=list)


def _require(actor: Actor, model) -> None:
    allowed = (
        policies.may_manage_enrollments(actor)
        if model is Enrollment
        else policies.may_manage_school(actor)
    )
    if not allowed:
        raise PermissionDenied


def _bump(model, objs) -> None:
    ids = [obj.pk for obj in objs]
    if model is Classroom:
        bump_classrooms(ids)
    elif model is Subject:
        bump_subjects(ids)
    elif model is ClassroomSubject:
        bump_classroom_subjects(ids)


# What a report shows of each model: a change elsewhere bumps nothing.
SHOWN = {
    Classroom: {"name", "grade_level", "teacher", "school_year"},
    Subject: {"name", "code"},
    ClassroomSubject: {"classroom", "subject", "teacher"},
}


def _write(actor: Actor, obj, fields: Iterable[str] | None) -> bool:
    """Add `obj` (no pk) or write its `fields`, with the event and the bump, in
    the caller's transaction. True if anything was written."""
    model = type(obj)
    if obj.pk is None or obj._state.adding:
        obj.save(force_insert=True)
        audit.record(actor=actor, code=audit.ADDED, target=obj)
        _bump(model, [obj])
        return True
    fields = list(fields or [])
    if not fields:
        return False
    obj.save(update_fields=fields)
    audit.record(
        actor=actor,
        code=audit.CHANGED,
        target=obj,
        params=audit.field_changes(model, fields),
    )
    if SHOWN.get(model, set()) & set(fields):
        _bump(model, [obj])
    return True


def _delete(actor: Actor, obj) -> None:
    model = type(obj)
    if model in (Classroom, Subject, ClassroomSubject):
        # The reports that showed it are keyed by the versions bumped here; a
        # classroom subject going away also moves the school report's count.
        _bump(model, [obj])
    audit.record(actor=actor, code=audit.DELETED, target=obj)
    obj.delete()


def _write_inlines(actor: Actor, inlines: Iterable[InlineChanges]) -> None:
    for changes in inlines:
        for obj in changes.deleted:
            _require(actor, type(obj))
            _delete(actor, obj)
        for obj in changes.new:
            _require(actor, type(obj))
            # The parent may have been added just now: take its new id before
            # the row's own save() reads it (a classroom subject's teacher).
            obj._prepare_related_fields_for_save(operation_name="save")
            _write(actor, obj, None)
        for obj, fields in changes.changed:
            _require(actor, type(obj))
            _write(actor, obj, fields)


def _save(actor, obj, fields, inlines=()) -> None:
    _require(actor, type(obj))
    with transaction.atomic(durable=True):
        _write(actor, obj, fields)
        _write_inlines(actor, inlines)
    logger.info(
        "structure_saved",
        actor_id=actor.user_id,
        model=type(obj)._meta.model_name,
        id=obj.pk,
    )


def school_year_save(
    *,
    actor: Actor,
    school_year: SchoolYear,
    fields: Iterable[str] | None = None,
    terms: InlineChanges | None = None,
) -> SchoolYear:
    """Add or change a school year, and its terms (the admin's inline)."""
    _save(actor, school_year, fields, [terms] if terms else [])
    return school_year


def term_save(*, actor: Actor, term: Term, fields: Iterable[str] | None = None) -> Term:
    """Add or change a term (its lock goes through classrooms.terms)."""
    _save(actor, term, fields)
    return term


def subject_save(
    *, actor: Actor, subject: Subject, fields: Iterable[str] | None = None
) -> Subject:
    _save(actor, subject, fields)
    return subject


def classroom_save(
    *,
    actor: Actor,
    classroom: Classroom,
    fields: Iterable[str] | None = None,
    subjects: InlineChanges | None = None,
    enrollments: InlineChanges | None = None,
) -> Classroom:
    """Add or change a classroom, with its subjects and enrollments (inlines)."""
    _save(actor, classroom, fields, [i for i in (subjects, enrollments) if i])
    return classroom


def classroom_subject_save(
    *,
    actor: Actor,
    classroom_subject: ClassroomSubject,
    fields: Iterable[str] | None = None,
) -> ClassroomSubject:
    _save(actor, classroom_subject, fields)
    return classroom_subject


def enrollment_save(
    *, actor: Actor, enrollment: Enrollment, fields: Iterable[str] | None = None
) -> Enrollment:
    """Add or change one enrollment (bulk moves: classrooms.services)."""
    _save(actor, enrollment, fields)
    return enrollment


def structure_delete(*, actor: Actor, objects: Iterable) -> None:
    """Delete school years, terms, subjects, classrooms, classroom subjects or
    enrollments the admin offers to delete (PROTECT refuses any with records),
    all or nothing."""
    objects = list(objects)
    for obj in objects:
        _require(actor, type(obj))
    with transaction.atomic(durable=True):
        for obj in objects:
            _delete(actor, obj)
    logger.info("structure_deleted", actor_id=actor.user_id, count=len(objects))


def rows_import(*, actor: Actor, model, new: list, changed: list) -> None:
    """Write a roster import of classrooms, classroom subjects or enrollments:
    `new` unsaved rows and (row, changed fields) pairs, in bulk, with one audit
    INSERT per kind (and per set of changed fields), whatever the row count."""
    if model not in (Classroom, ClassroomSubject, Enrollment):
        raise ValueError(f"No roster import of {model.__name__}.")
    _require(actor, model)
    by_fields = defaultdict(list)
    for obj, fields in changed:
        if fields:
            by_fields[tuple(sorted(fields))].append(obj)
    with transaction.atomic(durable=True):
        model.objects.bulk_create(new)
        audit.record_many(actor=actor, code=audit.ADDED, targets=new)
        for fields, objs in by_fields.items():
            model.objects.bulk_update(objs, list(fields))
            audit.record_many(
                actor=actor,
                code=audit.CHANGED,
                targets=objs,
                params=audit.field_changes(model, fields),
            )
        bumped = list(new) + [
            obj
            for fields, objs in by_fields.items()
            if SHOWN.get(model, set()) & set(fields)
            for obj in objs
        ]
        _bump(model, bumped)
    logger.info(
        "rows_imported",
        actor_id=actor.user_id,
        model=model._meta.model_name,
        new=len(new),
        changed=len(changed),
    )
