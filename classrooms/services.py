"""Every write of enrollments: enrolling, moving and withdrawing students in bulk.

Nothing here deletes a record: a withdrawal sets a date and keeps the enrollment
(and every grade hanging from the student). Each write leaves one admin history
line per student (an audit event), so a student's page in the admin tells what
happened to them, when and by whom. Each service is one transaction and a fixed
number of queries, whatever the number of students.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

import structlog
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import DateField, Q, Value
from django.db.models.functions import Greatest

import policies
from accounts.models import Role, User
from classrooms import events
from classrooms.models import Classroom, Enrollment
from school import audit
from school.audit import Actor

logger = structlog.get_logger(__name__)


@dataclass
class EnrollmentOutcome:
    """Who a bulk enrollment write changed, and who it left alone and why."""

    changed: list[User] = field(default_factory=list)
    already: list[User] = field(default_factory=list)
    not_students: list[User] = field(default_factory=list)


def _require_staff(actor: Actor) -> None:
    if not policies.may_manage_enrollments(actor):
        raise PermissionDenied


def _split_students(users: Iterable[User]) -> tuple[list[User], list[User]]:
    students, others = [], []
    for user in users:
        (students if user.role == Role.STUDENT else others).append(user)
    return students, others


def _log(actor: Actor, users: list[User], code: str, **params) -> None:
    audit.record_many(actor=actor, code=code, targets=users, params=params)


def enrollments_enroll(
    *,
    actor: Actor,
    students: Iterable[User],
    classroom: Classroom,
    enrolled_on: datetime.date,
) -> EnrollmentOutcome:
    """Enroll `students` in `classroom` from `enrolled_on`.

    A student already enrolled there is left as is; one withdrawn from it comes
    back (the pair is unique: the same enrollment reopens, its history intact).
    """
    _require_staff(actor)
    students, others = _split_students(students)
    outcome = EnrollmentOutcome(not_students=others)
    with transaction.atomic():
        existing = {
            e.student_id: e
            for e in Enrollment.objects.select_for_update().filter(
                classroom=classroom, student__in=students
            )
        }
        new, reopened = [], []
        for student in students:
            enrollment = existing.get(student.pk)
            if enrollment is None:
                new.append(
                    Enrollment(
                        student=student, classroom=classroom, enrolled_on=enrolled_on
                    )
                )
                outcome.changed.append(student)
            elif enrollment.withdrawn_on is not None:
                reopened.append(enrollment.pk)
                outcome.changed.append(student)
            else:
                outcome.already.append(student)
        Enrollment.objects.bulk_create(new)
        if reopened:
            Enrollment.objects.filter(pk__in=reopened).update(withdrawn_on=None)
        _log(
            actor,
            outcome.changed,
            events.ENROLLED,
            classroom=str(classroom),
            date=enrolled_on.isoformat(),
        )
    logger.info(
        "students_enrolled",
        actor_id=actor.user_id,
        classroom_id=classroom.pk,
        count=len(outcome.changed),
    )
    return outcome


def _withdraw(enrollments, on: datetime.date) -> int:
    # A withdrawal never comes before the enrollment (a database CHECK): one
    # enrolled from a later date is withdrawn the day it starts.
    return enrollments.update(
        withdrawn_on=Greatest("enrolled_on", Value(on, output_field=DateField()))
    )


def enrollments_withdraw(
    *, actor: Actor, students: Iterable[User], on: datetime.date
) -> EnrollmentOutcome:
    """Withdraw `students` from every classroom they are in on `on`."""
    _require_staff(actor)
    students, others = _split_students(students)
    outcome = EnrollmentOutcome(not_students=others)
    with transaction.atomic():
        current = Enrollment.objects.select_for_update().filter(
            Enrollment.current_q(on=on), student__in=students
        )
        enrolled_ids = set(current.values_list("student_id", flat=True))
        _withdraw(Enrollment.objects.filter(pk__in=current.values("pk")), on)
        for student in students:
            target = outcome.changed if student.pk in enrolled_ids else outcome.already
            target.append(student)
        _log(
            actor,
            outcome.changed,
            events.WITHDRAWN,
            date=on.isoformat(),
        )
    logger.info(
        "students_withdrawn", actor_id=actor.user_id, count=len(outcome.changed)
    )
    return outcome


def enrollments_move(
    *,
    actor: Actor,
    students: Iterable[User],
    classroom: Classroom,
    on: datetime.date,
) -> EnrollmentOutcome:
    """Move `students` to `classroom` on `on`.

    Each is withdrawn (dated `on`) from the other classrooms of the same school
    year they are in, and enrolled in `classroom` from `on`. Their classrooms of
    other years are left alone, and so is everyone already there only.
    """
    _require_staff(actor)
    students, others = _split_students(students)
    outcome = EnrollmentOutcome(not_students=others)
    with transaction.atomic():
        rows = list(
            Enrollment.objects.select_for_update()
            .filter(student__in=students, classroom__school_year=classroom.school_year)
            .filter(Enrollment.current_q(on=on) | Q(classroom=classroom))
        )
        target = {e.student_id: e for e in rows if e.classroom_id == classroom.pk}
        leaving = [
            e.pk for e in rows if e.classroom_id != classroom.pk and e.is_current(on)
        ]
        leaving_students = {e.student_id for e in rows if e.pk in set(leaving)}
        _withdraw(Enrollment.objects.filter(pk__in=leaving), on)
        new, reopened = [], []
        for student in students:
            enrollment = target.get(student.pk)
            if enrollment is None:
                new.append(
                    Enrollment(student=student, classroom=classroom, enrolled_on=on)
                )
            elif not enrollment.is_current(on):
                reopened.append(enrollment.pk)
            elif student.pk not in leaving_students:
                outcome.already.append(student)
                continue
            outcome.changed.append(student)
        Enrollment.objects.bulk_create(new)
        if reopened:
            Enrollment.objects.filter(pk__in=reopened).update(withdrawn_on=None)
        _log(
            actor,
            outcome.changed,
            events.MOVED,
            classroom=str(classroom),
            date=on.isoformat(),
        )
    logger.info(
        "students_moved",
        actor_id=actor.user_id,
        classroom_id=classroom.pk,
        count=len(outcome.changed),
    )
    return outcome
