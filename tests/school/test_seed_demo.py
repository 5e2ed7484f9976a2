import datetime
import io

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import F, Q
from django.test import Client
from django.utils import timezone

from accounts.models import Advising, Role, User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from grades.events import ASSESSMENT_PUBLISHED
from grades.models import (
    Assessment,
    Category,
    GradeChange,
    Score,
    ScoreState,
    TermGrade,
)
from school import audit
from school.demo import (
    DEFAULT_PASSWORD,
    school_year_bounds,
)
from school.models import AuditEvent, Channel
from tests import factories

pytestmark = pytest.mark.django_db

SEEDED_APPS = ("accounts", "classrooms", "grades")
# Leaves of the foreign-key tree first, so that PROTECT lets every delete through.
SEEDED_MODELS = [
    Score,
    Assessment,
    Category,
    ClassroomSubject,
    Advising,
    Enrollment,
    Classroom,
    Term,
    SchoolYear,
    Subject,
    User,
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every login here checks a password; the default PBKDF2 hash takes ~0.3 s.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def can_log_in(email, password):
    return Client().login(username=email, password=password)


def snapshot_every_row():
    """Every field of every row of the seeded apps, models in a fixed order."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for label in SEEDED_APPS
        for model in apps.get_app_config(label).get_models()
    }


def snapshot_by_natural_key():
    """The seeded data without database ids, which differ between databases."""
    return {
        "users": set(
            User.objects.values_list("email", "full_name", "role", "language")
        ),
        "years": set(SchoolYear.objects.values_list("name", "starts_on", "ends_on")),
        "terms": set(
            Term.objects.values_list(
                "school_year__name", "name", "starts_on", "ends_on"
            )
        ),
        "subjects": set(Subject.objects.values_list("code", "name")),
        "classrooms": set(
            Classroom.objects.values_list("name", "grade_level", "teacher__email")
        ),
        "classroom_subjects": set(
            ClassroomSubject.objects.values_list(
                "classroom__name", "subject__code", "teacher__email"
            )
        ),
        "enrollments": set(
            Enrollment.objects.values_list(
                "student__email", "classroom__name", "enrolled_on", "withdrawn_on"
            )
        ),
        "advising": set(
            Advising.objects.values_list("teacher__email", "student__email")
        ),
        "categories": set(
            Category.objects.values_list(
                "classroom_subject__classroom__name",
                "classroom_subject__subject__code",
                "name",
                "weight",
            )
        ),
        "assessments": set(
            Assessment.objects.values_list(
                "classroom_subject__classroom__name",
                "classroom_subject__subject__code",
                "term__name",
                "category__name",
                "title",
                "max_points",
                "due_on",
                "published_at",
            )
        ),
        "scores": set(
            Score.objects.values_list(
                "assessment__classroom_subject__classroom__name",
                "assessment__classroom_subject__subject__code",
                "assessment__title",
                "student__email",
                "state",
                "points",
                "comment",
                "updated_by__email",
            )
        ),
    }


def test_it_creates_a_school_with_logins_that_work():
    output = seed("--force")

    admin = User.objects.get(email="admin@demo.school")
    assert admin.role == Role.ADMIN
    assert admin.is_staff
    assert not admin.is_superuser
    teachers = User.objects.filter(role=Role.TEACHER)
    assert set(teachers.values_list("email", flat=True)) == {
        f"teacher{n}@demo.school" for n in range(1, 9)
    }
    assert User.objects.filter(role=Role.STUDENT).count() == 150
    assert User.objects.filter(email="student150@demo.school").exists()

    year = SchoolYear.objects.get()
    assert year.starts_on == datetime.date(year.starts_on.year, 9, 1)
    assert year.ends_on == datetime.date(year.starts_on.year + 1, 6, 30)
    assert list(year.terms.values_list("name", "starts_on", "ends_on")) == [
        ("Term 1", year.starts_on, datetime.date(year.ends_on.year, 1, 31)),
        ("Term 2", datetime.date(year.ends_on.year, 2, 1), year.ends_on),
    ]
    assert set(Subject.objects.values_list("code", "name")) == {
        ("MATH", "Mathematics"),
        ("LANG", "Language"),
        ("SCI", "Science"),
        ("HIST", "History"),
        ("ENG", "English"),
    }
    classrooms = Classroom.objects.filter(school_year=year)
    assert set(classrooms.values_list("name", "grade_level")) == {
        ("7A", 7),
        ("7B", 7),
        ("8A", 8),
        ("8B", 8),
        ("9A", 9),
        ("9B", 9),
    }
    assert not classrooms.filter(teacher__role__in=[Role.STUDENT, Role.ADMIN])
    for classroom in classrooms:
        assert classroom.subjects.count() == 5
        assert classroom.enrollments.count() == 25
    subject_taught_by_another = ClassroomSubject.objects.exclude(
        teacher=F("classroom__teacher")
    )
    assert subject_taught_by_another.exists()
    assert subject_taught_by_another.count() < ClassroomSubject.objects.count() / 2

    withdrawn = Enrollment.objects.filter(withdrawn_on__isnull=False)
    assert 1 <= withdrawn.count() <= 2
    assert all(e.withdrawn_on > e.enrolled_on for e in withdrawn)

    links = Advising.objects.select_related("teacher", "student")
    assert links.exists()
    for link in links:
        # Each advisor is the homeroom teacher of the advisee's class.
        assert Enrollment.objects.filter(
            student=link.student, classroom__teacher=link.teacher
        ).exists()
    assert set(links.values_list("teacher__email", flat=True)) == set(
        classrooms.values_list("teacher__email", flat=True)
    )

    assert set(Category.objects.values_list("name", "weight").distinct()) == {
        ("Homework", 20),
        ("Quizzes", 30),
        ("Exams", 50),
    }
    term_1 = year.terms.get(name="Term 1")
    for classroom_subject in ClassroomSubject.objects.all():
        assessments = classroom_subject.assessments.all()
        assert 4 <= assessments.count() <= 6
        assert not assessments.exclude(term=term_1)
        assert not assessments.exclude(
            due_on__gte=term_1.starts_on, due_on__lte=term_1.ends_on
        )
    # A cell left blank stores no score (the gradebook's write path).
    assert Score.objects.count() > 3500

    assert can_log_in("teacher1@demo.school", DEFAULT_PASSWORD)
    assert can_log_in("admin@demo.school", DEFAULT_PASSWORD)
    assert can_log_in("student1@demo.school", DEFAULT_PASSWORD)
    assert not can_log_in("teacher1@demo.school", "wrong-password-123")
    for login in ("admin@demo.school", "teacher8@demo.school", "student1@demo.school"):
        assert login in output
    assert DEFAULT_PASSWORD in output
    assert "http://127.0.0.1:8000/" in output


def test_it_seeds_the_school_year_containing_today():
    seed("--force")

    year = SchoolYear.objects.get()
    today = timezone.localdate()
    if today.month in (7, 8):
        assert year.starts_on == datetime.date(today.year, 9, 1)
    else:
        assert year.starts_on <= today <= year.ends_on


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 11, 29), "2026-2027"),
        (datetime.date(2026, 9, 1), "2026-2027"),
        (datetime.date(2027, 1, 1), "2026-2027"),
        (datetime.date(2027, 6, 30), "2026-2027"),
        # Between two years, the one about to start.
        (datetime.date(2027, 7, 1), "2027-2028"),
        (datetime.date(2027, 8, 31), "2027-2028"),
    ],
)
def test_it_picks_the_school_year_from_the_date(today, expected):
    name, starts_on, ends_on = school_year_bounds(today)

    assert name == expected
    first = int(expected[:4])
    assert (starts_on, ends_on) == (
        datetime.date(first, 9, 1),
        datetime.date(first + 1, 6, 30),
    )


def test_it_gives_people_realistic_names_in_several_scripts():
    seed("--force")

    names = set(User.objects.values_list("full_name", flat=True))
    assert {"José Núñez", "Zoë Ångström", "Chloé Dubois", "李明"} <= names
    assert len(names) == User.objects.count()
    accented = {name for name in names if not name.isascii()}
    assert len(accented) > 30
    non_latin = {name for name in names if not any("a" <= c <= "z" for c in name)}
    assert len(non_latin) >= 3


def test_its_scores_match_their_state_and_the_assessment():
    seed("--force")

    scores = Score.objects.all()
    states = set(scores.values_list("state", flat=True))
    # Blank cells are not stored: scores_record keeps a blank row only when a
    # score was there before (or it has a comment).
    assert states == set(ScoreState.values) - {ScoreState.BLANK}
    assert scores.filter(state=ScoreState.GRADED).count() > 0.8 * scores.count()
    assert not scores.filter(state=ScoreState.GRADED, points__isnull=True)
    assert not scores.exclude(state=ScoreState.GRADED).filter(points__isnull=False)
    assert not scores.filter(
        Q(points__lt=0) | Q(points__gt=F("assessment__max_points"))
    )
    # Saved by the program, not by a person: no one to name.
    assert not scores.filter(updated_by__isnull=False)
    # Scores belong to students enrolled in the class on the due date.
    assert not scores.exclude(
        student__enrollments__classroom=F("assessment__classroom_subject__classroom")
    )
    withdrawn = Enrollment.objects.filter(withdrawn_on__isnull=False)
    for enrollment in withdrawn:
        theirs = scores.filter(
            student=enrollment.student,
            assessment__classroom_subject__classroom=enrollment.classroom,
        )
        assert theirs.exists()
        assert not theirs.filter(assessment__due_on__gte=enrollment.withdrawn_on)
    assert not TermGrade.objects.exists()
    # Each score has the audit row of its creation.
    assert GradeChange.objects.filter(score__isnull=False).count() == scores.count()


def test_its_data_passes_model_validation():
    seed("--force")

    for model in SEEDED_MODELS:
        if model is Score:
            continue  # checked by query in the test above: thousands of rows
        for obj in model.objects.all():
            obj.full_clean()


def test_a_second_run_changes_nothing():
    seed("--force")
    before = snapshot_every_row()

    output = seed("--force")

    assert snapshot_every_row() == before
    counts = {label: len(rows) for label, rows in before.items()}
    assert counts["accounts.User"] == 159
    assert counts["grades.Score"] > 3500
    assert "nothing changed" in output
    assert "unchanged" in output
    assert DEFAULT_PASSWORD not in output.split("Password", 1)[1]


def test_it_produces_the_same_data_on_a_fresh_database():
    seed("--force")
    first = snapshot_by_natural_key()
    GradeChange.objects.all().delete()  # the audit rows protect the scores
    for model in SEEDED_MODELS:
        model.objects.all().delete()
    assert not User.objects.exists()

    seed("--force")

    assert snapshot_by_natural_key() == first


def test_its_audit_rows_name_the_program_and_the_command_channel():
    seed("--force")

    events = AuditEvent.objects.all()
    assert set(events.values_list("actor_program", "channel")) == {
        ("seed_demo", Channel.COMMAND)
    }
    assert not events.filter(actor_user__isnull=False)
    assert not events.exclude(request_id="")
    # One "added" event for each row of each kind the demo created.
    added = events.filter(code=audit.ADDED)
    for model in SEEDED_MODELS:
        if model is Score:
            continue  # scores are audited by GradeChange rows
        kind = ContentType.objects.get_for_model(model)
        assert added.filter(target_type=kind).count() == model.objects.count(), model
    assert events.filter(code=ASSESSMENT_PUBLISHED).count() == (
        Assessment.objects.filter(published_at__isnull=False).count()
    )
    changes = GradeChange.objects.all()
    assert changes.count() == Score.objects.count()
    assert set(changes.values_list("actor_program", "channel", "changed_by")) == {
        ("seed_demo", Channel.COMMAND, None)
    }
    assert not changes.filter(before__isnull=False)


def test_a_second_run_records_no_audit_rows():
    seed("--force")
    events, changes = AuditEvent.objects.count(), GradeChange.objects.count()

    seed("--force")

    assert (AuditEvent.objects.count(), GradeChange.objects.count()) == (
        events,
        changes,
    )


def test_it_refuses_to_run_with_debug_off(settings):
    assert settings.DEBUG is False

    with pytest.raises(CommandError, match="runs only with DEBUG on") as error:
        seed()

    assert "Use --force" in str(error.value)
    assert not User.objects.exists()


def test_it_runs_with_debug_off_when_forced(settings):
    assert settings.DEBUG is False

    seed("--force")

    assert User.objects.filter(email="admin@demo.school").exists()


def test_it_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True

    seed()

    assert User.objects.filter(email="admin@demo.school").exists()
    assert Score.objects.exists()


def test_the_password_option_sets_that_password_for_the_demo_users():
    output = seed("--force", "--password", "another-demo-pass-99")

    assert "another-demo-pass-99" in output
    assert can_log_in("teacher1@demo.school", "another-demo-pass-99")
    assert can_log_in("student150@demo.school", "another-demo-pass-99")
    assert not can_log_in("teacher1@demo.school", DEFAULT_PASSWORD)


def test_the_password_option_resets_existing_demo_users():
    seed("--force")

    seed("--force", "--password", "another-demo-pass-99")

    assert can_log_in("admin@demo.school", "another-demo-pass-99")
    assert can_log_in("teacher1@demo.school", "another-demo-pass-99")
    assert not can_log_in("teacher1@demo.school", DEFAULT_PASSWORD)
    hashes = list(User.objects.order_by("pk").values_list("password", flat=True))
    seed("--force", "--password", "another-demo-pass-99")
    # The same password again rewrites nothing.
    assert list(User.objects.order_by("pk").values_list("password", flat=True)) == (
        hashes
    )


def test_a_second_run_keeps_a_password_the_user_changed():
    seed("--force")
    teacher = User.objects.get(email="teacher1@demo.school")
    teacher.set_password("my-own-secret-42")
    teacher.save()

    seed("--force")

    assert can_log_in("teacher1@demo.school", "my-own-secret-42")
    assert not can_log_in("teacher1@demo.school", DEFAULT_PASSWORD)


def test_it_rejects_an_empty_password():
    with pytest.raises(CommandError, match="cannot be empty"):
        seed("--force", "--password", "")

    assert not User.objects.exists()


def test_it_refuses_a_demo_email_taken_by_another_role():
    factories.StudentFactory(email="teacher1@demo.school")

    with pytest.raises(CommandError, match="already exists with the role student"):
        seed("--force")

    # Nothing half-written: the run is one transaction.
    assert User.objects.count() == 1
    assert not SchoolYear.objects.exists()
