"""Public tests of chapter 5: LeNet-5, AlexNet, VGG.

They check the defaults the exercise text states. The hidden tests (in the instructor's
notebook only) try other input shapes, class counts and depths.
"""

from __future__ import annotations

import numpy as np

from ..checks import (
    MAX_OR_AVERAGE, NONLINEAR, CheckError, assert_input_shape, assert_matches_spec,
    assert_output_shape, assert_param_count, assert_probabilities, assert_same_architecture,
    assert_spec_aspect, assert_weight_layers, build_without_weights, conv, dense, dropout, flatten, pool,
)
from . import public_test

LENET5_DEFAULT = [
    conv(6, 5, activation=NONLINEAR), pool(2, kind=MAX_OR_AVERAGE),
    conv(16, 5, activation=NONLINEAR), pool(2, kind=MAX_OR_AVERAGE),
    flatten(), dense(120, NONLINEAR), dense(84, NONLINEAR), dense(10, "softmax"),
]

ALEXNET_DEFAULT = [
    conv(96, 11, strides=4), pool(3, 2),
    conv(256, 5, padding="same"), pool(3, 2),
    conv(384, 3, padding="same"), conv(384, 3, padding="same"), conv(256, 3, padding="same"),
    pool(3, 2),
    flatten(), dense(4096, "relu"), dropout(0.5), dense(4096, "relu"), dropout(0.5),
    dense(1000, "softmax"),
]

VGG16_BLOCKS = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
VGG16_DEFAULT = [
    layer
    for filters, n in VGG16_BLOCKS
    for layer in [conv(filters, 3, padding="same")] * n + [pool(2, 2)]
] + [flatten(), dense(4096, "relu"), dropout(0.5), dense(4096, "relu"), dropout(0.5),
     dense(1000, "softmax")]


# --- LeNet-5 -------------------------------------------------------------------------------

@public_test("lenet5")
def lenet5_layers(build_lenet5):
    """build_lenet5() has LeNet-5's layers, shapes and parameters at the defaults"""
    assert_matches_spec(build_lenet5(), LENET5_DEFAULT, (32, 32, 1))


@public_test("lenet5")
def lenet5_parameters(build_lenet5):
    """build_lenet5() has 61,706 parameters"""
    assert_param_count(build_lenet5(), 61_706, "build_lenet5()")


@public_test("lenet5")
def lenet5_probabilities(build_lenet5):
    """build_lenet5() outputs class probabilities"""
    assert_probabilities(build_lenet5())


# --- Training LeNet ------------------------------------------------------------------------

TARGET_ACCURACY = 0.90


@public_test("train_lenet")
def trained_model(lenet):
    """lenet is a LeNet-5 for 32x32x1 digits with 10 classes"""
    assert_input_shape(lenet, (32, 32, 1), "lenet")
    assert_output_shape(lenet, (10,), "lenet")
    assert_param_count(lenet, 61_706, "lenet")


@public_test("train_lenet")
def training_history(history):
    """history holds per-epoch loss and accuracy, for training and validation"""
    logs = getattr(history, "history", None)
    if not isinstance(logs, dict):
        raise CheckError("history should be what model.fit(...) returns (a keras History)")
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if key not in logs:
            raise CheckError(
                f"history.history has no {key!r} (found {sorted(logs)}): compile with "
                'metrics=["accuracy"] and fit with validation_split or validation_data')
    if len(logs["loss"]) < 2:
        raise CheckError("train for at least 2 epochs so the curves show a trend")
    if not logs["loss"][-1] < logs["loss"][0]:
        raise CheckError(f"the training loss did not fall ({logs['loss'][0]:.3f} -> {logs['loss'][-1]:.3f})")


@public_test("train_lenet")
def reaches_target(test_accuracy):
    """test_accuracy reaches 0.90"""
    try:
        value = float(test_accuracy)
    except (TypeError, ValueError):
        raise CheckError("test_accuracy should be a number: the accuracy from lenet.evaluate(...)") from None
    if not 0.0 <= value <= 1.0:
        raise CheckError(f"test_accuracy should be a fraction between 0 and 1, found {value}")
    if value < TARGET_ACCURACY:
        raise CheckError(
            f"test accuracy {value:.3f} is below {TARGET_ACCURACY}: train for more epochs, "
            "and check that the images are scaled to [0, 1]")


# --- Plotting the curves -------------------------------------------------------------------

def _fake_history(epochs: int = 4):
    """A History with known values, so the test can find them in the plotted lines."""
    import keras

    rng = np.random.default_rng(1)
    history = keras.callbacks.History()
    history.history = {
        "loss": sorted(rng.random(epochs) + 1, reverse=True),
        "val_loss": sorted(rng.random(epochs) + 1.2, reverse=True),
        "accuracy": sorted(rng.random(epochs) * 0.5),
        "val_accuracy": sorted(rng.random(epochs) * 0.4),
    }
    return history


def _plotted_series(axes) -> list[np.ndarray]:
    return [np.asarray(line.get_ydata(), dtype=float) for line in axes.get_lines()]


@public_test("plot_history")
def two_panels_with_all_curves(plot_history):
    """plot_history(history) draws loss and accuracy, training and validation"""
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    history = _fake_history()
    fig = plot_history(history)
    try:
        if not isinstance(fig, Figure):
            raise CheckError(f"plot_history should return a matplotlib Figure, got {type(fig).__name__}")
        axes = [ax for ax in fig.get_axes() if ax.get_lines()]
        if len(axes) != 2:
            raise CheckError(f"expected 2 axes with curves (loss, accuracy), found {len(axes)}")
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            wanted = np.asarray(history.history[key], dtype=float)
            if not any(s.shape == wanted.shape and np.allclose(s, wanted) for ax in axes for s in _plotted_series(ax)):
                raise CheckError(f"no curve shows history.history[{key!r}]")
        for ax in axes:
            if not ax.get_xlabel() or not ax.get_ylabel():
                raise CheckError("label both axes of each plot (e.g. 'epoch' and 'loss')")
            if ax.get_legend() is None:
                raise CheckError("add a legend to each plot so training and validation can be told apart")
    finally:
        plt.close("all")


# --- AlexNet -------------------------------------------------------------------------------

# Judged by aspect (checks.architecture.ASPECTS): one wrong setting, say a Dropout rate of 0.4,
# costs the settings test alone, not every test that builds the model.
ALEXNET_ASPECTS = {
    "layers": "build_alexnet() has AlexNet's layers in order: 5 Conv2D, 3 MaxPooling2D, Flatten, 3 Dense "
              "with a Dropout after each of the first two",
    "settings": "build_alexnet()'s layers have AlexNet's settings: filters, kernels, strides, padding, "
                "activations and Dropout rates",
    "shapes": "build_alexnet() gives AlexNet's output shape after every layer for a 227x227x3 input",
    "params": "build_alexnet() has AlexNet's 62,378,344 parameters",
}


def _alexnet_aspect_test(aspect: str):
    def test(build_alexnet):
        model = build_without_weights(build_alexnet)  # shapes and counts only: no 62M random draws
        assert_spec_aspect(model, ALEXNET_DEFAULT, (227, 227, 3), aspect)

    test.__name__ = test.__qualname__ = f"alexnet_{aspect}"
    test.__doc__ = ALEXNET_ASPECTS[aspect]
    return public_test("alexnet")(test)


for _aspect in ALEXNET_ASPECTS:
    _alexnet_aspect_test(_aspect)


# --- VGG -----------------------------------------------------------------------------------

@public_test("vgg_block")
def block_layers(vgg_block):
    """vgg_block(x, 64, 2) adds two same-padded 3x3 ReLU convolutions and a 2x2 max-pool"""
    import keras

    inputs = keras.Input(shape=(32, 32, 3))
    outputs = vgg_block(inputs, 64, 2)
    if outputs is None:
        raise CheckError("vgg_block returned None: return the output tensor of the last layer")
    model = keras.Model(inputs, outputs)
    assert_matches_spec(model, [conv(64, 3, padding="same")] * 2 + [pool(2, 2)], (32, 32, 3))


@public_test("vgg")
def vgg16_layers(build_vgg):
    """build_vgg() is VGG16: 13 convolutions, 3 dense layers with dropout, 138,357,544 parameters"""
    model = build_without_weights(build_vgg)  # shapes and counts only: no 138M random draws
    assert_weight_layers(model, Conv2D=13, Dense=3)
    assert_matches_spec(model, VGG16_DEFAULT, (224, 224, 3))
    assert_param_count(model, 138_357_544, "build_vgg()")


@public_test("vgg")
def vgg16_like_keras_applications(build_vgg):
    """build_vgg() matches keras.applications.VGG16(weights=None) layer by layer"""
    import keras

    assert_same_architecture(build_without_weights(build_vgg),
                             build_without_weights(keras.applications.VGG16, weights=None))


@public_test("vgg")
def vgg_rejects_unknown_depth(build_vgg):
    """build_vgg(depth=12) raises ValueError"""
    try:
        build_vgg(depth=12, input_shape=(32, 32, 3), num_classes=10)
    except ValueError:
        return
    raise CheckError("build_vgg(depth=12) should raise ValueError: VGG has 11, 13, 16 or 19 weight layers")
