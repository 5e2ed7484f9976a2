"""Import and export of people (students and teachers), keyed on their email.

Emails match whatever their case. Names come in the columns `given_name` and
`family_name`; a row that leaves both empty (or a file without them) gives
`full_name`, split by the rule of `accounts.names.split_full_name`. The export
writes all three. Passwords are never imported: a new person gets
an unusable password and sets one through a reset link (an action of the user
admin). School admins and superusers are not imported and an import cannot
change them: they are managed by hand in the admin.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields

from accounts.models import Language, Role, User
from accounts.names import join_name, split_full_name
from accounts.services import users_import
from school.admin_import import (
    ChoiceWidget,
    PrefetchedResource,
    TextWidget,
    normalize_email,
    text,
)
from school.collation import person_ordering

IMPORTABLE_ROLES = (Role.STUDENT, Role.TEACHER)
PART_MAX_LENGTH = {
    name: User._meta.get_field(name).max_length
    for name in ("given_name", "family_name")
}
NAME_COLUMNS = {"given_name", "family_name", "full_name"}
# Emails looked up per query: well under any database's limit on parameters.
LOOKUP_CHUNK = 2000


class EmailWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        return normalize_email(value)


class UserResource(PrefetchedResource):
    email = fields.Field(attribute="email", column_name="email", widget=EmailWidget())
    given_name = fields.Field(
        attribute="given_name", column_name="given_name", widget=TextWidget()
    )
    family_name = fields.Field(
        attribute="family_name", column_name="family_name", widget=TextWidget()
    )
    full_name = fields.Field(
        attribute="full_name", column_name="full_name", widget=TextWidget()
    )
    role = fields.Field(
        attribute="role",
        column_name="role",
        widget=ChoiceWidget(
            Role.choices,
            allowed=IMPORTABLE_ROLES,
            message=_('Unknown role "%(value)s": use student or teacher.'),
        ),
    )
    language = fields.Field(
        attribute="language",
        column_name="language",
        # An empty cell keeps the person's language (English for a new one).
        saves_null_values=False,
        widget=ChoiceWidget(
            Language.choices,
            message=_('Unknown language "%(value)s": use en or es.'),
            required=False,
        ),
    )

    class Meta(PrefetchedResource.Meta):
        model = User
        name = "Students and teachers"
        fields = ("email", "given_name", "family_name", "full_name", "role", "language")
        import_id_fields = ("email",)
        store_row_values = True

    def get_queryset(self):
        return User.objects.filter(role__in=IMPORTABLE_ROLES).order_by(
            "role", *person_ordering()
        )

    def prefetch(self, dataset):
        emails = sorted(
            {normalize_email(row.get("email")) for row in dataset.dict} - {""}
        )
        self.existing = {}
        for start in range(0, len(emails), LOOKUP_CHUNK):
            chunk = emails[start : start + LOOKUP_CHUNK]
            # Emails are stored lower-cased (User.save), so equality matches.
            for user in User.objects.filter(email__in=chunk):
                self.existing[user.email] = user
        # Rows change the instances they match: who is off-limits is noted first.
        self.off_limits = {
            email
            for email, user in self.existing.items()
            if user.role not in IMPORTABLE_ROLES or user.is_superuser
        }
        self.seen = {}

    def existing_instance(self, row):
        return self.existing.get(normalize_email(row.get("email")))

    @staticmethod
    def settle_names(instance, row):
        """The two parts from their columns, or else from `full_name` split;
        `full_name` rebuilt from them either way."""
        given, family = (text(row.get(c)) for c in ("given_name", "family_name"))
        if not (given or family) and text(row.get("full_name")):
            given, family = split_full_name(row.get("full_name"))
            instance.given_name, instance.family_name = given, family
        instance.given_name = " ".join(instance.given_name.split())
        instance.family_name = " ".join(instance.family_name.split())
        instance.full_name = join_name(instance.given_name, instance.family_name)

    def validate_row(self, instance, row, errors):
        # The names settle before they are checked (and before the diff).
        self.settle_names(instance, row)
        email = instance.email
        if "email" not in errors:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = [
                    gettext('"%(value)s" is not a valid email address.')
                    % {"value": row.get("email") or ""}
                ]
            else:
                number = self.seen.setdefault(email, self.row_number)
                if number != self.row_number:
                    errors["email"] = [
                        gettext("This email is already on row %(row)s of the file.")
                        % {"row": number}
                    ]
        self.validate_names(instance, row, errors)
        if instance.pk is not None and email in self.off_limits:
            errors.setdefault(NON_FIELD_ERRORS, []).append(
                gettext(
                    "This email belongs to a school admin: change them in "
                    "the admin, not by import."
                )
            )

    def write_rows(self, *, actor, new, changed):
        users_import(actor=actor, new=new, changed=changed)

    @staticmethod
    def validate_names(instance, row, errors):
        by_parts = "given_name" in row or "family_name" in row
        if not instance.family_name and not (errors.keys() & NAME_COLUMNS):
            if by_parts and not text(row.get("full_name")):
                errors["family_name"] = [gettext("A family name is required.")]
            else:
                errors["full_name"] = [gettext("A full name is required.")]
        for name, limit in PART_MAX_LENGTH.items():
            if len(getattr(instance, name)) > limit:
                errors[name] = [
                    gettext("Keep the name under %(max)d characters.") % {"max": limit}
                ]
