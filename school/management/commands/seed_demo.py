"""Demo data: one school's worth of people, classes and Term 1 grades.

Everything comes from a plan built in memory from a fixed seed, so two runs (or two
machines) produce the same data; the writes then create only what is missing, keyed
on natural keys, so a second run changes nothing.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
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
from grades.models import Assessment, Category, Score, ScoreState

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

FIXED_STUDENT_NAMES = ["José Núñez", "Zoë Ångström", "Chloé Dubois", "李明"]

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


def _weekday(day: datetime.date) -> datetime.date:
    """The day itself, or the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def _enrolled_on(enrollment, day: datetime.date) -> bool:
    """Whether the student was in the class on `day` (work due before joining or
    after leaving is not theirs)."""
    if enrollment.enrolled_on > day:
        return False
    return enrollment.withdrawn_on is None or enrollment.withdrawn_on > day


def _model_name(model, count: int) -> str:
    meta = model._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


@dataclass
class PersonPlan:
    email: str
    full_name: str
    role: str
    language: str = Language.ENGLISH


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


class Command(BaseCommand):
    help = (
        "Create one school's worth of demo data for the current school year (Sep 1 "
        "to Jun 30; in July and August the one about to start): an admin "
        f"admin@{DOMAIN} (role admin, not a superuser), teachers teacherN@{DOMAIN}, "
        f"students studentN@{DOMAIN}, six classrooms, two terms, five subjects, "
        "enrollments, advisors, and Term 1 assessments with scores. Running it again "
        "creates only what is missing and changes nothing that exists. Passwords: a "
        "demo user gets the password when the command creates it; existing users "
        "keep theirs unless --password is given, which sets it for every demo user. "
        "It runs only with DEBUG on unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=(
                "Password for the demo users (new users get "
                f'"{DEFAULT_PASSWORD}" without it). When given, it is set for every '
                "demo user, existing ones included."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (the demo accounts have a known password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(REFUSAL)
        if options["password"] == "":
            raise CommandError("--password cannot be empty.")
        self.created = {}
        plan = build_plan()
        with transaction.atomic():
            users, password_note = self.seed_people(plan, options["password"])
            year, terms = self.seed_calendar()
            subjects = self.seed_subjects()
            classroom_subjects, enrollments = self.seed_classes(
                plan, users, year, subjects
            )
            self.seed_grades(plan, users, terms[0], classroom_subjects, enrollments)
        self.report(plan, year, password_note)

    # Writing -----------------------------------------------------------------------

    def get_or_create(self, model, lookup, defaults=None):
        """Django's get_or_create, validating the new row and counting it."""
        obj = model.objects.filter(**lookup).first()
        if obj is not None:
            return obj
        obj = model(**lookup, **(defaults or {}))
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise CommandError(
                f"Cannot create the demo {model._meta.verbose_name} {lookup}: "
                f"{'; '.join(exc.messages)}"
            ) from exc
        obj.save()
        self.count(model)
        return obj

    def count(self, model, number=1):
        self.created[model] = self.created.get(model, 0) + number

    def ensure(self, model, key, wanted, fetch=True):
        """Create in bulk the rows of `wanted` ({natural key: fields}) that are missing.

        `key` names the natural key's columns, the first of which narrows the query.
        Existing rows are left as they are. Returns every wanted row by key (only
        the keys when `fetch` is off: thousands of scores need no objects back).
        """

        def existing_rows():
            firsts = {k[0] for k in wanted}
            rows = model.objects.filter(**{f"{key[0]}__in": firsts})
            if not fetch:
                return dict.fromkeys(rows.values_list(*key))
            return {tuple(getattr(row, name) for name in key): row for row in rows}

        rows = existing_rows()
        missing = [model(**fields) for k, fields in wanted.items() if k not in rows]
        if missing:
            model.objects.bulk_create(missing, batch_size=500)
            self.count(model, len(missing))
            rows = existing_rows()
        return rows

    def seed_people(self, plan: Plan, password: str | None):
        emails = [person.email for person in plan.people]
        existing = {user.email: user for user in User.objects.filter(email__in=emails)}
        # One hash shared by every new demo user: hashing is slow on purpose, and
        # 160 hashes of the same demo password would take about a minute.
        hashed = None
        if password is not None or len(existing) < len(emails):
            hashed = make_password(password or DEFAULT_PASSWORD)
        users = {}
        for person in plan.people:
            user = existing.get(person.email)
            if user is not None and user.role != person.role:
                raise CommandError(
                    f"{person.email} already exists with the role {user.role}; the "
                    f"demo needs it to be a {person.role}. Rename that account first."
                )
            if user is None:
                # save(), not bulk_create: User.save() normalizes the email and
                # derives is_staff from the role.
                user = User(
                    email=person.email,
                    full_name=person.full_name,
                    role=person.role,
                    language=person.language,
                    password=hashed,
                )
                user.save()
                self.count(User)
            users[person.email] = user
        if password is not None:
            self.reset_passwords(existing.values(), password, hashed)
            return users, password
        if not existing:
            return users, DEFAULT_PASSWORD
        if len(existing) == len(emails):
            return users, "unchanged (existing users keep theirs; see --password)"
        return users, (
            f"{DEFAULT_PASSWORD} for the new users; the {len(existing)} existing "
            "ones keep theirs"
        )

    def reset_passwords(self, users, password, hashed):
        """Set `password` on existing users whose password is something else.

        Users sharing a hash are checked once, so a second run with the same
        --password leaves every row as it was.
        """
        by_hash = {}
        for user in users:
            by_hash.setdefault(user.password, []).append(user.pk)
        stale = [
            pk
            for encoded, pks in by_hash.items()
            if not check_password(password, encoded)
            for pk in pks
        ]
        User.objects.filter(pk__in=stale).update(password=hashed)

    def seed_calendar(self):
        name, starts_on, ends_on = school_year_bounds(timezone.localdate())
        year = self.get_or_create(
            SchoolYear, {"name": name}, {"starts_on": starts_on, "ends_on": ends_on}
        )
        february = datetime.date(year.starts_on.year + 1, 2, 1)
        terms = [
            self.get_or_create(
                Term,
                {"school_year": year, "name": "Term 1"},
                {
                    "starts_on": year.starts_on,
                    "ends_on": february - datetime.timedelta(days=1),
                },
            ),
            self.get_or_create(
                Term,
                {"school_year": year, "name": "Term 2"},
                {"starts_on": february, "ends_on": year.ends_on},
            ),
        ]
        return year, terms

    def seed_subjects(self):
        return {
            code: self.get_or_create(Subject, {"code": code}, {"name": name})
            for name, code in SUBJECTS
        }

    def seed_classes(self, plan, users, year, subjects):
        start = year.starts_on
        withdrawn_on = _weekday(start + datetime.timedelta(days=WITHDRAWN_AFTER_DAYS))
        classrooms = {
            name: self.get_or_create(
                Classroom,
                {"school_year": year, "name": name},
                {
                    "grade_level": grade_level,
                    "teacher": users[f"teacher{number}@{DOMAIN}"],
                },
            )
            for number, (name, grade_level) in enumerate(CLASSROOMS, start=1)
        }
        enrollments = {}
        advising = {}
        for student in plan.students:
            classroom = classrooms[student.classroom]
            user = users[student.email]
            enrollments[classroom.pk, user.pk] = {
                "classroom": classroom,
                "student": user,
                "enrolled_on": start,
                "withdrawn_on": withdrawn_on if student.withdrawn else None,
            }
            # The homeroom teacher advises every third student of the class.
            if (student.number - 1) % STUDENTS_PER_CLASSROOM % ADVISEE_EVERY == 0:
                teacher = classroom.teacher
                advising[teacher.pk, user.pk] = {"teacher": teacher, "student": user}
        enrollments = self.ensure(
            Enrollment, ("classroom_id", "student_id"), enrollments
        )
        self.ensure(Advising, ("teacher_id", "student_id"), advising)
        classroom_subjects = []
        for name, classroom in classrooms.items():
            for _subject_name, code in SUBJECTS:
                teacher = classroom.teacher
                subject_teacher = SUBJECT_TEACHERS.get(code)
                if subject_teacher and name in subject_teacher[1]:
                    teacher = users[f"teacher{subject_teacher[0]}@{DOMAIN}"]
                classroom_subjects.append(
                    self.get_or_create(
                        ClassroomSubject,
                        {"classroom": classroom, "subject": subjects[code]},
                        {"teacher": teacher},
                    )
                )
        return classroom_subjects, enrollments

    def seed_grades(self, plan, users, term, classroom_subjects, enrollments):
        categories = self.ensure(
            Category,
            ("classroom_subject_id", "name"),
            {
                (cs.pk, name): {"classroom_subject": cs, "name": name, "weight": weight}
                for cs in classroom_subjects
                for name, weight in CATEGORIES
            },
        )
        start = term.school_year.starts_on
        planned = []
        for title, category, max_points, days, published in ASSESSMENTS:
            due_on = _weekday(start + datetime.timedelta(days=days))
            published_at = None
            if published:
                published_at = timezone.make_aware(
                    datetime.datetime.combine(due_on, datetime.time(16, 0))
                )
            planned.append((title, category, max_points, due_on, published_at))
        assessments = self.ensure(
            Assessment,
            ("classroom_subject_id", "term_id", "title"),
            {
                (cs.pk, term.pk, title): {
                    "classroom_subject": cs,
                    "term": term,
                    "category": categories[cs.pk, category],
                    "title": title,
                    "max_points": max_points,
                    "due_on": due_on,
                    "published_at": published_at,
                }
                for cs in classroom_subjects
                for title, category, max_points, due_on, published_at in planned
            },
        )
        by_classroom = {}
        for student in plan.students:
            by_classroom.setdefault(student.classroom, []).append(student)
        scores = {}
        for cs in classroom_subjects:
            classroom, subject = cs.classroom, cs.subject
            # The draws depend only on the plan, never on what the database holds.
            rng = random.Random(f"{SEED}:{classroom.name}:{subject.code}")  # noqa: S311
            for title, _category, max_points, due_on, published_at in planned:
                assessment = assessments[cs.pk, term.pk, title]
                due_on = assessment.due_on or due_on
                for student in by_classroom.get(classroom.name, []):
                    state, points, comment = score_values(
                        rng, student.ability, max_points, published_at is not None
                    )
                    user = users[student.email]
                    if not _enrolled_on(enrollments[classroom.pk, user.pk], due_on):
                        continue
                    if points is not None:  # within a maximum edited since
                        points = min(points, assessment.max_points)
                    scores[assessment.pk, user.pk] = {
                        "assessment": assessment,
                        "student": user,
                        "state": state,
                        "points": points,
                        "comment": comment,
                        "updated_by_id": cs.teacher_id,
                    }
        self.ensure(Score, ("assessment_id", "student_id"), scores, fetch=False)

    # Reporting ---------------------------------------------------------------------

    def report(self, plan: Plan, year, password_note):
        out = self.stdout
        if self.created:
            total = sum(self.created.values())
            details = ", ".join(
                f"{n} {_model_name(model, n)}" for model, n in self.created.items()
            )
            out.write(
                self.style.SUCCESS(
                    f"Demo school {year.name} is ready: created {total} rows "
                    f"({details})."
                )
            )
        else:
            out.write(
                self.style.SUCCESS(
                    f"Demo school {year.name} was already there: nothing changed."
                )
            )
        homerooms = {
            f"teacher{n}@{DOMAIN}": f"homeroom teacher of {name}"
            for n, (name, _level) in enumerate(CLASSROOMS, start=1)
        }
        subject_names = {code: name for name, code in SUBJECTS}
        for code, (number, rooms) in SUBJECT_TEACHERS.items():
            homerooms[f"teacher{number}@{DOMAIN}"] = (
                f"{subject_names[code]} in {', '.join(rooms)}"
            )
        width = max(len(person.email) for person in plan.people) + 2
        out.write("")
        out.write(self.style.MIGRATE_HEADING("Logins"))
        out.write(f"  School admin  {plan.admin.email:<{width}}{plan.admin.full_name}")
        for index, teacher in enumerate(plan.teachers):
            label = "Teachers" if index == 0 else ""
            out.write(
                f"  {label:<12}  {teacher.email:<{width}}{teacher.full_name} "
                f"({homerooms[teacher.email]})"
            )
        for index, student in enumerate(plan.students[:STUDENTS_LISTED]):
            label = "Students" if index == 0 else ""
            out.write(
                f"  {label:<12}  {student.email:<{width}}{student.full_name} "
                f"({student.classroom})"
            )
        out.write(
            f"  {'':<12}  ... up to student{len(plan.students)}@{DOMAIN} "
            f"({STUDENTS_PER_CLASSROOM} per classroom)"
        )
        out.write(f"  {'Password':<12}  {password_note}")
        out.write("")
        out.write(f"Open {URL} (manage.py runserver) and log in with an email above.")
