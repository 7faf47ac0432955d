"""Build models for architecture checks without allocating their weights.

An architecture check reads shapes and parameter counts, never weight values, yet building
VGG16 spends over a second (and 550 MB) drawing 138 million random numbers. Keras can defer a
variable's initialization: a variable created inside ``keras.StatelessScope`` keeps its shape and
initializer and gets a value only when something asks for one. Everything here falls back to an
ordinary build, so a Keras that changes this costs time, never a wrong result.
"""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def unallocated_weights():
    """Layers built inside get variables with shapes but no values; yields the scope (or None)."""
    import keras

    try:
        from keras.src.backend.common import global_state
    except ImportError:  # deferred initialization moved: build normally, only slower
        yield None
        return
    before = list(global_state.get_global_attribute("uninitialized_variables") or [])
    try:
        with keras.StatelessScope(initialize_variables=False) as scope:
            yield scope
    finally:
        # Keras keeps a list of deferred variables and fills them in when it next leaves a
        # stateless scope of its own; a checked model's variables must stay empty, so drop them.
        global_state.set_global_attribute("uninitialized_variables", before)


def build_without_weights(build, *args, **kwargs):
    """``build(*args, **kwargs)``, with the model's weights left unallocated where possible.

    The model is for reading (layers, shapes, parameter counts), not for running: predict or fit
    on it fails.

    If the function sets weight values or fails, it is called again normally, so its result or
    its error is a plain call's (a value assigned inside the scope would be lost on leaving it).
    A student's function seen from the judge (remote.py) builds its model this way in its own
    kernel, and the model comes back without weights.
    """
    if hasattr(build, "call_without_weights"):
        return build.call_without_weights(*args, **kwargs)
    try:
        with unallocated_weights() as scope:
            model = build(*args, **kwargs)
        if scope is None or not getattr(scope, "state_mapping", None):
            return model
    except Exception:  # noqa: BLE001 - the plain call below gives the real result or error
        pass
    return build(*args, **kwargs)
