"""Other ways to answer chapter 3: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
"""

# --- correct, written differently -----------------------------------------------------------

# compile_for_task's cell also defines this helper (outside the solution region); an answer that
# replaces the cell keeps it.
OUTPUT_ACTIVATION = '''
def output_activation(model):
    layer = model.layers[-1]
    if isinstance(layer, layers.Softmax):
        return "softmax"
    activation = getattr(layer, "activation", None)
    return activation.__name__ if activation is not None else "linear"
'''

WRITTEN_DIFFERENTLY = {
    # float64 throughout, in-place updates on copies, momentum branch always taken
    "sgd_step": '''
def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):
    w = np.array(w, dtype=np.float64)
    if not momentum:
        w -= learning_rate * np.asarray(g, np.float64)
        return w, velocity
    v = np.array(velocity, dtype=np.float64)
    v *= momentum
    v -= learning_rate * g
    w += v
    return w, v
''',
    # Keras' own spelling: velocity update via multiply/add, division by sqrt written as a power
    "rmsprop_step": '''
def rmsprop_step(w, g, avg_sq, learning_rate=0.001, rho=0.9, epsilon=1e-07):
    new_avg = np.add(np.multiply(rho, avg_sq), np.multiply(1.0 - rho, g * g))
    increment = learning_rate * g * (new_avg + epsilon) ** -0.5
    return w - increment, new_avg
''',
    "adagrad_step": '''
def adagrad_step(w, g, accumulator, learning_rate=0.001, epsilon=1e-07):
    acc = accumulator.copy()
    acc += g ** 2
    scale = 1.0 / np.sqrt(acc + epsilon)
    return w - learning_rate * scale * g, acc
''',
    # written with a helper, as Keras' source does
    "adadelta_step": '''
def adadelta_step(w, g, avg_sq_grad, avg_sq_delta, learning_rate=0.001, rho=0.95, epsilon=1e-07):
    def rms(x):
        return np.sqrt(x + epsilon)
    e_g2 = rho * avg_sq_grad + (1.0 - rho) * g * g
    update = -(rms(avg_sq_delta) * g) / rms(e_g2)
    e_dx2 = rho * avg_sq_delta + (1.0 - rho) * update * update
    w = w + update * learning_rate
    return (w, e_g2, e_dx2)
''',
    # Keras' m += (g - m)(1 - beta_1) form, float64 powers
    "adam_step": '''
def adam_step(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
    m = m + (g - m) * (1 - beta_1)
    v = v + (g ** 2 - v) * (1 - beta_2)
    step = learning_rate * np.sqrt(1.0 - np.power(beta_2, float(t))) / (1.0 - np.power(beta_1, float(t)))
    return [w - step * m / (np.sqrt(v) + epsilon), m, v]
''',
    "mean_squared_error": '''
def mean_squared_error(y_true, y_pred):
    diff = np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)
    return (diff * diff).sum(axis=1) / diff.shape[1]
''',
    "binary_crossentropy": '''
def binary_crossentropy(y_true, y_pred):
    eps = keras.config.epsilon()
    p = np.minimum(np.maximum(y_pred, eps), 1 - eps)
    per_label = np.where(y_true == 1, -np.log(p), 0.0) + np.where(y_true == 0, -np.log1p(-p), 0.0)
    soft = (y_true != 0) & (y_true != 1)
    per_label = np.where(soft, -(y_true * np.log(p) + (1 - y_true) * np.log1p(-p)), per_label)
    return per_label.mean(axis=-1)
''',
    "categorical_crossentropy": '''
def categorical_crossentropy(y_true, y_pred):
    rows = []
    for labels, probs in zip(y_true, y_pred):
        probs = probs / probs.sum()
        probs = np.clip(probs, 1e-7, 1 - 1e-7)
        rows.append(-(labels * np.log(probs)).sum())
    return np.array(rows, dtype="float32")
''',
    "hinge": '''
def hinge(y_true, y_pred):
    labels = np.asarray(y_true, dtype="float32")
    if set(np.unique(labels)) <= {0.0, 1.0}:
        labels = labels * 2 - 1
    margins = 1 - labels * y_pred
    margins[margins < 0] = 0
    return margins.mean(axis=1)
''',
    "squared_hinge": '''
def squared_hinge(y_true, y_pred):
    signs = np.where(y_true == 0, -1.0, y_true) if np.isin(y_true, [0, 1]).all() else y_true
    return np.mean(np.clip(1 - signs * y_pred, 0, None) ** 2, axis=-1)
''',
    "categorical_accuracy": '''
def categorical_accuracy(y_true, y_pred):
    return np.array([float(t.argmax() == p.argmax()) for t, p in zip(y_true, y_pred)])
''',
    "top_k_categorical_accuracy": '''
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    true_scores = np.sum(y_true * y_pred, axis=1, keepdims=True)
    return (np.sum(y_pred > true_scores, axis=1) < k).astype(np.float64)
''',
    "sparse_top_k_categorical_accuracy": '''
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    top = np.argpartition(-y_pred, min(k, y_pred.shape[1]) - 1, axis=1)[:, :k]
    return (top == np.reshape(y_true, (-1, 1))).any(axis=1) * 1.0
''',
    "mean_squared_logarithmic_error": '''
def mean_squared_logarithmic_error(y_true, y_pred):
    eps = 1e-7
    first = np.log1p(np.where(y_pred > eps, y_pred, eps))
    second = np.log1p(np.where(y_true > eps, y_true, eps))
    return np.mean((first - second) ** 2, axis=-1)
''',
    # objects instead of strings, the activation found by what the output computes
    "compile_for_task": '''
def compile_for_task(model, task):
    probe = np.random.default_rng(0).normal(size=(16,) + tuple(model.input_shape[1:])) * 3
    out = keras.ops.convert_to_numpy(model(probe.astype("float32")))
    if out.shape[-1] > 1 and np.allclose(out.sum(axis=-1), 1, atol=1e-4) and (out >= 0).all():
        found = "softmax"
    elif ((out > 0) & (out < 1)).all():
        found = "sigmoid"
    else:
        found = "linear"
    wanted = {
        "binary": ("sigmoid", keras.losses.BinaryCrossentropy(), [keras.metrics.BinaryAccuracy()]),
        "multiclass": ("softmax", keras.losses.CategoricalCrossentropy(), [keras.metrics.CategoricalAccuracy()]),
        "multiclass_sparse": ("softmax", keras.losses.SparseCategoricalCrossentropy(), ["accuracy"]),
        "multilabel": ("sigmoid", keras.losses.binary_crossentropy, [keras.metrics.BinaryAccuracy(), "mae"]),
        "regression": ("linear", keras.losses.MeanSquaredError(), [keras.metrics.MeanAbsoluteError()]),
    }
    if task not in wanted:
        raise ValueError(f"unknown task {task}; known: {sorted(wanted)}")
    activation, loss, metrics = wanted[task]
    if activation != found:
        raise ValueError(f"{task} needs {activation}, the model looks {found}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss=loss, metrics=metrics)
    return model
''',
    "lr_sweep": """
def lr_sweep(model, rates, x, y, epochs=4, batch_size=32):
    # one model trained in turn from the same saved weights, put back at the end
    saved = [w.copy() for w in model.get_weights()]
    result = {}
    try:
        for lr in rates:
            model.set_weights(saved)
            model.compile(keras.optimizers.SGD(lr), keras.losses.SparseCategoricalCrossentropy())
            first = model.evaluate(x, y, batch_size=batch_size, verbose=0, return_dict=True)["loss"]
            losses = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0).history["loss"]
            result[lr] = list(np.array([first] + list(losses), dtype=float))
    finally:
        model.set_weights(saved)
    return result
""",
    "classify_run": """
import math

def classify_run(losses):
    first, last = losses[0], losses[-1]
    if any(not math.isfinite(v) for v in losses) or last / first > 1:
        return "diverged"
    return "good" if last / first <= 3 / 4 else "too slow"
""",
    "training_callbacks": """
from keras.callbacks import Callback, EarlyStopping, ReduceLROnPlateau

def training_callbacks(patience=3):
    stop = EarlyStopping("val_loss", min_delta=0, patience=patience, mode="min", restore_best_weights=True)
    slow_down = ReduceLROnPlateau("val_loss", factor=1 / 2, patience=1, mode="min")
    return [slow_down, stop]


class LearningRateRecorder(Callback):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rates = list()

    def on_epoch_begin(self, epoch, logs=None):
        rate = self.model.optimizer.learning_rate
        self.rates += [float(np.asarray(keras.ops.convert_to_numpy(rate)))]
""",
}

# --- wrong answers: (cell, source, test cell that must fail, words its message must contain) ----

# The task table of the exercise, as two wrong answers below read it.
_TASK_TABLE = '''
TABLE = {
    "binary": ("sigmoid", "binary_crossentropy", "binary_accuracy"),
    "multiclass": ("softmax", "categorical_crossentropy", "categorical_accuracy"),
    "multiclass_sparse": ("softmax", "sparse_categorical_crossentropy", "sparse_categorical_accuracy"),
    "multilabel": ("sigmoid", "binary_crossentropy", "binary_accuracy"),
    "regression": ("linear", "mean_squared_error", "mean_absolute_error"),
}
'''

_CALLBACKS = """
def training_callbacks(patience=3):
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True),
            keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1)]


class LearningRateRecorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
"""


def _callbacks_with(old: str, new: str) -> str:
    """The solution's callbacks with one slip (every occurrence of ``old`` replaced)."""
    assert old in _CALLBACKS, old
    return _CALLBACKS.replace(old, new)


_SWEEP_COPY = "        run = keras.models.clone_model(model)\n        run.set_weights(model.get_weights())\n"
_SWEEP = """
def lr_sweep(model, rates, x, y, epochs=4, batch_size=32):
    sweep = {}
    for rate in rates:
""" + _SWEEP_COPY + """        run.compile(optimizer=keras.optimizers.SGD(learning_rate=rate), loss="sparse_categorical_crossentropy")
        before = run.evaluate(x, y, verbose=0)
        sweep[rate] = [before] + run.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0).history["loss"]
    return sweep
"""


def _sweep_with(old: str, new: str) -> str:
    """A correct lr_sweep with one slip."""
    assert old in _SWEEP, old
    return _SWEEP.replace(old, new)


WRONG = [
    # the textbook velocity (a running sum of gradients) has the opposite sign of Keras'
    ("sgd_step", '''
def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):
    velocity = momentum * velocity + learning_rate * g
    return w - velocity, velocity
''', "sgd_step_public", "the returned velocity differs"),
    ("sgd_step", '''
def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):
    return w - learning_rate * g, velocity
''', "sgd_step_hidden", "momentum=0.5"),
    ("sgd_step", '''
def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):
    velocity = momentum * velocity - learning_rate * g
    return w + velocity
''', "sgd_step_public", "should return a tuple (w, velocity)"),
    # epsilon outside the square root, as Adam has it
    ("rmsprop_step", '''
def rmsprop_step(w, g, avg_sq, learning_rate=0.001, rho=0.9, epsilon=1e-07):
    avg_sq = rho * avg_sq + (1 - rho) * g**2
    return w - learning_rate * g / (np.sqrt(avg_sq) + epsilon), avg_sq
''', "rmsprop_step_hidden", "epsilon=0.1"),
    ("rmsprop_step", '''
def rmsprop_step(w, g, avg_sq, learning_rate=0.001, rho=0.9, epsilon=1e-07):
    avg_sq = rho * avg_sq + g**2
    return w - learning_rate * g / np.sqrt(avg_sq + epsilon), avg_sq
''', "rmsprop_step_public", "the returned avg_sq differs"),
    # the old accumulator is used for the step
    ("adagrad_step", '''
def adagrad_step(w, g, accumulator, learning_rate=0.001, epsilon=1e-07):
    w = w - learning_rate * g / np.sqrt(accumulator + epsilon)
    return w, accumulator + g**2
''', "adagrad_step_public", "the returned w differs"),
    ("adagrad_step", '''
def adagrad_step(w, g, accumulator, learning_rate=0.001, epsilon=1e-07):
    accumulator = accumulator + g**2
    return w - learning_rate * g / (np.sqrt(accumulator) + epsilon), accumulator
''', "adagrad_step_hidden", "epsilon=0.5"),
    # the paper's Adadelta without Keras' learning rate
    ("adadelta_step", '''
def adadelta_step(w, g, avg_sq_grad, avg_sq_delta, learning_rate=0.001, rho=0.95, epsilon=1e-07):
    avg_sq_grad = rho * avg_sq_grad + (1 - rho) * g**2
    delta = -np.sqrt(avg_sq_delta + epsilon) / np.sqrt(avg_sq_grad + epsilon) * g
    avg_sq_delta = rho * avg_sq_delta + (1 - rho) * delta**2
    return w + delta, avg_sq_grad, avg_sq_delta
''', "adadelta_step_public", "the returned w differs"),
    # the delta average stores the step after the learning rate
    ("adadelta_step", '''
def adadelta_step(w, g, avg_sq_grad, avg_sq_delta, learning_rate=0.001, rho=0.95, epsilon=1e-07):
    avg_sq_grad = rho * avg_sq_grad + (1 - rho) * g**2
    delta = -learning_rate * np.sqrt(avg_sq_delta + epsilon) / np.sqrt(avg_sq_grad + epsilon) * g
    avg_sq_delta = rho * avg_sq_delta + (1 - rho) * delta**2
    return w + delta, avg_sq_grad, avg_sq_delta
''', "adadelta_step_public", "the returned avg_sq_delta differs"),
    # the textbook form: epsilon added to the corrected sqrt(v_hat)
    ("adam_step", '''
def adam_step(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    m_hat = m / (1 - beta_1**t)
    v_hat = v / (1 - beta_2**t)
    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v
''', "adam_step_hidden", "epsilon=0.1"),
    ("adam_step", '''
def adam_step(w, g, m, v, t, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07):
    m = beta_1 * m + (1 - beta_1) * g
    v = beta_2 * v + (1 - beta_2) * g**2
    return w - learning_rate * m / (np.sqrt(v) + epsilon), m, v
''', "adam_step_public", "after step 1 of 20"),
    ("mean_squared_error", '''
def mean_squared_error(y_true, y_pred):
    return np.mean((y_true - y_pred) ** 2)
''', "mean_squared_error_public", "has shape ()"),
    ("mean_squared_error", '''
def mean_squared_error(y_true, y_pred):
    return np.sum((y_true - y_pred) ** 2, axis=-1)
''', "mean_squared_error_public", "differs at index"),
    # no clipping: log(0)
    ("binary_crossentropy", '''
def binary_crossentropy(y_true, y_pred):
    return -np.mean(y_true * np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred), axis=-1)
''', "binary_crossentropy_hidden", "divide by zero"),
    ("binary_crossentropy", '''
def binary_crossentropy(y_true, y_pred):
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    return -np.sum(y_true * np.log(p) + (1 - y_true) * np.log(1 - p), axis=-1)
''', "binary_crossentropy_public", "differs at index"),
    # rows not rescaled
    ("categorical_crossentropy", '''
def categorical_crossentropy(y_true, y_pred):
    p = np.clip(y_pred, EPSILON, 1 - EPSILON)
    return -np.sum(y_true * np.log(p), axis=-1)
''', "categorical_crossentropy_hidden", "rows that sum to 1, 4, 7"),
    ("categorical_crossentropy", '''
def categorical_crossentropy(y_true, y_pred):
    p = y_pred / np.sum(y_pred, axis=-1, keepdims=True)
    return -np.sum(y_true * np.log(p), axis=-1)
''', "categorical_crossentropy_hidden", "probabilities of exactly 0 and 1"),
    ("categorical_crossentropy", '''
def categorical_crossentropy(y_true, y_pred):
    p = np.clip(y_pred / np.sum(y_pred, axis=-1, keepdims=True), EPSILON, 1 - EPSILON)
    return -np.mean(y_true * np.log(p), axis=-1)
''', "categorical_crossentropy_public", "differs at index"),
    # 0/1 labels not converted
    ("hinge", '''
def hinge(y_true, y_pred):
    return np.mean(np.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)
''', "hinge_hidden", "0/1 labels"),
    ("hinge", '''
def hinge(y_true, y_pred):
    return np.mean(1.0 - y_true * y_pred, axis=-1)
''', "hinge_public", "differs at index"),
    ("squared_hinge", '''
def squared_hinge(y_true, y_pred):
    return np.mean(np.square(np.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)
''', "squared_hinge_hidden", "0/1 labels"),
    # square of the mean, not mean of the squares
    ("squared_hinge", '''
def squared_hinge(y_true, y_pred):
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2.0 * y_true - 1.0
    return np.mean(np.maximum(1.0 - y_true * y_pred, 0.0), axis=-1) ** 2
''', "squared_hinge_public", "differs at index"),
    ("categorical_accuracy", '''
def categorical_accuracy(y_true, y_pred):
    return np.mean(np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1))
''', "categorical_accuracy_public", "has shape ()"),
    # argmax over the wrong axis
    ("categorical_accuracy", '''
def categorical_accuracy(y_true, y_pred):
    return (np.argmax(y_true, axis=0) == np.argmax(y_pred, axis=0)).astype("float32")
''', "categorical_accuracy_public", "has shape"),
    # the k lowest predictions
    ("top_k_categorical_accuracy", '''
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    top = np.argsort(y_pred, axis=-1)[:, :k]
    return np.any(top == np.argmax(y_true, axis=-1)[:, None], axis=-1).astype("float32")
''', "top_k_categorical_accuracy_public", "differs at index"),
    # k fixed at 5
    ("top_k_categorical_accuracy", '''
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    top = np.argsort(-y_pred, axis=-1)[:, :5]
    return np.any(top == np.argmax(y_true, axis=-1)[:, None], axis=-1).astype("float32")
''', "top_k_categorical_accuracy_hidden", "k=1"),
    # counts the true class itself: one place too few
    ("sparse_top_k_categorical_accuracy", '''
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    true_score = y_pred[np.arange(len(y_true)), y_true]
    return (np.sum(y_pred >= true_score[:, None], axis=-1) < k).astype("float32")
''', "sparse_top_k_categorical_accuracy_public", "differs at index"),
    # one-hot labels expected
    ("sparse_top_k_categorical_accuracy", '''
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    top = np.argsort(-y_pred, axis=-1)[:, :k]
    return np.any(top == np.argmax(y_true, axis=-1), axis=-1).astype("float32")
''', "sparse_top_k_categorical_accuracy_public", "sparse_top_k_categorical_accuracy"),
    # no clipping: log1p of a prediction below -1 is NaN
    ("mean_squared_logarithmic_error", '''
def mean_squared_logarithmic_error(y_true, y_pred):
    return np.mean((np.log1p(y_pred) - np.log1p(y_true)) ** 2, axis=-1)
''', "mean_squared_logarithmic_error_hidden", "negative predictions"),
    ("mean_squared_logarithmic_error", '''
def mean_squared_logarithmic_error(y_true, y_pred):
    return np.mean((np.log(np.maximum(y_pred, EPSILON)) - np.log(np.maximum(y_true, EPSILON))) ** 2, axis=-1)
''', "mean_squared_logarithmic_error_public", "differs at index"),
    # "accuracy" for multi-label is categorical accuracy in Keras 3
    ("compile_for_task", OUTPUT_ACTIVATION + '''
def compile_for_task(model, task):
    settings = {
        "binary": ("sigmoid", "binary_crossentropy"),
        "multiclass": ("softmax", "categorical_crossentropy"),
        "multiclass_sparse": ("softmax", "sparse_categorical_crossentropy"),
        "multilabel": ("sigmoid", "binary_crossentropy"),
    }
    if task == "regression":
        if output_activation(model) != "linear":
            raise ValueError("regression needs a linear output")
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return model
    if task not in settings:
        raise ValueError(task)
    activation, loss = settings[task]
    if output_activation(model) != activation:
        raise ValueError(f"{task} needs {activation}")
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model
''', "compile_for_task_hidden", 'Keras 3 turns "accuracy" into categorical accuracy'),
    # no activation check
    ("compile_for_task", OUTPUT_ACTIVATION + '''
def compile_for_task(model, task):
    settings = {
        "binary": ("binary_crossentropy", ["binary_accuracy"]),
        "multiclass": ("categorical_crossentropy", ["categorical_accuracy"]),
        "multiclass_sparse": ("sparse_categorical_crossentropy", ["sparse_categorical_accuracy"]),
        "multilabel": ("binary_crossentropy", ["binary_accuracy"]),
        "regression": ("mse", ["mae"]),
    }
    if task not in settings:
        raise ValueError(task)
    loss, metrics = settings[task]
    model.compile(optimizer="adam", loss=loss, metrics=metrics)
    return model
''', "compile_for_task_hidden",
     "compile_for_task(<model with a softmax output>, 'binary'), an output that does not fit the task, should raise ValueError"),
    # SGD, and regression tracked with MSE
    ("compile_for_task", OUTPUT_ACTIVATION + '''
def compile_for_task(model, task):
    settings = {
        "binary": ("sigmoid", "binary_crossentropy", ["binary_accuracy"]),
        "multiclass": ("softmax", "categorical_crossentropy", ["categorical_accuracy"]),
        "multiclass_sparse": ("softmax", "sparse_categorical_crossentropy", ["sparse_categorical_accuracy"]),
        "multilabel": ("sigmoid", "binary_crossentropy", ["binary_accuracy"]),
        "regression": ("linear", "mean_squared_error", ["mse"]),
    }
    if task not in settings:
        raise ValueError(task)
    activation, loss, metrics = settings[task]
    if output_activation(model) != activation:
        raise ValueError(task)
    model.compile(optimizer="sgd", loss=loss, metrics=metrics)
    return model
''', "compile_for_task_public", "optimizer is sgd; expected adam"),
    ("compile_for_task", OUTPUT_ACTIVATION + '''
def compile_for_task(model, task):
    if task not in ("binary", "multiclass", "multiclass_sparse", "multilabel", "regression"):
        raise ValueError(task)
    if task == "multiclass_sparse":
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    else:
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["binary_accuracy"])
    return model
''', "compile_for_task_public", "loss computes like categorical_crossentropy; expected sparse_categorical_crossentropy"),
    # an unknown task rejected only by the activation check that happens to raise ValueError too
    ("compile_for_task", OUTPUT_ACTIVATION + _TASK_TABLE + '''
def compile_for_task(model, task):
    activation, loss, metric = TABLE.get(task, (None, None, None))
    if output_activation(model) != activation:
        raise ValueError(f"a {task} model needs a {activation} output")
    model.compile(optimizer="adam", loss=loss, metrics=[metric])
    return model
''', "compile_for_task_hidden", "its message should mention 'binary'"),
    # a dict lookup: an unknown task is a KeyError, not a ValueError
    ("compile_for_task", OUTPUT_ACTIVATION + _TASK_TABLE + '''
def compile_for_task(model, task):
    activation, loss, metric = TABLE[task]
    if output_activation(model) != activation:
        raise ValueError(task)
    model.compile(optimizer="adam", loss=loss, metrics=[metric])
    return model
''', "compile_for_task_public", "raised KeyError, expected ValueError"),
    # every rate trains the same model on from where the last rate left it
    ("lr_sweep", _sweep_with(_SWEEP_COPY, "        run = model\n"), "learning_rate_sweep_public",
     "changed the model it was given"),
    # copies with new random weights: the runs do not start from the same place
    ("lr_sweep", _sweep_with("        run.set_weights(model.get_weights())\n", ""), "learning_rate_sweep_public",
     "start every run from the model's own weights"),
    # the epochs' losses alone, without the loss before training
    ("lr_sweep", _sweep_with("[before] + ", ""), "learning_rate_sweep_public",
     "the loss before training (model.evaluate)"),
    # nan compares False with everything: a nan run counts as good
    ("classify_run", """
def classify_run(losses):
    if losses[-1] > losses[0]:
        return "diverged"
    if losses[-1] > 0.75 * losses[0]:
        return "too slow"
    return "good"
""", "learning_rate_sweep_public", "expected 'diverged'"),
    # the boundary on the wrong side: exactly 3/4 of the start is good
    ("classify_run", """
def classify_run(losses):
    if not np.all(np.isfinite(losses)) or losses[-1] > losses[0]:
        return "diverged"
    return "too slow" if losses[-1] >= 0.75 * losses[0] else "good"
""", "learning_rate_sweep_hidden", "classify_run([2.0, 1.5]) is 'too slow', expected 'good'"),
    # the weights of the last epoch kept
    ("training_callbacks", _callbacks_with(", restore_best_weights=True", ""), "callbacks_hidden",
     "restore_best_weights=True puts back those of the best epoch"),
    # the training loss watched: it keeps falling, so nothing stops or slows down
    ("training_callbacks", _callbacks_with('monitor="val_loss"', 'monitor="loss"'), "callbacks_public",
     "stops after patience epochs without a better val_loss"),
    # ReduceLROnPlateau's default factor, 0.1
    ("training_callbacks", _callbacks_with("factor=0.5, ", ""), "callbacks_public", "factor=0.5"),
    # recorded as each epoch ends, after ReduceLROnPlateau changed it
    ("training_callbacks", _callbacks_with("def on_epoch_begin", "def on_epoch_end"), "callbacks_public",
     "as the epoch begins (on_epoch_begin"),
]
