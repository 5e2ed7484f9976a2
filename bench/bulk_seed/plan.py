"""What seed_bulk draws: its sizes, subjects and categories, the options and the
summary, and the pure arithmetic of class sizes and term grades."""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Advising, User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
)
from grades.models import Assessment, Category, Score, TermGrade

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
