import signal

import pytest
from django.core.management import call_command

from tests import factories


def add_students(classroom, count):
    students = []
    for _ in range(count):
        enrollment = factories.EnrollmentFactory(classroom=classroom)
        students.append(enrollment.student)
    return students


@pytest.fixture
def restore_signals():
    # db_worker installs its own SIGINT/SIGTERM handlers in this process.
    names = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {name: signal.getsignal(name) for name in names}
    yield
    for name, handler in saved.items():
        signal.signal(name, handler)


def run_worker():
    """Run the database queue's worker until the queue is empty."""
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        verbosity=0,
    )
