"""Forms of the gradebook's structure: categories, assessments, per-assessment scores.

The forms only read what was typed; the services in grades.services.assessments
decide and report problems keyed by these same field names, which the views put
back on the form (`form.add_error(None, error)`).

Decimal fields take a dot or a comma as the decimal mark ("12.5", "12,5") whatever
the page's language: teachers type both, and neither is a thousands separator here
(`school.numbers` has the rule). Objects chosen by id (term, category) and the
students' keys of the score page are ids by `school.ids`.
"""

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from classrooms.models import ClassroomSubject, Term
from grades.forms import parse_version
from grades.models import Category
from grades.services.scores import CellChange
from school.ids import IdChoiceField, MalformedId, parse_id
from school.numbers import DecimalInputField

MALFORMED_STUDENT = _(
    "The page sent a score for a student it does not list. Reload the page and "
    "try again."
)


class DecimalMarkField(DecimalInputField):
    """A number typed in a text box: "12,5" is 12.5, and 20.00 shows as "20"."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # A text box (a number box refuses a comma in some browsers), with the
        # numeric keyboard on phones.
        attrs.pop("step", None)
        attrs.update(inputmode="decimal", autocomplete="off", spellcheck="false")
        return attrs

    def prepare_value(self, value):
        if isinstance(value, Decimal) and value.is_finite():
            text = format(value.normalize(), "f")
            return text
        return value


class CategoryForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("For example: Homework, Quizzes, Exams."),
    )
    weight = DecimalMarkField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        help_text=_(
            "A number above zero. Weights are relative: 2 and 1 count the same "
            "as 60 and 30."
        ),
    )


class TermChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        if obj.locked:
            return _("%(term)s (locked)") % {"term": obj.name}
        return obj.name


class CategoryChoiceField(IdChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = CategoryChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        empty_label=None,
    )
    term = TermChoiceField(
        label=_("Term"), queryset=Term.objects.none(), empty_label=None
    )
    max_points = DecimalMarkField(
        label=_("Maximum points"),
        max_digits=6,
        decimal_places=2,
        help_text=_("The points a perfect answer earns, for example 20 or 12,5."),
    )
    due_on = forms.DateField(
        label=_("Due on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional. A student who joins later is not missing this work."),
    )

    def __init__(self, *args, classroom_subject: ClassroomSubject, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = classroom_subject.categories.order_by("name")
        self.fields["term"].queryset = Term.objects.filter(
            school_year_id=classroom_subject.classroom.school_year_id
        ).order_by("starts_on")


class PublishForm(forms.Form):
    publish = forms.TypedChoiceField(
        choices=[("1", _("Publish")), ("0", _("Unpublish"))],
        coerce=lambda value: value == "1",
    )


# ---------------------------------------------------------------------------
# The per-assessment score page
#
# Each student posts five fields: `c-<student>` (points typed now), `o-<student>`
# (points as loaded), `v-<student>` (the score's version, empty when there was
# none), `m-<student>` (comment typed now) and `mo-<student>` (comment as loaded).
# A student whose points and comment both equal what was loaded is not a change;
# an unchanged comment travels as None so that it is left alone. A field with one
# of these prefixes whose key is not an id makes the post a bad request (400).

STUDENT_PREFIXES = ("mo-", "c-", "o-", "v-", "m-")


def clean_comment(text: str) -> str:
    """Line ends as the database keeps them, no surrounding blank space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


@dataclass(frozen=True)
class TypedScore:
    text: str
    original: str
    version: str
    comment: str
    comment_original: str


def _student_keys(post) -> list[tuple[str, int]]:
    """(key as posted, student id) of every `c-` field, every key checked."""
    keys = []
    for name in post:
        prefix = next((p for p in STUDENT_PREFIXES if name.startswith(p)), None)
        if prefix is None:
            continue
        student_id = parse_id(name.removeprefix(prefix))
        if student_id is None:
            raise MalformedId(MALFORMED_STUDENT)
        if prefix == "c-":
            keys.append((name.removeprefix(prefix), student_id))
    return keys


def typed_scores(post) -> dict[int, TypedScore]:
    """Every student's posted fields, to show them again exactly as typed."""
    typed = {}
    for key, student_id in _student_keys(post):
        typed[student_id] = TypedScore(
            text=post.get(f"c-{key}", ""),
            original=post.get(f"o-{key}", ""),
            version=post.get(f"v-{key}", ""),
            comment=post.get(f"m-{key}", ""),
            comment_original=post.get(f"mo-{key}", ""),
        )
    return typed


def score_changes(post, assessment_id: int) -> list[CellChange]:
    changes = []
    for student_id, typed in typed_scores(post).items():
        points_changed = typed.text.strip() != typed.original.strip()
        comment = clean_comment(typed.comment)
        comment_changed = comment != clean_comment(typed.comment_original)
        if not (points_changed or comment_changed):
            continue
        changes.append(
            CellChange(
                student_id=student_id,
                assessment_id=assessment_id,
                text=typed.text,
                version=parse_version(typed.version),
                comment=comment if comment_changed else None,
            )
        )
    return changes
