"""Batch report cards: ask for a classroom's or a grade level's PDF, follow its
progress, download it. Asking is a POST that stores the batch and enqueues its
task; the batch's page shows progress (updated by a small script, or by
reloading) and the download once it is ready. Everything is private.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.mixins import (
    MemberRequiredMixin,
    StaffRequiredMixin,
    TeacherRequiredMixin,
)
from classrooms.models import Term
from classrooms.selectors import terms_of
from grades import report_batches as selectors
from grades.models import ReportBatchStatus
from grades.ratelimits import enforce_report_batch_limit
from grades.selectors import term_among
from grades.services.report_batches import report_batch_request
from school.audit import Actor
from school.ids import id_or_404, parse_id


def _requested(request, **scope):
    enforce_report_batch_limit(request)
    try:
        batch = report_batch_request(actor=Actor.from_request(request), **scope)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    return redirect("report_batch", batch.pk)


@method_decorator(never_cache, name="dispatch")
class ClassroomReportBatchView(TeacherRequiredMixin, View):
    """POST: prepare the PDF of every report card of a classroom for a term."""

    http_method_names = ["post"]

    def post(self, request, classroom_id):
        classroom = selectors.get_classroom_for_batch(request.user, classroom_id)
        terms = terms_of(classroom)
        term = term_among(terms, request.POST.get("term"))
        return _requested(request, term=term, classroom=classroom) or redirect(
            "classroom_detail", classroom.pk
        )


@method_decorator(never_cache, name="dispatch")
class GradeLevelReportBatchView(StaffRequiredMixin, View):
    """POST: prepare the PDF of every report card of a grade level for a term."""

    http_method_names = ["post"]

    def post(self, request):
        term = Term.objects.filter(pk=id_or_404(request.POST.get("term"))).first()
        if term is None:
            raise Http404
        grade_level = parse_id(request.POST.get("grade_level"))
        if grade_level not in selectors.grade_levels_of(term):
            messages.error(
                request, _("No class of that grade level in this term's school year.")
            )
            return redirect("school_overview")
        return _requested(request, term=term, grade_level=grade_level) or redirect(
            "school_overview"
        )


@method_decorator(never_cache, name="dispatch")
class ReportBatchView(MemberRequiredMixin, TemplateView):
    template_name = "grades/report_batch.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = selectors.get_batch_for_user(self.request.user, kwargs["batch_id"])
        context.update(batch=batch, statuses=ReportBatchStatus)
        return context


@method_decorator(never_cache, name="dispatch")
class ReportBatchStatusView(MemberRequiredMixin, View):
    """The batch's progress as JSON, for the page's script."""

    def get(self, request, batch_id):
        batch = selectors.get_batch_for_user(request.user, batch_id)
        return JsonResponse(
            {
                "status": batch.status,
                "label": batch.get_status_display(),
                "done": batch.done,
                "total": batch.total,
                "percent": batch.percent_done,
                "finished": batch.is_finished,
                "download_url": (
                    reverse("report_batch_download", args=[batch.pk])
                    if batch.status == ReportBatchStatus.DONE
                    else None
                ),
            }
        )


@method_decorator(never_cache, name="dispatch")
class ReportBatchDownloadView(MemberRequiredMixin, View):
    def get(self, request, batch_id):
        batch = selectors.get_batch_for_user(request.user, batch_id, with_pdf=True)
        if batch.status != ReportBatchStatus.DONE:
            return redirect("report_batch", batch.pk)
        response = HttpResponse(bytes(batch.pdf), content_type="application/pdf")
        name = (
            slugify(f"report-cards {batch.scope_name} {batch.term.name}")
            or "report-cards"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
