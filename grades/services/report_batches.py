"""Asking for a batch of report cards, and building its PDF (in a task).

`report_batch_request` checks the request, stores the batch and enqueues its
task in the same transaction (`school.tasks.enqueue_in_transaction`): a worker
builds it with the database backend, the request itself right after commit with
the immediate one. The task's body, `report_batch_build`, lives in
grades.services.report_batch_build, which the task imports: no circle.
"""

from datetime import timedelta

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import policies
from classrooms.models import Classroom, Term
from grades.models import ReportBatch
from grades.report_batches import students_in_term
from grades.tasks import build_report_batch
from school.audit import Actor
from school.tasks import enqueue_in_transaction

logger = structlog.get_logger(__name__)

# A finished batch's PDF is kept this long; the requester's next request clears it.
KEPT_FOR = timedelta(days=7)


def report_batch_request(
    *,
    actor: Actor,
    term: Term,
    classroom: Classroom | None = None,
    grade_level: int | None = None,
) -> ReportBatch:
    """Store a batch for a classroom (its teachers, staff) or a grade level
    (staff) and enqueue the task that builds it."""
    if (classroom is None) == (grade_level is None):
        raise ValueError("A batch covers either a classroom or a grade level.")
    if grade_level is not None and not policies.may_request_grade_level_batch(
        actor.user
    ):
        raise PermissionDenied
    if classroom is not None and term.school_year_id != classroom.school_year_id:
        raise ValidationError(
            _("Choose a term of this class's school year."), code="term"
        )
    students = students_in_term(term, classroom=classroom, grade_level=grade_level)
    if not students:
        raise ValidationError(
            _("No students were enrolled during %(term)s.") % {"term": term.name},
            code="empty",
        )
    with transaction.atomic(durable=True):
        ReportBatch.objects.filter(
            policies.batches_visible_to(actor.user),
            finished_at__lt=timezone.now() - KEPT_FOR,
        ).delete()
        batch = ReportBatch.objects.create(
            requested_by=actor.user,
            term=term,
            classroom=classroom,
            grade_level=grade_level,
            total=len(students),
        )
        enqueue_in_transaction(build_report_batch, batch_id=batch.pk)
    logger.info(
        "report_batch_requested",
        batch_id=batch.pk,
        actor_id=actor.user_id,
        students=len(students),
    )
    return batch
