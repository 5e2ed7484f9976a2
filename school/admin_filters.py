"""List filters shared by the admins of several apps."""

from django.contrib import admin
from django.db.models import QuerySet

from school.ids import parse_id


class RelatedIdListFilter(admin.SimpleListFilter):
    """Filter by one related row: its choices in one query, the filter by its id.

    A subclass sets `title` and `parameter_name` as for any SimpleListFilter, plus:

    - `choices_queryset`: the rows to offer, ordered, with whatever their `str()`
      needs joined in (`select_related`), so that listing them is a single query;
    - `field_path`: the lookup from the listed model to the related row; the list
      keeps the objects whose `<field_path>_id` is the chosen id.

    A value that is not an id by `school.ids` (someone typed it into the URL:
    "²", "٦", a 5,000-digit number) matches nothing; `chosen_id` is None for it.
    """

    choices_queryset: QuerySet | None = None
    field_path: str = ""

    def lookups(self, request, model_admin):
        # .all(): a fresh copy per request, never the class attribute's result cache.
        rows = self.choices_queryset.all()
        return [(str(row.pk), str(row)) for row in rows]

    @property
    def chosen_id(self) -> int | None:
        return parse_id(self.value())

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if self.chosen_id is None:
            return queryset.none()
        return queryset.filter(**{f"{self.field_path}_id": self.chosen_id})
