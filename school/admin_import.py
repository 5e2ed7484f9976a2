"""Roster import and export in the admin (django-import-export), shared pieces.

How every roster import behaves, whatever it imports:

- the dry run lists every row with its result in words (new, updated,
  unchanged, or its errors) before anything is written;
- it is all or nothing: one bad row and nothing is written, in the dry run and
  in the confirmed import alike (rows are re-checked when confirmed);
- it is idempotent: unchanged rows are reported and left alone;
- it is fast: existing rows and the rows they point at are read in a few bulk
  queries before the first row (`PrefetchedResource`), never one per row, and new
  rows are written with bulk_create;
- the uploaded file waits between the dry run and the confirmation in the
  cache (Redis in production), which every app server shares.

CSV and Excel (xlsx) are read, and exports are written in the very columns the
import reads.
"""

from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_permission_codename
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import widgets
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import ModelResource
from import_export.results import RowResult
from import_export.tmp_storages import CacheStorage


def normalize_email(value) -> str:
    return str(value or "").strip().lower()


def text(value) -> str:
    """A cell as text: spreadsheets give numbers and None for some cells."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class PrefetchedInstanceLoader(BaseInstanceLoader):
    """Finds a row's existing object in what the resource read up front."""

    def get_instance(self, row):
        return self.resource.existing_instance(row)


class PrefetchedResource(ModelResource):
    """A resource that reads what it needs once, before the first row.

    Subclasses implement `prefetch(dataset)` (bulk queries; store the results on
    self), `existing_instance(row)` and `validate_row(instance, row, errors)`,
    which adds row-level errors to a dict of field name to messages.
    """

    class Meta:
        abstract = True
        instance_loader_class = PrefetchedInstanceLoader
        skip_unchanged = True
        report_skipped = True
        use_bulk = True
        # Validation is the resource's own (validate_row), in memory: a model's
        # full_clean() would run its unique and constraint checks as queries,
        # several per row.
        clean_model_instances = False

    def before_import(self, dataset, **kwargs):
        super().before_import(dataset, **kwargs)
        if dataset.headers:
            dataset.headers = [text(h).lower() for h in dataset.headers]
        self.prefetch(dataset)

    def prefetch(self, dataset):
        raise NotImplementedError

    def existing_instance(self, row):
        raise NotImplementedError

    def validate_row(self, instance, row, errors):
        """Add this row's own errors to `errors` (field name -> messages)."""

    def import_row(self, row, instance_loader, **kwargs):
        # The file's row number (1 is the first row under the headers).
        self.row_number = kwargs.get("row_number")
        result = super().import_row(row, instance_loader, **kwargs)
        # What the preview shows of a row it cannot diff: its number, its cells
        # in the order of the columns, and its errors by column.
        result.number = kwargs.get("row_number")
        if result.validation_error is not None:
            result.cells = [text(row.get(h)) for h in self.get_diff_headers()]
            result.messages = [
                (gettext("row") if field == NON_FIELD_ERRORS else field, messages)
                for field, messages in result.validation_error.message_dict.items()
            ]
        elif result.errors:
            result.cells = [text(row.get(h)) for h in self.get_diff_headers()]
            result.messages = [
                (gettext("row"), [str(error.error) for error in result.errors])
            ]
        return result

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        self.validate_row(instance, row, errors)
        if errors:
            raise ValidationError(errors)


class ChoiceWidget(widgets.Widget):
    """A choice by its value or its label, in any case; anything else is an error."""

    def __init__(self, choices, *, allowed=None, message, required=True):
        super().__init__()
        allowed = set(allowed or [value for value, _label in choices])
        self.lookup = {}
        for value, label in choices:
            if value in allowed:
                self.lookup[str(value).lower()] = value
                self.lookup[str(label).lower()] = value
        self.message = message
        self.required = required

    def clean(self, value, row=None, **kwargs):
        key = text(value).lower()
        if not key:
            if self.required:
                raise ValueError(gettext("This column is required."))
            return None
        if key not in self.lookup:
            raise ValueError(self.message % {"value": text(value)})
        return self.lookup[key]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return text(value)


class RosterImportExportMixin(ImportExportMixin):
    """The admin side of a roster import: CSV and Excel, all or nothing."""

    formats = [base_formats.CSV, base_formats.XLSX]
    import_template_name = "admin/school/import.html"
    tmp_storage_class = CacheStorage
    # The history lines are written here, with a message in words.
    skip_admin_log = True

    def has_import_permission(self, request):
        opts = self.opts
        return request.user.has_perm(
            f"{opts.app_label}.{get_permission_codename('add', opts)}"
        ) and request.user.has_perm(
            f"{opts.app_label}.{get_permission_codename('change', opts)}"
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_data_kwargs(self, **kwargs):
        kwargs = super().get_import_data_kwargs(**kwargs)
        # Rows are validated again when the import is confirmed: one that went
        # bad since the dry run rolls back the whole file.
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            context = {
                **self.admin_site.each_context(request),
                "title": _("Import"),
                "opts": self.model._meta,
                "result": result,
                "import_failed": True,
            }
            request.current_app = self.admin_site.name
            return TemplateResponse(request, [self.import_template_name], context)
        self.log_import(result, request)
        return super().process_result(result, request)

    def log_import(self, result, request):
        flags = {
            RowResult.IMPORT_TYPE_NEW: (ADDITION, gettext("Added by a roster import.")),
            RowResult.IMPORT_TYPE_UPDATE: (
                CHANGE,
                gettext("Changed by a roster import."),
            ),
        }
        for import_type, (flag, message) in flags.items():
            instances = [
                row.instance
                for row in result.rows
                if row.import_type == import_type and row.instance is not None
            ]
            if instances:
                LogEntry.objects.log_actions(
                    user_id=request.user.pk,
                    queryset=instances,
                    action_flag=flag,
                    change_message=message,
                )

    def add_success_message(self, result, request):
        totals = result.totals
        self.message_user(
            request,
            gettext(
                "Import finished: %(new)d new, %(updated)d updated, "
                "%(unchanged)d unchanged."
            )
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
                "unchanged": totals[RowResult.IMPORT_TYPE_SKIP],
            },
        )
