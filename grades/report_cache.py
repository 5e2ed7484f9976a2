"""Cached reports, invalidated by versions kept in the database.

Report cards and class reports are cached (Redis in production) under keys that
carry the `ReportVersion` of every classroom subject they read. Each change to a
score, term grade, assessment or category bumps its classroom subject's version in
the same transaction as the change:

- ORM saves and deletes (the admin, the assessment services) through the signal
  receivers below;
- classroom, subject and classroom subject changes (names, grade levels,
  teachers, which the school report shows) through the services of
  `classrooms.structure`, and a teacher's name through `accounts.services`;
- the bulk writes of the score and term-grade services, which send no signals,
  through `bump_classroom_subjects` called by the services themselves.

A committed change is therefore seen by the next read whatever the cache did in
between: an entry written before it, even one that survived a Redis outage, sits
under a key no one asks for again. The TTL only bounds how long such entries use
memory. Keys also carry a digest of the other rows a report shows (enrollments,
names, teachers, grade bands), read fresh on every request.

What is cached is data for every viewer; the selectors filter it per viewer after
reading, so a cached line never reaches a viewer who may not see it.
"""

import hashlib

from django.core.cache import cache
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from classrooms.report_versions import bump_classroom_subjects, bump_where
from grades.models import Assessment, Category, Score, TermGrade

TTL_SECONDS = 5 * 60


def digest(*parts) -> str:
    """A short stable hash of `parts` (their reprs), for cache keys."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest()


def get(key: str):
    return cache.get(key)


def put(key: str, value) -> None:
    cache.set(key, value, TTL_SECONDS)


def get_many(keys: list[str]) -> dict:
    return cache.get_many(keys) if keys else {}


def set_many(entries: dict) -> None:
    if entries:
        cache.set_many(entries, TTL_SECONDS)


def bump_for_assessments(assessment_ids) -> None:
    """Bump the versions of the classroom subjects of these assessments."""
    bump_where(Assessment._meta.db_table, "classroom_subject_id", assessment_ids)


GRADING_MODELS = (Assessment, Category, Score, TermGrade)


def _cascades_from_elsewhere(kwargs) -> bool:
    """Whether a delete cascades from a classroom, term, user...: then the reports
    it touched are gone with it, and a bump would write a version row for a
    classroom subject that may be deleted in this very transaction."""
    origin = kwargs.get("origin")
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return origin is not None and model not in GRADING_MODELS


@receiver([post_save, post_delete], sender=Assessment)
@receiver([post_save, post_delete], sender=Category)
@receiver([post_save, post_delete], sender=TermGrade)
def _classroom_subject_row_changed(sender, instance, **kwargs):
    if not _cascades_from_elsewhere(kwargs):
        bump_classroom_subjects([instance.classroom_subject_id])


@receiver([post_save, post_delete], sender=Score)
def _score_changed(sender, instance, **kwargs):
    if not _cascades_from_elsewhere(kwargs):
        bump_for_assessments([instance.assessment_id])
