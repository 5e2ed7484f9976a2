from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from classrooms.models import ClassroomSubject, Term
from school.models import Channel

PERCENT_VALIDATORS = [
    MinValueValidator(Decimal("0")),
    MaxValueValidator(Decimal("100")),
]


class GradeBand(models.Model):
    """A letter of the grading scale: the letter applies from `min_percent` upwards."""

    letter = models.CharField(_("letter"), max_length=5, unique=True)
    min_percent = models.DecimalField(
        _("from percent"),
        max_digits=4,
        decimal_places=1,
        unique=True,
        validators=PERCENT_VALIDATORS,
    )

    class Meta:
        verbose_name = _("grade band")
        verbose_name_plural = _("grading scale")
        ordering = ["-min_percent"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_percent__gte=0) & Q(min_percent__lte=100),
                name="grades_gradeband_percent_range",
                violation_error_message=_("A band starts between 0 and 100 percent."),
            )
        ]

    def __str__(self):
        return f"{self.letter} ≥ {self.min_percent}%"


class Category(models.Model):
    """A weighted group of assessments (homework, quizzes...) in one grading unit."""

    classroom_subject = models.ForeignKey(
        ClassroomSubject,
        on_delete=models.PROTECT,
        related_name="categories",
        verbose_name=_("classroom subject"),
    )
    name = models.CharField(_("name"), max_length=100)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["classroom_subject", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom_subject", "name"],
                name="grades_category_unique_name",
                violation_error_message=_(
                    "This subject already has a category with this name."
                ),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="grades_category_weight_positive",
                violation_error_message=_(
                    "A category's weight must be more than zero."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight})"


class Assessment(models.Model):
    classroom_subject = models.ForeignKey(
        ClassroomSubject,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("classroom subject"),
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("term"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("category"),
    )
    title = models.CharField(_("title"), max_length=200)
    max_points = models.DecimalField(
        _("maximum points"), max_digits=6, decimal_places=2
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["term", "due_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_points__gt=0),
                name="grades_assessment_max_points_positive",
                violation_error_message=_("Maximum points must be more than zero."),
            )
        ]

    def __str__(self):
        return f"{self.title} · {self.classroom_subject}"

    def clean(self):
        super().clean()
        errors = {}
        if self.category_id and self.classroom_subject_id:
            if self.category.classroom_subject_id != self.classroom_subject_id:
                errors["category"] = _("Choose a category of this classroom subject.")
        if self.term_id and self.classroom_subject_id:
            if (
                self.term.school_year_id
                != self.classroom_subject.classroom.school_year_id
            ):
                errors["term"] = _("Choose a term of the classroom's school year.")
        if self.pk and self.max_points is not None:
            highest = self.scores.aggregate(models.Max("points"))["points__max"]
            if highest is not None and self.max_points < highest:
                errors["max_points"] = _(
                    "Maximum points cannot be below a stored score (%(highest)s)."
                ) % {"highest": highest.quantize(Decimal("0.01"))}
        if errors:
            raise ValidationError(errors)


class ScoreState(models.TextChoices):
    GRADED = "graded", _("Graded")
    EXCUSED = "excused", _("Excused")
    MISSING = "missing", _("Missing")
    BLANK = "blank", _("Not graded yet")


class Score(models.Model):
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.PROTECT,
        related_name="scores",
        verbose_name=_("assessment"),
    )
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="scores",
        verbose_name=_("student"),
        limit_choices_to={"role": Role.STUDENT},
    )
    points = models.DecimalField(
        _("points"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=10, choices=ScoreState.choices, default=ScoreState.BLANK
    )
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assessment", "student__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "student"],
                name="grades_score_unique_per_student",
                violation_error_message=_(
                    "This student already has a score for this assessment."
                ),
            ),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__gte=0),
                name="grades_score_points_not_negative",
                violation_error_message=_("Points cannot be negative."),
            ),
            models.CheckConstraint(
                condition=(
                    (Q(state=ScoreState.GRADED) & Q(points__isnull=False))
                    | (~Q(state=ScoreState.GRADED) & Q(points__isnull=True))
                ),
                name="grades_score_points_match_state",
                violation_error_message=_(
                    "A graded score needs points; "
                    "excused, missing and blank scores have none."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.student} · {self.assessment}"

    def clean(self):
        super().clean()
        if self.student_id and self.student.role != Role.STUDENT:
            raise ValidationError({"student": _("Only a student can have a score.")})
        if self.points is not None and self.assessment_id:
            if self.points > self.assessment.max_points:
                raise ValidationError(
                    {
                        "points": _("Points cannot be more than the maximum (%(max)s).")
                        % {"max": self.assessment.max_points}
                    }
                )


class TermGrade(models.Model):
    """A report-card line: one student's grade in one classroom subject for one term."""

    student = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="term_grades",
        verbose_name=_("student"),
        limit_choices_to={"role": Role.STUDENT},
    )
    classroom_subject = models.ForeignKey(
        ClassroomSubject,
        on_delete=models.PROTECT,
        related_name="term_grades",
        verbose_name=_("classroom subject"),
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="term_grades",
        verbose_name=_("term"),
    )
    computed = models.DecimalField(
        _("computed percent"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
    )
    override = models.DecimalField(
        _("override percent"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
    )
    override_reason = models.CharField(_("override reason"), max_length=500, blank=True)
    comment = models.TextField(_("teacher's comment"), blank=True)
    published_percent = models.DecimalField(
        _("published percent"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    published_letter = models.CharField(_("published letter"), max_length=5, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("term grade")
        verbose_name_plural = _("term grades")
        ordering = ["term", "classroom_subject", "student__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "classroom_subject", "term"],
                name="grades_termgrade_unique",
                violation_error_message=_(
                    "This student already has a term grade for this subject and term."
                ),
            ),
            models.CheckConstraint(
                condition=Q(override__isnull=True) | ~Q(override_reason=""),
                name="grades_termgrade_override_has_reason",
                violation_error_message=_("An override needs a reason."),
            ),
            models.CheckConstraint(
                condition=(
                    (
                        Q(computed__isnull=True)
                        | (Q(computed__gte=0) & Q(computed__lte=100))
                    )
                    & (
                        Q(override__isnull=True)
                        | (Q(override__gte=0) & Q(override__lte=100))
                    )
                ),
                name="grades_termgrade_percent_range",
                violation_error_message=_("Percentages lie between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.student} · {self.classroom_subject} · {self.term.name}"

    def clean(self):
        super().clean()
        if self.student_id and self.student.role != Role.STUDENT:
            raise ValidationError(
                {"student": _("Only a student can have a term grade.")}
            )
        self.override_reason = self.override_reason.strip()
        if self.override is not None and not self.override_reason:
            raise ValidationError({"override_reason": _("An override needs a reason.")})

    @property
    def effective_percent(self):
        return self.override if self.override is not None else self.computed


class GradeChange(models.Model):
    """Append-only audit row for every change of a score or a term grade."""

    score = models.ForeignKey(
        Score,
        on_delete=models.PROTECT,
        related_name="changes",
        null=True,
        blank=True,
        verbose_name=_("score"),
    )
    term_grade = models.ForeignKey(
        TermGrade,
        on_delete=models.PROTECT,
        related_name="changes",
        null=True,
        blank=True,
        verbose_name=_("term grade"),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("changed by"),
    )
    # A program acting on its own (an API client, a command); see school.audit.
    actor_program = models.CharField(_("by program"), max_length=100, blank=True)
    # Blank on rows written before the channel was recorded.
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, blank=True
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade changes")
        ordering = ["-changed_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(score__isnull=False) & Q(term_grade__isnull=True))
                    | (Q(score__isnull=True) & Q(term_grade__isnull=False))
                ),
                name="grades_gradechange_one_target",
                violation_error_message=_(
                    "A grade change records either a score or a term grade."
                ),
            ),
            models.CheckConstraint(
                condition=Q(changed_by__isnull=False) | ~Q(actor_program=""),
                name="grades_gradechange_has_actor",
                violation_error_message=_(
                    "A grade change names a person or a program."
                ),
            ),
        ]

    def __str__(self):
        return _("Change by %(who)s at %(when)s") % {
            "who": self.changed_by or self.actor_program,
            "when": self.changed_at,
        }


class ReportBatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportBatch(models.Model):
    """A PDF of many report cards (a classroom or a grade level), built by a task.

    The PDF is kept in the database rather than on a disk so that every app server
    and worker sees it; it is deleted with the batch.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_batches",
        verbose_name=_("requested by"),
    )
    term = models.ForeignKey(
        Term, on_delete=models.CASCADE, related_name="+", verbose_name=_("term")
    )
    classroom = models.ForeignKey(
        "classrooms.Classroom",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("classroom"),
    )
    grade_level = models.PositiveSmallIntegerField(
        _("grade level"), null=True, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReportBatchStatus.choices,
        default=ReportBatchStatus.QUEUED,
    )
    total = models.PositiveIntegerField(_("report cards"), default=0)
    done = models.PositiveIntegerField(_("report cards done"), default=0)
    pdf = models.BinaryField(_("PDF"), null=True, editable=False)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report card batch")
        verbose_name_plural = _("report card batches")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(classroom__isnull=False) & Q(grade_level__isnull=True))
                    | (Q(classroom__isnull=True) & Q(grade_level__isnull=False))
                ),
                name="grades_reportbatch_one_scope",
                violation_error_message=_(
                    "A batch covers either a classroom or a grade level."
                ),
            )
        ]

    def __str__(self):
        return _("Report cards of %(scope)s, %(term)s") % {
            "scope": self.scope_name,
            "term": self.term,
        }

    @property
    def scope_name(self) -> str:
        if self.classroom_id is not None:
            return str(self.classroom)
        return _("grade %(level)s") % {"level": self.grade_level}

    @property
    def percent_done(self) -> int:
        if not self.total:
            return 100 if self.status == ReportBatchStatus.DONE else 0
        return min(100, self.done * 100 // self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in (ReportBatchStatus.DONE, ReportBatchStatus.FAILED)
