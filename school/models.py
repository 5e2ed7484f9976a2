"""The portal's audit trail of everything but grades (grades have GradeChange)."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """The door a write came through."""

    PAGE = "page", _("portal page")
    ADMIN = "admin", _("staff admin")
    IMPORT = "import", _("roster import")
    COMMAND = "command", _("command")
    API = "api", _("API")


class AuditEvent(models.Model):
    """Who did what to which record, through which door, in which request.

    What happened is a code and its parameters, never text: each reader sees it
    in their own language (`school.audit.describe`). Rows are only ever added.
    """

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # A program acting on its own: an API client, a management command.
    actor_program = models.CharField(_("by program"), max_length=100, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    code = models.CharField(_("event"), max_length=64)
    params = models.JSONField(_("details"), default=dict, blank=True)
    # Empty only on history kept from before (whose record type was deleted).
    target_type = models.ForeignKey(
        ContentType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("record type"),
    )
    target_id = models.CharField(_("record id"), max_length=64, blank=True)
    target_repr = models.CharField(_("record"), max_length=200)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "-at"],
                name="school_audit_target_idx",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor_user__isnull=False) | ~Q(actor_program=""),
                name="school_auditevent_has_actor",
                violation_error_message=_(
                    "An audit event names a person or a program."
                ),
            )
        ]

    def __str__(self):
        from school.audit import describe

        return describe(self)
