"""Reading and showing one gradebook cell (grades/cells.py)."""

from decimal import Decimal

import pytest
from django.utils import translation

from grades.cells import (
    EXCUSED,
    MISSING,
    CellError,
    CellValue,
    format_cell,
    parse_cell,
)
from grades.models import ScoreState

D = Decimal
MAX = D("20")
NOT_A_NUMBER = "“%s” is not a score: type a number, EX (excused) or M (missing)."


def error_of(text, max_points=MAX):
    with pytest.raises(CellError) as raised:
        parse_cell(text, max_points)
    return raised.value


# --- accepted forms ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "   ", "\t", "\u00a0"])
def test_an_empty_cell_is_blank(text):
    assert parse_cell(text, MAX) == CellValue(state="blank", points=None)


@pytest.mark.parametrize("text", ["EX", "ex", "Ex", "eX", " EX "])
def test_ex_in_any_case_is_excused(text):
    assert parse_cell(text, MAX) == CellValue(state="excused", points=None)


@pytest.mark.parametrize("text", ["M", "m", " m "])
def test_m_in_any_case_is_missing(text):
    assert parse_cell(text, MAX) == CellValue(state="missing", points=None)


@pytest.mark.parametrize(
    ("text", "points"),
    [
        ("18", "18"),
        (" 18 ", "18"),
        ("17.5", "17.5"),
        ("17,5", "17.5"),
        ("17.25", "17.25"),
        ("17,25", "17.25"),
        ("0", "0"),
        ("0.0", "0"),
        ("07", "7"),
        (".5", "0.5"),
        (",5", "0.5"),
        ("5.", "5"),
        ("17.50", "17.5"),
    ],
)
def test_a_number_is_graded_with_a_dot_or_a_comma(text, points):
    assert parse_cell(text, MAX) == CellValue(state="graded", points=D(points))


def test_points_come_back_with_two_decimals_as_the_database_stores_them():
    assert str(parse_cell("17,5", MAX).points) == "17.50"
    assert str(parse_cell("18", MAX).points) == "18.00"


def test_the_states_are_the_model_score_states():
    assert parse_cell("17", MAX).state == ScoreState.GRADED
    assert parse_cell("EX", MAX).state == ScoreState.EXCUSED
    assert parse_cell("M", MAX).state == ScoreState.MISSING
    assert parse_cell("", MAX).state == ScoreState.BLANK


def test_minus_zero_is_zero():
    value = parse_cell("-0", MAX)
    assert value == CellValue(state="graded", points=D("0"))
    assert not value.points.is_signed()


# --- boundaries -------------------------------------------------------------------


def test_zero_is_accepted():
    assert parse_cell("0", MAX).points == D("0")


def test_exactly_the_maximum_is_accepted():
    assert parse_cell("20", MAX).points == D("20")
    assert parse_cell("20,00", MAX).points == D("20")
    assert parse_cell("17.5", D("17.5")).points == D("17.5")


def test_one_hundredth_above_the_maximum_is_rejected():
    error = error_of("20.01")
    assert error.code == "above_max"
    assert error.message == "20.01 is more than the maximum of 20."


def test_one_hundredth_is_accepted():
    assert parse_cell("0,01", MAX).points == D("0.01")


# --- errors -----------------------------------------------------------------------


def test_it_rejects_scores_above_max():
    error = error_of("105", D("100"))
    assert error.code == "above_max"
    assert error.message == "105 is more than the maximum of 100."
    assert str(error) == error.message


def test_the_above_max_message_writes_numbers_without_trailing_zeros():
    error = error_of("17,5", D("15.50"))
    assert error.message == "17.5 is more than the maximum of 15.5."


def test_the_above_max_message_uses_the_decimal_mark_of_the_language():
    with translation.override("es"):
        error = error_of("17,5", D("15.50"))
    assert "17,5" in error.message
    assert "15,5" in error.message


@pytest.mark.parametrize("text", ["-1", "-0.5", "-,5", " -3 ", "-17,5"])
def test_it_rejects_negative_points(text):
    error = error_of(text)
    assert error.code == "negative"
    assert error.message == "Points cannot be negative."


@pytest.mark.parametrize("text", ["17.555", "17,555", "0.001", "1,000", "17.500"])
def test_it_rejects_more_than_two_decimals(text):
    error = error_of(text)
    assert error.code == "too_precise"
    assert error.message == "Use at most two decimals."


def test_a_thousand_separator_is_not_read_as_a_decimal_mark():
    # "1,000" could mean one thousand; it is rejected rather than read as 1.
    assert error_of("1,000", D("2000")).code == "too_precise"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "1e3",
        "1E3",
        "NaN",
        "nan",
        "Infinity",
        "inf",
        "-Infinity",
        "1,000.5",
        "1.000,5",
        "--5",
        "5 5",
        "+5",
        "5-",
        ".",
        ",",
        "-",
        "5..5",
        "17.5.",
        "0x10",
        "½",
        "\uff11\uff17",  # fullwidth digits 17
        "\u0661\u0667",  # Arabic-Indic digits 17
        "E",
        "EXC",
        "MM",
        "5%",
    ],
)
def test_it_rejects_what_is_not_a_number(text):
    error = error_of(text)
    assert error.code == "not_a_number"
    assert error.message == NOT_A_NUMBER % text.strip()


def test_the_not_a_number_message_quotes_the_text_without_its_spaces():
    assert error_of("  abc  ").message == NOT_A_NUMBER % "abc"


def test_the_not_a_number_message_shortens_a_long_paste():
    error = error_of("x" * 500)
    assert error.message == NOT_A_NUMBER % ("x" * 19 + "…")


def test_a_cell_error_is_a_value_error():
    assert issubclass(CellError, ValueError)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-17.555", "negative"),  # negative before too precise
        ("105.555", "too_precise"),  # too precise before above the maximum
    ],
)
def test_the_first_problem_is_reported(text, code):
    assert error_of(text, D("100")).code == code


# --- format_cell ------------------------------------------------------------------


def test_constants_are_what_teachers_type():
    assert (EXCUSED, MISSING) == ("EX", "M")


@pytest.mark.parametrize(
    ("state", "points", "text"),
    [
        ("excused", None, "EX"),
        ("missing", None, "M"),
        ("blank", None, ""),
        ("graded", D("17.50"), "17.5"),
        ("graded", D("20.00"), "20"),
        ("graded", D("20"), "20"),
        ("graded", D("100"), "100"),
        ("graded", D("0.00"), "0"),
        ("graded", D("0.05"), "0.05"),
        ("graded", D("1000.00"), "1000"),
    ],
)
def test_format_cell_shows_what_a_teacher_would_type(state, points, text):
    assert format_cell(state, points) == text


@pytest.mark.parametrize(
    "value",
    [
        CellValue("blank", None),
        CellValue("excused", None),
        CellValue("missing", None),
        CellValue("graded", D("0.00")),
        CellValue("graded", D("0.01")),
        CellValue("graded", D("17.50")),
        CellValue("graded", D("17.25")),
        CellValue("graded", D("20.00")),
    ],
    ids=str,
)
def test_format_cell_round_trips_through_parse_cell(value):
    text = format_cell(value.state, value.points)
    assert parse_cell(text, MAX) == value


@pytest.mark.parametrize("text", ["", "EX", "M", "0", "17.5", "17,5", "20", "0.01"])
def test_parse_cell_round_trips_through_format_cell(text):
    value = parse_cell(text, MAX)
    assert parse_cell(format_cell(value.state, value.points), MAX) == value


def test_format_cell_rejects_a_graded_score_without_points():
    with pytest.raises(ValueError, match="needs points"):
        format_cell("graded", None)


def test_format_cell_rejects_an_unknown_state():
    with pytest.raises(ValueError, match="Unknown score state"):
        format_cell("late", None)
