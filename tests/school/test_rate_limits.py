from unittest import mock

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0  # a fixed instant, so no test straddles a window edge


@pytest.fixture
def clock():
    """django-ratelimit's clock, moved by hand."""
    now = [START]
    with mock.patch("django_ratelimit.core.time.time", side_effect=lambda: now[0]):
        yield now


@pytest.fixture
def login_limit(settings):
    settings.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP = "3/5m"


def failed_login(client, email, *, url=None, ip="203.0.113.7"):
    return client.post(
        url or reverse("login"),
        {"username": email, "password": "wrong-password"},
        REMOTE_ADDR=ip,
    )


def test_it_answers_429_with_retry_after_once_the_limit_is_reached(
    client, teacher, clock, login_limit
):
    for _ in range(3):
        assert failed_login(client, teacher.email).status_code == 200
    response = failed_login(client, teacher.email)
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 300
    assert "Too many attempts" in response.content.decode()
    assert "minute" in response.content.decode()


def test_the_right_password_is_refused_too_while_limited(
    client, teacher, password, clock, login_limit
):
    for _ in range(3):
        failed_login(client, teacher.email)
    response = client.post(
        reverse("login"),
        {"username": teacher.email, "password": password},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_lets_the_account_in_again_after_the_window(
    client, teacher, password, clock, login_limit
):
    for _ in range(4):
        failed_login(client, teacher.email)
    clock[0] += 301
    response = client.post(
        reverse("login"),
        {"username": teacher.email, "password": password},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302


def test_one_address_cannot_lock_the_account_out_for_another(
    client, teacher, password, clock, login_limit
):
    for _ in range(4):
        failed_login(client, teacher.email, ip="198.51.100.66")
    response = client.post(
        reverse("login"),
        {"username": teacher.email, "password": password},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302


def test_the_account_is_counted_in_any_case_of_the_email(
    client, teacher, clock, login_limit
):
    for email in [teacher.email, teacher.email.upper(), teacher.email.title()]:
        assert failed_login(client, email).status_code == 200
    assert failed_login(client, teacher.email).status_code == 429


def test_the_admin_login_shares_the_limit(client, teacher, clock, login_limit):
    admin_login = reverse("admin:login")
    for _ in range(3):
        assert failed_login(client, teacher.email, url=admin_login).status_code == 200
    assert failed_login(client, teacher.email, url=admin_login).status_code == 429
    assert failed_login(client, teacher.email).status_code == 429


def test_showing_the_login_page_is_not_counted(client, teacher, clock, login_limit):
    for _ in range(10):
        assert (
            client.get(reverse("login"), REMOTE_ADDR="203.0.113.7").status_code == 200
        )
    assert failed_login(client, teacher.email).status_code == 200
