from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), max_length=254)
    full_name = models.CharField(_("full name"), max_length=150)
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
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
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

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def save(self, *args, **kwargs):
        self.email = UserManager.normalize_email(self.email)
        self.is_staff = self.role == Role.ADMIN or self.is_superuser
        super().save(*args, **kwargs)

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
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_student(self):
        return self.role == Role.STUDENT

    @property
    def is_teacher(self):
        return self.role == Role.TEACHER

    @property
    def is_school_admin(self):
        return self.role == Role.ADMIN

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
        ordering = ["teacher__full_name", "student__full_name"]
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
