"""The policy module: a hand-written table of answers, and booleans that agree with
their list filters.

The table names every persona the portal knows and says, rule by rule, what each
may do with one classroom, one classroom subject, one term, one student's report
card and one report batch. Three personas are the actors of writes made by
programs: a management command run on nobody's behalf (staff rights, no more), the
same command run on a subject teacher's behalf (that teacher's rights), and an API
client with no user (no rights). The property test builds random schools and checks
that each `may_...` boolean and its `Q` filter give the same answer for every
person and every object.
"""

import random
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

import policies
from accounts.models import User
from classrooms.models import Classroom, ClassroomSubject, Term
from grades.models import ReportBatch
from school.audit import Actor, Channel
from tests import factories
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "student",
    "other_student",
    "subject_teacher",
    "homeroom_teacher",
    "other_teacher",
    "advisor",
    "staff",
    "deactivated",
    "command_program",
    "command_as_teacher",
    "api_program",
]


@dataclass
class World:
    people: dict
    classroom: Classroom
    classroom_subject: ClassroomSubject
    term: Term
    batch: ReportBatch


@pytest.fixture
def world():
    """7A: a homeroom teacher who teaches none of its subjects, a mathematics
    teacher, an enrolled student with an advisor. 8B: another teacher and
    student. The deactivated teacher had every tie (taught history in 7A, advised
    the student, asked for a batch) before their account was deactivated."""
    year = factories.SchoolYearFactory()
    term = factories.TermFactory(school_year=year, name="Autumn")
    homeroom = factories.TeacherFactory()
    subject_teacher = factories.TeacherFactory()
    other_teacher = factories.TeacherFactory()
    advisor = factories.TeacherFactory()
    deactivated = factories.TeacherFactory()
    student = factories.StudentFactory()
    other_student = factories.StudentFactory()
    staff = factories.AdminFactory()

    seventh = factories.ClassroomFactory(school_year=year, teacher=homeroom)
    maths = factories.ClassroomSubjectFactory(
        classroom=seventh, teacher=subject_teacher
    )
    factories.ClassroomSubjectFactory(classroom=seventh, teacher=deactivated)
    factories.EnrollmentFactory(student=student, classroom=seventh)
    factories.AdvisingFactory(teacher=advisor, student=student)
    factories.AdvisingFactory(teacher=deactivated, student=student)

    eighth = factories.ClassroomFactory(school_year=year, teacher=other_teacher)
    factories.ClassroomSubjectFactory(classroom=eighth, teacher=other_teacher)
    factories.EnrollmentFactory(student=other_student, classroom=eighth)

    batch = ReportBatch.objects.create(
        requested_by=subject_teacher, term=term, classroom=seventh
    )
    ReportBatch.objects.create(requested_by=deactivated, term=term, classroom=seventh)
    deactivated.is_active = False
    deactivated.save()
    people = {
        "anonymous": AnonymousUser(),
        "student": student,
        "other_student": other_student,
        "subject_teacher": subject_teacher,
        "homeroom_teacher": homeroom,
        "other_teacher": other_teacher,
        "advisor": advisor,
        "staff": staff,
        "deactivated": deactivated,
        "command_program": Actor.command("seed_demo"),
        "command_as_teacher": Actor.command("seed_demo", user=subject_teacher),
        "api_program": Actor(program="sis-sync", channel=Channel.API),
    }
    return World(people, seventh, maths, term, batch)


Y, N = True, False

# One row per rule: the object it is asked about, then the expected answer for
# each persona in the order of PERSONAS.
#   anon  stud  other subj  home  othT  advi  staff deact cmd   cmdT  api
MATRIX = {
    "may_see_classroom": ("classroom", [N, Y, N, Y, Y, N, N, Y, N, Y, Y, N]),
    "may_see_roster": ("classroom", [N, N, N, Y, Y, N, N, Y, N, Y, Y, N]),
    "may_request_class_batch": ("classroom", [N, N, N, Y, N, N, N, Y, N, Y, Y, N]),
    "may_grade": ("classroom_subject", [N, N, N, Y, N, N, N, Y, N, Y, Y, N]),
    "may_publish": ("classroom_subject", [N, N, N, Y, N, N, N, Y, N, Y, Y, N]),
    "may_see_class_report": ("classroom_subject", [N, N, N, Y, N, N, N, Y, N, Y, Y, N]),
    "may_see_score_history": (
        "classroom_subject",
        [N, N, N, Y, N, N, N, Y, N, Y, Y, N],
    ),
    "may_lock_term": ("term", [N, N, N, N, N, N, N, Y, N, Y, N, N]),
    "may_see_report_card": ("student", [N, Y, N, Y, N, N, Y, Y, N, Y, Y, N]),
    "sees_whole_report_card": ("student", [N, Y, N, N, N, N, Y, Y, N, Y, N, N]),
    "may_see_batch": ("batch", [N, N, N, Y, N, N, N, N, N, N, Y, N]),
    "may_change_user": ("student", [N, N, N, N, N, N, N, Y, N, Y, N, N]),
    # The student's own, or staff's (a program's too: seed_demo --password).
    "may_set_password": ("student", [N, Y, N, N, N, N, N, Y, N, Y, N, N]),
}

# Questions about the person alone.
ROLE_MATRIX = {
    "may_request_grade_level_batch": [N, N, N, N, N, N, N, Y, N, Y, N, N],
    "may_see_own_results": [N, Y, Y, N, N, N, N, N, N, N, N, N],
    "may_manage_enrollments": [N, N, N, N, N, N, N, Y, N, Y, N, N],
    "may_edit_grading_scale": [N, N, N, N, N, N, N, Y, N, Y, N, N],
    "may_manage_users": [N, N, N, N, N, N, N, Y, N, Y, N, N],
    "may_grant_permissions": [N, N, N, N, N, N, N, N, N, N, N, N],
    "may_manage_school": [N, N, N, N, N, N, N, Y, N, Y, N, N],
    "is_staff": [N, N, N, N, N, N, N, Y, N, Y, N, N],
    "is_teacher": [N, N, N, Y, Y, Y, Y, N, N, N, Y, N],
    "is_student": [N, Y, Y, N, N, N, N, N, N, N, N, N],
    "is_signed_in": [N, Y, Y, Y, Y, Y, Y, Y, N, N, Y, N],
    "is_server_program": [N, N, N, N, N, N, N, N, N, Y, N, N],
}


def the_object(world, name):
    if name == "student":
        return world.people["student"]
    return getattr(world, name)


@pytest.mark.parametrize("rule", sorted(MATRIX))
def test_each_persona_gets_the_answer_in_the_table(world, rule):
    target, expected = MATRIX[rule]
    check = getattr(policies, rule)
    obj = the_object(world, target)
    answers = [check(world.people[persona], obj) for persona in PERSONAS]
    assert dict(zip(PERSONAS, answers, strict=True)) == dict(
        zip(PERSONAS, expected, strict=True)
    )


@pytest.mark.parametrize("rule", sorted(ROLE_MATRIX))
def test_each_persona_gets_the_role_answer_in_the_table(world, rule):
    check = getattr(policies, rule)
    answers = {persona: check(world.people[persona]) for persona in PERSONAS}
    assert answers == dict(zip(PERSONAS, ROLE_MATRIX[rule], strict=True))


def test_a_report_line_shows_to_its_teacher_or_to_a_whole_card_reader(world):
    people, maths = world.people, world.classroom_subject
    assert policies.may_see_report_line(people["subject_teacher"], maths, whole=False)
    assert not policies.may_see_report_line(people["other_teacher"], maths, whole=False)
    assert policies.may_see_report_line(people["advisor"], maths, whole=True)
    assert not policies.may_see_report_line(people["anonymous"], maths, whole=False)


def test_the_table_covers_every_rule_of_the_module():
    rules = {
        name
        for name in dir(policies)
        if name.startswith(("may_", "sees_", "is_"))
        and callable(getattr(policies, name))
    }
    covered = set(MATRIX) | set(ROLE_MATRIX) | {"may_see_report_line"}
    covered |= {"is_own_report_card"}
    assert rules == covered


# Each boolean and the filter for lists that must agree with it, on which model.
PAIRS = [
    ("may_see_classroom", "classrooms_visible_to", Classroom),
    ("may_see_roster", "classrooms_with_roster_for", Classroom),
    ("may_request_class_batch", "classrooms_batchable_by", Classroom),
    ("may_grade", "subjects_gradable_by", ClassroomSubject),
    ("may_lock_term", "terms_lockable_by", Term),
    ("may_see_report_card", "report_cards_visible_to", User),
    ("sees_whole_report_card", "report_cards_seen_whole_by", User),
    ("may_see_batch", "batches_visible_to", ReportBatch),
]


def random_school(seed):
    """A small school with every kind of tie, chosen at random: homerooms, subject
    teachers (some teaching in several classes), current, withdrawn and future
    withdrawals, advisors, batches, deactivated people and a second staff member."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    year = factories.SchoolYearFactory()
    terms = [
        factories.TermFactory(school_year=year, starts_on=start, ends_on=end)
        for start, end in (SCHOOL.first_term, SCHOOL.second_term)
    ]
    teachers = [factories.TeacherFactory() for _ in range(6)]
    students = [factories.StudentFactory() for _ in range(10)]
    staff = [factories.AdminFactory() for _ in range(2)]
    classrooms = [
        factories.ClassroomFactory(school_year=year, teacher=rng.choice(teachers))
        for _ in range(4)
    ]
    for classroom in classrooms:
        for teacher in rng.sample(teachers, rng.randint(0, 3)):
            factories.ClassroomSubjectFactory(classroom=classroom, teacher=teacher)
    for student in students:
        for classroom in rng.sample(classrooms, rng.randint(0, 2)):
            withdrawn_on = rng.choice(
                [None, None, SCHOOL.on(1), SCHOOL.on(3, 1), SCHOOL.on(4, 15)]
            )
            factories.EnrollmentFactory(
                student=student, classroom=classroom, withdrawn_on=withdrawn_on
            )
        for teacher in rng.sample(teachers, rng.randint(0, 2)):
            factories.AdvisingFactory(teacher=teacher, student=student)
    everyone = teachers + students + staff
    for _ in range(5):
        ReportBatch.objects.create(
            requested_by=rng.choice(everyone),
            term=rng.choice(terms),
            classroom=rng.choice(classrooms),
        )
    for person in rng.sample(everyone, 3):
        person.is_active = False
        person.save()
    programs = [
        Actor.command("nightly"),
        Actor.command("nightly", user=rng.choice(teachers)),
        Actor(program="sis-sync", channel=Channel.API),
    ]
    return [*User.objects.all(), AnonymousUser(), *programs]


@pytest.mark.parametrize("seed", range(3))
def test_every_boolean_agrees_with_its_list_filter(seed):
    people = random_school(seed)
    disagreements = []
    for boolean_name, filter_name, model in PAIRS:
        boolean = getattr(policies, boolean_name)
        objects = list(model.objects.all())
        assert objects, model
        for person in people:
            listed = set(
                model.objects.filter(
                    getattr(policies, filter_name)(person)
                ).values_list("pk", flat=True)
            )
            for obj in objects:
                if boolean(person, obj) != (obj.pk in listed):
                    disagreements.append((boolean_name, str(person), str(obj)))
    assert disagreements == []


@pytest.mark.parametrize("seed", range(3))
def test_the_list_form_of_a_whole_card_agrees_with_the_boolean(seed):
    people = random_school(seed)
    students = list(User.objects.students())
    for person in people:
        whole = policies.students_seen_whole_among(person, [s.pk for s in students])
        assert whole == {
            s.pk for s in students if policies.sees_whole_report_card(person, s)
        }, person


def test_only_the_student_reads_a_card_as_their_own(world):
    student = world.people["student"]
    owners = [
        persona
        for persona in PERSONAS
        if policies.is_own_report_card(world.people[persona], student)
    ]
    assert owners == ["student"]
