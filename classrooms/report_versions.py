"""Bumping the report version of classroom subjects (see grades.report_cache).

Every service that changes what a report shows calls one of these in its own
transaction. Rows are written in id order, so that two transactions bumping
overlapping sets wait for each other instead of deadlocking.
"""

from django.db import connection

from classrooms.models import ClassroomSubject, ReportVersion


def _upsert_sql(select_sql: str) -> str:
    table = ReportVersion._meta.db_table
    return (
        f"INSERT INTO {table} (classroom_subject_id, version) {select_sql} "
        f"ON CONFLICT (classroom_subject_id) "
        f"DO UPDATE SET version = {table}.version + 1"
    )


def bump_classroom_subjects(classroom_subject_ids) -> None:
    """Bump the version of each classroom subject, in the caller's transaction."""
    ids = sorted({int(pk) for pk in classroom_subject_ids if pk is not None})
    if not ids:
        return
    values = ", ".join(["(%s, 1)"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(f"VALUES {values}"), ids)


def bump_where(table: str, column: str, ids) -> None:
    """Bump the classroom subjects named by `column` of the rows `ids` of `table`
    (the assessments of some scores, say), in one statement."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not ids:
        return
    placeholders = ", ".join(["%s"] * len(ids))
    select_sql = (
        f"SELECT DISTINCT {column}, 1 FROM {table} "  # noqa: S608 - names, not data
        f"WHERE id IN ({placeholders}) ORDER BY {column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(select_sql), ids)


def bump_classrooms(classroom_ids) -> None:
    """Bump every classroom subject of these classrooms."""
    bump_classroom_subjects(
        ClassroomSubject.objects.filter(
            classroom_id__in=list(classroom_ids)
        ).values_list("pk", flat=True)
    )


def bump_subjects(subject_ids) -> None:
    """Bump every classroom subject teaching these subjects."""
    bump_classroom_subjects(
        ClassroomSubject.objects.filter(subject_id__in=list(subject_ids)).values_list(
            "pk", flat=True
        )
    )
