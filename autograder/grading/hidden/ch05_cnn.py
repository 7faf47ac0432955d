"""Chapter 5's hidden-test helpers (grader only): AlexNet judged by aspect for other input shapes
and class counts. The other hidden tests build their layer specs from autograder.checks in the
cells themselves.
"""

from __future__ import annotations

from ...checks import assert_spec_aspect, build_without_weights, dense
from ...exercises.ch05_cnn import ALEXNET_DEFAULT

# (input shape, classes): small, grayscale and odd-sized inputs, few and many classes.
ALEXNET_CASES = [((99, 99, 3), 17), ((227, 227, 1), 10), ((131, 115, 3), 2)]


def alexnet_spec(num_classes: int) -> list:
    return [*ALEXNET_DEFAULT[:-1], dense(num_classes, "softmax")]


def assert_alexnet_aspect(build_alexnet, aspect: str) -> None:
    """One aspect (layers, settings, shapes, params) for every case, naming the call that fails."""
    from ...checks import context

    for shape, classes in ALEXNET_CASES:
        with context(f"build_alexnet(input_shape={shape}, num_classes={classes})"):
            model = build_without_weights(build_alexnet, input_shape=shape, num_classes=classes)
            assert_spec_aspect(model, alexnet_spec(classes), shape, aspect)
