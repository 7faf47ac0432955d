"""Public tests of chapter 7: transfer learning (feature extraction, then fine-tuning).

They check the defaults the exercise text states, on a tiny base model built here. The hidden
tests (in the instructor's notebook only) reuse the helpers below on other bases (Sequential
ones included), other class counts, other n and other learning rates; what only they use (fits,
snapshots of the base's variables) is in autograder/grading/hidden/ch07_transfer.py, which
students' images do not hold.

A transfer model is read by what it holds, not by how it was written: its variables that are
also the base's are "the base", every other variable is "the head". So a flat model (the base's
layers called on a new input) and a nested one (a feature extractor inside the new model) are
both fine, as long as they reuse the base's own layers and so its trained weights.
"""

from __future__ import annotations

import numpy as np

from ..checks import CheckError, assert_probabilities
from ..checks.compile_settings import assert_loss, assert_metrics, assert_optimizer, learning_rate_of
from ..i18n.messages import N_
from . import public_test

FEATURES = "features"
SECTION_FROZEN = N_('"Feature extraction: freeze the base"')
SECTION_UNFREEZE = N_('"Fine-tuning: unfreeze the top layers"')
SECTION_BN = N_('"BatchNormalization stays frozen"')
SECTION_SPLIT = N_('"Two tasks from one data set"')
SECTION_BASE = N_('"A base model for digits 0-4"')
SECTION_COMPILE = N_('"A small learning rate for fine-tuning"')


# --- helpers shared with the hidden tests --------------------------------------------------

def toy_base(num_classes: int = 4, input_shape=(12, 12, 1), sequential: bool = False, hidden_units: int = 0):
    """A tiny convnet with BatchNormalization whose feature layers end in a layer named "features".

    Its feature layers, in order: Conv2D (no bias), BatchNormalization, Activation, MaxPooling2D,
    Conv2D, BatchNormalization, Flatten named "features" (7 layers); then its own classifier: a
    softmax layer, after a hidden Dense layer if ``hidden_units``.
    """
    import keras
    from keras import layers

    stack = [
        layers.Conv2D(4, 3, use_bias=False), layers.BatchNormalization(), layers.Activation("relu"),
        layers.MaxPooling2D(2), layers.Conv2D(6, 3, activation="relu"), layers.BatchNormalization(),
        layers.Flatten(name=FEATURES),
    ] + ([layers.Dense(hidden_units, activation="relu", name="old_hidden")] if hidden_units else []) + [
        layers.Dense(num_classes, activation="softmax", name="old_classifier"),
    ]
    if sequential:
        model = keras.Sequential([keras.Input(shape=input_shape)] + stack, name="toy_sequential_base")
    else:
        inputs = keras.Input(shape=input_shape)
        x = inputs
        for layer in stack:
            x = layer(x)
        model = keras.Model(inputs, x, name="toy_functional_base")
    # Every variable gets values of its own ("trained"), so that the base's variables can be told
    # by their values in a model that comes back from the student's kernel (see _ids).
    rng = np.random.default_rng(len(model.weights) + num_classes)
    for variable in model.weights:
        shape = tuple(variable.shape)
        values = rng.uniform(0.5, 1.5, size=shape)
        if len(shape) > 1:  # a kernel, divided by its fan-in: the features stay near 1, so that a new
            values /= np.prod(shape[:-1])  # softmax head on them does not saturate (on JAX a saturated
        variable.assign(values.astype(str(variable.dtype)))  # softmax has no gradient: nothing would learn)
    return model


def feature_layers(base_model) -> list:
    """The base's layers after its input, up to and including "features", in order."""
    import keras

    names = [layer.name for layer in base_model.layers]
    if FEATURES not in names:
        raise CheckError(f'the base model has no layer named "{FEATURES}" (its layers: {names})')
    end = names.index(FEATURES) + 1
    return [layer for layer in base_model.layers[:end] if not isinstance(layer, keras.layers.InputLayer)]


def _size(variable) -> int:
    return int(np.prod(variable.shape))


def _key(variable):
    """A variable told by its shape and values: a model rebuilt from the student's kernel holds
    copies of the base's variables, not the same objects, and the base's values are its own."""
    value = np.asarray(variable)
    return value.shape, value.tobytes()


def _ids(variables) -> set:
    return {_key(v) for v in variables}


# id(model) -> [(model variable, base variable)], see link_to_base; read by the hidden tests' fit_briefly
_links: dict[int, list] = {}


def link_to_base(model, base_model):
    """Remember which of ``model``'s variables hold the base's feature layers' values, so that the
    hidden tests' ``fit_briefly(model)`` (autograder/grading/hidden/ch07_transfer.py) moves the
    base's variables too, as it would if they were shared."""
    base = {_key(v): v for layer in feature_layers(base_model) for v in layer.weights}
    _links[id(model)] = [(v, base[_key(v)]) for v in model.weights if _key(v) in base and base[_key(v)] is not v]
    return model


def _kind(layer) -> str:
    return type(layer).__name__


def is_batch_norm(layer) -> bool:
    import keras

    return isinstance(layer, keras.layers.BatchNormalization)


def param_counts(model) -> tuple[int, int]:
    """(trainable, non-trainable) parameters, as model.summary() counts them."""
    return (sum(_size(v) for v in model.trainable_weights), sum(_size(v) for v in model.non_trainable_weights))


def check_transfer_model(model, base_model, num_classes: int, what: str) -> None:
    """A keras.Model on the base's input shape, giving num_classes probabilities, that reuses the
    base's feature layers (their very variables) and not the base's classifier."""
    import keras

    if model is None:
        raise CheckError(f"{what} returned None: did the function forget to `return` the model?")
    if not isinstance(model, keras.Model):
        raise CheckError(f"{what} should return a keras.Model, got {type(model).__name__}")
    if model is base_model:
        raise CheckError(f"{what} returned the base model itself: build a new model with a new head")
    in_shape, out_shape = tuple(model.inputs[0].shape[1:]), tuple(model.outputs[0].shape[1:])
    want_in = tuple(base_model.inputs[0].shape[1:])
    if in_shape != want_in:
        raise CheckError(f"{what} takes inputs of shape {in_shape}, expected the base's {want_in}")
    if out_shape != (num_classes,):
        raise CheckError(f"{what} outputs shape {out_shape}, expected ({num_classes},): end the new head "
                         f"with Dense(num_classes, activation=\"softmax\") (reread {SECTION_FROZEN})")
    held = _ids(model.weights)
    missing = [layer.name for layer in feature_layers(base_model)
               if layer.weights and not _ids(layer.weights) <= held]
    if missing:
        raise CheckError(
            f"{what} does not reuse the base's layers {missing}: their trained weights are what transfer "
            "learning reuses, so call the base's own layers (or use base_model.get_layer(\"features\").output); "
            f"do not rebuild or clone them (reread {SECTION_FROZEN})")
    old_head = [v for layer in base_model.layers if layer not in feature_layers(base_model) for v in layer.weights]
    if _ids(old_head) & held:
        raise CheckError(f"{what} still holds the base's own classifier: keep the layers up to \"features\" "
                         f"and put a new Dense(num_classes, softmax) on top (reread {SECTION_FROZEN})")
    _, head = base_and_head_variables(model, base_model)
    # Only weights that are not constant (a fresh bias is zeros, like the old one) can tell.
    old_values = [np.asarray(v) for v in old_head if np.ptp(np.asarray(v)) > 0]
    for v in head:
        value = np.asarray(v)
        if any(value.shape == old.shape and np.array_equal(value, old) for old in old_values):
            raise CheckError(f"{what}'s head copies the weights of the base's classifier: the head is new, "
                             f"with freshly initialised weights (reread {SECTION_FROZEN})")
    assert_probabilities(model, np.random.default_rng(0).random((3, *in_shape), dtype=np.float32))


def base_and_head_variables(model, base_model) -> tuple[list, list]:
    """The model's variables split into the base's (its feature layers') and the head's (the rest)."""
    base_ids = _ids(v for layer in feature_layers(base_model) for v in layer.weights)
    base = [v for v in model.weights if _key(v) in base_ids]
    return base, [v for v in model.weights if _key(v) not in base_ids]


def expected_counts(model, base_model, n: int) -> tuple[int, int]:
    """(trainable, non-trainable) parameters once the top n base layers are unfrozen (n=0: frozen).

    The head's variables train; among the base's feature layers only the top n that are not
    BatchNormalization train; everything else, moving statistics included, does not. Nothing here
    reads a ``trainable`` flag: those are what the student's code set, not what it should set.
    """
    layers_ = feature_layers(base_model)
    top = layers_[len(layers_) - n:] if n else []
    _, head = base_and_head_variables(model, base_model)
    # The head trains: all its weights, whatever the student's code set (but moving statistics).
    trainable = sum(_size(v) for v in head if not _is_statistic(v))
    trainable += sum(_size(v) for layer in top if not is_batch_norm(layer) for v in layer.weights
                     if not _is_statistic(v))
    total = sum(_size(v) for v in model.weights)
    return trainable, total - trainable


def _is_statistic(variable) -> bool:
    return str(getattr(variable, "path", getattr(variable, "name", ""))).endswith(("moving_mean", "moving_variance"))


def assert_counts(model, base_model, n: int, what: str, section: str) -> None:
    want = expected_counts(model, base_model, n)
    found = param_counts(model)
    if found == want:
        return
    layers_ = feature_layers(base_model)
    base, _ = base_and_head_variables(model, base_model)
    trainable_ids = _ids(model.trainable_weights)
    training = [layer.name + f" ({_kind(layer)})" for layer in layers_
                if any(_key(v) in trainable_ids for v in layer.weights)]
    bn = [name for name in training if "BatchNormalization" in name]
    top = [layer.name for layer in layers_[len(layers_) - n:]] if n else []
    # One expression, so that the catalogue holds each whole message this can make.
    raise CheckError(
        f"{what}: expected {want[0]:,} trainable and {want[1]:,} non-trainable parameters, found "
        f"{found[0]:,} and {found[1]:,}. The base has {len(layers_)} layers up to \"features\"; "
        + (f"the top {n} are {top}" if n else "all of them should be frozen")
        + f"; the base layers that train now: {training or 'none'}"
        + (f"; BatchNormalization layers must stay frozen whatever n is (reread {SECTION_BN})" if bn else
           f" (reread {section})"))


def build_on(build_transfer_model, base_model, num_classes: int, what: str):
    """build_transfer_model(base_model, num_classes), with a hint for Keras 3's Sequential ``.input``."""
    import keras

    try:
        return link_to_base(build_transfer_model(base_model, num_classes), base_model)
    except AttributeError as error:
        if isinstance(base_model, keras.Sequential) and "never been called" in str(error):
            raise CheckError(
                f"{what} failed: {error}: in Keras 3 a Sequential model has no .input or .output; use "
                "base_model.inputs[0] or a new keras.Input and call the base's layers on it "
                f"(reread {SECTION_FROZEN})") from None
        raise


def unfrozen(build_transfer_model, unfreeze_top_layers, base_model, n: int, num_classes: int = 3):
    """unfreeze_top_layers(build_transfer_model(base_model, num_classes), n), checked to return a model."""
    import keras

    try:
        model = build_on(build_transfer_model, base_model, num_classes, "build_transfer_model(base, 3)")
    except Exception as error:  # noqa: BLE001 - say which function failed
        from ..testcell import explain_failure

        raise CheckError("unfreeze_top_layers is tried on models from your build_transfer_model, which "
                         f"failed: {explain_failure(error)}") from None
    result = unfreeze_top_layers(model, n)
    if result is not None and hasattr(result, "weights"):
        link_to_base(result, base_model)
    if result is None:
        raise CheckError(f"unfreeze_top_layers(model, {n}) returned None: return the model")
    if not isinstance(result, keras.Model):
        raise CheckError(f"unfreeze_top_layers(model, {n}) should return the keras.Model, got {type(result).__name__}")
    return result


def check_split(split_digits, x, y, what: str) -> None:
    """split_digits(x, y) keeps digits 0-4 with their labels and digits 5-9 relabelled 0-4, in order."""
    result = split_digits(x, y)
    try:
        (x_a, y_a), (x_b, y_b) = result
    except (TypeError, ValueError):
        raise CheckError(f"{what} should return ((x_a, y_a), (x_b, y_b)), got {type(result).__name__}") from None
    y = np.asarray(y)
    for name, xs, ys, mask, shift in (("x_a, y_a", x_a, y_a, y < 5, 0), ("x_b, y_b", x_b, y_b, y >= 5, 5)):
        xs, ys = np.asarray(xs), np.asarray(ys)
        want_x, want_y = np.asarray(x)[mask], y[mask] - shift
        if ys.shape != want_y.shape or xs.shape != want_x.shape:
            digits = "0-4" if shift == 0 else "5-9"
            raise CheckError(f"{what}: {name} should hold the {int(mask.sum())} images of digits {digits}, "
                             f"found shapes {xs.shape} and {ys.shape} (reread {SECTION_SPLIT})")
        if shift and set(np.unique(ys)) <= set(range(5, 10)) and len(ys) and not np.array_equal(ys, want_y):
            raise CheckError(f"{what}: y_b holds labels {sorted(set(np.unique(ys).tolist()))}; digits 5-9 must be "
                             f"relabelled 0-4 (subtract 5) for a 5-class head (reread {SECTION_SPLIT})")
        if not np.array_equal(ys, want_y) or not np.array_equal(xs, want_x):
            if sorted(ys.tolist()) == sorted(want_y.tolist()):
                raise CheckError(f"{what}: {name} holds the right images in another order; keep the input's "
                                 f"order (a boolean mask does) (reread {SECTION_SPLIT})")
            first = int(np.argmax(ys != want_y)) if ys.shape == want_y.shape and np.any(ys != want_y) else None
            where = (N_(f" (first difference at position {first}: {ys[first]} instead of {want_y[first]})")
                     if first is not None else "")
            raise CheckError(f"{what}: {name} differs from the expected split{where} (reread {SECTION_SPLIT})")


def check_fine_tuning_compile(compile_for_fine_tuning, base_learning_rate: float, what: str) -> None:
    import keras

    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.layers[0].trainable = False
    counts = param_counts(model)
    result = compile_for_fine_tuning(model, base_learning_rate)
    if result is None:
        raise CheckError(f"{what} returned None: return the compiled model")
    if not isinstance(result, keras.Model):
        raise CheckError(f"{what} should return the compiled keras.Model, got {type(result).__name__}")
    assert_optimizer(result, "adam", what=what, section=SECTION_COMPILE)
    lr = learning_rate_of(result, what)
    limit = base_learning_rate / 10
    if not 0 < lr <= limit * (1 + 1e-6):  # the rate lives in a float32 variable
        raise CheckError(f"{what}: Adam's learning rate is {lr:.6g}, expected a positive rate of at most "
                         f"{limit:.6g} (base_learning_rate / 10): fine-tuning must not wreck the reused "
                         f"weights (reread {SECTION_COMPILE})")
    assert_loss(result, "sparse_categorical_crossentropy", what, SECTION_COMPILE)
    assert_metrics(result, ["sparse_categorical_accuracy"], what, SECTION_COMPILE)
    if param_counts(result) != counts:
        raise CheckError(f"{what} changed which layers train (trainable/non-trainable parameters "
                         f"{counts} before, {param_counts(result)} after): only compile, do not (un)freeze")


def check_base_cnn(model, input_shape, num_classes: int, what: str) -> None:
    import keras

    if model is None:
        raise CheckError(f"{what} returned None: did the function forget to `return` the model?")
    if not isinstance(model, keras.Model):
        raise CheckError(f"{what} should return a keras.Model, got {type(model).__name__}")
    if tuple(model.inputs[0].shape[1:]) != tuple(input_shape):
        raise CheckError(f"{what} takes inputs of shape {tuple(model.inputs[0].shape[1:])}, expected "
                         f"{tuple(input_shape)}: build the model from the input_shape argument")
    if tuple(model.outputs[0].shape[1:]) != (num_classes,):
        raise CheckError(f"{what} outputs shape {tuple(model.outputs[0].shape[1:])}, expected ({num_classes},): "
                         "end with Dense(num_classes, activation=\"softmax\")")
    names = [layer.name for layer in model.layers]
    if FEATURES not in names:
        raise CheckError(f"{what} has no layer named \"{FEATURES}\": name the last feature layer "
                         f"(e.g. Flatten(name=\"features\")) (reread {SECTION_BASE})")
    feats = feature_layers(model)
    rank = len(model.get_layer(FEATURES).output.shape)
    if rank != 2:
        raise CheckError(f"{what}: the \"{FEATURES}\" layer outputs rank {rank} tensors "
                         f"{tuple(model.get_layer(FEATURES).output.shape)}, expected flat (batch, units) "
                         f"vectors: put it after Flatten or global pooling (reread {SECTION_BASE})")
    if model.layers[-1].name == FEATURES or len(feats) >= len([l for l in model.layers
                                                                if not isinstance(l, keras.layers.InputLayer)]):
        raise CheckError(f"{what}: \"{FEATURES}\" should be followed by the model's own classifier")
    kinds = [_kind(layer) for layer in feats]
    if not any(k.startswith("Conv") or k in ("SeparableConv2D", "DepthwiseConv2D") for k in kinds):
        raise CheckError(f"{what} has no convolution before \"{FEATURES}\" (found {kinds}) (reread {SECTION_BASE})")
    if not any(is_batch_norm(layer) for layer in feats):
        raise CheckError(f"{what} has no BatchNormalization layer before \"{FEATURES}\" (found {kinds}): "
                         f"the chapter is about how to fine-tune one (reread {SECTION_BASE})")
    assert_probabilities(model, np.random.default_rng(0).random((3, *input_shape), dtype=np.float32))


# --- public tests --------------------------------------------------------------------------

@public_test("split_digits")
def split_small_example(split_digits):
    """split_digits(x, y) keeps digits 0-4 and relabels digits 5-9 to 0-4, in the input's order"""
    y = np.array([3, 7, 0, 9, 5, 4, 1, 8, 2, 6], dtype=np.uint8)
    x = np.arange(10 * 4, dtype=np.float32).reshape(10, 2, 2)
    check_split(split_digits, x, y, "split_digits(x, y=[3, 7, 0, 9, 5, 4, 1, 8, 2, 6])")


@public_test("base_cnn")
def base_cnn_defaults(build_base_cnn):
    """build_base_cnn() is a convnet with BatchNormalization, a flat "features" layer and a 5-class softmax"""
    check_base_cnn(build_base_cnn(), (28, 28, 1), 5, "build_base_cnn()")


@public_test("transfer_model")
def transfer_model_shapes(build_transfer_model):
    """build_transfer_model(base, 3) reuses the base's layers up to "features" under a new 3-class head"""
    base = toy_base(num_classes=4)
    check_transfer_model(build_transfer_model(base, 3), base, 3, "build_transfer_model(base, 3)")


@public_test("transfer_model")
def transfer_model_frozen(build_transfer_model):
    """build_transfer_model(base, 3) freezes every base layer and trains only the head"""
    base = toy_base(num_classes=4)
    model = build_transfer_model(base, 3)
    assert_counts(model, base, 0, "build_transfer_model(base, 3)", SECTION_FROZEN)


@public_test("unfreeze_top_layers")
def unfreeze_counts(build_transfer_model, unfreeze_top_layers):
    """unfreeze_top_layers(model, 3) trains the top 3 base layers but not BatchNormalization"""
    base = toy_base(num_classes=4)
    model = unfrozen(build_transfer_model, unfreeze_top_layers, base, 3)
    assert_counts(model, base, 3, "unfreeze_top_layers(build_transfer_model(base, 3), 3)", SECTION_UNFREEZE)


@public_test("compile_for_fine_tuning")
def fine_tuning_compile_default(compile_for_fine_tuning):
    """compile_for_fine_tuning(model, 1e-3) uses Adam at 1e-4 or less, sparse crossentropy and accuracy"""
    check_fine_tuning_compile(compile_for_fine_tuning, 1e-3, "compile_for_fine_tuning(model, 1e-3)")
