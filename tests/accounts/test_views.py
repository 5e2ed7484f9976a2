import pytest
from django.urls import reverse

from accounts.models import Language
from tests import factories

pytestmark = pytest.mark.django_db


def login_post(client, email, password):
    return client.post(reverse("login"), {"username": email, "password": password})


class TestLogin:
    def test_logging_in_costs_a_fixed_number_of_queries(
        self, client, student, password, django_assert_num_queries
    ):
        # the user by email; a free session key checked, the session created
        # (in a savepoint); last login saved; the session saved (in a savepoint)
        with django_assert_num_queries(9):
            response = client.post(
                reverse("login"), {"username": student.email, "password": password}
            )
        assert response.status_code == 302

    def test_it_shows_the_login_page_to_anonymous_users(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert b'name="username"' in response.content
        assert b'type="email"' in response.content

    @pytest.mark.parametrize(
        ("persona", "home"),
        [
            ("teacher", "my_classes"),
            ("student", "report_card"),
            ("admin", "school_overview"),
        ],
    )
    def test_it_sends_each_role_to_its_home(
        self, request, client, password, persona, home
    ):
        user = request.getfixturevalue(persona)
        response = login_post(client, user.email, password)
        assert response.status_code == 302
        assert response.url == reverse("home")
        assert client.get(reverse("home")).url == reverse(home)

    def test_it_accepts_the_email_in_any_case(self, client, teacher, password):
        response = login_post(client, teacher.email.upper(), password)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(teacher.pk)

    def test_it_gives_one_message_for_a_wrong_password_and_an_unknown_email(
        self, client, teacher
    ):
        wrong_password = login_post(client, teacher.email, "not-the-password")
        unknown = login_post(client, "nobody@example.org", "not-the-password")
        assert wrong_password.status_code == unknown.status_code == 200
        message = "That email and password do not match an active account."
        assert message in wrong_password.content.decode()
        assert message in unknown.content.decode()
        assert "_auth_user_id" not in client.session

    def test_it_refuses_a_deactivated_account_with_the_same_message(
        self, client, password
    ):
        user = factories.TeacherFactory(is_active=False)
        response = login_post(client, user.email, password)
        assert response.status_code == 200
        assert "do not match an active account" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_it_follows_a_safe_next_url_after_login(self, client, teacher, password):
        response = client.post(
            reverse("login"),
            {"username": teacher.email, "password": password, "next": "/classrooms/"},
        )
        assert response.url == "/classrooms/"

    def test_it_ignores_a_next_url_on_another_host(self, client, teacher, password):
        response = client.post(
            reverse("login"),
            {
                "username": teacher.email,
                "password": password,
                "next": "https://evil.example.com/",
            },
        )
        assert response.url == reverse("home")


class TestLogout:
    def test_it_logs_out_on_post(self, client, teacher):
        client.force_login(teacher)
        response = client.post(reverse("logout"))
        assert response.status_code == 302
        assert response.url == reverse("login")
        assert "_auth_user_id" not in client.session

    def test_it_refuses_get(self, client, teacher):
        client.force_login(teacher)
        assert client.get(reverse("logout")).status_code == 405
        assert "_auth_user_id" in client.session


class TestPasswordChange:
    def test_it_changes_the_password(self, client, teacher, password):
        client.force_login(teacher)
        new_password = "a-much-longer-new-password-42"
        response = client.post(
            reverse("password_change"),
            {
                "old_password": password,
                "new_password1": new_password,
                "new_password2": new_password,
            },
        )
        assert response.status_code == 302
        assert response.url == reverse("password_change_done")
        teacher.refresh_from_db()
        assert teacher.check_password(new_password)

    def test_it_rejects_a_short_password_with_a_message(
        self, client, teacher, password
    ):
        client.force_login(teacher)
        response = client.post(
            reverse("password_change"),
            {
                "old_password": password,
                "new_password1": "short1",
                "new_password2": "short1",
            },
        )
        assert response.status_code == 200
        assert "at least 12 characters" in response.content.decode()
        teacher.refresh_from_db()
        assert teacher.check_password(password)

    def test_it_needs_login(self, client):
        response = client.get(reverse("password_change"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


class TestPasswordReset:
    def test_it_answers_the_same_for_known_and_unknown_emails(
        self, client, teacher, mailoutbox
    ):
        known = client.post(reverse("password_reset"), {"email": teacher.email})
        unknown = client.post(
            reverse("password_reset"), {"email": "nobody@example.org"}
        )
        assert known.status_code == unknown.status_code == 302
        assert known.url == unknown.url == reverse("password_reset_done")
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == [teacher.email]


class TestLanguage:
    def test_a_logged_in_user_keeps_the_chosen_language(self, client, teacher):
        client.force_login(teacher)
        response = client.post(
            reverse("set_language"), {"language": "es", "next": reverse("my_classes")}
        )
        assert response.status_code == 302
        teacher.refresh_from_db()
        assert teacher.language == Language.SPANISH
        page = client.get(reverse("my_classes"))
        assert page["Content-Language"] == "es"
        assert "Mis clases" in page.content.decode()

    def test_anonymous_users_can_switch_the_login_page(self, client):
        response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
        assert response.status_code == 302
        page = client.get(reverse("login"))
        assert "Iniciar sesión" in page.content.decode()

    def test_it_ignores_an_unknown_language(self, client, teacher):
        client.force_login(teacher)
        client.post(reverse("set_language"), {"language": "xx"})
        teacher.refresh_from_db()
        assert teacher.language == Language.ENGLISH

    def test_it_refuses_get(self, client, teacher):
        client.force_login(teacher)
        assert client.get(reverse("set_language")).status_code == 405
