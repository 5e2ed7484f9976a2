"""The admin for people: users (email login, role) and advising links.

`UserRoleChoicesMixin` is shared by every model admin and inline of the project
that points at a user: it keeps each user field to the role the field needs, in the
form and in the autocomplete endpoint, with an error message that names the role.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.admin import csrf_protect_m, sensitive_post_parameters_m
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import ServiceAdminPasswordChangeForm, admin_password_actor
from accounts.models import Advising, Role, User
from accounts.resources import UserResource
from accounts.services import (
    PERMISSION_FIELDS,
    USER_FIELDS,
    advising_create,
    advising_delete,
    advising_update,
    user_create,
    user_delete,
    user_update,
    users_deactivate,
    users_send_password_reset,
)
from classrooms import services as enrollment_services
from classrooms.models import Classroom, Enrollment
from grades.models import GradeChange
from school.admin_actions import DateInput, confirm_action
from school.admin_filters import RelatedIdListFilter
from school.admin_import import RosterImportExportMixin
from school.admin_services import ServiceAdminMixin, adopt
from school.audit import Actor, Channel
from school.collation import person_ordering

# Grade changes listed per page of a student's grade history.
HISTORY_PAGE_SIZE = 100


def _role_from_limit(db_field):
    limit = db_field.remote_field.limit_choices_to
    if isinstance(limit, dict):
        return limit.get("role")
    return None


class UserRoleChoicesMixin:
    """Keep user foreign keys to the right role, with a message that says so.

    A foreign key's `limit_choices_to={"role": ...}` already limits the form's
    choices and Django's autocomplete. `user_roles` adds the same limit for user
    fields whose model does not declare one (`{"student": Role.STUDENT}`); the
    User admin's search reads it back for the autocomplete endpoint.
    """

    user_roles: dict[str, str] = {}

    def role_for_user_field(self, db_field):
        if db_field.remote_field is None or db_field.remote_field.model is not User:
            return None
        return self.user_roles.get(db_field.name) or _role_from_limit(db_field)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        role = self.role_for_user_field(db_field)
        if role and db_field.name in self.user_roles and "queryset" not in kwargs:
            kwargs["queryset"] = User.objects.filter(role=role)
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if role and formfield is not None:
            formfield.error_messages["invalid_choice"] = _(
                "Choose a user with the %(role)s role."
            ) % {"role": Role(role).label.lower()}
        return formfield


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


class CaseInsensitiveEmailMixin:
    """Say "already exists" on the email field itself, whatever the case typed."""

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data.get("email"))
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk is not None:
            others = others.exclude(pk=self.instance.pk)
        if email and others.exists():
            raise ValidationError(
                _("A user with this email address already exists."),
                code="unique",
            )
        return email


class UserCreationAdminForm(CaseInsensitiveEmailMixin, AdminUserCreationForm):
    send_password_reset = forms.BooleanField(
        label=_("Email a link to choose a password"),
        required=False,
        help_text=_(
            "Sent once the account is saved: the person chooses their own password."
        ),
    )

    class Meta:
        model = User
        fields = ("email", "given_name", "family_name", "role", "language")


class UserChangeAdminForm(CaseInsensitiveEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


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


class NoFieldsForm(forms.Form):
    pass


def _names(users, limit=5):
    names = ", ".join(str(u) for u in users[:limit])
    if len(users) > limit:
        names += ", …"
    return names


def _enrollment_message(outcome, done_message):
    parts = [done_message % {"count": len(outcome.changed)}]
    if outcome.already:
        parts.append(
            ngettext(
                "%(count)d was already there: %(names)s.",
                "%(count)d were already there: %(names)s.",
                len(outcome.already),
            )
            % {"count": len(outcome.already), "names": _names(outcome.already)}
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
                "names": _names(outcome.not_students),
            }
        )
    return " ".join(parts)


@admin.register(User)
class UserAdmin(ServiceAdminMixin, RosterImportExportMixin, DjangoUserAdmin):
    resource_classes = [UserResource]
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    change_password_form = ServiceAdminPasswordChangeForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "given_name",
                    "family_name",
                    "role",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                    "send_password_reset",
                ),
            },
        ),
    )
    fieldsets = (
        (
            None,
            {"fields": ("email", "given_name", "family_name", "role", "language")},
        ),
        (_("Access"), {"fields": ("is_active", "is_staff", "password")}),
        (
            _("Permissions"),
            {
                "classes": ("collapse",),
                "fields": ("is_superuser", "groups", "user_permissions"),
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    student_fieldset = (_("Grades"), {"fields": ("grade_history_link",)})
    superuser_only_fields = ("is_superuser", "groups", "user_permissions")
    # is_staff follows the role (User.save); the dates are the system's.
    readonly_fields = ("is_staff", "last_login", "date_joined", "grade_history_link")
    list_display = (
        "email",
        "family_name",
        "given_name",
        "role",
        "language",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_display_links = ("email", "family_name", "given_name")
    list_filter = ("role", "is_active", "language", ClassroomListFilter)
    # full_name finds "Ana Cruz" typed in one go; the parts find each alone.
    search_fields = ("full_name", "given_name", "family_name", "email")
    ordering = person_ordering()
    actions = [
        "enroll_in_classroom",
        "move_to_classroom",
        "withdraw_from_classrooms",
        "send_password_reset",
        "deactivate_users",
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.role == Role.STUDENT:
            fieldsets = (*fieldsets, self.student_fieldset)
        if request.user.is_superuser:
            return fieldsets
        trimmed = []
        for name, options in fieldsets:
            fields = [
                f for f in options["fields"] if f not in self.superuser_only_fields
            ]
            if fields:
                trimmed.append((name, {**options, "fields": tuple(fields)}))
        return tuple(trimmed)

    def has_change_permission(self, request, obj=None):
        # A school admin may not take over a superuser (email, password, deactivation).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_actions(self, request):
        # People are deactivated, never deleted in bulk.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        # Nobody deletes a person who has records: they are deactivated instead.
        if obj is not None and self.holds_records(obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def holds_records(user) -> bool:
        relations = ("enrollments", "scores", "term_grades", "homerooms")
        relations += ("taught_subjects", "advisee_links", "advisor_links")
        return any(getattr(user, name).exists() for name in relations)

    @sensitive_post_parameters_m
    @csrf_protect_m
    def add_view(self, request, form_url="", extra_context=None):
        # Django's wraps this in a transaction; user_create opens its own.
        return self._add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            names = USER_FIELDS + PERMISSION_FIELDS
            user_update(
                actor=self.actor(request),
                user=obj,
                changes={f: data[f] for f in form.changed_data if f in names},
            )
            return
        usable = data.get("set_usable_password", True)
        user = user_create(
            actor=self.actor(request),
            email=data["email"],
            given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            role=data["role"],
            language=data["language"],
            password=data.get("password1") if usable else None,
            send_password_reset=bool(data.get("send_password_reset")),
        )
        adopt(obj, user)
        obj.password = user.password
        if data.get("send_password_reset"):
            self.message_user(
                request,
                gettext("A link to choose a password is on its way to %(email)s.")
                % {"email": obj.email},
            )

    def save_related(self, request, form, formsets, change):
        # Groups and permissions were set by user_update; no inlines here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def user_change_password(self, request, id, form_url=""):
        token = admin_password_actor.set(self.actor(request))
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            admin_password_actor.reset(token)

    def delete_model(self, request, obj):
        user_delete(actor=self.actor(request), user=obj)

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

    @admin.action(description=_("Send password reset emails"))
    def send_password_reset(self, request, queryset):
        def perform(data):
            sent = users_send_password_reset(
                actor=Actor.from_request(request, channel=Channel.ADMIN),
                users=list(queryset),
            )
            return ngettext(
                "A password reset email is on its way to %(count)d person.",
                "Password reset emails are on their way to %(count)d people.",
                len(sent),
            ) % {"count": len(sent)}

        return confirm_action(
            self,
            request,
            queryset,
            form_class=NoFieldsForm,
            title=gettext("Send password reset emails"),
            intro=gettext(
                "Each active person gets an email with a link to choose a new "
                "password. Their current password keeps working until they do."
            ),
            submit_label=gettext("Send the emails"),
            perform=perform,
        )

    @admin.action(description=_("Deactivate selected users"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        def perform(data):
            done = users_deactivate(
                actor=Actor.from_request(request, channel=Channel.ADMIN),
                users=list(queryset),
            )
            return ngettext(
                "%(count)d user was deactivated; their records are kept.",
                "%(count)d users were deactivated; their records are kept.",
                len(done),
            ) % {"count": len(done)}

        return confirm_action(
            self,
            request,
            queryset,
            form_class=NoFieldsForm,
            title=gettext("Deactivate users"),
            intro=gettext(
                "A deactivated person can no longer log in. Nothing is deleted: "
                "their enrollments, grades and history are kept. You cannot "
                "deactivate yourself."
            ),
            submit_label=gettext("Deactivate"),
            perform=perform,
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
        student = get_object_or_404(User, pk=object_id, role=Role.STUDENT)
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

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        role = self._autocomplete_role(request)
        if role:
            queryset = queryset.filter(role=role)
        return queryset, may_have_duplicates

    def _autocomplete_role(self, request):
        """The role an autocomplete's source field needs, when its admin says so."""
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "autocomplete":
            return None
        try:
            model = apps.get_model(
                request.GET.get("app_label", ""), request.GET.get("model_name", "")
            )
        except (LookupError, ValueError):
            return None
        source_admin = self.admin_site._registry.get(model)
        user_roles = getattr(source_admin, "user_roles", {})
        return user_roles.get(request.GET.get("field_name", ""))


@admin.register(Advising)
class AdvisingAdmin(ServiceAdminMixin, UserRoleChoicesMixin, admin.ModelAdmin):
    list_display = ("teacher", "student", "created_at")
    list_select_related = ("teacher", "student")
    autocomplete_fields = ("teacher", "student")
    search_fields = (
        "teacher__full_name",
        "teacher__email",
        "student__full_name",
        "student__email",
    )
    ordering = (*person_ordering("teacher__"), *person_ordering("student__"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            advising_update(
                actor=self.actor(request),
                link=obj,
                teacher=data["teacher"],
                student=data["student"],
            )
            return
        link = advising_create(
            actor=self.actor(request), teacher=data["teacher"], student=data["student"]
        )
        adopt(obj, link)

    def delete_model(self, request, obj):
        advising_delete(actor=self.actor(request), links=[obj])

    deletes_in_bulk = True

    def delete_queryset(self, request, queryset):
        advising_delete(actor=self.actor(request), links=queryset)
