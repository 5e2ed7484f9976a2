"""Admin actions that ask before they act, on an intermediate page.

An action built on `confirm_action` answers the changelist's POST with a page
listing the selected objects and the action's own form (a classroom, a date, a
reason...). That page posts back to the same changelist URL (its filters
included, for "select all") with the same action and selection, plus `confirm`:
then, if the form is valid, `perform` runs with the cleaned data and the
changelist comes back with the message it returns. The writes themselves, and
their history lines, are the services'.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

CONFIRM_FIELD = "confirm"
# The selection is listed up to this many; the rest is counted.
LISTED_OBJECTS = 50


class DateInput(forms.DateInput):
    """The browser's own date picker: no script, labelled like any input."""

    input_type = "date"


def confirm_action(
    modeladmin,
    request,
    queryset,
    *,
    form_class: type[forms.Form],
    title: str,
    intro: str,
    submit_label: str,
    perform: Callable[[dict], str],
):
    """Show the intermediate page, or run `perform` once it is confirmed.

    `perform(cleaned_data)` does the work and returns the message for the
    changelist; a ValidationError it raises shows on the page instead.
    """
    if CONFIRM_FIELD in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                message = perform(form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                modeladmin.message_user(request, message, messages.SUCCESS)
                return None
    else:
        form = form_class()
    opts = modeladmin.model._meta
    count = queryset.count()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit_label": submit_label,
        "form": form,
        "opts": opts,
        "count": count,
        "objects_name": model_ngettext(opts, count),
        "objects": list(queryset[:LISTED_OBJECTS]),
        "more": max(count - LISTED_OBJECTS, 0),
        "action_name": request.POST.get("action", ""),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "confirm_field": CONFIRM_FIELD,
    }
    request.current_app = modeladmin.admin_site.name
    return TemplateResponse(
        request, "admin/school/action_confirmation.html", context, status=200
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in each record's history."),
    )
