"""Reports: a class's statistics for a term, and an advisor's advisees.

Both pages are read-only (GET). The class report is the subject teacher's and
staff's (404 outsiders, 403 members of the class); "My advisees" is any
teacher's (staff too), showing only the students they advise.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.mixins import TeacherRequiredMixin
from classrooms.selectors import terms_of
from grades import charts, reports, selectors
from grades.views.access import GradingAccessMixin


class ClassReportView(GradingAccessMixin, TemplateView):
    template_name = "grades/class_report.html"
    http_method_names = ["get", "head"]

    def load_objects(self, request, kwargs):
        self.terms = terms_of(self.classroom_subject.classroom)
        self.term = selectors.term_among(self.terms, kwargs["term_id"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = reports.class_report(self.classroom_subject, self.term)
        subject = self.classroom_subject.subject.name
        letter_chart = charts.bar_chart_svg(
            [(band.letter, band.count) for band in report.bands],
            title=_("Students per letter: %(subject)s, %(term)s")
            % {"subject": subject, "term": self.term.name},
            description=_("Number of students with each letter: %(counts)s.")
            % {
                "counts": ", ".join(
                    f"{band.letter} {band.count}" for band in report.bands
                )
            },
        )
        bucket_chart = charts.bar_chart_svg(
            report.buckets,
            title=_("Students per 10 points: %(subject)s, %(term)s")
            % {"subject": subject, "term": self.term.name},
            description=_("Number of students in each range of percent: %(counts)s.")
            % {"counts": ", ".join(f"{label}: {n}" for label, n in report.buckets)},
        )
        args = [self.classroom_subject.classroom_id, self.classroom_subject.pk]
        context.update(
            report=report,
            classroom=self.classroom_subject.classroom,
            classroom_subject=self.classroom_subject,
            term=self.term,
            terms=self.terms,
            letter_chart=letter_chart,
            bucket_chart=bucket_chart,
            url_args=args,
            gradebook_url=reverse("gradebook", args=[args[0]])
            + f"?subject={args[1]}&term={self.term.pk}",
        )
        return context


class AdviseesView(TeacherRequiredMixin, TemplateView):
    template_name = "grades/advisees.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["overview"] = reports.advisee_overview(self.request.user)
        return context
