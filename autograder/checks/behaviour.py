"""Short behaviour checks: what a model outputs and whether it can learn."""

from __future__ import annotations

import numpy as np

from .errors import CheckError
from .quiet import quietly
from .summary import check_is_model


def seed(value: int = 0) -> None:
    """Seed Python, NumPy and the Keras backend, so checks give the same result every run."""
    import keras

    keras.utils.set_random_seed(value)


def sample_inputs(model, batch: int = 2, value_seed: int = 0) -> np.ndarray:
    """A small random batch that fits the model's input."""
    check_is_model(model)
    shape = tuple(model.input_shape[1:])
    return np.random.default_rng(value_seed).random((batch, *shape), dtype=np.float32)


@quietly
def predict(model, x) -> np.ndarray:
    import keras

    return keras.ops.convert_to_numpy(model(x, training=False))


def assert_output_range(y, low: float, high: float, what: str = "the output") -> None:
    y = np.asarray(y)
    if not np.all(np.isfinite(y)):
        raise CheckError(f"{what} contains NaN or infinite values")
    if y.min() < low or y.max() > high:
        raise CheckError(f"{what} should lie in [{low}, {high}], found values from {y.min():.4g} to {y.max():.4g}")


def assert_probabilities(model, x=None, atol: float = 1e-4) -> None:
    """Outputs are class probabilities: each row in [0, 1] and summing to 1 (a softmax output)."""
    x = sample_inputs(model) if x is None else x
    y = predict(model, x)
    try:
        assert_output_range(y, 0.0, 1.0, "the model's output")
    except CheckError as error:
        if not np.all(np.isfinite(y)):
            raise
        # Outside [0, 1] (a linear or relu output): say what to change, as the sum check does.
        raise CheckError(f'{error}: use activation="softmax" in the last layer') from None
    sums = y.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=atol):
        raise CheckError(
            f"each output row should sum to 1 (class probabilities), found sums {np.round(sums, 4).tolist()}: "
            'use activation="softmax" in the last layer')


@quietly
def assert_loss_decreases(model, x, y, loss, optimizer: str = "adam", steps: int = 5) -> None:
    """A copy of the model trained for a few steps on one fixed batch lowers its loss.

    A copy, so the student's model and its weights stay as they were.
    """
    import keras

    check_is_model(model)
    copy = keras.models.clone_model(model)
    if not copy.trainable_weights:
        raise CheckError("the model has no trainable weights, so it cannot learn: "
                         "did you set trainable=False on every layer?")
    copy.compile(optimizer=optimizer, loss=loss)
    losses = [float(copy.train_on_batch(x, y)) for _ in range(steps)]
    if not np.all(np.isfinite(losses)):
        raise CheckError(f"the loss became NaN or infinite while training: {losses}")
    if not losses[-1] < losses[0]:
        raise CheckError(
            f"the loss did not fall over {steps} training steps on a fixed batch "
            f"({losses[0]:.4g} -> {losses[-1]:.4g}): check the activations and the output layer")
