import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]

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


# --- The three login limits, with their production defaults unless a test says ---


def test_ten_bad_passwords_in_a_minute_from_one_address_get_429(client, teacher, clock):
    statuses = []
    for _ in range(10):
        response = failed_login(client, teacher.email)
        statuses.append(response.status_code)
        clock[0] += 5
    assert statuses == [200] * 5 + [429] * 5  # RATE_LIMIT_LOGIN_PER_ACCOUNT_IP 5/5m
    assert 1 <= int(response["Retry-After"]) <= 300


def test_changing_x_forwarded_for_on_each_try_does_not_help(
    client, teacher, clock, login_limit
):
    statuses = [
        client.post(
            reverse("login"),
            {"username": teacher.email, "password": "wrong-password"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            HTTP_X_REAL_IP=f"192.0.2.{n}",  # not from a trusted proxy: ignored too
        ).status_code
        for n in range(1, 7)
    ]
    assert statuses == [200, 200, 200, 429, 429, 429]


@pytest.fixture
def account_limit(settings, login_limit):
    settings.RATE_LIMIT_LOGIN_PER_ACCOUNT = "6/h"


def test_the_per_account_limit_trips_across_many_addresses_at_its_own_rate(
    client, teacher, password, clock, account_limit
):
    # Two tries from each address stay under the (account, address) limit of 3...
    statuses = [
        failed_login(client, teacher.email, ip=f"198.51.100.{n // 2}").status_code
        for n in range(7)
    ]
    # ...but the account as a whole allows 6 an hour, wherever they come from.
    assert statuses == [200] * 6 + [429]
    response = client.post(
        reverse("login"),
        {"username": teacher.email, "password": password},
        REMOTE_ADDR="192.0.2.200",
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600


def test_tries_refused_per_address_do_not_use_up_the_account_limit(
    client, teacher, password, clock, account_limit
):
    # A student hammering a teacher's account from one machine...
    for _ in range(20):
        failed_login(client, teacher.email, ip="198.51.100.66")
    # ...has used 3 of the account's 6: the teacher still gets in from elsewhere.
    response = client.post(
        reverse("login"),
        {"username": teacher.email, "password": password},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302


def test_the_per_address_limit_trips_across_many_accounts(client, settings, clock):
    settings.RATE_LIMIT_LOGIN_PER_IP = "5/h"
    statuses = [
        failed_login(client, f"person{n}@example.org").status_code for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    # Other addresses are not affected.
    assert failed_login(client, "person9@example.org", ip="192.0.2.1").status_code == (
        200
    )


def test_the_admin_login_shares_the_per_account_limit(
    client, teacher, clock, account_limit
):
    admin_login = reverse("admin:login")
    statuses = [
        failed_login(
            client,
            teacher.email,
            url=admin_login if n % 2 else None,
            ip=f"198.51.100.{n}",
        ).status_code
        for n in range(7)
    ]
    assert statuses == [200] * 6 + [429]
    assert failed_login(client, teacher.email, url=admin_login).status_code == 429


def test_the_admin_login_shares_the_per_address_limit(client, settings, clock):
    settings.RATE_LIMIT_LOGIN_PER_IP = "4/h"
    admin_login = reverse("admin:login")
    for n in range(2):
        assert failed_login(client, f"p{n}@example.org").status_code == 200
        assert failed_login(
            client, f"q{n}@example.org", url=admin_login
        ).status_code == (200)
    assert failed_login(client, "r@example.org", url=admin_login).status_code == 429
    assert failed_login(client, "s@example.org").status_code == 429


# --- Password reset ---


def reset_request(client, email, *, ip="203.0.113.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


def test_password_reset_answers_the_same_for_known_and_unknown_emails_then_429(
    client, teacher, clock
):
    known, unknown = teacher.email, "nobody@example.org"
    for _ in range(3):  # RATE_LIMIT_PASSWORD_RESET_PER_EMAIL 3/h
        for email in (known, unknown):
            response = reset_request(client, email)
            assert response.status_code == 302
            assert response.url == reverse("password_reset_done")
    refused = {email: reset_request(client, email) for email in (known, unknown)}
    for response in refused.values():
        assert response.status_code == 429
        assert 1 <= int(response["Retry-After"]) <= 3600
        assert "Too many attempts" in response.content.decode()


def test_password_reset_counts_the_email_in_any_case_from_any_address(
    client, teacher, clock
):
    for n, email in enumerate([teacher.email, teacher.email.upper(), teacher.email]):
        assert reset_request(client, email, ip=f"198.51.100.{n}").status_code == 302
    assert reset_request(client, f" {teacher.email.title()} ").status_code == 429


def test_password_reset_is_limited_per_address_across_emails(client, clock):
    statuses = [
        reset_request(client, f"person{n}@example.org").status_code for n in range(11)
    ]
    assert statuses == [302] * 10 + [429]  # RATE_LIMIT_PASSWORD_RESET_PER_IP 10/h
    assert reset_request(client, "other@example.org", ip="192.0.2.1").status_code == (
        302
    )


def test_showing_the_password_reset_page_is_not_counted(client, clock):
    for _ in range(12):
        assert client.get(reverse("password_reset")).status_code == 200
    assert reset_request(client, "nobody@example.org").status_code == 302


def test_every_limit_is_read_from_the_environment():
    limits = {
        "RATE_LIMIT_LOGIN_PER_ACCOUNT_IP": "7/m",
        "RATE_LIMIT_LOGIN_PER_ACCOUNT": "8/h",
        "RATE_LIMIT_LOGIN_PER_IP": "9/h",
        "RATE_LIMIT_PASSWORD_RESET_PER_IP": "11/h",
        "RATE_LIMIT_PASSWORD_RESET_PER_EMAIL": "2/d",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, django; django.setup(); from django.conf import settings; "
            "print([getattr(settings, n) for n in os.environ['LIMIT_NAMES'].split()])",
        ],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            **limits,
            "DJANGO_SETTINGS_MODULE": "school.settings",
            "LIMIT_NAMES": " ".join(limits),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(list(limits.values()))


# --- Redis really unreachable (nothing listens on port 1): fail closed, 503 ---


class TestWithRedisDown:
    @pytest.fixture(autouse=True)
    def _clear_cache(self):
        """Overrides the suite's cache clearing, which would need a live cache."""

    @pytest.fixture(autouse=True)
    def _redis_down(self, settings):
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {
                    "SOCKET_CONNECT_TIMEOUT": 1,
                    "SOCKET_TIMEOUT": 1,
                    "IGNORE_EXCEPTIONS": True,
                },
            }
        }

    @pytest.mark.parametrize("email", ["tomas@example.org", "nobody@example.org"])
    def test_password_reset_answers_503_never_500(self, client, teacher, email):
        response = reset_request(client, email)
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert "Temporarily unavailable" in response.content.decode()

    def test_the_admin_login_answers_503(self, client, teacher, password):
        response = client.post(
            reverse("admin:login"), {"username": teacher.email, "password": password}
        )
        assert response.status_code == 503
        assert "_auth_user_id" not in client.session
