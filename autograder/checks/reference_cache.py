"""Reference values computed once per process: a judge grades a whole class with the same inputs.

A reference (Keras' optimizer trajectory for the judge's gradients, a layer's parameter count,
the summary of the model a spec describes) depends on its arguments alone, and a grading worker
judges forty submissions with the same arguments. ``@reference_cache`` computes each once.

Two rules keep a cached reference as good as a fresh one:
* every call gets its own deep copy, so a test that changes what it got changes nothing for the
  next submission;
* a computation runs with the random state of Python and of NumPy's global generator put back
  afterwards (building a Keras layer draws a default seed from Python's ``random``), so the state
  a test sees after it is the same whether the reference was computed or found.
Only pure computations belong here: no model whose weights a test trains, nothing of a student's.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import random
from contextlib import contextmanager

import numpy as np


@contextmanager
def same_random_state():
    """Python's and NumPy's global random state, put back as they were after the block."""
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def _key(value):
    """A hashable, exact key for an argument (arrays by their bytes; ``repr`` elides them)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype.str, value.shape, hashlib.sha256(np.ascontiguousarray(value).tobytes()).digest())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_key(v) for v in value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((repr(k), _key(v)) for k, v in value.items())))
    hash(value)  # a value with no exact key raises TypeError here (no cache), never a wrong hit later
    return (type(value).__qualname__, value)


def reference_cache(func):
    """Decorator: ``func``'s result for the same arguments computed once; every caller gets a copy."""
    results: dict = {}

    @functools.wraps(func)
    def cached(*args, **kwargs):
        try:
            key = (_key(args), _key(kwargs))
        except TypeError:  # an argument with no exact key: computed afresh, as without the cache
            with same_random_state():
                return func(*args, **kwargs)
        if key not in results:
            with same_random_state():
                results[key] = func(*args, **kwargs)
        return copy.deepcopy(results[key])

    cached.cache_clear = results.clear
    return cached
