"""Report cards: a student's own (`/report-card/`), a student's for those allowed,
and the PDF download. The selectors in `grades.report_cards` decide who sees what
(404 for outsiders); every response is private and never stored by caches.
"""

from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

import policies
from accounts.mixins import MemberRequiredMixin, StudentRequiredMixin
from grades import report_cards as selectors
from grades.pdf import report_card_pdf
from grades.selectors import chosen_term, term_among


class ReportCardMixin:
    """Loads `self.student` (in `get_student`), the student's terms and the card."""

    template_name = "grades/report_card.html"

    def get_student(self):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        student = self.get_student()
        terms = selectors.terms_of_student(student)
        term = chosen_term(terms, self.request.GET.get("term"))
        card = selectors.report_card(student, term, self.request.user) if term else None
        context.update(
            student=student,
            terms=terms,
            term=term,
            card=card,
            own_card=policies.is_own_report_card(self.request.user, student),
        )
        return context


@method_decorator(never_cache, name="dispatch")
class MyReportCardView(StudentRequiredMixin, ReportCardMixin, TemplateView):
    """The logged-in student's report card."""

    def get_student(self):
        return self.request.user


@method_decorator(never_cache, name="dispatch")
class StudentReportCardView(MemberRequiredMixin, ReportCardMixin, TemplateView):
    """A student's report card for the student, advisors, their teachers, staff."""

    def get_student(self):
        return selectors.get_student_for_report_card(
            self.request.user, self.kwargs["student_id"]
        )


@method_decorator(never_cache, name="dispatch")
class ReportCardPdfView(MemberRequiredMixin, View):
    """One student's report card for one term, as a PDF attachment."""

    def get(self, request, student_id, term_id):
        student = selectors.get_student_for_report_card(request.user, student_id)
        terms = selectors.terms_of_student(student)
        term = term_among(terms, term_id)
        card = selectors.report_card(student, term, request.user)
        response = HttpResponse(report_card_pdf(card), content_type="application/pdf")
        name = slugify(f"report-card {student.full_name} {term.name}") or "report-card"
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
