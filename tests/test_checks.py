"""Unit tests of the check library (autograder/checks) with models that pass and models that fail.

Every failing case asserts on the message, not only on the exception: the messages are what a
student reads. Models are tiny (8x8 to 32x32 inputs) except one module-scoped VGG16 pair.
"""

import warnings
from dataclasses import replace

import numpy as np
import pytest

import keras
from keras import layers

from autograder.checks import (
    MAX_OR_AVERAGE, NONLINEAR, OPTIONAL, CheckError, assert_close, assert_input_shape, assert_layers,
    assert_loss_decreases, assert_matches_spec, assert_output_range, assert_output_shape,
    assert_param_count, assert_probabilities, assert_same_architecture, assert_weight_layers,
    build_reference, context, conv, count_weight_layers, dense, dropout, flatten, pool, predict, quiet,
    sample_inputs, seed, summarize, summary_table,
)
from autograder.checks.summary import check_is_model


def raises(fn, *args, **kwargs) -> str:
    """Run a check that must fail; return its message."""
    with pytest.raises(CheckError) as info:
        fn(*args, **kwargs)
    return str(info.value)


def without_names(summaries):
    return [replace(s, name="") for s in summaries]


# --- a small LeNet-like model, written three ways ------------------------------------------------

INPUT = (16, 16, 1)
SPEC = [
    conv(6, 3, activation=NONLINEAR),
    pool(2, kind=MAX_OR_AVERAGE),
    conv(16, 3, activation=NONLINEAR),
    pool(2, kind=MAX_OR_AVERAGE),
    flatten(),
    dense(32, "relu"),
    dense(10, "softmax"),
]
# (kind, output shape, params) of each summarized layer for a 16x16x1 input.
EXPECTED = [
    ("Conv2D", (None, 14, 14, 6), 60),
    ("MaxPooling2D", (None, 7, 7, 6), 0),
    ("Conv2D", (None, 5, 5, 16), 880),
    ("MaxPooling2D", (None, 2, 2, 16), 0),
    ("Flatten", (None, 64), 0),
    ("Dense", (None, 32), 2080),
    ("Dense", (None, 10), 330),
]


def lenet_sequential(input_shape=INPUT, c1=None, p1=None, c3=None, extra=(), last=True, act="relu"):
    """Activations as arguments; c1/p1/c3 override the keyword arguments of those layers."""
    return keras.Sequential([
        keras.Input(shape=input_shape),
        layers.Conv2D(**{"filters": 6, "kernel_size": 3, "activation": act, "name": "c1", **(c1 or {})}),
        layers.MaxPooling2D(**{"pool_size": 2, "name": "p1", **(p1 or {})}),
        layers.Conv2D(**{"filters": 16, "kernel_size": 3, "activation": act, "name": "c3", **(c3 or {})}),
        layers.MaxPooling2D(2, name="p2"),
        layers.Flatten(name="flat"),
        layers.Dense(32, activation="relu", name="fc"),
        *extra,
        *([layers.Dense(10, activation="softmax", name="out")] if last else []),
    ])


def lenet_functional():
    """Separate activation layers (ReLU, Activation, Softmax) and the MaxPool2D alias."""
    inputs = keras.Input(shape=INPUT)
    x = layers.Conv2D(6, (3, 3))(inputs)
    x = layers.ReLU()(x)
    x = layers.MaxPool2D()(x)
    x = layers.Conv2D(16, 3)(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPool2D(pool_size=(2, 2))(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32)(x)
    x = layers.Activation("relu")(x)
    x = layers.Dense(10)(x)
    outputs = layers.Softmax()(x)
    return keras.Model(inputs, outputs)


def lenet_nested():
    """A functional model whose feature extractor is a nested Sequential block."""
    features = keras.Sequential([
        layers.Conv2D(6, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 3),
        layers.ReLU(),
        layers.MaxPooling2D(),
    ], name="features")
    inputs = keras.Input(shape=INPUT)
    x = layers.Flatten()(features(inputs))
    x = layers.Dense(32, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(10, activation="softmax")(x))


WAYS = {"sequential": lenet_sequential, "functional": lenet_functional, "nested": lenet_nested}


@pytest.fixture(autouse=True)
def _seeded():
    seed(0)


# --- summarize ------------------------------------------------------------------------------------

def test_summary_has_kinds_output_shapes_and_params_per_layer():
    summaries = summarize(lenet_sequential())
    assert [(s.kind, s.output_shape, s.params) for s in summaries] == EXPECTED
    assert [s.index for s in summaries] == list(range(1, 8))
    assert [s.name for s in summaries] == ["c1", "p1", "c3", "p2", "flat", "fc", "out"]
    first = summaries[0]
    assert (first.filters, first.kernel_size, first.strides, first.padding, first.activation) == (
        6, (3, 3), (1, 1), "valid", "relu")
    assert (summaries[1].pool_size, summaries[1].strides) == ((2, 2), (2, 2))
    assert (summaries[5].units, summaries[5].activation) == (32, "relu")


@pytest.mark.parametrize("way", ["functional", "nested"])
def test_summary_is_the_same_however_the_model_is_written(way):
    sequential = summarize(lenet_sequential())
    other = summarize(WAYS[way]())
    assert [s.name for s in other] != [s.name for s in sequential]
    assert without_names(other) == without_names(sequential)


def test_sequential_and_functional_give_identical_summaries():
    sequential = keras.Sequential([
        keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(), layers.Flatten(), layers.Dropout(0.25), layers.Dense(5, activation="softmax"),
    ])
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="my_conv")(inputs)
    x = layers.MaxPooling2D(name="my_pool")(x)
    x = layers.Dropout(0.25)(layers.Flatten()(x))
    functional = keras.Model(inputs, layers.Dense(5, activation="softmax")(x))
    a, b = summarize(sequential), summarize(functional)
    assert [s.name for s in a] != [s.name for s in b]
    assert without_names(a) == without_names(b)
    assert [s.rate for s in a] == [None, None, None, 0.25, None]


@pytest.mark.parametrize("activation_layer, name", [
    (lambda: layers.Activation("relu"), "relu"),
    (lambda: layers.ReLU(), "relu"),
    (lambda: layers.Softmax(), "softmax"),
    (lambda: layers.Activation("tanh"), "tanh"),
])
def test_activation_layer_after_a_linear_layer_is_folded(activation_layer, name):
    folded = keras.Sequential([keras.Input((4,)), layers.Dense(3), activation_layer()])
    argument = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation=name)])
    assert without_names(summarize(folded)) == without_names(summarize(argument))
    assert [(s.kind, s.activation) for s in summarize(folded)] == [("Dense", name)]


def test_activation_layer_after_a_convolution_is_folded():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3), layers.ReLU()])
    assert [(s.kind, s.activation, s.output_shape) for s in summarize(model)] == [
        ("Conv2D", "relu", (None, 6, 6, 2))]


def test_activation_layer_after_a_layer_with_an_activation_is_not_folded():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="relu"), layers.Softmax()])
    assert [(s.kind, s.activation) for s in summarize(model)] == [("Dense", "relu"), ("Softmax", "softmax")]
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="tanh"), layers.Activation("relu")])
    summaries = summarize(model)
    assert [(s.index, s.kind, s.activation) for s in summaries] == [(1, "Dense", "tanh"), (2, "Activation", "relu")]
    assert summaries[1].describe() == "Activation relu"


def test_activation_layer_after_a_pooling_layer_is_not_folded():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.MaxPooling2D(), layers.ReLU()])
    assert [(s.kind, s.activation) for s in summarize(model)] == [("MaxPooling2D", None), ("ReLU", "relu")]


@pytest.mark.parametrize("relu", [
    lambda: layers.ReLU(max_value=6.0),
    lambda: layers.ReLU(negative_slope=0.1),
    lambda: layers.ReLU(threshold=0.5),
])
def test_relu_variants_are_not_plain_relu(relu):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3), relu()])
    assert [s.activation for s in summarize(model)] == ["relu_variant"]
    message = raises(assert_layers, model, [dense(3, "relu")])
    assert message.endswith('expected Dense with activation "relu", found activation "relu_variant"')
    assert_layers(model, [dense(3, NONLINEAR)])  # still a nonlinearity


def test_maxpool2d_is_maxpooling2d():
    assert layers.MaxPool2D is layers.MaxPooling2D
    a = keras.Sequential([keras.Input((8, 8, 1)), layers.MaxPool2D()])
    b = keras.Sequential([keras.Input((8, 8, 1)), layers.MaxPooling2D(2)])
    assert without_names(summarize(a)) == without_names(summarize(b))
    assert summarize(a)[0].kind == "MaxPooling2D"


def test_input_layer_is_skipped():
    model = lenet_functional()
    assert any(type(layer).__name__ == "InputLayer" for layer in model.layers)
    kinds = [s.kind for s in summarize(model)]
    assert "InputLayer" not in kinds
    assert kinds[0] == "Conv2D"


def test_nested_sequential_block_is_flattened():
    model = lenet_nested()
    assert "Sequential" in [type(layer).__name__ for layer in model.layers]
    summaries = summarize(model)
    assert [s.kind for s in summaries] == [kind for kind, _, _ in EXPECTED]
    assert [s.output_shape for s in summaries] == [shape for _, shape, _ in EXPECTED]
    assert [s.params for s in summaries] == [params for _, _, params in EXPECTED]
    assert summaries[2].activation == "relu"  # the ReLU inside the block is folded into its conv


@pytest.mark.parametrize("layer, input_shape, text", [
    (lambda: layers.Conv2D(96, 11, strides=4, activation="relu"), (67, 67, 3), "Conv2D 96@11x11 stride 4 valid relu"),
    (lambda: layers.Conv2D(8, (3, 5), strides=(1, 2), padding="same"), (8, 8, 1), "Conv2D 8@3x5 stride 1x2 same"),
    (lambda: layers.Conv2D(8, 3), (8, 8, 1), "Conv2D 8@3x3 valid"),
    (lambda: layers.MaxPooling2D(3, strides=2), (9, 9, 1), "MaxPooling2D 3x3 stride 2"),
    (lambda: layers.AveragePooling2D(2, padding="same"), (9, 9, 1), "AveragePooling2D 2x2 stride 2 same"),
    (lambda: layers.Dense(10, activation="softmax"), (4,), "Dense 10 softmax"),
    (lambda: layers.Dense(10), (4,), "Dense 10"),
    (lambda: layers.Dropout(0.5), (4,), "Dropout rate 0.5"),
    (lambda: layers.Flatten(), (2, 2), "Flatten"),
])
def test_describe(layer, input_shape, text):
    model = keras.Sequential([keras.Input(input_shape), layer()])
    assert summarize(model)[0].describe() == text


def test_summary_table_lists_layers_and_the_total():
    table = summary_table(lenet_sequential())
    lines = table.splitlines()
    assert lines[0].split() == ["#", "layer", "output", "shape", "params"]
    assert len(lines) == 1 + 7 + 1
    assert lines[1].startswith("1  Conv2D 6@3x3 valid relu")
    assert lines[1].rstrip().endswith("60")
    assert "2,080" in lines[6]
    assert lines[-1] == "total parameters: 3,350"


# --- check_is_model -------------------------------------------------------------------------------

def test_check_is_model_none():
    assert raises(check_is_model, None) == (
        "expected a keras.Model, got None: did the function forget to `return model`?")


def test_check_is_model_layer():
    assert raises(check_is_model, layers.Dense(3)) == "expected a keras.Model, got Dense"


def test_check_is_model_unbuilt_sequential():
    message = raises(check_is_model, keras.Sequential([layers.Dense(3)]))
    assert message.startswith("the model is not built")
    assert "keras.Input(shape=input_shape)" in message


def test_public_checks_check_the_model_first():
    assert "forget to `return model`" in raises(summarize, None)
    assert "forget to `return model`" in raises(assert_layers, None, SPEC)
    assert "keras.Input" in raises(assert_matches_spec, keras.Sequential([layers.Dense(3)]), SPEC, INPUT)
    assert "got Dense" in raises(assert_param_count, layers.Dense(3), 10)


# --- assert_layers / assert_matches_spec -----------------------------------------------------------

@pytest.mark.parametrize("way", sorted(WAYS))
def test_correct_model_passes_written_any_way(way):
    model = WAYS[way]()
    assert_layers(model, SPEC)
    assert_matches_spec(model, SPEC, INPUT)


def test_average_pooling_and_tanh_pass_the_permissive_spec():
    model = keras.Sequential([
        keras.Input(INPUT), layers.Conv2D(6, 3, activation="tanh"), layers.AveragePooling2D(2),
        layers.Conv2D(16, 3, activation="sigmoid"), layers.AveragePooling2D(2), layers.Flatten(),
        layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax"),
    ])
    assert_matches_spec(model, SPEC, INPUT)


@pytest.mark.parametrize("kwargs, spec, message", [
    ({"c3": {"filters": 8}}, SPEC, "layer 3 (c3): expected Conv2D with 16 filters, found 8 filters"),
    ({"c3": {"kernel_size": 2}}, SPEC, "layer 3 (c3): expected Conv2D with kernel 3x3, found kernel 2x2"),
    ({"c1": {"strides": 2, "padding": "same"}}, SPEC, "layer 1 (c1): expected Conv2D with strides 1, found strides 2"),
    ({"c1": {"padding": "same"}}, SPEC,
     'layer 1 (c1): expected Conv2D with padding="valid", found padding="same"'),
    ({}, [conv(6, 3, padding="same")] + SPEC[1:],
     'layer 1 (c1): expected Conv2D with padding="same", found padding="valid"'),
    ({"p1": {"pool_size": 3}}, SPEC,
     "layer 2 (p1): expected MaxPooling2D with pool size 2x2, found pool size 3x3"),
    ({"p1": {"strides": 1}}, SPEC, "layer 2 (p1): expected MaxPooling2D with strides 2, found strides 1"),
    ({"c1": {"activation": None}}, SPEC,
     "layer 1 (c1): expected Conv2D with a nonlinear activation (tanh, relu, ...), found no activation"),
    ({"c1": {"activation": "linear"}}, SPEC,
     "layer 1 (c1): expected Conv2D with a nonlinear activation (tanh, relu, ...), found no activation"),
    ({"c1": {"activation": None}}, [conv(6, 3)] + SPEC[1:],
     'layer 1 (c1): expected Conv2D with activation "relu", found no activation'),
    ({"c1": {"activation": "tanh"}}, [conv(6, 3)] + SPEC[1:],
     'layer 1 (c1): expected Conv2D with activation "relu", found activation "tanh"'),
])
def test_first_difference_is_named_exactly(kwargs, spec, message):
    model = lenet_sequential(**kwargs)
    assert raises(assert_layers, model, spec) == message
    assert raises(assert_matches_spec, model, spec, INPUT) == message


def test_only_the_first_difference_is_reported():
    model = lenet_sequential(c1={"filters": 4}, c3={"filters": 8})
    assert raises(assert_layers, model, SPEC) == "layer 1 (c1): expected Conv2D with 6 filters, found 4 filters"


def test_nonlinear_accepts_tanh_and_relu_but_rejects_linear():
    for activation in ("tanh", "relu", "sigmoid", "elu"):
        assert_layers(lenet_sequential(act=activation), SPEC)
    assert "found no activation" in raises(assert_layers, lenet_sequential(act="linear"), SPEC)


def test_max_or_average_accepts_both_and_rejects_other_kinds():
    for p1 in (layers.MaxPooling2D(2, name="p1"), layers.AveragePooling2D(2, name="p1")):
        model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3, activation="relu"), p1])
        assert_layers(model, [conv(2, 3), pool(2, kind=MAX_OR_AVERAGE)])
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(2, 3, activation="relu"),
                              layers.Conv2D(2, 2, strides=2, name="down")])
    assert raises(assert_layers, model, [conv(2, 3), pool(2, kind=MAX_OR_AVERAGE)]) == (
        "layer 2 (down): expected MaxPooling2D or AveragePooling2D, found Conv2D 2@2x2 stride 2 valid")


def test_max_pooling_alone_rejects_average_pooling():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.AveragePooling2D(2, name="avg")])
    assert raises(assert_layers, model, [pool(2)]) == "layer 1 (avg): expected MaxPooling2D, found AveragePooling2D 2x2 stride 2"


def test_extra_layers_at_the_end():
    model = lenet_sequential(extra=(), last=True)
    model.add(layers.Dropout(0.5, name="late"))
    assert raises(assert_layers, model, SPEC) == (
        "expected 7 layers, found 8: remove the extra layers after layer 7 (Dropout rate 0.5)")


def test_missing_layers_at_the_end():
    model = lenet_sequential(last=False)
    assert raises(assert_layers, model, SPEC) == "expected 7 layers, found 6: missing at the end: Dense"


def test_wrong_kind():
    model = lenet_sequential()  # no Dropout after "fc"
    spec = SPEC[:6] + [dropout(0.5)] + SPEC[6:]
    message = raises(assert_layers, model, spec)
    assert "layer 7 (out): expected Dropout, found Dense 10 softmax" in message
    assert "expected 8 layers, found 7" in message


def test_wrong_kind_with_the_same_number_of_layers():
    model = lenet_sequential(extra=[layers.Dense(16, activation="relu", name="fc2")])
    spec = SPEC[:6] + [dropout(0.5)] + SPEC[6:]
    assert raises(assert_layers, model, spec) == "layer 7 (fc2): expected Dropout, found Dense 16 relu"


def test_wrong_dropout_rate():
    model = lenet_sequential(extra=[layers.Dropout(0.25, name="drop")])
    spec = SPEC[:6] + [dropout(0.5)] + SPEC[6:]
    assert raises(assert_layers, model, spec) == "layer 7 (drop): expected Dropout with rate 0.5, found rate 0.25"
    assert_layers(lenet_sequential(extra=[layers.Dropout(0.5)]), spec)


def test_ignore_skips_kinds_in_assert_layers():
    model = lenet_sequential(extra=[layers.Dropout(0.5, name="drop")])
    assert "layer 7 (drop): expected Dense, found Dropout rate 0.5" in raises(assert_layers, model, SPEC)
    assert_layers(model, SPEC, ignore=("Dropout",))


def test_input_shape_message():
    model = lenet_sequential(input_shape=(20, 20, 1))
    message = raises(assert_input_shape, model, INPUT)
    assert message == (
        "the model takes inputs of shape (None, 20, 20, 1), expected (None, 16, 16, 1): "
        "build the model from the input_shape argument instead of a fixed shape")
    assert_input_shape(lenet_sequential(), INPUT)


def test_different_input_with_the_same_hyperparameters_is_caught_by_the_input_check():
    model = lenet_sequential(input_shape=(20, 20, 1))
    assert_layers(model, SPEC)  # every hyperparameter matches...
    message = raises(assert_matches_spec, model, SPEC, INPUT)  # ...but the shapes and params do not
    assert "build the model from the input_shape argument" in message
    assert "(None, 20, 20, 1)" in message


def test_param_mismatch_with_matching_hyperparameters():
    model = lenet_sequential(c1={"use_bias": False})
    assert_layers(model, SPEC)
    assert raises(assert_matches_spec, model, SPEC, INPUT) == (
        "layer 1 (Conv2D 6@3x3 valid relu): expected 60 parameters, found 54")


def test_output_shape_mismatch_with_matching_hyperparameters():
    model = lenet_sequential(input_shape=(16, 16, 1), c1={"dilation_rate": 2})
    assert_layers(model, SPEC)
    assert raises(assert_matches_spec, model, SPEC, INPUT) == (
        "layer 1 (Conv2D 6@3x3 valid relu): expected output shape (None, 14, 14, 6), found (None, 12, 12, 6)")


def test_output_shape_message():
    assert_output_shape(lenet_sequential(), (10,))
    assert raises(assert_output_shape, lenet_sequential(), (5,)) == (
        "the model gives outputs of shape (None, 10), expected (None, 5): the last layer should have num_classes units")


# --- assert_same_architecture ----------------------------------------------------------------------

def test_same_architecture_passes_across_styles_and_ignores_dropout_on_both_sides():
    reference = lenet_sequential()
    assert_same_architecture(lenet_nested(), reference)
    with_dropout = lenet_sequential(extra=[layers.Dropout(0.5)])
    assert_same_architecture(with_dropout, reference)
    assert_same_architecture(reference, with_dropout)


def test_same_architecture_with_dropout_not_ignored():
    with_dropout = lenet_sequential(extra=[layers.Dropout(0.5, name="drop")])
    message = raises(assert_same_architecture, with_dropout, lenet_sequential(), ignore=())
    assert "expected 7 layers, found 8" in message


def test_same_architecture_names_the_differing_layer():
    message = raises(assert_same_architecture, lenet_sequential(c3={"filters": 8}), lenet_sequential())
    assert message == "layer 3 (c3): expected Conv2D with 16 filters, found 8 filters"
    message = raises(assert_same_architecture, lenet_sequential(act="tanh"), lenet_sequential())
    assert message == 'layer 1 (c1): expected Conv2D with activation "relu", found activation "tanh"'


def test_same_architecture_checks_the_input_shape():
    message = raises(assert_same_architecture, lenet_sequential(input_shape=(20, 20, 1)), lenet_sequential())
    assert "build the model from the input_shape argument" in message


def test_same_architecture_checks_params():
    message = raises(assert_same_architecture, lenet_sequential(c1={"use_bias": False}), lenet_sequential())
    assert message == "layer 1 (Conv2D 6@3x3 valid relu): expected 60 parameters, found 54"


@pytest.fixture(scope="module")
def vgg16_pair():
    """keras.applications.VGG16 and the same network written by hand (with Dropout).

    The hand-built one starts from zeros: the summary ignores initial values, and random ones for
    138M parameters would take seconds.
    """
    reference = keras.applications.VGG16(weights=None)
    zeros = {"kernel_initializer": "zeros"}
    model = keras.Sequential([keras.Input((224, 224, 3))])
    for convs, filters in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        for _ in range(convs):
            model.add(layers.Conv2D(filters, 3, padding="same", activation="relu", **zeros))
        model.add(layers.MaxPool2D())
    model.add(layers.Flatten())
    for _ in range(2):
        model.add(layers.Dense(4096, **zeros))
        model.add(layers.ReLU())
        model.add(layers.Dropout(0.5))
    model.add(layers.Dense(1000, activation="softmax", **zeros))
    return model, reference


def test_hand_built_vgg16_matches_keras_applications(vgg16_pair):
    model, reference = vgg16_pair
    assert_same_architecture(model, reference)
    assert_weight_layers(model, Conv2D=13, Dense=3)
    assert count_weight_layers(reference) == {"Conv2D": 13, "Dense": 3}
    assert_param_count(model, 138_357_544, "VGG16")
    message = raises(assert_same_architecture, model, reference, ignore=())
    assert message.startswith("expected 22 layers, found 24; layer 21 (")
    assert message.endswith("expected Dense, found Dropout rate 0.5")


# --- explicit zero padding ------------------------------------------------------------------------

def chain(*model_layers, shape=(8, 8, 3)):
    return keras.Sequential([keras.Input(shape), *model_layers])


def same_weights_output(a, b, shape=(8, 8, 3)):
    """Both models' outputs on one input, with b given a's weights."""
    b.set_weights(a.get_weights())
    x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    return predict(a, x), predict(b, x)


@pytest.mark.parametrize("pad, kernel, strides, shape", [
    ((1, 1), 3, 1, (8, 8, 3)),  # old public VGG code
    (2, 5, 1, (9, 7, 3)),
    (((0, 1), (0, 1)), 2, 1, (8, 8, 3)),  # "same" pads an even kernel more after than before
    (((0, 1), (0, 1)), 3, 2, (8, 8, 3)),  # stride 2 on an even input: one pixel, after
    ((1, 2), (3, 5), 1, (6, 6, 1)),
])
def test_zero_padding_before_a_valid_conv_that_pads_like_same_is_padding_same(pad, kernel, strides, shape):
    padded = chain(layers.ZeroPadding2D(pad), layers.Conv2D(4, kernel, strides=strides), layers.ReLU(),
                   shape=shape)
    same = chain(layers.Conv2D(4, kernel, strides=strides, padding="same", activation="relu"), shape=shape)
    assert without_names(summarize(padded)) == without_names(summarize(same))
    assert_same_architecture(padded, same)
    assert_matches_spec(padded, [conv(4, kernel, strides, padding="same")], shape)
    np.testing.assert_allclose(*same_weights_output(same, padded, shape), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pad, shape, message", [
    (2, (8, 8, 3), "expected 2 layers, found 3; layer 1 (pad): expected Conv2D, found ZeroPadding2D(2) before a "
     '3x3 conv, which grows the output by 2 pixels in each dimension compared with padding="same" (10x10 '
     "instead of 8x8)"),
    (((0, 2), (0, 2)), (8, 8, 3), "found ZeroPadding2D(((0, 2), (0, 2))) before a 3x3 conv, which shifts the "
     'output: padding="same" pads 1 before and 1 after'),
    ((0, 1), (8, 8, 3), 'found ZeroPadding2D((0, 1)) before a 3x3 conv, which changes the output size compared '
     'with padding="same" (6x8 instead of 8x8)'),
])
def test_zero_padding_that_is_not_same_is_a_difference_that_says_what_it_does(pad, shape, message):
    model = chain(layers.ZeroPadding2D(pad, name="pad"), layers.Conv2D(4, 3, activation="relu"),
                  layers.MaxPooling2D(), shape=shape)
    spec = [conv(4, 3, padding="same"), pool(2)]
    assert message in raises(assert_matches_spec, model, spec, shape)
    assert message in raises(assert_layers, model, spec)


def test_strided_zero_padding_is_same_only_for_the_input_it_was_written_for():
    def strided(shape):
        return chain(layers.ZeroPadding2D(((0, 1), (0, 1)), name="pad"), layers.Conv2D(4, 3, strides=2),
                     shape=shape)

    spec = [conv(4, 3, strides=2, padding="same", activation=None)]
    assert_matches_spec(strided((8, 8, 3)), spec, (8, 8, 3))
    message = raises(assert_layers, strided((7, 7, 3)), spec)
    assert message.endswith("found ZeroPadding2D(((0, 1), (0, 1))) before a 3x3 conv, which shrinks the output "
                            'by 1 pixel in each dimension compared with padding="same" (3x3 instead of 4x4)')


def test_zero_padding_as_same_against_a_valid_spec_names_the_padding():
    model = chain(layers.ZeroPadding2D(1), layers.Conv2D(4, 3, activation="relu", name="c1"))
    assert raises(assert_layers, model, [conv(4, 3)]) == (
        'layer 1 (c1): expected Conv2D with padding="valid", found padding="same" '
        "(ZeroPadding2D(1) before a valid Conv2D)")


@pytest.mark.parametrize("pooling, message", [
    (lambda: layers.MaxPooling2D(2), "found ZeroPadding2D(1) before a 2x2 max-pool, which pools the padded zeros "
     'where padding="same" leaves the border out of the pool, and grows the output by 1 pixel in each '
     "dimension compared with it (5x5 instead of 4x4)"),
    # The right output size, yet the border averages take in zeros: not what "same" computes.
    (lambda: layers.AveragePooling2D(3, strides=1), "found ZeroPadding2D(1) before a 3x3 average-pool, which "
     'pools the padded zeros where padding="same" leaves the border out of the pool'),
])
def test_zero_padding_never_folds_into_pooling(pooling, message):
    padded = chain(layers.ZeroPadding2D(1), pooling())
    same_kind = type(pooling())
    config = pooling().get_config()
    same = chain(same_kind(config["pool_size"], strides=config["strides"], padding="same"))
    assert message in raises(assert_same_architecture, padded, same)
    x = -np.random.default_rng(0).random((1, 8, 8, 3)).astype("float32")  # negative: zeros would win a max
    assert not np.allclose(predict(padded, x)[:, :4, :4], predict(same, x)[:, :4, :4])


def test_zero_padding_in_one_dimension():
    padded = chain(layers.ZeroPadding1D(1), layers.Conv1D(4, 3, activation="relu"), shape=(10, 2))
    same = chain(layers.Conv1D(4, 3, padding="same", activation="relu"), shape=(10, 2))
    assert_same_architecture(padded, same)
    message = raises(assert_same_architecture, chain(layers.ZeroPadding1D((0, 2)), layers.Conv1D(4, 3),
                                                     shape=(10, 2)), same)
    assert message.endswith('found ZeroPadding1D((0, 2)) before a size 3 conv, which shifts the output: '
                            'padding="same" pads 1 before and 1 after')


def test_zero_padding_of_nothing_is_left_out():
    model = chain(layers.ZeroPadding2D(0), layers.Conv2D(4, 3), layers.ZeroPadding2D(((0, 0), (0, 0))),
                  layers.MaxPooling2D())
    assert [s.kind for s in summarize(model)] == ["Conv2D", "MaxPooling2D"]


def test_zero_padding_elsewhere_stays_a_layer():
    model = chain(layers.Conv2D(4, 3, padding="same"), layers.ZeroPadding2D(2), layers.Flatten())
    assert [s.describe() for s in summarize(model)] == ["Conv2D 4@3x3 same", "ZeroPadding2D(2)", "Flatten"]
    reference = chain(layers.Conv2D(4, 3, padding="same"), layers.ZeroPadding2D(1), layers.Flatten())
    assert "ZeroPadding2D" in raises(assert_same_architecture, model, reference)


# --- activations after BatchNormalization or Dropout ----------------------------------------------

def conv_bn(order, **conv_kwargs):
    """A conv block with BatchNormalization before or after its ReLU (or none)."""
    inner = {"before": [layers.Conv2D(4, 3, name="c", **conv_kwargs), layers.BatchNormalization(), layers.ReLU()],
             "after": [layers.Conv2D(4, 3, activation="relu", name="c", **conv_kwargs), layers.BatchNormalization()],
             "none": [layers.Conv2D(4, 3, activation="relu", name="c", **conv_kwargs)]}[order]
    return chain(*inner, layers.MaxPooling2D(), layers.Flatten(), layers.Dense(3, activation="softmax"))


BN_SPEC = [pool(2), flatten(), dense(3, "softmax")]


@pytest.mark.parametrize("order", ["before", "after", "none"])
def test_a_spec_that_allows_batch_norm_accepts_it_on_either_side_of_the_activation(order):
    assert_matches_spec(conv_bn(order), [conv(4, 3, batch_norm=OPTIONAL)] + BN_SPEC, (8, 8, 3))


def test_batch_norm_then_relu_layer_is_matched_to_the_conv():
    summary = summarize(conv_bn("before"))[0]
    assert (summary.kind, summary.activation, summary.batch_norm) == ("Conv2D", "relu", "before activation")
    assert summary.describe() == "Conv2D 4@3x3 valid + BatchNormalization + relu"
    assert summarize(conv_bn("after"))[0].describe() == "Conv2D 4@3x3 valid relu + BatchNormalization"
    assert (summary.params, summary.batch_norm_params) == (112, 16)
    assert summary_table(conv_bn("before")).splitlines()[-1] == f"total parameters: {conv_bn('before').count_params():,}"


@pytest.mark.parametrize("order, spec, message", [
    ("before", conv(4, 3), "layer 1 (c): expected Conv2D with no BatchNormalization, found BatchNormalization "
     "before its activation"),
    ("none", conv(4, 3, batch_norm=True), "layer 1 (c): expected Conv2D with BatchNormalization, found no "
     "BatchNormalization"),
    ("after", conv(4, 3, batch_norm="before activation"), "layer 1 (c): expected Conv2D with BatchNormalization "
     "before its activation, found BatchNormalization after its activation"),
])
def test_batch_norm_where_the_spec_does_not_allow_it_is_named(order, spec, message):
    assert raises(assert_matches_spec, conv_bn(order), [spec] + BN_SPEC, (8, 8, 3)) == message


def test_batch_norm_order_matters_between_two_models():
    message = raises(assert_same_architecture, conv_bn("after"), conv_bn("before"))
    assert message == ("layer 1 (c): expected Conv2D with BatchNormalization before its activation, found "
                       "BatchNormalization after its activation")
    assert_same_architecture(conv_bn("before"), conv_bn("before"))
    message = raises(assert_same_architecture, conv_bn("before", use_bias=False), conv_bn("before"))
    assert message == "layer 1 (Conv2D 4@3x3 valid + BatchNormalization + relu): expected 112 parameters, found 108"


def test_required_batch_norm_counts_its_parameters():
    spec = [conv(4, 3, batch_norm=True)] + BN_SPEC
    assert_matches_spec(conv_bn("before"), spec, (8, 8, 3))
    model = chain(layers.Conv2D(4, 3, activation="relu"), layers.BatchNormalization(center=False),
                  layers.MaxPooling2D(), layers.Flatten(), layers.Dense(3, activation="softmax"))
    assert raises(assert_matches_spec, model, spec, (8, 8, 3)).endswith(
        "expected 16 BatchNormalization parameters, found 12")
    assert [type(layer).__name__ for layer in build_reference(spec, (8, 8, 3)).layers][:2] == [
        "Conv2D", "BatchNormalization"]


def test_ignoring_batch_norm_still_works():
    assert_layers(conv_bn("before"), [conv(4, 3)] + BN_SPEC, ignore=("BatchNormalization",))


def test_batch_norm_after_a_pooling_layer_stays_a_layer():
    model = chain(layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(), layers.BatchNormalization(name="bn"),
                  layers.Flatten(), layers.Dense(3, activation="softmax"))
    assert raises(assert_layers, model, [conv(4, 3, batch_norm=OPTIONAL)] + BN_SPEC) == (
        "expected 4 layers, found 5; layer 3 (bn): expected Flatten, found BatchNormalization")


def dense_dropout(activation_layer):
    return chain(layers.Dense(8, name="fc"), layers.Dropout(0.5), activation_layer,
                 layers.Dense(3, activation="softmax"), shape=(6,))


def test_relu_after_dropout_is_matched_to_the_dense_layer():
    model = dense_dropout(layers.ReLU())
    usual = chain(layers.Dense(8, activation="relu"), layers.Dropout(0.5), layers.Dense(3, activation="softmax"),
                  shape=(6,))
    assert without_names(summarize(model)) == without_names(summarize(usual))
    assert_matches_spec(model, [dense(8, "relu"), dropout(0.5), dense(3, "softmax")], (6,))


def test_tanh_after_dropout_is_not_the_same_as_before_it():
    # tanh(dropout(x)) is not dropout(tanh(x)): dropout scales what it keeps.
    model = dense_dropout(layers.Activation("tanh"))
    message = raises(assert_layers, model, [dense(8, "tanh"), dropout(0.5), dense(3, "softmax")])
    assert message == 'expected 3 layers, found 4; layer 1 (fc): expected Dense with activation "tanh", found no activation'


# --- Keras 2 habits that still run in Keras 3 -------------------------------------------------------

def lenet_keras2_style():
    """input_shape= on the first layer, activation functions, ReLU(max_value=None), strides omitted."""
    with pytest.warns(UserWarning, match="input_shape"):  # Keras 3 warns, and builds the model
        first = layers.Conv2D(6, (3, 3), input_shape=INPUT)
    return keras.Sequential([
        first, layers.Activation(keras.activations.relu),
        layers.MaxPool2D(pool_size=(2, 2)),
        layers.Conv2D(16, 3), layers.ReLU(max_value=None),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(32), layers.Activation("relu"),
        layers.Dense(10), layers.Softmax(),
    ])


def test_keras2_style_model_passes_and_summarizes_like_keras3_style():
    model = lenet_keras2_style()
    assert_matches_spec(model, SPEC, INPUT)
    assert without_names(summarize(model)) == without_names(summarize(lenet_sequential()))


@pytest.mark.parametrize("last, message", [
    (lambda: layers.Softmax(axis=1), 'found activation "softmax over axis 1"'),
    (lambda: layers.Activation(keras.activations.relu6), 'found activation "relu6"'),
])
def test_near_keras2_idioms_that_compute_something_else_fail(last, message):
    model = chain(layers.Dense(5), last(), shape=(4, 6))
    assert raises(assert_layers, model, [dense(5, "softmax")]).endswith(message)
    assert_layers(chain(layers.Dense(5), layers.Softmax(axis=2), shape=(4, 6)), [dense(5, "softmax")])


# --- warnings ---------------------------------------------------------------------------------------

@pytest.fixture
def warning_get_config(monkeypatch):
    """Every get_config of a Dense warns, as Keras does for some arguments."""
    original = layers.Dense.get_config

    def get_config(self):
        warnings.warn("a Keras warning", UserWarning)
        return original(self)

    monkeypatch.setattr(layers.Dense, "get_config", get_config)


def test_checks_raise_no_warnings_while_they_build_or_inspect_models(warning_get_config, batch):
    model = small_classifier()
    with pytest.warns(UserWarning):
        model.layers[0].get_config()
    x, y = batch
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summarize(model)
        summary_table(model)
        assert_matches_spec(model, [dense(8, "relu"), dense(3, "softmax")], (4,))
        assert_same_architecture(model, small_classifier())
        build_reference([dense(8, "relu")], (4,))
        assert_probabilities(model)
        assert_loss_decreases(model, x, y, "sparse_categorical_crossentropy")
        assert_matches_spec(lenet_keras2_style(), SPEC, INPUT)
    assert [str(w.message) for w in caught] == []


def test_quiet_restores_the_warning_filters():
    before = list(warnings.filters)
    with quiet():
        warnings.warn("hidden", UserWarning)
    assert warnings.filters == before


# --- parameter and weight-layer counts -------------------------------------------------------------

def lenet5():
    """LeNet-5 as in 1998 (61,706 parameters)."""
    return keras.Sequential([
        keras.Input((32, 32, 1)),
        layers.Conv2D(6, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Flatten(),
        layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax"),
    ])


def test_param_count():
    model = lenet5()
    assert_param_count(model, 61_706)
    assert raises(assert_param_count, model, 61_696) == "the model has 61,706 parameters, expected 61,696 (10 more)"
    assert raises(assert_param_count, model, 61_716, "LeNet-5") == (
        "LeNet-5 has 61,706 parameters, expected 61,716 (10 fewer)")


def test_param_count_message_when_larger():
    model = lenet5()
    model.add(layers.Dense(10, use_bias=False, name="extra"))
    # 100 more weights from the extra 10x10 Dense: the message gives the exact gap.
    assert raises(assert_param_count, model, 61_706) == "the model has 61,806 parameters, expected 61,706 (100 more)"


def test_weight_layer_counts():
    model = lenet5()
    assert count_weight_layers(model) == {"Conv2D": 2, "Dense": 3}
    assert_weight_layers(model, Conv2D=2, Dense=3)
    assert raises(assert_weight_layers, model, Conv2D=3) == "expected 3 Conv2D layers, found 2"
    assert raises(assert_weight_layers, model, Conv2D=2, SeparableConv2D=1) == "expected 1 SeparableConv2D layers, found 0"


def test_weight_layer_counts_look_inside_nested_blocks():
    assert count_weight_layers(lenet_nested()) == {"Conv2D": 2, "Dense": 2}


# --- context and CheckError ------------------------------------------------------------------------

def test_check_error_is_an_assertion_error():
    assert issubclass(CheckError, AssertionError)
    with pytest.raises(AssertionError):
        assert_param_count(lenet5(), 1)


def test_context_prefixes_the_message():
    with pytest.raises(CheckError) as info:
        with context("build_lenet(input_shape=(16, 16, 1))"):
            assert_layers(lenet_sequential(c3={"filters": 8}), SPEC)
    assert str(info.value) == (
        "build_lenet(input_shape=(16, 16, 1)): layer 3 (c3): expected Conv2D with 16 filters, found 8 filters")


def test_nested_contexts_stack():
    with pytest.raises(CheckError) as info:
        with context("outer"):
            with context("inner"):
                raise CheckError("boom")
    assert str(info.value) == "outer: inner: boom"


def test_context_leaves_passing_code_alone():
    with context("anything"):
        assert_layers(lenet_sequential(), SPEC)
        value = 41 + 1
    assert value == 42


@pytest.mark.parametrize("error", [ValueError("bad value"), AssertionError("plain assert"), KeyError("k")])
def test_context_lets_other_exceptions_through_unchanged(error):
    with pytest.raises(type(error)) as info:
        with context("label"):
            raise error
    assert info.value is error
    assert "label" not in str(info.value)


# --- behaviour -------------------------------------------------------------------------------------

def test_seed_makes_random_draws_repeatable():
    seed(3)
    a = np.random.rand(4), keras.ops.convert_to_numpy(keras.random.normal((4,)))
    seed(3)
    b = np.random.rand(4), keras.ops.convert_to_numpy(keras.random.normal((4,)))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    seed(4)
    assert not np.array_equal(np.random.rand(4), a[0])


def test_seed_makes_initial_weights_repeatable():
    seed(5)
    first = lenet5().get_weights()
    seed(5)
    second = lenet5().get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(first, second))


def test_sample_inputs_fit_the_model():
    model = lenet_sequential()
    x = sample_inputs(model)
    assert x.shape == (2, 16, 16, 1)
    assert x.dtype == np.float32
    assert sample_inputs(model, batch=5).shape == (5, 16, 16, 1)
    np.testing.assert_array_equal(sample_inputs(model, value_seed=1), sample_inputs(model, value_seed=1))
    assert predict(model, x).shape == (2, 10)


def test_assert_probabilities_passes_with_softmax():
    assert_probabilities(lenet_sequential())
    assert_probabilities(lenet_functional())  # a Softmax layer


def test_assert_probabilities_fails_with_a_linear_output():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, name="logits")])
    message = raises(assert_probabilities, model, np.array([[1.0] * 4, [-1.0] * 4], dtype=np.float32))
    assert message.startswith("the model's output should lie in [0.0, 1.0], found values from")
    assert 'use activation="softmax" in the last layer' in message


def test_assert_probabilities_fails_with_a_sigmoid_output():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="sigmoid")])
    message = raises(assert_probabilities, model)
    assert message.startswith("each output row should sum to 1 (class probabilities), found sums [")
    assert message.endswith('use activation="softmax" in the last layer')


def test_assert_output_range():
    assert_output_range(np.array([0.0, 0.5, 1.0]), 0, 1)
    assert raises(assert_output_range, np.array([0.1, np.nan]), 0, 1) == "the output contains NaN or infinite values"
    assert raises(assert_output_range, np.array([0.1, np.inf]), 0, 1, "y") == "y contains NaN or infinite values"
    assert raises(assert_output_range, np.array([-0.5, 2.0]), 0, 1, "the scores") == (
        "the scores should lie in [0, 1], found values from -0.5 to 2")


def test_assert_probabilities_with_nan_output_does_not_suggest_softmax():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
    x = np.full((2, 4), np.nan, dtype=np.float32)
    assert raises(assert_probabilities, model, x) == "the model's output contains NaN or infinite values"


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(0)
    return rng.random((16, 4), dtype=np.float32), np.arange(16) % 3


def small_classifier(trainable=True):
    return keras.Sequential([
        keras.Input((4,)),
        layers.Dense(8, activation="relu", trainable=trainable),
        layers.Dense(3, activation="softmax", trainable=trainable),
    ])


def test_loss_decreases_for_a_trainable_model_and_leaves_it_unchanged(batch):
    x, y = batch
    model = small_classifier()
    before = [w.copy() for w in model.get_weights()]
    assert_loss_decreases(model, x, y, "sparse_categorical_crossentropy")
    after = model.get_weights()
    assert all(np.array_equal(b, a) for b, a in zip(before, after))
    assert not model.compiled


@pytest.mark.parametrize("freeze", ["layers", "model"])
def test_frozen_model_is_told_it_cannot_learn(batch, freeze):
    x, y = batch
    model = small_classifier(trainable=freeze != "layers")
    if freeze == "model":
        model.trainable = False
    message = raises(assert_loss_decreases, model, x, y, "sparse_categorical_crossentropy")
    assert message.startswith("the model has no trainable weights, so it cannot learn")


# --- assert_close ----------------------------------------------------------------------------------

def test_assert_close_passes_within_tolerance():
    assert_close([1.0, 2.0], [1.0, 2.0 + 1e-7])
    assert_close(np.float32(0.1), 0.1, rtol=1e-6)
    assert_close([[1.0, 2.0]], [[1.01, 2.0]], rtol=0.02)
    assert_close(keras.ops.convert_to_tensor([1.0, 2.0]), [1.0, 2.0])


def test_assert_close_names_the_worst_index_and_values():
    message = raises(assert_close, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.1, 4.5]], what="the kernel")
    assert message == (
        "the kernel differs from the expected value at index (1, 1): found 4, expected 4.5 "
        "(2 of 4 values off; tolerance rtol=1e-05, atol=1e-08)")


def test_assert_close_scalar():
    assert raises(assert_close, 1.0, 2.0) == (
        "the value differs from the expected value: found 1, expected 2 "
        "(1 of 1 values off; tolerance rtol=1e-05, atol=1e-08)")


def test_assert_close_points_at_a_value_that_is_off_when_expected_has_nan():
    message = raises(assert_close, [1.0, 2.0], [1.0, np.nan])
    assert "at index (1,): found 2, expected nan" in message


def test_assert_close_shape_mismatch():
    assert raises(assert_close, [1.0], [1.0, 2.0]) == "the value has shape (1,), expected (2,)"
    assert raises(assert_close, [[1.0, 2.0]], [1.0, 2.0], what="y") == "y has shape (1, 2), expected (2,)"


def test_assert_close_nan():
    assert raises(assert_close, [1.0, np.nan], [1.0, 2.0]) == "the value contains NaN"


@pytest.mark.parametrize("value, kind", [("abc", "str"), ([1, "a"], "list"), ({"a": 1}, "dict"), (None, "None")])
def test_assert_close_non_numeric(value, kind):
    message = raises(assert_close, value, [1.0, 2.0])
    assert message.startswith(f"the value should be numeric, found {kind}")


# --- models built without their weights (unallocated.py) ------------------------------------

def test_a_model_built_without_weights_has_the_shapes_and_counts_of_a_plain_build():
    from autograder.checks import build_without_weights, summarize

    def build(units=32):
        return keras.Sequential([keras.Input((12, 12, 3)), layers.Conv2D(8, 3), layers.Flatten(),
                                 layers.Dense(units, activation="relu"), layers.Dense(4)])

    lazy, plain = build_without_weights(build, units=16), build(16)
    assert lazy.count_params() == plain.count_params()
    assert [replace(s, name="") for s in summarize(lazy)] == [replace(s, name="") for s in summarize(plain)]
    # Nothing was left for Keras to fill in later: its list of deferred variables is as before.
    from keras.src.backend.common import global_state
    assert not global_state.get_global_attribute("uninitialized_variables")


def test_a_build_that_sets_weights_or_fails_gets_a_plain_call():
    from autograder.checks import build_without_weights

    def with_set_weights():
        model = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
        model.set_weights([np.ones((3, 2)), np.zeros(2)])
        return model

    assert build_without_weights(with_set_weights).get_weights()[0].sum() == 6.0

    def broken():
        raise KeyError("depth")

    with pytest.raises(KeyError):
        build_without_weights(broken)
