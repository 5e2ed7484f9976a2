"""Reads for batch report cards: who may ask for which batch, and its students.

- A classroom's batch: staff, and the teachers of one of its subjects (404 for a
  classroom the teacher has no tie to, 403 for its homeroom teacher who teaches
  none of it); each card then shows what the requester may see of that student
  (`grades.report_cards.report_cards_of`).
- A grade level's batch: staff only.
- A batch is seen and downloaded only by whoever asked for it (404 for anyone
  else).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

import policies
from accounts.models import User
from classrooms.models import Classroom, Enrollment, Term
from classrooms.selectors import get_classroom_for_user
from grades.models import ReportBatch
from school.collation import person_ordering


def get_classroom_for_batch(user: User, classroom_id: int) -> Classroom:
    classroom = get_classroom_for_user(user, classroom_id)
    if not policies.may_request_class_batch(user, classroom):
        raise PermissionDenied
    return classroom


def get_batch_for_user(user: User, batch_id: int, *, with_pdf: bool = False):
    """The batch `user` asked for, or 404. The PDF's bytes only when wanted."""
    batches = ReportBatch.objects.select_related(
        "term__school_year", "classroom__school_year"
    ).filter(policies.batches_visible_to(user), pk=batch_id)
    if not with_pdf:
        batches = batches.defer("pdf")
    batch = batches.first()
    if batch is None:
        raise Http404
    return batch


def students_of_batch(batch: ReportBatch) -> list[User]:
    """The students enrolled during the batch's term in its classroom or grade
    level, each once, by classroom then name. One query."""
    return students_in_term(
        batch.term, classroom=batch.classroom, grade_level=batch.grade_level
    )


def students_in_term(
    term: Term, *, classroom: Classroom | None = None, grade_level: int | None = None
) -> list[User]:
    enrollments = Enrollment.objects.in_term(term).filter(
        classroom__school_year_id=term.school_year_id
    )
    if classroom is not None:
        enrollments = enrollments.filter(classroom=classroom)
    else:
        enrollments = enrollments.filter(classroom__grade_level=grade_level)
    students = {}
    for enrollment in enrollments.select_related("student").order_by(
        "classroom__name", *person_ordering("student__"), "pk"
    ):
        students.setdefault(enrollment.student_id, enrollment.student)
    return list(students.values())


def grade_levels_of(term: Term) -> list[int]:
    """The grade levels that have classrooms in the term's school year."""
    return list(
        Classroom.objects.filter(school_year_id=term.school_year_id)
        .order_by("grade_level")
        .values_list("grade_level", flat=True)
        .distinct()
    )
