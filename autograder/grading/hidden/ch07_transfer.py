"""Chapter 7's hidden-test helpers (grader only; the shared ones stay in autograder/exercises/ch07_transfer.py):
a brief fit of a transfer model, which variables of the base it moved, and bad values of n.
"""

from __future__ import annotations

import numpy as np

from ...checks import CheckError
# _links: the model variables that link_to_base (run by build_on and unfrozen) tied to the base's.
from ...exercises.ch07_transfer import SECTION_BN, _kind, _links


def snapshot(layers_) -> dict:
    """Every variable (weights and BatchNormalization statistics) of these layers, as NumPy copies."""
    return {(layer.name, i): np.array(v) for layer in layers_ for i, v in enumerate(layer.weights)}


def moved(layers_, before: dict) -> list[tuple]:
    """(layer, variable name) for each variable of these layers that changed since ``before``."""
    return [(layer, getattr(v, "name", str(i))) for layer in layers_ for i, v in enumerate(layer.weights)
            if not np.array_equal(np.array(v), before[(layer.name, i)])]


def assert_moves_exactly(layers_, before: dict, expected_layers, what: str, section: str) -> None:
    """Among these layers, exactly ``expected_layers`` changed (each at least one variable)."""
    changed = moved(layers_, before)
    wrong = [f"{layer.name} ({_kind(layer)}) {name}" for layer, name in changed if layer not in expected_layers]
    batch_norm = [text for text in wrong if "BatchNormalization" in text]
    if batch_norm:
        raise CheckError(
            f"{what} changed {batch_norm}: BatchNormalization layers must stay frozen, weights and moving "
            f"statistics alike (trainable=False also runs them in inference mode) (reread {SECTION_BN})")
    if wrong:
        raise CheckError(f"{what} changed {wrong}, which should stay frozen (reread {section})")
    still = [f"{layer.name} ({_kind(layer)})" for layer in expected_layers
             if not any(layer is changed_layer for changed_layer, _ in changed)]
    if still:
        raise CheckError(f"{what} left {still} unchanged: the unfrozen layers should train (reread {section})")


def fit_briefly(model, learning_rate: float = 1e-2, samples: int = 8, seed: int = 0):
    """Compile with Adam and fit one epoch on a handful of random samples, eagerly (fast for tiny data)."""
    import keras

    rng = np.random.default_rng(seed)
    shape = tuple(model.inputs[0].shape[1:])
    classes = int(model.outputs[0].shape[-1])
    x = rng.random((samples, *shape), dtype=np.float32)
    y = rng.integers(0, classes, size=samples)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  run_eagerly=True)
    model.fit(x, y, epochs=1, batch_size=4, shuffle=False, verbose=0)
    for variable, base_variable in _links.get(id(model), []):
        base_variable.assign(variable.value)


def assert_value_error(call, what: str, hint: str) -> None:
    try:
        call()
    except ValueError:
        return
    except Exception as error:  # noqa: BLE001 - the wrong kind of error is the failure
        raise CheckError(f"{what} raised {type(error).__name__}, expected ValueError: {hint}") from None
    raise CheckError(f"{what} should raise ValueError: {hint}")


def assert_base_frozen(base_model, what: str) -> None:
    """The base's own feature layers are frozen after build_transfer_model: the very layers are
    reused (a copy with the same weights would leave these trainable)."""
    from ...exercises.ch07_transfer import SECTION_FROZEN, feature_layers

    trainable = [layer.name for layer in feature_layers(base_model) if layer.trainable]
    if trainable:
        raise CheckError(f"after {what} the base's own layers {trainable} are still trainable: freeze the base's "
                         "layers themselves (base_model.trainable = False, or each layer's trainable = False) and "
                         f"build on them, not on a copy; reread {SECTION_FROZEN}")
