"""Reads of gradebooks, scoped to who may grade them.

The teacher of a classroom subject and staff may open its gradebook. Anyone else
with a tie to the classroom (its students, its other teachers) gets 403; anyone
without one gets 404, as if the class did not exist.

The reads below `gradebook` (categories, archived assessments, a score's history)
take a classroom subject the caller has already opened this way.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

import policies
from accounts.models import User
from classrooms.models import ClassroomSubject, Enrollment, Term
from classrooms.selectors import visible_classrooms
from grades import calc
from grades.cells import format_cell
from grades.models import (
    Assessment,
    Category,
    GradeBand,
    GradeChange,
    Score,
    ScoreState,
)
from school.collation import person_ordering
from school.ids import id_or_404


def gradable_subjects(user: User, classroom_id: int):
    """The classroom subjects of a classroom that `user` grades (staff: all)."""
    subjects = ClassroomSubject.objects.filter(
        policies.subjects_gradable_by(user), classroom_id=classroom_id
    )
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


def current_term(terms: list[Term], today=None) -> Term | None:
    """The term running today; between terms the latest started; else the first."""
    today = today or timezone.localdate()
    for term in terms:
        if term.starts_on <= today <= term.ends_on:
            return term
    started = [term for term in terms if term.starts_on <= today]
    if started:
        return started[-1]
    return terms[0] if terms else None


def term_among(terms: list[Term], term_id) -> Term:
    """The term with `term_id` (from a URL or a form) among `terms`, else 404:
    a term of another year, an unknown or malformed id, or none at all."""
    wanted = id_or_404(term_id)
    for term in terms:
        if term.pk == wanted:
            return term
    raise Http404


def chosen_term(terms: list[Term], term_id) -> Term | None:
    """The term a page was asked for (`term_among`), or the current one when the
    request names none (None or ""); None only when there are no terms."""
    if term_id in (None, ""):
        return current_term(terms)
    return term_among(terms, term_id)


class StoredScore(NamedTuple):
    """What the grid shows of a score; read as a row, not a model instance, since a
    grid holds thousands of them."""

    state: str
    points: Decimal | None
    version: int
    comment: str


class GridCell(NamedTuple):
    """One cell of the grid (a tuple: a grid makes thousands of them)."""

    assessment: Assessment
    score: StoredScore | None
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
        .order_by(*person_ordering("student__"))
    )
    scores = {
        (student_id, assessment_id): StoredScore(state, points, version, comment)
        for student_id, assessment_id, state, points, version, comment in (
            # No ordering: the default one joins four tables.
            Score.objects.filter(assessment__in=assessments)
            .order_by()
            .values_list(
                "student_id", "assessment_id", "state", "points", "version", "comment"
            )
        )
    }
    bands = grade_bands()
    category_inputs = [calc.CategoryInput(c.pk, c.name, c.weight) for c in categories]

    # Read once, not once per cell: a 40 x 30 grid has 1,200 of them.
    columns_in = [(a, a.pk, a.category_id, a.max_points) for a in assessments]

    def row_for(enrollment):
        student_id = enrollment.student_id
        cells = []
        inputs = []
        for assessment, assessment_id, category_id, max_points in columns_in:
            score = scores.get((student_id, assessment_id))
            if score is None:
                cells.append(GridCell(assessment, None, "", None))
                inputs.append(
                    calc.ScoreInput(category_id, calc.BLANK, None, max_points)
                )
                continue
            cells.append(
                GridCell(
                    assessment,
                    score,
                    format_cell(score.state, score.points),
                    score.version,
                )
            )
            inputs.append(
                calc.ScoreInput(category_id, score.state, score.points, max_points)
            )
        grade = calc.term_grade(category_inputs, inputs)
        return GridRow(enrollment, cells, grade, calc.letter_for(grade.rounded, bands))

    today = timezone.localdate()
    rows, withdrawn = [], []
    for enrollment in enrollments:
        (rows if enrollment.is_current(today) else withdrawn).append(
            row_for(enrollment)
        )
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


@dataclass(frozen=True)
class GridTotals:
    rows: dict[int, tuple[Decimal | None, str]]  # student id: (rounded, letter)
    columns: dict[int, Decimal | None]  # assessment id: class average


def grid_totals(
    classroom_subject: ClassroomSubject,
    term: Term,
    student_ids: set[int],
    assessment_ids: set[int],
) -> GridTotals:
    """The term grades of some students and the averages of some columns, as the
    grid computes them, in three queries whatever the class size (assessments
    with their categories, the scores of the rows and columns, grade bands): an
    autosave needs only the totals its cells touched."""
    assessments = list(
        Assessment.objects.filter(
            classroom_subject=classroom_subject, term=term, archived_at__isnull=True
        ).select_related("category")
    )
    # A category with no assessment this term counts for nothing.
    category_inputs = [
        calc.CategoryInput(c.pk, c.name, c.weight)
        for c in {a.category_id: a.category for a in assessments}.values()
    ]
    today = timezone.localdate()
    # Column averages count the class's current students only (as the grid does).
    current = Exists(
        Enrollment.objects.current(today).filter(
            classroom_id=classroom_subject.classroom_id,
            student_id=OuterRef("student_id"),
        )
    )
    scores = {}
    current_cells = set()
    for student_id, assessment_id, state, points, is_current in (
        Score.objects.filter(assessment__in=assessments)
        .filter(
            Q(student_id__in=student_ids) | Q(current, assessment_id__in=assessment_ids)
        )
        .annotate(is_current=current)
        .order_by()
        .values_list("student_id", "assessment_id", "state", "points", "is_current")
    ):
        scores[(student_id, assessment_id)] = (state, points)
        if is_current:
            current_cells.add((student_id, assessment_id))
    bands = grade_bands()
    rows = {}
    for student_id in student_ids:
        inputs = []
        for assessment in assessments:
            state, points = scores.get((student_id, assessment.pk), (calc.BLANK, None))
            inputs.append(
                calc.ScoreInput(
                    assessment.category_id, state, points, assessment.max_points
                )
            )
        grade = calc.term_grade(category_inputs, inputs)
        rows[student_id] = (grade.rounded, calc.letter_for(grade.rounded, bands))
    columns = {
        assessment.pk: calc.assessment_average(
            (
                value
                for cell, value in scores.items()
                if cell[1] == assessment.pk and cell in current_cells
            ),
            assessment.max_points,
        )
        for assessment in assessments
        if assessment.pk in assessment_ids
    }
    return GridTotals(rows=rows, columns=columns)


# --- categories and archived assessments of a classroom subject -----------------


@dataclass(frozen=True)
class CategoryRow:
    category: Category
    share: Decimal | None  # percent of the total weight
    assessment_count: int


def category_rows(classroom_subject: ClassroomSubject) -> list[CategoryRow]:
    categories = list(
        classroom_subject.categories.annotate(
            assessment_count=Count("assessments")
        ).order_by("name")
    )
    total = sum((c.weight for c in categories), Decimal(0))
    return [
        CategoryRow(
            category=c,
            share=calc.round_percent(c.weight * 100 / total) if total else None,
            assessment_count=c.assessment_count,
        )
        for c in categories
    ]


def archived_assessments(classroom_subject: ClassroomSubject):
    return (
        Assessment.objects.filter(
            classroom_subject=classroom_subject, archived_at__isnull=False
        )
        .select_related("term", "category")
        .annotate(
            score_count=Count(
                "scores", filter=~Q(scores__state=ScoreState.BLANK), distinct=True
            )
        )
        .order_by("-archived_at", "pk")
    )


# --- one score's history ----------------------------------------------------------


@dataclass(frozen=True)
class ChangeLine:
    change: GradeChange
    before: str | None  # cell syntax; None: there was no score yet
    after: str | None
    comment_before: str | None
    comment_after: str | None

    @property
    def comment_changed(self) -> bool:
        return (self.comment_before or "") != (self.comment_after or "")


@dataclass(frozen=True)
class ScoreHistory:
    assessment: Assessment
    enrollment: Enrollment
    score: Score | None
    text: str
    changes: list[ChangeLine]


def _snapshot_text(snapshot) -> tuple[str | None, str | None]:
    if not snapshot:
        return None, None
    points = snapshot.get("points")
    text = format_cell(
        snapshot.get("state", "blank"), None if points is None else Decimal(points)
    )
    return text, snapshot.get("comment", "")


def score_history(classroom_subject, assessment_id: int, student_id: int):
    """One student's score on one assessment of `classroom_subject`, with its changes.

    A read scoped like the gradebook's: the caller has already checked that the
    user grades `classroom_subject`; an assessment of another subject or a student
    never enrolled in the class is 404. Four queries, whatever the history's length.
    """
    assessment = (
        Assessment.objects.filter(pk=assessment_id, classroom_subject=classroom_subject)
        .select_related("category", "term")
        .first()
    )
    if assessment is None:
        raise Http404
    enrollment = (
        Enrollment.objects.filter(
            classroom_id=classroom_subject.classroom_id, student_id=student_id
        )
        .select_related("student")
        .first()
    )
    if enrollment is None:
        raise Http404
    score = (
        Score.objects.filter(assessment=assessment, student_id=student_id)
        .select_related("updated_by")
        .first()
    )
    changes = []
    if score is not None:
        for change in score.changes.select_related("changed_by").order_by(
            "-changed_at", "-pk"
        ):
            before, comment_before = _snapshot_text(change.before)
            after, comment_after = _snapshot_text(change.after)
            changes.append(
                ChangeLine(change, before, after, comment_before, comment_after)
            )
    text = format_cell(score.state, score.points) if score else ""
    return ScoreHistory(assessment, enrollment, score, text, changes)
