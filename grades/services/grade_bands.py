"""Every write of the grading scale: letter bands added, changed or removed.

Each service is one durable transaction that locks the whole scale (every band,
`SELECT ... FOR UPDATE`), checks the scale as it would be after the write
(`scale_errors`, shared with the admin's forms), writes and records the audit
event.

No report version is bumped: every cached report that reads the scale (the class
report and the school report; a report card shows the letters stored when each
line was published) carries a digest of the bands in its key, read fresh on each
request (`grades.report_cache`). A changed band is therefore a new key for every
report at once, with no write to the version of each classroom subject of the
school.
"""

from collections.abc import Mapping
from decimal import Decimal

import structlog
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext

import policies
from grades.models import GradeBand
from school import audit
from school.audit import Actor

logger = structlog.get_logger(__name__)


def scale_errors(bands) -> list[str]:
    """What is wrong with a grading scale of (letter, min_percent) bands.

    A band runs from its minimum up to the next band's: bands cannot overlap
    unless two start at the same percent, and the only possible gap is at the
    bottom, when no band starts at 0.
    """
    errors = []
    letters, minimums = {}, {}
    for letter, minimum in bands:
        letters.setdefault(letter.strip().upper(), []).append(letter)
        minimums.setdefault(minimum, []).append(letter)
    for letter, same in letters.items():
        if len(same) > 1:
            errors.append(
                gettext("Two bands have the letter %(letter)s.") % {"letter": letter}
            )
    for minimum, same in sorted(minimums.items(), reverse=True):
        if len(same) > 1:
            errors.append(
                gettext("%(letters)s all start at %(percent)s%%: bands cannot overlap.")
                % {"letters": ", ".join(sorted(same)), "percent": minimum}
            )
    if bands and min(minimums) != 0:
        errors.append(
            gettext(
                "The lowest band starts at %(percent)s%%: a grade below it would "
                "have no letter. Make the lowest band start at 0."
            )
            % {"percent": min(minimums)}
        )
    return errors


def _check_actor(actor: Actor) -> None:
    if not policies.may_edit_grading_scale(actor):
        raise PermissionDenied


def _locked_scale() -> dict[int, GradeBand]:
    return {
        band.pk: band for band in GradeBand.objects.select_for_update().order_by("pk")
    }


def _refuse_bad_scale(bands) -> None:
    errors = scale_errors(bands)
    if errors:
        raise ValidationError(errors, code="scale")


def grade_band_create(*, actor: Actor, letter: str, min_percent: Decimal) -> GradeBand:
    """Add a band to the scale."""
    _check_actor(actor)
    letter = letter.strip()
    with transaction.atomic(durable=True):
        scale = _locked_scale()
        _refuse_bad_scale(
            [
                *((b.letter, b.min_percent) for b in scale.values()),
                (letter, min_percent),
            ]
        )
        band = GradeBand.objects.create(letter=letter, min_percent=min_percent)
        audit.record(actor=actor, code=audit.ADDED, target=band)
    logger.info("grade_band_created", band_id=band.pk, actor_id=actor.user_id)
    return band


def grade_bands_update(
    *, actor: Actor, changes: Mapping[int, tuple[str, Decimal]]
) -> list[GradeBand]:
    """Change the letter and start of bands (by id), checked as a whole scale.

    Returns the bands that changed. Raises ValidationError, changing nothing,
    when the scale would overlap or have a gap at the bottom.
    """
    _check_actor(actor)
    with transaction.atomic(durable=True):
        scale = _locked_scale()
        missing = set(changes) - set(scale)
        if missing:
            raise ValidationError(
                gettext("A band was removed meanwhile. Reload the page."),
                code="missing",
            )
        wanted = {
            pk: changes.get(pk, (band.letter, band.min_percent))
            for pk, band in scale.items()
        }
        _refuse_bad_scale(
            [(letter.strip(), minimum) for letter, minimum in wanted.values()]
        )
        changed = []
        for pk, (letter, minimum) in wanted.items():
            band = scale[pk]
            letter = letter.strip()
            fields = [
                name
                for name, value in (("letter", letter), ("min_percent", minimum))
                if getattr(band, name) != value
            ]
            if fields:
                changed.append((band, letter, minimum, fields))
        for band, letter, minimum, fields in changed:
            band.letter, band.min_percent = letter, minimum
            band.save(update_fields=["letter", "min_percent"])
            audit.record(
                actor=actor,
                code=audit.CHANGED,
                target=band,
                params=audit.field_changes(GradeBand, fields),
            )
    logger.info("grade_bands_updated", count=len(changed), actor_id=actor.user_id)
    return [band for band, *_rest in changed]


def grade_band_update(
    *, actor: Actor, band: GradeBand, letter: str, min_percent: Decimal
) -> GradeBand:
    """Change one band's letter and start."""
    grade_bands_update(actor=actor, changes={band.pk: (letter, min_percent)})
    band.letter, band.min_percent = letter.strip(), min_percent
    return band


def grade_band_delete(*, actor: Actor, band: GradeBand) -> None:
    """Remove a band. The band at 0 is the floor of the scale and stays."""
    _check_actor(actor)
    with transaction.atomic(durable=True):
        scale = _locked_scale()
        current = scale.get(band.pk)
        if current is None:
            return
        if current.min_percent == 0:
            raise ValidationError(
                gettext(
                    "The band at 0% is the floor of the scale: change its letter "
                    "instead of removing it."
                ),
                code="floor",
            )
        _refuse_bad_scale(
            [(b.letter, b.min_percent) for pk, b in scale.items() if pk != band.pk]
        )
        audit.record(actor=actor, code=audit.DELETED, target=current)
        current.delete()
    logger.info("grade_band_deleted", band_id=band.pk, actor_id=actor.user_id)
