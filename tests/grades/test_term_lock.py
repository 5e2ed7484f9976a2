import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from structlog.testing import capture_logs

from classrooms import terms as terms_service
from classrooms.models import Term
from classrooms.terms import term_lock, term_unlock
from grades.models import GradeChange, Score, TermGrade
from grades.services.scores import CellChange, GridRejected, scores_record
from grades.services.term_grades import (
    TermGradeEdit,
    term_grades_publish,
    term_grades_update,
)
from school import audit
from school.audit import Actor, AuditEvent, Channel
from tests import factories

pytestmark = pytest.mark.django_db


def lock_entries(term):
    return AuditEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Term), target_id=str(term.pk)
    ).order_by("pk")


def comment(student, text="A comment"):
    return TermGradeEdit(student_id=student.pk, override=None, comment=text)


@pytest.fixture
def graded(classroom_subject, student, quiz):
    return factories.ScoreFactory(
        student=student, assessment=quiz, points=Decimal("15")
    )


class TestLockService:
    def test_staff_lock_a_term_with_a_reason_audited_in_the_admin_and_the_log(
        self, admin, term, django_capture_on_commit_callbacks
    ):
        with capture_logs() as logs, django_capture_on_commit_callbacks(execute=True):
            assert term_lock(
                actor=Actor(user=admin), term=term, reason=" Grading closed "
            )
        term.refresh_from_db()
        assert term.locked
        (entry,) = lock_entries(term)
        assert (entry.actor_user, entry.channel) == (admin, Channel.PAGE)
        assert entry.code == "term_locked"
        assert audit.describe(entry) == "Locked grading. Reason: Grading closed"
        assert {
            "event": "term_locked",
            "actor_id": admin.pk,
            "term_id": term.pk,
            "reason": "Grading closed",
            "log_level": "info",
        } in logs

    def test_staff_unlock_a_term_with_a_reason(self, admin, term):
        term_lock(actor=Actor(user=admin), term=term, reason="Grading closed")
        assert term_unlock(
            actor=Actor(user=admin), term=term, reason="Late exam to enter"
        )
        term.refresh_from_db()
        assert not term.locked
        messages = [audit.describe(entry) for entry in lock_entries(term)]
        assert messages == [
            "Locked grading. Reason: Grading closed",
            "Unlocked grading. Reason: Late exam to enter",
        ]

    @pytest.mark.parametrize("service", [term_lock, term_unlock])
    def test_teachers_and_students_may_not_lock_or_unlock(
        self, teacher, student, term, service
    ):
        term.locked = service is term_unlock
        term.save()
        for actor in (teacher, student):
            with pytest.raises(PermissionDenied):
                service(actor=Actor(user=actor), term=term, reason="Because")
        term.refresh_from_db()
        assert term.locked == (service is term_unlock)
        assert not lock_entries(term).exists()

    def test_a_reason_is_required(self, admin, term):
        with pytest.raises(ValidationError, match="a reason is required"):
            term_lock(actor=Actor(user=admin), term=term, reason="   ")
        term.refresh_from_db()
        assert not term.locked
        assert not lock_entries(term).exists()

    def test_locking_a_locked_term_changes_and_logs_nothing(self, admin, term):
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        assert (
            term_lock(actor=Actor(user=admin), term=term, reason="Closed again")
            is False
        )
        assert lock_entries(term).count() == 1

    def test_the_reason_shows_in_the_terms_admin_history(self, client, admin, term):
        term_lock(actor=Actor(user=admin), term=term, reason="Report cards printed")
        client.force_login(admin)
        response = client.get(reverse("admin:classrooms_term_history", args=[term.pk]))
        assert response.status_code == 200
        assert "Report cards printed" in response.content.decode()


class TestALockedTermRefusesGradeChanges:
    def test_scores_are_refused(
        self, admin, teacher, classroom_subject, student, quiz, term
    ):
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        with pytest.raises(GridRejected) as rejected:
            scores_record(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                changes=[CellChange(student.pk, quiz.pk, "18", None)],
            )
        assert "Autumn is locked" in rejected.value.general
        assert not Score.objects.exists()

    def test_term_grade_updates_are_refused(
        self, admin, teacher, classroom_subject, student, term
    ):
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        for actor in (teacher, admin):  # staff too: unlock first
            with pytest.raises(ValidationError) as error:
                term_grades_update(
                    actor=Actor(user=actor),
                    classroom_subject=classroom_subject,
                    term=term,
                    changes=[comment(student)],
                )
            assert error.value.code == "locked"
            assert error.value.messages == [
                "The term Autumn is locked: its grades cannot change."
            ]
        assert not TermGrade.objects.exists()
        assert not GradeChange.objects.exists()

    def test_publishing_is_refused(
        self, admin, teacher, classroom_subject, student, term, graded
    ):
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        with pytest.raises(ValidationError, match="is locked"):
            term_grades_publish(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                term=term,
            )
        assert not TermGrade.objects.exists()

    def test_a_term_object_loaded_before_the_lock_is_refused_too(
        self, admin, teacher, classroom_subject, student, term
    ):
        stale = Term.objects.get(pk=term.pk)
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        assert not stale.locked
        with pytest.raises(ValidationError, match="is locked"):
            term_grades_update(
                actor=Actor(user=teacher),
                classroom_subject=classroom_subject,
                term=stale,
                changes=[comment(student)],
            )

    def test_after_staff_unlock_grades_change_again(
        self, admin, teacher, classroom_subject, student, term, graded
    ):
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        term_unlock(actor=Actor(user=admin), term=term, reason="One correction")
        term_grades_update(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            term=term,
            changes=[comment(student, "Corrected")],
        )
        result = term_grades_publish(
            actor=Actor(user=teacher), classroom_subject=classroom_subject, term=term
        )
        assert result.published == 1
        line = TermGrade.objects.get()
        assert (line.comment, line.published_percent) == ("Corrected", Decimal("75.0"))

    def test_the_page_of_a_locked_term_is_read_only_and_refuses_a_post(
        self, client, admin, teacher, classroom_subject, student, term
    ):
        term_lock(actor=Actor(user=admin), term=term, reason="Closed")
        url = reverse(
            "term_grades",
            args=[classroom_subject.classroom_id, classroom_subject.pk, term.pk],
        )
        client.force_login(teacher)
        page = client.get(url).content.decode()
        assert "This term is locked" in page
        assert (
            f'<textarea name="tg-{student.pk}-comment" cols="24" rows="2" '
            'maxlength="2000" disabled' in page
        )
        prefix = f"tg-{student.pk}"
        response = client.post(
            url,
            {
                f"{prefix}-override": "",
                f"{prefix}-override_reason": "",
                f"{prefix}-comment": "Sneaky",
                f"initial-{prefix}-comment": "",
            },
        )
        assert response.status_code == 422
        assert "is locked" in response.content.decode()
        assert not TermGrade.objects.exists()
        publish_url = reverse(
            "term_grades_publish",
            args=[classroom_subject.classroom_id, classroom_subject.pk, term.pk],
        )
        assert client.post(publish_url).status_code == 422
        assert not TermGrade.objects.exists()


class TestLockView:
    def url(self, term):
        return reverse("term_lock", args=[term.pk])

    def test_anonymous_users_go_to_login(self, client, term):
        response = client.post(self.url(term), {"locked": "1", "reason": "x"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("persona", ["teacher", "student", "other_teacher"])
    def test_other_roles_get_403(self, request, client, term, persona):
        client.force_login(request.getfixturevalue(persona))
        response = client.post(self.url(term), {"locked": "1", "reason": "x"})
        assert response.status_code == 403
        term.refresh_from_db()
        assert not term.locked

    def test_it_refuses_get(self, client, admin, term):
        client.force_login(admin)
        assert client.get(self.url(term)).status_code == 405

    def test_a_missing_term_is_404(self, client, admin):
        client.force_login(admin)
        response = client.post(
            reverse("term_lock", args=[999999]), {"locked": "1", "reason": "x"}
        )
        assert response.status_code == 404

    def test_staff_lock_and_unlock_and_go_back(self, client, admin, term):
        client.force_login(admin)
        response = client.post(
            self.url(term), {"locked": "1", "reason": "Closed", "next": "/classrooms/"}
        )
        assert response.status_code == 302
        assert response.url == "/classrooms/"
        term.refresh_from_db()
        assert term.locked
        response = client.post(self.url(term), {"locked": "0", "reason": "Reopen"})
        assert response.url == reverse("school_overview")
        term.refresh_from_db()
        assert not term.locked
        assert lock_entries(term).count() == 2

    def test_without_a_reason_nothing_changes_and_it_says_why(
        self, client, admin, term
    ):
        client.force_login(admin)
        response = client.post(
            self.url(term), {"locked": "1", "reason": ""}, follow=True
        )
        assert "a reason is required" in response.content.decode()
        term.refresh_from_db()
        assert not term.locked

    def test_it_never_redirects_off_site(self, client, admin, term):
        client.force_login(admin)
        response = client.post(
            self.url(term),
            {"locked": "1", "reason": "x", "next": "https://evil.example/"},
        )
        assert response.url == reverse("school_overview")


def in_thread(target):
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


# Row locks need two real PostgreSQL transactions; SQLite has no row locks.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_save_waiting_while_the_term_is_being_locked_is_refused(
    monkeypatch, admin, teacher, classroom_subject, student, term
):
    locked, release = threading.Event(), threading.Event()

    def record_and_hold(**kwargs):
        # Inside term_lock's own transaction, the term's row locked and changed.
        audit.record(**kwargs)
        locked.set()
        release.wait(timeout=10)

    monkeypatch.setattr(terms_service, "audit", SimpleNamespace(record=record_and_hold))

    def lock_and_hold():
        term_lock(
            actor=Actor(user=admin),
            term=Term.objects.get(pk=term.pk),
            reason="Closing",
        )

    staff, _ = in_thread(lock_and_hold)
    assert locked.wait(timeout=10)
    mine, outcome = in_thread(
        lambda: term_grades_update(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            term=Term.objects.get(pk=term.pk),
            changes=[comment(student)],
        )
    )
    mine.join(timeout=0.5)
    assert mine.is_alive(), "the save must wait for the term's row lock"
    release.set()
    staff.join(timeout=10)
    mine.join(timeout=10)
    error = outcome.get("error")
    assert isinstance(error, ValidationError)
    assert error.code == "locked"
    assert not TermGrade.objects.exists()
