"""Ids that arrive from outside: URL paths, query strings, form fields, cell keys.

An id is 1 to 18 ASCII digits, nothing else: no sign, no spaces, no other script's
digits and no more than fits a 64-bit database integer. `str.isdigit()` and `int()`
are not that test: `"²".isdigit()` is true and `int("²")` raises (a 500), `int("٦")`
is 6 (one id read as another) and a 5,000-digit number overflows the database.

Leading zeros are allowed ("007" is 7): they are ASCII and name no other id, as
Django's own `<id:>` converter reads them. Surrounding spaces are not stripped:
every id the portal sends is written by the server, so anything around it means
the request was made by hand, and it is refused like any other bad id.

What a bad id gets:
- in a URL path: the `id` converter does not match, so 404;
- in a query string that selects an object: 404 (`id_or_404`), or, where the page
  already tolerates a missing or unreadable value, the same answer as for one;
- in a posted form or a JSON body: 400 with a message (`MalformedId`), unless
  the form field reports it as a choice that is not offered.
"""

import re

from django import forms
from django.core.exceptions import BadRequest
from django.http import Http404
from django.utils.translation import gettext_lazy as _

MAX_ID_DIGITS = 18
ID_PATTERN = f"[0-9]{{1,{MAX_ID_DIGITS}}}"
_ID = re.compile(ID_PATTERN, re.ASCII)


def parse_id(raw) -> int | None:
    """The id in `raw` (a str or an int), or None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw < 10**MAX_ID_DIGITS else None
    if isinstance(raw, str) and _ID.fullmatch(raw):
        return int(raw)
    return None


def id_or_404(raw) -> int:
    """The id in `raw`, or 404: for ids that name the object a page shows."""
    value = parse_id(raw)
    if value is None:
        raise Http404
    return value


class MalformedId(BadRequest):
    """A posted id that is not one: answered 400, with `message` for people."""

    def __init__(self, message=None):
        self.message = message or _(
            "The form sent an id that is not valid. Reload the page and try again."
        )
        super().__init__(str(self.message))


def id_or_400(raw, message=None) -> int:
    """The id in `raw`, or MalformedId (400): for ids in a posted body."""
    value = parse_id(raw)
    if value is None:
        raise MalformedId(message)
    return value


class IdConverter:
    """`<id:name>` in a URL: 1 to 18 ASCII digits, else the URL does not match."""

    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        number = parse_id(value)
        if number is None:
            raise ValueError(f"Not an id: {value!r}")
        return str(number)


# ---------------------------------------------------------------------------
# Form fields that choose an object by its id


def _key_is_an_id(field) -> bool:
    """Whether a choice field's values are integer keys (its model's pk, or the
    `to_field_name` it chooses by)."""
    meta = field.queryset.model._meta
    model_field = (
        meta.get_field(field.to_field_name) if field.to_field_name else meta.pk
    )
    while model_field.is_relation:  # a primary key that is a one-to-one link
        model_field = model_field.target_field
    return model_field.get_internal_type() in INTEGER_FIELDS


def _readable(field, value) -> bool:
    """A posted choice the queryset may read: an id, or a key that is no integer."""
    return not _key_is_an_id(field) or parse_id(value) is not None


def _strict_key(field, value):
    """Refuse a chosen id that is not one before the queryset reads it."""
    if not _readable(field, value):
        raise forms.ValidationError(
            field.error_messages["invalid_choice"],
            code="invalid_choice",
            params={"value": value},
        )
    return value


INTEGER_FIELDS = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose posted value must be an id: "٦" is no choice."""

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, self.queryset.model):
            return super().to_python(value)
        _strict_key(self, value)
        return super().to_python(value)

    def bound_data(self, data, initial):
        # A refused form shows its inputs again; some widgets (the admin's
        # autocomplete) look the posted value up to show it: not one that is no id.
        if isinstance(data, str) and data and not _readable(self, data):
            return None
        return super().bound_data(data, initial)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """The same for several objects."""

    def _check_values(self, value):
        for item in value or ():
            if item not in self.empty_values:
                try:
                    _strict_key(self, item)
                except forms.ValidationError:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    ) from None
        return super()._check_values(value)

    def bound_data(self, data, initial):
        if isinstance(data, list | tuple):
            data = [
                item
                for item in data
                if not isinstance(item, str) or _readable(self, item)
            ]
        return super().bound_data(data, initial)
