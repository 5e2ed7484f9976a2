"""The admin for grading: the scale, categories, assessments, scores, term grades.

Every write here goes through the services the gradebook uses
(`grades.services`, see `school.admin_services`): a score or term grade changed
in the admin leaves the same trail as in the gradebook (a new version, so a
teacher's open gradebook sees the conflict; `updated_by`; a GradeChange row with
the same snapshot, channel "admin"), and the cached reports see every change on
their next load. The grade change log itself is read-only.
"""

import structlog
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.forms.models import BaseModelFormSet
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserRoleChoicesMixin
from accounts.models import Role, User
from classrooms import admin as classrooms_admin
from classrooms.models import Classroom, Term
from grades.models import (
    Assessment,
    Category,
    GradeBand,
    GradeChange,
    Score,
    ScoreState,
    TermGrade,
)
from grades.services import assessments as assessment_services
from grades.services import grade_bands as band_services
from grades.services.grade_bands import scale_errors
from grades.services.scores import score_problems, score_set
from grades.services.term_grades import (
    TermGradeEdit,
    term_grade_problems,
    term_grades_update,
)
from school import audit
from school.admin_filters import RelatedIdListFilter
from school.admin_services import ServiceAdminMixin
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


class GradeRecordAdmin(ServiceAdminMixin, UserRoleChoicesMixin, admin.ModelAdmin):
    """A score or term grade, saved by its service; never deleted (its audit rows
    keep it)."""

    user_roles = {"student": Role.STUDENT}
    # Who the record is about cannot change once it exists.
    identity_fields: tuple[str, ...] = ()

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += self.identity_fields
        return readonly

    def has_delete_permission(self, request, obj=None):
        return False


class ServiceForm(forms.ModelForm):
    """A model form that also shows what the service would refuse."""

    def add_problems(self, problems) -> None:
        """Add a service's problems (a dict by field, or a list) as form errors."""
        if not isinstance(problems, dict):
            problems = {None: list(problems)} if problems else {}
        for field, errors in problems.items():
            self.add_error(field if field in self.fields else None, errors)


# ---------------------------------------------------------------------------
# Grading scale and categories


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
class GradeBandAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """The scale, written by `grades.services.grade_bands`. The list page edits
    it as a whole: its changed rows go to the service in one call."""

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

    def has_delete_permission(self, request, obj=None):
        # The band at 0 is the floor of the scale: without it low grades have no
        # letter. Its letter can change; it cannot go.
        if obj is not None and obj.min_percent == 0:
            return False
        return super().has_delete_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        # The list's save runs `save_model` per row inside the admin's own
        # transaction: the rows are gathered there and saved by one service
        # call after it.
        request.grade_band_edits = {}
        response = super().changelist_view(request, extra_context)
        edits = request.grade_band_edits
        if edits:
            try:
                band_services.grade_bands_update(
                    actor=self.actor(request), changes=edits
                )
            except ValidationError as error:
                return self.refused(request, error)
        return response

    def save_model(self, request, obj, form, change):
        edits = getattr(request, "grade_band_edits", None)
        if edits is not None:
            edits[obj.pk] = (obj.letter, obj.min_percent)
        elif change:
            band_services.grade_band_update(
                actor=self.actor(request),
                band=obj,
                letter=obj.letter,
                min_percent=obj.min_percent,
            )
        else:
            band = band_services.grade_band_create(
                actor=self.actor(request),
                letter=obj.letter,
                min_percent=obj.min_percent,
            )
            obj.pk = band.pk

    def delete_model(self, request, obj):
        band_services.grade_band_delete(actor=self.actor(request), band=obj)


class CategoryAdminForm(ServiceForm):
    def clean(self):
        cleaned_data = super().clean()
        classroom_subject = cleaned_data.get("classroom_subject") or (
            self.instance.classroom_subject if self.instance.pk else None
        )
        name, weight = cleaned_data.get("name"), cleaned_data.get("weight")
        if classroom_subject is not None and name is not None and weight is not None:
            self.add_problems(
                assessment_services.category_problems(
                    classroom_subject=classroom_subject,
                    name=name,
                    weight=weight,
                    category=self.instance if self.instance.pk else None,
                )
            )
        return cleaned_data


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = CategoryAdminForm
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

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # A category stays in its gradebook (its assessments hang from it).
        return (*readonly, "classroom_subject") if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        actor = self.actor(request)
        data = form.cleaned_data
        if change:
            assessment_services.category_update(
                actor=actor, category=obj, name=data["name"], weight=data["weight"]
            )
        else:
            category = assessment_services.category_create(
                actor=actor,
                classroom_subject=data["classroom_subject"],
                name=data["name"],
                weight=data["weight"],
            )
            obj.pk = category.pk

    def delete_model(self, request, obj):
        assessment_services.category_delete(actor=self.actor(request), category=obj)


# ---------------------------------------------------------------------------
# Assessments and scores


class AssessmentAdminForm(ServiceForm):
    class Meta:
        model = Assessment
        fields = (
            "classroom_subject",
            "term",
            "category",
            "title",
            "max_points",
            "due_on",
        )

    def clean(self):
        cleaned_data = super().clean()
        classroom_subject = cleaned_data.get("classroom_subject") or (
            self.instance.classroom_subject if self.instance.pk else None
        )
        needed = ("term", "category", "title", "max_points")
        if classroom_subject is None or any(
            cleaned_data.get(name) is None for name in needed
        ):
            return cleaned_data
        self.add_problems(
            assessment_services.assessment_problems(
                classroom_subject=classroom_subject,
                assessment=self.instance if self.instance.pk else None,
                **{name: cleaned_data[name] for name in needed},
            )
        )
        return cleaned_data


@admin.register(Assessment)
class AssessmentAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = AssessmentAdminForm
    fields = (
        "classroom_subject",
        "term",
        "category",
        "title",
        "max_points",
        "due_on",
        "published_at",
        "archived_at",
    )
    # Published and archived through the actions, which the services audit.
    readonly_fields = ("published_at", "archived_at")
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
    actions = ("publish", "unpublish", "archive", "restore")

    @admin.display(description=_("archived"), boolean=True, ordering="archived_at")
    def is_archived(self, obj):
        return obj.archived_at is not None

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        # An assessment stays in its gradebook (its scores hang from it).
        return (*readonly, "classroom_subject") if obj is not None else readonly

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {
            name: data[name]
            for name in ("term", "category", "title", "max_points", "due_on")
        }
        if change:
            assessment_services.assessment_update(
                actor=self.actor(request), assessment=obj, **values
            )
        else:
            assessment = assessment_services.assessment_create(
                actor=self.actor(request),
                classroom_subject=data["classroom_subject"],
                **values,
            )
            obj.pk = assessment.pk

    def delete_model(self, request, obj):
        assessment_services.assessment_delete(actor=self.actor(request), assessment=obj)

    def _each(self, request, queryset, service, done_message):
        actor, done = self.actor(request), 0
        for assessment in queryset.order_by("pk"):
            try:
                service(actor=actor, assessment=assessment)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(
                        request, f"{assessment.title}: {message}", messages.ERROR
                    )
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Publish to students"))
    def publish(self, request, queryset):
        self._each(
            request,
            queryset,
            assessment_services.assessment_publish,
            lambda n: (
                ngettext(
                    "%(count)d assessment published.",
                    "%(count)d assessments published.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Hide from students"))
    def unpublish(self, request, queryset):
        self._each(
            request,
            queryset,
            assessment_services.assessment_unpublish,
            lambda n: (
                ngettext(
                    "%(count)d assessment hidden.", "%(count)d assessments hidden.", n
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Archive"))
    def archive(self, request, queryset):
        self._each(
            request,
            queryset,
            assessment_services.assessment_archive,
            lambda n: (
                ngettext(
                    "%(count)d assessment archived.",
                    "%(count)d assessments archived.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Restore"))
    def restore(self, request, queryset):
        self._each(
            request,
            queryset,
            assessment_services.assessment_restore,
            lambda n: (
                ngettext(
                    "%(count)d assessment restored.",
                    "%(count)d assessments restored.",
                    n,
                )
                % {"count": n}
            ),
        )


class ScoreAdminForm(LockedTermFormMixin, ServiceForm):
    def term_of(self, cleaned_data):
        assessment = cleaned_data.get("assessment")
        if assessment is None and self.instance.assessment_id:
            assessment = self.instance.assessment
        return assessment.term if assessment is not None else None

    def clean(self):
        cleaned_data = super().clean()
        assessment = cleaned_data.get("assessment") or (
            self.instance.assessment if self.instance.pk else None
        )
        student = cleaned_data.get("student") or (
            self.instance.student if self.instance.pk else None
        )
        state, points = cleaned_data.get("state"), cleaned_data.get("points")
        if assessment is None or student is None or state is None:
            return cleaned_data
        if (state == ScoreState.GRADED) != (points is not None):
            return cleaned_data  # the model's constraint says so
        if not self.instance.pk and state == ScoreState.BLANK:
            if not cleaned_data.get("comment"):
                self.add_error(
                    "state",
                    _("A blank score without a comment stores nothing."),
                )
                return cleaned_data
        self.add_problems(
            score_problems(
                assessment=assessment,
                student_id=student.pk,
                state=state,
                points=points,
            )
        )
        return cleaned_data


@admin.register(Score)
class ScoreAdmin(GradeRecordAdmin):
    form = ScoreAdminForm
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

    def save_model(self, request, obj, form, change):
        """The score as one cell of its gradebook (`score_set`): the same checks,
        version, GradeChange row and report bump, channel "admin"."""
        saved = score_set(
            actor=self.actor(request),
            assessment=obj.assessment,
            student_id=obj.student_id,
            state=obj.state,
            points=obj.points,
            comment=obj.comment,
            # The version this request read: the change is checked against it.
            version=obj.version if change else None,
            reason=ADMIN_CHANGE_REASON,
        )
        if saved.version is not None:
            stored = Score.objects.get(
                assessment_id=obj.assessment_id, student_id=obj.student_id
            )
            obj.pk, obj.version = stored.pk, stored.version
            obj.updated_by_id, obj.updated_at = stored.updated_by_id, stored.updated_at
        logger.info(
            "grade_changed_in_admin",
            model="grades.score",
            object_id=obj.pk,
            actor_id=request.user.pk,
        )


class TermGradeAdminForm(LockedTermFormMixin, ServiceForm):
    def term_of(self, cleaned_data):
        term = cleaned_data.get("term")
        if term is None and self.instance.term_id:
            term = self.instance.term
        return term

    def clean(self):
        cleaned_data = super().clean()
        if self.errors:
            return cleaned_data
        instance = self.instance if self.instance.pk else None
        classroom_subject = cleaned_data.get("classroom_subject") or (
            instance and instance.classroom_subject
        )
        term = cleaned_data.get("term") or (instance and instance.term)
        student = cleaned_data.get("student") or (instance and instance.student)
        if classroom_subject is None or term is None or student is None:
            return cleaned_data
        edit = edit_of(student.pk, cleaned_data)
        if instance is None and edit.override is None and not edit.comment:
            self.add_error(
                None,
                _("Set an override or a comment: an empty term grade stores nothing."),
            )
            return cleaned_data
        self.add_problems(
            term_grade_problems(
                classroom_subject=classroom_subject, term=term, edit=edit
            )
        )
        return cleaned_data


def edit_of(student_id, values) -> TermGradeEdit:
    return TermGradeEdit(
        student_id=student_id,
        override=values.get("override"),
        override_reason=values.get("override_reason") or "",
        comment=values.get("comment") or "",
    )


@admin.register(TermGrade)
class TermGradeAdmin(GradeRecordAdmin):
    form = TermGradeAdminForm
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

    def save_model(self, request, obj, form, change):
        """The line as the gradebook's term grade page saves it
        (`term_grades_update`): the same snapshot, GradeChange row and report
        bump, channel "admin"."""
        term_grades_update(
            actor=self.actor(request),
            classroom_subject=obj.classroom_subject,
            term=obj.term,
            changes=[edit_of(obj.student_id, form.cleaned_data)],
            reason=ADMIN_CHANGE_REASON,
        )
        stored = TermGrade.objects.get(
            student_id=obj.student_id,
            classroom_subject_id=obj.classroom_subject_id,
            term_id=obj.term_id,
        )
        obj.pk, obj.computed = stored.pk, stored.computed
        logger.info(
            "grade_changed_in_admin",
            model="grades.termgrade",
            object_id=obj.pk,
            actor_id=request.user.pk,
        )


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
    list_display = ("changed_at", "actor", "channel", "target", "reason")
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
        "channel",
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
        "actor_program",
        "channel",
        "score",
        "term_grade",
        "before",
        "after",
        "reason",
        "request_id",
    )
    readonly_fields = fields
    ordering = ("-changed_at",)

    @admin.display(description=_("changed by"), ordering="changed_by__full_name")
    def actor(self, obj):
        return audit.actor_label(obj)

    @admin.display(description=_("changed record"))
    def target(self, obj):
        return obj.score if obj.score_id else obj.term_grade

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------
# The user admin, with what the gradebook adds to it: a student's grade history.

HISTORY_PAGE_SIZE = 100

admin.site.unregister(User)


@admin.register(User)
class UserAdmin(classrooms_admin.UserAdmin):
    student_fieldsets = ((_("Grades"), {"fields": ("grade_history_link",)}),)
    readonly_fields = (
        *classrooms_admin.UserAdmin.readonly_fields,
        "grade_history_link",
    )

    @admin.display(description=_("grade history"))
    def grade_history_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:accounts_user_grade_history", args=[obj.pk]),
            gettext("Every change of this student's scores and term grades"),
        )

    def get_urls(self):
        urls = [
            path(
                "<id:object_id>/grade-history/",
                self.admin_site.admin_view(self.grade_history_view),
                name="accounts_user_grade_history",
            )
        ]
        return urls + super().get_urls()

    def grade_history_view(self, request, object_id):
        if not request.user.has_perm("grades.view_gradechange"):
            raise PermissionDenied
        student = get_object_or_404(User.objects.students(), pk=object_id)
        changes = (
            GradeChange.objects.filter(
                Q(score__student=student) | Q(term_grade__student=student)
            )
            .select_related(
                "changed_by",
                "score__assessment__classroom_subject__subject",
                "score__assessment__classroom_subject__classroom",
                "term_grade__classroom_subject__subject",
                "term_grade__classroom_subject__classroom",
                "term_grade__term",
            )
            .order_by("-changed_at", "-pk")
        )
        page = Paginator(changes, HISTORY_PAGE_SIZE).get_page(request.GET.get("p"))
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Grade history of %(name)s") % {"name": student},
            "opts": self.opts,
            "original": student,
            "student": student,
            "page": page,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/accounts/user/grade_history.html", context
        )
