"""Which term and school year are current, on the days calendars get wrong.

Each test travels to its moment with the suite's clock. Years are derived from the
suite's own school year (tests/school_calendar.py), never written as literals, so
the same days are tested whenever the suite runs. Moments are local to the
school's time zone, and each test also runs in a zone far ahead of UTC, where the
local day starts on the previous UTC date.
"""

import calendar
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from classrooms.selectors import current_school_year, terms_of
from grades.selectors import current_term
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

FIRST_MINUTE = datetime.time(0, 0, 30)
LAST_MINUTE = datetime.time(23, 59, 30)


@pytest.fixture(params=["UTC", "Pacific/Kiritimati"])
def school_time_zone(request, settings):
    # Kiritimati is UTC+14: its mornings are the previous day in UTC.
    settings.TIME_ZONE = request.param
    return request.param


def travel(clock, day, at=datetime.time(12)):
    """Move the suite's clock to `day` at `at`, in the school's time zone."""
    clock.move_to(timezone.make_aware(datetime.datetime.combine(day, at)))
    assert timezone.localdate() == day


def build_year(first_day, last_day, *terms):
    """A school year and its terms, each given as (name, first day, last day)."""
    year = factories.SchoolYearFactory(
        name=f"{first_day.year}-{last_day.year}",
        starts_on=first_day,
        ends_on=last_day,
    )
    return year, [
        factories.TermFactory(school_year=year, name=name, starts_on=start, ends_on=end)
        for name, start, end in terms
    ]


@pytest.fixture
def northern_year():
    """September to June, terms ending on 31 January and 15 June; far from the
    persona year so that no other year contains its days."""
    start = datetime.date(SCHOOL.year_start.year + 3, 9, 1)
    return build_year(
        start,
        datetime.date(start.year + 1, 6, 30),
        ("Autumn", start, datetime.date(start.year + 1, 1, 31)),
        (
            "Spring",
            datetime.date(start.year + 1, 2, 1),
            datetime.date(start.year + 1, 6, 15),
        ),
    )


def next_leap_year(after):
    year = after + 1
    while not calendar.isleap(year):
        year += 1
    return year


class TestTermEdges:
    @pytest.mark.usefixtures("school_time_zone")
    def test_the_first_day_of_a_term_belongs_to_it_from_its_first_minute(
        self, clock, northern_year
    ):
        _year, (autumn, spring) = northern_year
        travel(clock, autumn.ends_on, LAST_MINUTE)
        assert current_term([autumn, spring]) == autumn
        travel(clock, spring.starts_on, FIRST_MINUTE)
        assert current_term([autumn, spring]) == spring

    @pytest.mark.usefixtures("school_time_zone")
    def test_the_last_day_of_a_term_belongs_to_it_until_its_last_minute(
        self, clock, northern_year
    ):
        _year, (autumn, spring) = northern_year
        travel(clock, spring.ends_on, LAST_MINUTE)
        assert current_term([autumn, spring]) == spring
        travel(clock, autumn.ends_on, LAST_MINUTE)
        assert current_term([autumn, spring]) == autumn

    @pytest.mark.usefixtures("school_time_zone")
    def test_a_term_that_crosses_31_december_is_current_on_both_sides(self, clock):
        start = datetime.date(SCHOOL.year_start.year + 4, 9, 1)
        new_year = datetime.date(start.year + 1, 1, 1)
        year, (first, winter, last) = build_year(
            start,
            datetime.date(start.year + 1, 8, 31),
            ("First", start, datetime.date(start.year, 11, 30)),
            (
                "Winter",
                datetime.date(start.year, 12, 1),
                datetime.date(start.year + 1, 3, 31),
            ),
            (
                "Last",
                datetime.date(start.year + 1, 4, 1),
                datetime.date(start.year + 1, 8, 31),
            ),
        )
        for day, at in [
            (new_year - datetime.timedelta(days=1), LAST_MINUTE),
            (new_year, FIRST_MINUTE),
        ]:
            travel(clock, day, at)
            assert current_term([first, winter, last]) == winter, day
            assert current_school_year() == year, day

    @pytest.mark.usefixtures("school_time_zone")
    def test_29_february_is_the_last_day_of_a_term_that_ends_with_february(self, clock):
        leap = next_leap_year(SCHOOL.year_start.year + 4)
        leap_day = datetime.date(leap, 2, 29)
        year, (winter, spring) = build_year(
            datetime.date(leap - 1, 9, 1),
            datetime.date(leap, 6, 30),
            ("Winter", datetime.date(leap - 1, 9, 1), leap_day),
            ("Spring", datetime.date(leap, 3, 1), datetime.date(leap, 6, 30)),
        )
        travel(clock, leap_day, LAST_MINUTE)
        assert current_term([winter, spring]) == winter
        assert current_school_year() == year
        travel(clock, leap_day + datetime.timedelta(days=1), FIRST_MINUTE)
        assert current_term([winter, spring]) == spring

    def test_after_every_term_of_the_year_the_last_term_is_current(
        self, clock, northern_year
    ):
        year, (autumn, spring) = northern_year
        # 20 June: inside the school year, after its last term ended on 15 June.
        travel(clock, spring.ends_on + datetime.timedelta(days=5))
        assert current_school_year() == year
        assert current_term([autumn, spring]) == spring

    def test_before_every_term_of_the_year_the_first_term_is_current(self, clock):
        start = datetime.date(SCHOOL.year_start.year + 3, 9, 1)
        _year, (autumn, spring) = build_year(
            start,
            datetime.date(start.year + 1, 6, 30),
            (
                "Autumn",
                start + datetime.timedelta(days=7),
                datetime.date(start.year, 12, 20),
            ),
            (
                "Spring",
                datetime.date(start.year + 1, 1, 7),
                datetime.date(start.year + 1, 6, 30),
            ),
        )
        travel(clock, start)
        assert current_term([autumn, spring]) == autumn


class TestSummer:
    def test_in_summer_no_year_or_term_contains_today(self, clock, northern_year):
        year, (autumn, spring) = northern_year
        summer = datetime.date(year.ends_on.year, 7, 15)
        travel(clock, summer)
        assert not any(t.starts_on <= summer <= t.ends_on for t in (autumn, spring))
        # No year contains the day: the latest year is shown, and in it the term
        # that ended last (teachers finish their grades in the summer).
        assert current_school_year() == year
        assert current_term([autumn, spring]) == spring

    def test_in_summer_the_next_year_is_current_once_staff_have_created_it(
        self, clock, northern_year
    ):
        year, _terms = northern_year
        following, _ = build_year(
            datetime.date(year.ends_on.year, 9, 1),
            datetime.date(year.ends_on.year + 1, 6, 30),
        )
        travel(clock, datetime.date(year.ends_on.year, 8, 20))
        assert current_school_year() == following

    def test_in_summer_the_gradebook_opens_on_the_term_that_ended_last(
        self, clock, client, northern_year
    ):
        year, (autumn, spring) = northern_year
        teacher = factories.TeacherFactory()
        classroom_subject = factories.ClassroomSubjectFactory(
            classroom=factories.ClassroomFactory(school_year=year, teacher=teacher)
        )
        assert terms_of(classroom_subject.classroom) == [autumn, spring]
        travel(clock, datetime.date(year.ends_on.year, 7, 15))
        client.force_login(teacher)
        response = client.get(
            reverse("gradebook", args=[classroom_subject.classroom_id]),
            {"subject": classroom_subject.pk},
        )
        assert response.status_code == 200
        assert response.context["term"] == spring


class TestTheSuitesOwnCalendar:
    def test_the_persona_term_is_current_on_the_day_the_suite_runs(
        self, term, school_year
    ):
        today = timezone.localdate()
        assert term.starts_on < today < term.ends_on
        assert current_term([term]) == term
        assert current_school_year() == school_year

    def test_the_clock_stands_still_within_a_test(self, clock):
        before = timezone.now()
        assert timezone.now() == before
        clock.shift(datetime.timedelta(days=1))
        assert timezone.now() == before + datetime.timedelta(days=1)
