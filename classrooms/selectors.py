"""Reads of classrooms, scoped to what the user may see.

A classroom the user has no tie to does not exist for them: `get_classroom_for_user`
raises 404 rather than confirm it.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

import policies
from accounts.models import User
from classrooms.models import Classroom, ClassroomSubject, Enrollment, SchoolYear, Term
from school.collation import person_ordering

SUBJECTS_WITH_TEACHERS = Prefetch(
    "subjects",
    queryset=ClassroomSubject.objects.select_related("subject", "teacher").order_by(
        "subject__name"
    ),
)


def current_school_year(today=None) -> SchoolYear | None:
    today = today or timezone.localdate()
    return (
        SchoolYear.objects.filter(starts_on__lte=today, ends_on__gte=today).first()
        or SchoolYear.objects.order_by("-starts_on").first()
    )


@dataclass(frozen=True)
class TeacherClasses:
    homerooms: list[Classroom]
    taught_subjects: list[ClassroomSubject]


def classes_taught_by(teacher: User) -> TeacherClasses:
    homerooms = list(
        Classroom.objects.filter(policies.classrooms_taught_by(teacher))
        .select_related("school_year")
        .prefetch_related(SUBJECTS_WITH_TEACHERS)
        .order_by("-school_year__starts_on", "grade_level", "name")
    )
    taught = list(
        ClassroomSubject.objects.filter(policies.subjects_taught_by(teacher))
        .select_related("classroom__school_year", "subject")
        .order_by(
            "-classroom__school_year__starts_on", "classroom__name", "subject__name"
        )
    )
    return TeacherClasses(homerooms=homerooms, taught_subjects=taught)


def current_classes_of_student(student: User) -> list[Classroom]:
    enrollments = Enrollment.objects.current().filter(student=student)
    return list(
        Classroom.objects.filter(enrollments__in=enrollments)
        .select_related("school_year", "teacher")
        .prefetch_related(SUBJECTS_WITH_TEACHERS)
        .order_by("-school_year__starts_on", "name")
    )


def terms_of(classroom: Classroom) -> list[Term]:
    """The terms of the classroom's school year, in order. One query."""
    return list(
        Term.objects.filter(school_year_id=classroom.school_year_id).order_by(
            "starts_on", "pk"
        )
    )


def all_classrooms() -> list[Classroom]:
    return list(
        Classroom.objects.select_related("school_year", "teacher")
        .prefetch_related(SUBJECTS_WITH_TEACHERS)
        .order_by("-school_year__starts_on", "grade_level", "name")
    )


def visible_classrooms(user: User):
    """Classrooms the user has a tie to: teaches or is enrolled in now (staff: all)."""
    return Classroom.objects.filter(policies.classrooms_visible_to(user))


def get_classroom_for_user(user: User, pk: int) -> Classroom:
    classroom = (
        visible_classrooms(user)
        .select_related("school_year", "teacher")
        .prefetch_related(SUBJECTS_WITH_TEACHERS)
        .filter(pk=pk)
        .first()
    )
    if classroom is None:
        raise Http404
    return classroom


@dataclass(frozen=True)
class Roster:
    current: list[Enrollment]
    withdrawn: list[Enrollment]


def roster_of(classroom: Classroom) -> Roster:
    today = timezone.localdate()
    enrollments = list(
        classroom.enrollments.select_related("student").order_by(
            *person_ordering("student__")
        )
    )
    return Roster(
        current=[e for e in enrollments if e.is_current(today)],
        withdrawn=[e for e in enrollments if not e.is_current(today)],
    )


@dataclass(frozen=True)
class SchoolOverview:
    school_year: SchoolYear | None
    terms: list[Term]
    classroom_count: int
    student_count: int
    teacher_count: int
    enrollment_count: int


def school_overview() -> SchoolOverview:
    year = current_school_year()
    terms = list(year.terms.order_by("starts_on")) if year else []
    classrooms = (
        Classroom.objects.filter(school_year=year) if year else Classroom.objects.none()
    )
    return SchoolOverview(
        school_year=year,
        terms=terms,
        classroom_count=classrooms.count(),
        student_count=User.objects.active().students().count(),
        teacher_count=User.objects.active().teachers().count(),
        enrollment_count=Enrollment.objects.current()
        .filter(classroom__in=classrooms)
        .count(),
    )
