"""Pure grade math over plain values: no ORM, no queries, no floats.

The rules (DESIGN.md, "Grade math"):

- excused and blank scores do not count; a missing score counts as 0 against its
  maximum;
- a category's percent is its counted points over its counted maximum;
- the term percent is the weighted mean of the categories that have at least one
  counted score, the weights renormalised over those categories;
- rounding is half up to one decimal, only at the end; the letter comes from the
  rounded value.

The arithmetic is exact: sums and quotients are kept as fractions and turned into
a `Decimal` only for the result. Dividing in `Decimal` along the way rounds every
repeating quotient (5/6, 7/9...), and those small errors can push a value that is
exactly on a rounding boundary to the wrong side: 5/6 weighted 50 with 7/9
weighted 30 is exactly 81.25 (shown 81.3), but naive `Decimal` division gives
81.2499...9 (shown 81.2).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from fractions import Fraction

GRADED = "graded"
EXCUSED = "excused"
MISSING = "missing"
BLANK = "blank"
STATES = frozenset({GRADED, EXCUSED, MISSING, BLANK})

ONE_DECIMAL = Decimal("0.1")
_HUNDRED = Fraction(100)
# Digits of the unrounded results; enough for any percent, exact when it terminates.
_PRECISION = 28


@dataclass(frozen=True)
class CategoryInput:
    id: int
    name: str
    weight: Decimal


@dataclass(frozen=True)
class ScoreInput:
    category_id: int
    state: str  # GRADED, EXCUSED, MISSING or BLANK (grades.models.ScoreState values)
    points: Decimal | None
    max_points: Decimal


@dataclass(frozen=True)
class CategoryResult:
    category_id: int
    name: str
    weight: Decimal
    earned: Decimal  # counted points (missing counts 0)
    possible: Decimal  # counted max points
    percent: Decimal | None  # unrounded earned/possible*100, None when nothing counted
    counted: int
    excused: int
    missing: int
    blank: int


@dataclass(frozen=True)
class GradeBreakdown:
    categories: tuple[CategoryResult, ...]  # in the order given
    # Unrounded weighted mean over the categories with at least one counted score;
    # None when nothing counted.
    percent: Decimal | None
    rounded: Decimal | None  # round_percent(percent)


@dataclass(frozen=True)
class Stats:
    """Summary of a list of percents; every value rounded to one decimal."""

    mean: Decimal | None
    median: Decimal | None
    minimum: Decimal | None
    maximum: Decimal | None
    count: int


def round_percent(value: Decimal | None) -> Decimal | None:
    """Round half up to one decimal (89.95 -> 90.0); None stays None."""
    if value is None:
        return None
    with localcontext(Context(prec=_PRECISION)):
        return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def term_grade(
    categories: Sequence[CategoryInput], scores: Iterable[ScoreInput]
) -> GradeBreakdown:
    """The term percent of one student in one grading unit, and how it was made.

    A score whose category is not among `categories` is ignored. Raises ValueError
    for data the database would not hold: an unknown state, a graded score without
    points, a maximum or a weight that is not positive, a repeated category.
    """
    tallies: dict[int, _Tally] = {}
    for category in categories:
        if category.id in tallies:
            raise ValueError(f"Category {category.id} is given twice.")
        if category.weight <= 0:
            raise ValueError(f"Category {category.id} has a weight that is not > 0.")
        tallies[category.id] = _Tally()

    # Sums of the given Decimals are exact (they only add, and this precision
    # holds every digit); the one division per category is done on fractions.
    with localcontext(Context(prec=_PRECISION)):
        for score in scores:
            tally = tallies.get(score.category_id)
            if tally is not None:
                tally.add(score)

    results = []
    weighted_sum = Fraction(0)
    weight_sum = Fraction(0)
    for category in categories:
        tally = tallies[category.id]
        exact = tally.exact_percent()
        if exact is not None:
            weight = Fraction(category.weight)
            weighted_sum += weight * exact
            weight_sum += weight
        results.append(
            CategoryResult(
                category_id=category.id,
                name=category.name,
                weight=category.weight,
                earned=tally.earned,
                possible=tally.possible,
                percent=_to_decimal(exact),
                counted=tally.counted,
                excused=tally.excused,
                missing=tally.missing,
                blank=tally.blank,
            )
        )

    percent = _to_decimal(weighted_sum / weight_sum) if weight_sum else None
    return GradeBreakdown(
        categories=tuple(results), percent=percent, rounded=round_percent(percent)
    )


def letter_for(percent: Decimal | None, bands: Sequence[tuple[str, Decimal]]) -> str:
    """The letter of the highest band whose minimum is at most `percent`.

    `bands` are (letter, min_percent) pairs in any order. Pass the rounded value;
    the value is rounded here too, so the letter always matches the value shown
    (89.95 shows as 90.0 and is an A). "" for None or when no band matches.
    """
    rounded = round_percent(percent)
    if rounded is None:
        return ""
    reached = [(minimum, letter) for letter, minimum in bands if minimum <= rounded]
    if not reached:
        return ""
    return max(reached, key=lambda band: band[0])[1]


def effective_percent(
    computed: Decimal | None, override: Decimal | None
) -> Decimal | None:
    """The override when set (even 0), else the computed percent."""
    return override if override is not None else computed


def overall_average(percents: Iterable[Decimal | None]) -> Decimal | None:
    """Plain mean of the given percents (None skipped), rounded; None if none."""
    values = [Fraction(value) for value in percents if value is not None]
    if not values:
        return None
    return round_percent(_to_decimal(sum(values) / len(values)))


def assessment_average(
    scores: Iterable[tuple[str, Decimal | None]], max_points: Decimal
) -> Decimal | None:
    """Class average of one assessment, as a rounded percent of its maximum.

    `scores` are (state, points) pairs. Graded points count, missing counts as 0,
    excused and blank do not count. None when nothing counted.
    """
    if max_points <= 0:
        raise ValueError("The maximum points must be more than zero.")
    earned = Decimal(0)
    counted = 0
    with localcontext(Context(prec=_PRECISION)):
        for state, points in scores:
            value = _counted_points(state, points)
            if value is not None:
                earned += value
                counted += 1
    if not counted:
        return None
    exact = Fraction(earned) / (counted * Fraction(max_points)) * 100
    return round_percent(_to_decimal(exact))


def statistics(values: Iterable[Decimal | None]) -> Stats:
    """Mean, median, minimum and maximum (rounded to one decimal) and the count.

    None values (a student with nothing counted yet) are skipped. The median of an
    even count is the mean of the two middle values.
    """
    ordered = sorted(Fraction(value) for value in values if value is not None)
    count = len(ordered)
    if not count:
        return Stats(mean=None, median=None, minimum=None, maximum=None, count=0)
    middle = count // 2
    if count % 2:
        median = ordered[middle]
    else:
        median = (ordered[middle - 1] + ordered[middle]) / 2
    return Stats(
        mean=round_percent(_to_decimal(sum(ordered) / count)),
        median=round_percent(_to_decimal(median)),
        minimum=round_percent(_to_decimal(ordered[0])),
        maximum=round_percent(_to_decimal(ordered[-1])),
        count=count,
    )


class _Tally:
    """Counted points and state counts of one category."""

    def __init__(self):
        self.earned = Decimal(0)
        self.possible = Decimal(0)
        self.counted = self.excused = self.missing = self.blank = 0

    def add(self, score: ScoreInput) -> None:
        if score.max_points <= 0:
            raise ValueError("The maximum points must be more than zero.")
        points = _counted_points(score.state, score.points)
        if score.state == EXCUSED:
            self.excused += 1
        elif score.state == BLANK:
            self.blank += 1
        elif score.state == MISSING:
            self.missing += 1
        if points is None:
            return
        self.counted += 1
        # Exact: `term_grade` adds under a precision that holds every digit.
        self.earned += points
        self.possible += score.max_points

    def exact_percent(self) -> Fraction | None:
        if not self.counted:
            return None
        return Fraction(self.earned) / Fraction(self.possible) * _HUNDRED


def _counted_points(state: str, points: Decimal | None) -> Decimal | None:
    """The points a score counts for: None when it does not count."""
    if state == GRADED:
        if points is None:
            raise ValueError("A graded score needs points.")
        return points
    if state == MISSING:
        return Decimal(0)
    if state in (EXCUSED, BLANK):
        return None
    raise ValueError(f"Unknown score state: {state!r}.")


def _round_exact(value: Fraction) -> Decimal:
    """Half up (away from zero) to one decimal, on the exact value."""
    tenths = abs(value) * 10
    rounded = int(tenths + Fraction(1, 2))  # int() floors a non-negative value
    return Decimal(rounded if value >= 0 else -rounded).scaleb(-1)


def _to_decimal(value: Fraction | None) -> Decimal | None:
    """The exact value as a Decimal that rounds (round_percent) like the exact one.

    A terminating value comes out exact (81.25); a repeating one gets 28 digits,
    more only if those would round differently from the exact value.
    """
    if value is None:
        return None
    target = _round_exact(value)
    precision = _PRECISION
    while True:
        with localcontext(Context(prec=precision)):
            result = Decimal(value.numerator) / Decimal(value.denominator)
        if round_percent(result) == target:
            return result
        precision += _PRECISION
