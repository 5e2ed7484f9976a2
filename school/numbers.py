"""Numbers typed by people: points, maximum points, weights, percentages.

One rule for every such input (the gradebook's cells, the forms of categories,
assessments and term grades, and the admin's decimal fields):

- ASCII digits only (Arabic-Indic "٩" and full-width U+FF15 are refused, not
  read as 9 and 5);
- at most one decimal mark, a dot or a comma, whatever the page's language
  ("12.5" and "12,5" are the same number); no thousand separators, so "1,000"
  has three decimals and is refused wherever two are the most (it could mean one
  thousand or one, and neither guess is safe);
- an optional leading minus, so that a form can say "cannot be negative" rather
  than "not a number"; no "+", no "_", no exponent ("1e3"), no NaN or infinity;
- blank space around the number is ignored (people paste it).

The decimals typed are kept ("17,50" is Decimal("17.50")): the caller refuses
more decimals than it stores, counting what was typed, trailing zeros too.
"""

import re
from decimal import Decimal

from django import forms

_NUMBER = re.compile(r"(-?)([0-9]*)(?:[.,]([0-9]*))?", re.ASCII)


class NotANumber(ValueError):
    """The text is not a number by the rule above."""


def parse_decimal(text: str) -> Decimal:
    """The number typed in `text`, with its typed decimals; raises NotANumber."""
    stripped = str(text).strip()
    match = _NUMBER.fullmatch(stripped)
    if match is None or not (match[2] or match[3]):
        raise NotANumber(stripped)
    sign, whole, fraction = match[1], match[2] or "0", match[3] or ""
    return Decimal(f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}")


def decimals_typed(value: Decimal) -> int:
    """How many decimals a parsed number was typed with ("17,50" has two)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


class DecimalInputField(forms.DecimalField):
    """Django's DecimalField reading its input by `parse_decimal`.

    Django's own reads through `Decimal()`, which takes "٩", full-width digits,
    "1_000", "+5" and "1e3". Its validators stay: maximum digits and decimal
    places (counted as typed), minimum and maximum values. The widget is Django's.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return parse_decimal(str(value))
        except NotANumber:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None


_WHOLE = re.compile(r"-?[0-9]{1,18}", re.ASCII)


def parse_whole_number(text: str) -> int:
    """A whole number typed by a person (a grade level): ASCII digits, an optional
    leading minus, at most 18 digits; blank space around it is ignored."""
    stripped = str(text).strip()
    if not _WHOLE.fullmatch(stripped):
        raise NotANumber(stripped)
    return int(stripped)


class WholeNumberInputField(forms.IntegerField):
    """Django's IntegerField reading its input by `parse_whole_number`.

    Django's own reads through `int()`, which takes "٦", full-width digits and
    "1_000". Its validators (minimum, maximum, the database column's range) stay.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return parse_whole_number(str(value))
        except NotANumber:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None
