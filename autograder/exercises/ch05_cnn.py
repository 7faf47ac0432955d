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
from ..checks.errors import stage_error
from ..i18n.messages import N_
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
    "layers": N_("build_alexnet() has AlexNet's layers in order: 5 Conv2D, 3 MaxPooling2D, Flatten, 3 Dense "
                 "with a Dropout after each of the first two"),
    "settings": N_("build_alexnet()'s layers have AlexNet's settings: filters, kernels, strides, padding, "
                   "activations and Dropout rates"),
    "shapes": N_("build_alexnet() gives AlexNet's output shape after every layer for a 227x227x3 input"),
    "params": N_("build_alexnet() has AlexNet's 62,378,344 parameters"),
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


# --- saving and loading ---------------------------------------------------------------------

SAVING_SECTION = N_("Saving and loading a trained model")
SAVING_HINTS = {
    "save": N_("save_model_files(model, folder) makes the folder if it is missing (os.makedirs(folder, "
               "exist_ok=True)), then calls model.save and model.save_weights"),
    "paths": N_("return the two paths, (model_path, weights_path)"),
    "keras_load": N_("the first path must be a model saved with model.save(...) in the .keras format"),
    "load_weights": N_("the second path must hold the weights alone, saved with model.save_weights(...) to a "
                       "name ending in .weights.h5"),
    "load_for_inference": N_("load_for_inference(path) returns keras.saving.load_model(path, ...)"),
    "own_call": N_("load_for_inference(path) returns the loaded model"),
    "trusted_load": N_("load_for_inference(path, trusted=True) loads with safe_mode=False"),
    "trusted_call": N_("load_for_inference(path, trusted=True) returns the loaded model"),
}


def saving_model(name: str = "tiny_cnn", seed: int = 0, classes: int = 3):
    """The judge's small trained-looking CNN: seeded weights, compiled with SGD, and inputs for it."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"), layers.Flatten(),
                              layers.Dense(classes, activation="softmax")], name=name)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    x = np.random.default_rng(seed).normal(size=(4, 8, 8, 1)).astype("float32")
    return model, x


def _stage_failure(report: dict, what: str) -> CheckError:
    return stage_error(report, lambda stage, error: N_(
        f"{what}: {error}; {SAVING_HINTS.get(stage, '')}. Reread \"{SAVING_SECTION}\"."))


def assert_saves_and_loads(save_model_files, load_for_inference, name: str = "tiny_cnn", seed: int = 0,
                           folder_name: str = "saved/models", names: bool = False) -> None:
    """``save_model_files(model, folder)`` on the judge's compiled model writes a ``.keras`` file (a
    zip that Keras loads back compiled, computing what the model computes) and a ``.weights.h5``
    file (weights a fresh copy of the model computes the same with) in a folder it creates, and
    returns their paths; ``load_for_inference`` loads the first. With ``names``, the files must be
    ``<name>.keras`` and ``<name>.weights.h5`` (a test of its own: a slip in naming costs that share)."""
    from ..checks.arrays import assert_array_matches
    from ..remote import run_probe

    import os

    import keras

    model, x = saving_model(name, seed)
    expected = keras.ops.convert_to_numpy(model(x))
    what = N_(f"save_model_files(model named {name!r}, folder)")
    report = run_probe("saving_trial", save_model_files, load_for_inference, model, x, folder_name)

    def need(key):
        if key not in report:
            raise _stage_failure(report, what)
        return report[key]

    returned = need("returned")
    folder = report.get("folder", "")
    if len(returned) != 2:
        raise CheckError(f"{what} returned {len(returned)} paths, expected 2: (model_path, weights_path). "
                         f"Reread \"{SAVING_SECTION}\".")
    endings = (".keras", ".weights.h5")
    for found, ending, kind in zip(returned, endings, ("model", "weights")):
        wanted = os.path.join(folder, name + ending)
        if names and os.path.normpath(found) != os.path.normpath(wanted):
            raise CheckError(f"{what} returned {os.path.basename(found)!r} as the {kind} file, expected "
                             f"{os.path.basename(wanted)!r} in the folder: the model's name (model.name) and the "
                             f"extension {ending}. Reread \"{SAVING_SECTION}\".")
        if not found.endswith(ending) or os.path.normpath(os.path.dirname(found)) != os.path.normpath(folder):
            raise CheckError(f"{what} returned {found!r} as the {kind} file, expected a file ending in {ending} "
                             f"in the folder it was given. Reread \"{SAVING_SECTION}\".")
    files = report.get("files") or []
    missing = [os.path.basename(path) for path in returned if os.path.basename(path) not in files]
    if missing:
        raise CheckError(f"{what} returned the right paths, but the folder holds {files}, not {missing}. "
                         f"Reread \"{SAVING_SECTION}\".")
    members = report.get("members") or []
    if not {"config.json", "model.weights.h5"} <= set(members):
        raise CheckError(f"{os.path.basename(returned[0])} is not in the .keras format (a zip holding config.json and "
                         f"model.weights.h5; found {members or 'no zip'}): save it with model.save(path) and a "
                         f"path ending in .keras. Reread \"{SAVING_SECTION}\".")
    assert_array_matches(need("loaded_output"), expected, rtol=1e-5, atol=1e-6,
                         what=f"the model keras.saving.load_model reads from {name}.keras", section=SAVING_SECTION)
    if not report.get("compiled") or report.get("optimizer") != "SGD":
        raise CheckError(f"the model loaded from {name}.keras is not compiled as the original was (SGD; found "
                         f"{report.get('optimizer')}): model.save keeps the compile settings and the optimizer's "
                         f"state, so that training can go on. Reread \"{SAVING_SECTION}\".")
    assert_array_matches(need("weights_output"), expected, rtol=1e-5, atol=1e-6,
                         what=f"a fresh copy of the model after load_weights({name}.weights.h5)",
                         section=SAVING_SECTION)
    assert_array_matches(need("own_output"), expected, rtol=1e-5, atol=1e-6,
                         what=f"the model load_for_inference reads from {name}.keras", section=SAVING_SECTION)


def assert_refuses_untrusted_lambda(load_for_inference, seed: int = 0) -> None:
    """``load_for_inference(path)`` refuses a .keras file whose Lambda layer holds Python bytecode
    (safe mode, ValueError); ``load_for_inference(path, trusted=True)`` loads it and it computes
    2 * (x @ kernel + bias) with the judge's weights."""
    from ..checks.arrays import assert_array_matches
    from ..remote import run_probe

    rng = np.random.default_rng(seed)
    kernel = rng.normal(size=(3, 2)).astype("float32")
    bias = rng.normal(size=(2,)).astype("float32")
    x = rng.normal(size=(4, 3)).astype("float32")
    report = run_probe("lambda_loading_trial", load_for_inference, kernel, bias, x)
    error = report.get("untrusted_error")
    if error and error.get("type") == "NotImplementedError" and not error.get("message"):
        raise NotImplementedError
    if report.get("untrusted_loaded"):
        raise CheckError("load_for_inference(path) loaded a model with a Lambda layer from a file: a Lambda's "
                         "function is saved as Python bytecode, which loading would run. By default (trusted="
                         "False) keep Keras' safe mode (safe_mode=True), which refuses it with a ValueError. "
                         f"Reread \"{SAVING_SECTION}\".")
    if not error or error.get("type") != "ValueError" or "safe_mode" not in error.get("message", ""):
        raise CheckError(f"load_for_inference(path) on a model with a Lambda layer should fail with Keras' "
                         f"safe-mode ValueError, but raised {error.get('type') if error else 'nothing'} "
                         f"({(error or {}).get('message', '')[:120]}). Reread \"{SAVING_SECTION}\".")
    if "trusted_output" not in report:
        raise _stage_failure(report, "load_for_inference(path, trusted=True)")
    assert_array_matches(report["trusted_output"], 2 * (x @ kernel + bias), rtol=1e-5, atol=1e-5,
                         what="the model load_for_inference(path, trusted=True) reads (a Dense, then a Lambda "
                              "that doubles)", section=SAVING_SECTION)


@public_test("save_and_load")
def saves_model_and_weights(save_model_files, load_for_inference):
    """save_model_files writes a .keras and a .weights.h5 file into a new folder; both load back the same"""
    assert_saves_and_loads(save_model_files, load_for_inference)


@public_test("save_and_load")
def names_files_after_the_model(save_model_files, load_for_inference):
    """save_model_files names the files <model.name>.keras and <model.name>.weights.h5"""
    assert_saves_and_loads(save_model_files, load_for_inference, names=True)


@public_test("save_and_load")
def refuses_lambda_unless_trusted(load_for_inference):
    """load_for_inference refuses a Lambda layer's bytecode unless trusted=True"""
    assert_refuses_untrusted_lambda(load_for_inference)


# --- looking inside: a confusion matrix, feature maps ---------------------------------------------

LOOKING_SECTION = N_("Looking inside a trained CNN")


def reference_confusion(y_true, y_pred, num_classes: int) -> np.ndarray:
    """counts[i, j]: how many samples of true class i were predicted as class j."""
    return np.bincount(np.asarray(y_true) * num_classes + np.asarray(y_pred),
                       minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def confusion_case(count: int, num_classes: int, seed: int = 0, accuracy: float = 0.7):
    """Labels and predictions that are right about ``accuracy`` of the time, wrong at random otherwise."""
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, num_classes, count)
    wrong = rng.random(count) > accuracy
    y_pred = np.where(wrong, rng.integers(0, num_classes, count), y_true)
    return y_true.astype("int64"), y_pred.astype("int64")


def assert_confusion(confusion_matrix, y_true, y_pred, num_classes: int) -> None:
    """``confusion_matrix(y_true, y_pred, num_classes)`` is the judge's table of counts, as integers."""
    from ..checks.arrays import assert_array_matches

    expected = reference_confusion(y_true, y_pred, num_classes)
    what = N_(f"confusion_matrix(y_true, y_pred, {num_classes}) on {len(y_true)} labels")
    found = confusion_matrix(y_true.copy(), y_pred.copy(), num_classes)
    found = np.asarray(found) if not isinstance(found, np.ndarray) else found
    if found.shape != expected.shape:
        raise CheckError(f"{what} has shape {found.shape}, expected {expected.shape}: one row per true class and one "
                         f"column per predicted class, every class counted even when no sample has it. "
                         f"Reread \"{LOOKING_SECTION}\".")
    if found.dtype.kind not in "iu":
        raise CheckError(f"{what} holds {found.dtype} values, expected integers: it counts samples "
                         f"(np.zeros((C, C), dtype=int)). Reread \"{LOOKING_SECTION}\".")
    if np.array_equal(found, expected.T) and not np.array_equal(found, expected):
        raise CheckError(f"{what} is the transpose of the expected table: rows are the true classes, columns the "
                         f"predicted ones (counts[true, predicted]). Reread \"{LOOKING_SECTION}\".")
    assert_array_matches(found, expected, rtol=0, atol=0, what=what, section=LOOKING_SECTION)


def feature_map_model(kind: str = "sequential", seed: int = 0, filters: int = 4, image_shape=(12, 12, 1)):
    """The judge's small CNN whose first Conv2D the feature maps come from: a Sequential that
    rescales first, or a functional model with a branch-free stem."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    if kind == "sequential":
        return keras.Sequential([keras.Input(image_shape), layers.Rescaling(1 / 255.0),
                                 layers.Conv2D(filters, 3, activation="relu"), layers.MaxPooling2D(),
                                 layers.Conv2D(2 * filters, 3), layers.Flatten(), layers.Dense(3)])
    inputs = keras.Input(image_shape)
    x = layers.ZeroPadding2D(1)(inputs)
    x = layers.Conv2D(filters, 5, strides=2, activation="tanh", bias_initializer="random_normal")(x)
    x = layers.Conv2D(filters, 3)(x)
    outputs = layers.Dense(2)(layers.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, outputs)


def reference_feature_maps(model, image) -> np.ndarray:
    import keras

    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    return keras.ops.convert_to_numpy(keras.Model(model.inputs, conv.output)(image[None]))[0]


def assert_feature_maps(first_conv_feature_maps, kind: str = "sequential", seed: int = 0, filters: int = 4,
                        image_shape=(12, 12, 1)) -> None:
    """``first_conv_feature_maps(model, image)`` is what the model's first Conv2D outputs for one image
    (after the layers before it, activation included), as an (H', W', filters) array."""
    from ..checks.arrays import assert_array_matches
    import keras

    model = feature_map_model(kind, seed, filters, image_shape)
    image = np.random.default_rng(seed).uniform(0, 255, image_shape).astype("float32")
    expected = reference_feature_maps(model, image)
    what = N_(f"first_conv_feature_maps(model, image) on a {kind} model and one {image_shape} image")
    found = first_conv_feature_maps(model, image)
    if isinstance(found, keras.KerasTensor):
        raise CheckError(f"{what} returned a symbolic tensor: call the feature extractor on the image")
    try:
        found = np.asarray(found, dtype="float32")
    except (TypeError, ValueError):
        raise CheckError(f"{what} returned a {type(found).__name__}, expected an array of shape {expected.shape}. "
                         f"Reread \"{LOOKING_SECTION}\".") from None
    if found.shape == (1, *expected.shape):
        raise CheckError(f"{what} has shape {found.shape}: return the maps of the one image, {expected.shape} "
                         f"(index [0] of the batch). Reread \"{LOOKING_SECTION}\".")
    if found.shape != expected.shape:
        raise CheckError(f"{what} has shape {found.shape}, but the model's first Conv2D gives {expected.shape} "
                         f"for it: take the first Conv2D in model.layers, not another layer. "
                         f"Reread \"{LOOKING_SECTION}\".")
    try:
        assert_array_matches(found, expected, rtol=1e-4, atol=1e-4, what=what)
    except CheckError as error:
        raise CheckError(f"{error} The maps are the layer's own output: the layers before it applied (a Rescaling "
                         f"too) and its activation included, as keras.Model(model.inputs, conv.output) gives them. "
                         f"Reread \"{LOOKING_SECTION}\".") from None


@public_test("looking_inside")
def confusion_counts(confusion_matrix):
    """confusion_matrix counts each (true, predicted) pair for 200 labels of 10 classes"""
    y_true, y_pred = confusion_case(200, 10)
    assert_confusion(confusion_matrix, y_true, y_pred, 10)


@public_test("looking_inside")
def feature_maps_of_first_conv(first_conv_feature_maps):
    """first_conv_feature_maps gives the first Conv2D's output for one image"""
    assert_feature_maps(first_conv_feature_maps)
