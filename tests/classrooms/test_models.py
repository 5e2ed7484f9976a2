"""Every rule of the classrooms models, at both layers.

Model validation (`full_clean()`) gives the person a clear message; the database
constraint keeps the rule when a write goes past validation (bulk_create, update).
"""

import datetime

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db.models import ProtectedError
from django.utils import timezone

from accounts.models import User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from tests import factories
from tests.assertions import assert_db_rejects, assert_invalid
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db

YEAR_START = SCHOOL.year_start
YEAR_END = SCHOOL.year_end


class TestSchoolYear:
    def test_it_accepts_a_school_year_that_ends_after_it_starts(self):
        year = SchoolYear(
            name=SCHOOL.shifted(1).name,
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.shifted(1).year_end,
        )
        year.full_clean()
        year.save()
        assert SchoolYear.objects.filter(name=SCHOOL.shifted(1).name).exists()

    @pytest.mark.parametrize(
        "ends_on",
        [SCHOOL.year_end, SCHOOL.shifted(1).year_start],
        ids=["before", "same_day"],
    )
    def test_it_rejects_a_school_year_that_ends_before_it_starts(self, ends_on):
        assert_invalid(
            SchoolYear(
                name=SCHOOL.shifted(1).name,
                starts_on=SCHOOL.shifted(1).year_start,
                ends_on=ends_on,
            ),
            "ends_on",
            "A school year must end after it starts.",
        )

    def test_the_database_rejects_a_school_year_that_ends_before_it_starts(self):
        backwards = SchoolYear(
            name=SCHOOL.shifted(1).name,
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.year_end,
        )
        assert_db_rejects(
            SchoolYear,
            lambda: SchoolYear.objects.bulk_create([backwards]),
            "classrooms_schoolyear_ends_after_start",
        )

    def test_it_rejects_a_second_school_year_with_the_same_name(self, school_year):
        assert_invalid(
            SchoolYear(name=school_year.name, starts_on=YEAR_START, ends_on=YEAR_END),
            "name",
            "School year with this Name already exists.",
        )

    def test_the_database_rejects_a_second_school_year_with_the_same_name(
        self, school_year
    ):
        twin = SchoolYear(name=school_year.name, starts_on=YEAR_START, ends_on=YEAR_END)
        assert_db_rejects(
            SchoolYear,
            lambda: SchoolYear.objects.bulk_create([twin]),
            unique_field="name",
        )


class TestTerm:
    def test_it_accepts_a_term_that_fills_its_whole_school_year(self, school_year):
        term = Term(
            school_year=school_year, name="Year", starts_on=YEAR_START, ends_on=YEAR_END
        )
        term.full_clean()
        term.save()
        assert school_year.terms.filter(name="Year").exists()

    @pytest.mark.parametrize(
        "ends_on",
        [SCHOOL.last_day(1), SCHOOL.on(2)],
        ids=["before", "same_day"],
    )
    def test_it_rejects_a_term_that_ends_before_it_starts(self, school_year, ends_on):
        assert_invalid(
            Term(
                school_year=school_year,
                name="Term 1",
                starts_on=SCHOOL.on(2),
                ends_on=ends_on,
            ),
            "ends_on",
            "A term must end after it starts.",
        )

    def test_the_database_rejects_a_term_that_ends_before_it_starts(self, school_year):
        backwards = Term(
            school_year=school_year,
            name="Term 1",
            starts_on=SCHOOL.on(2),
            ends_on=SCHOOL.last_day(1),
        )
        assert_db_rejects(
            Term,
            lambda: Term.objects.bulk_create([backwards]),
            "classrooms_term_ends_after_start",
        )

    @pytest.mark.parametrize(
        ("field", "starts_on", "ends_on"),
        [
            ("starts_on", SCHOOL.last_day(-1), SCHOOL.first_term_end),
            ("ends_on", SCHOOL.second_term_start, SCHOOL.on(10)),
        ],
        ids=["starts_before_the_year", "ends_after_the_year"],
    )
    def test_it_rejects_a_term_outside_its_school_year(
        self, school_year, field, starts_on, ends_on
    ):
        assert_invalid(
            Term(
                school_year=school_year,
                name="Term 1",
                starts_on=starts_on,
                ends_on=ends_on,
            ),
            field,
            "A term must lie inside its school year "
            f"({SCHOOL.year_start.isoformat()} to {SCHOOL.year_end.isoformat()}).",
        )

    def test_it_rejects_a_second_term_with_the_same_name_in_a_year(self, school_year):
        factories.TermFactory(school_year=school_year, name="Term 1")
        assert_invalid(
            Term(
                school_year=school_year,
                name="Term 1",
                starts_on=SCHOOL.second_term_start,
                ends_on=YEAR_END,
            ),
            NON_FIELD_ERRORS,
            "This school year already has a term with this name.",
        )

    def test_the_database_rejects_a_second_term_with_the_same_name_in_a_year(
        self, school_year
    ):
        factories.TermFactory(school_year=school_year, name="Term 1")
        twin = Term(
            school_year=school_year,
            name="Term 1",
            starts_on=SCHOOL.second_term_start,
            ends_on=YEAR_END,
        )
        assert_db_rejects(
            Term,
            lambda: Term.objects.bulk_create([twin]),
            "classrooms_term_unique_name_per_year",
        )

    def test_the_same_term_name_is_allowed_in_another_year(self, school_year):
        factories.TermFactory(school_year=school_year, name="Term 1")
        next_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(1).name,
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.shifted(1).year_end,
        )
        term = Term(
            school_year=next_year,
            name="Term 1",
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.shifted(1).first_term_end,
        )
        term.full_clean()
        term.save()
        assert Term.objects.filter(name="Term 1").count() == 2


class TestSubject:
    def test_it_rejects_a_second_subject_with_the_same_name(self, classroom_subject):
        assert_invalid(
            Subject(name="Mathematics", code="MATH2"),
            "name",
            "Subject with this Name already exists.",
        )

    def test_the_database_rejects_a_second_subject_with_the_same_name(
        self, classroom_subject
    ):
        twin = Subject(name="Mathematics", code="MATH2")
        assert_db_rejects(
            Subject, lambda: Subject.objects.bulk_create([twin]), unique_field="name"
        )

    def test_it_rejects_a_second_subject_with_the_same_code(self, classroom_subject):
        assert_invalid(
            Subject(name="Maths, again", code="MATH"),
            "code",
            "Subject with this Code already exists.",
        )

    def test_the_database_rejects_a_second_subject_with_the_same_code(
        self, classroom_subject
    ):
        twin = Subject(name="Maths, again", code="MATH")
        assert_db_rejects(
            Subject, lambda: Subject.objects.bulk_create([twin]), unique_field="code"
        )


class TestClassroom:
    def test_it_rejects_a_second_classroom_with_the_same_name_in_a_year(
        self, classroom, other_teacher
    ):
        assert_invalid(
            Classroom(
                school_year=classroom.school_year,
                name="7A",
                grade_level=7,
                teacher=other_teacher,
            ),
            NON_FIELD_ERRORS,
            "This school year already has a classroom with this name.",
        )

    def test_the_database_rejects_a_second_classroom_with_the_same_name_in_a_year(
        self, classroom, other_teacher
    ):
        twin = Classroom(
            school_year=classroom.school_year,
            name="7A",
            grade_level=7,
            teacher=other_teacher,
        )
        assert_db_rejects(
            Classroom,
            lambda: Classroom.objects.bulk_create([twin]),
            "classrooms_classroom_unique_name_per_year",
        )

    def test_the_same_classroom_name_is_allowed_in_another_year(
        self, classroom, teacher
    ):
        next_year = factories.SchoolYearFactory(
            name=SCHOOL.shifted(1).name,
            starts_on=SCHOOL.shifted(1).year_start,
            ends_on=SCHOOL.shifted(1).year_end,
        )
        again = Classroom(
            school_year=next_year, name="7A", grade_level=7, teacher=teacher
        )
        again.full_clean()
        again.save()
        assert Classroom.objects.filter(name="7A").count() == 2

    @pytest.mark.parametrize("persona", ["student", "admin"])
    def test_it_rejects_a_homeroom_teacher_without_the_teacher_role(
        self, request, school_year, persona
    ):
        not_a_teacher = request.getfixturevalue(persona)
        assert_invalid(
            Classroom(
                school_year=school_year,
                name="9C",
                grade_level=9,
                teacher=not_a_teacher,
            ),
            "teacher",
            "The homeroom teacher must have the teacher role.",
        )


class TestClassroomSubject:
    def test_the_teacher_defaults_to_the_homeroom_teacher_on_save(
        self, classroom, teacher
    ):
        subject = factories.SubjectFactory()
        created = ClassroomSubject.objects.create(classroom=classroom, subject=subject)
        created.refresh_from_db()
        assert created.teacher == teacher

    def test_the_teacher_defaults_to_the_homeroom_teacher_on_validation(
        self, classroom, teacher
    ):
        unit = ClassroomSubject(classroom=classroom, subject=factories.SubjectFactory())
        unit.full_clean()
        assert unit.teacher_id == teacher.pk

    def test_a_subject_teacher_is_kept_when_given(self, classroom, other_teacher):
        unit = ClassroomSubject(
            classroom=classroom,
            subject=factories.SubjectFactory(),
            teacher=other_teacher,
        )
        unit.full_clean()
        unit.save()
        unit.refresh_from_db()
        assert unit.teacher == other_teacher

    @pytest.mark.parametrize("persona", ["student", "admin"])
    def test_it_rejects_a_subject_teacher_without_the_teacher_role(
        self, request, classroom, persona
    ):
        not_a_teacher = request.getfixturevalue(persona)
        assert_invalid(
            ClassroomSubject(
                classroom=classroom,
                subject=factories.SubjectFactory(),
                teacher=not_a_teacher,
            ),
            "teacher",
            "A subject's teacher must have the teacher role.",
        )

    def test_it_rejects_the_same_subject_twice_in_a_classroom(self, classroom_subject):
        assert_invalid(
            ClassroomSubject(
                classroom=classroom_subject.classroom,
                subject=classroom_subject.subject,
            ),
            NON_FIELD_ERRORS,
            "This subject is already taught in this classroom.",
        )

    def test_the_database_rejects_the_same_subject_twice_in_a_classroom(
        self, classroom_subject
    ):
        twin = ClassroomSubject(
            classroom=classroom_subject.classroom,
            subject=classroom_subject.subject,
            teacher=classroom_subject.teacher,
        )
        assert_db_rejects(
            ClassroomSubject,
            lambda: ClassroomSubject.objects.bulk_create([twin]),
            "classrooms_classroomsubject_unique",
        )


class TestEnrollment:
    @pytest.mark.parametrize("persona", ["other_teacher", "admin"])
    def test_it_rejects_enrolling_a_user_without_the_student_role(
        self, request, classroom, persona
    ):
        not_a_student = request.getfixturevalue(persona)
        assert_invalid(
            Enrollment(student=not_a_student, classroom=classroom),
            "student",
            "Only a user with the student role can be enrolled.",
        )

    def test_it_rejects_enrolling_a_student_twice_in_a_classroom(
        self, student, classroom
    ):
        assert_invalid(
            Enrollment(student=student, classroom=classroom),
            NON_FIELD_ERRORS,
            "This student is already enrolled in this classroom.",
        )

    def test_the_database_rejects_enrolling_a_student_twice_in_a_classroom(
        self, student, classroom
    ):
        twin = Enrollment(student=student, classroom=classroom, enrolled_on=YEAR_START)
        assert_db_rejects(
            Enrollment,
            lambda: Enrollment.objects.bulk_create([twin]),
            "classrooms_enrollment_unique_pair",
        )

    def test_one_student_may_join_several_classrooms(self, student, other_classroom):
        joined = Enrollment(student=student, classroom=other_classroom)
        joined.full_clean()
        joined.save()
        assert student.enrollments.count() == 2

    def test_it_rejects_a_withdrawal_before_the_enrollment(self, classroom):
        assert_invalid(
            Enrollment(
                student=factories.StudentFactory(),
                classroom=classroom,
                enrolled_on=SCHOOL.on(1),
                withdrawn_on=SCHOOL.last_day(0),
            ),
            "withdrawn_on",
            "A withdrawal cannot come before the enrollment.",
        )

    def test_the_database_rejects_a_withdrawal_before_the_enrollment(self, classroom):
        backwards = Enrollment(
            student=factories.StudentFactory(),
            classroom=classroom,
            enrolled_on=SCHOOL.on(1),
            withdrawn_on=SCHOOL.last_day(0),
        )
        assert_db_rejects(
            Enrollment,
            lambda: Enrollment.objects.bulk_create([backwards]),
            "classrooms_enrollment_withdrawn_after_enrolled",
        )

    def test_the_database_rejects_withdrawing_an_enrollment_before_its_start(
        self, student, classroom
    ):
        enrollment = Enrollment.objects.get(student=student, classroom=classroom)
        assert_db_rejects(
            Enrollment,
            lambda: Enrollment.objects.filter(pk=enrollment.pk).update(
                withdrawn_on=SCHOOL.last_day(-1)
            ),
            "classrooms_enrollment_withdrawn_after_enrolled",
        )
        enrollment.refresh_from_db()
        assert enrollment.withdrawn_on is None

    def test_a_withdrawal_on_the_day_of_the_enrollment_is_allowed(self, classroom):
        brief = Enrollment(
            student=factories.StudentFactory(),
            classroom=classroom,
            enrolled_on=SCHOOL.on(1),
            withdrawn_on=SCHOOL.on(1),
        )
        brief.full_clean()
        brief.save()
        assert Enrollment.objects.filter(pk=brief.pk).exists()

    def test_a_withdrawn_enrollment_is_kept_but_no_longer_current(
        self, student, other_student, classroom
    ):
        enrollment = Enrollment.objects.get(student=student, classroom=classroom)
        enrollment.withdrawn_on = timezone.localdate()
        enrollment.full_clean()
        enrollment.save()

        assert Enrollment.objects.filter(pk=enrollment.pk).exists()
        assert enrollment.is_withdrawn
        current = set(Enrollment.objects.current())
        withdrawn = set(Enrollment.objects.withdrawn())
        assert enrollment not in current
        assert enrollment in withdrawn
        staying = other_student.enrollments.get()
        assert staying in current
        assert staying not in withdrawn

    def test_a_withdrawal_dated_later_keeps_the_enrollment_current_until_then(
        self, student, classroom
    ):
        today = timezone.localdate()
        leaving_on = today + datetime.timedelta(days=7)
        enrollment = Enrollment.objects.get(student=student, classroom=classroom)
        enrollment.withdrawn_on = leaving_on
        enrollment.save()

        assert not enrollment.is_withdrawn
        assert enrollment in Enrollment.objects.current()
        assert enrollment not in Enrollment.objects.withdrawn()
        assert enrollment not in Enrollment.objects.current(on=leaving_on)
        assert enrollment in Enrollment.objects.withdrawn(on=leaving_on)
        assert enrollment.is_current(today)
        assert not enrollment.is_current(leaving_on)

    def test_in_term_keeps_whoever_was_there_on_one_day_of_the_term(self, classroom):
        term = factories.TermFactory(
            school_year=classroom.school_year,
            starts_on=SCHOOL.first_term[0],
            ends_on=SCHOOL.first_term[1],
        )

        def enrol(**dates):
            return factories.EnrollmentFactory(classroom=classroom, **dates)

        left_before = enrol(withdrawn_on=term.starts_on)
        left_during = enrol(withdrawn_on=term.starts_on + datetime.timedelta(days=1))
        left_after = enrol(withdrawn_on=SCHOOL.second_term_start)
        joined_on_last_day = enrol(enrolled_on=term.ends_on)
        joined_after = enrol(enrolled_on=SCHOOL.second_term_start)

        assert set(Enrollment.objects.in_term(term)) == {
            left_during,
            left_after,
            joined_on_last_day,
        }
        assert left_before not in Enrollment.objects.in_term(term)
        assert joined_after not in Enrollment.objects.in_term(term)

    def test_current_q_reaches_enrollments_from_the_classroom(self, classroom):
        gone = factories.EnrollmentFactory(classroom=classroom, withdrawn_on=YEAR_START)
        rooms = Classroom.objects.filter(
            Enrollment.current_q(prefix="enrollments__"),
            enrollments__student=gone.student,
        )
        assert not rooms.exists()
        on_the_first_day = Enrollment.current_q(
            on=YEAR_START - datetime.timedelta(days=1), prefix="enrollments__"
        )
        assert list(
            Classroom.objects.filter(
                on_the_first_day, enrollments__student=gone.student
            )
        ) == [classroom]


class TestRecordsAreProtected:
    def test_deleting_a_classroom_with_enrollments_is_refused(self, student, classroom):
        enrollment = Enrollment.objects.get(student=student, classroom=classroom)
        with pytest.raises(ProtectedError) as excinfo:
            classroom.delete()
        assert enrollment in excinfo.value.protected_objects
        assert Classroom.objects.filter(pk=classroom.pk).exists()
        assert Enrollment.objects.filter(pk=enrollment.pk).exists()

    def test_deleting_a_user_with_enrollments_is_refused(self, classroom):
        # A student with an enrollment and nothing else that could protect them.
        pupil = factories.StudentFactory()
        enrollment = factories.EnrollmentFactory(student=pupil, classroom=classroom)
        with pytest.raises(ProtectedError) as excinfo:
            pupil.delete()
        assert set(excinfo.value.protected_objects) == {enrollment}
        assert User.objects.filter(pk=pupil.pk).exists()
        assert Enrollment.objects.filter(pk=enrollment.pk).exists()
