"""Every write of grades: scores, with their audit rows, in one transaction each.

A whole gradebook grid is saved all-or-nothing with a fixed number of queries: the
affected scores are locked in one `SELECT ... FOR UPDATE`, versions compared in
Python, then one bulk update, one bulk insert and one bulk insert of audit rows.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import structlog
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import policies
from accounts.models import User
from classrooms import report_versions
from classrooms.models import ClassroomSubject, Enrollment
from grades.cells import CellError, CellValue, format_cell, parse_cell
from grades.models import Assessment, GradeChange, Score, ScoreState
from school.audit import Actor

logger = structlog.get_logger(__name__)

Cell = tuple[int, int]  # (student_id, assessment_id)


@dataclass(frozen=True)
class CellChange:
    """What a teacher typed in one cell, and the version of the score they saw.

    `version` is None when the cell was empty (no score row) as the page was loaded.
    `comment` is None when the comment was not edited.
    """

    student_id: int
    assessment_id: int
    text: str
    version: int | None
    comment: str | None = None

    @property
    def cell(self) -> Cell:
        return (self.student_id, self.assessment_id)


@dataclass(frozen=True)
class CellProblem:
    code: str
    message: str
    # For a conflict: what is stored now, by whom and when.
    current_text: str = ""
    current_version: int | None = None
    changed_by: str = ""
    changed_at: object = None


@dataclass
class GridRejected(Exception):
    """Nothing was saved; `problems` says why, cell by cell (and `general` overall)."""

    problems: dict[Cell, CellProblem] = field(default_factory=dict)
    general: str = ""

    def __str__(self):
        return self.general or f"{len(self.problems)} cells refused"


@dataclass(frozen=True)
class SavedCell:
    student_id: int
    assessment_id: int
    text: str
    version: int | None  # None: the cell is empty and has no score row
    comment: str


def _score_snapshot(state: str, points: Decimal | None, comment: str) -> dict:
    return {
        "state": state,
        "points": None if points is None else str(points),
        "comment": comment,
    }


def _parse_changes(changes, assessments, enrolled_ids):
    problems: dict[Cell, CellProblem] = {}
    parsed: dict[Cell, CellValue] = {}
    for change in changes:
        assessment = assessments.get(change.assessment_id)
        if assessment is None:
            problems[change.cell] = CellProblem(
                "unknown_assessment",
                _("This assessment is no longer in this gradebook. Reload the page."),
            )
            continue
        if change.student_id not in enrolled_ids:
            problems[change.cell] = CellProblem(
                "unknown_student",
                _("This student is not in this class. Reload the page."),
            )
            continue
        try:
            parsed[change.cell] = parse_cell(change.text, assessment.max_points)
        except CellError as error:
            problems[change.cell] = CellProblem(error.code, error.message)
    return parsed, problems


def scores_record(
    *,
    actor: Actor,
    classroom_subject: ClassroomSubject,
    changes: Sequence[CellChange],
    reason: str = "",
) -> list[SavedCell]:
    """Save typed cells of one gradebook, all or nothing.

    Raises GridRejected (saving nothing) when any cell does not parse, belongs to an
    archived or foreign assessment or a student outside the class, lies in a locked
    term, or was changed by someone else since it was loaded (a conflict: the stored
    value differs from both the loaded one and the typed one). Typing the value that
    is already stored is not a conflict, so a double submit is harmless.
    """
    if not policies.may_grade(actor, classroom_subject):
        raise PermissionDenied
    changes = list({change.cell: change for change in changes}.values())
    if not changes:
        return []
    for attempt in range(2):
        try:
            with transaction.atomic(durable=True):
                parsed = _checked_changes(classroom_subject, changes)
                return _write_scores(actor, classroom_subject, changes, parsed, reason)
        except IntegrityError:
            # Another save created one of these scores between our read and our
            # insert; the second attempt sees it and compares versions.
            if attempt:
                raise GridRejected(
                    general=_(
                        "Someone saved these scores at the same moment. Try again."
                    )
                ) from None
    raise AssertionError("unreachable")


def score_set(
    *,
    actor: Actor,
    assessment: Assessment,
    student_id: int,
    state: str,
    points: Decimal | None,
    comment: str,
    version: int | None,
    reason: str = "",
) -> SavedCell:
    """Save one score given as a state and points (the admin's form), through
    `scores_record`: the same checks, version, audit row and report bump as a cell
    of the gradebook.

    `version` is the version the caller last saw (None: no score yet). Raises
    ValidationError, saving nothing, where `scores_record` raises GridRejected
    (a problem with the value goes to "points").
    """
    text = format_cell(state, points)
    change = CellChange(student_id, assessment.pk, text, version, comment)
    try:
        saved = scores_record(
            actor=actor,
            classroom_subject=assessment.classroom_subject,
            changes=[change],
            reason=reason,
        )
    except GridRejected as rejected:
        raise ValidationError(_errors_of(rejected, change)) from None
    return saved[0]


def score_problems(
    *, assessment: Assessment, student_id: int, state: str, points: Decimal | None
) -> dict:
    """What `score_set` would refuse, by field, without writing: for a form to
    show before it calls the service (which checks again, under its locks)."""
    change = CellChange(student_id, assessment.pk, format_cell(state, points), None)
    try:
        with transaction.atomic():
            _checked_changes(assessment.classroom_subject, [change])
    except GridRejected as rejected:
        return _errors_of(rejected, change)
    return {}


_VALUE_PROBLEMS = {"not_a_number", "negative", "too_precise", "above_max"}


def _errors_of(rejected: GridRejected, change: CellChange) -> dict:
    problem = rejected.problems.get(change.cell)
    if problem is None:
        return {NON_FIELD_ERRORS: [rejected.general or str(rejected)]}
    field = "points" if problem.code in _VALUE_PROBLEMS else NON_FIELD_ERRORS
    return {field: [problem.message]}


def _checked_changes(classroom_subject, changes) -> dict[Cell, CellValue]:
    # The assessments stay locked until the scores are written, so that a lower
    # maximum or an archiving cannot slip in between the checks and the write.
    assessments = {
        assessment.pk: assessment
        for assessment in Assessment.objects.select_for_update(
            of=("self",), no_key=True
        )
        .filter(
            classroom_subject=classroom_subject,
            archived_at__isnull=True,
            pk__in={change.assessment_id for change in changes},
        )
        .select_related("term")
        .order_by("pk")
    }
    locked = sorted({a.term.name for a in assessments.values() if a.term.locked})
    if locked:
        raise GridRejected(
            general=_("The term %(term)s is locked: its grades cannot change.")
            % {"term": ", ".join(locked)}
        )
    enrolled_ids = set(
        Enrollment.objects.filter(
            classroom_id=classroom_subject.classroom_id,
            student_id__in={change.student_id for change in changes},
        ).values_list("student_id", flat=True)
    )
    parsed, problems = _parse_changes(changes, assessments, enrolled_ids)
    if problems:
        raise GridRejected(problems=problems)
    return parsed


def _write_scores(
    actor: Actor, classroom_subject, changes, parsed, reason
) -> list[SavedCell]:
    existing = {
        (score.student_id, score.assessment_id): score
        for score in Score.objects.select_for_update(of=("self",))
        .filter(
            assessment_id__in={c.assessment_id for c in changes},
            student_id__in={c.student_id for c in changes},
        )
        .order_by("pk")
    }
    now = timezone.now()
    to_create, to_update, audits, conflicts, saved = [], [], [], {}, []
    for change in changes:
        value = parsed[change.cell]
        score = existing.get(change.cell)
        comment = change.comment
        if score is None:
            comment = comment or ""
            if value.state == ScoreState.BLANK and not comment:
                # Still empty: nothing to store, but the cell is answered for.
                saved.append(
                    SavedCell(change.student_id, change.assessment_id, "", None, "")
                )
                continue
            score = Score(
                assessment_id=change.assessment_id,
                student_id=change.student_id,
                state=value.state,
                points=value.points,
                comment=comment,
                version=1,
                updated_by=actor.user,
                updated_at=now,
            )
            to_create.append(score)
            audits.append((score, None))
            continue
        comment = score.comment if comment is None else comment
        same_value = score.state == value.state and score.points == value.points
        if same_value and comment == score.comment:
            saved.append(_saved(score))
            continue
        if change.version != score.version:
            conflicts[change.cell] = score
            continue
        before = _score_snapshot(score.state, score.points, score.comment)
        score.state, score.points, score.comment = value.state, value.points, comment
        score.version += 1
        score.updated_by, score.updated_at = actor.user, now
        to_update.append(score)
        audits.append((score, before))
    if conflicts:
        raise GridRejected(problems=_conflict_problems(conflicts))

    if to_update:
        _update_scores(to_update, actor, now)
    if to_create:
        Score.objects.bulk_create(to_create)
    _record_changes(audits, actor, now, reason)
    saved.extend(_saved(score) for score, _before in audits)
    changed = len(audits)
    if changed:
        # Bulk writes send no signals: the cached reports learn of them here.
        report_versions.bump_classroom_subjects([classroom_subject.pk])
    transaction.on_commit(
        lambda: logger.info("scores_recorded", actor_id=actor.user_id, count=changed)
    )
    return saved


def _conflict_problems(conflicts: dict[Cell, Score]) -> dict[Cell, CellProblem]:
    """What each conflicting cell holds now, and who saved it (one query)."""
    names = dict(
        User.objects.filter(
            pk__in={score.updated_by_id for score in conflicts.values()}
        ).values_list("pk", "full_name")
    )
    return {
        cell: CellProblem(
            "conflict",
            _("Someone else changed this score after you loaded it."),
            current_text=format_cell(score.state, score.points),
            current_version=score.version,
            changed_by=names.get(score.updated_by_id, ""),
            changed_at=score.updated_at,
        )
        for cell, score in conflicts.items()
    }


UPDATED_FIELDS = ["state", "points", "comment", "version", "updated_by", "updated_at"]


def _update_scores(scores: list[Score], actor: Actor, now) -> None:
    if connection.vendor != "postgresql":
        Score.objects.bulk_update(scores, UPDATED_FIELDS)
        return
    # Django's bulk_update writes one CASE per field with a branch per row (about
    # ten seconds of query building for 2,400 cells), and a VALUES list costs
    # seven converted parameters a cell; the rows travel as one JSON document.
    table = connection.ops.quote_name(Score._meta.db_table)
    sql = (
        f"UPDATE {table} SET state = v.state, points = v.points, "  # noqa: S608 - names, not data
        "comment = v.comment, version = v.version, updated_by_id = %s, "
        "updated_at = %s "
        "FROM jsonb_to_recordset(%s::jsonb) "
        "AS v(id bigint, state text, points numeric, comment text, version integer) "
        f"WHERE {table}.id = v.id"
    )
    rows = [
        {
            "id": score.pk,
            "state": score.state,
            "points": None if score.points is None else str(score.points),
            "comment": score.comment,
            "version": score.version,
        }
        for score in scores
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [actor.user_id, now, json.dumps(rows)])


def _record_changes(audits, actor: Actor, now, reason: str) -> None:
    """One GradeChange row per (score, snapshot before) in `audits`."""
    if not audits:
        return
    if connection.vendor != "postgresql":
        GradeChange.objects.bulk_create(
            GradeChange(
                score=score,
                changed_by=actor.user,
                actor_program=actor.program,
                channel=actor.channel,
                before=before,
                after=_score_snapshot(score.state, score.points, score.comment),
                reason=reason,
                request_id=actor.request_id,
            )
            for score, before in audits
        )
        return
    # As the update above: the rows as one JSON document, not a model instance
    # and seven converted parameters a row. The snapshots are what the ORM stores.
    table = connection.ops.quote_name(GradeChange._meta.db_table)
    sql = (
        f"INSERT INTO {table} (score_id, term_grade_id, changed_by_id, "  # noqa: S608 - names, not data
        "actor_program, channel, changed_at, before, after, reason, request_id) "
        "SELECT v.score_id, NULL, %s, %s, %s, %s, v.before, v.after, %s, %s "
        "FROM jsonb_to_recordset(%s::jsonb) AS v(score_id bigint, before jsonb, "
        "after jsonb)"
    )
    rows = [
        {
            "score_id": score.pk,
            "before": before,
            "after": _score_snapshot(score.state, score.points, score.comment),
        }
        for score, before in audits
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                actor.user_id,
                actor.program,
                actor.channel,
                now,
                reason,
                actor.request_id,
                json.dumps(rows),
            ],
        )


def _saved(score: Score) -> SavedCell:
    return SavedCell(
        student_id=score.student_id,
        assessment_id=score.assessment_id,
        text=format_cell(score.state, score.points),
        version=score.version,
        comment=score.comment,
    )
