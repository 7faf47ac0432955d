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
from ..checks.errors import CheckError, stage_error
from ..checks.reference_cache import reference_cache
from ..checks.raises import assert_raises
from ..remote import run_probe
from ..i18n.messages import N_
from . import public_test

# --- optimizers ----------------------------------------------------------------------------

# name -> (keras.optimizers class, the notebook section, the state arrays the step takes and returns)
OPTIMIZERS = {
    "sgd": ("SGD", N_("Optimizers: SGD and momentum"), ("velocity",)),
    "rmsprop": ("RMSprop", N_("Optimizers: RMSprop"), ("avg_sq",)),
    "adagrad": ("Adagrad", N_("Optimizers: Adagrad"), ("accumulator",)),
    "adadelta": ("Adadelta", N_("Optimizers: Adadelta"), ("avg_sq_grad", "avg_sq_delta")),
    "adam": ("Adam", N_("Optimizers: Adam"), ("m", "v")),
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
    return f"{kind}_step(..., {args})" if args else N_(f"{kind}_step(...) at its defaults")


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
    "mean_squared_error": ("losses", N_("Losses: mean squared error"), "real"),
    "binary_crossentropy": ("losses", N_("Losses: binary crossentropy"), "binary"),
    "categorical_crossentropy": ("losses", N_("Losses: categorical crossentropy"), "one_hot"),
    "hinge": ("losses", N_("Losses: hinge and squared hinge"), "signs"),
    "squared_hinge": ("losses", N_("Losses: hinge and squared hinge"), "signs"),
    "categorical_accuracy": ("metrics", N_("Metrics: accuracy"), "one_hot"),
    "top_k_categorical_accuracy": ("metrics", N_("Metrics: top-k accuracy"), "one_hot"),
    "sparse_top_k_categorical_accuracy": ("metrics", N_("Metrics: top-k accuracy"), "sparse"),
    "mean_squared_logarithmic_error": ("metrics", N_("Metrics: mean squared logarithmic error"), "positive"),
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
    label = label or N_(f"a batch of shape {np.shape(y_pred)}")
    what = N_(f"{name}(y_true, y_pred{args}) on {label}")
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
TASK_SECTION = N_("Choosing loss, metrics and optimizer for a task")


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
                  N_(f"compile_for_task(model, 'ranking'), a task not among {', '.join(TASKS)},"),
                  words=tuple(TASKS), section=f'"{TASK_SECTION}"')


# --- watching training: a learning-rate sweep, callbacks ---------------------------------------

SWEEP_SECTION = N_("Watching training: the learning rate")
CALLBACKS_SECTION = N_("Callbacks: stopping early, adjusting the learning rate, your own")
RUN_KINDS = ("diverged", "too slow", "good")


def reference_run_kind(losses) -> str:
    """The notebook's rule: ``losses[0]`` is the loss before training, then one per epoch. Diverged:
    a value that is not finite, or a final loss above the start; too slow: a final loss above 3/4
    of the start; good otherwise."""
    values = np.asarray(losses, dtype="float64")
    if not np.all(np.isfinite(values)) or values[-1] > values[0]:
        return "diverged"
    return "too slow" if values[-1] > 0.75 * values[0] else "good"


def digit_features(count: int, start: int = 0, shifted_labels: bool = False):
    """``count`` of scikit-learn's 8x8 digits as 64 features in [0, 1] and their labels (int32);
    ``shifted_labels``: every label moved to the next class, a validation set training cannot fit."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data[start:start + count] / 16.0).astype("float32")
    y = digits.target[start:start + count].astype("int32")
    return x, (y + 1) % 10 if shifted_labels else y


def sweep_model(units: int = 16, seed: int = 0):
    """The judge's small classifier of 64 features into 10 classes, seeded; not compiled."""
    import keras

    keras.utils.set_random_seed(seed)
    return keras.Sequential([keras.Input((64,)), keras.layers.Dense(units, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")], name="sweep_model")


def assert_sweep(lr_sweep, rates=(0.0, 0.5), expected_kinds=(None, "good"),
                 epochs: int = 4, batch_size: int = 32, count: int = 256, start: int = 0, seed: int = 0,
                 units: int = 16) -> None:
    """``lr_sweep(model, rates, x, y, epochs, batch_size)`` on the judge's model and digits: one list of
    ``epochs + 1`` losses per rate; at rate 0 (where the expected kind is None) every value is the judge's loss of the model as given
    (so each run starts from the model's weights, and the first value is taken before training);
    each other rate's run is of the kind the judge's margins make certain; the model is left as given."""
    import keras

    model = sweep_model(units, seed)
    before = [np.array(w) for w in model.get_weights()]
    x, y = digit_features(count, start)
    start_loss = float(np.mean(keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(y, model(x)))))
    call = f"lr_sweep(model, {list(rates)}, x, y, epochs={epochs}, batch_size={batch_size})"
    sweep = lr_sweep(model, list(rates), x, y, epochs=epochs, batch_size=batch_size)
    if not isinstance(sweep, dict) or sorted(sweep) != sorted(rates):
        keys = sorted(sweep) if isinstance(sweep, dict) else type(sweep).__name__
        raise CheckError(f"{call} should return a dict with one key per rate, {list(rates)}; found {keys}. "
                         f"Reread \"{SWEEP_SECTION}\".")
    for rate, kind in zip(rates, expected_kinds):
        losses = sweep[rate]
        try:
            values = np.asarray(losses, dtype="float64").reshape(-1)
        except (TypeError, ValueError):
            raise CheckError(f"{call}[{rate}] should be a list of numbers, found {type(losses).__name__}") from None
        if values.size != epochs + 1:
            raise CheckError(f"{call}[{rate}] holds {values.size} losses, expected {epochs + 1}: the loss before "
                             f"training (model.evaluate), then one per epoch (history.history['loss']). "
                             f"Reread \"{SWEEP_SECTION}\".")
        if kind is None:  # rate 0: nothing moves, every value is the starting loss
            off = np.abs(values - start_loss) > 1e-3 * start_loss
            if off.any():
                raise CheckError(
                    f"{call}[0.0] is {np.round(values, 4).tolist()}, but the model as given has loss "
                    f"{start_loss:.4f} on these digits and at learning rate 0 nothing changes: start every run "
                    f"from the model's own weights (a clone_model copy given model.get_weights()), and take the "
                    f"first value before training. Reread \"{SWEEP_SECTION}\".")
        elif reference_run_kind(values) != kind:
            raise CheckError(
                f"{call}[{rate}] is {np.round(values, 4).tolist()}: a run that is {reference_run_kind(values)}, "
                f"where SGD at learning rate {rate} from the model's weights is {kind} on these digits: compile "
                f"each copy with keras.optimizers.SGD(learning_rate=rate) and the sparse categorical "
                f"crossentropy. Reread \"{SWEEP_SECTION}\".")
    after = model.get_weights()
    if any(not np.array_equal(a, b) for a, b in zip(before, after)):
        raise CheckError(f"{call} changed the model it was given: train copies of it "
                         f"(keras.models.clone_model, then set_weights). Reread \"{SWEEP_SECTION}\".")


def assert_classifies(classify_run, losses) -> None:
    """``classify_run(losses)`` gives the kind the notebook's rule gives."""
    expected = reference_run_kind(losses)
    shown = [float(v) for v in losses]
    found = classify_run(list(losses))
    if found != expected:
        raise CheckError(f"classify_run({shown}) is {found!r}, expected {expected!r}: diverged when a loss is not "
                         f"finite or the last is above the first, too slow when the last is above 3/4 of the "
                         f"first, good otherwise. Reread \"{SWEEP_SECTION}\".")


CLASSIFY_CASES = [
    [2.3, 1.2, 0.6], [2.3, 2.2, 2.1], [2.3, 40.0, 19.0], [2.3, float("nan")], [2.3, 1.0, float("inf")],
]


@public_test("learning_rate_sweep")
def sweep_runs_each_rate(lr_sweep):
    """lr_sweep trains a copy of the model per rate from its weights: rates 0 and 0.5 on digits"""
    assert_sweep(lr_sweep)


@public_test("learning_rate_sweep")
def classify_simple_runs(classify_run):
    """classify_run tells a good run, a slow one and diverged ones apart"""
    for losses in CLASSIFY_CASES:
        assert_classifies(classify_run, losses)


@reference_cache
def reference_callbacks_run(patience: int, x, y, x_val, y_val, epochs: int = 12, seed: int = 0) -> dict:
    """The judge's run with Keras' own callbacks as the notebook states them: epochs run, the
    learning rate of each epoch, the final weights."""
    import keras

    model = callbacks_model(seed)
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
                 keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)]
    history = model.fit(x, y, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, shuffle=False,
                        verbose=0, callbacks=callbacks)
    rates = history.history.get("learning_rate") or [0.5] * len(history.epoch)
    return {"epochs": len(history.epoch), "rates": [float(r) for r in rates], "weights": model.get_weights()}


def callbacks_model(seed: int = 0, learning_rate: float = 0.5):
    """The judge's classifier for the callback tests, compiled with plain SGD."""
    import keras

    model = sweep_model(16, seed)
    model.compile(keras.optimizers.SGD(learning_rate=learning_rate), "sparse_categorical_crossentropy",
                  jit_compile=False)
    return model


CALLBACK_ASPECTS = ("stops", "rates", "weights")


def callbacks_trial(training_callbacks, patience: int = 3, shifted: bool = True, epochs: int = 12,
                    seed: int = 0) -> dict:
    """The judge's model fitted in the student's kernel with ``training_callbacks(patience)``, without
    shuffling (both sides train alike), and the judge's own run with Keras' callbacks, for
    ``judge_callbacks``. ``shifted``: validation labels the model cannot fit, so validation loss
    rises from the first epoch. Never raises: a failure is judged by each aspect's test."""
    x, y = digit_features(256)
    x_val, y_val = digit_features(128, start=256, shifted_labels=shifted)
    try:
        report = run_probe("fit_with_callbacks", training_callbacks, patience, callbacks_model(seed), x, y,
                           x_val, y_val, epochs)
    except Exception as error:  # noqa: BLE001 - a kernel that cannot answer fails every aspect
        report = {"failed": {"stage": "probe", "type": type(error).__name__, "message": str(error)}}
    return {"report": report, "expected": reference_callbacks_run(patience, x, y, x_val, y_val, epochs, seed),
            "call": f"training_callbacks(patience={patience})", "epochs": epochs,
            "data": N_("a validation loss that rises from the first epoch") if shifted else
            N_("a validation set the model can fit")}


def judge_callbacks(trial: dict, aspect: str) -> None:
    """One aspect of a callbacks_trial: "stops" (the epochs run), "rates" (each epoch's learning rate)
    or "weights" (those of the best epoch, restored)."""
    from ..checks.arrays import assert_array_matches

    report, expected, call = trial["report"], trial["expected"], trial["call"]
    if report.get("failed"):
        raise stage_error(report, lambda stage, error: N_(
            f"{call}: {error} ({CALLBACK_HINTS.get(stage, '')}). Reread \"{CALLBACKS_SECTION}\"."))
    if aspect == "stops" and report["epochs"] != expected["epochs"]:
        raise CheckError(f"with {call}, fit ran {report['epochs']} of {trial['epochs']} epochs on {trial['data']}, "
                         f"expected {expected['epochs']}: EarlyStopping(monitor=\"val_loss\", patience=patience) "
                         f"stops after patience epochs without a better val_loss. Reread \"{CALLBACKS_SECTION}\".")
    if aspect == "rates":
        found = report["lr_per_epoch"]
        if len(found) != len(expected["rates"]) or not np.allclose(found, expected["rates"], rtol=1e-6):
            raise CheckError(f"with {call}, the epochs trained at learning rates {[round(r, 6) for r in found]} on "
                             f"{trial['data']}, expected {expected['rates']}: ReduceLROnPlateau(monitor="
                             f"\"val_loss\", factor=0.5, patience=1) halves the rate after each epoch without a "
                             f"better val_loss. Reread \"{CALLBACKS_SECTION}\".")
    if aspect == "weights":
        for found, wanted in zip(report["model"].get_weights(), expected["weights"]):
            assert_array_matches(found, wanted, rtol=1e-4, atol=1e-5,
                                 what=f"the model's weights after fit with {call} on {trial['data']}, where "
                                      f"EarlyStopping with restore_best_weights=True puts back those of the best "
                                      f"epoch,", section=CALLBACKS_SECTION)


def assert_callbacks(training_callbacks, patience: int = 3, shifted: bool = True, epochs: int = 12,
                     seed: int = 0) -> None:
    """Every aspect of one callbacks_trial."""
    trial = callbacks_trial(training_callbacks, patience, shifted, epochs, seed)
    for aspect in CALLBACK_ASPECTS:
        judge_callbacks(trial, aspect)


def assert_recorder(LearningRateRecorder, rates=(0.1, 0.2, 0.01), seed: int = 0) -> None:
    """A ``LearningRateRecorder()`` in a fit whose learning rate the judge sets as each epoch begins
    (a LearningRateScheduler over ``rates``): its ``rates`` must be those, as floats, one per epoch."""
    x, y = digit_features(64)
    report = run_probe("record_learning_rates", LearningRateRecorder, callbacks_model(seed), x, y, list(rates))
    if report.get("failed"):
        raise stage_error(report, lambda stage, error: N_(
            f"LearningRateRecorder() in a fit: {error} ({CALLBACK_HINTS.get(stage, '')}). "
            f"Reread \"{CALLBACKS_SECTION}\"."))
    recorded = report.get("recorded")
    try:
        values = [float(v) for v in recorded]
    except (TypeError, ValueError):
        values = None
    if values is None or len(values) != len(rates) or not np.allclose(values, rates, rtol=1e-6):
        raise CheckError(f"LearningRateRecorder().rates is {recorded!r} after a fit of {len(rates)} epochs whose "
                         f"learning rates were {list(rates)}: one float per epoch, the optimizer's learning rate "
                         f"as the epoch begins (on_epoch_begin, self.model.optimizer.learning_rate). "
                         f"Reread \"{CALLBACKS_SECTION}\".")


CALLBACK_HINTS = {
    "callbacks": N_("training_callbacks(patience) returns a list of two callbacks"),
    "recorder": N_("LearningRateRecorder() takes no arguments and calls super().__init__()"),
    "fit": N_("the callbacks must work in model.fit"),
    "probe": N_("the kernel could not run the fit"),
}


@public_test("callbacks")
def callbacks_stop_and_adjust(training_callbacks):
    """training_callbacks(3) stops early, restores the best weights and halves the learning rate"""
    assert_callbacks(training_callbacks, patience=3)


@public_test("callbacks")
def recorder_records_rates(LearningRateRecorder):
    """LearningRateRecorder records the learning rate of each epoch"""
    assert_recorder(LearningRateRecorder)
