"""Who is in a class depends on the day that matters.

A term's documents (report card, class report, batch) read the term; live pages
(gradebook, term grade sheet) read today. Here the clock stands in the second
term, after a student withdrew during it: that student is still on the first
term's documents, and no longer a current student of the live pages.
"""

import datetime

import pytest
from django.utils import timezone

from grades.report_batches import students_in_term
from grades.report_cards import report_card
from grades.reports import class_report
from grades.selectors import gradebook
from grades.term_grade_selectors import term_grade_sheet
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


@pytest.fixture
def spring(school_year):
    return factories.TermFactory(
        school_year=school_year,
        name="Spring",
        starts_on=SCHOOL.second_term_start,
        ends_on=SCHOOL.year_end,
    )


@pytest.fixture
def in_spring(clock, spring):
    """The clock a month into the second term."""
    day = SCHOOL.on(6, 15)
    clock.move_to(
        timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    )
    assert timezone.localdate() == day
    return day


@pytest.fixture
def stayer(classroom):
    return factories.EnrollmentFactory(classroom=classroom).student


@pytest.fixture
def leaver(classroom, in_spring):
    """Enrolled all of the first term, withdrawn during the second (before today)."""
    return factories.EnrollmentFactory(
        classroom=classroom, withdrawn_on=SCHOOL.on(6, 1)
    ).student


@pytest.fixture
def newcomer(classroom, in_spring):
    """Joined in the second term: never in the first."""
    return factories.EnrollmentFactory(
        classroom=classroom, enrolled_on=SCHOOL.second_term_start
    ).student


def test_the_leaver_keeps_their_first_term_report_card_line(
    classroom_subject, term, leaver, admin
):
    card = report_card(leaver, term, admin)
    assert [line.classroom_subject for line in card.lines] == [classroom_subject]
    assert card.lines[0].withdrawn_on == SCHOOL.on(6, 1)


def test_the_first_terms_class_report_counts_who_was_there_at_its_end(
    classroom_subject, term, stayer, leaver, newcomer
):
    report = class_report(classroom_subject, term)
    assert {row.student for row in report.students} == {stayer, leaver}


def test_the_running_terms_class_report_counts_todays_students(
    classroom_subject, spring, stayer, leaver, newcomer
):
    report = class_report(classroom_subject, spring)
    assert {row.student for row in report.students} == {stayer, newcomer}


def test_the_first_terms_batch_has_the_leaver_not_the_newcomer(
    classroom, term, stayer, leaver, newcomer
):
    assert set(students_in_term(term, classroom=classroom)) == {stayer, leaver}


def test_the_live_gradebook_shows_the_leaver_as_withdrawn(
    classroom_subject, spring, stayer, leaver, newcomer
):
    book = gradebook(classroom_subject, spring)
    assert {row.enrollment.student for row in book.rows} == {stayer, newcomer}
    assert [row.enrollment.student for row in book.withdrawn_rows] == [leaver]


def test_the_live_term_grade_sheet_shows_the_leaver_as_withdrawn(
    classroom_subject, spring, stayer, leaver, newcomer
):
    sheet = term_grade_sheet(classroom_subject, spring)
    assert {row.student for row in sheet.rows} == {stayer, newcomer}
    assert [row.student for row in sheet.withdrawn_rows] == [leaver]
