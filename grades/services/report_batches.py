"""Asking for a batch of report cards, and building its PDF (in a task).

`report_batch_request` checks the request, stores the batch and enqueues its
task in the same transaction (`grades.tasks.enqueue_in_transaction`): a worker
builds it with the database backend, the request itself right after commit with
the immediate one. `report_batch_build` is the task's body: it reads the cards in
chunks of a fixed number of queries each and renders the PDF, writing its
progress to the batch as it goes so the requester's page can show it.
"""

import time
from datetime import timedelta

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import policies
from classrooms.models import Classroom, Term
from grades.models import ReportBatch, ReportBatchStatus
from grades.pdf import report_cards_pdf
from grades.report_batches import students_in_term, students_of_batch
from grades.report_cards import report_cards_of
from grades.tasks import build_report_batch, enqueue_in_transaction
from school.audit import Actor

logger = structlog.get_logger(__name__)

CHUNK = 100
PROGRESS_EVERY_SECONDS = 0.5
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


def report_batch_build(batch_id: int) -> None:
    """Build the batch's PDF, recording progress; a failure marks it failed."""
    batch = (
        ReportBatch.objects.select_related(
            "requested_by", "term__school_year", "classroom"
        )
        .defer("pdf")
        .get(pk=batch_id)
    )
    if batch.is_finished:
        return
    ReportBatch.objects.filter(pk=batch.pk).update(
        status=ReportBatchStatus.RUNNING, done=0
    )
    started = time.monotonic()
    try:
        with translation.override(batch.requested_by.language):
            students = students_of_batch(batch)
            progress = _Progress(batch.pk, total=len(students))
            cards = []
            for start in range(0, len(students), CHUNK):
                chunk = students[start : start + CHUNK]
                cards.extend(report_cards_of(chunk, batch.term, batch.requested_by))
            pdf = report_cards_pdf(cards, on_card=progress.card_drawn)
    except Exception:
        ReportBatch.objects.filter(pk=batch.pk).update(
            status=ReportBatchStatus.FAILED, finished_at=timezone.now()
        )
        logger.exception("report_batch_failed", batch_id=batch.pk)
        raise
    ReportBatch.objects.filter(pk=batch.pk).update(
        status=ReportBatchStatus.DONE,
        total=len(cards),
        done=len(cards),
        pdf=pdf,
        finished_at=timezone.now(),
    )
    logger.info(
        "report_batch_built",
        batch_id=batch.pk,
        cards=len(cards),
        bytes=len(pdf),
        seconds=round(time.monotonic() - started, 3),
    )


class _Progress:
    """Writes how many cards are drawn, at most twice a second."""

    def __init__(self, batch_id: int, total: int):
        self.batch_id = batch_id
        self.total = total
        self.written_at = time.monotonic()

    def card_drawn(self, count: int) -> None:
        now = time.monotonic()
        if count < self.total and now - self.written_at >= PROGRESS_EVERY_SECONDS:
            ReportBatch.objects.filter(pk=self.batch_id).update(
                done=count, total=self.total
            )
            self.written_at = now
