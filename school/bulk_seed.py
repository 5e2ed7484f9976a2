"""A district-size school for benchmarks, written straight into the tables.

`manage.py seed_bulk` runs it. The data is drawn from one `random.Random(seed)`
consumed in a fixed order, so the same options and seed give the same school.
It bypasses the services (no actor, no audit rows, no report bumps) on purpose:
its rows are benchmark data, not a school's records, and millions of them go in
only at the speed of COPY.

What it writes, for the current school year (the one `seed_demo` uses, reused when
it exists, with its terms and subjects):

- students and teachers `studentN@bulk.school` / `teacherN@bulk.school`, all with
  the password `PASSWORD` (hashed once, the same hash on every row);
- classrooms of 25 to 40 students across grade levels 1-12, each with every
  subject, its teacher assigned round-robin; each student's advisor is the
  homeroom teacher;
- per classroom subject three weighted categories, and per term N published
  assessments with a score for every student (mostly graded, some missing or
  excused, a few blank);
- a term grade for every student, classroom subject and term whose `computed`
  follows `grades.calc`, published (percent, letter, date) for the first term.

Everything seed_bulk writes hangs from its users (`@bulk.school`), which is what
`--reset` deletes: those users, their classrooms and everything in them, their
enrollments, advisors and grades, and the grade changes recorded on those grades.
Other users (the demo school, real accounts), school years, terms, subjects and
the grading scale stay.

On PostgreSQL every table is loaded with COPY in one transaction: ids are
assigned here (the tables are locked meanwhile) and the sequences moved past them
afterwards, the foreign keys of scores and term grades are checked once at the
end rather than row by row, and the tables are analyzed. On SQLite the same rows
go through `bulk_create`, slowly.
"""

import datetime
import itertools
import math
import random
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Advising, Language, Role, User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from grades import calc
from grades.models import Assessment, Category, GradeChange, Score, TermGrade
from grades.selectors import grade_bands
from school.demo import FIRST_NAMES, LAST_NAMES, school_year_bounds, weekday

DOMAIN = "bulk.school"
# Benchmark accounts only: the command refuses to run with DEBUG off unless forced.
PASSWORD = "bulk-password-2026"  # noqa: S105

DEFAULT_STUDENTS = 50_000
DEFAULT_ASSESSMENTS = 6
DEFAULT_TERMS = 2
DEFAULT_SUBJECTS = 8
DEFAULT_SEED = 1

# A district of 50,000 students has about 1,500 teachers and 1,600 classrooms.
TEACHERS_PER_THOUSAND = 30
CLASSROOMS_PER_THOUSAND = 32
CLASS_SIZE = (25, 40)
GRADE_LEVELS = 12

# The first five are the demo school's, so both share them.
SUBJECTS = [
    ("Mathematics", "MATH"),
    ("Language", "LANG"),
    ("Science", "SCI"),
    ("History", "HIST"),
    ("English", "ENG"),
    ("Geography", "GEO"),
    ("Art", "ART"),
    ("Physical Education", "PE"),
    ("Music", "MUS"),
    ("Computing", "COMP"),
    ("Biology", "BIO"),
    ("Chemistry", "CHEM"),
]

# (name, weight, maximum points of its assessments, title of its assessments).
# Integer weights and maxima keep the term-grade arithmetic in integers.
CATEGORIES = [
    ("Homework", 20, 10, "Homework"),
    ("Quizzes", 30, 20, "Quiz"),
    ("Exams", 50, 100, "Exam"),
]

# Cumulative thresholds of one roll: excused, missing, blank, else graded.
EXCUSED_BELOW = 0.025
MISSING_BELOW = 0.065
BLANK_BELOW = 0.08
EXCUSED_COMMENT = "Excused: medical note."
MISSING_COMMENT = "Not handed in."

# Scores go to the database in batches of about this many rows, followed by the
# term grades they make, so memory stays bounded whatever the size.
SCORES_PER_BATCH = 200_000

PROGRESS_STEP = 10_000  # rows between two progress updates

USER_COLUMNS = (
    "id", "password", "is_superuser", "email", "given_name", "family_name",
    "full_name", "role", "language", "is_active", "is_staff", "date_joined",
)  # fmt: skip
CLASSROOM_COLUMNS = ("id", "school_year_id", "name", "grade_level", "teacher_id")
CLASSROOM_SUBJECT_COLUMNS = ("id", "classroom_id", "subject_id", "teacher_id")
CATEGORY_COLUMNS = ("id", "classroom_subject_id", "name", "weight")
ASSESSMENT_COLUMNS = (
    "id", "classroom_subject_id", "term_id", "category_id", "title", "max_points",
    "due_on", "published_at",
)  # fmt: skip
ENROLLMENT_COLUMNS = ("id", "student_id", "classroom_id", "enrolled_on")
ADVISING_COLUMNS = ("id", "teacher_id", "student_id", "created_at")
SCORE_COLUMNS = (
    "id", "assessment_id", "student_id", "points", "state", "comment", "version",
    "updated_by_id", "updated_at",
)  # fmt: skip
TERM_GRADE_COLUMNS = (
    "id", "student_id", "classroom_subject_id", "term_id", "computed",
    "override_reason", "comment", "published_percent", "published_letter",
    "published_at",
)  # fmt: skip

# Every table seed_bulk fills, parents first.
FILLED_MODELS = [
    User,
    Classroom,
    ClassroomSubject,
    Category,
    Assessment,
    Enrollment,
    Advising,
    Score,
    TermGrade,
]

# Points in half-point units (0.5 is the finest step) -> the stored value.
_POINTS = [(Decimal(units) / 2).quantize(Decimal("0.01")) for units in range(201)]
# A percent in tenths -> its Decimal (0.0 ... 100.0).
_PERCENTS = [Decimal(tenths).scaleb(-1) for tenths in range(1001)]


class SeedError(Exception):
    """The database is not in a state seed_bulk can write to; nothing was written."""


@dataclass(frozen=True)
class Options:
    students: int = DEFAULT_STUDENTS
    assessments: int = DEFAULT_ASSESSMENTS
    terms: int = DEFAULT_TERMS
    subjects: int = DEFAULT_SUBJECTS
    seed: int = DEFAULT_SEED
    reset: bool = False


@dataclass(frozen=True)
class TableFigures:
    table: str
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class Summary:
    tables: list[TableFigures] = field(default_factory=list)
    seconds: float = 0.0
    deleted: int = 0
    delete_seconds: float = 0.0
    key_check_seconds: float = 0.0
    school_year: str = ""

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def teacher_count(students: int) -> int:
    return max(1, round(students * TEACHERS_PER_THOUSAND / 1000))


def classroom_count(students: int) -> int:
    return max(1, round(students * CLASSROOMS_PER_THOUSAND / 1000))


def class_sizes(students: int, classrooms: int, rng: random.Random) -> list[int]:
    """Sizes between 25 and 40 that add up to `students`.

    When the average itself falls outside that range (a tiny school), the bounds
    widen to reach it.
    """
    low = min(CLASS_SIZE[0], students // classrooms)
    high = max(CLASS_SIZE[1], math.ceil(students / classrooms))
    sizes = [rng.randint(*CLASS_SIZE) for _ in range(classrooms)]
    sizes = [min(high, max(low, size)) for size in sizes]
    gap = students - sum(sizes)
    while gap:
        index = rng.randrange(classrooms)
        if gap > 0 and sizes[index] < high:
            sizes[index] += 1
            gap -= 1
        elif gap < 0 and sizes[index] > low:
            sizes[index] -= 1
            gap += 1
    return sizes


def term_tenths(tallies: list[list[int]]) -> int | None:
    """The term percent in tenths, rounded half up, as `grades.calc.term_grade`.

    `tallies` holds, per category, [weight, earned half-points, possible points,
    counted scores]. The weighted mean of the counted categories' percents is
    kept as one integer fraction, so the rounding sees the exact value.
    """
    counted = [t for t in tallies if t[3]]
    if not counted:
        return None
    numerator = 0
    denominator = 1
    weights = 0
    for weight, earned, possible, _counted in counted:
        # numerator/denominator + weight * earned / (2 * possible)
        numerator = numerator * 2 * possible + weight * earned * denominator
        denominator *= 2 * possible
        weights += weight
    denominator *= weights
    # tenths = 1000 * numerator / denominator, rounded half up.
    return (2000 * numerator + denominator) // (2 * denominator)


# ---------------------------------------------------------------------------
# Progress


@dataclass
class _Table:
    total: int
    rows: int = 0
    seconds: float = 0.0
    shown_step: int = -1


class Progress:
    """Rows written per table and their rate.

    On a terminal one line is redrawn in place (`\\r`) with a bar; elsewhere (a
    log, a pipe) a plain line is written at every tenth and when a table is done.
    """

    BAR = 24

    def __init__(
        self,
        write: Callable[[str], None],
        *,
        tty: bool,
        interval: float = 0.2,
        clock: Callable[[], float] = time.perf_counter,
    ):
        self.write = write
        self.tty = tty
        self.interval = interval
        self.clock = clock
        self.tables: dict[str, _Table] = {}
        self.last_drawn = -math.inf

    def start(self, table: str, total: int) -> None:
        self.tables[table] = _Table(total=total)

    def add(self, table: str, rows: int, seconds: float) -> None:
        state = self.tables[table]
        state.rows += rows
        state.seconds += seconds
        done = state.rows >= state.total
        if self.tty:
            now = self.clock()
            if done or now - self.last_drawn >= self.interval:
                self.last_drawn = now
                self.write("\r" + self.line(table) + ("\n" if done else ""))
            return
        step = 10 if done else state.rows * 10 // max(1, state.total)
        if step > state.shown_step:
            state.shown_step = step
            self.write(self.line(table) + "\n")

    def line(self, table: str) -> str:
        state = self.tables[table]
        share = min(1.0, state.rows / state.total) if state.total else 1.0
        filled = round(share * self.BAR)
        rate = state.rows / state.seconds if state.seconds else 0.0
        return (
            f"{table:<28} [{'#' * filled}{'.' * (self.BAR - filled)}] "
            f"{share * 100:5.1f}% {state.rows:>10,}/{state.total:,} rows "
            f"{rate:>10,.0f} rows/s"
        )

    def figures(self) -> list[TableFigures]:
        return [
            TableFigures(table, state.rows, state.seconds)
            for table, state in self.tables.items()
        ]


# ---------------------------------------------------------------------------
# Writing rows


class Writer:
    """Inserts rows (tuples in `columns` order) with COPY, or bulk_create on SQLite."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.copy = connection.vendor == "postgresql"

    def write(
        self, model: type[models.Model], columns: tuple[str, ...], rows: Iterable
    ) -> None:
        """Insert `rows`, reporting each chunk once written.

        A chunk's time covers drawing its rows too: that is what a table costs. The
        last chunk of a COPY is reported only when the COPY has ended, with the
        work the server does at its end (the checks of the foreign keys left on).
        """
        table = model._meta.db_table
        started = time.perf_counter()

        def report(count: int) -> None:
            nonlocal started
            now = time.perf_counter()
            self.progress.add(table, count, now - started)
            started = now

        iterator = iter(rows)
        chunks = iter(lambda: list(itertools.islice(iterator, PROGRESS_STEP)), [])
        if not self.copy:
            for chunk in chunks:
                model.objects.bulk_create(
                    [model(**dict(zip(columns, row, strict=True))) for row in chunk],
                    batch_size=500,
                )
                report(len(chunk))
            return
        quote = connection.ops.quote_name
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        pending = 0
        with connection.cursor() as cursor, cursor.copy(sql) as copy:
            for chunk in chunks:
                if pending:
                    report(pending)
                for row in chunk:
                    copy.write_row(row)
                pending = len(chunk)
        if pending:
            report(pending)


class Ids:
    """Primary keys handed out here, after the highest one in the table."""

    def __init__(self):
        self.next = {}

    def take(self, model: type[models.Model], count: int) -> range:
        if model not in self.next:
            highest = model.objects.aggregate(highest=Max("pk"))["highest"]
            self.next[model] = (highest or 0) + 1
        first = self.next[model]
        self.next[model] = first + count
        return range(first, first + count)


# ---------------------------------------------------------------------------
# The school


@dataclass
class Person:
    id: int
    email: str
    given_name: str
    family_name: str
    language: str
    ability: float = 0.0

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass
class Room:
    id: int
    name: str
    grade_level: int
    teacher: Person
    students: list[Person]
    # (classroom subject id, teacher id, category ids)
    subjects: list[tuple[int, int, list[int]]] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedAssessment:
    id: int
    category: int  # index into CATEGORIES
    max_points: int
    published_at: datetime.datetime


def bulk_users():
    return User.objects.filter(email__iendswith=f"@{DOMAIN}")


def seed(options: Options, progress: Progress) -> Summary:
    started = time.perf_counter()
    summary = Summary()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Deleting or checking millions of rows outlasts the limit set for
            # web requests; like a migration, a load runs to the end.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL statement_timeout = 0")
        if options.reset:
            summary.deleted = delete_bulk_data()
            summary.delete_seconds = time.perf_counter() - started
        elif bulk_users().exists():
            raise SeedError(
                f"The database already has seed_bulk data (users @{DOMAIN}); "
                "run with --reset to replace it."
            )
        keys = nullcontext()
        if connection.vendor == "postgresql":
            _lock_tables()
            keys = _foreign_keys_checked_once([Score, TermGrade], summary)
        year, terms = _calendar(options.terms)
        summary.school_year = year.name
        subjects = _subjects(options.subjects)
        with keys:
            _School(options, progress, year, terms, subjects).write()
        _reset_sequences()
    if connection.vendor == "postgresql":
        _analyze()
    summary.tables = progress.figures()
    summary.seconds = time.perf_counter() - started
    return summary


def delete_bulk_data() -> int:
    """Delete every seed_bulk user and what hangs from them; the row count."""
    users = bulk_users()
    rooms = Classroom.objects.filter(teacher__in=users)
    units = ClassroomSubject.objects.filter(classroom__in=rooms)
    scores = Score.objects.filter(
        Q(assessment__classroom_subject__in=units) | Q(student__in=users)
    )
    lines = TermGrade.objects.filter(
        Q(classroom_subject__in=units) | Q(student__in=users)
    )
    changes = GradeChange.objects.filter(
        Q(score__in=scores) | Q(term_grade__in=lines) | Q(changed_by__in=users)
    )
    deleted = 0
    # Millions of rows: one DELETE each, as the ORM does when nothing refers to a
    # model. QuerySet.delete() would load every score to look for grade changes
    # (PROTECT) pointing at it; those are deleted first instead.
    for queryset in (changes, scores, lines):
        deleted += queryset._raw_delete(queryset.db)
    # The ORM for the rest, leaves first: it clears what cascades from them (admin
    # log entries, report caches...) and refuses if other data still needs them.
    try:
        for queryset in (
            Assessment.objects.filter(classroom_subject__in=units),
            Category.objects.filter(classroom_subject__in=units),
            Enrollment.objects.filter(Q(classroom__in=rooms) | Q(student__in=users)),
            Advising.objects.filter(Q(teacher__in=users) | Q(student__in=users)),
            units,
            rooms,
            users,
        ):
            _total, by_model = queryset.delete()
            deleted += by_model.get(queryset.model._meta.label, 0)
    except (models.ProtectedError, models.RestrictedError) as error:
        raise SeedError(
            f"Other data refers to seed_bulk data; delete it first: {error}"
        ) from error
    return deleted


def _lock_tables() -> None:
    # Ids are assigned here from the highest one in each table; an insert from
    # elsewhere waits until the load commits and the sequences have moved on.
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table) for m in FILLED_MODELS
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


@contextmanager
def _foreign_keys_checked_once(models_: list[type[models.Model]], summary: Summary):
    """Drop the foreign keys of `models_` for the load and add them back after.

    Checked row by row, each key costs a lookup and a lock on the row it points
    at: millions of them for the scores. Added back, a key is checked by one
    join over the table. Both happen in the load's transaction, so no other
    session ever sees the table without its keys.
    """
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' "
            "AND conrelid::regclass::text = ANY(%s) ORDER BY conrelid, conname",
            [tables],
        )
        keys = cursor.fetchall()
        quote = connection.ops.quote_name
        # A table with checks still queued (from the deletes of --reset) cannot
        # be altered: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
    yield
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table, name, definition in keys:
            cursor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
            )
    summary.key_check_seconds = time.perf_counter() - started


def _reset_sequences() -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), FILLED_MODELS)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _analyze() -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in FILLED_MODELS:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def _calendar(count: int) -> tuple[SchoolYear, list[Term]]:
    """The current school year and its first `count` terms, created if missing."""
    name, starts_on, ends_on = school_year_bounds(timezone.localdate())
    year, _created = SchoolYear.objects.get_or_create(
        name=name, defaults={"starts_on": starts_on, "ends_on": ends_on}
    )
    terms = list(year.terms.order_by("starts_on", "pk"))
    if not terms:
        days = (year.ends_on - year.starts_on).days + 1
        bounds = [
            year.starts_on + datetime.timedelta(days=days * k // count)
            for k in range(count)
        ]
        for number, start in enumerate(bounds, start=1):
            end = (
                bounds[number] - datetime.timedelta(days=1)
                if number < count
                else year.ends_on
            )
            terms.append(
                Term.objects.create(
                    school_year=year,
                    name=f"Term {number}",
                    starts_on=start,
                    ends_on=end,
                )
            )
    if len(terms) < count:
        raise SeedError(
            f"The school year {year.name} has {len(terms)} terms; seed_bulk uses the "
            f"existing ones and cannot add more: ask for --terms {len(terms)} or less."
        )
    return year, terms[:count]


def _subjects(count: int) -> list[Subject]:
    """The first `count` subjects of SUBJECTS, found by code or name, else created."""
    found = []
    for name, code in SUBJECTS[:count]:
        subject = (
            Subject.objects.filter(code=code).first()
            or Subject.objects.filter(name=name).first()
            or Subject.objects.create(name=name, code=code)
        )
        found.append(subject)
    return found


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


class _School:
    """Plans the school from the seed and writes it, table by table."""

    def __init__(self, options, progress, year, terms, subjects):
        self.options = options
        self.progress = progress
        self.writer = Writer(progress)
        self.ids = Ids()
        self.rng = random.Random(options.seed)  # noqa: S311 (test data, not secrets)
        self.year = year
        self.terms = terms
        self.subjects = subjects
        self.bands = grade_bands()
        self.letters = [calc.letter_for(p, self.bands) for p in _PERCENTS]
        self.joined = _at(year.starts_on, 8)

    def write(self) -> None:
        options = self.options
        teachers = self.people(teacher_count(options.students), "teacher")
        students = self.people(options.students, "student")
        rooms = self.rooms(teachers, students)
        per_room = len(self.subjects)
        per_unit = options.terms * options.assessments
        self.start(User, len(teachers) + len(students))
        self.start(Classroom, len(rooms))
        self.start(ClassroomSubject, len(rooms) * per_room)
        self.start(Category, len(rooms) * per_room * len(CATEGORIES))
        self.start(Assessment, len(rooms) * per_room * per_unit)
        self.start(Enrollment, len(students))
        self.start(Advising, len(students))
        self.start(Score, len(students) * per_room * per_unit)
        self.start(TermGrade, len(students) * per_room * options.terms)

        self.write_users(teachers, students)
        self.writer.write(
            Classroom,
            CLASSROOM_COLUMNS,
            ((r.id, self.year.pk, r.name, r.grade_level, r.teacher.id) for r in rooms),
        )
        self.write_subjects(rooms, teachers)
        assessments = self.write_assessments(rooms)
        self.write_memberships(rooms)
        self.write_grades(rooms, assessments)

    def start(self, model, total):
        self.progress.start(model._meta.db_table, total)

    # People and classes ------------------------------------------------------------

    def people(self, count: int, kind: str) -> list[Person]:
        rng = self.rng
        people = []
        for number, pk in enumerate(self.ids.take(User, count), start=1):
            given, family = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            spanish = rng.random() < 0.1
            people.append(
                Person(
                    id=pk,
                    email=f"{kind}{number}@{DOMAIN}",
                    given_name=given,
                    family_name=family,
                    language=Language.SPANISH if spanish else Language.ENGLISH,
                    ability=min(0.98, max(0.4, rng.gauss(0.78, 0.12))),
                )
            )
        return people

    def write_users(self, teachers, students) -> None:
        # Hashing is slow on purpose: one hash of the shared password for every row.
        hashed = make_password(PASSWORD)
        rows = (
            (
                person.id,
                hashed,
                False,
                person.email,
                person.given_name,
                person.family_name,
                person.full_name,
                role,
                person.language,
                True,
                False,
                self.joined,
            )
            for role, group in ((Role.TEACHER, teachers), (Role.STUDENT, students))
            for person in group
        )
        self.writer.write(User, USER_COLUMNS, rows)

    def rooms(self, teachers, students) -> list[Room]:
        count = classroom_count(len(students))
        sizes = class_sizes(len(students), count, self.rng)
        rooms = []
        sections = [0] * (GRADE_LEVELS + 1)
        position = 0
        for index, (pk, size) in enumerate(
            zip(self.ids.take(Classroom, count), sizes, strict=True)
        ):
            level = index % GRADE_LEVELS + 1
            sections[level] += 1
            rooms.append(
                Room(
                    id=pk,
                    name=f"G{level:02d}-{sections[level]:03d}",
                    grade_level=level,
                    teacher=teachers[index % len(teachers)],
                    students=students[position : position + size],
                )
            )
            position += size
        return rooms

    def write_subjects(self, rooms, teachers) -> None:
        units = []
        unit_ids = iter(
            self.ids.take(ClassroomSubject, len(rooms) * len(self.subjects))
        )
        category_ids = iter(
            self.ids.take(Category, len(rooms) * len(self.subjects) * len(CATEGORIES))
        )
        turn = itertools.count()
        for room in rooms:
            for subject in self.subjects:
                pk = next(unit_ids)
                teacher = teachers[next(turn) % len(teachers)]
                categories = [next(category_ids) for _ in CATEGORIES]
                room.subjects.append((pk, teacher.id, categories))
                units.append((pk, room.id, subject.pk, teacher.id))
        self.writer.write(ClassroomSubject, CLASSROOM_SUBJECT_COLUMNS, units)
        self.writer.write(
            Category,
            CATEGORY_COLUMNS,
            (
                (pk, unit, name, Decimal(weight))
                for room in rooms
                for unit, _teacher, categories in room.subjects
                for pk, (name, weight, _max, _title) in zip(
                    categories, CATEGORIES, strict=True
                )
            ),
        )

    def write_assessments(self, rooms) -> dict[tuple[int, int], list]:
        """Each classroom subject's assessments per term, due dates spread out.

        Returns {(classroom subject id, term id): [PlannedAssessment, ...]}.
        """
        count = self.options.assessments
        schedule = []  # per term: [(category index, title, due_on, published_at)]
        for term in self.terms:
            days = (term.ends_on - term.starts_on).days
            numbers = [0] * len(CATEGORIES)
            planned = []
            for k in range(count):
                category = k % len(CATEGORIES)
                numbers[category] += 1
                offset = days * (k + 1) // (count + 1)
                due_on = min(
                    term.ends_on,
                    weekday(term.starts_on + datetime.timedelta(days=offset)),
                )
                title = f"{CATEGORIES[category][3]} {numbers[category]}"
                planned.append((category, title, due_on, _at(due_on, 16)))
            schedule.append(planned)
        ids = iter(
            self.ids.take(
                Assessment,
                sum(len(r.subjects) for r in rooms) * count * len(self.terms),
            )
        )
        plan = {}
        rows = []
        for room in rooms:
            for unit, _teacher, categories in room.subjects:
                for term, planned in zip(self.terms, schedule, strict=True):
                    made = []
                    for category, title, due_on, published_at in planned:
                        pk = next(ids)
                        max_points = CATEGORIES[category][2]
                        made.append(
                            PlannedAssessment(pk, category, max_points, published_at)
                        )
                        rows.append(
                            (
                                pk,
                                unit,
                                term.pk,
                                categories[category],
                                title,
                                Decimal(max_points),
                                due_on,
                                published_at,
                            )
                        )
                    plan[unit, term.pk] = made
        self.writer.write(Assessment, ASSESSMENT_COLUMNS, rows)
        return plan

    def write_memberships(self, rooms) -> None:
        students = sum(len(room.students) for room in rooms)
        enrollment_ids = iter(self.ids.take(Enrollment, students))
        self.writer.write(
            Enrollment,
            ENROLLMENT_COLUMNS,
            (
                (next(enrollment_ids), student.id, room.id, self.year.starts_on)
                for room in rooms
                for student in room.students
            ),
        )
        # Each student's advisor is their homeroom teacher.
        advising_ids = iter(self.ids.take(Advising, students))
        self.writer.write(
            Advising,
            ADVISING_COLUMNS,
            (
                (next(advising_ids), room.teacher.id, student.id, self.joined)
                for room in rooms
                for student in room.students
            ),
        )

    # Grades ------------------------------------------------------------------------

    def write_grades(self, rooms, assessments) -> None:
        per_student = len(self.subjects) * len(self.terms) * self.options.assessments
        score_ids = iter(
            self.ids.take(Score, sum(len(r.students) for r in rooms) * per_student)
        )
        grade_ids = iter(
            self.ids.take(
                TermGrade,
                sum(len(r.students) for r in rooms)
                * len(self.subjects)
                * len(self.terms),
            )
        )
        batch: list[Room] = []
        size = 0
        for room in [*rooms, None]:
            if room is not None:
                batch.append(room)
                size += len(room.students) * per_student
            if batch and (room is None or size >= SCORES_PER_BATCH):
                term_grades: list[tuple] = []
                # The scores are drawn while COPY consumes them; the term grades
                # they add up to collect in `term_grades` and follow.
                self.writer.write(
                    Score,
                    SCORE_COLUMNS,
                    self.scores(batch, assessments, score_ids, grade_ids, term_grades),
                )
                self.writer.write(TermGrade, TERM_GRADE_COLUMNS, term_grades)
                batch, size = [], 0

    def scores(self, rooms, assessments, score_ids, grade_ids, term_grades):
        rng = self.rng
        first_term = self.terms[0]
        published_at = _at(first_term.ends_on, 17)
        letters = self.letters
        for room in rooms:
            for unit, teacher, _categories in room.subjects:
                # A student's knack for this subject, around their general ability.
                knack = [
                    min(0.98, max(0.3, s.ability + rng.gauss(0, 0.06)))
                    for s in room.students
                ]
                for term in self.terms:
                    planned = assessments[unit, term.pk]
                    for student, ability in zip(room.students, knack, strict=True):
                        tallies = [[c[1], 0, 0, 0] for c in CATEGORIES]
                        for assessment in planned:
                            roll = rng.random()
                            points = None
                            comment = ""
                            tally = tallies[assessment.category]
                            if roll < EXCUSED_BELOW:
                                state, comment = calc.EXCUSED, EXCUSED_COMMENT
                            elif roll < MISSING_BELOW:
                                state, comment = calc.MISSING, MISSING_COMMENT
                                tally[2] += assessment.max_points
                                tally[3] += 1
                            elif roll < BLANK_BELOW:
                                state = calc.BLANK
                            else:
                                state = calc.GRADED
                                units = _draw_units(rng, ability, assessment.max_points)
                                points = _POINTS[units]
                                tally[1] += units
                                tally[2] += assessment.max_points
                                tally[3] += 1
                            yield (
                                next(score_ids),
                                assessment.id,
                                student.id,
                                points,
                                state,
                                comment,
                                1,
                                teacher,
                                assessment.published_at,
                            )
                        tenths = term_tenths(tallies)
                        computed = None if tenths is None else _PERCENTS[tenths]
                        published = term == first_term and computed is not None
                        term_grades.append(
                            (
                                next(grade_ids),
                                student.id,
                                unit,
                                term.pk,
                                computed,
                                "",
                                "",
                                computed if published else None,
                                letters[tenths] if published else "",
                                published_at if published else None,
                            )
                        )


def _draw_units(rng: random.Random, ability: float, max_points: int) -> int:
    """Graded points in half-point units: halves on short work, whole points on
    long exams."""
    ratio = min(1.0, max(0.15, rng.gauss(ability, 0.1)))
    if max_points <= 20:
        return int(ratio * max_points * 2 + 0.5)
    return 2 * int(ratio * max_points + 0.5)
