"""Telling students their report card changed: email now, SMS through a backend.

`notify_term_grades_published` runs inside a background task (`grades.tasks`), so it
takes ids and reads what it needs. Each student gets one email (text and HTML) in
their own language, with a link to their report card. One failed send is logged as
`notification_failed` (the student's id, never the address) and the others still
go out.

SMS goes through the backend named by `settings.SMS_BACKEND` (an object with
`send(user, text)`); the default only logs. `User` has no phone number yet, so no
SMS is sent until it has one: `_phone_of` is the single place to wire it.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

import structlog
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.module_loading import import_string

from accounts.models import User
from classrooms.models import ClassroomSubject, Term

logger = structlog.get_logger(__name__)

TEMPLATE = "emails/term_grades_published"


class LoggingSmsBackend:
    """The default SMS backend: sends nothing, logs that it would have."""

    def send(self, user: User, text: str) -> None:
        logger.info("sms_sent", user_id=user.pk, length=len(text))


def get_sms_backend():
    """An instance of the backend named by `settings.SMS_BACKEND`."""
    return import_string(settings.SMS_BACKEND)()


def _phone_of(user: User) -> str:
    # `User` has no phone field yet; a backend is only called for users with one.
    return getattr(user, "phone", "") or ""


def report_card_url(term: Term) -> str:
    """Absolute link to the student's own report card, on `term`."""
    path = reverse("report_card")
    return f"{settings.SITE_URL.rstrip('/')}{path}?{urlencode({'term': term.pk})}"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str


def term_grades_published_message(
    student: User, classroom_subject: ClassroomSubject, term: Term
) -> Message:
    """The email to `student`, in their language."""
    with translation.override(student.language):
        context = {
            "student": student,
            "school_name": settings.SCHOOL_NAME,
            "subject_name": classroom_subject.subject.name,
            "term_name": term.name,
            "report_card_url": report_card_url(term),
        }
        subject = render_to_string(f"{TEMPLATE}_subject.txt", context)
        return Message(
            # One line, whatever the template's line breaks.
            subject=" ".join(subject.split()),
            text=render_to_string(f"{TEMPLATE}.txt", context),
            html=render_to_string(f"{TEMPLATE}.html", context),
        )


def notify_term_grades_published(
    *, student_ids: list[int], classroom_subject_id: int, term_id: int
) -> dict:
    """Email each (active) student that a line of their report card was published.

    Returns the counts of emails sent and failed, and the ids of the students
    whose email failed (for a retry). Never raises for one student's failure; the
    others are still sent.
    """
    classroom_subject = ClassroomSubject.objects.select_related("subject").get(
        pk=classroom_subject_id
    )
    term = Term.objects.get(pk=term_id)
    students = User.objects.active().filter(pk__in=student_ids).order_by("pk")
    sms = get_sms_backend()
    sent = 0
    failed_ids = []
    for student in students:
        message = term_grades_published_message(student, classroom_subject, term)
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.text, to=[student.email]
        )
        email.attach_alternative(message.html, "text/html")
        try:
            email.send()
        except Exception as error:
            failed_ids.append(student.pk)
            logger.warning(
                "notification_failed",
                student_id=student.pk,
                classroom_subject_id=classroom_subject_id,
                term_id=term_id,
                error=type(error).__name__,
            )
            continue
        sent += 1
        if _phone_of(student):
            try:
                sms.send(student, message.subject)
            except Exception as error:
                logger.warning(
                    "sms_failed", student_id=student.pk, error=type(error).__name__
                )
    logger.info(
        "term_grades_notified",
        classroom_subject_id=classroom_subject_id,
        term_id=term_id,
        sent=sent,
        failed=len(failed_ids),
    )
    return {"sent": sent, "failed": len(failed_ids), "failed_ids": failed_ids}
