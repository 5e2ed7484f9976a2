"""Every role gate of the portal, built like django.contrib.auth.mixins.

Views declare who may enter; they never test `user.role` themselves. An anonymous
user is sent to the login page; a logged-in user whose role may not do this gets 403.
Objects a user has no tie to are hidden by the selectors, which raise 404.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ImproperlyConfigured

from accounts.models import Role


class RoleRequiredMixin(AccessMixin):
    """Allow only active users whose role is in `allowed_roles` (staff always pass,
    unless `staff_always_allowed` is off).

    Like Django's `UserPassesTestMixin`: a visitor who is not signed in goes to the
    login page, a signed-in user without the role gets 403 (`handle_no_permission`).
    """

    allowed_roles: tuple[str, ...] = ()
    staff_always_allowed = True

    def get_allowed_roles(self) -> tuple[str, ...]:
        if not self.allowed_roles:
            raise ImproperlyConfigured(
                f"{type(self).__name__} is missing the allowed_roles attribute. "
                f"Define {type(self).__name__}.allowed_roles, or override "
                f"{type(self).__name__}.get_allowed_roles()."
            )
        return self.allowed_roles

    def has_role(self, user) -> bool:
        allowed = self.get_allowed_roles()
        if not (user.is_authenticated and user.is_active):
            return False
        if self.staff_always_allowed and user.is_staff:
            return True
        return user.role in allowed

    def dispatch(self, request, *args, **kwargs):
        if not self.has_role(request.user):
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class TeacherRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.TEACHER,)


class StudentRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.STUDENT,)
    staff_always_allowed = False


class StaffRequiredMixin(RoleRequiredMixin):
    allowed_roles = (Role.ADMIN,)


class MemberRequiredMixin(RoleRequiredMixin):
    """Any logged-in student, teacher or admin; what they see is the selector's job."""

    allowed_roles = (Role.STUDENT, Role.TEACHER, Role.ADMIN)
