"""The gradebook's records: CSV export and import, and one score's history.

Access is GradebookMixin's: the teacher of the classroom subject and staff; other
members of the class get 403, everyone else 404.
"""

from dataclasses import dataclass

import structlog
from django.contrib import messages
from django.core import signing
from django.core.exceptions import BadRequest
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from grades import csv_io, selectors
from grades.forms import ImportForm
from grades.services.scores import GridRejected, scores_record
from grades.views.gradebook import GradebookMixin
from school.audit import Actor

logger = structlog.get_logger(__name__)


class RecordsMixin(GradebookMixin):
    """The gradebook's objects and links, for every page of this module."""

    def query_string(self):
        return f"?subject={self.classroom_subject.pk}&term={self.term.pk}"

    def url_of(self, name, *args):
        return (
            reverse(name, args=[self.classroom_subject.classroom_id, *args])
            + self.query_string()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            classroom=self.classroom_subject.classroom,
            classroom_subject=self.classroom_subject,
            term=self.term,
            gradebook_url=self.gradebook_url(),
            import_url=self.url_of("gradebook_import"),
            export_url=self.url_of("gradebook_export"),
        )
        return context


# --- export --------------------------------------------------------------------


class GradebookExportView(GradebookMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request, *args, **kwargs):
        book = selectors.gradebook(self.classroom_subject, self.term)
        rows = csv_io.export_rows(book)
        response = HttpResponse(
            csv_io.write_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = csv_io.content_disposition(
            csv_io.export_filename(
                self.classroom_subject.classroom.name,
                self.classroom_subject.subject.name,
                self.term.name,
            )
        )
        add_never_cache_headers(response)
        logger.info(
            "gradebook_exported",
            classroom_subject_id=self.classroom_subject.pk,
            term_id=self.term.pk,
            rows=len(rows) - 1,
        )
        return response


# --- import --------------------------------------------------------------------


class GradebookImportView(RecordsMixin, FormView):
    """GET: the upload form. POST: a preview of what the file would change."""

    form_class = ImportForm
    template_name = "grades/csv_import.html"

    def form_valid(self, form):
        book = selectors.gradebook(self.classroom_subject, self.term)
        plan = csv_io.plan_import(form.table, book)
        filename = Truncator(form.cleaned_data["file"].name).chars(100)
        can_confirm = (
            bool(plan.changes) and not plan.has_errors and not self.term.locked
        )
        token = (
            csv_io.sign_changes(
                plan.changes,
                classroom_subject_id=self.classroom_subject.pk,
                term_id=self.term.pk,
                user_id=self.request.user.pk,
                filename=filename,
            )
            if can_confirm
            else ""
        )
        logger.info(
            "gradebook_import_previewed",
            classroom_subject_id=self.classroom_subject.pk,
            term_id=self.term.pk,
            rows=len(plan.rows),
            changes=len(plan.changes),
            errors=len(plan.error_rows) + len(plan.file_errors),
        )
        context = self.get_context_data(
            form=form,
            plan=plan,
            filename=filename,
            can_confirm=can_confirm,
            payload=token,
            confirm_url=self.url_of("gradebook_import_confirm"),
        )
        return self.response_class(
            request=self.request,
            template="grades/csv_import_preview.html",
            context=context,
            using=self.template_engine,
            status=422 if plan.has_errors else 200,
        )


@dataclass(frozen=True)
class RejectedCell:
    student: str
    assessment: str
    message: str
    current_text: str
    changed_by: str
    changed_at: object
    conflict: bool


class GradebookImportConfirmView(RecordsMixin, TemplateView):
    """Saves a previewed import, all or nothing."""

    http_method_names = ["post"]
    template_name = "grades/csv_import_rejected.html"

    def post(self, request, *args, **kwargs):
        try:
            changes, filename = csv_io.unsign_changes(
                request.POST.get("payload", ""),
                classroom_subject_id=self.classroom_subject.pk,
                term_id=self.term.pk,
                user_id=request.user.pk,
            )
        except signing.SignatureExpired:
            return self.response_class(
                request=request,
                template="grades/csv_import.html",
                context=self.get_context_data(
                    form=ImportForm(),
                    notice=_("This preview is too old to save. Upload the file again."),
                ),
                status=400,
            )
        except signing.BadSignature:
            logger.warning(
                "gradebook_import_payload_refused",
                classroom_subject_id=self.classroom_subject.pk,
            )
            raise BadRequest("The import preview was altered.") from None
        try:
            saved = scores_record(
                actor=Actor.from_request(request),
                classroom_subject=self.classroom_subject,
                changes=changes,
                reason=_("CSV import (%(file)s)") % {"file": filename},
            )
        except GridRejected as rejected:
            context = self.get_context_data(
                rejected=rejected, cells=self._rejected_cells(rejected)
            )
            return self.render_to_response(context, status=422)
        messages.success(
            request,
            ngettext(
                "Imported %(count)d score.", "Imported %(count)d scores.", len(saved)
            )
            % {"count": len(saved)}
            if saved
            else _("Nothing to save: no score was changed."),
        )
        return HttpResponseRedirect(self.gradebook_url())

    def _rejected_cells(self, rejected):
        book = selectors.gradebook(self.classroom_subject, self.term)
        names = {row.student.pk: row.student.full_name for row in book.rows}
        names.update(
            (row.student.pk, row.student.full_name) for row in book.withdrawn_rows
        )
        titles = {a.pk: a.title for a in book.assessments}
        return [
            RejectedCell(
                student=names.get(student_id, f"#{student_id}"),
                assessment=titles.get(assessment_id, f"#{assessment_id}"),
                message=problem.message,
                current_text=problem.current_text,
                changed_by=problem.changed_by,
                changed_at=problem.changed_at,
                conflict=problem.code == "conflict",
            )
            for (student_id, assessment_id), problem in rejected.problems.items()
        ]


# --- one score's history ----------------------------------------------------------


class ScoreHistoryView(RecordsMixin, TemplateView):
    template_name = "grades/score_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        history = selectors.score_history(
            self.classroom_subject, kwargs["assessment_id"], kwargs["student_id"]
        )
        context.update(
            history=history,
            student=history.enrollment.student,
            assessment=history.assessment,
            gradebook_url=(
                reverse("gradebook", args=[self.classroom_subject.classroom_id])
                + f"?subject={self.classroom_subject.pk}"
                f"&term={history.assessment.term_id}"
            ),
        )
        return context
