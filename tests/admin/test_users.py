"""The user admin: people, their classrooms, bulk actions, grade history."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.events import DEACTIVATED
from accounts.models import Role, User
from classrooms.models import Classroom, Enrollment
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


STRONG_PASSWORD = "a-long-and-unusual-passphrase-42"


# ---------------------------------------------------------------------------
# Users


def user_post(**overrides):
    return {
        "email": "new.person@example.org",
        "given_name": "New",
        "family_name": "Person",
        "role": Role.TEACHER,
        "language": "es",
        "usable_password": "true",
        "password1": STRONG_PASSWORD,
        "password2": STRONG_PASSWORD,
        "_save": "Save",
        **overrides,
    }


def test_the_admin_creates_a_user_through_the_add_form(admin_client_):
    response = admin_client_.post(
        admin_url(User, "add"), user_post(email="New.Person@Example.org")
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.person@example.org")
    assert (user.full_name, user.role, user.language) == (
        "New Person",
        Role.TEACHER,
        "es",
    )
    assert user.check_password(STRONG_PASSWORD)
    assert not user.is_staff


def test_a_user_can_be_created_without_a_usable_password(admin_client_):
    response = admin_client_.post(
        admin_url(User, "add"),
        user_post(usable_password="false", password1="", password2=""),
    )
    assert response.status_code == 302
    assert not User.objects.get(email="new.person@example.org").has_usable_password()


def test_it_rejects_a_duplicate_email_in_another_case_when_adding_a_user(
    admin_client_, teacher
):
    response = admin_client_.post(
        admin_url(User, "add"), user_post(email="TOMAS@Example.ORG")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email address already exists."
    ]
    assert User.objects.filter(email__iexact="tomas@example.org").count() == 1


def test_it_rejects_a_duplicate_email_in_another_case_when_changing_a_user(
    admin_client_, teacher, other_teacher
):
    response = admin_client_.post(
        admin_url(User, "change", other_teacher.pk),
        {
            "email": "Tomas@example.org",
            "given_name": other_teacher.given_name,
            "family_name": other_teacher.family_name,
            "role": Role.TEACHER,
            "language": "en",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        "A user with this email address already exists."
    ]
    other_teacher.refresh_from_db()
    assert other_teacher.email == "olga@example.org"


def test_the_admin_role_changes_a_user_and_staff_follows_the_role(
    admin_client_, teacher
):
    response = admin_client_.post(
        admin_url(User, "change", teacher.pk),
        {
            "email": teacher.email,
            "given_name": "Tomás T.",
            "family_name": "Teacher",
            "role": Role.ADMIN,
            "language": "en",
            "is_active": "on",
            # Ignored: these fields are not in a school admin's form.
            "is_staff": "",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.full_name == "Tomás T. Teacher"
    assert teacher.is_staff
    assert not teacher.is_superuser


def test_permission_fields_are_for_superusers_only(client, admin, superuser, teacher):
    client.force_login(admin)
    form = client.get(admin_url(User, "change", teacher.pk)).context["adminform"].form
    assert "email" in form.fields
    assert not {"is_superuser", "groups", "user_permissions", "is_staff"} & set(
        form.fields
    )
    client.force_login(superuser)
    form = client.get(admin_url(User, "change", teacher.pk)).context["adminform"].form
    assert {"is_superuser", "groups", "user_permissions"} <= set(form.fields)
    assert "is_staff" not in form.fields


def test_the_admin_role_cannot_change_a_superuser(admin_client_, superuser):
    response = admin_client_.post(
        admin_url(User, "change", superuser.pk),
        {
            "email": "ada.admin+takeover@example.org",
            "given_name": superuser.given_name,
            "family_name": superuser.family_name,
            "role": Role.ADMIN,
            "language": "en",
            "is_active": "on",
        },
    )
    assert response.status_code == 403
    assert (
        admin_client_.get(
            reverse("admin:auth_user_password_change", args=[superuser.pk])
        ).status_code
        == 403
    )
    superuser.refresh_from_db()
    assert superuser.email == "sam.super@example.org"


def test_the_deactivate_action_deactivates_and_keeps_records(
    admin_client_, admin, student, teacher
):
    response = admin_client_.post(
        admin_url(User, "changelist"),
        {
            "action": "deactivate_users",
            ACTION_CHECKBOX_NAME: [str(student.pk), str(teacher.pk), str(admin.pk)],
            "confirm": "yes",
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    teacher.refresh_from_db()
    admin.refresh_from_db()
    assert not student.is_active
    assert not teacher.is_active
    # Nobody locks themselves out by ticking their own row.
    assert admin.is_active
    assert Enrollment.objects.filter(student=student).exists()
    assert Classroom.objects.filter(teacher=teacher).exists()
    history = AuditEvent.objects.filter(actor_user=admin, code=DEACTIVATED)
    assert {int(row.target_id) for row in history} == {student.pk, teacher.pk}
    assert {row.channel for row in history} == {Channel.ADMIN}
    assert audit.describe(history[0]) == "Deactivated: can no longer sign in."


@pytest.mark.parametrize("staff_client", ["admin", "superuser"], indirect=True)
def test_the_user_admin_offers_no_bulk_delete(staff_client):
    response = staff_client.get(admin_url(User, "changelist"))
    choices = dict(response.context["action_form"].fields["action"].choices)
    assert "deactivate_users" in choices
    assert "delete_selected" not in choices


def test_the_user_list_filters_by_classroom(admin_client_, student, other_student):
    classroom = Classroom.objects.get(name="7A")
    response = admin_client_.get(
        admin_url(User, "changelist"), {"classroom": str(classroom.pk)}
    )
    assert list(response.context["cl"].result_list) == [student]
