"""Reads of gradebooks, scoped to who may grade them.

The teacher of a classroom subject and staff may open its gradebook. Anyone else
with a tie to the classroom (its students, its other teachers) gets 403; anyone
without one gets 404, as if the class did not exist.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from classrooms.models import ClassroomSubject, Enrollment, Term
from classrooms.selectors import visible_classrooms
from grades import calc
from grades.cells import format_cell
from grades.models import Assessment, Category, GradeBand, Score


def gradable_subjects(user: User, classroom_id: int):
    """The classroom subjects of a classroom that `user` grades (staff: all)."""
    subjects = ClassroomSubject.objects.filter(classroom_id=classroom_id)
    if not user.is_staff:
        subjects = subjects.filter(teacher=user)
    return subjects.select_related(
        "subject", "classroom__school_year", "teacher"
    ).order_by("subject__name")


def get_classroom_subject_for_grading(
    user: User, classroom_id: int, classroom_subject_id: int | None = None
) -> ClassroomSubject:
    """The gradebook's classroom subject, or 404 for outsiders and 403 for members.

    Without `classroom_subject_id`, the first subject the user grades there.
    """
    subjects = gradable_subjects(user, classroom_id)
    if classroom_subject_id is not None:
        subjects = subjects.filter(pk=classroom_subject_id)
    classroom_subject = subjects.first()
    if classroom_subject is not None:
        return classroom_subject
    if not visible_classrooms(user).filter(pk=classroom_id).exists():
        raise Http404
    if (
        classroom_subject_id is not None
        and not ClassroomSubject.objects.filter(
            pk=classroom_subject_id, classroom_id=classroom_id
        ).exists()
    ):
        raise Http404
    raise PermissionDenied


def terms_of(classroom_subject: ClassroomSubject) -> list[Term]:
    return list(
        Term.objects.filter(
            school_year_id=classroom_subject.classroom.school_year_id
        ).order_by("starts_on")
    )


def current_term(terms: list[Term], today=None) -> Term | None:
    today = today or timezone.localdate()
    for term in terms:
        if term.starts_on <= today <= term.ends_on:
            return term
    return terms[-1] if terms else None


@dataclass(frozen=True)
class GridCell:
    assessment: Assessment
    score: Score | None
    text: str
    version: int | None

    @property
    def comment(self) -> str:
        return self.score.comment if self.score else ""


@dataclass(frozen=True)
class GridRow:
    enrollment: Enrollment
    cells: list[GridCell]
    grade: calc.GradeBreakdown
    letter: str

    @property
    def student(self):
        return self.enrollment.student


@dataclass(frozen=True)
class ColumnSummary:
    assessment: Assessment
    average: Decimal | None


@dataclass(frozen=True)
class Gradebook:
    classroom_subject: ClassroomSubject
    term: Term
    categories: list[Category]
    assessments: list[Assessment]
    rows: list[GridRow]
    withdrawn_rows: list[GridRow]
    columns: list[ColumnSummary]
    bands: list[tuple[str, Decimal]]


def grade_bands() -> list[tuple[str, Decimal]]:
    return list(GradeBand.objects.values_list("letter", "min_percent"))


def gradebook(classroom_subject: ClassroomSubject, term: Term) -> Gradebook:
    """Everything the grid shows, in a fixed number of queries for any class size."""
    categories = list(classroom_subject.categories.order_by("name"))
    assessments = list(
        Assessment.objects.filter(
            classroom_subject=classroom_subject, term=term, archived_at__isnull=True
        )
        .select_related("category")
        .order_by("due_on", "pk")
    )
    enrollments = list(
        Enrollment.objects.filter(classroom_id=classroom_subject.classroom_id)
        .select_related("student")
        .order_by("student__full_name", "student__email")
    )
    scores = {
        (score.student_id, score.assessment_id): score
        for score in Score.objects.filter(assessment__in=assessments)
    }
    bands = grade_bands()
    category_inputs = [calc.CategoryInput(c.pk, c.name, c.weight) for c in categories]

    def row_for(enrollment):
        cells = []
        inputs = []
        for assessment in assessments:
            score = scores.get((enrollment.student_id, assessment.pk))
            state = score.state if score else "blank"
            points = score.points if score else None
            cells.append(
                GridCell(
                    assessment=assessment,
                    score=score,
                    text=format_cell(state, points),
                    version=score.version if score else None,
                )
            )
            inputs.append(
                calc.ScoreInput(
                    assessment.category_id, state, points, assessment.max_points
                )
            )
        grade = calc.term_grade(category_inputs, inputs)
        return GridRow(enrollment, cells, grade, calc.letter_for(grade.rounded, bands))

    today = timezone.localdate()
    rows, withdrawn = [], []
    for enrollment in enrollments:
        left = enrollment.withdrawn_on is not None and enrollment.withdrawn_on <= today
        (withdrawn if left else rows).append(row_for(enrollment))
    columns = [
        ColumnSummary(
            assessment,
            calc.assessment_average(
                (
                    (row.cells[index].score.state, row.cells[index].score.points)
                    for row in rows
                    if row.cells[index].score
                ),
                assessment.max_points,
            ),
        )
        for index, assessment in enumerate(assessments)
    ]
    return Gradebook(
        classroom_subject=classroom_subject,
        term=term,
        categories=categories,
        assessments=assessments,
        rows=rows,
        withdrawn_rows=withdrawn,
        columns=columns,
        bands=bands,
    )
