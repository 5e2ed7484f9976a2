"""The admin for grading: the scale, categories, assessments, scores, term grades.

Scores and term grades changed here leave the same trail as anywhere else: the
version moves on (a teacher's open gradebook sees the conflict), `updated_by` names
the staff member and a GradeChange row records before and after, all in the
admin's own transaction. The grade change log itself is read-only.
"""

import datetime
from decimal import Decimal

import structlog
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseModelFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserRoleChoicesMixin
from accounts.models import Role, User
from classrooms.models import Classroom, Term
from grades.models import (
    Assessment,
    Category,
    GradeBand,
    GradeChange,
    Score,
    TermGrade,
)
from school.admin_filters import RelatedIdListFilter
from school.collation import person_ordering
from school.ids import parse_id

logger = structlog.get_logger(__name__)

# Stored in the audit row (data, not interface text: not translated).
ADMIN_CHANGE_REASON = "Changed in the admin"

# ---------------------------------------------------------------------------
# Shared pieces


class TermListFilter(RelatedIdListFilter):
    """Terms named with their year in one query (Django's related filter runs one
    more per term to print the year)."""

    title = _("term")
    parameter_name = "term"
    choices_queryset = Term.objects.select_related("school_year").order_by(
        "-school_year__starts_on", "starts_on"
    )
    field_path = "term"


class AssessmentTermListFilter(TermListFilter):
    field_path = "assessment__term"


class ArchivedListFilter(admin.SimpleListFilter):
    title = _("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", _("Not archived")), ("yes", _("Archived"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


class LockedTermFormMixin:
    """A locked term takes no more grade changes, from the admin either."""

    def term_of(self, cleaned_data):
        raise NotImplementedError

    def clean(self):
        cleaned_data = super().clean()
        term = self.term_of(cleaned_data)
        if term is not None and term.locked:
            raise ValidationError(
                _("The term %(term)s is locked: unlock it before changing its grades.")
                % {"term": term},
                code="term_locked",
            )
        return cleaned_data


class AuditedGradeAdmin(UserRoleChoicesMixin, admin.ModelAdmin):
    """Saves a score or term grade with a new version and a GradeChange row."""

    audited_fields: tuple[str, ...] = ()
    audit_target: str = ""
    user_roles = {"student": Role.STUDENT}
    # Who the record is about cannot change once it exists.
    identity_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += self.identity_fields
        return readonly

    def snapshot(self, obj):
        return {name: _jsonable(getattr(obj, name)) for name in self.audited_fields}

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            current = type(obj).objects.select_for_update().get(pk=obj.pk)
            before = self.snapshot(current)
            if before == self.snapshot(obj):
                return
            if hasattr(obj, "version"):
                obj.version = current.version + 1
        if hasattr(obj, "updated_by_id"):
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        GradeChange.objects.create(
            **{self.audit_target: obj},
            changed_by=request.user,
            before=before,
            after=self.snapshot(obj),
            reason=ADMIN_CHANGE_REASON,
            request_id=request.request_id,
        )
        logger.info(
            "grade_changed_in_admin",
            model=obj._meta.label_lower,
            object_id=obj.pk,
            actor_id=request.user.pk,
        )


# ---------------------------------------------------------------------------
# Grading scale and categories


def scale_errors(bands) -> list[str]:
    """What is wrong with a grading scale of (letter, min_percent) bands.

    A band runs from its minimum up to the next band's: bands cannot overlap
    unless two start at the same percent, and the only possible gap is at the
    bottom, when no band starts at 0.
    """
    errors = []
    letters, minimums = {}, {}
    for letter, minimum in bands:
        letters.setdefault(letter.strip().upper(), []).append(letter)
        minimums.setdefault(minimum, []).append(letter)
    for letter, same in letters.items():
        if len(same) > 1:
            errors.append(
                gettext("Two bands have the letter %(letter)s.") % {"letter": letter}
            )
    for minimum, same in sorted(minimums.items(), reverse=True):
        if len(same) > 1:
            errors.append(
                gettext("%(letters)s all start at %(percent)s%%: bands cannot overlap.")
                % {"letters": ", ".join(sorted(same)), "percent": minimum}
            )
    if bands and min(minimums) != 0:
        errors.append(
            gettext(
                "The lowest band starts at %(percent)s%%: a grade below it would "
                "have no letter. Make the lowest band start at 0."
            )
            % {"percent": min(minimums)}
        )
    return errors


class GradeBandForm(forms.ModelForm):
    """Checks the whole scale as it would be with this band saved."""

    class Meta:
        model = GradeBand
        fields = ("letter", "min_percent")

    def clean(self):
        cleaned_data = super().clean()
        letter, minimum = cleaned_data.get("letter"), cleaned_data.get("min_percent")
        if letter is None or minimum is None or getattr(self, "in_formset", False):
            return cleaned_data
        others = GradeBand.objects.exclude(pk=self.instance.pk).values_list(
            "letter", "min_percent"
        )
        errors = scale_errors([*others, (letter, minimum)])
        if errors:
            raise ValidationError(errors, code="scale")
        return cleaned_data


class GradeBandChangelistFormSet(BaseModelFormSet):
    """The scale edited on the list page: checked as a whole, with the bands of
    other pages as stored."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.in_formset = True
        return form

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        edited = {form.instance.pk: form.cleaned_data for form in self.forms}
        bands = []
        for pk, letter, minimum in GradeBand.objects.values_list(
            "pk", "letter", "min_percent"
        ):
            data = edited.get(pk, {})
            bands.append((data.get("letter", letter), data.get("min_percent", minimum)))
        errors = scale_errors(bands)
        if errors:
            raise ValidationError(errors, code="scale")


@admin.register(GradeBand)
class GradeBandAdmin(admin.ModelAdmin):
    form = GradeBandForm
    list_display = ("letter", "min_percent")
    list_editable = ("min_percent",)
    ordering = ("-min_percent",)

    def get_changelist_formset(self, request, **kwargs):
        kwargs["formset"] = GradeBandChangelistFormSet
        return super().get_changelist_formset(request, **kwargs)

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", GradeBandForm)
        return super().get_changelist_form(request, **kwargs)

    def get_actions(self, request):
        # A band is removed one at a time, where the check below applies.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # The band at 0 is the floor of the scale: without it low grades have no
        # letter. Its letter can change; it cannot go.
        if obj is not None and obj.min_percent == 0:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "classroom_subject", "weight")
    list_select_related = ("classroom_subject__subject", "classroom_subject__classroom")
    list_filter = ("classroom_subject__classroom__school_year",)
    search_fields = (
        "name",
        "classroom_subject__subject__name",
        "classroom_subject__classroom__name",
    )
    autocomplete_fields = ("classroom_subject",)
    ordering = ("classroom_subject__classroom__name", "name")


# ---------------------------------------------------------------------------
# Assessments and scores


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "classroom_subject",
        "term",
        "category",
        "max_points",
        "due_on",
        "is_archived",
    )
    list_select_related = (
        "classroom_subject__subject",
        "classroom_subject__classroom",
        "term__school_year",
        "category",
    )
    list_filter = (
        TermListFilter,
        "classroom_subject__classroom__school_year",
        ArchivedListFilter,
    )
    search_fields = (
        "title",
        "classroom_subject__subject__name",
        "classroom_subject__classroom__name",
    )
    autocomplete_fields = ("classroom_subject", "term", "category")
    ordering = ("-term__starts_on", "due_on", "title")

    @admin.display(description=_("archived"), boolean=True, ordering="archived_at")
    def is_archived(self, obj):
        return obj.archived_at is not None


class ScoreAdminForm(LockedTermFormMixin, forms.ModelForm):
    def term_of(self, cleaned_data):
        assessment = cleaned_data.get("assessment")
        if assessment is None and self.instance.assessment_id:
            assessment = self.instance.assessment
        return assessment.term if assessment is not None else None


@admin.register(Score)
class ScoreAdmin(AuditedGradeAdmin):
    form = ScoreAdminForm
    audited_fields = ("points", "state", "comment")
    audit_target = "score"
    identity_fields = ("assessment", "student")
    fields = (
        "assessment",
        "student",
        "points",
        "state",
        "comment",
        "version",
        "updated_by",
        "updated_at",
    )
    readonly_fields = ("version", "updated_by", "updated_at")
    list_display = (
        "student",
        "assessment",
        "points",
        "state",
        "version",
        "updated_by",
        "updated_at",
    )
    list_select_related = (
        "student",
        "assessment__classroom_subject__subject",
        "assessment__classroom_subject__classroom",
        "updated_by",
    )
    list_filter = ("state", AssessmentTermListFilter)
    search_fields = ("student__full_name", "student__email", "assessment__title")
    autocomplete_fields = ("assessment", "student")
    ordering = ("assessment__title", *person_ordering("student__"))


class TermGradeAdminForm(LockedTermFormMixin, forms.ModelForm):
    def term_of(self, cleaned_data):
        term = cleaned_data.get("term")
        if term is None and self.instance.term_id:
            term = self.instance.term
        return term


@admin.register(TermGrade)
class TermGradeAdmin(AuditedGradeAdmin):
    form = TermGradeAdminForm
    audited_fields = ("override", "override_reason", "comment")
    audit_target = "term_grade"
    identity_fields = ("student", "classroom_subject", "term")
    fields = (
        "student",
        "classroom_subject",
        "term",
        "computed",
        "override",
        "override_reason",
        "comment",
        "published_percent",
        "published_letter",
        "published_at",
    )
    # Computed by the grade math; the published snapshot changes only by publishing.
    readonly_fields = (
        "computed",
        "published_percent",
        "published_letter",
        "published_at",
    )
    list_display = (
        "student",
        "classroom_subject",
        "term",
        "computed",
        "override",
        "published_percent",
        "published_letter",
        "published_at",
    )
    list_select_related = (
        "student",
        "classroom_subject__subject",
        "classroom_subject__classroom",
        "term__school_year",
    )
    list_filter = (TermListFilter, "classroom_subject__classroom__school_year")
    search_fields = (
        "student__full_name",
        "student__email",
        "classroom_subject__subject__name",
        "classroom_subject__classroom__name",
    )
    autocomplete_fields = ("student", "classroom_subject", "term")
    ordering = ("-term__starts_on", *person_ordering("student__"))


# ---------------------------------------------------------------------------
# The grade change log: read-only for everyone, superusers included


class ChangeClassroomListFilter(RelatedIdListFilter):
    """Changes of the scores and term grades of one classroom."""

    title = _("classroom")
    parameter_name = "classroom"
    choices_queryset = Classroom.objects.select_related("school_year").order_by(
        "-school_year__starts_on", "grade_level", "name"
    )

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        classroom_id = self.chosen_id
        if classroom_id is None:
            return queryset.none()
        return queryset.filter(
            Q(score__assessment__classroom_subject__classroom_id=classroom_id)
            | Q(term_grade__classroom_subject__classroom_id=classroom_id)
        )


class ChangedByTeacherListFilter(RelatedIdListFilter):
    title = _("changed by teacher")
    parameter_name = "teacher"
    choices_queryset = User.objects.filter(role=Role.TEACHER).order_by(
        *person_ordering()
    )
    field_path = "changed_by"


class StudentListFilter(admin.SimpleListFilter):
    """One student's changes. Offered once chosen (from the student's grade
    history or a link): listing every student of the school would not help."""

    title = _("student")
    parameter_name = "student"

    def lookups(self, request, model_admin):
        student_id = parse_id(self.value())
        if student_id is None:
            return []
        student = User.objects.filter(pk=student_id, role=Role.STUDENT).first()
        return [(self.value(), str(student))] if student else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        student_id = parse_id(self.value())
        if student_id is None:
            return queryset.none()
        return queryset.filter(
            Q(score__student_id=student_id) | Q(term_grade__student_id=student_id)
        )


@admin.register(GradeChange)
class GradeChangeAdmin(admin.ModelAdmin):
    list_display = ("changed_at", "changed_by", "target", "reason")
    list_select_related = (
        "changed_by",
        "score__student",
        "score__assessment__classroom_subject__subject",
        "score__assessment__classroom_subject__classroom",
        "term_grade__student",
        "term_grade__classroom_subject__subject",
        "term_grade__classroom_subject__classroom",
        "term_grade__term",
    )
    list_filter = (
        "changed_at",
        ChangeClassroomListFilter,
        ChangedByTeacherListFilter,
        StudentListFilter,
    )
    search_fields = (
        "changed_by__full_name",
        "score__student__full_name",
        "score__student__email",
        "term_grade__student__full_name",
        "term_grade__student__email",
        "reason",
        "request_id",
    )
    fields = (
        "changed_at",
        "changed_by",
        "score",
        "term_grade",
        "before",
        "after",
        "reason",
        "request_id",
    )
    readonly_fields = fields
    ordering = ("-changed_at",)

    @admin.display(description=_("changed record"))
    def target(self, obj):
        return obj.score if obj.score_id else obj.term_grade

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
