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
from django.core.exceptions import ValidationError
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
from school.admin_actions import confirm_action
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


class NoFieldsForm(forms.Form):
    pass


def names_list(users, limit=5):
    names = ", ".join(str(u) for u in users[:limit])
    if len(users) > limit:
        names += ", …"
    return names


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
    # Added for students by the apps above (grades: the grade history link).
    student_fieldsets: tuple = ()
    superuser_only_fields = ("is_superuser", "groups", "user_permissions")
    # is_staff follows the role (User.save); the dates are the system's.
    readonly_fields = ("is_staff", "last_login", "date_joined")
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
    list_filter = ("role", "is_active", "language")
    # full_name finds "Ana Cruz" typed in one go; the parts find each alone.
    search_fields = ("full_name", "given_name", "family_name", "email")
    ordering = person_ordering()
    actions = ["send_password_reset", "deactivate_users"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.role == Role.STUDENT:
            fieldsets = (*fieldsets, *self.student_fieldsets)
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
