from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from accounts.models import Advising, Role, User
from accounts.names import join_name, split_full_name
from accounts.services import user_sync_school_admin_group
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from grades.models import Assessment, Category, Score, ScoreState, TermGrade
from tests.school_calendar import SCHOOL

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        first = factory.Faker("first_name")
        last = factory.Faker("last_name")

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Given `full_name` alone, the parts follow by the backfill's rule; given the
    # parts, `full_name` follows them (as User.save rebuilds it).
    full_name = factory.LazyAttribute(lambda o: f"{o.first} {o.last}")
    given_name = factory.LazyAttribute(lambda o: split_full_name(o.full_name).given)
    family_name = factory.LazyAttribute(lambda o: split_full_name(o.full_name).family)
    role = Role.STUDENT
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def school_admin_group(user, create, extracted, **kwargs):
        # What user_create does for a new school admin: test data skips the
        # service (and its audit row), not the group.
        if create and user.role == Role.ADMIN:
            user_sync_school_admin_group(user=user)

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs["full_name"] = join_name(kwargs["given_name"], kwargs["family_name"])
        return kwargs


class StudentFactory(UserFactory):
    email = factory.Sequence(lambda n: f"student{n}@example.org")
    role = Role.STUDENT


class TeacherFactory(UserFactory):
    email = factory.Sequence(lambda n: f"teacher{n}@example.org")
    role = Role.TEACHER


class AdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.org")
    role = Role.ADMIN


class AdvisingFactory(DjangoModelFactory):
    class Meta:
        model = Advising

    teacher = factory.SubFactory(TeacherFactory)
    student = factory.SubFactory(StudentFactory)


class SchoolYearFactory(DjangoModelFactory):
    class Meta:
        model = SchoolYear
        django_get_or_create = ("name",)

    name = SCHOOL.name
    starts_on = SCHOOL.year_start
    ends_on = SCHOOL.year_end


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term

    school_year = factory.SubFactory(SchoolYearFactory)
    name = factory.Sequence(lambda n: f"Term {n}")
    starts_on, ends_on = SCHOOL.first_term


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject

    name = factory.Sequence(lambda n: f"Subject {n}")
    code = factory.Sequence(lambda n: f"S{n}")


class ClassroomFactory(DjangoModelFactory):
    class Meta:
        model = Classroom

    school_year = factory.SubFactory(SchoolYearFactory)
    name = factory.Sequence(lambda n: f"Class {n}")
    grade_level = 7
    teacher = factory.SubFactory(TeacherFactory)


class ClassroomSubjectFactory(DjangoModelFactory):
    class Meta:
        model = ClassroomSubject

    classroom = factory.SubFactory(ClassroomFactory)
    subject = factory.SubFactory(SubjectFactory)
    teacher = factory.LazyAttribute(lambda o: o.classroom.teacher)


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    student = factory.SubFactory(StudentFactory)
    classroom = factory.SubFactory(ClassroomFactory)
    enrolled_on = SCHOOL.year_start


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    classroom_subject = factory.SubFactory(ClassroomSubjectFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    weight = Decimal("50")


class AssessmentFactory(DjangoModelFactory):
    class Meta:
        model = Assessment

    classroom_subject = factory.SubFactory(ClassroomSubjectFactory)
    term = factory.SubFactory(
        TermFactory,
        school_year=factory.SelfAttribute("..classroom_subject.classroom.school_year"),
    )
    category = factory.SubFactory(
        CategoryFactory, classroom_subject=factory.SelfAttribute("..classroom_subject")
    )
    title = factory.Sequence(lambda n: f"Assessment {n}")
    max_points = Decimal("20")
    due_on = SCHOOL.on(1)


class ScoreFactory(DjangoModelFactory):
    class Meta:
        model = Score

    assessment = factory.SubFactory(AssessmentFactory)
    student = factory.SubFactory(StudentFactory)
    points = Decimal("15")
    state = ScoreState.GRADED


class TermGradeFactory(DjangoModelFactory):
    class Meta:
        model = TermGrade

    student = factory.SubFactory(StudentFactory)
    classroom_subject = factory.SubFactory(ClassroomSubjectFactory)
    term = factory.SubFactory(
        TermFactory,
        school_year=factory.SelfAttribute("..classroom_subject.classroom.school_year"),
    )
    computed = Decimal("85.0")
