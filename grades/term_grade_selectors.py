"""Reads of term grades: the class sheet, how one grade was made, a student's results.

The teacher of a classroom subject and staff read its term grades; the access
check is `grades.selectors.get_classroom_subject_for_grading` (404 outsiders, 403
members). A student reads only their own published results (`student_results`).
Every function here runs a fixed number of queries, whatever the class size.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format, number_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

import policies
from accounts.models import User
from classrooms.models import Classroom, ClassroomSubject, Enrollment, Term
from grades import calc
from grades.cells import format_cell
from grades.models import Assessment, Category, GradeChange, Score, TermGrade
from grades.selectors import grade_bands
from school.collation import person_ordering

# ---------------------------------------------------------------------------
# Terms


def get_term(term_id: int) -> Term:
    """Any term, for staff (who see everything); 404 if there is none."""
    term = Term.objects.select_related("school_year").filter(pk=term_id).first()
    if term is None:
        raise Http404
    return term


# ---------------------------------------------------------------------------
# The inputs of the grade math, loaded once for a class


@dataclass(frozen=True)
class TermInputs:
    """Categories, non-archived assessments of a term and the scores on them."""

    categories: list[Category]
    assessments: list[Assessment]
    scores: dict[tuple[int, int], Score]  # (student_id, assessment_id) -> score

    def breakdown(self, student_id: int) -> calc.GradeBreakdown:
        category_inputs = [
            calc.CategoryInput(c.pk, c.name, c.weight) for c in self.categories
        ]
        score_inputs = []
        for assessment in self.assessments:
            score = self.scores.get((student_id, assessment.pk))
            score_inputs.append(
                calc.ScoreInput(
                    assessment.category_id,
                    score.state if score else calc.BLANK,
                    score.points if score else None,
                    assessment.max_points,
                )
            )
        return calc.term_grade(category_inputs, score_inputs)


def term_inputs(
    classroom_subject: ClassroomSubject,
    term: Term,
    student_ids: list[int] | None = None,
) -> TermInputs:
    """Three queries: categories, assessments, scores (of `student_ids` if given)."""
    categories = list(
        Category.objects.filter(classroom_subject=classroom_subject).order_by(
            "name", "pk"
        )
    )
    assessments = list(
        Assessment.objects.filter(
            classroom_subject=classroom_subject, term=term, archived_at__isnull=True
        ).order_by("due_on", "pk")
    )
    # No ordering: the default one joins four tables, and a dict needs none.
    scores = Score.objects.filter(assessment__in=[a.pk for a in assessments]).order_by()
    if student_ids is not None:
        scores = scores.filter(student_id__in=student_ids)
    return TermInputs(
        categories=categories,
        assessments=assessments,
        scores={(s.student_id, s.assessment_id): s for s in scores},
    )


@dataclass(frozen=True)
class Effective:
    """The grade as it stands now: computed (rounded), override, effective, letter."""

    computed: Decimal | None
    computed_letter: str
    override: Decimal | None
    percent: Decimal | None
    letter: str


def effective_grade(
    breakdown: calc.GradeBreakdown,
    term_grade: TermGrade | None,
    bands: list[tuple[str, Decimal]],
) -> Effective:
    override = term_grade.override if term_grade else None
    percent = calc.round_percent(calc.effective_percent(breakdown.rounded, override))
    return Effective(
        computed=breakdown.rounded,
        computed_letter=calc.letter_for(breakdown.rounded, bands),
        override=override,
        percent=percent,
        letter=calc.letter_for(percent, bands),
    )


def changed_since_publishing(term_grade: TermGrade | None, now: Effective) -> bool:
    """A published line whose percent or letter differs from the grade now."""
    if term_grade is None or term_grade.published_at is None:
        return False
    return (
        term_grade.published_percent != now.percent
        or term_grade.published_letter != now.letter
    )


# ---------------------------------------------------------------------------
# The class sheet (term grades page)


def current_student_ids(classroom_subject: ClassroomSubject) -> list[int]:
    """The students in the class now (withdrawn students' lines are read-only)."""
    return list(
        Enrollment.objects.current()
        .filter(classroom_id=classroom_subject.classroom_id)
        .order_by(*person_ordering("student__"))
        .values_list("student_id", flat=True)
    )


@dataclass(frozen=True)
class SheetRow:
    enrollment: Enrollment
    grade: Effective
    term_grade: TermGrade | None
    changed: bool  # published, and the grade now differs from the published line

    @property
    def student(self) -> User:
        return self.enrollment.student

    @property
    def is_published(self) -> bool:
        return self.term_grade is not None and self.term_grade.published_at is not None

    @property
    def comment(self) -> str:
        return self.term_grade.comment if self.term_grade else ""

    @property
    def override_reason(self) -> str:
        return self.term_grade.override_reason if self.term_grade else ""


@dataclass(frozen=True)
class TermGradeSheet:
    classroom_subject: ClassroomSubject
    term: Term
    rows: list[SheetRow]
    withdrawn_rows: list[SheetRow]
    bands: list[tuple[str, Decimal]]
    assessment_count: int

    @property
    def published_count(self) -> int:
        return sum(1 for row in self.rows if row.is_published)

    @property
    def changed_count(self) -> int:
        return sum(1 for row in self.rows if row.changed)


def term_grade_sheet(classroom_subject: ClassroomSubject, term: Term) -> TermGradeSheet:
    """Every student's term grade, in six queries for any class size.

    enrollments with students, categories, assessments, scores, term grades, bands.
    """
    enrollments = list(
        Enrollment.objects.filter(classroom_id=classroom_subject.classroom_id)
        .select_related("student")
        .order_by(*person_ordering("student__"))
    )
    inputs = term_inputs(classroom_subject, term)
    term_grades = {
        tg.student_id: tg
        for tg in TermGrade.objects.filter(
            classroom_subject=classroom_subject, term=term
        ).order_by()
    }
    bands = grade_bands()
    today = timezone.localdate()
    rows, withdrawn = [], []
    for enrollment in enrollments:
        term_grade = term_grades.get(enrollment.student_id)
        now = effective_grade(
            inputs.breakdown(enrollment.student_id), term_grade, bands
        )
        row = SheetRow(
            enrollment=enrollment,
            grade=now,
            term_grade=term_grade,
            changed=changed_since_publishing(term_grade, now),
        )
        (rows if enrollment.is_current(today) else withdrawn).append(row)
    return TermGradeSheet(
        classroom_subject=classroom_subject,
        term=term,
        rows=rows,
        withdrawn_rows=withdrawn,
        bands=bands,
        assessment_count=len(inputs.assessments),
    )


# ---------------------------------------------------------------------------
# How one grade was computed (detail page)

_FOUR_PLACES = Decimal("0.0001")


def exact_text(value: Decimal | None) -> str:
    """An unrounded value for people: up to four decimals, "≈" when cut short."""
    if value is None:
        return ""
    shown = value.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)
    text = number_format(Decimal(format(shown.normalize(), "f")))
    return text if shown == value else f"≈ {text}"


def plain(value: Decimal) -> str:
    """A number without trailing zeros, in the reader's locale: "7.5" / "7,5"."""
    return number_format(Decimal(format_cell(calc.GRADED, value)))


def score_text(state: str, points: Decimal | None) -> str:
    """A score for reading: localized points, else "EX", "M" or ""."""
    if state == calc.GRADED and points is not None:
        return plain(points)
    return format_cell(state, points)


@dataclass(frozen=True)
class AssessmentLine:
    assessment: Assessment
    score: Score | None
    state: str
    text: str  # as the gradebook shows it: "17.5", "EX", "M", ""

    @property
    def counts(self) -> bool:
        return self.state in (calc.GRADED, calc.MISSING)

    @property
    def max_text(self) -> str:
        return plain(self.assessment.max_points)


@dataclass(frozen=True)
class CategoryLine:
    category: Category
    result: calc.CategoryResult
    share: Decimal | None  # percent of the term grade this category carries now
    assessments: list[AssessmentLine]

    @property
    def percent_text(self) -> str:
        return exact_text(self.result.percent)

    @property
    def share_text(self) -> str:
        return exact_text(self.share)

    @property
    def weight_text(self) -> str:
        return plain(self.result.weight)

    @property
    def earned_text(self) -> str:
        return plain(self.result.earned)

    @property
    def possible_text(self) -> str:
        return plain(self.result.possible)


@dataclass(frozen=True)
class HistoryLine:
    change: GradeChange
    fields: list[tuple[str, str, str]]  # (what, before, after)


@dataclass(frozen=True)
class TermGradeExplanation:
    classroom_subject: ClassroomSubject
    term: Term
    enrollment: Enrollment
    breakdown: calc.GradeBreakdown
    categories: list[CategoryLine]
    grade: Effective
    term_grade: TermGrade | None
    changed: bool
    history: list[HistoryLine]
    bands: list[tuple[str, Decimal]]

    @property
    def student(self) -> User:
        return self.enrollment.student

    @property
    def percent_text(self) -> str:
        return exact_text(self.breakdown.percent)

    @property
    def counted_weight_text(self) -> str:
        return plain(
            sum(
                (line.result.weight for line in self.categories if line.share),
                Decimal(0),
            )
        )


_FIELD_LABELS = {
    "computed": _("Computed"),
    "override": _("Override"),
    "override_reason": _("Override reason"),
    "comment": _("Comment"),
    "published_percent": _("Published percent"),
    "published_letter": _("Published letter"),
    "published_at": _("Published at"),
}


_PERCENT_KEYS = {"computed", "override", "published_percent"}


def _shown(key: str, value) -> str:
    if value in (None, ""):
        return ""
    if key == "published_at":
        moment = parse_datetime(str(value))
        if moment is not None:
            return date_format(localtime(moment), "SHORT_DATETIME_FORMAT")
    if key in _PERCENT_KEYS:
        return number_format(Decimal(str(value)))
    return str(value)


def _history_fields(change: GradeChange) -> list[tuple[str, str, str]]:
    """What a change changed: (what, before, after) for each field that differs."""
    before = change.before or {}
    after = change.after or {}
    lines = []
    for key, label in _FIELD_LABELS.items():
        old, new = _shown(key, before.get(key)), _shown(key, after.get(key))
        if old != new:
            lines.append((label, old, new))
    return lines


def term_grade_explanation(
    classroom_subject: ClassroomSubject, term: Term, student_id: int
) -> TermGradeExplanation:
    """How a student's term grade was made, in seven queries; 404 if not in class.

    enrollment with student, categories, assessments, scores, term grade, bands,
    change history with who changed.
    """
    enrollment = (
        Enrollment.objects.filter(
            classroom_id=classroom_subject.classroom_id, student_id=student_id
        )
        .select_related("student")
        .first()
    )
    if enrollment is None:
        raise Http404
    inputs = term_inputs(classroom_subject, term, [student_id])
    term_grade = TermGrade.objects.filter(
        classroom_subject=classroom_subject, term=term, student_id=student_id
    ).first()
    bands = grade_bands()
    breakdown = inputs.breakdown(student_id)
    counted_weight = sum(
        (r.weight for r in breakdown.categories if r.percent is not None), Decimal(0)
    )
    lines = []
    for category, result in zip(inputs.categories, breakdown.categories, strict=True):
        assessments = []
        for assessment in inputs.assessments:
            if assessment.category_id != category.pk:
                continue
            score = inputs.scores.get((student_id, assessment.pk))
            state = score.state if score else calc.BLANK
            assessments.append(
                AssessmentLine(
                    assessment=assessment,
                    score=score,
                    state=state,
                    text=score_text(state, score.points if score else None),
                )
            )
        share = None
        if result.percent is not None and counted_weight:
            share = result.weight / counted_weight * 100
        lines.append(CategoryLine(category, result, share, assessments))
    grade = effective_grade(breakdown, term_grade, bands)
    history = []
    if term_grade is not None:
        history = [
            HistoryLine(change, _history_fields(change))
            for change in term_grade.changes.select_related("changed_by").order_by(
                "-changed_at", "-pk"
            )
        ]
    return TermGradeExplanation(
        classroom_subject=classroom_subject,
        term=term,
        enrollment=enrollment,
        breakdown=breakdown,
        categories=lines,
        grade=grade,
        term_grade=term_grade,
        changed=changed_since_publishing(term_grade, grade),
        history=history,
        bands=sorted(bands, key=lambda band: band[1], reverse=True),
    )


# ---------------------------------------------------------------------------
# A student's own results on their classroom page


@dataclass(frozen=True)
class PublishedScore:
    assessment: Assessment
    score: Score | None

    @property
    def state(self) -> str:
        return self.score.state if self.score else calc.BLANK

    @property
    def text(self) -> str:
        return score_text(self.state, self.score.points if self.score else None)

    @property
    def max_text(self) -> str:
        return plain(self.assessment.max_points)


@dataclass(frozen=True)
class SubjectTermGrade:
    classroom_subject: ClassroomSubject
    term_grade: TermGrade | None  # a published one only; None: not yet published


@dataclass(frozen=True)
class TermResults:
    term: Term
    lines: list[SubjectTermGrade]


@dataclass(frozen=True)
class SubjectScores:
    classroom_subject: ClassroomSubject
    scores: list[PublishedScore]


@dataclass(frozen=True)
class StudentResults:
    terms: list[TermResults]
    subjects: list[SubjectScores]


def student_results(student: User, classroom: Classroom) -> StudentResults | None:
    """A student's own published term grades and published scores in a classroom.

    None, without a query, for anyone who is not a student. The caller passes a
    classroom the student may see (`classrooms.selectors.get_classroom_for_user`);
    everything read here is the student's own and published: term grades with a
    published line (the snapshot, never the live grade) and scores of published,
    non-archived assessments. Four queries: terms, published term grades,
    published assessments, the student's scores on them (plus the classroom's
    subjects when they are not prefetched).
    """
    if not policies.may_see_own_results(student):
        return None
    subjects = list(classroom.subjects.all())
    terms = list(
        Term.objects.filter(school_year_id=classroom.school_year_id).order_by(
            "starts_on", "pk"
        )
    )
    published = {
        (tg.classroom_subject_id, tg.term_id): tg
        for tg in TermGrade.objects.filter(
            student=student,
            classroom_subject__classroom=classroom,
            published_at__isnull=False,
        ).order_by()
    }
    assessments = list(
        Assessment.objects.filter(
            classroom_subject__classroom=classroom,
            published_at__isnull=False,
            archived_at__isnull=True,
        )
        .select_related("category", "term")
        .order_by("term__starts_on", "due_on", "pk")
    )
    scores = {
        score.assessment_id: score
        for score in Score.objects.filter(
            student=student, assessment__in=[a.pk for a in assessments]
        ).order_by()
    }
    return StudentResults(
        terms=[
            TermResults(
                term,
                [
                    SubjectTermGrade(cs, published.get((cs.pk, term.pk)))
                    for cs in subjects
                ],
            )
            for term in terms
        ],
        subjects=[
            SubjectScores(
                cs,
                [
                    PublishedScore(a, scores.get(a.pk))
                    for a in assessments
                    if a.classroom_subject_id == cs.pk
                ],
            )
            for cs in subjects
        ],
    )
