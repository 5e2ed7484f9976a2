"""What a teacher types in one gradebook cell, and back.

Accepted: nothing (blank, not graded yet), EX (excused), M (missing), or a number
of points from 0 to the assessment's maximum with at most two decimals, read by
`school.numbers.parse_decimal` like every number people type in the portal: ASCII
digits, the decimal mark a dot or a comma ("17.5", "17,5"). No thousand separators,
exponents, signs other than a leading minus (reported as negative), NaN or infinity.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from grades import calc
from school.numbers import NotANumber, decimals_typed, parse_decimal

MISSING = "M"
EXCUSED = "EX"

_CENT = Decimal("0.01")
_SHOWN_TEXT_CHARS = 20


@dataclass(frozen=True)
class CellValue:
    state: str  # "graded" | "excused" | "missing" | "blank"
    points: Decimal | None


class CellError(ValueError):
    """A cell that cannot be read, with a code for forms and a message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def parse_cell(text: str, max_points: Decimal) -> CellValue:
    """Read one typed cell; raises CellError with the first problem found.

    Checks in order: not a number, negative, more than two decimals, above the
    maximum. Points come back with two decimal places, as the database stores them.
    """
    stripped = text.strip()
    if not stripped:
        return CellValue(state=calc.BLANK, points=None)
    if stripped.upper() == EXCUSED:
        return CellValue(state=calc.EXCUSED, points=None)
    if stripped.upper() == MISSING:
        return CellValue(state=calc.MISSING, points=None)

    try:
        typed = parse_decimal(stripped)
    except NotANumber:
        raise CellError(
            "not_a_number",
            _("“%(text)s” is not a score: type a number, EX (excused) or M (missing).")
            % {"text": Truncator(stripped).chars(_SHOWN_TEXT_CHARS)},
        ) from None
    if typed < 0:
        raise CellError("negative", _("Points cannot be negative."))
    points = abs(typed)  # "-0" is 0
    # Typed digits count, trailing zeros too: "1,000" is not read as 1.
    if decimals_typed(points) > 2:
        raise CellError("too_precise", _("Use at most two decimals."))
    if points > max_points:
        raise CellError(
            "above_max",
            _("%(points)s is more than the maximum of %(max)s.")
            % {
                "points": local_number(points),
                "max": local_number(max_points),
            },
        )
    return CellValue(state=calc.GRADED, points=points.quantize(_CENT))


def format_cell(state: str, points: Decimal | None) -> str:
    """What a cell shows: "EX", "M", "" or the points without trailing zeros."""
    if state == calc.GRADED:
        if points is None:
            raise ValueError("A graded score needs points.")
        return plain_number(points)
    if state == calc.EXCUSED:
        return EXCUSED
    if state == calc.MISSING:
        return MISSING
    if state == calc.BLANK:
        return ""
    raise ValueError(f"Unknown score state: {state!r}.")


def plain_number(value: Decimal) -> str:
    """The number with a dot and no trailing zeros or exponent: "17.5", "20", "0",
    whatever the language (cells, CSV headings)."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def local_number(value: Decimal) -> str:
    """`plain_number` in the reader's number format: "17,5" in Spanish."""
    return number_format(Decimal(plain_number(value)))
