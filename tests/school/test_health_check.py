import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"

# Runs the health check in a fresh process whose environment points at services
# that really do not answer: nothing listens on port 1.
HEALTH_CHECK_SCRIPT = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school.settings")
django.setup()
from django.test import Client
response = Client().get("/health-check")
print(json.dumps({"status_code": response.status_code, "body": response.json()}))
"""


def health_check_in_subprocess(**environment):
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "CRITICAL",
        **environment,
    }
    completed = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", HEALTH_CHECK_SCRIPT],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_it_reports_ok_when_database_and_cache_answer(client):
    response = client.get(reverse("health_check"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_it_needs_no_login_and_is_never_cached(client):
    response = client.get("/health-check")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_it_refuses_post(client):
    assert client.post("/health-check").status_code == 405


def reachable_database_url():
    """The test run's own database, which exists and answers."""
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        return (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}"
            f"@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"
        )
    return "sqlite:///:memory:"


def test_it_stays_up_but_degraded_when_redis_is_unreachable():
    result = health_check_in_subprocess(
        DATABASE_URL=reachable_database_url(), REDIS_URL=UNREACHABLE_REDIS
    )
    assert result == {
        "status_code": 200,
        "body": {"status": "degraded", "database": "ok", "cache": "down"},
    }


def test_it_answers_503_when_the_database_is_unreachable():
    result = health_check_in_subprocess(
        DATABASE_URL="postgres://postgres@127.0.0.1:1/school", REDIS_URL=""
    )
    assert result["status_code"] == 503
    assert result["body"]["status"] == "error"
    assert result["body"]["database"] == "down"
