"""List filters shared by the admins of several apps."""

from django.contrib import admin
from django.db.models import QuerySet


class RelatedIdListFilter(admin.SimpleListFilter):
    """Filter by one related row: its choices in one query, the filter by its id.

    A subclass sets `title` and `parameter_name` as for any SimpleListFilter, plus:

    - `choices_queryset`: the rows to offer, ordered, with whatever their `str()`
      needs joined in (`select_related`), so that listing them is a single query;
    - `field_path`: the lookup from the listed model to the related row; the list
      keeps the objects whose `<field_path>_id` is the chosen id.

    A value that is not an id (someone typed it into the URL) matches nothing.
    """

    choices_queryset: QuerySet | None = None
    field_path: str = ""

    def lookups(self, request, model_admin):
        # .all(): a fresh copy per request, never the class attribute's result cache.
        rows = self.choices_queryset.all()
        return [(str(row.pk), str(row)) for row in rows]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{f"{self.field_path}_id": int(value)})
