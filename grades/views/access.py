from accounts.mixins import MemberRequiredMixin
from grades import selectors
from grades.ratelimits import enforce_grade_write_limit


class GradingAccessMixin(MemberRequiredMixin):
    """Every gradebook page: the classroom subject the user grades, or 404 / 403.

    Subclasses say where the classroom subject's id is (`classroom_subject_id`) and
    load the rest of their objects in `load_objects`, both inside the access check.
    Every POST counts against the teacher's grade-write limit.
    """

    def classroom_subject_id(self, request, kwargs) -> int | None:
        return kwargs.get("subject_id")

    def load_objects(self, request, kwargs) -> None:
        """Find the URL's objects inside the classroom subject (404 if not there)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.classroom_subject = selectors.get_classroom_subject_for_grading(
            request.user,
            kwargs["classroom_id"],
            self.classroom_subject_id(request, kwargs),
        )
        self.load_objects(request, kwargs)
        if request.method == "POST":
            enforce_grade_write_limit(request)
        return super().dispatch(request, *args, **kwargs)
