"""The one reader of numbers people type (school.numbers)."""

from decimal import Decimal

import pytest

from grades.assessment_forms import CategoryForm
from school.numbers import (
    DecimalInputField,
    NotANumber,
    WholeNumberInputField,
    decimals_typed,
    parse_decimal,
    parse_whole_number,
)

FULL_WIDTH_FIVE = chr(0xFF15)
ARABIC_INDIC_THREE_POINT_FIVE = "\u0663.\u0665"
EXTENDED_ARABIC_INDIC_FIVE = "\u06f5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", "12"),
        ("12.5", "12.5"),
        ("12,5", "12.5"),
        ("17,50", "17.50"),
        (" 8,5 ", "8.5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("-3", "-3"),
        ("0", "0"),
    ],
)
def test_it_reads_ascii_digits_with_a_dot_or_a_comma(text, expected):
    assert str(parse_decimal(text)) == expected


def test_it_keeps_the_decimals_typed():
    assert decimals_typed(parse_decimal("17,50")) == 2
    assert decimals_typed(parse_decimal("1,000")) == 3
    assert decimals_typed(parse_decimal("20")) == 0


@pytest.mark.parametrize(
    "text",
    [
        "٩",
        ARABIC_INDIC_THREE_POINT_FIVE,
        FULL_WIDTH_FIVE,
        EXTENDED_ARABIC_INDIC_FIVE,
    ],
)
def test_it_refuses_arabic_indic_and_full_width_digits(text):
    assert Decimal(text) >= 0  # what Decimal() alone would accept
    with pytest.raises(NotANumber):
        parse_decimal(text)


@pytest.mark.parametrize(
    "text",
    ["1_000", "+5", "1e3", "1E3", "NaN", "inf", "-inf", "1.000,5", "1,000.5", "1 000"],
)
def test_it_refuses_underscores_signs_exponents_and_separators(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


@pytest.mark.parametrize("text", ["", " ", "-", ",", ".", "--1", "1,,5", "abc"])
def test_it_refuses_what_has_no_digits_or_two_marks(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "expected"), [("7", 7), (" 12 ", 12), ("-1", -1), ("007", 7)]
)
def test_it_reads_whole_numbers(text, expected):
    assert parse_whole_number(text) == expected


@pytest.mark.parametrize(
    "text", ["٦", "1_000", "+1", "1.0", "1e3", "9" * 19, "²", "", "0x1"]
)
def test_it_refuses_whole_numbers_in_other_notations(text):
    with pytest.raises(NotANumber):
        parse_whole_number(text)


@pytest.mark.parametrize("text", ["٩", FULL_WIDTH_FIVE, "1_000", "+5", "1e3"])
def test_the_form_fields_refuse_what_decimal_would_take(text):
    field = DecimalInputField(max_digits=6, decimal_places=2)
    with pytest.raises(Exception) as raised:
        field.clean(text)
    assert raised.value.messages == ["Enter a number."]


def test_the_form_fields_refuse_whole_numbers_in_other_scripts():
    with pytest.raises(Exception) as raised:
        WholeNumberInputField().clean("٦")
    assert raised.value.messages == ["Enter a whole number."]
    assert WholeNumberInputField().clean("6") == 6


def test_a_comma_and_three_digits_is_refused_where_two_decimals_are_the_most():
    form = CategoryForm({"name": "Homework", "weight": "1,000"})
    assert not form.is_valid()
    assert form.errors["weight"] == [
        "Ensure that there are no more than 2 decimal places."
    ]


@pytest.mark.parametrize(("text", "stored"), [("8,5", "8.5"), ("40", "40")])
def test_the_gradebook_forms_keep_reading_a_comma_as_the_decimal_mark(text, stored):
    form = CategoryForm({"name": "Homework", "weight": text})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["weight"] == Decimal(stored)


@pytest.mark.parametrize("text", ["٩", "1_000", "+5", "1e3"])
def test_the_gradebook_forms_refuse_other_notations(text):
    form = CategoryForm({"name": "Homework", "weight": text})
    assert not form.is_valid()
    assert form.errors["weight"] == ["Enter a number."]
