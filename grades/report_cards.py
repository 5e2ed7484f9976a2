"""Reads of report cards: one student's published term grades for one term.

Who may open a student's report card (`get_student_for_report_card`):

- the student themselves;
- their advisors (`accounts.Advising`) and staff: every line;
- a teacher who teaches the student a classroom subject: only the lines they
  teach;
- anyone else: 404, as if the student did not exist.

Only published data shows, by the rules of `term_grade_selectors.student_results`:
the published snapshot of a term grade (never the live grade) and the scores of
published, non-archived assessments. `report_card` runs a fixed number of queries
whatever the number of subjects and assessments.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, F
from django.http import Http404

import policies
from accounts.models import User
from classrooms.models import ClassroomSubject, Enrollment, Term
from grades import calc, report_cache
from grades.models import Assessment, Category, Score, TermGrade
from grades.term_grade_selectors import PublishedScore


def get_student_for_report_card(viewer: User, student_id: int) -> User:
    """The student whose report card `viewer` may open, or 404. One query.

    The student comes annotated with `viewer_sees_all`: whether the viewer reads
    every line (the student, an advisor, staff) or only the lines they teach.
    """
    student = (
        User.objects.filter(policies.report_cards_visible_to(viewer), pk=student_id)
        .annotate(
            sees_all=ExpressionWrapper(
                policies.report_cards_seen_whole_by(viewer),
                output_field=BooleanField(),
            )
        )
        .first()
    )
    if student is None:
        raise Http404
    student.viewer_sees_all = student.sees_all
    return student


def viewer_sees_all(viewer: User, student: User) -> bool:
    """Whether `viewer` reads every line of `student`'s card (not only theirs)."""
    annotated = getattr(student, "viewer_sees_all", None)
    if annotated is not None:
        return annotated
    return policies.sees_whole_report_card(viewer, student)


def terms_of_student(student: User) -> list[Term]:
    """The terms of every school year the student has a classroom in. One query."""
    return list(
        Term.objects.filter(
            school_year__in=Enrollment.objects.filter(student=student).values(
                "classroom__school_year"
            )
        )
        .select_related("school_year")
        .order_by("starts_on", "pk")
    )


@dataclass(frozen=True)
class CategoryWeight:
    category: Category

    @property
    def name(self) -> str:
        return self.category.name

    @property
    def weight(self) -> Decimal:
        return self.category.weight


@dataclass(frozen=True)
class ReportCardLine:
    classroom_subject: ClassroomSubject
    term_grade: TermGrade | None  # a published one only; None: not yet published
    withdrawn_on: object  # date the student left the classroom, or None
    categories: list[CategoryWeight]  # of the published assessments listed
    scores: list[PublishedScore]  # published, non-archived assessments

    @property
    def subject_name(self) -> str:
        return self.classroom_subject.subject.name

    @property
    def teacher_name(self) -> str:
        return str(self.classroom_subject.teacher)

    @property
    def is_published(self) -> bool:
        return self.term_grade is not None

    @property
    def percent(self) -> Decimal | None:
        return self.term_grade.published_percent if self.term_grade else None

    @property
    def letter(self) -> str:
        return self.term_grade.published_letter if self.term_grade else ""

    @property
    def comment(self) -> str:
        return self.term_grade.comment if self.term_grade else ""


@dataclass(frozen=True)
class ReportCard:
    school_name: str
    student: User
    term: Term
    lines: list[ReportCardLine]
    complete: bool  # the viewer sees every line (else only the lines they teach)

    @property
    def school_year(self):
        return self.term.school_year

    @property
    def overall_average(self) -> Decimal | None:
        """Plain mean of the published percents shown; None if none is published."""
        return calc.overall_average(line.percent for line in self.lines)


def report_card(student: User, term: Term, viewer: User) -> ReportCard:
    """`student`'s report card for `term`, as `viewer` may see it.

    The caller got `student` from `get_student_for_report_card` (or is the
    student). Lines: every classroom subject of the classrooms the student
    attended during the term (withdrawn enrollments included when they overlap the
    term); a teacher who is not an advisor gets only the subjects they teach.
    """
    complete = viewer_sees_all(viewer, student)
    return report_cards_of(
        [student], term, viewer, complete_for={student.pk} if complete else set()
    )[0]


def report_cards_of(
    students: list[User],
    term: Term,
    viewer: User,
    complete_for: set[int] | None = None,
) -> list[ReportCard]:
    """The report cards of `students` for `term`, as `viewer` may see them.

    `complete_for`: the ids of the students whose every line the viewer reads
    (computed when not given: all for staff, advisees for a teacher); for the
    others, only the lines the viewer teaches. The callers check that the viewer
    may see each student at all.

    Two queries when every card is cached (enrollments; classroom subjects with
    their versions), three more for the cards that are not: published term
    grades, published assessments with their categories, the students' scores on
    them. The same number for one student or a grade level.
    """
    if complete_for is None:
        complete_for = policies.students_seen_whole_among(
            viewer, [s.pk for s in students]
        )
    by_student = _enrollments_in_term([s.pk for s in students], term)
    subjects = list(
        ClassroomSubject.objects.filter(
            classroom_id__in={
                classroom_id
                for enrollments in by_student.values()
                for classroom_id in enrollments
            }
        )
        .select_related("subject", "teacher", "classroom")
        .annotate(cache_version=F("report_version__version"))
        .order_by("subject__name", "classroom__name", "pk")
    )
    subjects_of = {
        student.pk: [cs for cs in subjects if cs.classroom_id in by_student[student.pk]]
        for student in students
    }
    keys = {
        student.pk: _card_key(
            student.pk, term, by_student[student.pk], subjects_of[student.pk]
        )
        for student in students
    }
    cached = report_cache.get_many(list(keys.values()))
    lines_of = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [s.pk for s in students if s.pk not in lines_of]
    if missing:
        built = _build_lines(missing, term, by_student, subjects_of)
        report_cache.set_many({keys[pk]: built[pk] for pk in missing})
        lines_of.update(built)
    cards = []
    for student in students:
        complete = student.pk in complete_for
        lines = lines_of[student.pk]
        if not complete:
            lines = [
                line
                for line in lines
                if policies.may_see_report_line(
                    viewer, line.classroom_subject, whole=False
                )
            ]
        cards.append(
            ReportCard(
                school_name=settings.SCHOOL_NAME,
                student=student,
                term=term,
                lines=lines,
                complete=complete,
            )
        )
    return cards


def _enrollments_in_term(
    student_ids: list[int], term: Term
) -> dict[int, dict[int, Enrollment]]:
    """Per student, their enrollments that overlap `term`, by classroom id."""
    by_student = {pk: {} for pk in student_ids}
    enrollments = (
        Enrollment.objects.in_term(term)
        .filter(
            student_id__in=student_ids, classroom__school_year_id=term.school_year_id
        )
        .order_by("pk")
    )
    for enrollment in enrollments:
        by_student[enrollment.student_id][enrollment.classroom_id] = enrollment
    return by_student


def _card_key(student_id, term, enrollments, subjects) -> str:
    """Changes with any change to what the card shows: the versions of its
    classroom subjects, and the enrollments, subjects and teachers read fresh."""
    shown = report_cache.digest(
        [(e.classroom_id, e.withdrawn_on) for e in enrollments.values()],
        [
            (cs.pk, cs.cache_version, cs.teacher_id, str(cs.teacher), cs.subject.name)
            for cs in subjects
        ],
    )
    return f"report-card:{student_id}:{term.pk}:{shown}"


def _build_lines(
    student_ids: list[int], term: Term, by_student, subjects_of
) -> dict[int, list[ReportCardLine]]:
    subject_ids = {cs.pk for pk in student_ids for cs in subjects_of[pk]}
    published = {
        (tg.student_id, tg.classroom_subject_id): tg
        for tg in TermGrade.objects.filter(
            student_id__in=student_ids,
            term=term,
            classroom_subject_id__in=subject_ids,
            published_at__isnull=False,
        ).order_by()
    }
    assessments = list(
        Assessment.objects.filter(
            classroom_subject_id__in=subject_ids,
            term=term,
            published_at__isnull=False,
            archived_at__isnull=True,
        )
        .select_related("category")
        .order_by("due_on", "pk")
    )
    assessments_of = {}
    for assessment in assessments:
        assessments_of.setdefault(assessment.classroom_subject_id, []).append(
            assessment
        )
    scores = {
        (score.student_id, score.assessment_id): score
        for score in Score.objects.filter(
            student_id__in=student_ids, assessment_id__in=[a.pk for a in assessments]
        ).order_by()
    }
    lines_of = {}
    for pk in student_ids:
        lines = []
        for cs in subjects_of[pk]:
            own = assessments_of.get(cs.pk, [])
            categories = {}
            for assessment in own:
                categories.setdefault(assessment.category_id, assessment.category)
            lines.append(
                ReportCardLine(
                    classroom_subject=cs,
                    term_grade=published.get((pk, cs.pk)),
                    withdrawn_on=by_student[pk][cs.classroom_id].withdrawn_on,
                    categories=[
                        CategoryWeight(c)
                        for c in sorted(categories.values(), key=lambda c: c.name)
                    ],
                    scores=[PublishedScore(a, scores.get((pk, a.pk))) for a in own],
                )
            )
        lines_of[pk] = lines
    return lines_of
