"""The admin for people: users (email login, role) and advising links.

`UserRoleChoicesMixin` is shared by every model admin and inline of the project
that points at a user: it keeps each user field to the role the field needs, in the
form and in the autocomplete endpoint, with an error message that names the role.
"""

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Advising, Role, User
from classrooms.models import Classroom
from school.admin_filters import RelatedIdListFilter


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
    """Users enrolled in a classroom: one query for the choices, one join to filter."""

    title = _("classroom")
    parameter_name = "classroom"
    choices_queryset = Classroom.objects.select_related("school_year").order_by(
        "-school_year__starts_on", "grade_level", "name"
    )
    # (student, classroom) is unique: the join cannot repeat a user.
    field_path = "enrollments__classroom"


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
    class Meta:
        model = User
        fields = ("email", "full_name", "role", "language")


class UserChangeAdminForm(CaseInsensitiveEmailMixin, UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "role",
                    "language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("email", "full_name", "role", "language")}),
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
    superuser_only_fields = ("is_superuser", "groups", "user_permissions")
    # is_staff follows the role (User.save); the dates are the system's.
    readonly_fields = ("is_staff", "last_login", "date_joined")
    list_display = (
        "email",
        "full_name",
        "role",
        "language",
        "is_active",
        "is_staff",
        "last_login",
    )
    list_display_links = ("email", "full_name")
    list_filter = ("role", "is_active", "language", ClassroomListFilter)
    search_fields = ("full_name", "email")
    ordering = ("full_name", "email")
    actions = ["deactivate_users"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
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

    @admin.action(
        description=_("Deactivate selected users"),
        permissions=["change"],
    )
    def deactivate_users(self, request, queryset):
        targets = queryset.filter(is_active=True).exclude(pk=request.user.pk)
        if not request.user.is_superuser:
            targets = targets.exclude(is_superuser=True)
        targets = list(targets)
        count = User.objects.filter(pk__in=[u.pk for u in targets]).update(
            is_active=False
        )
        if targets:
            # One history line per person, as if each had been unticked by hand.
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=targets,
                action_flag=CHANGE,
                change_message=[{"changed": {"fields": ["Active"]}}],
            )
        self.message_user(
            request,
            ngettext(
                "%(count)d user was deactivated; their records are kept.",
                "%(count)d users were deactivated; their records are kept.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
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
class AdvisingAdmin(UserRoleChoicesMixin, admin.ModelAdmin):
    list_display = ("teacher", "student", "created_at")
    list_select_related = ("teacher", "student")
    autocomplete_fields = ("teacher", "student")
    search_fields = (
        "teacher__full_name",
        "teacher__email",
        "student__full_name",
        "student__email",
    )
    ordering = ("teacher__full_name", "student__full_name")
