"""The admin for the school's structure: years, terms, subjects, classrooms.

Lists select their relations up front (no query per row). Inlines go further: an
autocomplete widget normally runs one query per row to print the selected option;
`PreloadedAutocompleteSelect` prints it from the row's own object, which the
inline's queryset already selected.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts import admin as accounts_admin
from accounts.admin import UserRoleChoicesMixin, names_list
from accounts.models import User
from classrooms import services as enrollment_services
from classrooms import structure
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
    Term,
)
from classrooms.resources import (
    ClassroomResource,
    ClassroomSubjectResource,
    EnrollmentResource,
)
from classrooms.structure import InlineChanges
from classrooms.terms import term_lock, term_unlock
from school.admin_actions import DateInput, ReasonForm, confirm_action
from school.admin_filters import RelatedIdListFilter
from school.admin_import import RosterImportExportMixin
from school.admin_services import ServiceAdminMixin
from school.audit import Actor, Channel
from school.collation import person_ordering

# ---------------------------------------------------------------------------
# Inlines without a query per row


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that prints the selected option from an object in hand.

    `preloaded` maps a primary key (as text) to the related object, set by
    `PreloadedRelationsForm` from its instance; any other value (a changed row
    re-shown with errors) falls back to Django's query.
    """

    preloaded = None

    def optgroups(self, name, value, attr=None):
        selected = {
            str(v) for v in value if str(v) not in self.choices.field.empty_values
        }
        preloaded = self.preloaded or {}
        if not selected or not selected <= preloaded.keys():
            return super().optgroups(name, value, attr)
        options = []
        if not self.is_required:
            options.append(self.create_option(name, "", "", False, 0))
        for key in sorted(selected):
            obj = preloaded[key]
            label = self.choices.field.label_from_instance(obj)
            options.append(
                self.create_option(name, obj.pk, label, selected, len(options))
            )
        return [(None, options, 0)]


class PreloadedRelationsForm(forms.ModelForm):
    """Hands each autocomplete widget the related object its instance already has."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name, field in self.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if not isinstance(widget, PreloadedAutocompleteSelect):
                continue
            model_field = self.instance._meta.get_field(name)
            if model_field.is_cached(self.instance):
                related = model_field.get_cached_value(self.instance)
                if related is not None:
                    widget.preloaded = {str(related.pk): related}


class PreloadedInlineMixin:
    """An inline whose rows come with their relations and print them query-free."""

    form = PreloadedRelationsForm
    inline_select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.inline_select_related)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                PreloadedAutocompleteSelect(
                    db_field, self.admin_site, using=kwargs.get("using")
                ),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------------------
# Writes through classrooms.structure


def _concrete(obj, names) -> list[str]:
    concrete = {f.name for f in obj._meta.concrete_fields}
    return [name for name in names if name in concrete]


def _changed_fields(form) -> list[str]:
    return _concrete(form.instance, form.changed_data)


class StructureAdminMixin(ServiceAdminMixin):
    """The object and its inlines are written by one service call, in one
    transaction: `save_model` waits for `save_related`, which has the formsets.
    `service_name` is the `classrooms.structure` function; `inline_arguments` names
    its argument for each inline's model."""

    service_name = ""
    service_argument = ""
    inline_arguments: dict = {}

    def save_model(self, request, obj, form, change):
        pass

    def save_related(self, request, form, formsets, change):
        arguments = {}
        for formset in formsets:
            formset.save(commit=False)
            arguments[self.inline_arguments[formset.model]] = InlineChanges(
                new=list(formset.new_objects),
                changed=[
                    (obj, _concrete(obj, names))
                    for obj, names in formset.changed_objects
                ],
                deleted=list(formset.deleted_objects),
            )
        getattr(structure, self.service_name)(
            actor=self.actor(request),
            **{self.service_argument: form.instance},
            fields=_changed_fields(form) if change else None,
            **arguments,
        )

    def delete_model(self, request, obj):
        structure.structure_delete(actor=self.actor(request), objects=[obj])

    deletes_in_bulk = True

    def delete_queryset(self, request, queryset):
        structure.structure_delete(actor=self.actor(request), objects=list(queryset))


# ---------------------------------------------------------------------------
# School years and terms


class TermInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # Term.clean checks the year's dates only once the year has a primary key;
        # on the year's add page it has none yet, so the check happens here.
        year = self.instance
        if year.pk is not None or not (year.starts_on and year.ends_on):
            return
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not form.has_changed():
                continue
            starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
            if not (starts_on and ends_on):
                continue
            if starts_on < year.starts_on or ends_on > year.ends_on:
                form.add_error(
                    "ends_on" if starts_on >= year.starts_on else "starts_on",
                    _("A term must lie inside its school year (%(start)s to %(end)s).")
                    % {"start": year.starts_on, "end": year.ends_on},
                )


class TermInline(admin.TabularInline):
    model = Term
    formset = TermInlineFormSet
    fields = ("name", "starts_on", "ends_on", "locked")
    extra = 0


@admin.register(SchoolYear)
class SchoolYearAdmin(StructureAdminMixin, admin.ModelAdmin):
    service_name, service_argument = "school_year_save", "school_year"
    inline_arguments = {Term: "terms"}
    list_display = ("name", "starts_on", "ends_on")
    search_fields = ("name",)
    ordering = ("-starts_on",)
    inlines = [TermInline]


@admin.register(Term)
class TermAdmin(StructureAdminMixin, admin.ModelAdmin):
    service_name, service_argument = "term_save", "term"
    list_display = ("name", "school_year", "starts_on", "ends_on", "locked")
    list_select_related = ("school_year",)
    list_filter = ("school_year", "locked")
    search_fields = ("name", "school_year__name")
    ordering = ("-school_year__starts_on", "starts_on")
    # Locking goes through the actions, which ask for a reason and record it.
    readonly_fields = ("locked",)
    actions = ["lock_terms", "unlock_terms"]

    def _set_locked(self, request, queryset, *, lock):
        service = term_lock if lock else term_unlock

        def perform(data):
            changed = [
                term
                for term in queryset
                if service(
                    actor=Actor.from_request(request, channel=Channel.ADMIN),
                    term=term,
                    reason=data["reason"],
                )
            ]
            if lock:
                done = ngettext(
                    "%(count)d term was locked.",
                    "%(count)d terms were locked.",
                    len(changed),
                )
            else:
                done = ngettext(
                    "%(count)d term was unlocked.",
                    "%(count)d terms were unlocked.",
                    len(changed),
                )
            return done % {"count": len(changed)}

        return confirm_action(
            self,
            request,
            queryset,
            form_class=ReasonForm,
            title=gettext("Lock terms") if lock else gettext("Unlock terms"),
            intro=gettext(
                "A locked term takes no more grade changes from anyone. Say why: "
                "the reason shows in each term's history."
            )
            if lock
            else gettext(
                "An unlocked term takes grade changes again. Say why: the reason "
                "shows in each term's history."
            ),
            submit_label=gettext("Lock") if lock else gettext("Unlock"),
            perform=perform,
        )

    @admin.action(description=_("Lock selected terms for grading"))
    def lock_terms(self, request, queryset):
        return self._set_locked(request, queryset, lock=True)

    @admin.action(description=_("Unlock selected terms for grading"))
    def unlock_terms(self, request, queryset):
        return self._set_locked(request, queryset, lock=False)

    def get_queryset(self, request):
        # str(term) names its year: lists and autocomplete results need it. (A
        # queryset that selects already makes the changelist skip list_select_related.)
        return super().get_queryset(request).select_related(*self.list_select_related)


@admin.register(Subject)
class SubjectAdmin(StructureAdminMixin, admin.ModelAdmin):
    service_name, service_argument = "subject_save", "subject"
    list_display = ("name", "code")
    search_fields = ("name", "code")
    ordering = ("name",)


# ---------------------------------------------------------------------------
# Classrooms


class ClassroomSubjectInline(
    PreloadedInlineMixin, UserRoleChoicesMixin, admin.TabularInline
):
    model = ClassroomSubject
    fields = ("subject", "teacher")
    autocomplete_fields = ("subject", "teacher")
    inline_select_related = ("subject", "teacher", "classroom")
    extra = 0


class EnrollmentInline(PreloadedInlineMixin, UserRoleChoicesMixin, admin.TabularInline):
    model = Enrollment
    fields = ("student", "enrolled_on", "withdrawn_on")
    autocomplete_fields = ("student",)
    inline_select_related = ("student", "classroom__school_year")
    extra = 0


@admin.register(Classroom)
class ClassroomAdmin(
    StructureAdminMixin, RosterImportExportMixin, UserRoleChoicesMixin, admin.ModelAdmin
):
    service_name, service_argument = "classroom_save", "classroom"
    inline_arguments = {ClassroomSubject: "subjects", Enrollment: "enrollments"}
    resource_classes = [ClassroomResource]
    list_display = (
        "name",
        "grade_level",
        "school_year",
        "teacher",
        "current_student_count",
    )
    list_select_related = ("school_year", "teacher")
    list_filter = ("school_year", "grade_level")
    search_fields = ("name", "teacher__full_name", "school_year__name")
    autocomplete_fields = ("teacher",)
    ordering = ("-school_year__starts_on", "grade_level", "name")
    inlines = [ClassroomSubjectInline, EnrollmentInline]
    fields = ("school_year", "name", "grade_level", "teacher", "portal_links")
    readonly_fields = ("portal_links",)

    @admin.display(description=_("in the portal"))
    def portal_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        gradebook = format_html(
            '<a href="{}">{}</a>',
            reverse("gradebook", args=[obj.pk]),
            gettext("Gradebook"),
        )
        terms = list(obj.school_year.terms.order_by("starts_on"))
        reports = format_html_join(
            "",
            '<li><a href="{}">{}</a></li>',
            (
                (
                    reverse("class_report", args=[obj.pk, subject.pk, term.pk]),
                    gettext("Report: %(subject)s, %(term)s")
                    % {"subject": subject.subject, "term": term.name},
                )
                for subject in obj.subjects.select_related("subject").order_by(
                    "subject__name"
                )
                for term in terms
            ),
        )
        return format_html(
            '<ul class="portal-links"><li>{}</li>{}</ul>', gradebook, reports
        )

    def get_queryset(self, request):
        current = Enrollment.current_q(prefix="enrollments__")
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related)
            .annotate(
                current_students=Count("enrollments", filter=current, distinct=True)
            )
        )

    @admin.display(description=_("current students"), ordering="current_students")
    def current_student_count(self, obj):
        return obj.current_students


@admin.register(ClassroomSubject)
class ClassroomSubjectAdmin(
    StructureAdminMixin, RosterImportExportMixin, UserRoleChoicesMixin, admin.ModelAdmin
):
    service_name = "classroom_subject_save"
    service_argument = "classroom_subject"
    resource_classes = [ClassroomSubjectResource]
    list_display = ("subject", "classroom", "teacher")
    list_select_related = ("subject", "classroom__school_year", "teacher")
    list_filter = ("classroom__school_year", "subject")
    search_fields = (
        "subject__name",
        "subject__code",
        "classroom__name",
        "teacher__full_name",
    )
    autocomplete_fields = ("classroom", "subject", "teacher")
    ordering = ("classroom__name", "subject__name")

    def get_queryset(self, request):
        # str() names the subject and the classroom: lists and autocomplete need both.
        return super().get_queryset(request).select_related(*self.list_select_related)


class WithdrawnListFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("current", _("Current")), ("withdrawn", _("Withdrawn"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.current()
        if self.value() == "withdrawn":
            return queryset.withdrawn()
        return queryset


@admin.register(Enrollment)
class EnrollmentAdmin(
    StructureAdminMixin, RosterImportExportMixin, UserRoleChoicesMixin, admin.ModelAdmin
):
    service_name, service_argument = "enrollment_save", "enrollment"
    resource_classes = [EnrollmentResource]
    list_display = ("student", "classroom", "enrolled_on", "withdrawn_on")
    list_select_related = ("student", "classroom__school_year")
    list_filter = ("classroom__school_year", WithdrawnListFilter)
    search_fields = ("student__full_name", "student__email", "classroom__name")
    autocomplete_fields = ("student", "classroom")
    ordering = ("classroom__name", *person_ordering("student__"))


# ---------------------------------------------------------------------------
# The user admin, with what classrooms add to it: which class a student is in
# (a filter) and enrolling, moving and withdrawing students.


class ClassroomListFilter(RelatedIdListFilter):
    """Students enrolled in a classroom today: one query for the choices, one join.

    A withdrawn student is no longer in the classroom's list.
    """

    title = _("classroom")
    parameter_name = "classroom"
    choices_queryset = Classroom.objects.select_related("school_year").order_by(
        "-school_year__starts_on", "grade_level", "name"
    )
    # (student, classroom) is unique: the join cannot repeat a user.
    field_path = "enrollments__classroom"

    def queryset(self, request, queryset):
        queryset = super().queryset(request, queryset)
        if not self.value() or self.chosen_id is None:
            return queryset
        # One filter() call: the same join as the classroom's.
        return queryset.filter(
            Enrollment.current_q(prefix="enrollments__"),
            enrollments__classroom_id=self.chosen_id,
        )


class MoveToClassroomForm(forms.Form):
    classroom = forms.ModelChoiceField(
        label=_("Classroom"),
        queryset=Classroom.objects.select_related("school_year").order_by(
            "-school_year__starts_on", "grade_level", "name"
        ),
    )
    on = forms.DateField(label=_("Date"), widget=DateInput, initial=timezone.localdate)


class WithdrawForm(forms.Form):
    on = forms.DateField(
        label=_("Withdrawn on"), widget=DateInput, initial=timezone.localdate
    )


def _enrollment_message(outcome, done_message):
    parts = [done_message % {"count": len(outcome.changed)}]
    if outcome.already:
        parts.append(
            ngettext(
                "%(count)d was already there: %(names)s.",
                "%(count)d were already there: %(names)s.",
                len(outcome.already),
            )
            % {"count": len(outcome.already), "names": names_list(outcome.already)}
        )
    if outcome.not_students:
        parts.append(
            ngettext(
                "%(count)d is not a student and was left alone: %(names)s.",
                "%(count)d are not students and were left alone: %(names)s.",
                len(outcome.not_students),
            )
            % {
                "count": len(outcome.not_students),
                "names": names_list(outcome.not_students),
            }
        )
    return " ".join(parts)


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(accounts_admin.UserAdmin):
    list_filter = (*accounts_admin.UserAdmin.list_filter, ClassroomListFilter)
    actions = [
        "enroll_in_classroom",
        "move_to_classroom",
        "withdraw_from_classrooms",
        *accounts_admin.UserAdmin.actions,
    ]

    @admin.action(description=_("Enroll selected students in a classroom"))
    def enroll_in_classroom(self, request, queryset):
        def perform(data):
            outcome = enrollment_services.enrollments_enroll(
                actor=Actor.from_request(request, channel=Channel.ADMIN),
                students=list(queryset),
                classroom=data["classroom"],
                enrolled_on=data["on"],
            )
            return _enrollment_message(
                outcome,
                ngettext(
                    "%(count)d student was enrolled.",
                    "%(count)d students were enrolled.",
                    len(outcome.changed),
                ),
            )

        return confirm_action(
            self,
            request,
            queryset,
            form_class=MoveToClassroomForm,
            title=gettext("Enroll in a classroom"),
            intro=gettext(
                "Choose the classroom and the first day. Students already in it "
                "are left as they are."
            ),
            submit_label=gettext("Enroll"),
            perform=perform,
        )

    @admin.action(description=_("Move selected students to another classroom"))
    def move_to_classroom(self, request, queryset):
        def perform(data):
            outcome = enrollment_services.enrollments_move(
                actor=Actor.from_request(request, channel=Channel.ADMIN),
                students=list(queryset),
                classroom=data["classroom"],
                on=data["on"],
            )
            return _enrollment_message(
                outcome,
                ngettext(
                    "%(count)d student was moved.",
                    "%(count)d students were moved.",
                    len(outcome.changed),
                ),
            )

        return confirm_action(
            self,
            request,
            queryset,
            form_class=MoveToClassroomForm,
            title=gettext("Move to another classroom"),
            intro=gettext(
                "Each student is withdrawn, on the date chosen, from their other "
                "classrooms of the same school year and enrolled in this one. "
                "Their grades so far are kept."
            ),
            submit_label=gettext("Move"),
            perform=perform,
        )

    @admin.action(description=_("Withdraw selected students from their classrooms"))
    def withdraw_from_classrooms(self, request, queryset):
        def perform(data):
            outcome = enrollment_services.enrollments_withdraw(
                actor=Actor.from_request(request, channel=Channel.ADMIN),
                students=list(queryset),
                on=data["on"],
            )
            return _enrollment_message(
                outcome,
                ngettext(
                    "%(count)d student was withdrawn; their records are kept.",
                    "%(count)d students were withdrawn; their records are kept.",
                    len(outcome.changed),
                ),
            )

        return confirm_action(
            self,
            request,
            queryset,
            form_class=WithdrawForm,
            title=gettext("Withdraw from classrooms"),
            intro=gettext(
                "Each student is withdrawn from every classroom they are in on the "
                "date chosen. Nothing is deleted: enrollments and grades are kept."
            ),
            submit_label=gettext("Withdraw"),
            perform=perform,
        )
