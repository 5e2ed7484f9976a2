"""Classrooms with their subjects and students inline; school years and terms."""

import pytest

from classrooms.models import Classroom, ClassroomSubject, Enrollment, SchoolYear
from tests import factories
from tests.admin.conftest import admin_url
from tests.school_calendar import SCHOOL

pytestmark = pytest.mark.django_db


def management_form(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# ---------------------------------------------------------------------------
# Classrooms, with their subjects and students inline


def classroom_post(school_year, teacher, subject, student):
    return {
        "school_year": str(school_year.pk),
        "name": "9Z",
        "grade_level": "9",
        "teacher": str(teacher.pk),
        **management_form("subjects", 1),
        "subjects-0-subject": str(subject.pk),
        "subjects-0-teacher": "",
        **management_form("enrollments", 1),
        "enrollments-0-student": str(student.pk),
        "enrollments-0-enrolled_on": str(SCHOOL.year_start),
        "enrollments-0-withdrawn_on": "",
        "_save": "Save",
    }


def test_the_admin_creates_a_classroom_with_a_subject_and_an_enrollment(
    admin_client_, school_year, teacher, other_student
):
    subject = factories.SubjectFactory(name="History")
    response = admin_client_.post(
        admin_url(Classroom, "add"),
        classroom_post(school_year, teacher, subject, other_student),
    )
    assert response.status_code == 302
    classroom = Classroom.objects.get(name="9Z", school_year=school_year)
    assert classroom.teacher == teacher
    enrollment = Enrollment.objects.get(classroom=classroom)
    assert enrollment.student == other_student
    assert enrollment.enrolled_on == SCHOOL.year_start
    taught = ClassroomSubject.objects.get(classroom=classroom)
    # An empty subject teacher defaults to the homeroom teacher.
    assert (taught.subject, taught.teacher) == (subject, teacher)


def test_it_rejects_enrolling_a_teacher_in_the_classroom_admin(
    admin_client_, school_year, teacher, other_teacher
):
    subject = factories.SubjectFactory(name="History")
    response = admin_client_.post(
        admin_url(Classroom, "add"),
        classroom_post(school_year, teacher, subject, other_teacher),
    )
    assert response.status_code == 200
    enrollment_formset = next(
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.model is Enrollment
    )
    assert enrollment_formset.errors[0]["student"] == [
        "Choose a user with the student role."
    ]
    assert "Choose a user with the student role." in response.content.decode()
    assert not Classroom.objects.filter(name="9Z").exists()
    assert not ClassroomSubject.objects.filter(subject=subject).exists()


def test_it_rejects_a_homeroom_teacher_without_the_teacher_role(
    admin_client_, school_year, other_student
):
    subject = factories.SubjectFactory(name="History")
    data = classroom_post(school_year, other_student, subject, other_student)
    response = admin_client_.post(admin_url(Classroom, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["teacher"] == [
        "Choose a user with the teacher role."
    ]
    assert not Classroom.objects.filter(name="9Z").exists()


def test_it_rejects_a_duplicate_enrollment_in_the_enrollment_admin(
    admin_client_, student, classroom
):
    response = admin_client_.post(
        admin_url(Enrollment, "add"),
        {
            "student": str(student.pk),
            "classroom": str(classroom.pk),
            "enrolled_on": str(SCHOOL.on(0, 2)),
            "withdrawn_on": "",
        },
    )
    assert response.status_code == 200
    assert "This student is already enrolled in this classroom." in str(
        response.context["adminform"].form.errors
    )
    assert Enrollment.objects.filter(student=student).count() == 1


def test_the_classroom_list_counts_current_students_only(admin_client_, student):
    classroom = Classroom.objects.get(name="7A")
    factories.EnrollmentFactory(classroom=classroom, withdrawn_on=SCHOOL.on(1))
    factories.EnrollmentFactory(classroom=classroom)
    empty = factories.ClassroomFactory(name="7B", school_year=classroom.school_year)
    # Column 5, descending: the fuller classroom first.
    response = admin_client_.get(admin_url(Classroom, "changelist"), {"o": "-5"})
    rows = list(response.context["cl"].result_list)
    assert [(r.pk, r.current_students) for r in rows] == [
        (classroom.pk, 2),
        (empty.pk, 0),
    ]
    assert "current students" in response.content.decode().lower()


# ---------------------------------------------------------------------------
# School years and terms


def test_it_rejects_a_term_outside_its_new_school_year(admin_client_):
    response = admin_client_.post(
        admin_url(SchoolYear, "add"),
        {
            "name": SCHOOL.shifted(4).name,
            "starts_on": str(SCHOOL.shifted(4).year_start),
            "ends_on": str(SCHOOL.shifted(4).year_end),
            **management_form("terms", 1),
            "terms-0-name": "Autumn",
            "terms-0-starts_on": str(SCHOOL.shifted(4).year_start),
            "terms-0-ends_on": str(SCHOOL.shifted(4).last_day(11)),
        },
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "must lie inside its school year" in str(formset.errors[0]["ends_on"])
    assert not SchoolYear.objects.filter(name=SCHOOL.shifted(4).name).exists()


def test_it_rejects_a_term_outside_an_existing_school_year(admin_client_, school_year):
    response = admin_client_.post(
        admin_url(SchoolYear, "change", school_year.pk),
        {
            "name": school_year.name,
            "starts_on": str(SCHOOL.year_start),
            "ends_on": str(SCHOOL.year_end),
            **management_form("terms", 1),
            "terms-0-name": "Autumn",
            "terms-0-starts_on": str(SCHOOL.on(-1)),
            "terms-0-ends_on": str(SCHOOL.on(3, 20)),
        },
    )
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert "must lie inside its school year" in str(formset.errors[0]["starts_on"])
    assert not school_year.terms.exists()
