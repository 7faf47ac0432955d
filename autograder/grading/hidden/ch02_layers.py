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


def assert_layer_keyword_arguments(Linear) -> None:
    """``Linear(3, name="my_linear", trainable=False)`` keeps the name and the flag that
    ``keras.layers.Layer.__init__`` takes: the class passes ``**kwargs`` on."""
    from ...checks import CheckError
    from ...exercises.ch02_layers import CUSTOM_LAYER_SECTION

    call = 'Linear(3, name="my_linear", trainable=False)'
    try:
        layer = Linear(3, name="my_linear", trainable=False)
        name, trainable = layer.name, layer.trainable
    except Exception as error:  # noqa: BLE001 - the student's class may raise anything
        raise CheckError(f"{call} raised {type(error).__name__} ({str(error)[:120]}): __init__ takes **kwargs "
                         f"and passes them to super().__init__(**kwargs); reread {CUSTOM_LAYER_SECTION}") from None
    if name != "my_linear" or trainable is not False:
        raise CheckError(f"{call} has name {name!r} and trainable={trainable!r}: pass **kwargs on to "
                         f"super().__init__(**kwargs), which sets them; reread {CUSTOM_LAYER_SECTION}")
