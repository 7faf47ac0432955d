"""Public tests of chapter 3: optimizer steps, losses and metrics in NumPy; compiling for a task.

Every NumPy function is compared with Keras itself: the optimizer steps with a real
``keras.optimizers`` optimizer applied to a variable over 20 steps of one gradient sequence,
starting from the optimizer's own initial state; the losses and metrics with the
``keras.losses`` / ``keras.metrics`` function of the same name. The public tests use the
defaults the notebook states; the hidden tests (in the instructor's notebook only) use the
helpers below with other hyper-parameters, shapes, seeds and edge cases. What only they use is
in autograder/grading/hidden/ch03_training.py, which students' images do not hold.
"""

from __future__ import annotations

import numpy as np

from ..checks.arrays import assert_array_matches, call_cleanly, judge_strict_answer
from ..checks.compile_settings import assert_compiled_for
from ..checks.errors import CheckError
from ..checks.reference_cache import reference_cache
from ..checks.raises import assert_raises
from ..remote import run_probe
from . import public_test

# --- optimizers ----------------------------------------------------------------------------

# name -> (keras.optimizers class, the notebook section, the state arrays the step takes and returns)
OPTIMIZERS = {
    "sgd": ("SGD", "SGD and momentum", ("velocity",)),
    "rmsprop": ("RMSprop", "RMSprop", ("avg_sq",)),
    "adagrad": ("Adagrad", "Adagrad", ("accumulator",)),
    "adadelta": ("Adadelta", "Adadelta", ("avg_sq_grad", "avg_sq_delta")),
    "adam": ("Adam", "Adam", ("m", "v")),
}


def _keras_states(optimizer, kind: str, shape) -> list[np.ndarray]:
    """The optimizer's state for its one variable, in the order the NumPy step takes it."""
    if kind == "sgd":
        if not optimizer.momentums:  # momentum 0: Keras keeps no velocity at all
            return [np.zeros(shape, "float32")]
        arrays = [optimizer.momentums[0]]
    elif kind == "rmsprop":
        arrays = [optimizer._velocities[0]]
    elif kind == "adagrad":
        arrays = [optimizer._accumulators[0]]
    elif kind == "adadelta":
        arrays = [optimizer._accumulated_grads[0], optimizer._accumulated_delta_vars[0]]
    else:
        arrays = [optimizer._momentums[0], optimizer._velocities[0]]
    return [np.array(a.numpy()) for a in arrays]


@reference_cache
def keras_trajectory(kind: str, w0: np.ndarray, grads, **hyper):
    """Apply ``grads`` one by one with the Keras optimizer ``kind`` to a float32 variable.

    Returns ``(initial_states, steps)`` where ``steps[i] = (w, states)`` after step i + 1.
    """
    import keras

    optimizer = getattr(keras.optimizers, OPTIMIZERS[kind][0])(**hyper)
    variable = keras.Variable(np.asarray(w0, "float32"))
    optimizer.build([variable])
    initial = _keras_states(optimizer, kind, w0.shape)
    steps = []
    for g in grads:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(g, "float32")), variable)])
        steps.append((np.array(variable.numpy()), _keras_states(optimizer, kind, w0.shape)))
    return initial, steps


def gradient_sequence(shape, steps: int = 20, seed: int = 0, scale: float = 1.0):
    """Starting weights and ``steps`` gradients, float32, drawn from a seeded generator."""
    rng = np.random.default_rng(seed)
    w0 = rng.normal(0.0, 1.0, size=shape).astype("float32")
    grads = [(scale * rng.normal(0.0, 1.0, size=shape)).astype("float32") for _ in range(steps)]
    return w0, grads


def _describe(kind: str, hyper: dict) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
    return f"{kind}_step(..., {args})" if args else f"{kind}_step(...) at its defaults"


def _array_tolerance(expected: np.ndarray) -> float:
    """Absolute tolerance for one array: 1e-6 of its largest value (float32 rounding of sums)."""
    return 1e-6 * max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1e-30)


def assert_steps_match_keras(step, kind: str, shape=(3, 4), steps: int = 20, seed: int = 0,
                             scale: float = 1.0, rtol: float = 1e-5, **hyper) -> None:
    """``step`` (the student's ``<kind>_step``) follows Keras' optimizer for ``steps`` steps.

    The student's own returned weights and states are fed back in each step, as in training;
    after every step the weights and each state are compared with Keras'.
    """
    _, section, names = OPTIMIZERS[kind]
    section = f"Optimizers: {section}"
    w0, grads = gradient_sequence(shape, steps, seed, scale)
    initial, expected = keras_trajectory(kind, w0, grads, **hyper)
    call = _describe(kind, hyper)
    w, states = w0.copy(), [s.copy() for s in initial]
    # The whole trajectory in one probe; a step it could not take is replayed alone below.
    answers = run_probe("strict_trajectory", getattr(step, "__wrapped__", step), w0.copy(), [g.copy() for g in grads],
                        [s.copy() for s in initial], kind == "adam", dict(hyper))
    answers = answers if isinstance(answers, list) else []
    for t, (g, (want_w, want_states)) in enumerate(zip(grads, expected), start=1):
        args = [w, g.copy(), *states] + ([t] if kind == "adam" else [])
        if t <= len(answers):
            result = judge_strict_answer(answers[t - 1], args, what=call, section=section)
        else:
            result = call_cleanly(step, *args, what=call, section=section, **hyper)
        if not isinstance(result, (tuple, list)) or len(result) != 1 + len(names):
            raise CheckError(f"{call} should return a tuple (w, {', '.join(names)}), got "
                             f"{type(result).__name__}{'' if not isinstance(result, (tuple, list)) else f' of {len(result)}'}"
                             f". Reread \"{section}\".")
        w, *states = result
        # the states first: a wrong state explains a wrong w
        for what, got, want in [*zip(names, states, want_states), ("w", w, want_w)]:
            assert_array_matches(got, want, rtol=rtol, atol=_array_tolerance(want),
                                 what=f"{call}: after step {t} of {steps}, the returned {what}", section=section)
        w, states = np.asarray(w, "float32"), [np.asarray(s, "float32") for s in states]


# --- losses and metrics --------------------------------------------------------------------

# name -> (keras module holding the function, the notebook section, the kind of labels it takes)
LOSSES = {
    "mean_squared_error": ("losses", "Losses: mean squared error", "real"),
    "binary_crossentropy": ("losses", "Losses: binary crossentropy", "binary"),
    "categorical_crossentropy": ("losses", "Losses: categorical crossentropy", "one_hot"),
    "hinge": ("losses", "Losses: hinge and squared hinge", "signs"),
    "squared_hinge": ("losses", "Losses: hinge and squared hinge", "signs"),
    "categorical_accuracy": ("metrics", "Metrics: accuracy", "one_hot"),
    "top_k_categorical_accuracy": ("metrics", "Metrics: top-k accuracy", "one_hot"),
    "sparse_top_k_categorical_accuracy": ("metrics", "Metrics: top-k accuracy", "sparse"),
    "mean_squared_logarithmic_error": ("metrics", "Metrics: mean squared logarithmic error", "positive"),
}


def keras_value(name: str, y_true, y_pred, **kwargs) -> np.ndarray:
    """What ``keras.losses.<name>`` or ``keras.metrics.<name>`` returns, as a NumPy array."""
    import keras

    module = getattr(keras, LOSSES[name][0])
    return np.asarray(keras.ops.convert_to_numpy(getattr(module, name)(y_true, y_pred, **kwargs)))


def batch(name: str, n: int = 8, c: int = 10, seed: int = 0, labels: str | None = None):
    """A float32 batch ``(y_true, y_pred)`` of the kind ``name`` takes: no exact 0/1 probabilities,
    predictions without ties, rows of categorical predictions summing to 1."""
    rng = np.random.default_rng(seed)
    labels = labels or LOSSES[name][2]
    classes = rng.integers(0, c, size=n)
    if labels in ("one_hot", "sparse"):
        logits = rng.normal(0.0, 2.0, size=(n, c))
        y_pred = np.exp(logits - logits.max(axis=1, keepdims=True))
        y_pred = (y_pred / y_pred.sum(axis=1, keepdims=True)).astype("float32")
        y_true = classes.astype("int32") if labels == "sparse" else np.eye(c, dtype="float32")[classes]
    elif labels == "binary":
        y_true = rng.integers(0, 2, size=(n, c)).astype("float32")
        y_pred = rng.uniform(0.01, 0.99, size=(n, c)).astype("float32")
    elif labels == "signs":
        y_true = rng.choice([-1.0, 1.0], size=(n, c)).astype("float32")
        y_pred = rng.normal(0.0, 1.5, size=(n, c)).astype("float32")
    elif labels == "positive":
        y_true = rng.uniform(0.0, 5.0, size=(n, c)).astype("float32")
        y_pred = rng.uniform(0.0, 5.0, size=(n, c)).astype("float32")
    else:
        y_true = rng.normal(0.0, 2.0, size=(n, c)).astype("float32")
        y_pred = rng.normal(0.0, 2.0, size=(n, c)).astype("float32")
    return y_true, y_pred


def assert_matches_keras(func, name: str, y_true, y_pred, label: str = "", **kwargs) -> None:
    """``func(y_true, y_pred, **kwargs)`` returns Keras' value for every sample, shape (N,)."""
    section = LOSSES[name][1]
    expected = keras_value(name, y_true, y_pred, **kwargs)
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    what = f"{name}(y_true, y_pred{args}) on {label or f'a batch of shape {np.shape(y_pred)}'}"
    got = call_cleanly(func, np.array(y_true), np.array(y_pred), what=what, section=section, **kwargs)
    if got is not None and np.shape(got) != expected.shape:
        raise CheckError(f"{what} has shape {np.shape(got)}, expected {expected.shape}: return one value "
                         f'per sample (reduce over the last axis only). Reread "{section}".')
    assert_array_matches(got, expected, rtol=1e-5, atol=1e-6, what=what, section=section)


def _public_loss_check(func, name: str) -> None:
    for seed, n in [(0, 8), (1, 3)]:
        y_true, y_pred = batch(name, n=n, c=6 if "top_k" not in name else 10, seed=seed)
        assert_matches_keras(func, name, y_true, y_pred)


# --- compile_for_task ----------------------------------------------------------------------

# task -> (output activation, units of the test model, loss, metric) as the notebook's table states.
TASKS = {
    "binary": ("sigmoid", 1, "binary_crossentropy", "binary_accuracy"),
    "multiclass": ("softmax", 4, "categorical_crossentropy", "categorical_accuracy"),
    "multiclass_sparse": ("softmax", 4, "sparse_categorical_crossentropy", "sparse_categorical_accuracy"),
    "multilabel": ("sigmoid", 3, "binary_crossentropy", "binary_accuracy"),
    "regression": ("linear", 1, "mean_squared_error", "mean_absolute_error"),
}
TASK_SECTION = "Choosing loss, metrics and optimizer for a task"


def task_model(activation: str, units: int, input_dim: int = 5, as_layer: bool = False):
    """A small model ending in ``activation``: in its Dense layer, or as an Activation layer."""
    import keras

    inputs = keras.Input((input_dim,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    if as_layer:
        x = keras.layers.Dense(units)(x)
        outputs = keras.layers.Activation(activation)(x)
    else:
        outputs = keras.layers.Dense(units, activation=activation)(x)
    return keras.Model(inputs, outputs)


def assert_compiles_for(compile_for_task, task: str, as_layer: bool = False, units: int | None = None) -> None:
    activation, default_units, loss, metric = TASKS[task]
    model = task_model(activation, units or default_units, as_layer=as_layer)
    call = f"compile_for_task(model, {task!r})"
    result = compile_for_task(model, task)
    if result is None:
        raise CheckError(f"{call} returned None: return the compiled model. Reread \"{TASK_SECTION}\".")
    assert_compiled_for(result, optimizer="adam", loss=loss, metrics=[metric],
                        what=f"the model {call} returns", section=f'"{TASK_SECTION}"')


# --- the public tests ----------------------------------------------------------------------

@public_test("sgd_step")
def sgd_defaults(sgd_step):
    """sgd_step at its defaults (no momentum) follows keras.optimizers.SGD for 20 steps"""
    assert_steps_match_keras(sgd_step, "sgd")


@public_test("sgd_step")
def sgd_momentum(sgd_step):
    """sgd_step with momentum=0.9 follows keras.optimizers.SGD(momentum=0.9)"""
    assert_steps_match_keras(sgd_step, "sgd", momentum=0.9)


@public_test("rmsprop_step")
def rmsprop_defaults(rmsprop_step):
    """rmsprop_step at its defaults follows keras.optimizers.RMSprop for 20 steps"""
    assert_steps_match_keras(rmsprop_step, "rmsprop")


@public_test("adagrad_step")
def adagrad_defaults(adagrad_step):
    """adagrad_step at its defaults, from Keras' accumulator of 0.1, follows keras.optimizers.Adagrad"""
    assert_steps_match_keras(adagrad_step, "adagrad")


@public_test("adadelta_step")
def adadelta_defaults(adadelta_step):
    """adadelta_step at its defaults follows keras.optimizers.Adadelta for 20 steps"""
    assert_steps_match_keras(adadelta_step, "adadelta")


@public_test("adam_step")
def adam_defaults(adam_step):
    """adam_step at its defaults, t = 1, 2, ..., follows keras.optimizers.Adam for 20 steps"""
    assert_steps_match_keras(adam_step, "adam")


@public_test("mean_squared_error")
def mse_matches_keras(mean_squared_error):
    """mean_squared_error matches keras.losses.mean_squared_error, one value per sample"""
    _public_loss_check(mean_squared_error, "mean_squared_error")


@public_test("binary_crossentropy")
def bce_matches_keras(binary_crossentropy):
    """binary_crossentropy matches keras.losses.binary_crossentropy, one value per sample"""
    _public_loss_check(binary_crossentropy, "binary_crossentropy")


@public_test("categorical_crossentropy")
def cce_matches_keras(categorical_crossentropy):
    """categorical_crossentropy matches keras.losses.categorical_crossentropy, one value per sample"""
    _public_loss_check(categorical_crossentropy, "categorical_crossentropy")


@public_test("hinge")
def hinge_matches_keras(hinge):
    """hinge matches keras.losses.hinge on -1/1 labels, one value per sample"""
    _public_loss_check(hinge, "hinge")


@public_test("squared_hinge")
def squared_hinge_matches_keras(squared_hinge):
    """squared_hinge matches keras.losses.squared_hinge on -1/1 labels, one value per sample"""
    _public_loss_check(squared_hinge, "squared_hinge")


@public_test("categorical_accuracy")
def categorical_accuracy_matches_keras(categorical_accuracy):
    """categorical_accuracy matches keras.metrics.categorical_accuracy, one value per sample"""
    _public_loss_check(categorical_accuracy, "categorical_accuracy")


@public_test("top_k_categorical_accuracy")
def top_k_matches_keras(top_k_categorical_accuracy):
    """top_k_categorical_accuracy (k=5) matches keras.metrics.top_k_categorical_accuracy"""
    _public_loss_check(top_k_categorical_accuracy, "top_k_categorical_accuracy")


@public_test("sparse_top_k_categorical_accuracy")
def sparse_top_k_matches_keras(sparse_top_k_categorical_accuracy):
    """sparse_top_k_categorical_accuracy (k=5) matches keras.metrics.sparse_top_k_categorical_accuracy"""
    _public_loss_check(sparse_top_k_categorical_accuracy, "sparse_top_k_categorical_accuracy")


@public_test("mean_squared_logarithmic_error")
def msle_matches_keras(mean_squared_logarithmic_error):
    """mean_squared_logarithmic_error matches keras.metrics.mean_squared_logarithmic_error"""
    _public_loss_check(mean_squared_logarithmic_error, "mean_squared_logarithmic_error")


@public_test("compile_for_task")
def compiles_sparse_multiclass(compile_for_task):
    """compile_for_task(model, "multiclass_sparse"): Adam, sparse categorical crossentropy and accuracy"""
    assert_compiles_for(compile_for_task, "multiclass_sparse")


@public_test("compile_for_task")
def compiles_binary(compile_for_task):
    """compile_for_task(model, "binary"): Adam, binary crossentropy and binary accuracy"""
    assert_compiles_for(compile_for_task, "binary")


@public_test("compile_for_task")
def rejects_unknown_task(compile_for_task):
    """compile_for_task(model, "ranking") raises ValueError naming the tasks of the table"""
    model = task_model("softmax", 3)
    assert_raises(lambda: compile_for_task(model, "ranking"),
                  f"compile_for_task(model, 'ranking'), a task not among {', '.join(TASKS)},",
                  words=tuple(TASKS), section=f'"{TASK_SECTION}"')
