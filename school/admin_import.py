"""Roster import and export in the admin (django-import-export), shared pieces.

How every roster import behaves, whatever it imports:

- the dry run lists every row with its result in words (new, updated,
  unchanged, or its errors) before anything is written;
- it is all or nothing: one bad row and nothing is written, in the dry run and
  in the confirmed import alike (rows are re-checked when confirmed);
- it is idempotent: unchanged rows are reported and left alone;
- it is fast: existing rows and the rows they point at are read in a few bulk
  queries before the first row (`PrefetchedResource`), never one per row;
- it writes through a service: the resource only collects the new and changed
  rows, and once every row is valid hands them to its batch service
  (`write_rows`), which writes them in bulk with their audit events (channel
  import, the staff user as actor, the request id) in one durable transaction;
- the uploaded file waits between the dry run and the confirmation in the
  cache (Redis in production), which every app server shares.

CSV and Excel (xlsx) are read, and exports are written in the very columns the
import reads.
"""

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

from school.audit import Actor, Channel


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
        # The confirmed import writes nothing itself (bulk_create and
        # bulk_update only collect): the service's durable transaction is the
        # one that matters, and it cannot nest in one opened here. The dry run
        # still runs in a transaction that is rolled back.
        use_transactions = False
        batch_size = None

    def prefetch(self, dataset):
        raise NotImplementedError

    def write_rows(self, *, actor: Actor, new: list, changed: list) -> None:
        """Hand the valid rows to the batch service: `new` unsaved instances,
        `changed` (instance, names of the changed fields) pairs."""
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

    def skip_row(self, instance, original, row, import_validation_errors=None):
        skip = super().skip_row(instance, original, row, import_validation_errors)
        if not skip and instance.pk is not None:
            instance._import_changed = self._changed_fields(instance, original)
        return skip

    def _changed_fields(self, instance, original) -> list[str]:
        names = []
        for field in self.get_import_fields():
            if not field.attribute:
                continue
            model_field = instance._meta.get_field(field.attribute)
            attname = model_field.attname
            if original is None or getattr(original, attname) != getattr(
                instance, attname
            ):
                names.append(model_field.name)
        return names

    def before_import(self, dataset, **kwargs):
        self.pending_new, self.pending_changed = [], []
        super().before_import(dataset, **kwargs)
        if dataset.headers:
            dataset.headers = [text(h).lower() for h in dataset.headers]
        self.prefetch(dataset)

    def bulk_create(self, using_transactions, dry_run, raise_errors, **kwargs):
        self.pending_new.extend(self.create_instances)
        self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, **kwargs):
        self.pending_changed.extend(
            (instance, getattr(instance, "_import_changed", []))
            for instance in self.update_instances
        )
        self.update_instances.clear()

    def bulk_delete(self, using_transactions, dry_run, raise_errors, **kwargs):
        self.delete_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors():
            return
        if result.has_validation_errors():
            return
        actor = kwargs.get("actor")
        if actor is None:
            actor = Actor.from_request(kwargs["request"], channel=Channel.IMPORT)
        if self.pending_new or self.pending_changed:
            self.write_rows(
                actor=actor, new=self.pending_new, changed=self.pending_changed
            )

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
    # The services record the audit events: import-export logs nothing.
    skip_admin_log = True
    writes_through_services = True

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
        request = kwargs.get("request")
        kwargs = super().get_import_data_kwargs(**kwargs)
        if request is not None:
            kwargs["actor"] = Actor.from_request(request, channel=Channel.IMPORT)
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
        return super().process_result(result, request)

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
