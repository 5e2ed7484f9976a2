"""The user admin: people, their classrooms, bulk actions, grade history."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from classrooms.models import Enrollment
from grades.models import GradeChange
from school import audit
from school.audit import AuditEvent, Channel
from tests import factories
from tests.admin.conftest import admin_url, count_queries, run_action
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def history(user):
    """The user's audit events in words; each came through the admin."""
    rows = list(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(User),
            target_id=str(user.pk),
        ).order_by("pk")
    )
    assert {(row.channel, row.actor_user.role) for row in rows} <= {
        (Channel.ADMIN, Role.ADMIN)
    }
    return [audit.describe(row) for row in rows]


class TestUserList:
    def test_it_searches_by_name_or_email(self, admin_client_, student, teacher):
        for term in ("Sofía", "SOFIA@example"):
            response = admin_client_.get(admin_url(User, "changelist"), {"q": term})
            assert list(response.context["cl"].result_list) == [student]

    def test_it_filters_by_role(self, admin_client_, student, other_student, teacher):
        response = admin_client_.get(
            admin_url(User, "changelist"), {"role__exact": Role.TEACHER}
        )
        teachers = set(User.objects.filter(role=Role.TEACHER))
        assert teacher in teachers
        assert set(response.context["cl"].result_list) == teachers

    def test_the_classroom_filter_lists_current_students_only(
        self, admin_client_, student, classroom
    ):
        gone = factories.EnrollmentFactory(
            classroom=classroom, withdrawn_on=SCHOOL.on(1)
        ).student
        response = admin_client_.get(
            admin_url(User, "changelist"), {"classroom": str(classroom.pk)}
        )
        assert list(response.context["cl"].result_list) == [student]
        assert gone not in response.context["cl"].result_list


class TestCreatingPeople:
    def test_a_new_student_gets_a_link_to_choose_a_password(
        self, admin_client_, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client_.post(
                admin_url(User, "add"),
                {
                    "email": "Nuevo@Example.org",
                    "given_name": "Nuevo",
                    "family_name": "Student",
                    "role": Role.STUDENT,
                    "language": "es",
                    "usable_password": "false",
                    "send_password_reset": "on",
                    "_save": "Save",
                },
            )
        assert response.status_code == 302
        user = User.objects.get(email="nuevo@example.org")
        assert not user.has_usable_password()
        assert [m.to for m in mail.outbox] == [["nuevo@example.org"]]
        # In the person's own language.
        assert "/accounts/password/reset/" in mail.outbox[0].body
        assert mail.outbox[0].subject != "Reset your password for Demo School"


class TestDeletion:
    def test_nobody_deletes_a_person_with_records(self, client, superuser, student):
        client.force_login(superuser)
        response = client.post(admin_url(User, "delete", student.pk), {"post": "yes"})
        assert response.status_code == 403
        assert User.objects.filter(pk=student.pk).exists()

    def test_a_superuser_may_delete_an_account_without_records(self, client, superuser):
        typo = factories.StudentFactory()
        client.force_login(superuser)
        response = client.post(admin_url(User, "delete", typo.pk), {"post": "yes"})
        assert response.status_code == 302
        assert not User.objects.filter(pk=typo.pk).exists()

    def test_a_school_admin_deletes_nobody(self, admin_client_):
        typo = factories.StudentFactory()
        response = admin_client_.post(
            admin_url(User, "delete", typo.pk), {"post": "yes"}
        )
        assert response.status_code == 403


class TestEnrollmentActions:
    def test_enrolling_asks_for_the_classroom_first_and_changes_nothing(
        self, admin_client_, other_student, classroom
    ):
        response = run_action(
            admin_client_, User, "enroll_in_classroom", [other_student]
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Enroll in a classroom" in page
        assert 'name="classroom"' in page
        assert '<label for="id_classroom">' in page
        assert not Enrollment.objects.filter(
            student=other_student, classroom=classroom
        ).exists()

    def test_it_enrolls_the_selected_students_and_logs_it(
        self, admin_client_, other_student, classroom, student, teacher
    ):
        response = run_action(
            admin_client_,
            User,
            "enroll_in_classroom",
            [other_student, student, teacher],
            confirm={"classroom": str(classroom.pk), "on": str(SCHOOL.on(2, 2))},
        )
        assert response.status_code == 302
        enrollment = Enrollment.objects.get(student=other_student, classroom=classroom)
        assert enrollment.enrolled_on == SCHOOL.on(2, 2)
        assert Enrollment.objects.filter(classroom=classroom).count() == 2
        assert history(other_student) == [
            f"Enrolled in 7A ({SCHOOL.name}) from {SCHOOL.on(2, 2).isoformat()}."
        ]
        assert history(student) == []
        assert not Enrollment.objects.filter(student=teacher).exists()
        message = str(next(iter(response.wsgi_request._messages)))
        assert "1 student was enrolled." in message
        assert "1 was already there: Sofía Student." in message
        assert "1 is not a student" in message

    def test_it_asks_again_without_a_classroom(self, admin_client_, other_student):
        response = run_action(
            admin_client_,
            User,
            "enroll_in_classroom",
            [other_student],
            confirm={"classroom": "", "on": str(SCHOOL.on(2, 2))},
        )
        assert response.status_code == 200
        assert response.context["form"].errors["classroom"]
        assert Enrollment.objects.filter(student=other_student).count() == 1

    def test_moving_withdraws_today_and_enrolls_in_the_new_classroom(
        self, admin_client_, student, classroom, other_classroom
    ):
        today = timezone.localdate()
        response = run_action(
            admin_client_,
            User,
            "move_to_classroom",
            [student],
            confirm={"classroom": str(other_classroom.pk), "on": today.isoformat()},
        )
        assert response.status_code == 302
        old = Enrollment.objects.get(student=student, classroom=classroom)
        new = Enrollment.objects.get(student=student, classroom=other_classroom)
        assert old.withdrawn_on == today
        assert (new.enrolled_on, new.withdrawn_on) == (today, None)
        assert history(student) == [
            f"Moved to 8B ({SCHOOL.name}) on {today.isoformat()}."
        ]

    def test_withdrawing_keeps_the_enrollment_and_the_grades(
        self, admin_client_, student, classroom_subject
    ):
        score = factories.ScoreFactory(
            student=student,
            assessment=factories.AssessmentFactory(classroom_subject=classroom_subject),
        )
        response = run_action(
            admin_client_,
            User,
            "withdraw_from_classrooms",
            [student],
            confirm={"on": str(SCHOOL.on(3))},
        )
        assert response.status_code == 302
        enrollment = Enrollment.objects.get(student=student)
        assert enrollment.withdrawn_on == SCHOOL.on(3)
        score.refresh_from_db()
        assert history(student) == [
            f"Withdrawn from every classroom on {SCHOOL.on(3).isoformat()}."
        ]

    def test_deactivating_asks_first(self, admin_client_, student):
        response = run_action(admin_client_, User, "deactivate_users", [student])
        assert response.status_code == 200
        assert "Deactivate users" in response.content.decode()
        student.refresh_from_db()
        assert student.is_active

    def test_password_reset_emails_go_out_in_the_background(
        self, admin_client_, student, teacher, django_capture_on_commit_callbacks
    ):
        teacher.is_active = False
        teacher.save()
        page = run_action(admin_client_, User, "send_password_reset", [student])
        assert page.status_code == 200
        assert mail.outbox == []
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            response = run_action(
                admin_client_,
                User,
                "send_password_reset",
                [student, teacher],
                confirm={},
            )
        # Enqueued once the history lines are committed, as one task.
        assert len(callbacks) == 1
        assert response.status_code == 302
        assert [m.to for m in mail.outbox] == [["sofia@example.org"]]
        assert history(student) == ["Sent a password reset email."]
        assert history(teacher) == []

    def test_select_all_acts_on_the_filtered_list_only(
        self, admin_client_, student, other_student, other_classroom
    ):
        response = admin_client_.post(
            admin_url(User, "changelist") + f"?classroom={other_classroom.pk}",
            {
                "action": "withdraw_from_classrooms",
                "_selected_action": [str(other_student.pk)],
                "select_across": "1",
                "confirm": "yes",
                "on": str(SCHOOL.on(3)),
            },
        )
        assert response.status_code == 302
        assert Enrollment.objects.get(student=other_student).withdrawn_on
        assert Enrollment.objects.get(student=student).withdrawn_on is None


class TestGradeHistory:
    def test_the_student_page_links_to_their_grade_history(
        self, admin_client_, student
    ):
        response = admin_client_.get(admin_url(User, "change", student.pk))
        url = reverse("admin:accounts_user_grade_history", args=[student.pk])
        assert f'href="{url}"' in response.content.decode()

    def test_it_lists_the_students_changes_only(
        self, admin_client_, student, other_student, classroom_subject, teacher
    ):
        mine = factories.ScoreFactory(
            student=student,
            assessment=factories.AssessmentFactory(classroom_subject=classroom_subject),
        )
        theirs = factories.ScoreFactory(
            student=other_student, assessment=mine.assessment
        )
        GradeChange.objects.create(
            score=mine, changed_by=teacher, before={"points": "12"}, reason="typo"
        )
        GradeChange.objects.create(score=theirs, changed_by=teacher)
        url = reverse("admin:accounts_user_grade_history", args=[student.pk])
        response = admin_client_.get(url)
        assert response.status_code == 200
        assert [c.score for c in response.context["page"]] == [mine]
        page = response.content.decode()
        assert "typo" in page
        assert "<caption>" in page

    def test_it_costs_the_same_queries_for_2_or_20_changes(
        self, admin_client_, student, classroom_subject, teacher
    ):
        url = reverse("admin:accounts_user_grade_history", args=[student.pk])

        def add_changes(n):
            for _ in range(n):
                score = factories.ScoreFactory(
                    student=student,
                    assessment=factories.AssessmentFactory(
                        classroom_subject=classroom_subject
                    ),
                )
                GradeChange.objects.create(score=score, changed_by=teacher)

        add_changes(2)
        small, _ = count_queries(admin_client_, url)
        add_changes(18)
        large, response = count_queries(admin_client_, url)
        assert len(response.context["page"]) == 20
        assert small == large

    def test_it_answers_404_for_someone_who_is_not_a_student(
        self, admin_client_, teacher
    ):
        url = reverse("admin:accounts_user_grade_history", args=[teacher.pk])
        assert admin_client_.get(url).status_code == 404
