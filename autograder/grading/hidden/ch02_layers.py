"""Chapter 2's hidden-test helpers (grader only). The Keras references and the activation and model
checks are shared with the public tests and stay in autograder/exercises/ch02_layers.py.
"""

from __future__ import annotations

import numpy as np

from ...checks.arrays import call_cleanly
from ...exercises.ch02_layers import SECTIONS, _call_text


def assert_no_runtime_warning(func, name: str, x, **kwargs) -> None:
    """``func(x, **kwargs)`` raises no NumPy overflow, divide-by-zero or invalid-value error and
    emits no RuntimeWarning, whatever its values (``assert_activation`` judges those).

    The student's own process reports this (strict_call): a test of its own, worth a small share,
    so that what the judge cannot see for itself never decides much of a grade."""
    x = np.asarray(x)
    call_cleanly(func, x, what=_call_text(name, x, kwargs), section=SECTIONS[name], **kwargs)
