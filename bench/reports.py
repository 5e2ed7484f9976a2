"""Server time and queries of the reports, and the batch PDF of a whole class.

Run:
  DATABASE_URL=postgres://postgres@127.0.0.1:5432/school_bench \\
  .venv/bin/python bench/reports.py
It creates (and afterwards drops) a throwaway test database next to the one named,
loads the demo school (seed_demo) plus a 40-student class with published grades, and
prints the median over several runs of each page's server time and query count
(report card and class report both cold, with the cache emptied before each run,
and cached), and of the task that builds the batch PDF of that class.
Set REDIS_URL to measure with Redis as the cache, as in production.
"""

import io
from functools import partial

from harness import RUNS, measure, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from classrooms.models import ClassroomSubject, Enrollment  # noqa: E402
from classrooms.selectors import terms_of  # noqa: E402
from grades.models import ReportBatch  # noqa: E402
from grades.services.report_batch_build import report_batch_build  # noqa: E402
from grades.services.term_grades import term_grades_publish  # noqa: E402
from school.audit import Actor  # noqa: E402


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
        term = terms_of(classroom_subject.classroom)[0]
        for subject in classroom.subjects.select_related("teacher"):
            term_grades_publish(
                actor=Actor(user=subject.teacher),
                classroom_subject=subject,
                term=term,
                reason="",
            )
        student = Enrollment.objects.filter(classroom=classroom).first().student
        admin = User.objects.filter(role=Role.ADMIN).first()
        client = Client()
        client.force_login(admin)
        card_url = (
            reverse("student_report_card", args=[student.pk]) + f"?term={term.pk}"
        )
        class_url = reverse(
            "class_report", args=[classroom.pk, classroom_subject.pk, term.pk]
        )
        pages = [
            ("report card, cold", card_url, cache.clear),
            ("report card, cached", card_url, None),
            (
                "report card PDF",
                reverse("report_card_pdf", args=[student.pk, term.pk]),
                None,
            ),
            ("class report, cold", class_url, cache.clear),
            ("class report, cached", class_url, None),
            ("school report", reverse("school_report") + f"?term={term.pk}", None),
        ]
        backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"database: {connection.vendor}; cache: {backend}")
        print(f"median of {RUNS} runs")
        print(f"{'page':<26} {'ms':>7} {'queries':>8}")
        for label, url, before in pages:
            client.get(url)  # warm: the cached rows read what this stored
            ms, queries = measure(partial(client.get, url), before=before)
            print(f"{label:<26} {ms:>7.1f} {queries:>8.0f}")

        students = classroom.enrollments.count()

        def build_batch():
            batch = ReportBatch.objects.create(
                requested_by=admin, term=term, classroom=classroom, total=students
            )
            report_batch_build(batch.pk)

        ms, queries = measure(build_batch, before=cache.clear, runs=3)
        pdf = ReportBatch.objects.order_by("-pk").first().pdf
        print(
            f"{'batch PDF, ' + str(students) + ' cards':<26} {ms:>7.1f} "
            f"{queries:>8.0f}   ({len(pdf) / 1024:.0f} KiB, median of 3, cold)"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
