from django.views.generic import TemplateView

import policies
from accounts.mixins import MemberRequiredMixin
from classrooms import selectors


class MyClassesView(MemberRequiredMixin, TemplateView):
    template_name = "classrooms/classroom_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if policies.is_staff(user):
            context["all_classrooms"] = selectors.all_classrooms()
        elif policies.is_teacher(user):
            context["teacher_classes"] = selectors.classes_taught_by(user)
        else:
            context["student_classrooms"] = selectors.current_classes_of_student(user)
        return context
