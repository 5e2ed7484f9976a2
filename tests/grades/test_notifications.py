"""Emails (and the SMS hook) sent when term grades are published."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from structlog.testing import capture_logs

from accounts.models import Language
from grades import notifications
from grades.models import ScoreState
from grades.services import term_grades as term_grades_service
from grades.services.scores import CellChange, scores_record
from grades.services.term_grades import (
    TermGradeEdit,
    term_grades_publish,
    term_grades_update,
)
from grades.tasks import SEND_ATTEMPTS, send_term_grades_published
from school.audit import Actor
from tests import factories
from tests.grades.conftest import run_worker

pytestmark = pytest.mark.django_db

SITE_URL = "https://school.example.org"
DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def spanish_student(classroom):
    student = factories.StudentFactory(
        full_name="Elena Estudiante",
        email="elena@example.org",
        language=Language.SPANISH,
    )
    factories.EnrollmentFactory(student=student, classroom=classroom)
    return student


@pytest.fixture
def graded(student, spanish_student, quiz):
    """`student` and `spanish_student` have a score; an empty classmate has none."""
    for someone, points in ((student, "16"), (spanish_student, "18")):
        factories.ScoreFactory(
            student=someone,
            assessment=quiz,
            state=ScoreState.GRADED,
            points=Decimal(points),
        )
    factories.EnrollmentFactory(classroom=quiz.classroom_subject.classroom)
    return quiz


def fail_after_enqueueing(monkeypatch) -> list[int]:
    """Make the publishing service fail inside its own transaction, right after
    it enqueued its task; returns the task rows counted at that moment."""
    counted = []

    def fail(*args, **kwargs):
        counted.append(DBTaskResult.objects.count())
        raise RuntimeError("something after publishing failed")

    monkeypatch.setattr(term_grades_service, "PublishResult", fail)
    return counted


def publish(teacher, classroom_subject, term, reason=""):
    return term_grades_publish(
        actor=Actor(user=teacher),
        classroom_subject=classroom_subject,
        term=term,
        reason=reason,
    )


def report_card_link(term):
    return f"{SITE_URL}/report-card/?term={term.pk}"


class TestPublishingSendsEmails:
    def test_it_emails_each_newly_published_student_in_their_language(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        spanish_student,
        graded,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            result = publish(teacher, classroom_subject, term)
        assert result.published == 2
        assert result.nothing_counted == 1
        by_address = {message.to[0]: message for message in mailoutbox}
        assert sorted(by_address) == ["elena@example.org", "sofia@example.org"]

        english = by_address["sofia@example.org"]
        assert english.subject == "New grades on your report card"
        assert "Demo School" in english.body
        assert "Mathematics" in english.body
        assert "Autumn" in english.body
        assert report_card_link(term) in english.body
        html, mimetype = english.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{report_card_link(term)}"' in html
        assert '<html lang="en">' in html

        spanish = by_address["elena@example.org"]
        assert spanish.subject == "Nuevas notas en su boletín"
        assert "ha publicado su nota de Mathematics" in spanish.body
        assert report_card_link(term) in spanish.body
        assert '<html lang="es">' in spanish.alternatives[0][0]

    def test_a_changed_line_is_emailed_again_and_an_unchanged_one_is_not(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        spanish_student,
        graded,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            publish(teacher, classroom_subject, term)
        mailoutbox.clear()
        score = graded.scores.get(student=student)
        score.points = Decimal("20")
        score.save()
        with django_capture_on_commit_callbacks(execute=True):
            result = publish(teacher, classroom_subject, term, reason="Regraded")
        assert result.republished == 1
        assert [message.to for message in mailoutbox] == [["sofia@example.org"]]

    def test_republishing_with_no_change_sends_nothing(
        self,
        teacher,
        classroom_subject,
        term,
        graded,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            publish(teacher, classroom_subject, term)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            result = publish(teacher, classroom_subject, term)
        assert result.unchanged == 2
        assert mailoutbox == []
        # Only the log line: no task was enqueued.
        assert len(callbacks) == 1

    def test_a_publish_that_rolls_back_sends_nothing(
        self,
        teacher,
        classroom_subject,
        term,
        graded,
        mailoutbox,
        monkeypatch,
        django_capture_on_commit_callbacks,
    ):
        fail_after_enqueueing(monkeypatch)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
        ):
            publish(teacher, classroom_subject, term)
        assert callbacks == []
        assert mailoutbox == []

    def test_saving_term_grades_or_scores_sends_nothing(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        graded,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        with django_capture_on_commit_callbacks(execute=True):
            term_grades_update(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                term=term,
                changes=[
                    TermGradeEdit(student.pk, Decimal("95"), "Project", "Well done")
                ],
            )
            scores_record(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                changes=[CellChange(student.pk, graded.pk, "19", 1, None)],
            )
        assert graded.scores.get(student=student).points == Decimal("19")
        assert mailoutbox == []

    def test_a_failed_send_is_logged_retried_and_the_others_are_still_sent(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        graded,
        mailoutbox,
        monkeypatch,
        django_capture_on_commit_callbacks,
    ):
        backend = mail.get_connection().__class__
        send_messages = backend.send_messages

        def fail_for_sofia(self, messages):
            if any("sofia@example.org" in message.to for message in messages):
                raise OSError("mail server refused")
            return send_messages(self, messages)

        monkeypatch.setattr(backend, "send_messages", fail_for_sofia)
        with capture_logs() as logs, django_capture_on_commit_callbacks(execute=True):
            publish(teacher, classroom_subject, term)
        # Elena's email went once; Sofía's was tried three times, then given up.
        assert [message.to for message in mailoutbox] == [["elena@example.org"]]
        failures = [log for log in logs if log["event"] == "notification_failed"]
        assert len(failures) == SEND_ATTEMPTS
        assert {log["student_id"] for log in failures} == {student.pk}
        assert {log["error"] for log in failures} == {"OSError"}
        assert "sofia@example.org" not in repr(logs)
        retries = [log for log in logs if log["event"] == "notification_retry"]
        assert [(log["students"], log["attempt"]) for log in retries] == [
            (1, 2),
            (1, 3),
        ]
        summaries = [log for log in logs if log["event"] == "term_grades_notified"]
        assert [(log["sent"], log["failed"]) for log in summaries] == [
            (1, 1),
            (0, 1),
            (0, 1),
        ]

    def test_a_send_that_fails_once_is_delivered_by_the_retry(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        graded,
        mailoutbox,
        monkeypatch,
        django_capture_on_commit_callbacks,
    ):
        backend = mail.get_connection().__class__
        send_messages = backend.send_messages
        refused = []

        def fail_once_for_sofia(self, messages):
            if not refused and any("sofia@example.org" in m.to for m in messages):
                refused.append(True)
                raise OSError("try again later")
            return send_messages(self, messages)

        monkeypatch.setattr(backend, "send_messages", fail_once_for_sofia)
        with django_capture_on_commit_callbacks(execute=True):
            publish(teacher, classroom_subject, term)
        assert sorted(message.to[0] for message in mailoutbox) == [
            "elena@example.org",
            "sofia@example.org",
        ]


class TestDatabaseBackend:
    @pytest.fixture(autouse=True)
    def _database_tasks(self, settings):
        settings.TASKS = DATABASE_TASKS

    # Real commits: the worker sees the committed row, as in production (and on
    # PostgreSQL its close_old_connections() would close a test transaction).
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_publishing_writes_one_task_row_and_no_email_until_the_worker_runs(
        self,
        teacher,
        classroom_subject,
        term,
        student,
        spanish_student,
        graded,
        mailoutbox,
        restore_signals,
    ):
        publish(teacher, classroom_subject, term)
        row = DBTaskResult.objects.get()
        assert row.task_path == "grades.tasks.send_term_grades_published"
        assert row.args_kwargs["kwargs"] == {
            "student_ids": sorted([student.pk, spanish_student.pk]),
            "classroom_subject_id": classroom_subject.pk,
            "term_id": term.pk,
        }
        assert row.status == "READY"
        assert mailoutbox == []

        run_worker()
        row.refresh_from_db()
        assert row.status == "SUCCESSFUL"
        assert row.return_value == {"sent": 2, "failed": 0}
        assert sorted(message.to[0] for message in mailoutbox) == [
            "elena@example.org",
            "sofia@example.org",
        ]
        spanish = next(m for m in mailoutbox if m.to == ["elena@example.org"])
        assert spanish.subject == "Nuevas notas en su boletín"

    def test_a_failed_send_is_retried_later_by_a_deferred_task(
        self, classroom_subject, term, student, monkeypatch
    ):
        backend = mail.get_connection().__class__

        def refuse(self, messages):
            raise OSError("mail server refused")

        monkeypatch.setattr(backend, "send_messages", refuse)
        result = send_term_grades_published.call(
            student_ids=[student.pk],
            classroom_subject_id=classroom_subject.pk,
            term_id=term.pk,
        )
        assert result == {"sent": 0, "failed": 1}
        retry = DBTaskResult.objects.get()
        assert retry.args_kwargs["kwargs"] == {
            "student_ids": [student.pk],
            "classroom_subject_id": classroom_subject.pk,
            "term_id": term.pk,
            "attempt": 2,
        }
        wait = retry.run_after - timezone.now()
        assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(minutes=1)

    def test_a_publish_that_rolls_back_leaves_no_task_row(
        self, teacher, classroom_subject, term, graded, mailoutbox, monkeypatch
    ):
        enqueued = fail_after_enqueueing(monkeypatch)
        with pytest.raises(RuntimeError):
            publish(teacher, classroom_subject, term)
        assert enqueued == [1]
        assert DBTaskResult.objects.count() == 0
        assert mailoutbox == []

    def test_republishing_with_no_change_enqueues_nothing(
        self, teacher, classroom_subject, term, graded
    ):
        publish(teacher, classroom_subject, term)
        publish(teacher, classroom_subject, term)
        assert DBTaskResult.objects.count() == 1


class TestSms:
    def test_the_default_backend_only_logs_the_user_and_the_length(self, student):
        backend = notifications.get_sms_backend()
        assert isinstance(backend, notifications.LoggingSmsBackend)
        with capture_logs() as logs:
            backend.send(student, "New grades")
        assert logs == [
            {
                "event": "sms_sent",
                "user_id": student.pk,
                "length": 10,
                "log_level": "info",
            }
        ]

    def test_the_backend_comes_from_settings(self, settings):
        settings.SMS_BACKEND = "tests.grades.test_notifications.RecordingSmsBackend"
        assert isinstance(notifications.get_sms_backend(), RecordingSmsBackend)

    def test_users_without_a_phone_get_no_sms(
        self,
        settings,
        teacher,
        classroom_subject,
        term,
        graded,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        settings.SMS_BACKEND = "tests.grades.test_notifications.RecordingSmsBackend"
        RecordingSmsBackend.sent = []
        with django_capture_on_commit_callbacks(execute=True):
            publish(teacher, classroom_subject, term)
        assert len(mailoutbox) == 2
        assert RecordingSmsBackend.sent == []

    def test_a_user_with_a_phone_gets_an_sms_after_the_email(
        self,
        settings,
        monkeypatch,
        teacher,
        classroom_subject,
        term,
        student,
        graded,
        mailoutbox,
        django_capture_on_commit_callbacks,
    ):
        settings.SMS_BACKEND = "tests.grades.test_notifications.RecordingSmsBackend"
        RecordingSmsBackend.sent = []
        monkeypatch.setattr(
            notifications,
            "_phone_of",
            lambda user: "+34600000000" if user.pk == student.pk else "",
        )
        with django_capture_on_commit_callbacks(execute=True):
            publish(teacher, classroom_subject, term)
        assert RecordingSmsBackend.sent == [
            (student.pk, "New grades on your report card")
        ]


class RecordingSmsBackend:
    sent: list = []

    def send(self, user, text):
        RecordingSmsBackend.sent.append((user.pk, text))
