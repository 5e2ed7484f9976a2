"""Two teachers saving at once, in two real PostgreSQL transactions."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from grades.models import GradeChange, Score
from grades.services.scores import CellChange, GridRejected, scores_record
from school.audit import Actor

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def in_thread(target):
    outcome = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_save_waiting_on_a_locked_score_sees_the_other_save_and_refuses(
    teacher, admin, classroom_subject, student, quiz
):
    scores_record(
        actor=Actor(user=teacher),
        classroom_subject=classroom_subject,
        changes=[CellChange(student.pk, quiz.pk, "10", None)],
    )
    locked, release = threading.Event(), threading.Event()

    def other_save():
        with transaction.atomic():
            score = Score.objects.select_for_update().get(
                student=student, assessment=quiz
            )
            locked.set()
            release.wait(timeout=10)
            score.points, score.version, score.updated_by = Decimal("11"), 2, admin
            score.save()

    other, _ = in_thread(other_save)
    assert locked.wait(timeout=10)
    mine, outcome = in_thread(
        lambda: scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, quiz.pk, "15", 1)],
        )
    )
    mine.join(timeout=0.5)
    assert mine.is_alive(), "the second save must wait for the row lock"
    release.set()
    other.join(timeout=10)
    mine.join(timeout=10)
    assert isinstance(outcome.get("error"), GridRejected)
    problem = outcome["error"].problems[(student.pk, quiz.pk)]
    assert (problem.code, problem.current_text) == ("conflict", "11")
    assert Score.objects.get(student=student, assessment=quiz).points == Decimal("11")


def test_two_saves_of_the_same_new_score_at_once_leave_one_score(
    teacher, classroom_subject, student, quiz
):
    start = threading.Barrier(2)

    def save():
        start.wait(timeout=10)
        return scores_record(
            actor=Actor(user=teacher),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, quiz.pk, "14", None)],
        )

    threads = [in_thread(save) for _ in range(2)]
    for thread, _outcome in threads:
        thread.join(timeout=20)
    assert [outcome.get("error") for _thread, outcome in threads] == [None, None]
    assert Score.objects.filter(student=student, assessment=quiz).count() == 1
    assert GradeChange.objects.count() == 1


def test_two_different_values_for_the_same_new_score_keep_one_and_refuse_the_other(
    teacher, admin, classroom_subject, student, quiz
):
    start = threading.Barrier(2)

    def save(actor, text):
        start.wait(timeout=10)
        return scores_record(
            actor=Actor(user=actor),
            classroom_subject=classroom_subject,
            changes=[CellChange(student.pk, quiz.pk, text, None)],
        )

    threads = [
        in_thread(lambda: save(teacher, "14")),
        in_thread(lambda: save(admin, "16")),
    ]
    for thread, _outcome in threads:
        thread.join(timeout=20)
    errors = [outcome.get("error") for _thread, outcome in threads]
    assert sum(isinstance(error, GridRejected) for error in errors) == 1
    assert sum(error is None for error in errors) == 1
    stored = Score.objects.get(student=student, assessment=quiz)
    winner = "14" if errors[0] is None else "16"
    assert stored.points == Decimal(winner)
    assert GradeChange.objects.count() == 1
