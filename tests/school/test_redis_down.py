"""The portal with its Redis really unreachable (nothing listens on port 1)."""

import pytest
from django.urls import reverse

from tests.school.test_public_urls import portal_urls

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
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


@pytest.fixture(autouse=True)
def _clear_cache():
    """Overrides the suite's cache clearing, which would need a live cache."""


def test_login_refuses_with_503_rather_than_run_unprotected(
    client, teacher, password, redis_down
):
    response = client.post(
        reverse("login"), {"username": teacher.email, "password": password}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "Temporarily unavailable" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logged_in_users_keep_their_session_and_pages(
    client, teacher, classroom, redis_down
):
    client.force_login(teacher)
    response = client.get(reverse("my_classes"))
    assert response.status_code == 200
    assert "7A" in response.content.decode()


def test_the_login_page_itself_still_shows(client, redis_down):
    assert client.get(reverse("login")).status_code == 200


def test_the_health_check_says_degraded(client, redis_down):
    response = client.get(reverse("health_check"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "down"}


@pytest.mark.parametrize(("name", "url"), list(portal_urls()))
def test_no_page_answers_500_for_staff_with_redis_down(
    client, admin, redis_down, name, url
):
    client.raise_request_exception = False
    client.force_login(admin)
    assert client.get(url).status_code < 500, url


@pytest.mark.parametrize(
    "url", ["/classrooms/", "/report-card/", "/school/", "/health-check", "/nope/"]
)
def test_no_page_answers_500_for_a_student_with_redis_down(
    client, student, redis_down, url
):
    client.raise_request_exception = False
    client.force_login(student)
    assert client.get(url).status_code < 500
