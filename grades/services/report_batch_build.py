"""Building the PDF of a batch of report cards: the task `build_report_batch`.

It reads the cards in chunks of a fixed number of queries each and renders the
PDF, writing its progress to the batch as it goes so the requester's page can
show it. (Asking for a batch is grades.services.report_batches, which enqueues
the task.)
"""

import time

import structlog
from django.utils import timezone, translation

from grades.models import ReportBatch, ReportBatchStatus
from grades.pdf import report_cards_pdf
from grades.report_batches import students_of_batch
from grades.report_cards import report_cards_of

logger = structlog.get_logger(__name__)

CHUNK = 100
PROGRESS_EVERY_SECONDS = 0.5


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
