"""Server time and queries of the gradebook grid: the page, and a save of every cell.

Run:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/school_bench \
  .venv/bin/python bench/gradebook.py
It creates (and afterwards drops) a throwaway test database next to the one named.
Prints, for each grid size, the median over several runs of the server time and
the number of queries for GET (the page) and POST (a save that changes every cell).
"""

from decimal import Decimal
from functools import partial

from harness import RUNS, measure, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from classrooms.models import (  # noqa: E402
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from grades.models import Assessment, Category, Score  # noqa: E402

SIZES = [(40, 30), (60, 40)]  # (students, assessments)


def build(students_count, assessments_count, tag):
    teacher = User.objects.create_user(
        f"bench-teacher-{tag}@example.org",
        "x" * 16,
        full_name="Bench",
        role=Role.TEACHER,
    )
    year, _ = SchoolYear.objects.get_or_create(
        name="Bench", defaults={"starts_on": "2026-09-01", "ends_on": "2027-06-30"}
    )
    term, _ = Term.objects.get_or_create(
        school_year=year,
        name="T1",
        defaults={"starts_on": "2026-09-01", "ends_on": "2027-01-31"},
    )
    subject = Subject.objects.create(name=f"Bench {tag}", code=f"B{tag}")
    classroom = Classroom.objects.create(
        school_year=year, name=f"Bench {tag}", grade_level=7, teacher=teacher
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
            full_name=f"Student {n:03d}",
            role=Role.STUDENT,
        )
        for n in range(students_count)
    )
    Enrollment.objects.bulk_create(
        Enrollment(student=s, classroom=classroom, enrolled_on="2026-09-01")
        for s in students
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            classroom_subject=classroom_subject,
            term=term,
            category=category,
            title=f"A{n}",
            max_points=Decimal("20"),
        )
        for n in range(assessments_count)
    )
    Score.objects.bulk_create(
        Score(assessment=a, student=s, state="graded", points=Decimal("10"))
        for a in assessments
        for s in students
    )
    return teacher, classroom_subject, term, students, assessments


class FullSave:
    """A save that changes every cell on every run, as a full paste would."""

    def __init__(self, client, url, students, assessments):
        self.client, self.url = client, url
        self.keys = [f"{s.pk}-{a.pk}" for s in students for a in assessments]
        self.value, self.version = 10, 1

    def __call__(self):
        old, new = self.value, self.value % 20 + 1
        data = {}
        for key in self.keys:
            data[f"c-{key}"] = str(new)
            data[f"o-{key}"] = str(old)
            data[f"v-{key}"] = str(self.version)
        response = self.client.post(self.url, data)
        self.value, self.version = new, self.version + 1
        return response


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        print(f"database: {connection.vendor}; median of {RUNS} runs")
        print(f"{'grid':<12} {'GET ms':>8} {'GET q':>6} {'save ms':>8} {'save q':>7}")
        for tag, (students_count, assessments_count) in enumerate(SIZES):
            teacher, cs, term, students, assessments = build(
                students_count, assessments_count, tag
            )
            client = Client()
            client.force_login(teacher)
            url = reverse("gradebook", args=[cs.classroom_id]) + (
                f"?subject={cs.pk}&term={term.pk}"
            )
            get_ms, get_queries = measure(partial(client.get, url), ok=(200, 302))
            save_everything = FullSave(client, url, students, assessments)
            save_ms, save_queries = measure(save_everything, ok=(200, 302))
            label = f"{students_count} x {assessments_count}"
            print(
                f"{label:<12} {get_ms:>8.0f} {get_queries:>6.0f} "
                f"{save_ms:>8.0f} {save_queries:>7.0f}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
