"""What the in-process benchmarks build and send: a graded grid of students by
assessments, a save of every cell of it, and the autosave of one cell.

Import it after `harness.setup_django()`.
"""

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from accounts.models import Role, User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from grades.models import Assessment, Category, Score

# Never used to log in: the grid's teacher is logged in with force_login.
TEACHER_PASSWORD = "x" * 16
POINTS = Decimal("10")
MAX_POINTS = Decimal("20")


@dataclass(frozen=True)
class Grid:
    teacher: User
    classroom_subject: ClassroomSubject
    term: Term
    students: list[User]
    assessments: list[Assessment]

    @property
    def label(self) -> str:
        return f"{len(self.students)} x {len(self.assessments)}"

    @property
    def query(self) -> str:
        return f"?subject={self.classroom_subject.pk}&term={self.term.pk}"

    @property
    def url(self) -> str:
        classroom_id = self.classroom_subject.classroom_id
        return reverse("gradebook", args=[classroom_id]) + self.query

    @property
    def cells_url(self) -> str:
        classroom_id = self.classroom_subject.classroom_id
        return reverse("gradebook_cells", args=[classroom_id]) + self.query

    @property
    def keys(self) -> list[str]:
        return [f"{s.pk}-{a.pk}" for s in self.students for a in self.assessments]


def bench_term() -> Term:
    """A school year and term of the benchmarks' own, for a database without one."""
    year, _ = SchoolYear.objects.get_or_create(
        name="Bench", defaults={"starts_on": "2026-09-01", "ends_on": "2027-06-30"}
    )
    term, _ = Term.objects.get_or_create(
        school_year=year,
        name="T1",
        defaults={"starts_on": "2026-09-01", "ends_on": "2027-01-31"},
    )
    return term


def build_grid(students_count, assessments_count, tag, *, term=None) -> Grid:
    """A new teacher's class of new students, every cell scored 10 out of 20.

    The class is in `term` (its school year), or in the benchmarks' own term.
    """
    term = term or bench_term()
    teacher = User.objects.create_user(
        f"bench-teacher-{tag}@example.org",
        TEACHER_PASSWORD,
        full_name=f"Bench Teacher {tag}",
        role=Role.TEACHER,
    )
    subject = Subject.objects.create(name=f"Bench {tag}", code=f"B{tag}")
    classroom = Classroom.objects.create(
        school_year_id=term.school_year_id,
        name=f"Bench {tag}",
        grade_level=7,
        teacher=teacher,
    )
    classroom_subject = ClassroomSubject.objects.create(
        classroom=classroom, subject=subject, teacher=teacher
    )
    category = Category.objects.create(
        classroom_subject=classroom_subject, name="All", weight=Decimal("100")
    )
    students = User.objects.bulk_create(
        User(
            email=f"bench-{tag}-{n}@example.org",
            given_name="Student",
            family_name=f"{n:03d}",
            full_name=f"Student {n:03d}",
            role=Role.STUDENT,
        )
        for n in range(students_count)
    )
    Enrollment.objects.bulk_create(
        Enrollment(student=s, classroom=classroom, enrolled_on=term.starts_on)
        for s in students
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            classroom_subject=classroom_subject,
            term=term,
            category=category,
            title=f"A{n}",
            max_points=MAX_POINTS,
        )
        for n in range(assessments_count)
    )
    Score.objects.bulk_create(
        Score(assessment=a, student=s, state="graded", points=POINTS)
        for a in assessments
        for s in students
    )
    return Grid(teacher, classroom_subject, term, students, assessments)


def _next_value(value: int) -> int:
    return value % 20 + 1


class FullSave:
    """A Save of the grid that changes every cell on every run, as a full paste.

    Assumes the grid as `build_grid` left it and nothing else writing to it.
    """

    def __init__(self, client, grid: Grid):
        self.client, self.url, self.keys = client, grid.url, grid.keys
        self.value, self.version = int(POINTS), 1

    def __call__(self):
        old, new = self.value, _next_value(self.value)
        data = {}
        for key in self.keys:
            data[f"c-{key}"] = str(new)
            data[f"o-{key}"] = str(old)
            data[f"v-{key}"] = str(self.version)
        # Form-encoded, as a browser posts a form without files (the test client's
        # default, multipart, costs the server several times more to parse).
        response = self.client.post(
            self.url, urlencode(data), content_type="application/x-www-form-urlencoded"
        )
        self.value, self.version = new, self.version + 1
        return response


class CellAutosave:
    """The grid script's autosave of one changed cell (static/js/gradebook/network.js):
    a form-encoded POST to the cells endpoint, answered in JSON with the new
    version, which the next save sends back."""

    def __init__(self, client, grid: Grid):
        self.client, self.url = client, grid.cells_url
        student, assessment = grid.students[0], grid.assessments[0]
        self.key = f"{student.pk}-{assessment.pk}"
        score = Score.objects.get(student=student, assessment=assessment)
        self.value, self.version = int(score.points), score.version

    def __call__(self):
        self.value = _next_value(self.value)
        # Form-encoded, as the script's URLSearchParams body.
        response = self.client.post(
            self.url,
            urlencode(
                {
                    "cell": self.key,
                    f"c-{self.key}": str(self.value),
                    f"v-{self.key}": str(self.version),
                }
            ),
            content_type="application/x-www-form-urlencoded",
            headers={
                "X-Requested-With": "XMLHttpRequest",
                "Accept": "application/json",
            },
        )
        if response.status_code == 200:
            self.version = response.json()["cells"][self.key]["version"]
        return response
