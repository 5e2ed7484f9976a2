"""The load in one transaction: refuse or reset earlier bulk data, lock, write the
school, move the sequences, analyze."""

import time
from contextlib import nullcontext

from django.db import connection, models, transaction
from django.db.models import Q

from accounts.models import Advising, User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
)
from grades.models import Assessment, Category, GradeChange, Score, TermGrade

from .plan import DOMAIN, Options, SeedError, Summary
from .school import _calendar, _School, _subjects
from .writing import (
    Progress,
    _analyze,
    _foreign_keys_checked_once,
    _lock_tables,
    _reset_sequences,
)


def bulk_users():
    return User.objects.filter(email__iendswith=f"@{DOMAIN}")


def seed(options: Options, progress: Progress) -> Summary:
    started = time.perf_counter()
    summary = Summary()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Deleting or checking millions of rows outlasts the limit set for
            # web requests; like a migration, a load runs to the end.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
        if options.reset:
            summary.deleted = delete_bulk_data()
            summary.delete_seconds = time.perf_counter() - started
        elif bulk_users().exists():
            raise SeedError(
                f"The database already has seed_bulk data (users @{DOMAIN}); "
                "run with --reset to replace it."
            )
        keys = nullcontext()
        if connection.vendor == "postgresql":
            _lock_tables()
            keys = _foreign_keys_checked_once([Score, TermGrade], summary)
        year, terms = _calendar(options.terms)
        summary.school_year = year.name
        subjects = _subjects(options.subjects)
        with keys:
            _School(options, progress, year, terms, subjects).write()
        _reset_sequences()
    if connection.vendor == "postgresql":
        _analyze()
    summary.tables = progress.figures()
    summary.seconds = time.perf_counter() - started
    return summary


def delete_bulk_data() -> int:
    """Delete every seed_bulk user and what hangs from them; the row count."""
    users = bulk_users()
    rooms = Classroom.objects.filter(teacher__in=users)
    units = ClassroomSubject.objects.filter(classroom__in=rooms)
    scores = Score.objects.filter(
        Q(assessment__classroom_subject__in=units) | Q(student__in=users)
    )
    lines = TermGrade.objects.filter(
        Q(classroom_subject__in=units) | Q(student__in=users)
    )
    changes = GradeChange.objects.filter(
        Q(score__in=scores) | Q(term_grade__in=lines) | Q(changed_by__in=users)
    )
    deleted = 0
    # Millions of rows: one DELETE each, as the ORM does when nothing refers to a
    # model. QuerySet.delete() would load every score to look for grade changes
    # (PROTECT) pointing at it; those are deleted first instead.
    for queryset in (changes, scores, lines):
        deleted += queryset._raw_delete(queryset.db)
    # The ORM for the rest, leaves first: it clears what cascades from them (admin
    # log entries, report caches...) and refuses if other data still needs them.
    try:
        for queryset in (
            Assessment.objects.filter(classroom_subject__in=units),
            Category.objects.filter(classroom_subject__in=units),
            Enrollment.objects.filter(Q(classroom__in=rooms) | Q(student__in=users)),
            Advising.objects.filter(Q(teacher__in=users) | Q(student__in=users)),
            units,
            rooms,
            users,
        ):
            _total, by_model = queryset.delete()
            deleted += by_model.get(queryset.model._meta.label, 0)
    except (models.ProtectedError, models.RestrictedError) as error:
        raise SeedError(
            f"Other data refers to seed_bulk data; delete it first: {error}"
        ) from error
    return deleted
