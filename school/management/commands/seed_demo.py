"""Demo data: one school's worth of people, classes and Term 1 grades.

Everything comes from a plan built in memory from a fixed seed, so two runs (or two
machines) produce the same data; the writes then create only what is missing, keyed
on natural keys, so a second run changes nothing. Every write goes through the
services, as the program "seed_demo" on the command channel (`Actor.command`), so
the audit trail says who made the demo school: batch services where there are many
rows (users, enrollments, classroom subjects, categories, assessments, one score
grid per classroom subject).
"""

import datetime
import logging
import random
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Advising, User
from accounts.services import advising_create, users_create, users_set_password
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from classrooms.structure import (
    classroom_save,
    rows_import,
    school_year_save,
    subject_save,
    term_save,
)
from grades.cells import format_cell
from grades.models import Assessment, Category, Score, ScoreState
from grades.services.assessments import assessments_create, categories_create
from grades.services.scores import CellChange, scores_record
from school.audit import Actor
from school.demo import (
    ADVISEE_EVERY,
    ASSESSMENTS,
    CATEGORIES,
    CLASSROOMS,
    DEFAULT_PASSWORD,
    DOMAIN,
    REFUSAL,
    SEED,
    STUDENTS_LISTED,
    STUDENTS_PER_CLASSROOM,
    SUBJECT_TEACHERS,
    SUBJECTS,
    URL,
    WITHDRAWN_AFTER_DAYS,
    Plan,
    build_plan,
    enrolled_on_day,
    school_year_bounds,
    score_values,
    weekday,
)


def _model_name(model, count: int) -> str:
    meta = model._meta
    return str(meta.verbose_name if count == 1 else meta.verbose_name_plural)


SERVICE_LOGGERS = ("accounts", "classrooms", "grades")


@contextmanager
def services_logging_at(level: int):
    """The apps' loggers at `level` for the duration, as they were afterwards."""
    loggers = [logging.getLogger(name) for name in SERVICE_LOGGERS]
    before = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, previous in zip(loggers, before, strict=True):
            logger.setLevel(previous)


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
        # Every write goes through the services, as this program, with staff
        # rights (policies.is_server_program); each one is its own transaction,
        # so anything that would stop the run is checked before the first write.
        self.actor = Actor.command("seed_demo")
        plan = build_plan()
        # The services log each write; the summary below says it in one place
        # (-v 2 shows them).
        quiet = options["verbosity"] < 2
        with services_logging_at(logging.WARNING if quiet else logging.INFO):
            users, password_note = self.seed_people(plan, options["password"])
            year, terms = self.seed_calendar()
            subjects = self.seed_subjects()
            classroom_subjects, enrollments = self.seed_classes(
                plan, users, year, subjects
            )
            self.seed_grades(plan, users, terms[0], classroom_subjects, enrollments)
        self.report(plan, year, password_note)

    # Writing -----------------------------------------------------------------------

    def validated(self, obj):
        """`obj` (unsaved) after the model's validation, or a CommandError."""
        try:
            obj.full_clean()
        except ValidationError as exc:
            meta = type(obj)._meta
            raise CommandError(
                f"Cannot create the demo {meta.verbose_name} {obj}: "
                f"{'; '.join(exc.messages)}"
            ) from exc
        return obj

    def get_or_create(self, model, lookup, defaults, save):
        """The row matching `lookup`, or a new one validated and added by the
        service `save` (called with the unsaved row), and counted."""
        obj = model.objects.filter(**lookup).first()
        if obj is not None:
            return obj
        obj = self.validated(model(**lookup, **defaults))
        save(obj)
        self.count(model)
        return obj

    def count(self, model, number=1):
        self.created[model] = self.created.get(model, 0) + number

    def ensure(self, model, key, wanted, create, queryset=None):
        """Add through `create` (a batch service, called with the unsaved rows)
        the rows of `wanted` ({natural key: fields}) that are missing.

        `key` names the natural key's columns, the first of which narrows the query.
        Existing rows are left as they are. Returns every wanted row by key.
        """

        def existing_rows():
            firsts = {k[0] for k in wanted}
            rows = (queryset or model.objects).filter(**{f"{key[0]}__in": firsts})
            return {tuple(getattr(row, name) for name in key): row for row in rows}

        rows = existing_rows()
        missing = [model(**fields) for k, fields in wanted.items() if k not in rows]
        if missing:
            create(missing)
            self.count(model, len(missing))
            rows = existing_rows()
        return rows

    def seed_people(self, plan: Plan, password: str | None):
        emails = [person.email for person in plan.people]
        existing = {user.email: user for user in User.objects.filter(email__in=emails)}
        for person in plan.people:
            user = existing.get(person.email)
            if user is not None and user.role != person.role:
                raise CommandError(
                    f"{person.email} already exists with the role {user.role}; the "
                    f"demo needs it to be a {person.role}. Rename that account first."
                )
        new = []
        if len(existing) < len(emails):
            # One hash shared by every new demo user: hashing is slow on purpose,
            # and 160 hashes of the same demo password would take about a minute.
            hashed = make_password(password or DEFAULT_PASSWORD)
            new = [
                User(
                    email=person.email,
                    given_name=person.given_name,
                    family_name=person.family_name,
                    role=person.role,
                    language=person.language,
                    password=hashed,
                )
                for person in plan.people
                if person.email not in existing
            ]
            users_create(actor=self.actor, users=new)
            self.count(User, len(new))
        users = {**existing, **{user.email: user for user in new}}
        if password is not None:
            users_set_password(
                actor=self.actor, users=existing.values(), password=password
            )
            return users, password
        if not existing:
            return users, DEFAULT_PASSWORD
        if len(existing) == len(emails):
            return users, "unchanged (existing users keep theirs; see --password)"
        return users, (
            f"{DEFAULT_PASSWORD} for the new users; the {len(existing)} existing "
            "ones keep theirs"
        )

    def seed_calendar(self):
        actor = self.actor
        name, starts_on, ends_on = school_year_bounds(timezone.localdate())
        year = self.get_or_create(
            SchoolYear,
            {"name": name},
            {"starts_on": starts_on, "ends_on": ends_on},
            lambda obj: school_year_save(actor=actor, school_year=obj),
        )
        february = datetime.date(year.starts_on.year + 1, 2, 1)
        bounds = {
            "Term 1": (year.starts_on, february - datetime.timedelta(days=1)),
            "Term 2": (february, year.ends_on),
        }
        terms = [
            self.get_or_create(
                Term,
                {"school_year": year, "name": term_name},
                {"starts_on": starts, "ends_on": ends},
                lambda obj: term_save(actor=actor, term=obj),
            )
            for term_name, (starts, ends) in bounds.items()
        ]
        return year, terms

    def seed_subjects(self):
        return {
            code: self.get_or_create(
                Subject,
                {"code": code},
                {"name": name},
                lambda obj: subject_save(actor=self.actor, subject=obj),
            )
            for name, code in SUBJECTS
        }

    def seed_classes(self, plan, users, year, subjects):
        actor = self.actor
        start = year.starts_on
        withdrawn_on = weekday(start + datetime.timedelta(days=WITHDRAWN_AFTER_DAYS))
        classrooms = {
            name: self.get_or_create(
                Classroom,
                {"school_year": year, "name": name},
                {
                    "grade_level": grade_level,
                    "teacher": users[f"teacher{number}@{DOMAIN}"],
                },
                lambda obj: classroom_save(actor=actor, classroom=obj),
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
            Enrollment,
            ("classroom_id", "student_id"),
            enrollments,
            lambda rows: rows_import(
                actor=actor, model=Enrollment, new=rows, changed=[]
            ),
        )
        self.ensure(
            Advising,
            ("teacher_id", "student_id"),
            advising,
            lambda rows: [
                advising_create(actor=actor, teacher=row.teacher, student=row.student)
                for row in rows
            ],
        )
        wanted = {}
        for name, classroom in classrooms.items():
            for _subject_name, code in SUBJECTS:
                teacher = classroom.teacher
                subject_teacher = SUBJECT_TEACHERS.get(code)
                if subject_teacher and name in subject_teacher[1]:
                    teacher = users[f"teacher{subject_teacher[0]}@{DOMAIN}"]
                subject = subjects[code]
                wanted[classroom.pk, subject.pk] = {
                    "classroom": classroom,
                    "subject": subject,
                    "teacher": teacher,
                }
        rows = self.ensure(
            ClassroomSubject,
            ("classroom_id", "subject_id"),
            wanted,
            lambda rows: rows_import(
                actor=actor,
                model=ClassroomSubject,
                new=[self.validated(row) for row in rows],
                changed=[],
            ),
            ClassroomSubject.objects.select_related("classroom", "subject"),
        )
        classroom_subjects = [rows[k] for k in wanted]
        return classroom_subjects, enrollments

    def seed_grades(self, plan, users, term, classroom_subjects, enrollments):
        actor = self.actor
        categories = self.ensure(
            Category,
            ("classroom_subject_id", "name"),
            {
                (cs.pk, name): {"classroom_subject": cs, "name": name, "weight": weight}
                for cs in classroom_subjects
                for name, weight in CATEGORIES
            },
            lambda rows: categories_create(actor=actor, categories=rows),
        )
        start = term.school_year.starts_on
        planned = []
        for title, category, max_points, days, published in ASSESSMENTS:
            due_on = weekday(start + datetime.timedelta(days=days))
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
            lambda rows: assessments_create(actor=actor, assessments=rows),
        )
        stored = set(
            Score.objects.filter(
                assessment_id__in=[a.pk for a in assessments.values()]
            ).values_list("assessment_id", "student_id")
        )
        by_classroom = {}
        for student in plan.students:
            by_classroom.setdefault(student.classroom, []).append(student)
        created = 0
        for cs in classroom_subjects:
            classroom, subject = cs.classroom, cs.subject
            # The draws depend only on the plan, never on what the database holds.
            rng = random.Random(f"{SEED}:{classroom.name}:{subject.code}")  # noqa: S311
            cells = []
            for title, _category, max_points, due_on, published_at in planned:
                assessment = assessments[cs.pk, term.pk, title]
                due_on = assessment.due_on or due_on
                for student in by_classroom.get(classroom.name, []):
                    state, points, comment = score_values(
                        rng, student.ability, max_points, published_at is not None
                    )
                    user = users[student.email]
                    if not enrolled_on_day(enrollments[classroom.pk, user.pk], due_on):
                        continue
                    if (assessment.pk, user.pk) in stored:
                        continue  # left as it is, whoever changed it since
                    if state == ScoreState.BLANK and not comment:
                        continue  # an empty cell: the gradebook stores nothing
                    if points is not None:  # within a maximum edited since
                        points = min(points, assessment.max_points)
                    cells.append(
                        CellChange(
                            student_id=user.pk,
                            assessment_id=assessment.pk,
                            text=format_cell(state, points),
                            version=None,
                            comment=comment,
                        )
                    )
            if cells:
                # The whole grid of the classroom subject in one save.
                saved = scores_record(actor=actor, classroom_subject=cs, changes=cells)
                created += sum(1 for cell in saved if cell.version is not None)
        if created:
            self.count(Score, created)

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
