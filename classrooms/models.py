from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role


def _check_role(user, role, field, message, errors):
    if user is not None and user.role != role:
        errors[field] = message


class SchoolYear(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("school year")
        verbose_name_plural = _("school years")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="classrooms_schoolyear_ends_after_start",
                violation_error_message=_("A school year must end after it starts."),
            )
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            raise ValidationError(
                {"ends_on": _("A school year must end after it starts.")}
            )


class Term(models.Model):
    """A grading period inside a school year."""

    school_year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("school year"),
    )
    name = models.CharField(_("name"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    locked = models.BooleanField(
        _("locked"),
        default=False,
        help_text=_("A locked term takes no more grade changes."),
    )

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["school_year__starts_on", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "name"],
                name="classrooms_term_unique_name_per_year",
                violation_error_message=_(
                    "This school year already has a term with this name."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")),
                name="classrooms_term_ends_after_start",
                violation_error_message=_("A term must end after it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.school_year} · {self.name}"

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on <= self.starts_on:
            errors["ends_on"] = _("A term must end after it starts.")
        # An inline on a new school year's page has the year, not yet its id.
        year = self.school_year if "school_year" in self._state.fields_cache else None
        if year is None and self.school_year_id:
            year = self.school_year
        if year is not None and self.starts_on and self.ends_on:
            if self.starts_on < year.starts_on or self.ends_on > year.ends_on:
                errors.setdefault(
                    "ends_on" if self.starts_on >= year.starts_on else "starts_on",
                    _("A term must lie inside its school year (%(start)s to %(end)s).")
                    % {"start": year.starts_on, "end": year.ends_on},
                )
        if errors:
            raise ValidationError(errors)


class Subject(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Classroom(models.Model):
    """A class group such as "7A" in one school year, with its homeroom teacher."""

    school_year = models.ForeignKey(
        SchoolYear,
        on_delete=models.PROTECT,
        related_name="classrooms",
        verbose_name=_("school year"),
    )
    name = models.CharField(_("name"), max_length=50)
    grade_level = models.PositiveSmallIntegerField(_("grade level"))
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="homerooms",
        verbose_name=_("homeroom teacher"),
        limit_choices_to={"role": Role.TEACHER},
    )

    class Meta:
        verbose_name = _("classroom")
        verbose_name_plural = _("classrooms")
        ordering = ["school_year__starts_on", "grade_level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "name"],
                name="classrooms_classroom_unique_name_per_year",
                violation_error_message=_(
                    "This school year already has a classroom with this name."
                ),
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.school_year})"

    def clean(self):
        super().clean()
        errors = {}
        if self.teacher_id:
            _check_role(
                self.teacher,
                Role.TEACHER,
                "teacher",
                _("The homeroom teacher must have the teacher role."),
                errors,
            )
        if errors:
            raise ValidationError(errors)


class ClassroomSubject(models.Model):
    """A subject taught in a classroom: the unit that is graded."""

    classroom = models.ForeignKey(
        Classroom,
        on_delete=models.PROTECT,
        related_name="subjects",
        verbose_name=_("classroom"),
    )
    subject = models.ForeignKey(
        Subject,
        on_delete=models.PROTECT,
        related_name="classroom_subjects",
        verbose_name=_("subject"),
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="taught_subjects",
        verbose_name=_("teacher"),
        blank=True,
        limit_choices_to={"role": Role.TEACHER},
        help_text=_("Leave empty to use the classroom's homeroom teacher."),
    )

    class Meta:
        verbose_name = _("classroom subject")
        verbose_name_plural = _("classroom subjects")
        ordering = ["classroom__name", "subject__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "subject"],
                name="classrooms_classroomsubject_unique",
                violation_error_message=_(
                    "This subject is already taught in this classroom."
                ),
            )
        ]

    def __str__(self):
        return f"{self.subject} · {self.classroom.name}"

    def save(self, *args, **kwargs):
        if not self.teacher_id and self.classroom_id:
            self.teacher_id = self.classroom.teacher_id
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if not self.teacher_id and self.classroom_id:
            self.teacher_id = self.classroom.teacher_id
        errors = {}
        if self.teacher_id:
            _check_role(
                self.teacher,
                Role.TEACHER,
                "teacher",
                _("A subject's teacher must have the teacher role."),
                errors,
            )
        if errors:
            raise ValidationError(errors)


class EnrollmentQuerySet(models.QuerySet):
    """The one place that says which enrollments count on a day or in a term.

    Which day matters is the caller's choice: today for live pages (gradebook,
    roster, who may see a classroom); the term for a term's documents (report
    card, class report, batch), so that a student who left after the term still
    shows on it.
    """

    def current(self, on=None):
        """Not withdrawn on `on` (default today): see `Enrollment.current_q`."""
        return self.filter(Enrollment.current_q(on=on))

    def in_term(self, term):
        """In the class on at least one day of `term`: see `Enrollment.in_term_q`."""
        return self.filter(Enrollment.in_term_q(term))

    def withdrawn(self, on=None):
        """Withdrawn on or before `on` (default today): the complement of current."""
        on = on or timezone.localdate()
        return self.filter(withdrawn_on__lte=on)


class Enrollment(models.Model):
    """A student in a classroom. Withdrawal sets a date; nothing is deleted."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("student"),
        limit_choices_to={"role": Role.STUDENT},
    )
    classroom = models.ForeignKey(
        Classroom,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("classroom"),
    )
    enrolled_on = models.DateField(_("enrolled on"), default=timezone.localdate)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    objects = EnrollmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["classroom__name", "student__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "classroom"],
                name="classrooms_enrollment_unique_pair",
                violation_error_message=_(
                    "This student is already enrolled in this classroom."
                ),
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True)
                | Q(withdrawn_on__gte=F("enrolled_on")),
                name="classrooms_enrollment_withdrawn_after_enrolled",
                violation_error_message=_(
                    "A withdrawal cannot come before the enrollment."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.student} · {self.classroom}"

    @staticmethod
    def current_q(on=None, prefix: str = "") -> Q:
        """Enrollments not withdrawn on `on` (default today): withdrawn later or
        never. A withdrawal takes effect on its date. An enrollment that starts
        after `on` counts (a roster set up ahead of the year shows).

        `prefix` reaches them from another model: `prefix="enrollments__"`.
        """
        on = on or timezone.localdate()
        return Q(**{f"{prefix}withdrawn_on__isnull": True}) | Q(
            **{f"{prefix}withdrawn_on__gt": on}
        )

    @staticmethod
    def in_term_q(term, prefix: str = "") -> Q:
        """Enrollments in the class on at least one day of `term`: begun by its
        end and not withdrawn by its start (one who left during the term or
        after it still counts for it)."""
        return Q(**{f"{prefix}enrolled_on__lte": term.ends_on}) & Enrollment.current_q(
            on=term.starts_on, prefix=prefix
        )

    def is_current(self, on=None) -> bool:
        """`current_q` for one enrollment already loaded."""
        on = on or timezone.localdate()
        return self.withdrawn_on is None or self.withdrawn_on > on

    @property
    def is_withdrawn(self):
        """Withdrawn today or before (not current today)."""
        return not self.is_current()

    def clean(self):
        super().clean()
        errors = {}
        if self.student_id:
            _check_role(
                self.student,
                Role.STUDENT,
                "student",
                _("Only a user with the student role can be enrolled."),
                errors,
            )
        if (
            self.withdrawn_on
            and self.enrolled_on
            and self.withdrawn_on < self.enrolled_on
        ):
            errors["withdrawn_on"] = _(
                "A withdrawal cannot come before the enrollment."
            )
        if errors:
            raise ValidationError(errors)


class ReportVersion(models.Model):
    """How often the grading data of a classroom subject changed.

    Part of the cache key of every report that reads the classroom subject
    (`grades.report_cache`); bumped in the same transaction as each change, so a
    committed change is never hidden by a cached report. It lives here, beside the
    classroom subject, so that the services of this app and of the gradebook can
    both bump it (`classrooms.report_versions`).
    """

    classroom_subject = models.OneToOneField(
        ClassroomSubject,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="report_version",
        verbose_name=_("classroom subject"),
    )
    version = models.PositiveBigIntegerField(_("version"), default=0)

    class Meta:
        db_table = "grades_reportversion"
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")

    def __str__(self):
        return f"{self.classroom_subject_id}: {self.version}"
