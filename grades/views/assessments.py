"""A gradebook's categories and assessments, and the per-assessment score page.

Every view finds its classroom subject through
`grades.selectors.get_classroom_subject_for_grading`: outsiders get 404, members of
the class who do not grade this subject get 403, the subject's teacher and staff
get in. Writes are one service call each; a refused write shows the form again
(HTTP 422) with each message next to its field.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import FormView, TemplateView

from classrooms.models import Enrollment
from classrooms.selectors import terms_of
from grades import calc, selectors
from grades.assessment_forms import (
    AssessmentForm,
    CategoryForm,
    PublishForm,
    TypedScore,
    score_changes,
    typed_scores,
)
from grades.cells import format_cell
from grades.models import Assessment, Category, Score, ScoreState
from grades.services import assessments as services
from grades.services.scores import CellProblem, GridRejected, scores_record
from grades.views.access import GradingAccessMixin
from school.audit import Actor
from school.collation import person_ordering
from school.ids import parse_id

# ---------------------------------------------------------------------------
# Display rows of the per-assessment page (its reads are in grades.selectors).


@dataclass(frozen=True)
class ScoreRow:
    """One student's inputs on the per-assessment page."""

    enrollment: Enrollment
    text: str
    original: str
    version: str
    comment: str
    comment_original: str
    problem: CellProblem | None
    joined_after_due: bool

    @property
    def student(self):
        return self.enrollment.student


def score_rows(assessment, typed=None, problems=None):
    """(current rows, withdrawn rows, scores of current students) in two queries."""
    typed, problems = typed or {}, problems or {}
    enrollments = list(
        Enrollment.objects.filter(
            classroom_id=assessment.classroom_subject.classroom_id
        )
        .select_related("student")
        .order_by(*person_ordering("student__"))
    )
    scores = {
        score.student_id: score for score in Score.objects.filter(assessment=assessment)
    }
    current, withdrawn, counted = [], [], []
    for enrollment in enrollments:
        student_id = enrollment.student_id
        score = scores.get(student_id)
        stored_text = format_cell(score.state, score.points) if score else ""
        stored_comment = score.comment if score else ""
        posted: TypedScore | None = typed.get(student_id)
        problem = problems.get((student_id, assessment.pk))
        version = posted.version if posted else str(score.version if score else "")
        if problem and problem.code == "conflict":
            # The teacher has now seen the other value: saving again keeps theirs.
            version = str(problem.current_version or "")
        row = ScoreRow(
            enrollment=enrollment,
            text=posted.text if posted else stored_text,
            original=posted.original if posted else stored_text,
            version=version,
            comment=posted.comment if posted else stored_comment,
            comment_original=(posted.comment_original if posted else stored_comment),
            problem=problem,
            joined_after_due=bool(
                assessment.due_on and enrollment.enrolled_on > assessment.due_on
            ),
        )
        if enrollment.is_withdrawn:
            withdrawn.append(row)
        else:
            current.append(row)
            if score:
                counted.append(score)
    return current, withdrawn, counted


# ---------------------------------------------------------------------------
# Mixins


class ClassroomSubjectMixin(GradingAccessMixin):
    """The classroom subject of the URL, for those who grade it."""

    @property
    def term_id(self) -> int | None:
        """The gradebook term to go back to (the gradebook checks it is valid);
        None without one or with one that is not an id."""
        return parse_id(self.request.GET.get("term"))

    def subject_url(self, name, *args, term_id=None):
        url = reverse(
            name,
            args=[
                self.classroom_subject.classroom_id,
                self.classroom_subject.pk,
                *args,
            ],
        )
        return url + (f"?term={term_id}" if term_id else "")

    def gradebook_url(self, term_id=None):
        term_id = term_id or self.term_id
        url = (
            reverse("gradebook", args=[self.classroom_subject.classroom_id])
            + f"?subject={self.classroom_subject.pk}"
        )
        return url + (f"&term={term_id}" if term_id else "")

    def categories_url(self):
        return self.subject_url("gradebook_categories", term_id=self.term_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            classroom=self.classroom_subject.classroom,
            classroom_subject=self.classroom_subject,
            gradebook_url=self.gradebook_url(),
            categories_url=self.categories_url(),
            term_id=self.term_id,
        )
        return context


class CategoryMixin(ClassroomSubjectMixin):
    def load_objects(self, request, kwargs):
        self.category = get_object_or_404(
            Category, classroom_subject=self.classroom_subject, pk=kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(category=self.category, **kwargs)


class AssessmentMixin(ClassroomSubjectMixin):
    def load_objects(self, request, kwargs):
        self.assessment = get_object_or_404(
            Assessment.objects.select_related("term", "category"),
            classroom_subject=self.classroom_subject,
            pk=kwargs["pk"],
        )
        # Reuse the classroom subject already loaded (with its classroom).
        self.assessment.classroom_subject = self.classroom_subject

    @property
    def term_id(self):
        return self.assessment.term_id

    def detail_url(self):
        return self.subject_url("assessment_detail", self.assessment.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            assessment=self.assessment, detail_url=self.detail_url(), **kwargs
        )


class ServiceFormMixin:
    """A refused service call becomes form errors, shown with HTTP 422."""

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)

    def refused(self, form, error: ValidationError):
        form.add_error(None, error)
        return self.form_invalid(form)


# ---------------------------------------------------------------------------
# Categories


class CategoryListView(ServiceFormMixin, ClassroomSubjectMixin, FormView):
    template_name = "grades/category_list.html"
    form_class = CategoryForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = selectors.category_rows(self.classroom_subject)
        context.update(
            rows=rows,
            total_weight=sum((row.category.weight for row in rows), Decimal(0)),
            archived_count=selectors.archived_assessments(
                self.classroom_subject
            ).count(),
        )
        return context

    def form_valid(self, form):
        try:
            category = services.category_create(
                actor=Actor.from_request(self.request),
                classroom_subject=self.classroom_subject,
                **form.cleaned_data,
            )
        except ValidationError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            _("Category “%(name)s” added.") % {"name": category.name},
        )
        return HttpResponseRedirect(self.categories_url())


class CategoryUpdateView(ServiceFormMixin, CategoryMixin, FormView):
    template_name = "grades/category_form.html"
    form_class = CategoryForm

    def get_initial(self):
        return {"name": self.category.name, "weight": self.category.weight}

    def form_valid(self, form):
        try:
            category = services.category_update(
                actor=Actor.from_request(self.request),
                category=self.category,
                **form.cleaned_data,
            )
        except ValidationError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            _("Category “%(name)s” saved.") % {"name": category.name},
        )
        return HttpResponseRedirect(self.categories_url())


class CategoryDeleteView(CategoryMixin, TemplateView):
    template_name = "grades/category_confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            assessments=list(
                self.category.assessments.select_related("term").order_by(
                    "term__starts_on", "due_on", "pk"
                )
            ),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        try:
            services.category_delete(
                actor=Actor.from_request(request), category=self.category
            )
        except ValidationError as error:
            context = self.get_context_data(errors=error.messages)
            return self.render_to_response(context, status=422)
        messages.success(
            request, _("Category “%(name)s” deleted.") % {"name": self.category.name}
        )
        return HttpResponseRedirect(self.categories_url())


# ---------------------------------------------------------------------------
# Assessments


class AssessmentCreateView(ServiceFormMixin, ClassroomSubjectMixin, FormView):
    template_name = "grades/assessment_form.html"
    form_class = AssessmentForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "classroom_subject": self.classroom_subject,
        }

    def get_initial(self):
        return {
            "term": self.term_id
            or getattr(
                selectors.current_term(terms_of(self.classroom_subject.classroom)),
                "pk",
                None,
            ),
            "category": parse_id(self.request.GET.get("category")),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            has_categories=self.classroom_subject.categories.exists(), **kwargs
        )

    def form_valid(self, form):
        try:
            assessment = services.assessment_create(
                actor=Actor.from_request(self.request),
                classroom_subject=self.classroom_subject,
                **form.cleaned_data,
            )
        except ValidationError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            _("Assessment “%(title)s” added to %(term)s.")
            % {"title": assessment.title, "term": assessment.term.name},
        )
        if self.request.POST.get("another"):
            url = self.subject_url("assessment_create", term_id=assessment.term_id)
            return HttpResponseRedirect(f"{url}&category={assessment.category_id}")
        return HttpResponseRedirect(self.gradebook_url(assessment.term_id))


class AssessmentUpdateView(ServiceFormMixin, AssessmentMixin, FormView):
    template_name = "grades/assessment_form.html"
    form_class = AssessmentForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "classroom_subject": self.classroom_subject,
        }

    def get_initial(self):
        a = self.assessment
        return {
            "title": a.title,
            "category": a.category_id,
            "term": a.term_id,
            "max_points": a.max_points,
            "due_on": a.due_on,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(has_categories=True, **kwargs)

    def form_valid(self, form):
        try:
            assessment = services.assessment_update(
                actor=Actor.from_request(self.request),
                assessment=self.assessment,
                **form.cleaned_data,
            )
        except ValidationError as error:
            return self.refused(form, error)
        messages.success(
            self.request,
            _("Assessment “%(title)s” saved.") % {"title": assessment.title},
        )
        return HttpResponseRedirect(self.gradebook_url(assessment.term_id))


class AssessmentDeleteView(AssessmentMixin, TemplateView):
    """GET asks; POST deletes, or archives an assessment that has scores."""

    template_name = "grades/assessment_confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            deletable=services.assessment_is_deletable(self.assessment), **kwargs
        )

    def post(self, request, *args, **kwargs):
        try:
            outcome = services.assessment_remove(
                actor=Actor.from_request(request), assessment=self.assessment
            )
        except ValidationError as error:
            context = self.get_context_data(errors=error.messages)
            return self.render_to_response(context, status=422)
        title = self.assessment.title
        if outcome == "deleted":
            text = _("Assessment “%(title)s” deleted.") % {"title": title}
        else:
            text = _(
                "Assessment “%(title)s” has scores, so it was archived: it is out of "
                "the gradebook and its grades, and every score is kept. Restore it "
                "from the archived assessments."
            ) % {"title": title}
        messages.success(request, text)
        return HttpResponseRedirect(self.gradebook_url())


class AssessmentRestoreView(AssessmentMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            services.assessment_restore(
                actor=Actor.from_request(request), assessment=self.assessment
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return HttpResponseRedirect(
                self.subject_url("assessments_archived", term_id=self.term_id)
            )
        messages.success(
            request,
            _("Assessment “%(title)s” restored: it is back in the gradebook.")
            % {"title": self.assessment.title},
        )
        return HttpResponseRedirect(self.gradebook_url())


class AssessmentPublishView(AssessmentMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = PublishForm(request.POST)
        if not form.is_valid():
            return HttpResponseBadRequest(_("Choose to publish or to unpublish."))
        publish = form.cleaned_data["publish"]
        service = (
            services.assessment_publish if publish else services.assessment_unpublish
        )
        try:
            service(actor=Actor.from_request(request), assessment=self.assessment)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return HttpResponseRedirect(self.detail_url())
        title = self.assessment.title
        messages.success(
            request,
            (
                _("“%(title)s” is published: students can see its scores.")
                if publish
                else _("“%(title)s” is unpublished: students no longer see its scores.")
            )
            % {"title": title},
        )
        return HttpResponseRedirect(self.detail_url())


class ArchivedAssessmentListView(ClassroomSubjectMixin, TemplateView):
    template_name = "grades/assessment_archived.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            assessments=list(selectors.archived_assessments(self.classroom_subject)),
            **kwargs,
        )


class AssessmentDetailView(AssessmentMixin, TemplateView):
    """Every student's points and comment for one assessment, saved all at once."""

    template_name = "grades/assessment_detail.html"

    def get_context_data(self, typed=None, rejected=None, **kwargs):
        context = super().get_context_data(**kwargs)
        problems = rejected.problems if rejected else {}
        rows, withdrawn_rows, counted = score_rows(self.assessment, typed, problems)
        states = [score.state for score in counted]
        context.update(
            rows=rows,
            withdrawn_rows=withdrawn_rows,
            rejected=rejected,
            problem_count=len(problems),
            average=calc.assessment_average(
                ((s.state, s.points) for s in counted), self.assessment.max_points
            ),
            graded_count=states.count(ScoreState.GRADED),
            excused_count=states.count(ScoreState.EXCUSED),
            missing_count=states.count(ScoreState.MISSING),
            student_count=len(rows),
            read_only=self.assessment.term.locked
            or self.assessment.archived_at is not None,
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            saved = scores_record(
                actor=Actor.from_request(request),
                classroom_subject=self.classroom_subject,
                changes=score_changes(request.POST, self.assessment.pk),
            )
        except GridRejected as rejected:
            context = self.get_context_data(
                typed=typed_scores(request.POST), rejected=rejected
            )
            return self.render_to_response(context, status=422)
        messages.success(
            request,
            ngettext("Saved %(count)d score.", "Saved %(count)d scores.", len(saved))
            % {"count": len(saved)}
            if saved
            else _("Nothing to save: no score was changed."),
        )
        return HttpResponseRedirect(self.detail_url())
