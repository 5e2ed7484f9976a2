"""The school secretary sets up a class in the Django admin, as a person would."""

import pytest
from playwright.sync_api import expect

from classrooms.models import Classroom
from tests import factories
from tests.e2e.conftest import follow, visit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def choose(page, select_id, search, option):
    """Pick `option` in the admin's autocomplete (select2): open it from the
    keyboard, type `search`, then choose the result that names the option (a
    result list still showing the previous search would make Enter pick
    another name)."""
    page.locator(f"#{select_id} + .select2 .select2-selection").focus()
    page.keyboard.press("Enter")
    page.keyboard.type(search)
    page.locator(".select2-results__option", has_text=option).click()
    expect(page.locator(f"#select2-{select_id}-container")).to_have_text(option)


def test_staff_create_a_classroom_and_enroll_two_students(
    page, live_server, admin, password, teacher, school_year
):
    factories.StudentFactory(full_name="Lena Lindqvist")
    factories.StudentFactory(full_name="Marco Lindqvist")
    factories.StudentFactory(full_name="Nadia Nilsson")

    visit(page, f"{live_server.url}/admin/")
    page.get_by_label("Email address").fill(admin.email)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name="Log in").click)
    follow(page, page.get_by_role("link", name="Classrooms", exact=True).click)
    follow(page, page.get_by_role("link", name="Add classroom").click)

    page.get_by_label("School year").select_option(label=str(school_year))
    page.get_by_label("Name").fill("9C")
    page.get_by_label("Grade level").fill("9")
    choose(page, "id_teacher", "Tom", "Tomás Teacher")

    enrollments = page.locator("#enrollments-group")
    for row, name in enumerate(["Lena Lindqvist", "Marco Lindqvist"]):
        enrollments.get_by_role("button", name="Add another Enrollment").click()
        choose(page, f"id_enrollments-{row}-student", name.split()[0], name)

    follow(page, page.get_by_role("button", name="Save", exact=True).click)
    expect(page.locator(".messagelist")).to_contain_text("9C")

    classroom = Classroom.objects.get(name="9C")
    assert (classroom.teacher, classroom.grade_level) == (teacher, 9)
    assert sorted(
        classroom.enrollments.values_list("student__full_name", flat=True)
    ) == ["Lena Lindqvist", "Marco Lindqvist"]
