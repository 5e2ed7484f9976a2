"""Audit event codes of classrooms, terms and enrollments (see school.audit)."""

from django.utils.translation import gettext_lazy as _

from school.audit import event

ENROLLED = event("enrolled", _("Enrolled in %(classroom)s from %(date)s."))
WITHDRAWN = event("withdrawn", _("Withdrawn from every classroom on %(date)s."))
MOVED = event("moved", _("Moved to %(classroom)s on %(date)s."))
TERM_LOCKED = event("term_locked", _("Locked grading. Reason: %(reason)s"))
TERM_UNLOCKED = event("term_unlocked", _("Unlocked grading. Reason: %(reason)s"))
