"""The demo school: who is in it, what they study, and how they score.

A plan built in memory from a fixed seed, so two runs (or two machines) produce the
same data. `manage.py seed_demo` writes it.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Language, Role
from accounts.names import split_full_name
from grades.models import ScoreState

SEED = 20260901
# Demo accounts only: the command refuses to run with DEBUG off unless forced.
DEFAULT_PASSWORD = "demo-password-2026"  # noqa: S105
DOMAIN = "demo.school"
URL = "http://127.0.0.1:8000/"
STUDENTS_PER_CLASSROOM = 25
STUDENTS_LISTED = 3

REFUSAL = (
    "seed_demo writes demo accounts with a known password; it runs only with DEBUG "
    "on. Use --force to run it anyway."
)

ADMIN_NAME = "Marta Álvarez"

# (full name, language). Teachers 1-6 are the homeroom teachers of CLASSROOMS, in
# order; 7 teaches Science and 8 teaches English across several classrooms.
TEACHERS = [
    ("Carmen Ruiz Ortega", Language.ENGLISH),
    ("Daniel O'Brien", Language.ENGLISH),
    ("Hélène Marchand", Language.ENGLISH),
    ("Kwame Mensah", Language.ENGLISH),
    ("Ingrid Søndergaard", Language.ENGLISH),
    ("Lucía Fernández", Language.SPANISH),
    ("Ahmed Haddad", Language.ENGLISH),
    ("Emily Carter", Language.ENGLISH),
]

# (name, grade level); the homeroom teacher is teacherN for the Nth classroom.
CLASSROOMS = [("7A", 7), ("7B", 7), ("8A", 8), ("8B", 8), ("9A", 9), ("9B", 9)]

SUBJECTS = [
    ("Mathematics", "MATH"),
    ("Language", "LANG"),
    ("Science", "SCI"),
    ("History", "HIST"),
    ("English", "ENG"),
]

# Subject code -> (teacher number, classrooms taught); every other classroom subject
# is taught by the classroom's homeroom teacher.
SUBJECT_TEACHERS = {
    "SCI": (7, ["8A", "8B", "9A", "9B"]),
    "ENG": (8, ["7A", "7B", "8A", "8B", "9A", "9B"]),
}

CATEGORIES = [
    ("Homework", Decimal("20")),
    ("Quizzes", Decimal("30")),
    ("Exams", Decimal("50")),
]

# Term 1 assessments: (title, category, max points, days after the year starts,
# published). The last one is still being graded: unpublished, many scores blank.
ASSESSMENTS = [
    ("Homework 1", "Homework", Decimal("10"), 14, True),
    ("Quiz 1", "Quizzes", Decimal("20"), 25, True),
    ("Homework 2", "Homework", Decimal("10"), 39, True),
    ("Quiz 2", "Quizzes", Decimal("20"), 53, True),
    ("Unit test", "Exams", Decimal("100"), 67, True),
    ("Homework 3", "Homework", Decimal("10"), 81, False),
]

# Students who leave during Term 1 (by number), and how many days after the year
# starts; their scores stop at that date and every record is kept.
WITHDRAWN_STUDENTS = [31, 112]
WITHDRAWN_AFTER_DAYS = 45

# Every third student of a class is advised by the homeroom teacher.
ADVISEE_EVERY = 3

FIXED_STUDENT_NAMES = [
    "José Núñez",
    "Zoë Ångström",
    "Chloé Dubois",
    "李明",
    "Ana María de la Cruz",
]

# (given, family) where the split rule of accounts.names would get it wrong: a
# double surname. Names written family name first (李明) stay whole, as a family
# name: "Given Family" cannot print them in their own order.
NAME_PARTS = {"Carmen Ruiz Ortega": ("Carmen", "Ruiz Ortega")}

FIRST_NAMES = [
    "Agnès", "Aisha", "Amara", "Ana", "Anaïs", "Ángel", "Arjun", "Åsa", "Ava",
    "Begoña", "Benoît", "Björn", "Camila", "Chidi", "Diego", "Dmitri", "Émile",
    "Emma", "Ethan", "Fatima", "François", "Gonçalo", "Hana", "Hélène", "Iñaki",
    "Inés", "Ingrid", "Joaquín", "João", "Jürgen", "Katarzyna", "Kenji", "Léa",
    "Leo", "Liam", "Łukasz", "Lucas", "Lucía", "Maël", "María", "Mateo", "Mei",
    "Mia", "Niamh", "Noah", "Noémie", "Olivia", "Omar", "Óscar", "Priya",
    "Ramón", "Raúl", "Renée", "Seán", "Siobhán", "Sofía", "Søren", "Thiago",
    "Valentina", "Yuki", "Zoltán", "Zoë",
]  # fmt: skip

LAST_NAMES = [
    "Ångström", "Béranger", "Bianchi", "Castaño", "Conceição", "Côté", "Dubois",
    "Dvořák", "Fernández", "Gagné", "García", "Girard", "Gómez", "Gonçalves",
    "Horváth", "Ibáñez", "Jönsson", "Kim", "Kovács", "Kowalski", "Lefèvre",
    "Lindqvist", "López", "Martínez", "Mensah", "Moreau", "Müller", "Muñoz",
    "Nguyen", "Nørgaard", "Novák", "Núñez", "O'Connor", "Okafor", "Øberg",
    "Özdemir", "Patel", "Peña", "Pérez", "Rodríguez", "Rossi", "Sánchez",
    "Schäfer", "Silva", "Smith", "Tanaka", "Wiśniewski",
    "Yılmaz",  # noqa: RUF001 (the Turkish dotless i is the point)
]  # fmt: skip

# Whole names in other scripts; a few of them land among the students.
NON_LATIN_NAMES = [
    "王芳",
    "张伟",
    "山田さくら",
    "김민준",
    "Δημήτρης Παπαδόπουλος",
    "Анна Иванова",
    "سارة المنصوري",
]


def school_year_bounds(
    today: datetime.date,
) -> tuple[str, datetime.date, datetime.date]:
    """The school year (Sep 1 to Jun 30) containing `today`.

    In July and August, between two years, it is the one about to start.
    """
    first = today.year if today.month >= 7 else today.year - 1
    return (
        f"{first}-{first + 1}",
        datetime.date(first, 9, 1),
        datetime.date(first + 1, 6, 30),
    )


def weekday(day: datetime.date) -> datetime.date:
    """The day itself, or the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def enrolled_on_day(enrollment, day: datetime.date) -> bool:
    """Whether the student was in the class on `day` (work due before joining or
    after leaving is not theirs)."""
    return enrollment.enrolled_on <= day and enrollment.is_current(day)


@dataclass
class PersonPlan:
    email: str
    full_name: str
    role: str
    language: str = Language.ENGLISH
    given_name: str = field(init=False, default="")
    family_name: str = field(init=False, default="")

    def __post_init__(self):
        parts = NAME_PARTS.get(self.full_name) or split_full_name(self.full_name)
        self.given_name, self.family_name = parts


@dataclass
class StudentPlan(PersonPlan):
    number: int = 0
    classroom: str = ""
    ability: float = 0.0
    withdrawn: bool = False


@dataclass
class Plan:
    admin: PersonPlan
    teachers: list[PersonPlan]
    students: list[StudentPlan]
    people: list[PersonPlan] = field(default_factory=list)

    def __post_init__(self):
        self.people = [self.admin, *self.teachers, *self.students]


def build_plan() -> Plan:
    """Who is in the demo school, drawn from a private generator with a fixed seed."""
    rng = random.Random(SEED)  # noqa: S311 (demo data, not secrets)
    admin = PersonPlan(f"admin@{DOMAIN}", ADMIN_NAME, Role.ADMIN)
    teachers = [
        PersonPlan(f"teacher{n}@{DOMAIN}", name, Role.TEACHER, language)
        for n, (name, language) in enumerate(TEACHERS, start=1)
    ]
    taken = {admin.full_name, *(t.full_name for t in teachers)}
    names = list(FIXED_STUDENT_NAMES)
    taken.update(names)
    total = STUDENTS_PER_CLASSROOM * len(CLASSROOMS)
    non_latin = set(rng.sample(range(len(names), total), len(NON_LATIN_NAMES)))
    pending = list(NON_LATIN_NAMES)
    while len(names) < total:
        if len(names) in non_latin:
            name = pending.pop()
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if name in taken:
                continue
        taken.add(name)
        names.append(name)
    students = []
    for index, name in enumerate(names):
        number = index + 1
        spanish = any(ch in name for ch in "ñáíóú") and rng.random() < 0.5
        students.append(
            StudentPlan(
                email=f"student{number}@{DOMAIN}",
                full_name=name,
                role=Role.STUDENT,
                language=Language.SPANISH if spanish else Language.ENGLISH,
                number=number,
                classroom=CLASSROOMS[index // STUDENTS_PER_CLASSROOM][0],
                ability=min(0.98, max(0.45, rng.gauss(0.78, 0.12))),
                withdrawn=number in WITHDRAWN_STUDENTS,
            )
        )
    return Plan(admin=admin, teachers=teachers, students=students)


def score_values(rng: random.Random, ability: float, max_points: Decimal, published):
    """(state, points, comment) of one student's score on one assessment."""
    roll = rng.random()
    ratio = min(1.0, max(0.15, rng.gauss(ability, 0.1)))
    if not published and roll < 0.6:
        return ScoreState.BLANK, None, ""
    if published:
        if roll < 0.03:
            return ScoreState.EXCUSED, None, "Excused: medical note."
        if roll < 0.07:
            return ScoreState.MISSING, None, "Not handed in."
        if roll < 0.09:
            return ScoreState.BLANK, None, ""
    # Half points on short work, whole points on long exams.
    step = Decimal("0.5") if max_points <= 20 else Decimal("1")
    points = (Decimal(str(ratio)) * max_points / step).quantize(Decimal("1")) * step
    points = min(max_points, max(Decimal("0"), points)).quantize(Decimal("0.01"))
    return ScoreState.GRADED, points, ""
