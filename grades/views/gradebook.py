from dataclasses import dataclass
from typing import NamedTuple

import structlog
from django.contrib import messages
from django.db import DatabaseError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.formats import date_format, localize, number_format
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from classrooms.selectors import terms_of
from grades import selectors
from grades.forms import cell_key, grid_changes, posted_cell, typed_values
from grades.services.scores import CellProblem, GridRejected, scores_record
from grades.views.access import GradingAccessMixin
from school.audit import Actor
from school.html import escape_text
from school.ids import MalformedId, parse_id

logger = structlog.get_logger(__name__)


class CellDisplay(NamedTuple):
    """One input of the grid as the page draws it (a tuple: thousands a page)."""

    key: str
    student_id: int
    assessment_id: int
    text: str
    original: str
    version: str
    comment: str
    problem: CellProblem | None

    @property
    def changed(self) -> bool:
        return self.text != self.original


@dataclass(frozen=True)
class RowDisplay:
    row: selectors.GridRow
    cells: list[CellDisplay]
    html: str  # the whole table row


def _problem_html(cell: CellDisplay, key: str) -> str:
    """The cell's error message (`key`: the cell's key, escaped)."""
    problem = cell.problem
    message = str(problem.message)
    if problem.code == "conflict":
        when = problem.changed_at
        message += " " + _(
            "Now saved: %(value)s (by %(who)s, %(when)s). Save again to keep yours."
        ) % {
            "value": problem.current_text or _("empty"),
            "who": problem.changed_by,
            "when": date_format(localtime(when), "SHORT_DATETIME_FORMAT")
            if when
            else "",
        }
    return f'<span class="grid__error" id="e-{key}">{escape_text(message)}</span>'


def _row_html(row: selectors.GridRow, cells: list[CellDisplay], locked: bool) -> str:
    """The grid's row, written here rather than by the template engine: a 40 x 30
    grid has 1,200 inputs, and the engine spent about 2 ms per hundred.

    Every interpolated value goes through `escape_text` (`school.html`); the row
    is marked safe once, at the end.
    """
    student_id = escape_text(row.enrollment.student_id)
    rounded = row.grade.rounded
    total = (
        f'<span class="grid__percent">{escape_text(localize(rounded))}%</span> '
        f'<span class="grid__letter">{escape_text(row.letter)}</span>'
        if rounded is not None
        else "—"
    )
    readonly = " readonly" if locked else ""
    parts = [
        f'<tr><th scope="row" id="s-{student_id}" class="grid__student">'
        f"{escape_text(row.student.sorting_name)}</th>"
    ]
    for cell in cells:
        key = escape_text(cell.key)
        if cell.problem:
            td_class = "grid__cell grid__cell--error"
            invalid = f' aria-invalid="true" aria-describedby="e-{key}"'
            error = _problem_html(cell, key)
        else:
            td_class, invalid, error = "grid__cell", "", ""
        parts.append(
            f'<td class="{td_class}"><input type="text" class="grid__input" '
            f'name="c-{key}" value="{escape_text(cell.text)}" size="5" '
            f'autocomplete="off" spellcheck="false" '
            f'aria-labelledby="s-{student_id}'
            f' a-{escape_text(cell.assessment_id)}"{invalid}{readonly}'
            f' data-cell="{key}">'
            f'<input type="hidden" name="o-{key}" value="{escape_text(cell.original)}">'
            f'<input type="hidden" name="v-{key}" value="{escape_text(cell.version)}">'
            f"{error}</td>"
        )
    parts.append(f'<td class="grid__total" data-total="{student_id}">{total}</td></tr>')
    return mark_safe("".join(parts))  # noqa: S308 - every value went through escape_text


def _display_rows(rows, typed, problems, locked):
    display = []
    for row in rows:
        student_id = row.enrollment.student_id
        cells = []
        for cell in row.cells:
            assessment_id = cell.assessment.id
            key = f"{student_id}-{assessment_id}"
            posted = typed.get(key)
            problem = problems.get((student_id, assessment_id))
            version = posted["version"] if posted else str(cell.version or "")
            original = posted["original"] if posted else cell.text
            if problem and problem.code == "conflict":
                # The teacher has now seen the other value: saving again keeps theirs,
                # and leaving the cell as stored accepts the other value.
                version = str(problem.current_version or "")
                original = problem.current_text
            cells.append(
                CellDisplay(
                    key=key,
                    student_id=student_id,
                    assessment_id=assessment_id,
                    text=posted["text"] if posted else cell.text,
                    original=original,
                    version=version,
                    comment=cell.comment,
                    problem=problem,
                )
            )
        display.append(RowDisplay(row, cells, _row_html(row, cells, locked)))
    return display


class GradebookMixin(GradingAccessMixin):
    """Finds the classroom subject and term from the URL and query string.

    Both are optional: without one (or with one that is not an id) the page shows
    the first subject the user grades and the current term. An id of neither is 404.
    """

    def classroom_subject_id(self, request, kwargs):
        return parse_id(request.GET.get("subject"))

    def load_objects(self, request, kwargs):
        self.terms = terms_of(self.classroom_subject.classroom)
        term_id = parse_id(request.GET.get("term"))
        if term_id is None:
            self.term = selectors.current_term(self.terms)
        else:
            self.term = next((t for t in self.terms if t.pk == term_id), None)
        if self.term is None:
            raise Http404

    def gradebook_url(self):
        return (
            reverse("gradebook", args=[self.classroom_subject.classroom_id])
            + f"?subject={self.classroom_subject.pk}&term={self.term.pk}"
        )


def _restored(count: int) -> str:
    return ngettext(
        "Restored {count} unsaved score from this browser.",
        "Restored {count} unsaved scores from this browser.",
        count,
    )


def _not_saved(count: int) -> str:
    return ngettext(
        "Not saved: {count} cell needs your attention.",
        "Not saved: {count} cells need your attention.",
        count,
    )


def autosave_messages() -> dict[str, str]:
    """The grid script's texts, translated (keys in static/js/gradebook/messages.js).

    Plural texts go as their one and other forms; the script picks one by count.
    """
    return {
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "allSaved": _("All changes saved"),
        "restored_one": _restored(1),
        "restored_other": _restored(2),
        "notSaved_one": _not_saved(1),
        "notSaved_other": _not_saved(2),
        "offline": _(
            "Not saved: you are offline or your session ended. "
            "Your typing is kept in this browser."
        ),
        "sessionEnded": _(
            "Your session ended: log in again (in another tab, or reload this page) "
            "and your scores will be saved. Your typing is kept in this browser."
        ),
        "serverError": _(
            "Not saved: the server could not save this score. It will try again. "
            "Your typing is kept in this browser."
        ),
        "rateLimited": _(
            "Saving is paused for {seconds} seconds (too many saves). "
            "Your typing is kept."
        ),
        "conflict": _("Now saved: {value} (by {who}). Save again to keep yours."),
        "conflictNoName": _("Now saved: {value}. Save again to keep yours."),
        "empty": _("empty"),
        "unsavedWarning": _("Some scores are not saved yet. Leave the page anyway?"),
    }


class GradebookView(GradebookMixin, TemplateView):
    template_name = "grades/gradebook.html"

    def get_context_data(self, typed=None, rejected=None, **kwargs):
        context = super().get_context_data(**kwargs)
        book = selectors.gradebook(self.classroom_subject, self.term)
        problems = rejected.problems if rejected else {}
        context.update(
            book=book,
            classroom=self.classroom_subject.classroom,
            classroom_subject=self.classroom_subject,
            term=self.term,
            terms=self.terms,
            subjects=selectors.gradable_subjects(
                self.request.user, self.classroom_subject.classroom_id
            ),
            rows=_display_rows(book.rows, typed or {}, problems, self.term.locked),
            withdrawn_rows=_display_rows(
                book.withdrawn_rows, typed or {}, problems, self.term.locked
            ),
            rejected=rejected,
            problem_count=len(problems),
            form_action=self.gradebook_url(),
            js_messages=autosave_messages(),
        )
        return context

    def post(self, request, *args, **kwargs):
        changes = grid_changes(request.POST)
        try:
            saved = scores_record(
                actor=Actor.from_request(request),
                classroom_subject=self.classroom_subject,
                changes=changes,
            )
        except GridRejected as rejected:
            context = self.get_context_data(
                typed=typed_values(request.POST), rejected=rejected
            )
            return self.render_to_response(context, status=422)
        messages.success(
            request,
            ngettext("Saved %(count)d score.", "Saved %(count)d scores.", len(saved))
            % {"count": len(saved)}
            if saved
            else _("Nothing to save: no score was changed."),
        )
        return HttpResponseRedirect(self.gradebook_url())


class CellSaveView(GradebookMixin, View):
    """Autosave of one cell or a pasted column: JSON in and out, never a redirect."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            changes = [
                posted_cell(request.POST, key) for key in request.POST.getlist("cell")
            ]
        except MalformedId as error:
            return JsonResponse({"error": str(error.message)}, status=400)
        try:
            saved = scores_record(
                actor=Actor.from_request(request),
                classroom_subject=self.classroom_subject,
                changes=changes,
            )
        except GridRejected as rejected:
            return JsonResponse(
                {
                    "saved": False,
                    "error": rejected.general,
                    "cells": {
                        cell_key(*cell): {
                            "code": problem.code,
                            "message": problem.message,
                            "current": problem.current_text,
                            "version": problem.current_version,
                            "changed_by": problem.changed_by,
                            "changed_at": (
                                problem.changed_at.isoformat()
                                if problem.changed_at
                                else None
                            ),
                        }
                        for cell, problem in rejected.problems.items()
                    },
                },
                status=422,
            )
        return JsonResponse(
            {
                "saved": True,
                "cells": {
                    cell_key(cell.student_id, cell.assessment_id): {
                        "text": cell.text,
                        "version": cell.version,
                    }
                    for cell in saved
                },
                **self.totals_after(changes),
            }
        )

    def totals_after(self, changes):
        """The recomputed term grades and column averages the save touched.

        The scores are committed by now: if the database fails while reading the
        totals back, the answer still says saved, without totals.
        """
        try:
            totals = selectors.grid_totals(
                self.classroom_subject,
                self.term,
                {change.student_id for change in changes},
                {change.assessment_id for change in changes},
            )
        except DatabaseError:
            logger.warning("gradebook_totals_unavailable", exc_info=True)
            return {}
        rows = {
            str(student_id): {"percent": _percent(rounded), "letter": letter}
            for student_id, (rounded, letter) in totals.rows.items()
        }
        columns = {
            str(assessment_id): _percent(average)
            for assessment_id, average in totals.columns.items()
        }
        return {"rows": rows, "columns": columns}


def _percent(value) -> str:
    return "" if value is None else f"{number_format(value, 1)}%"
