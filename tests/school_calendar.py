"""The moment the suite runs at, and the school calendar built around it.

The suite's clock is frozen at the real date and time its session starts (the
autouse `clock` fixture), so every test runs "today", whatever today is. The school
year the factories build is the one around that day, laid out as a northern school
year (September to June, two terms of five months), moved so that the suite's day
falls in the fourth month of the first term. Every test therefore means the same on
any date: the first term is the current one, with three months of it behind and
one ahead; the second term has not started.

Months count from the year's first: `SCHOOL.on(0)` is its first day (the layout's
1 September), `SCHOOL.on(1)` a month later (1 October), `SCHOOL.on(4, 31)` the
last day of the first term (31 January). A test that needs a particular moment
(a term boundary, summer, 29 February) travels to it with the `clock` fixture.
"""

import calendar
import datetime
import os
from dataclasses import dataclass


def _session_start() -> datetime.datetime:
    """Now, unless SUITE_CLOCK names another moment (ISO 8601) to run the suite at."""
    chosen = os.environ.get("SUITE_CLOCK")
    if not chosen:
        return datetime.datetime.now(datetime.UTC)
    moment = datetime.datetime.fromisoformat(chosen)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


SESSION_START = _session_start()

MONTHS_PER_TERM = 5
MONTHS_PER_YEAR = 2 * MONTHS_PER_TERM
# The suite's day falls in this month of the year (0-based): the first term's fourth.
TODAY_MONTH = 3


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day of the month `months` later (or earlier), clamped to its length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class SchoolCalendar:
    """A school year of two terms, described by the first day of its first month."""

    year_start: datetime.date

    @classmethod
    def around(cls, today: datetime.date) -> "SchoolCalendar":
        return cls(add_months(today.replace(day=1), -TODAY_MONTH))

    def on(self, month: int, day: int = 1) -> datetime.date:
        """The `day` of the year's `month` (0 is the first; negative is before it)."""
        first = add_months(self.year_start, month)
        return first.replace(
            day=min(day, calendar.monthrange(first.year, first.month)[1])
        )

    def at(self, month: int, day: int = 1, hour: int = 12) -> datetime.datetime:
        """A moment (UTC) on `on(month, day)`, for timestamps such as `published_at`."""
        return datetime.datetime.combine(
            self.on(month, day), datetime.time(hour), tzinfo=datetime.UTC
        )

    def last_day(self, month: int) -> datetime.date:
        return self.on(month + 1) - datetime.timedelta(days=1)

    def shifted(self, years: int) -> "SchoolCalendar":
        """The same calendar `years` later (negative: earlier)."""
        return SchoolCalendar(add_months(self.year_start, 12 * years))

    @property
    def name(self) -> str:
        return f"{self.year_start.year}-{self.year_start.year + 1}"

    @property
    def year_end(self) -> datetime.date:
        return self.last_day(MONTHS_PER_YEAR - 1)

    @property
    def first_term_end(self) -> datetime.date:
        return self.last_day(MONTHS_PER_TERM - 1)

    @property
    def second_term_start(self) -> datetime.date:
        return self.on(MONTHS_PER_TERM)

    @property
    def first_term(self) -> tuple[datetime.date, datetime.date]:
        return self.year_start, self.first_term_end

    @property
    def second_term(self) -> tuple[datetime.date, datetime.date]:
        return self.second_term_start, self.year_end


def session_today() -> datetime.date:
    """The suite's day in the school's time zone (settings.TIME_ZONE)."""
    from django.utils import timezone

    return timezone.localdate(SESSION_START)


SCHOOL = SchoolCalendar.around(session_today())
