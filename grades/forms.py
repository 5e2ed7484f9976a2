"""Reading a posted gradebook grid into cell changes.

Each cell posts three fields: `c-<student>-<assessment>` (what is typed now),
`o-<student>-<assessment>` (what the page showed when it was loaded) and
`v-<student>-<assessment>` (the version of that score, empty when there was none).
A cell whose typed text equals its original is not a change. With JavaScript the
page disables unchanged cells before posting, so only changes travel.

`ImportForm` is the gradebook's CSV upload: it reads the file into `table`.
"""

import re

from django import forms
from django.utils.translation import gettext_lazy

from grades import csv_io
from grades.services.scores import CellChange

CELL_FIELD = re.compile(r"^c-(\d+)-(\d+)$")


def cell_key(student_id: int, assessment_id: int) -> str:
    return f"{student_id}-{assessment_id}"


def _version(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() else None


def grid_changes(post) -> list[CellChange]:
    changes = []
    for name, text in post.items():
        match = CELL_FIELD.match(name)
        if not match:
            continue
        key = f"{match[1]}-{match[2]}"
        if text.strip() == post.get(f"o-{key}", "").strip():
            continue
        changes.append(
            CellChange(
                student_id=int(match[1]),
                assessment_id=int(match[2]),
                text=text,
                version=_version(post.get(f"v-{key}", "")),
            )
        )
    return changes


def typed_values(post) -> dict[str, dict[str, str]]:
    """What the teacher typed, original and version per cell key, to re-show a grid."""
    typed = {}
    for name, text in post.items():
        match = CELL_FIELD.match(name)
        if match:
            key = f"{match[1]}-{match[2]}"
            typed[key] = {
                "text": text,
                "original": post.get(f"o-{key}", ""),
                "version": post.get(f"v-{key}", ""),
            }
    return typed


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
