import datetime
from decimal import Decimal

import pytest

from tests import factories


@pytest.fixture
def term(school_year):
    return factories.TermFactory(
        school_year=school_year,
        name="Autumn",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 1, 31),
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


def add_students(classroom, count):
    students = []
    for _ in range(count):
        enrollment = factories.EnrollmentFactory(classroom=classroom)
        students.append(enrollment.student)
    return students
