"""Cached reports, invalidated by versions kept in the database.

Report cards and class reports are cached (Redis in production) under keys that
carry the `ReportVersion` of every classroom subject they read. Each change to a
score, term grade, assessment or category bumps its classroom subject's version in
the same transaction as the change, by the service that makes it
(`grades.services`, `classrooms.structure` for the names, grade levels and
teachers the school report shows; both through `classrooms.report_versions`):
the gradebook, the admin, imports and commands all write through them. No
signal receiver writes.

A committed change is therefore seen by the next read whatever the cache did in
between: an entry written before it, even one that survived a Redis outage, sits
under a key no one asks for again. The TTL only bounds how long such entries use
memory. Keys also carry a digest of the other rows a report shows (enrollments,
names, teachers and their names, grade bands), read fresh on every request:
`accounts` sits below the reports and bumps nothing.

What is cached is data for every viewer; the selectors filter it per viewer after
reading, so a cached line never reaches a viewer who may not see it.

This is the only cache of report cards: pages render the lines on every request,
and no template fragment is cached (a rendered fragment is one viewer's view of
one version, with an invalidation of its own to get right).
"""

import hashlib

from django.core.cache import cache

from classrooms.report_versions import bump_where
from grades.models import Assessment

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
