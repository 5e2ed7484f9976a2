"""How services enqueue background tasks (django-tasks): with their own write.

A shared helper: it knows tasks, not what they do, and imports no app.
"""

from functools import partial

from django.db import transaction
from django_tasks_db import DatabaseBackend


def enqueue_in_transaction(task_, **kwargs) -> None:
    """Enqueue `task_` so that it exists only if the current transaction commits.

    The database backend writes the task's row in this very transaction: it
    commits or rolls back with the write that caused it, and no worker sees it
    before the commit. Any other backend (the immediate one runs the task on the
    spot) is only called once the transaction has committed.
    """
    if isinstance(task_.get_backend(), DatabaseBackend):
        task_.enqueue(**kwargs)
    else:
        transaction.on_commit(partial(task_.enqueue, **kwargs), robust=True)
