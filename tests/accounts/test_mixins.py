"""The role gates of accounts.mixins, on a bare view."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from accounts.mixins import (
    RoleRequiredMixin,
    StaffRequiredMixin,
    StudentRequiredMixin,
    TeacherRequiredMixin,
)
from accounts.models import Role
from tests import factories

pytestmark = pytest.mark.django_db


def call(mixin, user, **attributes):
    view_class = type(
        "GatedView",
        (mixin, View),
        {"get": lambda self, r: HttpResponse("ok"), **attributes},
    )
    request = RequestFactory().get("/gated/")
    request.user = user
    return view_class.as_view()(request)


def test_a_role_gate_without_roles_is_a_configuration_error(teacher):
    with pytest.raises(ImproperlyConfigured, match="allowed_roles"):
        call(RoleRequiredMixin, teacher)


def test_a_visitor_who_is_not_signed_in_goes_to_the_login_page():
    response = call(TeacherRequiredMixin, AnonymousUser())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/gated/")


@pytest.mark.parametrize(
    ("mixin", "allowed"),
    [
        (TeacherRequiredMixin, {"teacher", "admin"}),
        (StudentRequiredMixin, {"student"}),
        (StaffRequiredMixin, {"admin"}),
    ],
)
def test_each_gate_lets_in_its_roles_and_refuses_the_others(mixin, allowed):
    for role in Role:
        user = factories.UserFactory(role=role)
        if role in allowed:
            assert call(mixin, user).status_code == 200, role
        else:
            with pytest.raises(PermissionDenied):
                call(mixin, user)


def test_a_deactivated_account_is_refused_even_with_the_role():
    teacher = factories.TeacherFactory(is_active=False)
    with pytest.raises(PermissionDenied):
        call(TeacherRequiredMixin, teacher)


def test_a_gate_can_be_closed_to_staff():
    response_roles = {"allowed_roles": (Role.TEACHER,), "staff_always_allowed": False}
    with pytest.raises(PermissionDenied):
        call(RoleRequiredMixin, factories.AdminFactory(), **response_roles)
