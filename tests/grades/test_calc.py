"""Golden cases for the grade math in grades/calc.py (DESIGN.md, "Grade math").

Every expected value is worked out by hand in a comment next to it.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest

from grades import calc
from grades.calc import (
    CategoryInput,
    CategoryResult,
    ScoreInput,
    Stats,
    assessment_average,
    effective_percent,
    letter_for,
    overall_average,
    round_percent,
    statistics,
    term_grade,
)
from grades.models import ScoreState

D = Decimal
HOMEWORK = CategoryInput(id=1, name="Homework", weight=D("20"))
QUIZZES = CategoryInput(id=2, name="Quizzes", weight=D("30"))
EXAMS = CategoryInput(id=3, name="Exams", weight=D("50"))
CATEGORIES = (HOMEWORK, QUIZZES, EXAMS)
BANDS = [("A", D("90")), ("B", D("80")), ("C", D("70")), ("D", D("60")), ("F", D("0"))]


def graded(category, points, max_points="10"):
    return ScoreInput(category.id, "graded", D(points), D(max_points))


def excused(category, max_points="10"):
    return ScoreInput(category.id, "excused", None, D(max_points))


def missing(category, max_points="10"):
    return ScoreInput(category.id, "missing", None, D(max_points))


def blank(category, max_points="10"):
    return ScoreInput(category.id, "blank", None, D(max_points))


def one_category(weight="100", category_id=1):
    return CategoryInput(id=category_id, name="All", weight=D(weight))


# --- the states match the model ---------------------------------------------------


def test_state_constants_are_the_model_score_states():
    assert calc.GRADED == ScoreState.GRADED
    assert calc.EXCUSED == ScoreState.EXCUSED
    assert calc.MISSING == ScoreState.MISSING
    assert calc.BLANK == ScoreState.BLANK
    assert set(ScoreState.values) == calc.STATES


def test_it_accepts_the_model_enum_members_as_states():
    category = one_category()
    scores = [
        ScoreInput(1, ScoreState.GRADED, D("8"), D("10")),
        ScoreInput(1, ScoreState.MISSING, None, D("10")),
        ScoreInput(1, ScoreState.EXCUSED, None, D("10")),
    ]
    # 8 / 20 = 40%
    assert term_grade([category], scores).percent == D("40")


# --- term_grade -------------------------------------------------------------------


def test_weighted_term_grade_golden_case():
    scores = [
        graded(HOMEWORK, "9"),
        graded(HOMEWORK, "7"),
        missing(HOMEWORK),
        excused(HOMEWORK),
        graded(QUIZZES, "18", "20"),
        graded(QUIZZES, "15", "20"),
        graded(EXAMS, "88", "100"),
    ]
    # Homework: (9 + 7 + 0) / (10 + 10 + 10) = 16/30 = 53.333...% (excused left out)
    # Quizzes:  (18 + 15) / 40 = 82.5%
    # Exams:    88 / 100 = 88%
    # Term:     (20 * 160/3 + 30 * 82.5 + 50 * 88) / 100
    #         = (1066.666... + 2475 + 4400) / 100 = 79.41666...% -> 79.4
    result = term_grade(CATEGORIES, scores)

    homework, quizzes, exams = result.categories
    assert homework == CategoryResult(
        category_id=1,
        name="Homework",
        weight=D("20"),
        earned=D("16"),
        possible=D("30"),
        percent=D("53.33333333333333333333333333"),
        counted=3,
        excused=1,
        missing=1,
        blank=0,
    )
    assert (quizzes.earned, quizzes.possible, quizzes.percent) == (
        D("33"),
        D("40"),
        D("82.5"),
    )
    assert (exams.earned, exams.possible, exams.percent) == (D("88"), D("100"), D("88"))
    assert result.percent == D("79.41666666666666666666666667")
    assert result.rounded == D("79.4")
    assert letter_for(result.rounded, BANDS) == "C"


def test_categories_come_back_in_the_order_given():
    order = (EXAMS, HOMEWORK, QUIZZES)
    result = term_grade(order, [graded(QUIZZES, "5")])
    assert [c.category_id for c in result.categories] == [3, 1, 2]


def test_missing_counts_as_zero_and_excused_does_not():
    scores = [
        graded(HOMEWORK, "10"),
        missing(HOMEWORK),
        excused(HOMEWORK),
        excused(HOMEWORK),
    ]
    # (10 + 0) / (10 + 10) = 50%; the two excused scores add nothing either way.
    result = term_grade([HOMEWORK], scores)
    assert result.percent == D("50")
    (homework,) = result.categories
    assert (homework.counted, homework.excused, homework.missing) == (2, 2, 1)
    assert (homework.earned, homework.possible) == (D("10"), D("20"))


def test_a_blank_score_is_ignored():
    with_blank = term_grade([HOMEWORK], [graded(HOMEWORK, "7"), blank(HOMEWORK)])
    without = term_grade([HOMEWORK], [graded(HOMEWORK, "7")])
    # 7 / 10 = 70% both ways.
    assert with_blank.percent == without.percent == D("70")
    assert with_blank.categories[0].blank == 1
    assert with_blank.categories[0].counted == 1


def test_all_excused_gives_no_grade():
    result = term_grade(CATEGORIES, [excused(HOMEWORK), excused(EXAMS)])
    assert result.percent is None
    assert result.rounded is None
    assert all(c.percent is None for c in result.categories)
    assert letter_for(result.rounded, BANDS) == ""


def test_no_scores_at_all_gives_no_grade():
    result = term_grade(CATEGORIES, [])
    assert (result.percent, result.rounded) == (None, None)
    assert [c.counted for c in result.categories] == [0, 0, 0]
    assert [c.earned for c in result.categories] == [D("0")] * 3


def test_only_blank_scores_give_no_grade():
    assert term_grade([HOMEWORK], [blank(HOMEWORK), blank(HOMEWORK)]).percent is None


def test_a_missing_score_alone_gives_zero_not_none():
    result = term_grade([HOMEWORK], [missing(HOMEWORK)])
    assert result.percent == D("0")
    assert result.rounded == D("0.0")


def test_an_empty_category_is_left_out_and_the_weights_renormalised():
    scores = [
        graded(HOMEWORK, "9"),
        graded(HOMEWORK, "7"),
        missing(HOMEWORK),
        graded(QUIZZES, "18", "20"),
        graded(QUIZZES, "15", "20"),
        excused(EXAMS, "100"),
        blank(EXAMS, "100"),
    ]
    # Exams have nothing counted, so only homework (20) and quizzes (30) weigh:
    # (20 * 160/3 + 30 * 82.5) / (20 + 30) = (1066.666... + 2475) / 50
    #   = 70.8333...% -> 70.8
    # (Weighting exams as 0% instead would give 35.4.)
    result = term_grade(CATEGORIES, scores)
    assert result.categories[2].percent is None
    assert result.percent == D("70.83333333333333333333333333")
    assert result.rounded == D("70.8")


def test_weights_need_not_add_up_to_a_hundred():
    a = CategoryInput(id=1, name="A", weight=D("1"))
    b = CategoryInput(id=2, name="B", weight=D("3"))
    # (1 * 100 + 3 * 50) / 4 = 62.5
    result = term_grade([a, b], [graded(a, "10"), graded(b, "5")])
    assert result.percent == D("62.5")


def test_a_category_percent_is_points_over_points_not_a_mean_of_percents():
    # 1/2 and 90/100: points over points = 91 / 102 = 89.2156...%,
    # a mean of percents would be (50 + 90) / 2 = 70%.
    category = one_category()
    scores = [graded(category, "1", "2"), graded(category, "90", "100")]
    result = term_grade([category], scores)
    assert result.rounded == D("89.2")


def test_a_score_of_an_unknown_category_is_ignored():
    stray = ScoreInput(
        category_id=99, state="graded", points=D("0"), max_points=D("10")
    )
    result = term_grade([HOMEWORK], [graded(HOMEWORK, "8"), stray])
    assert result.percent == D("80")
    assert len(result.categories) == 1


def test_rounding_happens_once_at_the_end():
    a = CategoryInput(id=1, name="A", weight=D("1"))
    b = CategoryInput(id=2, name="B", weight=D("1"))
    scores = [graded(a, "85.01", "100"), graded(b, "85.05", "100")]
    # At the end:        (85.01 + 85.05) / 2 = 85.03 -> 85.0
    # Per category first: 85.0 and 85.1 -> (85.0 + 85.1) / 2 = 85.05 -> 85.1 (wrong)
    result = term_grade([a, b], scores)
    assert result.percent == D("85.03")
    assert result.rounded == D("85.0")
    per_category = [round_percent(c.percent) for c in result.categories]
    assert round_percent(sum(per_category) / 2) == D("85.1")


def test_rounding_is_half_up_on_the_exact_value():
    a = CategoryInput(id=1, name="A", weight=D("50"))
    b = CategoryInput(id=2, name="B", weight=D("30"))
    scores = [graded(a, "5", "6"), graded(b, "7", "9")]
    # (50 * 500/6 + 30 * 700/9) / 80 = (12500/3 + 7000/3) / 80 = 6500 / 80 = 81.25
    # exactly -> 81.3. Dividing in 28-digit Decimals on the way gives 81.2499...9,
    # which would round to 81.2.
    result = term_grade([a, b], scores)
    assert result.percent == D("81.25")
    assert result.rounded == D("81.3")
    naive = (D("50") * (D("5") / D("6") * 100) + D("30") * (D("7") / D("9") * 100)) / D(
        "80"
    )
    assert naive.quantize(D("0.1"), rounding=ROUND_HALF_UP) == D("81.2")


def test_the_rounded_value_is_round_percent_of_the_unrounded_one():
    category = one_category()
    scores = [graded(category, "2", "3"), graded(category, "1", "7")]
    # 3 / 10 = 30%; and a repeating one: 2/3 alone = 66.666...% -> 66.7
    result = term_grade([category], scores)
    assert result.rounded == round_percent(result.percent) == D("30.0")
    repeating = term_grade([category], [graded(category, "2", "3")])
    assert repeating.rounded == round_percent(repeating.percent) == D("66.7")


def test_decimals_in_points_and_weights_stay_exact():
    a = CategoryInput(id=1, name="A", weight=D("33.33"))
    b = CategoryInput(id=2, name="B", weight=D("66.67"))
    scores = [graded(a, "17.5", "20"), graded(b, "9.25", "10")]
    # A: 87.5%, B: 92.5%
    # (33.33 * 87.5 + 66.67 * 92.5) / 100 = (2916.375 + 6166.975) / 100 = 90.8335
    result = term_grade([a, b], scores)
    assert result.percent == D("90.8335")
    assert result.rounded == D("90.8")
    assert result.categories[0].earned == D("17.5")


def test_results_are_decimals():
    result = term_grade([HOMEWORK], [graded(HOMEWORK, "7")])
    assert isinstance(result.percent, Decimal)
    assert isinstance(result.rounded, Decimal)
    assert isinstance(result.categories[0].percent, Decimal)


@pytest.mark.parametrize(
    ("categories", "scores", "message"),
    [
        pytest.param(
            [HOMEWORK],
            [ScoreInput(1, "late", D("1"), D("10"))],
            "Unknown score state",
            id="unknown-state",
        ),
        pytest.param(
            [HOMEWORK],
            [ScoreInput(1, "graded", None, D("10"))],
            "needs points",
            id="graded-no-points",
        ),
        pytest.param(
            [HOMEWORK],
            [ScoreInput(1, "graded", D("0"), D("0"))],
            "maximum points",
            id="max-zero",
        ),
        pytest.param([one_category(weight="0")], [], "weight", id="weight-zero"),
        pytest.param([HOMEWORK, HOMEWORK], [], "given twice", id="category-twice"),
    ],
)
def test_it_rejects_data_the_database_would_not_hold(categories, scores, message):
    with pytest.raises(ValueError, match=message):
        term_grade(categories, scores)


# --- round_percent ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("89.95", "90.0"),
        ("89.94", "89.9"),
        ("89.949999", "89.9"),
        ("0.05", "0.1"),
        ("0.04", "0.0"),
        ("100", "100.0"),
        ("0", "0.0"),
        ("72.25", "72.3"),  # half up, not half even (which gives 72.2)
        ("72.35", "72.4"),
    ],
)
def test_round_percent_rounds_half_up_to_one_decimal(value, expected):
    rounded = round_percent(D(value))
    assert rounded == D(expected)
    assert str(rounded) == expected


def test_round_percent_keeps_none():
    assert round_percent(None) is None


# --- letter_for -------------------------------------------------------------------


def test_89_95_rounds_to_90_and_is_an_a():
    rounded = round_percent(D("89.95"))
    assert rounded == D("90.0")
    assert letter_for(rounded, BANDS) == "A"


def test_89_94_rounds_to_89_9_and_is_a_b():
    rounded = round_percent(D("89.94"))
    assert rounded == D("89.9")
    assert letter_for(rounded, BANDS) == "B"


def test_letter_for_rounds_an_unrounded_value_like_the_one_shown():
    assert letter_for(D("89.95"), BANDS) == "A"
    assert letter_for(D("89.9499"), BANDS) == "B"


def test_letter_bands_can_come_in_any_order():
    shuffled = [BANDS[2], BANDS[4], BANDS[0], BANDS[3], BANDS[1]]
    assert letter_for(D("85.0"), shuffled) == "B"
    assert letter_for(D("90.0"), shuffled) == "A"
    assert letter_for(D("59.9"), shuffled) == "F"


@pytest.mark.parametrize(
    ("percent", "letter"),
    [
        ("100.0", "A"),
        ("90.0", "A"),
        ("89.9", "B"),
        ("80.0", "B"),
        ("70.0", "C"),
        ("69.9", "D"),
        ("0.0", "F"),
    ],
)
def test_a_band_starts_at_its_minimum(percent, letter):
    assert letter_for(D(percent), BANDS) == letter


def test_no_letter_below_the_lowest_band_or_without_bands():
    bands = [("A", D("90")), ("P", D("50"))]
    assert letter_for(D("49.9"), bands) == ""
    assert letter_for(D("50.0"), bands) == "P"
    assert letter_for(D("95.0"), []) == ""


def test_no_letter_for_no_percent():
    assert letter_for(None, BANDS) == ""


# --- effective_percent ------------------------------------------------------------


def test_an_override_of_zero_wins_over_the_computed_percent():
    assert effective_percent(D("87.5"), D("0")) == D("0")


def test_an_override_wins_over_the_computed_percent():
    assert effective_percent(D("87.5"), D("91.0")) == D("91.0")
    assert effective_percent(None, D("91.0")) == D("91.0")


def test_without_override_the_computed_percent_stands():
    assert effective_percent(D("87.5"), None) == D("87.5")
    assert effective_percent(None, None) is None


# --- overall_average --------------------------------------------------------------


def test_overall_average_is_the_plain_mean_of_the_percents():
    # (90.0 + 80.5 + 71.0) / 3 = 241.5 / 3 = 80.5 (no weights, no credits)
    assert overall_average([D("90.0"), D("80.5"), D("71.0")]) == D("80.5")


def test_overall_average_skips_subjects_without_a_percent():
    # (88.0 + 75.0) / 2 = 81.5; the None is not a zero
    assert overall_average([D("88.0"), None, D("75.0")]) == D("81.5")


def test_overall_average_is_rounded_half_up():
    # (80.0 + 80.1) / 2 = 80.05 -> 80.1;  (70.0 + 70.0 + 70.1) / 3 = 70.0333 -> 70.0
    assert overall_average([D("80.0"), D("80.1")]) == D("80.1")
    assert overall_average([D("70.0"), D("70.0"), D("70.1")]) == D("70.0")


def test_overall_average_of_nothing_is_none():
    assert overall_average([]) is None
    assert overall_average([None, None]) is None


def test_overall_average_accepts_a_generator():
    assert overall_average(p for p in [D("60.0"), D("70.0")]) == D("65.0")


# --- assessment_average -----------------------------------------------------------


def test_assessment_average_counts_graded_and_missing_but_not_excused_or_blank():
    scores = [
        ("graded", D("18")),
        ("graded", D("15.5")),
        ("missing", None),
        ("excused", None),
        ("blank", None),
    ]
    # (18 + 15.5 + 0) / (3 * 20) = 33.5 / 60 = 55.8333...% -> 55.8
    assert assessment_average(scores, D("20")) == D("55.8")


def test_assessment_average_rounds_half_up_at_the_end():
    # (17 + 18) / (2 * 40) = 35 / 80 = 43.75% -> 43.8
    assert assessment_average([("graded", D("17")), ("graded", D("18"))], D("40")) == (
        D("43.8")
    )


def test_assessment_average_is_none_when_nothing_counted():
    assert assessment_average([], D("20")) is None
    assert assessment_average([("excused", None), ("blank", None)], D("20")) is None


def test_assessment_average_of_missing_only_is_zero():
    assert assessment_average([("missing", None)], D("20")) == D("0.0")


# --- statistics -------------------------------------------------------------------


def test_statistics_of_an_odd_count_has_the_middle_value_as_median():
    values = [D("70.0"), D("95.5"), D("82.0"), D("61.0"), D("88.0")]
    # sorted: 61.0 70.0 82.0 88.0 95.5 -> median 82.0
    # mean: 396.5 / 5 = 79.3
    assert statistics(values) == Stats(
        mean=D("79.3"),
        median=D("82.0"),
        minimum=D("61.0"),
        maximum=D("95.5"),
        count=5,
    )


def test_statistics_of_an_even_count_has_the_mean_of_the_middle_two_as_median():
    values = [D("90.0"), D("60.0"), D("75.0"), D("80.1")]
    # sorted: 60.0 75.0 80.1 90.0 -> median (75.0 + 80.1) / 2 = 77.55 -> 77.6
    # mean: 305.1 / 4 = 76.275 -> 76.3
    assert statistics(values) == Stats(
        mean=D("76.3"),
        median=D("77.6"),
        minimum=D("60.0"),
        maximum=D("90.0"),
        count=4,
    )


def test_statistics_of_one_value():
    assert statistics([D("72.25")]) == Stats(
        mean=D("72.3"), median=D("72.3"), minimum=D("72.3"), maximum=D("72.3"), count=1
    )


def test_statistics_of_nothing_has_none_fields_and_count_zero():
    assert statistics([]) == Stats(
        mean=None, median=None, minimum=None, maximum=None, count=0
    )


def test_statistics_skip_students_without_a_percent():
    # only 50.0 and 100.0 count: mean 75.0, median 75.0
    stats = statistics([D("50.0"), None, D("100.0")])
    assert (stats.count, stats.mean, stats.median) == (2, D("75.0"), D("75.0"))
