"""The staff's school report: published term grades of a term, grouped, as a page
and as a CSV download.

Staff only (students and teachers get 403); both are read-only (GET), private and
never stored by caches. The numbers come from `grades.school_report`.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.http import Http404, HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.mixins import StaffRequiredMixin
from grades import charts, csv_io
from grades import school_report as selectors


def _whole(value: Decimal | None) -> int:
    """A bar's height: the value rounded half up to a whole number (none is 0)."""
    if value is None:
        return 0
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _text(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _sections(report: selectors.SchoolReport) -> list[dict]:
    """The grouped tables, the first two with a chart whose data the table gives."""
    term = report.term.name
    level_chart = charts.bar_chart_svg(
        [(str(group.key), _whole(group.mean)) for group in report.grade_levels],
        title=_("Mean percent by grade level, %(term)s") % {"term": term},
        description=_(
            "Mean published percent of each grade level, rounded to a whole "
            "percent: %(values)s."
        )
        % {
            "values": ", ".join(
                f"{group.name} {_text(group.mean)}%" for group in report.grade_levels
            )
        },
    )
    # Subject codes fit under a bar; the table next to it names the subjects.
    subject_chart = charts.bar_chart_svg(
        [
            (group.code or group.name, _whole(group.pass_rate))
            for group in report.subjects
        ],
        title=_("Pass rate by subject, %(term)s") % {"term": term},
        description=_(
            "Share of published grades at or above the passing mark in each "
            "subject, rounded to a whole percent: %(values)s."
        )
        % {
            "values": ", ".join(
                f"{group.name} {_text(group.pass_rate)}%" for group in report.subjects
            )
        },
    )
    return [
        {
            "id": "levels",
            "heading": _("By grade level"),
            "column": _("Grade level"),
            "caption": _("Published term grades by grade level"),
            "groups": report.grade_levels,
            "chart": level_chart,
            "chart_caption": _(
                "Mean percent by grade level (whole percent; exact values in the table)"
            ),
        },
        {
            "id": "subjects",
            "heading": _("By subject"),
            "column": _("Subject"),
            "caption": _("Published term grades by subject"),
            "groups": report.subjects,
            "chart": subject_chart,
            "chart_caption": _(
                "Pass rate by subject (whole percent; exact values in the table)"
            ),
        },
        {
            "id": "classrooms",
            "heading": _("By classroom"),
            "column": _("Classroom"),
            "caption": _("Published term grades by classroom"),
            "groups": report.classrooms,
        },
        {
            "id": "teachers",
            "heading": _("By teacher"),
            "column": _("Teacher"),
            "caption": _("Published term grades by the teacher of each subject"),
            "groups": report.teachers,
        },
    ]


class SchoolReportMixin(StaffRequiredMixin):
    """Loads the current year's terms and the chosen one (`?term=`)."""

    http_method_names = ["get", "head"]

    def load_term(self):
        self.terms = selectors.report_terms()
        self.term = selectors.get_report_term(self.terms, self.request.GET.get("term"))


@method_decorator(never_cache, name="dispatch")
class SchoolReportView(SchoolReportMixin, TemplateView):
    template_name = "grades/school_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        self.load_term()
        report = selectors.school_report(self.term) if self.term else None
        context.update(terms=self.terms, term=self.term, report=report)
        if report is not None and report.school.count:
            context["sections"] = _sections(report)
        return context


GROUP_TYPES = {
    selectors.SCHOOL: gettext_lazy("Whole school"),
    selectors.GRADE_LEVEL: gettext_lazy("Grade level"),
    selectors.CLASSROOM: gettext_lazy("Classroom"),
    selectors.SUBJECT: gettext_lazy("Subject"),
    selectors.TEACHER: gettext_lazy("Teacher"),
}


@method_decorator(never_cache, name="dispatch")
class SchoolReportCsvView(SchoolReportMixin, View):
    """One row per group, the whole school first; cells never run as formulas."""

    def get(self, request):
        self.load_term()
        if self.term is None:
            raise Http404
        report = selectors.school_report(self.term)
        rows = [
            [
                _("Group type"),
                _("Group"),
                _("Term"),
                _("Published grades"),
                _("Mean percent"),
                _("Pass rate"),
                _("Below passing"),
            ]
        ]
        for group in report.groups:
            rows.append(
                [
                    str(GROUP_TYPES[group.kind]),
                    group.name,
                    self.term.name,
                    group.count,
                    _text(group.mean),
                    _text(group.pass_rate),
                    group.below,
                ]
            )
        response = HttpResponse(
            csv_io.write_csv(rows), content_type="text/csv; charset=utf-8"
        )
        filename = csv_io.export_filename(
            pgettext("file name", "school-report"),
            self.term.school_year.name,
            self.term.name,
        )
        response["Content-Disposition"] = csv_io.content_disposition(filename)
        return response
