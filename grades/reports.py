"""Reads for reports: a class's statistics for a term, and an advisor's advisees.

Both run a fixed number of queries, whatever the number of students, classes or
assessments.

- `class_report` takes a classroom subject the caller has already opened with
  `grades.selectors.get_classroom_subject_for_grading` (404 outsiders, 403
  members), and a term of its school year.
- `advisee_overview` is scoped by itself: it reads only the students the user
  advises (`accounts.Advising` rows whose teacher is the user).

The math follows DESIGN.md: a missing score counts as 0, excused and not-graded
scores do not count. A term grade is the effective one (the override when set,
else the computed percent), rounded as the term grades page shows it.

The passing mark: the lowest letter band above F, that is the `min_percent` of
the "D" band; 60 when the grading scale has no "D" band.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.utils import timezone

import policies
from accounts.models import Advising, User
from classrooms.models import ClassroomSubject, Enrollment, ReportVersion, Term
from classrooms.selectors import current_school_year
from grades import calc, report_cache
from grades.models import Assessment, Category, Score, TermGrade
from grades.selectors import current_term, grade_bands
from grades.term_grade_selectors import (
    Effective,
    effective_grade,
    term_inputs,
)
from school.collation import person_ordering

PASSING_BAND = "D"
DEFAULT_PASSING_PERCENT = Decimal("60")


def passing_mark(bands: list[tuple[str, Decimal]]) -> Decimal:
    """The min_percent of the "D" band, or 60 when there is none."""
    for letter, minimum in bands:
        if letter == PASSING_BAND:
            return minimum
    return DEFAULT_PASSING_PERCENT


def is_low(percent: Decimal | None, passing: Decimal) -> bool:
    return percent is not None and percent < passing


def _state(score: Score | None) -> str:
    return score.state if score is not None else calc.BLANK


# ---------------------------------------------------------------------------
# Class report


@dataclass(frozen=True)
class AssessmentStats:
    assessment: Assessment
    category: Category | None
    stats: calc.Stats  # over graded points/max*100 and missing as 0
    graded: int
    missing: int
    excused: int
    not_graded: int  # blank, or no score row yet


@dataclass(frozen=True)
class StudentGrade:
    enrollment: Enrollment
    grade: Effective
    missing: list[Assessment]
    low: bool  # below the passing mark

    @property
    def student(self) -> User:
        return self.enrollment.student


@dataclass(frozen=True)
class BandCount:
    letter: str
    minimum: Decimal
    count: int


@dataclass(frozen=True)
class ClassReport:
    classroom_subject: ClassroomSubject
    term: Term
    assessments: list[AssessmentStats]
    students: list[StudentGrade]  # in the class at the term's end (or today), by name
    stats: calc.Stats  # over the students' term grades
    bands: list[BandCount]  # highest band first
    buckets: list[tuple[str, int]]  # 0-9, 10-19 ... 90-100
    passing: Decimal
    at_risk: list[StudentGrade]

    @property
    def without_grade(self) -> int:
        return sum(1 for s in self.students if s.grade.percent is None)


def _bucket_label(start: int) -> str:
    end = 100 if start == 90 else start + 9
    return f"{start}-{end}"


def _buckets(percents: list[Decimal]) -> list[tuple[str, int]]:
    counts = [0] * 10
    for percent in percents:
        counts[min(int(percent // 10), 9)] += 1
    return [(_bucket_label(index * 10), count) for index, count in enumerate(counts)]


def class_report(classroom_subject: ClassroomSubject, term: Term) -> ClassReport:
    """Statistics of one classroom subject in one term.

    Its students are those in the class on the term's last day, or today while
    the term runs (or has yet to start): one who left after the term still counts
    for it, one who joined after it does not.

    Three queries when cached (those enrollments with students, grade bands,
    the classroom subject's report version), four more when not: categories,
    assessments, scores, term grades (for overrides).
    """
    day = min(timezone.localdate(), term.ends_on)
    enrollments = list(
        Enrollment.objects.in_term(term)
        .current(day)
        .filter(classroom_id=classroom_subject.classroom_id)
        .select_related("student")
        .order_by(*person_ordering("student__"))
    )
    bands = grade_bands()
    version = (
        ReportVersion.objects.filter(pk=classroom_subject.pk)
        .values_list("version", flat=True)
        .first()
    )
    key = "class-report:{}:{}:{}".format(
        classroom_subject.pk,
        term.pk,
        report_cache.digest(
            version,
            bands,
            [(e.pk, e.student_id, e.student.full_name) for e in enrollments],
        ),
    )
    report = report_cache.get(key)
    if report is None:
        report = _class_report(classroom_subject, term, enrollments, bands)
        report_cache.put(key, report)
    return report


def _class_report(
    classroom_subject: ClassroomSubject,
    term: Term,
    enrollments: list[Enrollment],
    bands: list[tuple[str, Decimal]],
) -> ClassReport:
    inputs = term_inputs(classroom_subject, term)
    term_grades = {
        tg.student_id: tg
        for tg in TermGrade.objects.filter(
            classroom_subject=classroom_subject, term=term
        ).order_by()
    }
    passing = passing_mark(bands)
    categories = {category.pk: category for category in inputs.categories}

    assessments = []
    for assessment in inputs.assessments:
        states = defaultdict(int)
        percents = []
        for enrollment in enrollments:
            score = inputs.scores.get((enrollment.student_id, assessment.pk))
            state = _state(score)
            states[state] += 1
            if state == calc.GRADED:
                # Exact fractions: statistics() rounds only at the end.
                percents.append(
                    Fraction(score.points) / Fraction(assessment.max_points) * 100
                )
            elif state == calc.MISSING:
                percents.append(Fraction(0))
        assessments.append(
            AssessmentStats(
                assessment=assessment,
                category=categories.get(assessment.category_id),
                stats=calc.statistics(percents),
                graded=states[calc.GRADED],
                missing=states[calc.MISSING],
                excused=states[calc.EXCUSED],
                not_graded=states[calc.BLANK],
            )
        )

    students = []
    for enrollment in enrollments:
        grade = effective_grade(
            inputs.breakdown(enrollment.student_id),
            term_grades.get(enrollment.student_id),
            bands,
        )
        missing = [
            a
            for a in inputs.assessments
            if _state(inputs.scores.get((enrollment.student_id, a.pk))) == calc.MISSING
        ]
        students.append(
            StudentGrade(enrollment, grade, missing, is_low(grade.percent, passing))
        )

    percents = [s.grade.percent for s in students if s.grade.percent is not None]
    letters = defaultdict(int)
    for student in students:
        if student.grade.percent is not None:
            letters[student.grade.letter] += 1
    at_risk = sorted(
        (s for s in students if s.low or s.missing),
        key=lambda s: (
            s.grade.percent if s.grade.percent is not None else Decimal(101),
            -len(s.missing),
        ),
    )
    return ClassReport(
        classroom_subject=classroom_subject,
        term=term,
        assessments=assessments,
        students=students,
        stats=calc.statistics(percents),
        bands=[
            BandCount(letter, minimum, letters[letter])
            for letter, minimum in sorted(bands, key=lambda b: b[1], reverse=True)
        ],
        buckets=_buckets(percents),
        passing=passing,
        at_risk=at_risk,
    )


# ---------------------------------------------------------------------------
# An advisor's advisees


@dataclass(frozen=True)
class SubjectLine:
    classroom_subject: ClassroomSubject
    running: Effective  # over every score, published or not
    term_grade: TermGrade | None
    missing: list[Assessment]
    low: bool

    @property
    def is_published(self) -> bool:
        return self.term_grade is not None and self.term_grade.published_at is not None

    @property
    def changed_since_publishing(self) -> bool:
        return self.is_published and (
            self.term_grade.published_percent != self.running.percent
        )


@dataclass(frozen=True)
class AdviseeLine:
    student: User
    subjects: list[SubjectLine] = field(default_factory=list)

    @property
    def low_count(self) -> int:
        return sum(1 for line in self.subjects if line.low)

    @property
    def missing_count(self) -> int:
        return sum(len(line.missing) for line in self.subjects)

    @property
    def needs_attention(self) -> bool:
        return bool(self.low_count or self.missing_count)


@dataclass(frozen=True)
class AdviseeOverview:
    term: Term | None
    advisees: list[AdviseeLine]  # those needing attention first
    passing: Decimal

    @property
    def attention_count(self) -> int:
        return sum(1 for line in self.advisees if line.needs_attention)


def advisee_overview(user: User, today=None) -> AdviseeOverview:
    """The user's advisees with every class of the current school year.

    Ten queries at most, whatever the number of advisees, classes and
    assessments: advising links with students; the current school year (two
    when no year contains today); its terms; current enrollments; their
    classroom subjects with subject and teacher; categories; assessments of the
    current term; the advisees' scores on them; their term grades; grade bands.
    With no advisees, one query.
    """
    today = today or timezone.localdate()
    links = list(
        Advising.objects.filter(policies.advising_links_of(user))
        .select_related("student")
        .order_by(*person_ordering("student__"))
    )
    if not links:
        return AdviseeOverview(term=None, advisees=[], passing=DEFAULT_PASSING_PERCENT)
    students = [link.student for link in links]
    student_ids = [s.pk for s in students]
    year = current_school_year(today)
    terms = (
        list(Term.objects.filter(school_year=year).order_by("starts_on", "pk"))
        if year
        else []
    )
    term = current_term(terms, today)
    enrollments = list(
        Enrollment.objects.current(today).filter(
            student_id__in=student_ids, classroom__school_year=year
        )
    )
    classrooms_of = defaultdict(set)
    for enrollment in enrollments:
        classrooms_of[enrollment.student_id].add(enrollment.classroom_id)
    classroom_ids = {e.classroom_id for e in enrollments}
    subjects = list(
        ClassroomSubject.objects.filter(classroom_id__in=classroom_ids)
        .select_related("classroom", "subject", "teacher")
        .order_by("classroom__name", "subject__name")
    )
    subject_ids = [cs.pk for cs in subjects]
    categories = defaultdict(list)
    for category in Category.objects.filter(
        classroom_subject_id__in=subject_ids
    ).order_by("name", "pk"):
        categories[category.classroom_subject_id].append(
            calc.CategoryInput(category.pk, category.name, category.weight)
        )
    assessments = defaultdict(list)
    scores = {}
    term_grades = {}
    if term is not None:
        for assessment in Assessment.objects.filter(
            classroom_subject_id__in=subject_ids, term=term, archived_at__isnull=True
        ).order_by("due_on", "pk"):
            assessments[assessment.classroom_subject_id].append(assessment)
        scores = {
            (score.student_id, score.assessment_id): score
            for score in Score.objects.filter(
                student_id__in=student_ids,
                assessment__classroom_subject_id__in=subject_ids,
                assessment__term=term,
                assessment__archived_at__isnull=True,
            ).order_by()
        }
        term_grades = {
            (tg.student_id, tg.classroom_subject_id): tg
            for tg in TermGrade.objects.filter(
                student_id__in=student_ids,
                classroom_subject_id__in=subject_ids,
                term=term,
            ).order_by()
        }
    bands = grade_bands()
    passing = passing_mark(bands)

    lines = []
    for student in students:
        line = AdviseeLine(student)
        for cs in subjects:
            if cs.classroom_id not in classrooms_of[student.pk]:
                continue
            inputs, missing = [], []
            for assessment in assessments[cs.pk]:
                score = scores.get((student.pk, assessment.pk))
                state = _state(score)
                if state == calc.MISSING:
                    missing.append(assessment)
                inputs.append(
                    calc.ScoreInput(
                        assessment.category_id,
                        state,
                        score.points if score else None,
                        assessment.max_points,
                    )
                )
            term_grade = term_grades.get((student.pk, cs.pk))
            running = effective_grade(
                calc.term_grade(categories[cs.pk], inputs), term_grade, bands
            )
            line.subjects.append(
                SubjectLine(
                    classroom_subject=cs,
                    running=running,
                    term_grade=term_grade,
                    missing=missing,
                    low=is_low(running.percent, passing),
                )
            )
        lines.append(line)
    # Stable sort: those needing attention first, most to look at first; by name.
    lines.sort(
        key=lambda line: (
            not line.needs_attention,
            -(line.low_count + line.missing_count),
        )
    )
    return AdviseeOverview(term=term, advisees=lines, passing=passing)
