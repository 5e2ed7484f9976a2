"""Reading a posted gradebook grid into cell changes.

Each cell posts three fields: `c-<student>-<assessment>` (what is typed now),
`o-<student>-<assessment>` (what the page showed when it was loaded) and
`v-<student>-<assessment>` (the version of that score, empty when there was none).
A cell whose typed text equals its original is not a change. With JavaScript the
page disables unchanged cells before posting, so only changes travel.

Student and assessment ids in a key, and versions, are read by `school.ids`: a
field named like a cell whose key is not two ids, or a version that is not an id,
makes the whole post a bad request (MalformedId, 400) and nothing is saved. A
version is never read as "no version" or as another number: that could let a
save pass the check that protects someone else's newer score.

`ImportForm` is the gradebook's CSV upload: it reads the file into `table`.
"""

from django import forms
from django.utils.translation import gettext_lazy

from grades import csv_io
from grades.services.scores import CellChange
from school.ids import MalformedId, id_or_400, parse_id

CELL_PREFIXES = ("c-", "o-", "v-")
MALFORMED_CELL = gettext_lazy(
    "The page sent a score cell it does not have. Reload the page and try again."
)
MALFORMED_VERSION = gettext_lazy(
    "The page sent a score version that is not valid. Reload the page and try "
    "again: nothing was saved."
)


def cell_key(student_id: int, assessment_id: int) -> str:
    return f"{student_id}-{assessment_id}"


def parse_cell_key(key: str) -> tuple[int, int]:
    """(student id, assessment id) of a cell key "<student>-<assessment>"."""
    student, separator, assessment = key.partition("-")
    ids = parse_id(student), parse_id(assessment)
    if not separator or None in ids:
        raise MalformedId(MALFORMED_CELL)
    return ids


def parse_version(raw: str) -> int | None:
    """A posted version: empty means the cell had no score when it was loaded."""
    if raw == "":
        return None
    return id_or_400(raw, MALFORMED_VERSION)


def posted_cell(post, key: str) -> CellChange:
    """The change of one cell, by its posted key (the autosave's `cell` values)."""
    student_id, assessment_id = parse_cell_key(key)
    return CellChange(
        student_id=student_id,
        assessment_id=assessment_id,
        text=post.get(f"c-{key}", ""),
        version=parse_version(post.get(f"v-{key}", "")),
    )


def _cells(post):
    """(key as posted, student id, assessment id) of every `c-` field; any cell
    field with a malformed key is a bad request, whichever of the three it is."""
    cells = []
    for name in post:
        if name.startswith(CELL_PREFIXES):
            ids = parse_cell_key(name[2:])
            if name.startswith("c-"):
                cells.append((name[2:], *ids))
    return cells


def grid_changes(post) -> list[CellChange]:
    changes = []
    for key, student_id, assessment_id in _cells(post):
        text = post.get(f"c-{key}", "")
        if text.strip() == post.get(f"o-{key}", "").strip():
            continue
        changes.append(
            CellChange(
                student_id=student_id,
                assessment_id=assessment_id,
                text=text,
                version=parse_version(post.get(f"v-{key}", "")),
            )
        )
    return changes


def typed_values(post) -> dict[str, dict[str, str]]:
    """What the teacher typed, original and version per cell key, to re-show a grid."""
    return {
        cell_key(student_id, assessment_id): {
            "text": post.get(f"c-{key}", ""),
            "original": post.get(f"o-{key}", ""),
            "version": post.get(f"v-{key}", ""),
        }
        for key, student_id, assessment_id in _cells(post)
    }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file"),
        help_text=gettext_lazy(
            "The gradebook exported as CSV, edited in a spreadsheet and saved as "
            "CSV (UTF-8; commas or semicolons). At most 1 MB and 2,000 rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > csv_io.MAX_BYTES:
            # Refused before reading it into memory.
            error = csv_io.too_big(upload.size)
            raise forms.ValidationError(error.message, code=error.code)
        try:
            self.table = csv_io.read_csv(upload.read())
        except csv_io.CsvFileError as error:
            raise forms.ValidationError(error.message, code=error.code) from None
        return upload
