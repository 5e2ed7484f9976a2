"""The gradebook as a CSV file, out and back in: pure functions over loaded data.

The export has one header row: "Student", "Email", one column per assessment headed
"<title> (/<max>) [#<id>]", "Term %" and "Letter"; then one row per enrolled student
(current first, then withdrawn), cells as the grid shows them (17.5, EX, M, empty).
The "[#<id>]" lets an import match columns even after a teacher renamed, reordered
or deleted some of them in a spreadsheet; columns without it are ignored.

Every cell that a spreadsheet would read as a formula (starting with =, +, -, @, a
tab or a carriage return) is prefixed with a single quote, as OWASP's CSV injection
guidance recommends; the import removes that quote again.

An import is read (`read_csv`), compared with the gradebook (`plan_import`) and
shown as a preview; the changes travel to the confirmation signed
(`sign_changes` / `unsign_changes`), so nothing the browser could alter is trusted.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from grades import calc
from grades.cells import CellError, format_cell, parse_cell, plain_number
from grades.services.scores import CellChange
from school.ids import parse_id

MAX_BYTES = 1024 * 1024
MAX_ROWS = 2000
BOM = "\ufeff"
# OWASP, "CSV Injection": cells a spreadsheet may run as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t")

# `\d` on purpose: "[#٦]" is caught as a column and refused (its id is read by
# school.ids), rather than skipped as if it named no assessment.
_ASSESSMENT_ID = re.compile(r"\[#(\d+)\]")
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')
_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9 ._()\-]+")

# Headings, translated when written; read back in any of the portal's languages.
STUDENT_HEADING = gettext_noop("Student")
EMAIL_HEADING = gettext_noop("Email")
TERM_PERCENT_HEADING = gettext_noop("Term %")
LETTER_HEADING = gettext_noop("Letter")

SIGNING_SALT = "grades.csv_import"
PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may wait for its confirmation


# --- export ------------------------------------------------------------------


def neutralise(text: str) -> str:
    """The cell as a spreadsheet will show it as text, never run as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unneutralise(text: str) -> str:
    """Undo `neutralise`: drop the quote it put before a formula character."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def assessment_heading(assessment) -> str:
    return (
        f"{assessment.title} (/{plain_number(assessment.max_points)}) "
        f"[#{assessment.pk}]"
    )


def export_rows(book) -> list[list[str]]:
    """The header and one row per student of a `selectors.Gradebook`."""
    header = [
        _(STUDENT_HEADING),
        _(EMAIL_HEADING),
        *(assessment_heading(a) for a in book.assessments),
        _(TERM_PERCENT_HEADING),
        _(LETTER_HEADING),
    ]
    rows = [header]
    for row in [*book.rows, *book.withdrawn_rows]:
        rounded = row.grade.rounded
        rows.append(
            [
                row.student.sorting_name,
                row.student.email,
                *(cell.text for cell in row.cells),
                "" if rounded is None else str(rounded),
                row.letter,
            ]
        )
    return rows


def write_csv(rows: Iterable[Sequence[str]]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads accents), every cell quoted."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(str(cell)) for cell in row])
    return buffer.getvalue().encode("utf-8")


def export_filename(*parts: str) -> str:
    """ "7A-History-Term 1.csv": the parts without characters a file system refuses."""
    cleaned = [" ".join(_UNSAFE_IN_FILENAME.sub(" ", part).split()) for part in parts]
    stem = "-".join(part for part in cleaned if part) or "gradebook"
    return f"{stem}.csv"


def content_disposition(filename: str) -> str:
    """An attachment header: an ASCII name, and RFC 5987's filename* for accents."""
    ascii_name = (
        unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    )
    ascii_name = _NOT_ASCII_SAFE.sub("_", ascii_name).strip() or "gradebook.csv"
    header = f'attachment; filename="{ascii_name}"'
    if ascii_name != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


# --- reading an import ---------------------------------------------------------


class CsvFileError(ValueError):
    """A file that cannot be read as a gradebook at all, with a code and a message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CsvTable:
    header: list[str]
    # (row number as a spreadsheet shows it, cells); blank rows are left out.
    rows: list[tuple[int, list[str]]]
    delimiter: str


def too_big(size: int) -> CsvFileError:
    return CsvFileError(
        "too_big",
        _("The file is %(size)s; the limit is %(max)s. Split it and try again.")
        % {"size": filesizeformat(size), "max": filesizeformat(MAX_BYTES)},
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" in Western Europe is Windows-1252. What an import
        # reads (emails, [#id]s, scores) is ASCII, so a wrong guess harms nothing.
        return data.decode("cp1252", errors="replace")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first row into the most fields (ties: comma)."""
    best, most = ",", 0
    for delimiter in DELIMITERS:
        try:
            first = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(first) > most:
            best, most = delimiter, len(first)
    return best


def read_csv(data: bytes) -> CsvTable:
    """The header and non-blank rows of an uploaded file; CsvFileError if unreadable.

    Accepts UTF-8 with or without a byte order mark, separated by commas,
    semicolons (Excel in Spanish) or tabs.
    """
    if len(data) > MAX_BYTES:
        raise too_big(len(data))
    if not data.strip():
        raise CsvFileError("empty", _("The file is empty."))
    if b"\x00" in data:
        raise CsvFileError(
            "not_csv",
            _(
                "This is not a CSV file. In your spreadsheet, use “Save as” and "
                "choose “CSV UTF-8”."
            ),
        )
    text = _decode(data)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) == MAX_ROWS:
                raise CsvFileError(
                    "too_many_rows",
                    _("The file has more than %(max)s rows; split it and try again.")
                    % {"max": number_format(MAX_ROWS, force_grouping=True)},
                )
            rows.append((number, cells))
    except csv.Error as error:
        raise CsvFileError(
            "unreadable",
            _("The file could not be read as CSV (row %(row)s).")
            % {"row": reader.line_num},
        ) from error
    if header is None:
        raise CsvFileError("empty", _("The file is empty."))
    return CsvTable(header=header, rows=rows, delimiter=delimiter)


# --- comparing an import with the gradebook -----------------------------------


def _labels(message: str) -> set[str]:
    """`message` in every language of the portal, lower case."""
    labels = {message.lower()}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            labels.add(_(message).lower())
    return labels


def _clean(text: str) -> str:
    return unneutralise(text.strip()).strip()


@dataclass(frozen=True)
class PlannedChange:
    assessment_title: str
    before: str  # cell syntax; "" is empty
    after: str


@dataclass(frozen=True)
class CellIssue:
    assessment_title: str  # "" for a problem of the whole row
    message: str


@dataclass(frozen=True)
class RowResult:
    number: int
    email: str
    name: str
    changes: list[PlannedChange] = field(default_factory=list)
    errors: list[CellIssue] = field(default_factory=list)

    @property
    def email_parts(self) -> tuple[str, str]:
        """The email split before its "@", so a narrow screen can wrap it there."""
        local, at, domain = self.email.partition("@")
        return local, at + domain

    @property
    def status(self) -> str:
        if self.errors:
            return "error"
        return "changed" if self.changes else "unchanged"


@dataclass(frozen=True)
class ImportPlan:
    rows: list[RowResult]
    # Problems of the file as a whole (unknown assessment columns...).
    file_errors: list[str]
    changes: list[CellChange]
    # Enrolled students the file does not mention: their scores stay as they are.
    absent: list[str]

    @property
    def error_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.errors]

    @property
    def changed_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == "changed"]

    @property
    def unchanged_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.status == "unchanged"]

    @property
    def has_errors(self) -> bool:
        return bool(self.file_errors or self.error_rows)


@dataclass(frozen=True)
class _Column:
    index: int
    assessment: object
    title: str


def _columns(header, assessments_by_id):
    """Email column index, assessment columns and problems of the header."""
    email_labels = _labels(EMAIL_HEADING) | {"e-mail"}
    cleaned = [_clean(cell) for cell in header]
    email_index = next(
        (i for i, cell in enumerate(cleaned) if cell.lower() in email_labels), None
    )
    columns, problems, seen = [], [], {}
    for index, heading in enumerate(cleaned):
        ids = _ASSESSMENT_ID.findall(heading)
        if not ids:
            continue
        assessment_id = parse_id(ids[-1])
        assessment = assessments_by_id.get(assessment_id)
        if assessment is None:
            problems.append(
                _(
                    "The column “%(heading)s” names an assessment that is not in "
                    "this gradebook (#%(id)s)."
                )
                % {"heading": heading, "id": Truncator(ids[-1]).chars(20)}
            )
            continue
        if assessment_id in seen:
            problems.append(
                _("The columns “%(first)s” and “%(second)s” are the same assessment.")
                % {"first": seen[assessment_id], "second": heading}
            )
            continue
        seen[assessment_id] = heading
        columns.append(_Column(index, assessment, assessment.title))
    return email_index, columns, problems


def plan_import(table: CsvTable, book) -> ImportPlan:
    """What importing `table` would change in `book` (a `selectors.Gradebook`).

    Rows are matched by email (case-insensitive) among the enrolled students,
    columns by the "[#id]" of their heading. A cell is a change only when its value
    differs from the stored one; a row shorter than the header leaves the missing
    cells as they are. Nothing here reads or writes the database.
    """
    assessments_by_id = {a.pk: a for a in book.assessments}
    email_index, columns, file_errors = _columns(table.header, assessments_by_id)
    if email_index is None:
        file_errors.insert(
            0,
            _(
                "The first row must hold the column headings of the exported file, "
                "with an “%(email)s” column."
            )
            % {"email": _(EMAIL_HEADING)},
        )
    elif not columns and not file_errors:
        file_errors.append(
            _(
                "No column names an assessment of this gradebook: export the "
                "gradebook and keep the “[#number]” at the end of each heading."
            )
        )
    name_labels = _labels(STUDENT_HEADING)
    name_index = next(
        (
            i
            for i, cell in enumerate(table.header)
            if _clean(cell).lower() in name_labels
        ),
        None,
    )
    grid_rows = {
        row.student.email.lower(): row for row in [*book.rows, *book.withdrawn_rows]
    }
    seen_rows: dict[int, int] = {}
    results, changes = [], []
    for number, cells in table.rows:

        def cell_at(index, cells=cells):
            return (
                _clean(cells[index]) if index is not None and index < len(cells) else ""
            )

        email = cell_at(email_index)
        grid_row = grid_rows.get(email.lower()) if email else None
        errors: list[CellIssue] = []
        if email_index is None:
            pass
        elif not email:
            errors.append(CellIssue("", _("No email: this row matches no student.")))
        elif grid_row is None:
            errors.append(
                CellIssue(
                    "",
                    _("No student of this class has this email."),
                )
            )
        elif grid_row.student.pk in seen_rows:
            errors.append(
                CellIssue(
                    "",
                    _("This student is already in row %(row)s.")
                    % {"row": seen_rows[grid_row.student.pk]},
                )
            )
        if grid_row is not None:
            seen_rows.setdefault(grid_row.student.pk, number)
        stored = (
            {cell.assessment.pk: cell for cell in grid_row.cells} if grid_row else {}
        )
        planned: list[PlannedChange] = []
        row_changes: list[CellChange] = []
        for column in columns:
            if column.index >= len(cells):
                continue
            text = _clean(cells[column.index]).lstrip("'")
            try:
                value = parse_cell(text, column.assessment.max_points)
            except CellError as error:
                errors.append(CellIssue(column.title, error.message))
                continue
            cell = stored.get(column.assessment.pk)
            if cell is None:
                continue
            state = cell.score.state if cell.score else calc.BLANK
            points = cell.score.points if cell.score else None
            if value.state == state and value.points == points:
                continue
            after = format_cell(value.state, value.points)
            planned.append(PlannedChange(column.title, cell.text, after))
            row_changes.append(
                CellChange(
                    student_id=grid_row.student.pk,
                    assessment_id=column.assessment.pk,
                    text=after,
                    version=cell.version,
                )
            )
        name = grid_row.student.full_name if grid_row else cell_at(name_index)
        results.append(
            RowResult(
                number=number,
                email=email,
                name=name,
                changes=[] if errors else planned,
                errors=errors,
            )
        )
        if not errors:
            changes.extend(row_changes)
    absent = [
        row.student.full_name for row in book.rows if row.student.pk not in seen_rows
    ]
    return ImportPlan(
        rows=results, file_errors=file_errors, changes=changes, absent=absent
    )


# --- the signed preview ----------------------------------------------------------


def sign_changes(
    changes: Sequence[CellChange],
    *,
    classroom_subject_id: int,
    term_id: int,
    user_id: int,
    filename: str,
) -> str:
    """The previewed changes, signed for the confirmation form (tamper-proof)."""
    return signing.dumps(
        {
            "cs": classroom_subject_id,
            "term": term_id,
            "user": user_id,
            "file": filename,
            "changes": [
                [c.student_id, c.assessment_id, c.text, c.version] for c in changes
            ],
        },
        salt=SIGNING_SALT,
        compress=True,
    )


def unsign_changes(
    token: str, *, classroom_subject_id: int, term_id: int, user_id: int
) -> tuple[list[CellChange], str]:
    """The changes and file name of a preview made by this user for this gradebook.

    Raises signing.SignatureExpired for an old preview and signing.BadSignature for
    anything altered or made for another user or gradebook.
    """
    payload = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    try:
        if (payload["cs"], payload["term"], payload["user"]) != (
            classroom_subject_id,
            term_id,
            user_id,
        ):
            raise signing.BadSignature("The preview belongs to another gradebook.")
        changes = [
            CellChange(
                student_id=int(student_id),
                assessment_id=int(assessment_id),
                text=str(text),
                version=None if version is None else int(version),
            )
            for student_id, assessment_id, text, version in payload["changes"]
        ]
        filename = str(payload["file"])
    except (KeyError, TypeError, ValueError) as error:
        raise signing.BadSignature("Malformed preview payload.") from error
    return changes, filename
