from django.conf import settings

from school.ratelimits import Limit


def enforce_grade_write_limit(request) -> None:
    """Count one grade save for this teacher.

    Fails open: with the cache down, teachers keep saving grades (every save is
    still authenticated, scoped and audited); only the flood protection pauses.
    """
    Limit(
        group="grades:write", rate=settings.RATE_LIMIT_GRADE_WRITES, fail_open=True
    ).enforce(request, key=f"user:{request.user.pk}")


def enforce_report_batch_limit(request) -> None:
    """Count one batch PDF asked for by this person.

    Fails open like grade saves: with the cache down, staff still get their PDFs.
    """
    Limit(
        group="grades:report-batch",
        rate=settings.RATE_LIMIT_REPORT_BATCHES,
        fail_open=True,
    ).enforce(request, key=f"user:{request.user.pk}")
