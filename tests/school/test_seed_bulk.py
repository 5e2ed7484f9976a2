import io
import random
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import Advising, Role, User
from bench import bulk_seed
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from grades import calc
from grades.models import (
    Assessment,
    Category,
    GradeChange,
    Score,
    ScoreState,
    TermGrade,
)
from grades.selectors import grade_bands
from grades.term_grade_selectors import term_grade_sheet, term_inputs
from school.demo import DEFAULT_PASSWORD, school_year_bounds
from tests import factories

STUDENTS = 60
ASSESSMENTS = 2


def draws(seed):
    return random.Random(seed)  # noqa: S311 (test data, not secrets)


def seed_bulk(**options):
    out, err = io.StringIO(), io.StringIO()
    options = {
        "students": STUDENTS,
        "assessments": ASSESSMENTS,
        "force": True,
        **options,
    }
    call_command("seed_bulk", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def bulk_students():
    return User.objects.filter(email__endswith="@bulk.school", role=Role.STUDENT)


def snapshot():
    """Every bulk score and term grade by natural key, ids left out."""
    scores = sorted(
        Score.objects.filter(student__email__endswith="@bulk.school").values_list(
            "student__email",
            "assessment__classroom_subject__classroom__name",
            "assessment__classroom_subject__subject__code",
            "assessment__term__name",
            "assessment__title",
            "state",
            "points",
        )
    )
    grades = sorted(
        TermGrade.objects.filter(student__email__endswith="@bulk.school").values_list(
            "student__email",
            "classroom_subject__classroom__name",
            "classroom_subject__subject__code",
            "term__name",
            "computed",
            "published_percent",
            "published_letter",
        )
    )
    return scores, grades


# ---------------------------------------------------------------------------
# The plan, without a database


def test_it_scales_teachers_and_classrooms_with_the_students():
    assert bulk_seed.teacher_count(50_000) == 1500
    assert bulk_seed.classroom_count(50_000) == 1600
    assert bulk_seed.teacher_count(1000) == 30
    assert bulk_seed.classroom_count(1000) == 32
    assert bulk_seed.teacher_count(10) == 1
    assert bulk_seed.classroom_count(10) == 1


@pytest.mark.parametrize("students", [50_000, 1000, 60])
def test_class_sizes_add_up_and_stay_between_25_and_40(students):
    count = bulk_seed.classroom_count(students)
    sizes = bulk_seed.class_sizes(students, count, draws(3))
    assert sum(sizes) == students
    assert len(sizes) == count
    assert min(sizes) >= 25
    assert max(sizes) <= 40


def test_class_sizes_stretch_for_a_school_smaller_than_a_class():
    assert bulk_seed.class_sizes(10, 1, draws(3)) == [10]


def test_term_tenths_rounds_like_the_grade_math():
    rng = draws(11)
    weights = [20, 30, 50]
    maxima = [10, 20, 100]
    for _ in range(3000):
        tallies, scores = [], []
        for index, (weight, maximum) in enumerate(zip(weights, maxima, strict=True)):
            tally = [weight, 0, 0, 0]
            for _assessment in range(rng.randint(0, 4)):
                state = rng.choice(sorted(calc.STATES))
                points = None
                if state == calc.GRADED:
                    units = rng.randint(0, 2 * maximum)
                    points = Decimal(units) / 2
                    tally[1] += units
                if state in (calc.GRADED, calc.MISSING):
                    tally[2] += maximum
                    tally[3] += 1
                scores.append(calc.ScoreInput(index, state, points, Decimal(maximum)))
            tallies.append(tally)
        categories = [
            calc.CategoryInput(index, str(index), Decimal(weight))
            for index, weight in enumerate(weights)
        ]
        expected = calc.term_grade(categories, scores).rounded
        tenths = bulk_seed.term_tenths(tallies)
        got = None if tenths is None else Decimal(tenths).scaleb(-1)
        assert got == expected, (tallies, expected)


def test_term_tenths_rounds_an_exact_half_up():
    # 5/6 weighted 50 and 7/9 weighted 30 is exactly 81.25 (calc's docstring).
    tallies = [[50, 10, 6, 1], [30, 14, 9, 1]]
    assert bulk_seed.term_tenths(tallies) == 813
    assert bulk_seed.term_tenths([[20, 0, 0, 0]]) is None


def test_the_progress_redraws_one_line_on_a_terminal():
    written = []
    clock = iter([0.0, 0.05, 1.0, 2.0]).__next__
    progress = bulk_seed.Progress(written.append, tty=True, clock=clock)
    progress.start("grades_score", 300)
    progress.add("grades_score", 100, 1.0)  # drawn: the first update
    progress.add("grades_score", 100, 1.0)  # too soon after: skipped
    progress.add("grades_score", 100, 1.0)  # done: drawn, and the line ends
    assert len(written) == 2
    assert written[0].startswith("\rgrades_score")
    assert "100/300 rows" in written[0]
    assert "100 rows/s" in written[0]
    assert written[1].startswith("\r") and written[1].endswith("\n")
    assert "[########################] 100.0%" in written[1]


def test_the_progress_writes_plain_lines_elsewhere():
    written = []
    progress = bulk_seed.Progress(written.append, tty=False)
    progress.start("grades_termgrade", 1000)
    for _ in range(10):
        progress.add("grades_termgrade", 100, 0.5)
    assert len(written) == 10
    assert not any("\r" in line for line in written)
    assert all(line.endswith("\n") for line in written)
    assert "1,000/1,000 rows" in written[-1]
    assert "200 rows/s" in written[-1]
    assert progress.figures() == [bulk_seed.TableFigures("grades_termgrade", 1000, 5.0)]


# ---------------------------------------------------------------------------
# Writing (SQLite's bulk_create, or COPY on PostgreSQL)


@pytest.fixture
def seeded(db):
    return seed_bulk(seed=7)


def test_it_writes_as_many_rows_as_the_options_ask(seeded):
    teachers = bulk_seed.teacher_count(STUDENTS)
    classrooms = bulk_seed.classroom_count(STUDENTS)
    subjects, terms = bulk_seed.DEFAULT_SUBJECTS, bulk_seed.DEFAULT_TERMS
    units = classrooms * subjects
    assert bulk_students().count() == STUDENTS
    assert User.objects.filter(role=Role.TEACHER).count() == teachers
    assert Classroom.objects.count() == classrooms
    assert ClassroomSubject.objects.count() == units
    assert Subject.objects.count() == subjects
    assert Term.objects.count() == terms
    assert Category.objects.count() == units * 3
    assert Assessment.objects.count() == units * terms * ASSESSMENTS
    assert Assessment.objects.filter(published_at__isnull=True).count() == 0
    assert Enrollment.objects.count() == STUDENTS
    assert Advising.objects.count() == STUDENTS
    assert Score.objects.count() == STUDENTS * subjects * terms * ASSESSMENTS
    assert TermGrade.objects.count() == STUDENTS * subjects * terms
    sizes = [c.enrollments.count() for c in Classroom.objects.all()]
    assert all(25 <= size <= 40 for size in sizes)


def test_it_honours_terms_subjects_and_assessments(db):
    seed_bulk(students=30, assessments=4, terms=1, subjects=3)
    assert Subject.objects.count() == 3
    assert Term.objects.count() == 1
    assert Score.objects.count() == 30 * 3 * 1 * 4
    assert TermGrade.objects.count() == 30 * 3
    assert set(Assessment.objects.values_list("title", flat=True)) == {
        "Homework 1",
        "Quiz 1",
        "Exam 1",
        "Homework 2",
    }


def test_the_scores_mix_every_state_with_graded_ones_in_range(seeded):
    states = dict.fromkeys(ScoreState.values, 0)
    for score in Score.objects.select_related("assessment"):
        states[score.state] += 1
        if score.state == ScoreState.GRADED:
            assert 0 <= score.points <= score.assessment.max_points
        else:
            assert score.points is None
    total = sum(states.values())
    assert states[ScoreState.GRADED] > 0.85 * total
    assert 0 < states[ScoreState.BLANK] < states[ScoreState.MISSING]
    assert states[ScoreState.EXCUSED] > 0


def test_term_grades_match_what_the_gradebook_computes(seeded):
    stored = {
        (tg.student_id, tg.classroom_subject_id, tg.term_id): tg
        for tg in TermGrade.objects.all()
    }
    classroom = Classroom.objects.order_by("pk").first()
    checked = 0
    for unit in ClassroomSubject.objects.filter(classroom=classroom):
        for term in Term.objects.all():
            sheet = term_grade_sheet(unit, term)
            inputs = term_inputs(unit, term)
            for row in sheet.rows:
                line = stored[row.student.pk, unit.pk, term.pk]
                assert line.computed == row.grade.computed
                assert line.computed == inputs.breakdown(row.student.pk).rounded
                # A published line is exactly the grade as it stands.
                assert not row.changed
                checked += 1
    assert checked == classroom.enrollments.count() * 8 * 2


def test_the_first_term_is_published_with_letters_of_the_bands(seeded):
    first, second = Term.objects.order_by("starts_on")
    bands = grade_bands()
    lines = TermGrade.objects.filter(term=first)
    # A line with nothing counted yet (every score excused or blank) has no
    # grade to publish.
    published = lines.filter(computed__isnull=False)
    assert lines.filter(computed__isnull=True, published_at__isnull=False).count() == 0
    assert published.count() > 0.9 * STUDENTS * 8
    for line in published:
        assert line.published_at is not None
        assert line.published_percent == line.computed
        assert line.published_letter == calc.letter_for(line.published_percent, bands)
    letters = set(published.values_list("published_letter", flat=True))
    assert len(letters) >= 3
    assert not TermGrade.objects.filter(term=second, published_at__isnull=False)


def test_every_student_has_their_homeroom_teacher_as_advisor(seeded):
    for enrollment in Enrollment.objects.select_related("classroom", "student"):
        advisors = Advising.objects.filter(student=enrollment.student)
        assert [a.teacher_id for a in advisors] == [enrollment.classroom.teacher_id]
        assert advisors[0].teacher.role == Role.TEACHER


def test_every_subject_teacher_is_a_bulk_teacher_in_turn(seeded):
    teachers = list(ClassroomSubject.objects.values_list("teacher_id", flat=True))
    assert User.objects.filter(pk__in=teachers, role=Role.TEACHER).count() == len(
        set(teachers)
    )
    # Round-robin: two teachers share the 16 classroom subjects evenly.
    assert sorted(teachers.count(t) for t in set(teachers)) == [8, 8]


def test_the_orm_inserts_after_it_without_colliding(seeded):
    highest = User.objects.order_by("-pk").first().pk
    user = factories.StudentFactory()
    assert user.pk > highest
    score = Score.objects.order_by("-pk").first()
    new_term = Term.objects.order_by("starts_on").first()
    assessment = factories.AssessmentFactory(
        classroom_subject=score.assessment.classroom_subject,
        term=new_term,
        category=score.assessment.category,
    )
    created = Score.objects.create(assessment=assessment, student=user)
    assert created.pk > score.pk
    line = TermGrade.objects.create(
        student=user, classroom_subject=assessment.classroom_subject, term=new_term
    )
    assert line.pk > TermGrade.objects.exclude(pk=line.pk).order_by("-pk")[0].pk


def test_bulk_users_log_in_with_the_shared_password(seeded):
    assert Client().login(username="student1@bulk.school", password=bulk_seed.PASSWORD)
    assert Client().login(username="teacher2@bulk.school", password=bulk_seed.PASSWORD)
    passwords = set(User.objects.values_list("password", flat=True))
    assert len(passwords) == 1


def test_the_same_seed_gives_the_same_data(seeded):
    first = snapshot()
    seed_bulk(seed=7, reset=True)
    assert snapshot() == first
    seed_bulk(seed=8, reset=True)
    other = snapshot()
    assert other != first
    # Same shape, other draws.
    assert len(other[0]) == len(first[0])
    assert [row[5:] for row in other[0]] != [row[5:] for row in first[0]]


def test_it_refuses_to_add_a_second_school_without_reset(seeded):
    with pytest.raises(CommandError, match="--reset"):
        seed_bulk(seed=7)
    assert bulk_students().count() == STUDENTS


def test_it_refuses_with_debug_off_unless_forced(db):
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_bulk", students=30, stdout=io.StringIO())
    assert not bulk_students().exists()


def test_it_reuses_the_demo_school_and_reset_keeps_it(db):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    demo_users = set(User.objects.values_list("email", flat=True))
    demo_scores = Score.objects.count()
    name, _start, _end = school_year_bounds(timezone.localdate())
    seed_bulk(seed=3)
    # The demo's year, terms and subjects are shared, not duplicated.
    assert SchoolYear.objects.count() == 1
    assert Term.objects.count() == 2
    assert Subject.objects.count() == 8
    assert Classroom.objects.filter(school_year__name=name).count() == 6 + 2
    output, _progress = seed_bulk(seed=3, reset=True)
    assert "Deleted" in output
    seed_bulk(seed=3, reset=True)
    emails = set(User.objects.values_list("email", flat=True))
    assert demo_users <= emails
    assert Score.objects.exclude(student__email__endswith="@bulk.school").count() == (
        demo_scores
    )
    assert Client().login(username="teacher1@demo.school", password=DEFAULT_PASSWORD)
    assert Client().login(username="student1@bulk.school", password=bulk_seed.PASSWORD)


def test_reset_deletes_the_grade_changes_recorded_on_bulk_grades(seeded):
    score = Score.objects.first()
    change = GradeChange.objects.create(
        score=score, changed_by=score.updated_by, before={}, after={}
    )
    seed_bulk(seed=7, reset=True)
    assert not GradeChange.objects.filter(pk=change.pk).exists()
    assert bulk_students().count() == STUDENTS


def test_it_refuses_more_terms_than_the_year_has(seeded):
    with pytest.raises(CommandError, match="--terms 2"):
        seed_bulk(seed=7, reset=True, terms=3)


def test_it_reports_progress_and_a_summary(db):
    output, progress = seed_bulk(students=30, assessments=1)
    assert "grades_score" in progress and "rows/s" in progress
    assert "\r" not in progress  # not a terminal
    assert f"{30 * 8 * 2:,}" in output
    summary = [line for line in output.splitlines() if line.startswith("total")]
    assert len(summary) == 1
    assert bulk_seed.PASSWORD in output


# ---------------------------------------------------------------------------
# PostgreSQL: COPY, keys, sequences, statistics


def _foreign_keys(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = %s::regclass ORDER BY conname",
            [table],
        )
        return cursor.fetchall()


@pytest.mark.postgres
def test_on_postgresql_it_loads_with_copy_and_leaves_the_schema_as_it_was(db):
    keys = {t: _foreign_keys(t) for t in ("grades_score", "grades_termgrade")}
    assert len(keys["grades_score"]) == 3
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] != "0"
    copies = []

    def record(execute, sql, params, many, context):
        copies.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        seed_bulk(seed=5)
    # COPY bypasses the execute wrapper: the only INSERTs are the calendar's and
    # the subjects', made with the ORM.
    inserts = [sql for sql in copies if sql.lstrip().upper().startswith("INSERT")]
    allowed = ("classrooms_schoolyear", "classrooms_term", "classrooms_subject")
    assert inserts
    assert all(any(table in sql for table in allowed) for sql in inserts)
    assert Score.objects.count() == STUDENTS * 8 * 2 * ASSESSMENTS
    assert {t: _foreign_keys(t) for t in keys} == keys
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'grades_score'::regclass"
        )
        assert cursor.fetchone()[0] == Score.objects.count()  # analyzed
        # The web requests' statement timeout does not cut the load short.
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
        for model in (User, Score, TermGrade, Enrollment):
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table]
            )
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT last_value FROM {sequence}")  # noqa: S608
            assert cursor.fetchone()[0] == model.objects.order_by("-pk")[0].pk


@pytest.mark.postgres
def test_on_postgresql_a_key_violation_leaves_nothing_behind(db, monkeypatch):
    original = bulk_seed._School.write_memberships

    def enroll_a_ghost(self, rooms):
        original(self, rooms)
        rooms[0].students[0].id = 10**12  # no such user

    monkeypatch.setattr(bulk_seed._School, "write_memberships", enroll_a_ghost)
    with pytest.raises(Exception, match="foreign key"):
        seed_bulk(seed=5)
    assert not bulk_students().exists()
    assert len(_foreign_keys("grades_score")) == 3
