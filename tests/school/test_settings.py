"""Start-up with a bad environment: one clear line naming the variable, no traceback."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "s" * 50,
    "ALLOWED_HOSTS": "school.example.org",
    "DATABASE_URL": "sqlite:////tmp/school-settings-test.sqlite3",
    "EMAIL_URL": "smtp://mail.example.org:25",
}


def manage_check(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_starts_with_a_complete_production_environment():
    result = manage_check()
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("variable", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL"])
def test_it_stops_with_one_line_when_a_production_variable_is_missing(variable):
    result = manage_check(**{variable: None})
    assert result.returncode != 0
    assert result.stderr.strip() == (
        f"Configuration error: {variable} must be set in the environment "
        "when DEBUG is off."
    )
    assert "Traceback" not in result.stderr


def test_it_runs_without_secret_key_in_debug_mode():
    result = manage_check(DEBUG="true", SECRET_KEY=None, ALLOWED_HOSTS=None)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url", ["not a url", "mysqlx://nowhere/db", "postgres//missing-colon/db"]
)
def test_it_stops_with_one_line_on_a_malformed_database_url(url):
    result = manage_check(DATABASE_URL=url)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "Configuration error: DATABASE_URL is not a valid database"
    )
    assert "Traceback" not in result.stderr


def test_gunicorn_entry_point_reports_the_same_line():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.update(PRODUCTION_ENV)
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "-c", "import school.wsgi"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Configuration error: SECRET_KEY must be set in the environment "
        "when DEBUG is off."
    )


def database_options(**overrides):
    """settings.DATABASES["default"]["OPTIONS"] as a fresh process loads it."""
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV}
    env.pop("DATABASE_STATEMENT_TIMEOUT_MS", None)
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="school.settings")
    env.update(overrides)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


POSTGRES_URL = "postgres://school:secret@db.example.org:5432/school"


def test_postgres_statements_time_out_before_gunicorn_kills_the_worker():
    options = database_options(DATABASE_URL=POSTGRES_URL)
    # 25 s: below gunicorn's 30 s worker timeout (gunicorn.conf.py).
    assert options["options"] == "-c statement_timeout=25000"
    assert options["connect_timeout"] == 2


def test_the_statement_timeout_comes_from_the_environment():
    options = database_options(
        DATABASE_URL=POSTGRES_URL, DATABASE_STATEMENT_TIMEOUT_MS="0"
    )
    assert options["options"] == "-c statement_timeout=0"


def test_options_in_the_database_url_are_kept():
    options = database_options(
        DATABASE_URL=f"{POSTGRES_URL}?options=-c%20statement_timeout%3D5000"
    )
    assert options["options"] == "-c statement_timeout=5000"


def test_sqlite_gets_no_statement_timeout():
    assert "options" not in database_options()


def test_it_stops_with_one_line_on_a_malformed_statement_timeout():
    result = manage_check(
        DATABASE_URL=POSTGRES_URL, DATABASE_STATEMENT_TIMEOUT_MS="25s"
    )
    assert result.returncode != 0
    assert result.stderr.strip() == (
        "Configuration error: DATABASE_STATEMENT_TIMEOUT_MS must be a whole number "
        "of milliseconds (0 for no limit)."
    )


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_applies_the_statement_timeout():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone() == ("25s",)
