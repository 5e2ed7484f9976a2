from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_missing_page_shows_the_styled_404(client, teacher):
    client.force_login(teacher)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "css/site.css" in page


def test_a_forbidden_page_shows_the_styled_403(client, student):
    client.force_login(student)
    response = client.get("/school/")
    assert response.status_code == 403
    assert "You cannot do this" in response.content.decode()


@pytest.mark.urls("tests.school.urls_with_failing_view")
def test_a_crash_shows_the_styled_500_without_details(teacher):
    client = Client(raise_request_exception=False)
    client.force_login(teacher)
    response = client.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "hunter2" not in page
    assert "Traceback" not in page
    assert "SECRET_KEY" not in page


def test_a_bad_host_header_gets_400_not_a_traceback():
    response = Client(raise_request_exception=False).get(
        "/accounts/login/", HTTP_HOST="evil.example.com"
    )
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()


def test_a_form_posted_without_csrf_token_shows_the_styled_page(teacher):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


@pytest.mark.urls("tests.school.urls_with_failing_view")
def test_an_unreachable_database_answers_503_with_retry_after(teacher):
    client = Client(raise_request_exception=False)
    client.force_login(teacher)
    response = client.get("/database-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "Temporarily unavailable" in page
    assert "refused" not in page


def test_the_health_check_answers_json_503_when_the_database_fails_on_the_way(
    teacher,
):
    client = Client(raise_request_exception=False)
    client.force_login(teacher)
    with mock.patch(
        "school.views.check_services", side_effect=OperationalError("refused")
    ):
        response = client.get("/health-check")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] == "down"
