"""The admin's people pickers offer only users of the right role."""

import pytest
from django.urls import reverse

from accounts.models import Role, User

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------
# Autocomplete offers only users of the right role


def autocomplete(client, app_label, model_name, field_name, term=""):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": app_label,
            "model_name": model_name,
            "field_name": field_name,
            "term": term,
        },
    )
    assert response.status_code == 200
    return {int(result["id"]) for result in response.json()["results"]}


@pytest.mark.usefixtures("advisor", "teacher", "other_teacher")
@pytest.mark.parametrize("term", ["", "o", "example.org"])
def test_the_enrollment_student_autocomplete_offers_only_students(
    admin_client_, student, other_student, term
):
    found = autocomplete(admin_client_, "classrooms", "enrollment", "student", term)
    assert found == {student.pk, other_student.pk}


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name", "role"),
    [
        ("classrooms", "classroom", "teacher", Role.TEACHER),
        ("classrooms", "classroomsubject", "teacher", Role.TEACHER),
        ("accounts", "advising", "teacher", Role.TEACHER),
        ("accounts", "advising", "student", Role.STUDENT),
        # These two foreign keys declare no role; the admin adds it.
        ("grades", "score", "student", Role.STUDENT),
        ("grades", "termgrade", "student", Role.STUDENT),
    ],
)
def test_every_user_autocomplete_offers_only_the_right_role(
    admin_client_, school, app_label, model_name, field_name, role
):
    found = autocomplete(admin_client_, app_label, model_name, field_name)
    expected = set(User.objects.filter(role=role).values_list("pk", flat=True))
    assert found == expected
    assert expected
