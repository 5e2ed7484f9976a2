"""A classroom's page and the school overview: classrooms' data with what the
gradebook adds to it (report batches, a student's own results), so they live in
grades, above classrooms. Their templates stay under templates/classrooms/.
"""

from django.views.generic import TemplateView

import policies
from accounts.mixins import MemberRequiredMixin, StaffRequiredMixin
from classrooms import selectors
from grades import report_batches
from grades.selectors import current_term
from grades.term_grade_selectors import student_results


class ClassroomDetailView(MemberRequiredMixin, TemplateView):
    template_name = "classrooms/classroom_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        classroom = selectors.get_classroom_for_user(
            self.request.user, self.kwargs["pk"]
        )
        user = self.request.user
        context["classroom"] = classroom
        if policies.may_see_roster(user, classroom):
            context["roster"] = selectors.roster_of(classroom)
            context["gradable_subject_ids"] = {
                subject.pk
                for subject in classroom.subjects.all()
                if policies.may_grade(user, subject)
            }
        if policies.may_request_class_batch(user, classroom):
            terms = selectors.terms_of(classroom)
            context.update(batch_terms=terms, batch_term=current_term(terms))
        # A student's own published results; None (no query) for everyone else.
        context["my_results"] = student_results(self.request.user, classroom)
        return context


class SchoolOverviewView(StaffRequiredMixin, TemplateView):
    template_name = "classrooms/school_overview.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        overview = selectors.school_overview()
        context["overview"] = overview
        if overview.terms:
            context.update(
                batch_term=current_term(overview.terms),
                batch_grade_levels=report_batches.grade_levels_of(overview.terms[0]),
            )
        return context
