from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.names import join_name, sorting_name, split_full_name


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    TEACHER = "teacher", _("Teacher")
    ADMIN = "admin", _("School admin")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def students(self):
        return self.filter(role=Role.STUDENT)

    def teachers(self):
        return self.filter(role=Role.TEACHER)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Emails are stored lower-cased; whatever case is typed at login matches.
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        extra_fields["is_superuser"] = True
        return self.create_user(email, password, **extra_fields)

    @classmethod
    def normalize_email(cls, email):
        return (email or "").strip().lower()


NAME_ORDER = ("given_name", "family_name", "full_name")
NAME_FIELDS = frozenset(NAME_ORDER)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254)
    given_name = models.CharField(
        _("given name"),
        max_length=150,
        blank=True,
        help_text=_("First and middle names, as the person uses them."),
    )
    family_name = models.CharField(
        _("family name"),
        max_length=150,
        help_text=_('Surnames, with their particles ("de la Cruz"): lists sort by it.'),
    )
    # "Given Family", rebuilt from the two on every save (see `sync_names`).
    full_name = models.CharField(
        _("full name"), max_length=301, blank=True, editable=False
    )
    role = models.CharField(
        _("role"), max_length=10, choices=Role.choices, default=Role.STUDENT
    )
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick instead of deleting: a deactivated person cannot log in, "
            "and every record of theirs is kept."
        ),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        editable=False,
        help_text=_("Follows the role: school admins are staff."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["given_name", "family_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # Code-point order; lists of people use school.collation.person_ordering.
        ordering = ["family_name", "given_name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_code="duplicate_email",
                violation_error_message=_(
                    "A user with this email address already exists."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="accounts_user_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["role", "full_name"])]

    def __str__(self):
        return self.full_name or self.email

    def clean_fields(self, exclude=None):
        # Before the blank checks: a user built with only `full_name` has its parts.
        self.sync_names()
        super().clean_fields(exclude=exclude)

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._stored_names = tuple(user.__dict__.get(name) for name in NAME_ORDER)
        return user

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._stored_names = tuple(self.__dict__.get(name) for name in NAME_ORDER)

    def sync_names(self):
        """Rebuild `full_name` from the two parts; split it when there are none.

        Code that only sets `full_name` (a new user built with it alone, or a
        loaded one whose `full_name` changed while its parts did not) gets the
        parts by `accounts.names.split_full_name`. A user loaded without one of
        the name fields is left alone: reading it would cost a query.
        """
        if self.get_deferred_fields() & NAME_FIELDS:
            return
        given = " ".join(self.given_name.split())
        family = " ".join(self.family_name.split())
        stored = getattr(self, "_stored_names", None)
        full_name_edited = (
            stored is not None
            and self.full_name != stored[2]
            and (self.given_name, self.family_name) == stored[:2]
        )
        if full_name_edited or not (given or family):
            given, family = split_full_name(self.full_name)
        self.given_name, self.family_name = given, family
        self.full_name = join_name(given, family)

    def derive_fields(self):
        """What every save derives: the normalized email, staff status from the
        role, the full name from its parts (bulk writers call it themselves)."""
        self.email = UserManager.normalize_email(self.email)
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        self.sync_names()

    def save(self, *args, **kwargs):
        self.derive_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and NAME_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *NAME_FIELDS}
        super().save(*args, **kwargs)
        self._stored_names = (self.given_name, self.family_name, self.full_name)

    def validate_constraints(self, exclude=None):
        # A constraint over Lower("email") reports to the whole form; the person
        # filling it in needs the message next to the email field.
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            duplicate = [e for e in general if e.code == "duplicate_email"]
            if duplicate:
                errors.setdefault("email", []).extend(duplicate)
            rest = [e for e in general if e.code != "duplicate_email"]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.given_name or self.full_name or self.email

    @property
    def sorting_name(self):
        """ "Family, Given": how a class list, sorted by family name, shows a row."""
        return sorting_name(self.given_name, self.family_name) or self.email

    @property
    def is_student(self):
        return self.role == Role.STUDENT

    @property
    def is_teacher(self):
        return self.role == Role.TEACHER

    def get_home_url(self):
        home = {
            Role.STUDENT: "report_card",
            Role.TEACHER: "my_classes",
            Role.ADMIN: "school_overview",
        }
        return reverse(home.get(self.role, "my_classes"))


class Advising(models.Model):
    """An advisor (homeroom tutor): reads the advisee's report card in every class."""

    teacher = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="advisee_links",
        verbose_name=_("advisor"),
        limit_choices_to={"role": Role.TEACHER},
    )
    student = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="advisor_links",
        verbose_name=_("student"),
        limit_choices_to={"role": Role.STUDENT},
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("advising link")
        verbose_name_plural = _("advising links")
        ordering = [
            "teacher__family_name",
            "teacher__given_name",
            "student__family_name",
            "student__given_name",
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "student"],
                name="accounts_advising_unique_pair",
                violation_error_message=_("This teacher already advises this student."),
            )
        ]

    def __str__(self):
        return _("%(teacher)s advises %(student)s") % {
            "teacher": self.teacher,
            "student": self.student,
        }

    def clean(self):
        super().clean()
        errors = {}
        if self.teacher_id and self.teacher.role != Role.TEACHER:
            errors["teacher"] = _("An advisor must have the teacher role.")
        if self.student_id and self.student.role != Role.STUDENT:
            errors["student"] = _("Only a user with the student role can be advised.")
        if errors:
            raise ValidationError(errors)
