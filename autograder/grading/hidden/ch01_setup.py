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


# Made-up GPUs, named as each backend names them (see GPU_LISTING).
FAKE_GPUS = {"tensorflow": ["/physical_device:GPU:0", "/physical_device:GPU:1"],
             "jax": ["cuda:0", "cuda:1"], "torch": ["cuda:0", "cuda:1"]}


def assert_lists_gpus(environment_report) -> None:
    """With two GPUs made up for the running backend, the report lists their names, read at call time."""
    from ...exercises.ch01_setup import GPU_LISTING, report_backend
    from ...remote import run_probe

    backend = report_backend()
    names = FAKE_GPUS.get(backend, FAKE_GPUS["tensorflow"])
    report = run_probe("report_with_fake_gpus", environment_report, names)
    found = report.get("gpus") if isinstance(report, dict) else None
    if found != names:
        listing = GPU_LISTING.get(backend, GPU_LISTING["tensorflow"])
        raise CheckError(f"with the {backend} backend listing the GPUs {names} ({listing}), environment_report()"
                         f"['gpus'] is {found!r}: list each GPU the running backend sees by its name, read when the "
                         'function is called; reread "Checking versions and devices"')
