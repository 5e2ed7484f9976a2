"""Import and export of a school year's classrooms, their subjects and enrollments.

Everything is named the way a secretary's spreadsheet names it: a classroom by
its school year and name ("2027-2028", "7A"), a person by email, a subject by
its code. The school year must exist already (its dates are set in the admin);
rows of a new year only ever create or change that year's classrooms and
enrollments, so last year's records stay as they are.

Each import reads what it needs in a handful of queries before the first row
(`prefetch`): the school years, teachers and subjects, the classrooms of the
years in the file and their existing rows, and the students the file names.
"""

import datetime

from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, widgets

from accounts.models import Role, User
from classrooms.models import (
    Classroom,
    ClassroomSubject,
    Enrollment,
    SchoolYear,
    Subject,
)
from classrooms.structure import rows_import
from school.admin_import import PrefetchedResource, TextWidget, normalize_email, text
from school.numbers import NotANumber, parse_whole_number

# The grade level's column (a PositiveSmallIntegerField) holds no more.
MAX_GRADE_LEVEL = 32767


class LookupWidget(widgets.Widget):
    """A cell that names an object; `resolve(value, row)` finds it or says why not."""

    def __init__(self, resolve=None, render=str, required=True):
        super().__init__()
        self.resolve = resolve
        self.render_value = render
        self.required = required

    def clean(self, value, row=None, **kwargs):
        if not text(value):
            if self.required:
                raise ValueError(gettext("This column is required."))
            return None
        return self.resolve(text(value), row)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else self.render_value(value)


class DateWidget(widgets.DateWidget):
    """ISO dates (2027-09-01), and the dates Excel stores as such."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date) or not text(value):
            return value or None
        try:
            return datetime.date.fromisoformat(text(value))
        except ValueError:
            raise ValueError(
                gettext('"%(value)s" is not a date: write it as 2027-09-01.')
                % {"value": text(value)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class WholeNumberWidget(widgets.Widget):
    """A whole number as `school.numbers` reads one: "٦" or "1_000" is refused."""

    def clean(self, value, row=None, **kwargs):
        if not text(value):
            return None
        try:
            return parse_whole_number(text(value))
        except NotANumber:
            raise ValueError(
                gettext('"%(value)s" is not a whole number.')
                % {"value": Truncator(text(value)).chars(20)}
            ) from None

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class SchoolResource(PrefetchedResource):
    """Lookups shared by the classroom resources."""

    class Meta(PrefetchedResource.Meta):
        abstract = True

    def prefetch(self, dataset):
        rows = dataset.dict
        self.years = {y.name: y for y in SchoolYear.objects.all()}
        self.teachers = {u.email: u for u in User.objects.filter(role=Role.TEACHER)}
        wanted_years = [
            self.years[text(r.get("school_year"))]
            for r in rows
            if text(r.get("school_year")) in self.years
        ]
        self.classrooms = {
            (c.school_year.name, c.name): c
            for c in Classroom.objects.filter(
                school_year__in={y.pk for y in wanted_years}
            ).select_related("school_year", "teacher")
        }

    def find_year(self, value, row):
        if value not in self.years:
            raise ValueError(
                gettext('No school year is named "%(value)s": add it first.')
                % {"value": value}
            )
        return self.years[value]

    def find_teacher(self, value, row):
        user = self.teachers.get(normalize_email(value))
        if user is None:
            raise ValueError(
                gettext('No teacher has the email "%(value)s".') % {"value": value}
            )
        return user

    def find_classroom(self, value, row):
        year = text(row.get("school_year"))
        classroom = self.classrooms.get((year, value))
        if classroom is None:
            raise ValueError(
                gettext('No classroom "%(name)s" in the school year "%(year)s".')
                % {"name": value, "year": year}
            )
        return classroom

    def write_rows(self, *, actor, new, changed):
        rows_import(actor=actor, model=self._meta.model, new=new, changed=changed)

    def check_unique_in_file(self, key, errors, field):
        seen = self.seen.setdefault(key, self.row_number)
        if seen != self.row_number:
            errors.setdefault(field, []).append(
                gettext("Row %(row)s of the file says the same.") % {"row": seen}
            )


class ClassroomResource(SchoolResource):
    school_year = fields.Field(
        attribute="school_year",
        column_name="school_year",
        widget=LookupWidget(render=lambda year: year.name),
    )
    name = fields.Field(attribute="name", column_name="name", widget=TextWidget())
    grade_level = fields.Field(
        attribute="grade_level",
        column_name="grade_level",
        widget=WholeNumberWidget(),
    )
    teacher = fields.Field(
        attribute="teacher",
        column_name="teacher",
        widget=LookupWidget(render=lambda user: user.email),
    )

    class Meta(SchoolResource.Meta):
        model = Classroom
        name = _("Classrooms")
        fields = ("school_year", "name", "grade_level", "teacher")
        import_id_fields = ("school_year", "name")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["school_year"].widget.resolve = self.find_year
        self.fields["teacher"].widget.resolve = self.find_teacher

    def get_queryset(self):
        return Classroom.objects.select_related("school_year", "teacher").order_by(
            "-school_year__starts_on", "grade_level", "name"
        )

    def prefetch(self, dataset):
        super().prefetch(dataset)
        self.seen = {}

    def existing_instance(self, row):
        return self.classrooms.get(
            (text(row.get("school_year")), text(row.get("name")))
        )

    def validate_row(self, instance, row, errors):
        if not instance.name and "name" not in errors:
            errors["name"] = [gettext("A classroom needs a name.")]
        if instance.grade_level is None and "grade_level" not in errors:
            errors["grade_level"] = [gettext("A classroom needs a grade level.")]
        elif instance.grade_level is not None and instance.grade_level < 0:
            errors["grade_level"] = [gettext("A grade level is not negative.")]
        elif (
            instance.grade_level is not None and instance.grade_level > MAX_GRADE_LEVEL
        ):
            errors["grade_level"] = [
                gettext("A grade level is at most %(max)d.") % {"max": MAX_GRADE_LEVEL}
            ]
        key = (text(row.get("school_year")), instance.name)
        self.check_unique_in_file(key, errors, "name")


class ClassroomSubjectResource(SchoolResource):
    school_year = fields.Field(column_name="school_year")
    classroom = fields.Field(
        attribute="classroom",
        column_name="classroom",
        widget=LookupWidget(render=lambda classroom: classroom.name),
    )
    subject = fields.Field(
        attribute="subject",
        column_name="subject",
        widget=LookupWidget(render=lambda subject: subject.code),
    )
    teacher = fields.Field(
        attribute="teacher",
        column_name="teacher",
        # Empty: the classroom's homeroom teacher.
        saves_null_values=False,
        widget=LookupWidget(render=lambda user: user.email, required=False),
    )

    class Meta(SchoolResource.Meta):
        model = ClassroomSubject
        name = _("Classroom subjects")
        fields = ("school_year", "classroom", "subject", "teacher")
        import_id_fields = ("classroom", "subject")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["classroom"].widget.resolve = self.find_classroom
        self.fields["subject"].widget.resolve = self.find_subject
        self.fields["teacher"].widget.resolve = self.find_teacher

    def dehydrate_school_year(self, obj):
        return obj.classroom.school_year.name

    def get_queryset(self):
        return ClassroomSubject.objects.select_related(
            "classroom__school_year", "subject", "teacher"
        ).order_by("-classroom__school_year__starts_on", "classroom__name", "subject")

    def prefetch(self, dataset):
        super().prefetch(dataset)
        self.subjects = {s.code.lower(): s for s in Subject.objects.all()}
        self.existing = {
            (cs.classroom_id, cs.subject_id): cs
            for cs in ClassroomSubject.objects.filter(
                classroom__in=[c.pk for c in self.classrooms.values()]
            )
        }
        self.seen = {}

    def find_subject(self, value, row):
        subject = self.subjects.get(value.lower())
        if subject is None:
            raise ValueError(
                gettext('No subject has the code "%(value)s".') % {"value": value}
            )
        return subject

    def existing_instance(self, row):
        try:
            classroom = self.find_classroom(text(row.get("classroom")), row)
            subject = self.find_subject(text(row.get("subject")), row)
        except ValueError:
            return None
        return self.existing.get((classroom.pk, subject.pk))

    def validate_row(self, instance, row, errors):
        if instance.classroom_id and instance.teacher_id is None:
            instance.teacher = instance.classroom.teacher
        if instance.classroom_id and instance.subject_id:
            key = (instance.classroom_id, instance.subject_id)
            self.check_unique_in_file(key, errors, "subject")


class EnrollmentResource(SchoolResource):
    student = fields.Field(
        attribute="student",
        column_name="student",
        widget=LookupWidget(render=lambda user: user.email),
    )
    school_year = fields.Field(column_name="school_year")
    classroom = fields.Field(
        attribute="classroom",
        column_name="classroom",
        widget=LookupWidget(render=lambda classroom: classroom.name),
    )
    enrolled_on = fields.Field(
        attribute="enrolled_on",
        column_name="enrolled_on",
        # Empty: today for a new enrollment, unchanged for an existing one.
        saves_null_values=False,
        widget=DateWidget(),
    )
    withdrawn_on = fields.Field(
        attribute="withdrawn_on", column_name="withdrawn_on", widget=DateWidget()
    )

    class Meta(SchoolResource.Meta):
        model = Enrollment
        name = _("Enrollments")
        fields = ("student", "school_year", "classroom", "enrolled_on", "withdrawn_on")
        import_id_fields = ("student", "classroom")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields["student"].widget.resolve = self.find_student
        self.fields["classroom"].widget.resolve = self.find_classroom

    def dehydrate_school_year(self, obj):
        return obj.classroom.school_year.name

    def get_queryset(self):
        return Enrollment.objects.select_related(
            "student", "classroom__school_year"
        ).order_by("-classroom__school_year__starts_on", "classroom__name", "student")

    def prefetch(self, dataset):
        super().prefetch(dataset)
        emails = {normalize_email(r.get("student")) for r in dataset.dict}
        self.students = {
            u.email: u
            for u in User.objects.filter(role=Role.STUDENT, email__in=emails - {""})
        }
        self.existing = {
            (e.student_id, e.classroom_id): e
            for e in Enrollment.objects.filter(
                classroom__in=[c.pk for c in self.classrooms.values()],
                student__in=[s.pk for s in self.students.values()],
            )
        }
        self.seen = {}

    def find_student(self, value, row):
        user = self.students.get(normalize_email(value))
        if user is None:
            raise ValueError(
                gettext('No student has the email "%(value)s".') % {"value": value}
            )
        return user

    def existing_instance(self, row):
        try:
            student = self.find_student(text(row.get("student")), row)
            classroom = self.find_classroom(text(row.get("classroom")), row)
        except ValueError:
            return None
        return self.existing.get((student.pk, classroom.pk))

    def validate_row(self, instance, row, errors):
        if instance.enrolled_on is None:
            instance.enrolled_on = timezone.localdate()
        if (
            instance.withdrawn_on
            and instance.enrolled_on
            and instance.withdrawn_on < instance.enrolled_on
        ):
            errors.setdefault("withdrawn_on", []).append(
                gettext("A withdrawal cannot come before the enrollment.")
            )
        if instance.student_id and instance.classroom_id:
            key = (instance.student_id, instance.classroom_id)
            self.check_unique_in_file(key, errors, "student")
