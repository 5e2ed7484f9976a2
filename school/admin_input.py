"""The admin reads ids and numbers as the portal does (`school.ids`, `school.numbers`).

Django's admin reads an object id, a list filter's value, a chosen related object
and a typed number with `int()` or `Decimal()`: "٦" opens, filters by, picks or
stores 6; "²" or a hand-made selection of "abc" raises (a 500); "1e3" is 1000.
`StrictInputAdminMixin` changes what it reads, not what it shows:

- an object id that is not an id is a missing object (the admin's own answer: back
  to the index with "doesn't exist");
- a list filter or lookup on an integer field whose value is not a whole number
  (an id, for keys and relations) is an invalid filter (the admin's own answer:
  the list with `?e=1`);
- an action on a selection, or a list edited in place, whose ids are not ids is a
  bad request (400, with a message);
- related objects are chosen by id (`IdChoiceField`); decimal and integer fields
  read their input with `school.numbers`, with Django's widgets.

`SchoolAdminSite.register` mixes it into every ModelAdmin registered on the site,
the project's and other packages' alike, so a new admin cannot miss it.
"""

from django.contrib.admin import SimpleListFilter, helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from school.ids import (
    INTEGER_FIELDS,
    IdChoiceField,
    IdMultipleChoiceField,
    MalformedId,
    parse_id,
)
from school.numbers import (
    DecimalInputField,
    NotANumber,
    WholeNumberInputField,
    parse_whole_number,
)

MALFORMED_SELECTION = _(
    "The selection sent is not valid. Reload the list and select again."
)


def integer_kind(field) -> str | None:
    """ "id" for a key or a relation to one, "number" for another integer field,
    None for any other field."""
    if field.is_relation:
        target = getattr(field, "target_field", None)
        return "id" if target is not None and integer_kind(target) else None
    if field.get_internal_type() not in INTEGER_FIELDS:
        return None
    return "id" if field.primary_key else "number"


def _lookup_field(model, key: str):
    """The field a lookup such as `classroom__school_year__id__exact` compares,
    and the lookups after it; (None, []) when the key names no field."""
    parts = key.split(LOOKUP_SEP)
    for end in range(len(parts), 0, -1):
        try:
            fields = get_fields_from_path(model, LOOKUP_SEP.join(parts[:end]))
        except (FieldDoesNotExist, NotRelationField):
            continue
        return fields[-1], parts[end:]
    return None, []


def _is_whole_number(value) -> bool:
    try:
        parse_whole_number(value)
    except NotANumber:
        return False
    return True


def lookup_values_ok(model, key: str, values) -> bool:
    """Whether a list filter's values fit the integer field they compare."""
    field, lookups = _lookup_field(model, key)
    kind = integer_kind(field) if field is not None else None
    if kind is None or (lookups and lookups[-1] == "isnull"):
        return True
    check = parse_id if kind == "id" else _is_whole_number
    for value in values if isinstance(values, list | tuple) else [values]:
        items = value.split(",") if lookups[-1:] == ["in"] else [value]
        for item in items:
            if not isinstance(item, str):
                continue
            if check(item) in (None, False):
                return False
    return True


class StrictLookupChangeListMixin:
    """A ChangeList that refuses integer lookups whose values are not numbers."""

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        own = {
            item.parameter_name
            for item in self.list_filter
            if isinstance(item, type) and issubclass(item, SimpleListFilter)
        }
        for key, values in lookup_params.items():
            # A SimpleListFilter reads its own parameter (RelatedIdListFilter: a
            # value that is not an id matches nothing).
            if key not in own and not lookup_values_ok(self.model, key, values):
                raise IncorrectLookupParameters(f"Not a number for {key}")
        return lookup_params


_CHANGELISTS = {}


class StrictInputAdminMixin:
    """Mixed into every ModelAdmin of the site; see the module's docstring."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        overrides = self.formfield_overrides
        for field_class in (models.DecimalField,):
            overrides.setdefault(field_class, {}).setdefault(
                "form_class", DecimalInputField
            )
        for field_class in (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
        ):
            overrides.setdefault(field_class, {}).setdefault(
                "form_class", WholeNumberInputField
            )

    def _object_id_is_readable(self, object_id, from_field=None) -> bool:
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        return integer_kind(field) != "id" or parse_id(object_id) is not None

    def get_object(self, request, object_id, from_field=None):
        if not self._object_id_is_readable(object_id, from_field):
            return None
        return super().get_object(request, object_id, from_field)

    def get_changelist(self, request, **kwargs):
        base = super().get_changelist(request, **kwargs)
        if base not in _CHANGELISTS:
            _CHANGELISTS[base] = type(
                f"Strict{base.__name__}", (StrictLookupChangeListMixin, base), {}
            )
        return _CHANGELISTS[base]

    def _refuse_malformed_ids(self, ids) -> None:
        if integer_kind(self.opts.pk) == "id" and any(
            parse_id(value) is None for value in ids
        ):
            raise MalformedId(MALFORMED_SELECTION)

    def response_action(self, request, queryset):
        self._refuse_malformed_ids(request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
        return super().response_action(request, queryset)

    def _get_list_editable_queryset(self, request, prefix):
        self._refuse_malformed_ids(self._get_edited_object_pks(request, prefix))
        return super()._get_list_editable_queryset(request, prefix)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if integer_kind(db_field) == "id":
            kwargs.setdefault("form_class", IdChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if integer_kind(db_field) == "id":
            kwargs.setdefault("form_class", IdMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)
