"""Term grades of a class: overrides and comments, how a grade was made, publishing,
and locking a term (staff).

The subject's teacher and staff enter; the selectors answer 404 to outsiders and
403 to members of the class who do not grade this subject.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

import policies
from accounts.mixins import StaffRequiredMixin
from classrooms.selectors import terms_of
from classrooms.terms import term_lock, term_unlock
from grades import selectors
from grades import term_grade_selectors as tg_selectors
from grades.services.term_grades import (
    REASON_MAX_LENGTH,
    TermGradeEdit,
    term_grades_publish,
    term_grades_update,
)
from grades.views.access import GradingAccessMixin
from school.audit import Actor
from school.numbers import NotANumber, decimals_typed, parse_decimal

COMMENT_MAX_LENGTH = 2000

# ---------------------------------------------------------------------------
# Forms


class PercentField(forms.Field):
    """A percentage from 0 to 100 with at most one decimal; "87.5" or "87,5".

    Read by `school.numbers.parse_decimal`; decimals count as typed, as in the
    gradebook's cells ("87,50" and "1,000" have too many).
    """

    widget = forms.TextInput(
        attrs={"inputmode": "decimal", "size": "5", "autocomplete": "off"}
    )
    default_error_messages = {
        "invalid": gettext_lazy(
            "“%(value)s” is not a percentage: type a number from 0 to 100, "
            "like 87.5 or 87,5."
        ),
        "range": gettext_lazy("An override lies between 0 and 100."),
        "precision": gettext_lazy("Use at most one decimal."),
    }

    def to_python(self, value):
        text = (value or "").strip().removesuffix("%").strip()
        if not text:
            return None
        try:
            number = parse_decimal(text)
        except NotANumber:
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"value": Truncator(text).chars(20)},
            ) from None
        if not Decimal(0) <= number <= Decimal(100):
            raise ValidationError(self.error_messages["range"], code="range")
        if decimals_typed(number) > 1:
            raise ValidationError(self.error_messages["precision"], code="precision")
        return abs(number).quantize(Decimal("0.1"))


class TermGradeRowForm(forms.Form):
    """One student's line. Hidden initial values tell which lines were touched."""

    override = PercentField(
        label=gettext_lazy("Override (%)"), required=False, show_hidden_initial=True
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Override reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        show_hidden_initial=True,
    )
    comment = forms.CharField(
        label=gettext_lazy("Report-card comment"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 24}),
        show_hidden_initial=True,
    )

    error_messages = {
        "reason_required": gettext_lazy(
            "An override needs a reason: say why this grade differs from the "
            "computed one."
        ),
    }

    def __init__(self, *args, locked=False, **kwargs):
        super().__init__(*args, **kwargs)
        if locked:
            for field in self.fields.values():
                field.disabled = True

    def clean(self):
        data = super().clean()
        if data.get("override") is not None and not data.get("override_reason"):
            self.add_error(
                "override_reason",
                ValidationError(
                    self.error_messages["reason_required"], code="reason_required"
                ),
            )
        return data

    def edit(self, student_id: int) -> TermGradeEdit:
        return TermGradeEdit(
            student_id=student_id,
            override=self.cleaned_data["override"],
            override_reason=self.cleaned_data["override_reason"],
            comment=self.cleaned_data["comment"],
        )


class PublishForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        help_text=gettext_lazy(
            "Needed only when a published grade would change; students and staff "
            "see the history of every change."
        ),
        required=False,
        max_length=REASON_MAX_LENGTH,
    )


class TermLockForm(forms.Form):
    locked = forms.TypedChoiceField(
        choices=[("1", gettext_lazy("Lock")), ("0", gettext_lazy("Unlock"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": gettext_lazy(
                "Say why the term is locked or unlocked: a reason is required."
            )
        },
    )


# ---------------------------------------------------------------------------
# Views


@dataclass(frozen=True)
class RowWithForm:
    row: tg_selectors.SheetRow
    form: TermGradeRowForm


def _row_form(student_id, data=None, row=None, locked=False) -> TermGradeRowForm:
    initial = {}
    if row is not None and row.term_grade is not None:
        initial = {
            "override": row.term_grade.override,
            "override_reason": row.term_grade.override_reason,
            "comment": row.term_grade.comment,
        }
    return TermGradeRowForm(
        data, prefix=f"tg-{student_id}", initial=initial, locked=locked
    )


class TermGradesMixin(GradingAccessMixin):
    """Finds the classroom subject and the term (of the classroom's year) in the URL."""

    def load_objects(self, request, kwargs):
        self.terms = terms_of(self.classroom_subject.classroom)
        self.term = self.find_term(kwargs)

    def find_term(self, kwargs):
        return selectors.term_among(self.terms, kwargs["term_id"])

    def url_args(self):
        return [
            self.classroom_subject.classroom_id,
            self.classroom_subject.pk,
            self.term.pk,
        ]

    def term_grades_url(self):
        return reverse("term_grades", args=self.url_args())


class CurrentTermGradesView(TermGradesMixin, View):
    """The term grades of the current term: where "Term grades" links point."""

    http_method_names = ["get", "head"]

    def find_term(self, kwargs):
        term = selectors.current_term(self.terms)
        if term is None:
            raise Http404
        return term

    def get(self, request, *args, **kwargs):
        return HttpResponseRedirect(self.term_grades_url())


class TermGradesView(TermGradesMixin, TemplateView):
    template_name = "grades/term_grades.html"

    def get_context_data(self, posted=None, publish_form=None, errors=(), **kwargs):
        context = super().get_context_data(**kwargs)
        sheet = tg_selectors.term_grade_sheet(self.classroom_subject, self.term)
        # After a refused save the posted forms come back with what was typed.
        posted = {} if self.term.locked else posted or {}
        lines = [
            RowWithForm(
                row,
                posted[row.student.pk]
                if row.student.pk in posted
                else _row_form(row.student.pk, row=row, locked=self.term.locked),
            )
            for row in sheet.rows
        ]
        lines_with_errors = sum(1 for line in lines if line.form.errors)
        context.update(
            sheet=sheet,
            lines=lines,
            classroom=self.classroom_subject.classroom,
            classroom_subject=self.classroom_subject,
            term=self.term,
            terms=self.terms,
            errors=list(errors),
            field_error_count=lines_with_errors,
            publish_form=publish_form or PublishForm(),
            lock_form=TermLockForm(
                initial={"locked": "0" if self.term.locked else "1"},
                auto_id="lock_%s",
            ),
            lock_next=self.term_grades_url(),
            may_lock_term=policies.may_lock_term(self.request.user, self.term),
            gradebook_url=reverse(
                "gradebook", args=[self.classroom_subject.classroom_id]
            )
            + f"?subject={self.classroom_subject.pk}&term={self.term.pk}",
        )
        return context

    def post(self, request, *args, **kwargs):
        posted = {
            student_id: _row_form(
                student_id, data=request.POST, locked=self.term.locked
            )
            for student_id in tg_selectors.current_student_ids(self.classroom_subject)
        }
        if not all(form.is_valid() for form in posted.values()):
            return self.refused(posted)
        changes = [
            form.edit(student_id)
            for student_id, form in posted.items()
            if form.has_changed()
        ]
        try:
            saved = term_grades_update(
                actor=Actor.from_request(request),
                classroom_subject=self.classroom_subject,
                term=self.term,
                changes=changes,
            )
        except ValidationError as error:
            return self.refused(posted, error.messages)
        messages.success(
            request,
            ngettext(
                "Saved %(count)d term grade.",
                "Saved %(count)d term grades.",
                len(saved),
            )
            % {"count": len(saved)}
            if saved
            else _("Nothing to save: no term grade was changed."),
        )
        return HttpResponseRedirect(self.term_grades_url())

    def refused(self, posted, errors=()):
        context = self.get_context_data(posted=posted, errors=errors)
        return self.render_to_response(context, status=422)


class TermGradesPublishView(TermGradesView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PublishForm(request.POST)
        if not form.is_valid():
            return self.refused_publish(form)
        try:
            result = term_grades_publish(
                actor=Actor.from_request(request),
                classroom_subject=self.classroom_subject,
                term=self.term,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if error.code in ("reason_required", "reason_too_long"):
                form.add_error("reason", error)
                return self.refused_publish(form)
            return self.refused_publish(form, error.messages)
        done = result.published + result.republished
        if done:
            messages.success(
                request,
                ngettext(
                    "Published %(count)d term grade.",
                    "Published %(count)d term grades.",
                    done,
                )
                % {"count": done},
            )
        else:
            messages.info(request, _("Nothing to publish: every line is up to date."))
        if result.nothing_counted:
            messages.warning(
                request,
                ngettext(
                    "%(count)d student has nothing counted yet and has no "
                    "published grade.",
                    "%(count)d students have nothing counted yet and have no "
                    "published grade.",
                    result.nothing_counted,
                )
                % {"count": result.nothing_counted},
            )
        return HttpResponseRedirect(self.term_grades_url())

    def refused_publish(self, form, errors=()):
        context = self.get_context_data(publish_form=form, errors=errors)
        context["publish_refused"] = True
        return self.render_to_response(context, status=422)


class TermGradeDetailView(TermGradesMixin, TemplateView):
    template_name = "grades/term_grade_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            explanation=tg_selectors.term_grade_explanation(
                self.classroom_subject, self.term, self.kwargs["student_id"]
            ),
            classroom=self.classroom_subject.classroom,
            classroom_subject=self.classroom_subject,
            term=self.term,
            term_grades_url=self.term_grades_url(),
        )
        return context


class TermLockView(StaffRequiredMixin, View):
    """Lock (locked=1) or unlock (locked=0) a term's grading, with a reason."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        term = tg_selectors.get_term(kwargs["term_id"])
        form = TermLockForm(request.POST)
        if form.is_valid():
            service = term_lock if form.cleaned_data["locked"] else term_unlock
            try:
                changed = service(
                    actor=Actor.from_request(request),
                    term=term,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if not changed:
                    text = _("The term %(term)s was already so; nothing changed.")
                elif term.locked:
                    text = _("The term %(term)s is locked: its grades cannot change.")
                else:
                    text = _("The term %(term)s is open for grading again.")
                messages.success(request, text % {"term": term.name})
        else:
            messages.error(
                request, " ".join(m for errs in form.errors.values() for m in errs)
            )
        return HttpResponseRedirect(self.next_url(request))

    def next_url(self, request):
        url = request.POST.get("next", "")
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        return reverse("school_overview")
