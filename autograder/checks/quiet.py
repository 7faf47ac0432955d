"""Checks run without printing Python warnings.

nbgrader scores a graded cell 0 when it writes anything to stderr, and Keras warns about
things a correct answer may do (``input_shape=`` on a layer, Keras 2 style). Whatever the
checks themselves trigger while they build or inspect models must never cost a student points.
"""

from __future__ import annotations

import functools
import warnings
from contextlib import contextmanager


@contextmanager
def quiet():
    """Silence Python warnings inside the block (Keras' UserWarnings included)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def quietly(func):
    """Decorator: run ``func`` inside ``quiet()``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with quiet():
            return func(*args, **kwargs)

    return wrapper
