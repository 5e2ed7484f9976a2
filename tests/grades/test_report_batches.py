"""Batch report cards: one PDF per classroom or grade level, built by a task, with
progress, downloaded by whoever asked for it."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from grades.models import ReportBatch, ReportBatchStatus
from grades.services.report_batch_build import report_batch_build
from school.collation import name_key
from tests import factories
from tests.grades.conftest import add_students, run_worker
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def publish_grade(student, classroom_subject, term, percent, letter):
    return factories.TermGradeFactory(
        student=student,
        classroom_subject=classroom_subject,
        term=term,
        computed=Decimal(percent),
        published_percent=Decimal(percent),
        published_letter=letter,
        published_at=timezone.now(),
    )


@pytest.fixture
def history(classroom, other_teacher):
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="History", code="HIST"),
        teacher=other_teacher,
    )


@pytest.fixture
def class_of_five(classroom, classroom_subject, history, term, student):
    """Sofía plus four classmates; everyone has Mathematics and History published."""
    students = [student, *add_students(classroom, 4)]
    for index, someone in enumerate(students):
        publish_grade(someone, classroom_subject, term, f"{80 + index}.0", "B")
        publish_grade(someone, history, term, f"{60 + index}.0", "D")
    return students


def ask_for_classroom(client, classroom, term, capture):
    with capture(execute=True):
        return client.post(
            reverse("classroom_report_batch", args=[classroom.pk]), {"term": term.pk}
        )


class TestClassroomBatch:
    def test_the_teacher_gets_one_page_per_student_with_their_lines_only(
        self,
        client,
        teacher,
        classroom,
        term,
        class_of_five,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(teacher)
        response = ask_for_classroom(
            client, classroom, term, django_capture_on_commit_callbacks
        )
        batch = ReportBatch.objects.get()
        assert response.status_code == 302
        assert response.url == reverse("report_batch", args=[batch.pk])
        assert batch.status == ReportBatchStatus.DONE
        assert (batch.total, batch.done) == (5, 5)

        page = client.get(response.url)
        download = reverse("report_batch_download", args=[batch.pk])
        assert download in page.content.decode()
        pdf = client.get(download)
        assert pdf["Content-Type"] == "application/pdf"
        assert "attachment" in pdf["Content-Disposition"]
        pages = pdf_pages(pdf.content)
        assert len(pages) == len(class_of_five)
        # By family name, then given name, as the collation orders them.
        by_name = [
            student.full_name
            for student in sorted(
                class_of_five,
                key=lambda s: (name_key(s.family_name), name_key(s.given_name), s.pk),
            )
        ]
        assert [name in text for name, text in zip(by_name, pages, strict=True)] == [
            True
        ] * 5
        for text in pages:
            assert "Mathematics" in text
            # History is the other teacher's: the class teacher does not see it.
            assert "History" not in text

    def test_week_old_batches_of_the_requester_are_cleared(
        self,
        client,
        teacher,
        other_teacher,
        classroom,
        term,
        class_of_five,
        django_capture_on_commit_callbacks,
    ):
        old = timezone.now() - datetime.timedelta(days=8)
        recent = timezone.now() - datetime.timedelta(days=6)
        mine_old, mine_recent, theirs_old = (
            ReportBatch.objects.create(
                requested_by=who,
                term=term,
                classroom=classroom,
                status=ReportBatchStatus.DONE,
                finished_at=when,
            )
            for who, when in ((teacher, old), (teacher, recent), (other_teacher, old))
        )
        client.force_login(teacher)
        ask_for_classroom(client, classroom, term, django_capture_on_commit_callbacks)
        left = set(ReportBatch.objects.values_list("pk", flat=True))
        assert mine_old.pk not in left
        assert {mine_recent.pk, theirs_old.pk} <= left
        assert len(left) == 3

    def test_staff_get_every_line(
        self,
        client,
        admin,
        classroom,
        term,
        class_of_five,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(admin)
        ask_for_classroom(client, classroom, term, django_capture_on_commit_callbacks)
        batch = ReportBatch.objects.get()
        pages = pdf_pages(bytes(batch.pdf))
        assert len(pages) == 5
        assert all("Mathematics" in text and "History" in text for text in pages)

    def test_a_withdrawn_student_has_a_page_for_the_term_they_attended(
        self,
        client,
        admin,
        classroom,
        term,
        class_of_five,
        django_capture_on_commit_callbacks,
    ):
        leaver = factories.EnrollmentFactory(
            classroom=classroom, withdrawn_on=term.ends_on
        ).student
        client.force_login(admin)
        ask_for_classroom(client, classroom, term, django_capture_on_commit_callbacks)
        pages = pdf_pages(bytes(ReportBatch.objects.get().pdf))
        assert len(pages) == 6
        assert any(leaver.full_name in text for text in pages)

    def test_a_student_may_not_ask(self, client, student, classroom, term):
        client.force_login(student)
        response = client.post(
            reverse("classroom_report_batch", args=[classroom.pk]), {"term": term.pk}
        )
        assert response.status_code == 403
        assert not ReportBatch.objects.exists()

    def test_the_homeroom_teacher_who_teaches_none_of_it_gets_403(
        self, client, classroom, term, history
    ):
        factories.EnrollmentFactory(classroom=classroom)
        client.force_login(classroom.teacher)
        response = client.post(
            reverse("classroom_report_batch", args=[classroom.pk]), {"term": term.pk}
        )
        assert response.status_code == 403
        assert not ReportBatch.objects.exists()

    def test_another_subjects_teacher_gets_only_that_subject(
        self,
        client,
        other_teacher,
        classroom,
        term,
        class_of_five,
        django_capture_on_commit_callbacks,
    ):
        client.force_login(other_teacher)
        ask_for_classroom(client, classroom, term, django_capture_on_commit_callbacks)
        pages = pdf_pages(bytes(ReportBatch.objects.get().pdf))
        assert len(pages) == 5
        assert all("History" in t and "Mathematics" not in t for t in pages)

    def test_a_teacher_of_another_classroom_gets_404(
        self, client, classroom, term, class_of_five
    ):
        client.force_login(factories.TeacherFactory())
        response = client.post(
            reverse("classroom_report_batch", args=[classroom.pk]), {"term": term.pk}
        )
        assert response.status_code == 404
        assert not ReportBatch.objects.exists()

    def test_a_term_of_another_year_is_404(
        self, client, teacher, classroom, classroom_subject
    ):
        last_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(-1).name,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).year_end,
        )
        other_term = factories.TermFactory(
            school_year=last_year,
            starts_on=SCHOOL.shifted(-1).year_start,
            ends_on=SCHOOL.shifted(-1).first_term_end,
        )
        factories.EnrollmentFactory(classroom=classroom)
        client.force_login(teacher)
        response = client.post(
            reverse("classroom_report_batch", args=[classroom.pk]),
            {"term": other_term.pk},
        )
        assert response.status_code == 404

    def test_an_empty_class_says_so_and_stores_nothing(
        self, client, teacher, classroom, classroom_subject, term
    ):
        client.force_login(teacher)
        response = client.post(
            reverse("classroom_report_batch", args=[classroom.pk]),
            {"term": term.pk},
            follow=True,
        )
        assert "No students were enrolled during Autumn." in response.content.decode()
        assert not ReportBatch.objects.exists()

    def test_the_class_page_offers_it_to_its_teachers_only(
        self, client, teacher, student, classroom, classroom_subject, term
    ):
        url = reverse("classroom_detail", args=[classroom.pk])
        action = reverse("classroom_report_batch", args=[classroom.pk])
        client.force_login(teacher)
        assert action in client.get(url).content.decode()
        client.force_login(student)
        assert action not in client.get(url).content.decode()


class TestBatchPages:
    @pytest.fixture
    def batch(self, teacher, classroom, term, class_of_five):
        return ReportBatch.objects.create(
            requested_by=teacher, term=term, classroom=classroom, total=5
        )

    def test_progress_shows_while_it_is_prepared(self, client, teacher, batch):
        ReportBatch.objects.filter(pk=batch.pk).update(
            status=ReportBatchStatus.RUNNING, done=2
        )
        client.force_login(teacher)
        page = client.get(reverse("report_batch", args=[batch.pk]))
        html = page.content.decode()
        assert '<progress id="batch-progress"' in html
        assert 'max="5" value="2"' in html
        assert "Preparing: 2 of 5 report cards." in html
        assert reverse("report_batch_download", args=[batch.pk]) not in html
        assert "private" in page["Cache-Control"]
        assert "no-store" in page["Cache-Control"]

        status = client.get(reverse("report_batch_status", args=[batch.pk])).json()
        assert status == {
            "status": "running",
            "label": "Being prepared",
            "done": 2,
            "total": 5,
            "percent": 40,
            "finished": False,
            "download_url": None,
        }

    def test_the_download_waits_until_it_is_ready(self, client, teacher, batch):
        client.force_login(teacher)
        response = client.get(reverse("report_batch_download", args=[batch.pk]))
        assert response.status_code == 302
        assert response.url == reverse("report_batch", args=[batch.pk])

    def test_a_failed_batch_says_so(self, client, teacher, batch):
        ReportBatch.objects.filter(pk=batch.pk).update(status=ReportBatchStatus.FAILED)
        client.force_login(teacher)
        html = client.get(reverse("report_batch", args=[batch.pk])).content.decode()
        assert "The PDF could not be made." in html

    @pytest.mark.parametrize("persona", ["admin", "other_teacher", "student"])
    def test_only_whoever_asked_sees_the_batch(self, client, request, batch, persona):
        client.force_login(request.getfixturevalue(persona))
        for name in ("report_batch", "report_batch_status", "report_batch_download"):
            assert client.get(reverse(name, args=[batch.pk])).status_code == 404

    def test_anonymous_users_are_sent_to_log_in(self, client, batch):
        response = client.get(reverse("report_batch", args=[batch.pk]))
        assert response.status_code == 302
        assert reverse("login") in response.url


class TestProgress:
    def test_the_build_records_progress_as_cards_are_drawn(
        self, teacher, classroom, term, class_of_five, monkeypatch
    ):
        monkeypatch.setattr(
            "grades.services.report_batch_build.PROGRESS_EVERY_SECONDS", 0
        )
        batch = ReportBatch.objects.create(
            requested_by=teacher, term=term, classroom=classroom, total=5
        )
        with CaptureQueriesContext(connection) as queries:
            report_batch_build(batch.pk)
        updates = [
            query["sql"]
            for query in queries.captured_queries
            if query["sql"].startswith('UPDATE "grades_reportbatch"')
        ]
        # running, then cards 1 to 4 as they are drawn, then done with all five
        assert len(updates) == 6
        assert "\"status\" = 'running'" in updates[0]
        assert all('"done" = ' in sql for sql in updates)
        batch.refresh_from_db()
        assert (batch.status, batch.done) == (ReportBatchStatus.DONE, 5)


class TestGradeLevelBatch:
    @pytest.fixture
    def grade_seven(self, classroom, classroom_subject, term, class_of_five):
        """Two classrooms of grade 7 (5 + 3 students) and one of grade 8 (2)."""
        seven_b = factories.ClassroomFactory(
            name="7B", grade_level=7, school_year=classroom.school_year
        )
        eight = factories.ClassroomFactory(
            name="8A", grade_level=8, school_year=classroom.school_year
        )
        add_students(eight, 2)
        return [*class_of_five, *add_students(seven_b, 3)]

    def test_the_school_overview_offers_it_to_staff(
        self, client, admin, term, grade_seven
    ):
        client.force_login(admin)
        html = client.get(reverse("school_overview")).content.decode()
        assert reverse("grade_level_report_batch") in html
        assert '<option value="7">7</option><option value="8">8</option>' in html

    def test_staff_only(self, client, teacher, term, grade_seven):
        client.force_login(teacher)
        response = client.post(
            reverse("grade_level_report_batch"), {"term": term.pk, "grade_level": 7}
        )
        assert response.status_code == 403
        assert not ReportBatch.objects.exists()

    def test_an_unknown_grade_level_is_refused_with_a_message(
        self, client, admin, term, grade_seven
    ):
        client.force_login(admin)
        response = client.post(
            reverse("grade_level_report_batch"),
            {"term": term.pk, "grade_level": 12},
            follow=True,
        )
        assert "No class of that grade level" in response.content.decode()
        assert not ReportBatch.objects.exists()

    # Real commits: the worker sees the committed task row, as in production.
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_the_worker_builds_it(
        self, client, admin, term, grade_seven, settings, restore_signals
    ):
        settings.TASKS = DATABASE_TASKS
        client.force_login(admin)
        response = client.post(
            reverse("grade_level_report_batch"), {"term": term.pk, "grade_level": 7}
        )
        batch = ReportBatch.objects.get()
        assert response.url == reverse("report_batch", args=[batch.pk])
        assert batch.status == ReportBatchStatus.QUEUED
        assert batch.total == 8
        task_row = DBTaskResult.objects.get()
        assert task_row.task_path == "grades.tasks.build_report_batch"
        assert task_row.args_kwargs["kwargs"] == {"batch_id": batch.pk}

        run_worker()
        task_row.refresh_from_db()
        assert task_row.status == "SUCCESSFUL"
        batch.refresh_from_db()
        assert batch.status == ReportBatchStatus.DONE
        pages = pdf_pages(bytes(batch.pdf))
        assert len(pages) == 8
        names = {student.full_name for student in grade_seven}
        assert {next(n for n in names if n in text) for text in pages} == names


class TestRateLimit:
    def test_too_many_batches_answer_429_and_store_nothing_more(
        self,
        client,
        settings,
        teacher,
        classroom,
        term,
        class_of_five,
        django_capture_on_commit_callbacks,
    ):
        settings.RATE_LIMIT_REPORT_BATCHES = "2/h"
        client.force_login(teacher)
        for _ in range(2):
            response = ask_for_classroom(
                client, classroom, term, django_capture_on_commit_callbacks
            )
            assert response.status_code == 302
        response = client.post(
            reverse("classroom_report_batch", args=[classroom.pk]), {"term": term.pk}
        )
        assert response.status_code == 429
        assert int(response["Retry-After"]) >= 1
        assert ReportBatch.objects.count() == 2
