"""Audit event codes of the gradebook (see school.audit).

Changes of scores and term grades are not events: they have their own rows
(GradeChange), with the value before and after.
"""

from django.utils.translation import gettext_lazy as _

from school.audit import event

ASSESSMENT_DELETED = event(
    "assessment_deleted", _("Deleted from the gradebook (it had no scores).")
)
ASSESSMENT_ARCHIVED = event("assessment_archived", _("Archived."))
ASSESSMENT_RESTORED = event("assessment_restored", _("Restored."))
ASSESSMENT_PUBLISHED = event("assessment_published", _("Published to students."))
ASSESSMENT_UNPUBLISHED = event(
    "assessment_unpublished", _("Hidden from students again.")
)
