"""Public tests of chapter 2: activations in NumPy, layer arithmetic, functional-API models.

They check the defaults the exercise text states. The hidden tests (in the instructor's
notebook only) try float64 and other shapes, other axes and alphas, many random layer
configurations compared with Keras, and other model sizes and cells.
"""

from __future__ import annotations

import numpy as np

from ..checks.arrays import assert_array_matches, call_cleanly
from ..checks.behaviour import assert_probabilities, predict
from ..checks.errors import CheckError, context, stage_error
from ..checks.quiet import quiet
from ..checks.summary import flat_layers
from ..checks.raises import assert_raises
from ..checks.reference_cache import reference_cache
from ..i18n.messages import N_
from . import public_test

# --- activations -----------------------------------------------------------------------------

SECTIONS = {
    "softmax": N_("Softmax"), "sigmoid": N_("Sigmoid and hard sigmoid"),
    "hard_sigmoid": N_("Sigmoid and hard sigmoid"), "tanh": N_("Tanh and softsign"),
    "softsign": N_("Tanh and softsign"), "relu": N_("ReLU, linear and softplus"),
    "linear": N_("ReLU, linear and softplus"), "softplus": N_("ReLU, linear and softplus"),
    "elu": N_("ELU and SELU"), "selu": N_("ELU and SELU"),
}
EXTREMES = [-1000.0, -100.0, -20.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 20.0, 100.0, 1000.0]


def sample(shape=(4, 6), dtype="float32", scale=3.0, seed=0) -> np.ndarray:
    """Random inputs with a fixed seed (normal, times ``scale``)."""
    return (np.random.default_rng(seed).normal(size=shape) * scale).astype(dtype)


def extremes(dtype="float32") -> np.ndarray:
    """One row of extreme and ordinary inputs: +-1000, +-100, +-20, ... and 0."""
    return np.array([EXTREMES], dtype=dtype)


@reference_cache
def keras_activation(name: str, x, **kwargs) -> np.ndarray:
    import keras

    with quiet():
        return keras.ops.convert_to_numpy(getattr(keras.activations, name)(x, **kwargs))


def _call_text(name, x, kwargs) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    if not args:  # a placeholder matches one character or more: without arguments, a template of its own
        return N_(f"{name}(x) on {x.dtype} x of shape {x.shape}")
    return N_(f"{name}(x{args}) on {x.dtype} x of shape {x.shape}")


def assert_activation(func, name: str, x, allow_warnings: bool = False, **kwargs) -> None:
    """``func(x, **kwargs)`` equals ``keras.activations.<name>`` within atol 1e-6 + rtol 1e-5,
    computed with NumPy alone, without NumPy overflow, divide or invalid warnings (unless
    ``allow_warnings``: values only), returns a NumPy array and leaves x alone."""
    x = np.asarray(x)
    what = _call_text(name, x, kwargs)
    section = SECTIONS[name]
    original = x.copy()
    result = call_cleanly(func, x, what=what, section=section, numpy_only=True, allow_warnings=allow_warnings,
                          **kwargs)
    if not np.array_equal(x, original, equal_nan=True):
        raise CheckError(f"{what} changed its input array x in place: compute a new array (np.maximum, "
                         f'np.where, ...) instead of assigning into x. Reread "{section}".')
    if not isinstance(result, (np.ndarray, np.generic)):
        raise CheckError(f"{what} should return a NumPy array, found {type(result).__name__}: write it with "
                         f'NumPy operations (np.exp, np.maximum, ...). Reread "{section}".')
    assert_array_matches(result, keras_activation(name, x, **kwargs), rtol=1e-5, atol=1e-6, what=what,
                         section=section)


def activation_public_test(name: str):
    def test(func):
        assert_activation(func, name, sample())
        assert_activation(func, name, extremes())

    test.__doc__ = N_(f"{name}(x) matches keras.activations.{name} on random and extreme (+-1000) float32 inputs")
    test.__name__ = f"{name}_matches_keras"
    return test


def _register(exercise: str, name: str) -> None:
    check = activation_public_test(name)
    # A test asks for the student's function by naming it as its only parameter.
    namespace: dict = {}
    exec(f"def {check.__name__}({name}):\n    _check({name})\n", {"_check": check}, namespace)
    func = namespace[check.__name__]
    func.__doc__ = check.__doc__
    public_test(exercise)(func)


_register("softmax", "softmax")
for _name in ("sigmoid", "hard_sigmoid", "tanh", "softsign"):
    _register("squashing_activations", _name)
for _name in ("relu", "linear", "softplus", "elu", "selu"):
    _register("rectifier_activations", _name)


@public_test("softmax")
def softmax_rows_sum_to_one(softmax):
    """softmax(x) rows sum to 1"""
    result = softmax(sample((3, 5)))
    sums = np.sum(np.asarray(result, dtype=np.float64), axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-5):
        raise CheckError(f"softmax(x) rows should sum to 1, found sums {np.round(sums, 4).tolist()}: divide by the "
                         'sum over axis, with keepdims=True. Reread "Softmax".')


# --- layer arithmetic ------------------------------------------------------------------------

ARITHMETIC_SECTION = N_('"Counting parameters"')
SHAPES_SECTION = N_('"Output shapes of convolution and pooling"')
RNN_LAYERS = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


@reference_cache
def keras_dense_params(input_dim, units, use_bias=True) -> int:
    import keras

    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, input_dim))
    return int(layer.count_params())


@reference_cache
def keras_conv2d_params(input_channels, filters, kernel_size, use_bias=True) -> int:
    import keras

    layer = keras.layers.Conv2D(filters, kernel_size, use_bias=use_bias)
    layer.build((None, None, None, input_channels))
    return int(layer.count_params())


@reference_cache
def keras_rnn_params(kind, input_dim, units) -> int:
    import keras

    layer = getattr(keras.layers, RNN_LAYERS[kind])(units)
    layer.build((None, None, input_dim))
    return int(layer.count_params())


@reference_cache
def keras_conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid") -> tuple:
    import keras

    layer = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)
    return tuple(int(d) for d in layer.compute_output_shape((None, *input_shape))[1:])


@reference_cache
def keras_pool2d_output_shape(input_shape, pool_size=2, strides=None, padding="valid") -> tuple:
    import keras

    layer = keras.layers.MaxPooling2D(pool_size, strides=strides, padding=padding)
    return tuple(int(d) for d in layer.compute_output_shape((None, *input_shape))[1:])


def _args_text(args, kwargs) -> str:
    return ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])


def assert_count(func, reference, *args, section=ARITHMETIC_SECTION, **kwargs) -> None:
    what = f"{getattr(func, '__name__', 'the function')}({_args_text(args, kwargs)})"
    found = func(*args, **kwargs)
    want = reference(*args, **kwargs)
    if isinstance(found, bool) or not isinstance(found, (int, np.integer)):
        raise CheckError(f"{what} should return an int, found {found!r} ({type(found).__name__})")
    if found != want:
        raise CheckError(f"{what} is {found}, but Keras counts {want} parameters; reread {section}")


def assert_shape(func, reference, *args, section=SHAPES_SECTION, **kwargs) -> None:
    what = f"{getattr(func, '__name__', 'the function')}({_args_text(args, kwargs)})"
    found = func(*args, **kwargs)
    want = reference(*args, **kwargs)
    if not isinstance(found, tuple):
        raise CheckError(f"{what} should return a tuple (H', W', C'), found {found!r} ({type(found).__name__})")
    if len(found) != len(want) or any(f != w for f, w in zip(found, want)):
        raise CheckError(f"{what} is {found}, but Keras gives {want}; reread {section}")
    kinds = [type(v).__name__ for v in found if type(v) is not int]
    if kinds:  # 14.0 == 14, but a shape made of floats breaks layers.Reshape and range()
        raise CheckError(f"{what} should be a tuple of Python ints, found {found} ({', '.join(dict.fromkeys(kinds))}): "
                         f"np.ceil and np.floor give floats; use // or int(...); reread {section}")


def _named(func, name):
    """check() wraps the student's function; messages should show the exercise's name."""
    inner = getattr(func, "func", func)
    if getattr(inner, "__name__", None) != name:
        def named(*args, **kwargs):
            return func(*args, **kwargs)
        named.__name__ = name
        return named
    return inner


@public_test("param_counts")
def dense_and_conv_counts(dense_params, conv2d_params):
    """dense_params(784, 128) and conv2d_params(3, 32, 3) match Keras, with and without bias"""
    assert_count(_named(dense_params, "dense_params"), keras_dense_params, 784, 128)
    assert_count(_named(dense_params, "dense_params"), keras_dense_params, 784, 128, use_bias=False)
    assert_count(_named(conv2d_params, "conv2d_params"), keras_conv2d_params, 3, 32, 3)
    assert_count(_named(conv2d_params, "conv2d_params"), keras_conv2d_params, 3, 32, 3, use_bias=False)


@public_test("param_counts")
def rnn_counts(rnn_params):
    """rnn_params counts SimpleRNN, LSTM and GRU(reset_after=True) like Keras, ValueError for another kind"""
    func = _named(rnn_params, "rnn_params")
    for kind in RNN_LAYERS:
        assert_count(func, keras_rnn_params, kind, 16, 32, section='"Recurrent layers"')
    assert_raises(lambda: rnn_params("transformer", 16, 32), 'rnn_params("transformer", 16, 32)',
                  section='"Recurrent layers"')


@public_test("output_shapes")
def conv_shapes(conv2d_output_shape):
    """conv2d_output_shape((28, 28, 1), 32, 3) and a strided "same" case match Keras"""
    func = _named(conv2d_output_shape, "conv2d_output_shape")
    assert_shape(func, keras_conv2d_output_shape, (28, 28, 1), 32, 3)
    assert_shape(func, keras_conv2d_output_shape, (28, 28, 1), 16, 5, strides=2, padding="same")


@public_test("output_shapes")
def pool_shapes(pool2d_output_shape):
    """pool2d_output_shape((28, 28, 32)) and a pool of 3 with stride 2 match Keras"""
    func = _named(pool2d_output_shape, "pool2d_output_shape")
    assert_shape(func, keras_pool2d_output_shape, (28, 28, 32))
    assert_shape(func, keras_pool2d_output_shape, (27, 27, 8), pool_size=3, strides=2)


# --- models ----------------------------------------------------------------------------------

TWO_BRANCH_SECTION = N_('"Several inputs: the functional API"')
RESIDUAL_SECTION = N_('"Merge layers and a residual block"')
SEQUENCE_SECTION = N_('"Recurrent layers"')


def _kinds(model) -> list[str]:
    return [type(layer).__name__ for layer in flat_layers(model)]


def _shape(tensor) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor.shape[1:])


def _dense_before_join(model, source) -> bool | None:
    """Whether every way from ``source`` (an input tensor) into a Concatenate of ``model`` passes a
    Dense layer (in a nested model too); None when the graph cannot be read (no top-level join)."""
    joins = [layer for layer in model.layers if type(layer).__name__ == "Concatenate"]
    if not joins:
        return None

    def has_dense(operation) -> bool:
        if type(operation).__name__ == "Dense":
            return True
        return hasattr(operation, "layers") and any(type(l).__name__ == "Dense" for l in flat_layers(operation))

    def paths(tensor, dense: bool, depth: int = 0):
        """For each way back from ``tensor`` to ``source``: whether it passed a Dense."""
        if tensor is source:
            yield dense
            return
        history = getattr(tensor, "_keras_history", None)
        if history is None or depth > 200:
            return
        operation = history.operation
        nodes = getattr(operation, "_inbound_nodes", [])
        if not 0 <= history.node_index < len(nodes):
            return
        for parent in nodes[history.node_index].input_tensors:
            yield from paths(parent, dense or has_dense(operation), depth + 1)

    found = [passed for join in joins for node in join._inbound_nodes for tensor in node.input_tensors
             for passed in paths(tensor, False)]
    return all(found) if found else None


def assert_two_branch_model(model, image_shape, num_features, num_classes, what) -> None:
    """Two inputs [image, features], a Conv2D, a Concatenate, a softmax over num_classes that
    depends on both inputs."""
    import keras

    if not isinstance(model, keras.Model):
        raise CheckError(f"{what} should return a keras.Model, found {type(model).__name__}")
    inputs = list(model.inputs)
    if len(inputs) != 2:
        raise CheckError(f"{what} has {len(inputs)} inputs, expected 2: keras.Model(inputs=[image_input, "
                         f"feature_input], ...); reread {TWO_BRANCH_SECTION}")
    found = [_shape(t) for t in inputs]
    want = [tuple(image_shape), (num_features,)]
    if found != want:
        raise CheckError(f"{what} has inputs of shapes {found}, expected {want} in the order [image, features]; "
                         f"reread {TWO_BRANCH_SECTION}")
    out = _shape(model.outputs[0]) if len(model.outputs) == 1 else None
    if out != (num_classes,):
        raise CheckError(f"{what} outputs shape {out}, expected ({num_classes},)")
    kinds = _kinds(model)
    if not any(k.startswith("Conv") for k in kinds):
        raise CheckError(f"{what} has no convolution: give the image a convolutional branch (Conv2D, pooling); "
                         f"layers found: {kinds}; reread {TWO_BRANCH_SECTION}")
    if "Concatenate" not in kinds:
        raise CheckError(f"{what} has no Concatenate layer joining the two branches; layers found: {kinds}; "
                         f"reread {TWO_BRANCH_SECTION}")
    if _dense_before_join(model, inputs[1]) is False:
        raise CheckError(f"{what}: the features input reaches the Concatenate through no Dense layer: give the "
                         f"features a Dense branch of their own first; reread {TWO_BRANCH_SECTION}")
    rng = np.random.default_rng(0)
    image = rng.random((2, *image_shape), dtype=np.float32)
    features = rng.random((2, num_features), dtype=np.float32)
    assert_probabilities(model, [image, features])
    base = predict(model, [image, features])
    for index, (name, changed) in enumerate([("image", [image * 0 + 1.0, features]),
                                             ("features", [image, features * 0 - 2.0])]):
        if np.allclose(predict(model, changed), base, atol=1e-7):
            raise CheckError(f"{what}'s output does not change when the {name} input changes: both branches must "
                             f"reach the output through the Concatenate; reread {TWO_BRANCH_SECTION}")
    single = predict(model, [image[:1], features[:1]])
    if single.shape != (1, num_classes):
        raise CheckError(f"{what} on a batch of one gives shape {single.shape}, expected (1, {num_classes})")


@public_test("two_branch_model")
def two_branch_defaults(build_two_branch_model):
    """build_two_branch_model() takes [image (28, 28, 1), features (10,)] and outputs 10 probabilities"""
    assert_two_branch_model(build_two_branch_model(), (28, 28, 1), 10, 10, "build_two_branch_model()")


def _dense_layers(model):
    import keras

    return [layer for layer in flat_layers(model) if isinstance(layer, keras.layers.Dense)]


def _dense_apply(layer, x):
    weights = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
    y = x @ weights[0] + (weights[1] if len(weights) > 1 else 0.0)
    return y


def residual_reference(x, first, second, projection=None):
    """relu(Dense2(relu(Dense1(x))) + shortcut), with the layers' own weights, in float64."""
    hidden = np.maximum(_dense_apply(first, x), 0.0)
    shortcut = x if projection is None else _dense_apply(projection, x)
    return np.maximum(_dense_apply(second, hidden) + shortcut, 0.0)


def residual_param_count(width, units) -> int:
    return (width + 1) * units + (units + 1) * units + ((width + 1) * units if width != units else 0)


def assert_residual_block(residual_dense_block, width: int, units: int, seed: int = 0, batch: int = 4) -> None:
    """The block on an Input of ``width`` computes relu(Dense(Dense_relu(x)) + shortcut) with its own weights."""
    import keras

    what = f"residual_dense_block(keras.Input(shape=({width},)), {units})"
    inputs = keras.Input(shape=(width,))
    outputs = residual_dense_block(inputs, units)
    if outputs is None:
        raise CheckError(f"{what} returned None: return the output tensor of the last layer")
    model = keras.Model(inputs, outputs)
    out = _shape(model.outputs[0])
    if out != (units,):
        raise CheckError(f"{what} outputs shape {out}, expected ({units},)")
    dense = _dense_layers(model)
    want = residual_param_count(width, units)
    if model.count_params() != want or len(dense) != (2 if width == units else 3):
        how = (N_("no projection: the shortcut is the input itself") if width == units else
               N_("a projection Dense(units) on the shortcut because the widths differ"))
        raise CheckError(f"{what} has {model.count_params()} parameters in {len(dense)} Dense layers, expected "
                         f"{want} in {2 if width == units else 3}: two Dense({units}) layers and {how}; "
                         f"reread {RESIDUAL_SECTION}")
    rng = np.random.default_rng(seed)
    for layer in dense:  # random weights and biases, so that every term shows
        layer.set_weights([rng.normal(scale=0.5, size=w.shape).astype(w.dtype) for w in layer.get_weights()])
    x = rng.normal(size=(batch, width)).astype("float32")
    found = predict(model, x)
    if width == units:
        candidates = [residual_reference(x, dense[0], dense[1])]
    else:
        second = [d for d in dense if tuple(d.get_weights()[0].shape) == (units, units)]
        firsts = [d for d in dense if d not in second]
        if len(second) != 1:
            raise CheckError(f"{what} should have one Dense({units}) applied to the first Dense's output; "
                             f"reread {RESIDUAL_SECTION}")
        candidates = [residual_reference(x, firsts[i], second[0], firsts[1 - i]) for i in (0, 1)]
    if not any(np.allclose(found, c, rtol=1e-4, atol=1e-4) for c in candidates):
        best = candidates[0]
        index = tuple(int(i) for i in np.unravel_index(np.argmax(np.abs(found - best)), best.shape))
        hint = (N_("a ReLU after the addition") if np.any(found < 0) else
                N_("relu only on the first Dense, none on the second before the addition, the shortcut added, "
                   "then relu"))
        raise CheckError(f"{what} computes {found[index]:.5g} at {index} where relu(Dense(relu(Dense(x))) + "
                         f"shortcut) gives {best[index]:.5g}: check {hint}; reread {RESIDUAL_SECTION}")


@public_test("residual_dense_block")
def residual_same_width(residual_dense_block):
    """residual_dense_block(Input((16,)), 16) adds the input itself, then applies ReLU"""
    assert_residual_block(residual_dense_block, 16, 16)


@public_test("residual_dense_block")
def residual_projection(residual_dense_block):
    """residual_dense_block(Input((8,)), 16) projects the shortcut with a Dense(16)"""
    assert_residual_block(residual_dense_block, 8, 16)


def assert_sequence_classifier(model, vocab_size, maxlen, num_classes, cell, units, what, batch=3) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise CheckError(f"{what} should return a keras.Model, found {type(model).__name__}")
    found = _shape(model.inputs[0]) if len(model.inputs) == 1 else None
    if found != (maxlen,):
        raise CheckError(f"{what} takes inputs of shape {found}, expected ({maxlen},): keras.Input(shape=(maxlen,)); "
                         f"reread {SEQUENCE_SECTION}")
    layers = list(flat_layers(model))
    embeddings = [layer for layer in layers if isinstance(layer, keras.layers.Embedding)]
    if len(embeddings) != 1 or embeddings[0].input_dim != vocab_size:
        dims = [e.input_dim for e in embeddings]
        raise CheckError(f"{what} should have one Embedding with input_dim={vocab_size} (the vocabulary size), "
                         f"found {len(embeddings)} with input_dim {dims}; reread {SEQUENCE_SECTION}")
    recurrent = [layer for layer in layers if type(layer).__name__ in RNN_LAYERS.values()]
    want = RNN_LAYERS[cell]
    kinds = [type(layer).__name__ for layer in recurrent]
    if kinds != [want]:
        raise CheckError(f'{what} should have one {want} layer (cell="{cell}"), found {kinds or "none"}; '
                         f"reread {SEQUENCE_SECTION}")
    if recurrent[0].units != units:
        raise CheckError(f"{what}'s {want} has {recurrent[0].units} units, expected {units}")
    out = _shape(model.outputs[0])
    if out != (num_classes,):
        raise CheckError(f"{what} outputs shape {out}, expected ({num_classes},): one probability per class")
    # One forward pass (an eager recurrent layer is slow on a CPU); the largest word index must be
    # a valid row of the Embedding.
    x = np.random.default_rng(0).integers(0, vocab_size, size=(batch, maxlen)).astype("int32")
    x[0, :] = vocab_size - 1
    assert_probabilities(model, x)


@public_test("sequence_classifier")
def sequence_defaults(build_sequence_classifier):
    """build_sequence_classifier() is Embedding -> LSTM(32) -> softmax over 2 classes, for 100 word indices"""
    with context("build_sequence_classifier()"):
        assert_sequence_classifier(build_sequence_classifier(), 10000, 100, 2, "lstm", 32,
                                   "build_sequence_classifier()")


@public_test("sequence_classifier")
def sequence_cells(build_sequence_classifier):
    """cell="gru" and cell="simple_rnn" give a GRU and a SimpleRNN; another cell is a ValueError"""
    for cell in ("gru", "simple_rnn"):
        what = f'build_sequence_classifier(maxlen=20, cell="{cell}")'
        assert_sequence_classifier(build_sequence_classifier(maxlen=20, cell=cell), 10000, 20, 2, cell, 32, what)
    assert_raises(lambda: build_sequence_classifier(cell="transformer"),
                  'build_sequence_classifier(cell="transformer")', section=SEQUENCE_SECTION)


# --- a layer of your own ------------------------------------------------------------------------

CUSTOM_LAYER_TITLE = N_("A layer of your own")
CUSTOM_LAYER_SECTION = N_('"A layer of your own"')  # f'"{CUSTOM_LAYER_TITLE}"', written out for the catalogue
STAGE_HINTS = {
    "make": N_("__init__(self, units=32, use_bias=True, **kwargs) stores the arguments and passes **kwargs to "
               "super().__init__"),
    "first_call": N_("the first call builds the layer: build(self, input_shape) makes the weights with "
                     "self.add_weight from input_shape[-1], then call(self, inputs) computes"),
    "call": N_("call(self, inputs) returns inputs @ kernel (+ bias) on the last axis"),
    "get_config": N_("get_config(self) returns super().get_config() plus units and use_bias"),
    "from_config": N_("get_config(self) must return super().get_config() plus every argument __init__ takes "
                      "(units, use_bias), so that Linear(**config) makes the same layer"),
    "clone_call": N_("a layer made from get_config() must build and compute like the original: get_config "
                     "returns units and use_bias"),
    "save": N_("a model holding the layer must save in the .keras format: get_config returns plain values"),
    "load": N_("keras.saving.load_model finds a custom class by its registered name: decorate the class with "
               "@keras.saving.register_keras_serializable() (and give it a get_config)"),
    "loaded_call": N_("the loaded model must compute: build and call must work on a layer made from its config"),
}


def linear_case(width: int, units: int, use_bias: bool = True, leading=(3,), seed: int = 0):
    """The judge's inputs and weights for a Linear layer, and the output they must give."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(*leading, width)).astype("float32")
    kernel = rng.normal(size=(width, units)).astype("float32")
    bias = rng.normal(size=(units,)).astype("float32")
    expected = x @ kernel + (bias if use_bias else 0)
    return x, [kernel, bias] if use_bias else [kernel], expected


def assert_custom_layer(Linear, width: int, units: int, use_bias: bool = True, leading=(3,), seed: int = 0,
                        save: bool = True) -> None:
    """``Linear(units[, use_bias=False])`` on inputs of shape ``(*leading, width)``: no weights
    before its first call, then a trainable (width, units) kernel and, with a bias, a (units,) bias;
    with the judge's weight values it computes x @ kernel + bias; the layer made from its
    get_config() computes the same; with ``save``, a model holding it saves to .keras and loads back
    (without custom_objects) computing the same. Every expected value comes from the judge's inputs."""
    from ..remote import run_probe

    x, values, expected = linear_case(width, units, use_bias, leading, seed)
    kwargs = {"units": units} if use_bias else {"units": units, "use_bias": False}
    what = f"Linear({units}{'' if use_bias else ', use_bias=False'})"
    on = N_(f"on inputs of shape {x.shape}")
    report = run_probe("custom_layer_trial", Linear, kwargs, x, values, save)
    if not isinstance(report, dict):
        raise CheckError(f"{what} could not be tried (the kernel answered {type(report).__name__})")

    def need(key: str):
        """What the probe recorded under ``key``, or the failure of the stage that stopped it first."""
        if key in report:
            return report[key]
        raise stage_error(report, lambda stage, error: N_(
            f"{what} {on}: {error} (while {STAGE_WORDS.get(stage, stage)}); {STAGE_HINTS.get(stage, '')}; "
            f"reread {CUSTOM_LAYER_SECTION}"))

    if need("weights_before_build"):
        raise CheckError(f"{what} has {report['weights_before_build']} weight(s) before its first call: make them "
                         f"in build(self, input_shape), where the input's width is known, not in __init__; "
                         f"reread {CUSTOM_LAYER_SECTION}")
    found = sorted(tuple(w["shape"]) for w in need("weights"))
    wanted = sorted(tuple(v.shape) for v in values)
    if found != wanted:
        raise CheckError(f"{what} {on} made weights of shapes {found}, expected {wanted}: a kernel of "
                         f"(input_shape[-1], units)"
                         f"{N_(' and a bias of (units,)') if use_bias else N_(' and no bias')}; "
                         f"reread {CUSTOM_LAYER_SECTION}")
    for weight in report["weights"]:
        initial = np.asarray(weight.get("initial"), dtype="float64")
        if initial.ndim == 1 and np.any(initial != 0):
            raise CheckError(f"{what}'s bias starts at {np.round(initial[:4], 4).tolist()}..., expected zeros "
                             f"(initializer=\"zeros\"); reread {CUSTOM_LAYER_SECTION}")
        if initial.ndim == 2:
            limit = np.sqrt(6.0 / sum(initial.shape))  # glorot_uniform draws from [-limit, limit]
            if np.abs(initial).max() > limit * (1 + 1e-5) or initial.std() == 0:
                raise CheckError(f"{what}'s kernel starts with values in [{initial.min():.3g}, {initial.max():.3g}], "
                                 f"expected random values within +-{limit:.3g} (initializer=\"glorot_uniform\"); "
                                 f"reread {CUSTOM_LAYER_SECTION}")
    if not all(w["trainable"] for w in report["weights"]):
        raise CheckError(f"{what}'s weights should all be trainable (add_weight(..., trainable=True), the "
                         f"default): fit() would never change the others")
    assert_array_matches(need("output"), expected, rtol=1e-4, atol=1e-4,
                         what=N_(f"{what} {on}, with the judge's kernel and bias,"), section=CUSTOM_LAYER_TITLE)
    clone_weights = sorted(tuple(shape) for shape in need("clone_weights"))
    if clone_weights != wanted:
        raise CheckError(f"Linear.from_config({what}.get_config()) made weights of shapes {clone_weights}, "
                         f"expected {wanted}: {STAGE_HINTS['from_config']}; reread {CUSTOM_LAYER_SECTION}")
    assert_array_matches(need("clone_output"), expected, rtol=1e-4, atol=1e-4,
                         what=N_(f"the layer made from {what}.get_config()"), section=CUSTOM_LAYER_TITLE)
    if save:
        assert_array_matches(need("loaded_output"), expected, rtol=1e-4, atol=1e-4,
                             what=N_(f"a model holding {what}, saved as .keras and loaded,"),
                             section=CUSTOM_LAYER_TITLE)



STAGE_WORDS = {
    "make": N_("making the layer"), "first_call": N_("calling it the first time"), "call": N_("calling it"),
    "get_config": N_("calling get_config()"), "from_config": N_("making a layer from its get_config()"),
    "clone_call": N_("calling the layer made from get_config()"), "save": N_("saving a model that holds it"),
    "load": N_("loading that model with keras.saving.load_model"), "loaded_call": N_("calling the loaded model"),
}


@public_test("custom_layer")
def custom_layer_computes(Linear):
    """Linear(4) on a batch of shape (3, 5): weights made at the first call, x @ kernel + bias"""
    assert_custom_layer(Linear, 5, 4, save=False)


@public_test("custom_layer")
def custom_layer_without_bias(Linear):
    """Linear(4, use_bias=False) has a kernel and no bias"""
    assert_custom_layer(Linear, 5, 4, use_bias=False, save=False)


@public_test("custom_layer")
def custom_layer_saves(Linear):
    """A model holding Linear(3) saves as .keras and loads back computing the same"""
    assert_custom_layer(Linear, 2, 3, seed=1)
