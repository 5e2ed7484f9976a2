"""Every role gate of the portal, built like django.contrib.auth.mixins.

Views declare who may enter; they never test `user.role` themselves. An anonymous
user is sent to the login page; a logged-in user whose role may not do this gets 403.
Objects a user has no tie to are hidden by the selectors, which raise 404.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

from accounts.models import Role


class RoleRequiredMixin(AccessMixin):
    """Allow only users whose role is in `allowed_roles` (staff always pass)."""

    allowed_roles: tuple[str, ...] = ()
    staff_always_allowed = True

    def has_role(self, user) -> bool:
        if self.staff_always_allowed and user.is_staff:
            return True
        return user.role in self.allowed_roles

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.has_role(request.user):
            raise PermissionDenied
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
