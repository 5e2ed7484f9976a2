"""No signal receiver writes to the database: every write goes through a service
(DESIGN.md, house rule 1). The receivers still connected to the project's models
are listed here by name; a new one fails this test."""

import pytest
from django.apps import apps
from django.db.models import signals

PROJECT_APPS = ("accounts", "classrooms", "grades", "school")
MODEL_SIGNALS = {
    "pre_init": signals.pre_init,
    "post_init": signals.post_init,
    "pre_save": signals.pre_save,
    "post_save": signals.post_save,
    "pre_delete": signals.pre_delete,
    "post_delete": signals.post_delete,
    "m2m_changed": signals.m2m_changed,
}

# Receivers of the project models that may exist: none (login logging listens
# to auth signals, not to models).
EXPECTED: set = set()


def _project_receivers():
    found = set()
    models = {
        model
        for label in PROJECT_APPS
        for model in apps.get_app_config(label).get_models()
    }
    for name, signal in MODEL_SIGNALS.items():
        for model in models:
            for receiver in signal._live_receivers(model)[0]:
                module = getattr(receiver, "__module__", "")
                found.add((name, model._meta.label, module))
    return found


def test_the_receivers_of_the_projects_models_are_the_expected_ones():
    assert _project_receivers() == EXPECTED


def test_no_grades_receiver_is_connected():
    from_grades = {
        (name, model, module)
        for name, model, module in _project_receivers()
        if model.startswith("grades.")
    }
    assert from_grades == set()


@pytest.mark.parametrize("name", sorted(MODEL_SIGNALS))
def test_the_signals_are_read_for_real(name):
    # The helper sees a receiver connected to a project model.
    signal = MODEL_SIGNALS[name]
    model = apps.get_model("grades", "GradeBand")

    def receiver(**kwargs):
        pass

    signal.connect(receiver, sender=model, weak=False)
    try:
        assert (name, "grades.GradeBand", __name__) in _project_receivers()
    finally:
        signal.disconnect(receiver, sender=model)
