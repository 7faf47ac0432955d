"""Chapter 1's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch01_setup.py)."""

from __future__ import annotations

from ...checks.architecture import assert_matches_spec
from ...checks.behaviour import assert_probabilities
from ...checks.compile_settings import assert_compiled_for
from ...checks.errors import CheckError, context
from ...exercises.ch01_setup import FIRST_MODEL_SECTION, first_model_spec


def assert_first_model(model, input_dim: int, num_classes: int, hidden_units: int, what: str) -> None:
    """Layers, shapes, parameters, softmax output and compile settings of a first model."""
    with context(what):
        assert_matches_spec(model, first_model_spec(num_classes, hidden_units), (input_dim,))
        assert_probabilities(model)
    assert_compiled_for(model, optimizer="adam", loss="sparse_categorical_crossentropy",
                        metrics=["sparse_categorical_accuracy"], what=what, section=FIRST_MODEL_SECTION)


FAKE_GPUS = ["/physical_device:GPU:0", "/physical_device:GPU:1"]


def assert_lists_gpus(environment_report) -> None:
    """With two GPUs made up for TensorFlow, the report lists their names, read at call time."""
    from ...remote import run_probe

    report = run_probe("report_with_fake_gpus", environment_report, FAKE_GPUS)
    found = report.get("gpus") if isinstance(report, dict) else None
    if found != FAKE_GPUS:
        raise CheckError(f"with tf.config.list_physical_devices('GPU') listing {FAKE_GPUS}, environment_report()"
                         f"['gpus'] is {found!r}: list each device's .name, read when the function is called; "
                         'reread "Checking versions and devices"')
