"""Server time and queries of the reports, and the PDF of a whole class.

Run:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/school_bench \\
  .venv/bin/python bench/reports.py
It creates (and afterwards drops) a throwaway test database next to the one named,
loads the demo school (seed_demo) plus a 40-student class with published grades, and
prints the median over several runs of each page's server time and query count, and
the time to build one PDF with a report card per student of that class.
"""

import io
import time
from functools import partial

from harness import RUNS, measure, setup_django

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from classrooms.models import ClassroomSubject, Enrollment  # noqa: E402
from grades.pdf import report_cards_pdf  # noqa: E402
from grades.report_cards import report_card  # noqa: E402
from grades.selectors import terms_of  # noqa: E402
from grades.services.term_grades import term_grades_publish  # noqa: E402


def term_start(classroom):
    return classroom.school_year.starts_on


def main():
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        call_command("seed_demo", force=True, verbosity=0, stdout=io.StringIO())
        classroom_subject = ClassroomSubject.objects.select_related("classroom").first()
        classroom = classroom_subject.classroom
        # The demo classes have 25 students; a 40-student class is the target.
        for n in range(40 - classroom.enrollments.count()):
            extra = User.objects.create_user(
                f"bench-extra-{n}@example.org",
                "x" * 16,
                full_name=f"Extra Student {n:02d}",
                role=Role.STUDENT,
            )
            Enrollment.objects.create(
                student=extra, classroom=classroom, enrolled_on=term_start(classroom)
            )
        term = terms_of(classroom_subject)[0]
        for subject in classroom.subjects.select_related("teacher"):
            term_grades_publish(
                actor=subject.teacher, classroom_subject=subject, term=term, reason=""
            )
        student = Enrollment.objects.filter(classroom=classroom).first().student
        admin = User.objects.filter(role=Role.ADMIN).first()
        client = Client()
        client.force_login(admin)
        pages = {
            "report card": reverse("student_report_card", args=[student.pk])
            + f"?term={term.pk}",
            "report card PDF": reverse("report_card_pdf", args=[student.pk, term.pk]),
            "class report": reverse(
                "class_report", args=[classroom.pk, classroom_subject.pk, term.pk]
            ),
        }
        print(f"database: {connection.vendor}; median of {RUNS} runs")
        print(f"{'page':<22} {'ms':>6} {'queries':>8}")
        for label, url in pages.items():
            ms, queries = measure(partial(client.get, url))
            print(f"{label:<22} {ms:>6.0f} {queries:>8.0f}")
        students = [e.student for e in Enrollment.objects.filter(classroom=classroom)]
        start = time.perf_counter()
        cards = [report_card(s, term, admin) for s in students]
        pdf = report_cards_pdf(cards)
        seconds = time.perf_counter() - start
        print(
            f"class PDF: {len(students)} students, {len(pdf) / 1024:.0f} KiB, "
            f"{seconds * 1000:.0f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
