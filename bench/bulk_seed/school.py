"""The school itself: calendar, subjects, people, classrooms, assessments,
enrollments, scores and term grades, drawn in a fixed order from one seed."""

import datetime
import itertools
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
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
from grades.models import Assessment, Category, Score, TermGrade
from grades.selectors import grade_bands
from school.demo import FIRST_NAMES, LAST_NAMES, school_year_bounds, weekday

from .plan import (
    _PERCENTS,
    _POINTS,
    ADVISING_COLUMNS,
    ASSESSMENT_COLUMNS,
    BLANK_BELOW,
    CATEGORIES,
    CATEGORY_COLUMNS,
    CLASSROOM_COLUMNS,
    CLASSROOM_SUBJECT_COLUMNS,
    DOMAIN,
    ENROLLMENT_COLUMNS,
    EXCUSED_BELOW,
    EXCUSED_COMMENT,
    GRADE_LEVELS,
    MISSING_BELOW,
    MISSING_COMMENT,
    PASSWORD,
    SCORE_COLUMNS,
    SCORES_PER_BATCH,
    SUBJECTS,
    TERM_GRADE_COLUMNS,
    USER_COLUMNS,
    Person,
    PlannedAssessment,
    Room,
    SeedError,
    class_sizes,
    classroom_count,
    teacher_count,
    term_tenths,
)
from .writing import Ids, Writer


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
