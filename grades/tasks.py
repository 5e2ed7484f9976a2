"""Background tasks of the gradebook (django-tasks); services enqueue them with
`school.tasks.enqueue_in_transaction`.

Tasks take ids, never objects: with the database backend their arguments are
stored as JSON and read back by `manage.py db_worker`, maybe much later.

django-tasks does not retry a failed task; the tasks here catch per-recipient
errors themselves, so one bad address never fails the others, and the email task
enqueues itself again for the students whose email failed, later (with a backend
that can defer, such as the database one) or at once (the immediate one).
"""

from datetime import timedelta

import structlog
from django.utils import timezone
from django_tasks import task

from grades import notifications
from grades.services.report_batch_build import report_batch_build

logger = structlog.get_logger(__name__)

# Attempts at each email, and the wait before the second and the third.
SEND_ATTEMPTS = 3
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=10))


@task()
def send_term_grades_published(
    *,
    student_ids: list[int],
    classroom_subject_id: int,
    term_id: int,
    attempt: int = 1,
) -> dict:
    """Email each student that their report card has new grades; retry failures."""
    result = notifications.notify_term_grades_published(
        student_ids=student_ids,
        classroom_subject_id=classroom_subject_id,
        term_id=term_id,
    )
    failed_ids = result.pop("failed_ids")
    if failed_ids and attempt < SEND_ATTEMPTS:
        retry = send_term_grades_published
        if retry.get_backend().supports_defer:
            retry = retry.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 1])
        logger.info(
            "notification_retry",
            classroom_subject_id=classroom_subject_id,
            term_id=term_id,
            students=len(failed_ids),
            attempt=attempt + 1,
        )
        retry.enqueue(
            student_ids=failed_ids,
            classroom_subject_id=classroom_subject_id,
            term_id=term_id,
            attempt=attempt + 1,
        )
    return result


@task()
def build_report_batch(*, batch_id: int) -> None:
    """Render the PDF of a batch of report cards, recording progress."""
    report_batch_build(batch_id)
