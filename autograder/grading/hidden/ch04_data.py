"""Chapter 4's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch04_data.py)."""

from __future__ import annotations

import numpy as np

from ...checks.errors import CheckError
from ...exercises.ch04_data import PYDATASET_SECTION


def assert_fits(data, input_shape, num_classes: int, what: str) -> None:
    """A tiny model trains two silent epochs on ``data`` (in the student's kernel): finite losses,
    and weights that moved."""
    import keras

    from ...remote import run_probe

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                              keras.layers.Dense(num_classes, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", jit_compile=False)
    before = [np.array(w) for w in model.get_weights()]
    try:
        fitted = run_probe("fit_on", data, model, 2)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - whatever the student's class does wrong
        raise CheckError(f"model.fit({what}, epochs=2) failed: {type(error).__name__}: {str(error)[:200]}; "
                         f"reread {PYDATASET_SECTION}") from None
    losses = fitted["loss"]
    if len(losses) != 2 or not np.all(np.isfinite(losses)):
        raise CheckError(f"model.fit({what}, epochs=2) gave the losses {losses}, expected two finite values; "
                         f"reread {PYDATASET_SECTION}")
    if all(np.array_equal(a, np.array(b)) for a, b in zip(before, fitted["model"].get_weights())):
        raise CheckError(f"model.fit({what}, epochs=2) did not change the model's weights: the batches should "
                         f"hold the examples and their labels; reread {PYDATASET_SECTION}")
