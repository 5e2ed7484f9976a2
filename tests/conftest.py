"""Personas shared by every test, as DESIGN.md names them.

`teacher` is the homeroom teacher of `classroom` and teaches its `classroom_subject`;
`student` is enrolled there and advised by `advisor`. `other_teacher` and
`other_student` belong to `other_classroom` and have no tie to the first one.
"""

import os
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.utils import translation

from tests import factories
from tests.school_calendar import SCHOOL, SESSION_START

# The shared assertion helpers get pytest's detailed failure messages too.
pytest.register_assert_rewrite("tests.assertions")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Keep the serialized rollback working after the browser tests start.

    `serialized_rollback` restores the rows the migrations wrote (the "School
    admin" group, the grade bands) from an attribute of the database connection
    object. Once Playwright's sync API runs, Django hands this thread a new
    connection object without it, and the rows would silently stay flushed for
    every later test; on the connection class, every instance has it.
    """
    from django.db import connections

    classes = []
    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents
            classes.append(type(connection))
    yield
    for connection_class in classes:
        del connection_class._test_serialized_contents


@pytest.fixture(autouse=True)
def clock():
    """Every test runs at the moment the suite started, on a clock that stands still.

    School years and terms are built around that day (tests/school_calendar.py);
    a test that needs another moment moves this clock (`clock.move_to(...)`,
    `clock.shift(...)`). Monotonic time is left alone: timeouts and waits for
    readiness keep running.
    """
    with time_machine.travel(SESSION_START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _clear_cache():
    # Rate-limit counters and cached sessions live in the cache (Redis in CI):
    # each test starts from an empty one.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    # A request signed in as a Spanish speaker activates Spanish for the thread;
    # the next test starts in the default language whatever this one did.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests do not test its strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password():
    return factories.TEST_PASSWORD


@pytest.fixture
def admin(db):
    return factories.AdminFactory(full_name="Ada Admin", email="ada.admin@example.org")


@pytest.fixture
def teacher(db):
    return factories.TeacherFactory(
        full_name="Tomás Teacher", email="tomas@example.org"
    )


@pytest.fixture
def other_teacher(db):
    return factories.TeacherFactory(full_name="Olga Other", email="olga@example.org")


@pytest.fixture
def advisor(db):
    return factories.TeacherFactory(full_name="Ana Advisor", email="ana@example.org")


@pytest.fixture
def school_year(db):
    return factories.SchoolYearFactory()


@pytest.fixture
def classroom(teacher, school_year):
    return factories.ClassroomFactory(
        name="7A", teacher=teacher, school_year=school_year
    )


@pytest.fixture
def classroom_subject(classroom):
    return factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="Mathematics", code="MATH"),
    )


@pytest.fixture
def student(classroom, advisor):
    student = factories.StudentFactory(
        full_name="Sofía Student", email="sofia@example.org"
    )
    factories.EnrollmentFactory(student=student, classroom=classroom)
    factories.AdvisingFactory(teacher=advisor, student=student)
    return student


@pytest.fixture
def other_classroom(other_teacher, school_year):
    return factories.ClassroomFactory(
        name="8B", teacher=other_teacher, school_year=school_year
    )


@pytest.fixture
def other_student(other_classroom):
    student = factories.StudentFactory(full_name="Omar Other", email="omar@example.org")
    factories.EnrollmentFactory(student=student, classroom=other_classroom)
    return student


@pytest.fixture
def term(school_year):
    return factories.TermFactory(
        school_year=school_year,
        name="Autumn",
        starts_on=SCHOOL.first_term[0],
        ends_on=SCHOOL.first_term[1],
    )


@pytest.fixture
def homework(classroom_subject):
    return factories.CategoryFactory(
        classroom_subject=classroom_subject, name="Homework", weight=Decimal("40")
    )


@pytest.fixture
def quiz(classroom_subject, term, homework):
    return factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Quiz 1",
        max_points=Decimal("20"),
    )


@pytest.fixture
def exam(classroom_subject, term, homework):
    return factories.AssessmentFactory(
        classroom_subject=classroom_subject,
        term=term,
        category=homework,
        title="Exam",
        max_points=Decimal("100"),
    )


def pytest_collection_modifyitems(config, items):
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session, exitstatus):
    # CI runs on PostgreSQL + Redis, where nothing may be skipped.
    if os.environ.get("FAIL_ON_SKIPPED_TESTS") and exitstatus == 0:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        skipped = reporter.stats.get("skipped", []) if reporter else []
        if skipped:
            reporter.write_line(f"{len(skipped)} skipped: not allowed in CI", red=True)
            session.exitstatus = 1
