"""What a compiled model's loss, metrics and optimizer compute, whatever way they were spelled.

``model.compile(loss="sparse_categorical_crossentropy")``, ``loss=keras.losses.
SparseCategoricalCrossentropy()`` and ``loss=keras.losses.sparse_categorical_crossentropy`` are
the same answer; so are ``metrics=["accuracy"]`` and ``[keras.metrics.SparseCategoricalAccuracy()]``
with integer labels. Checks here never compare spellings: they resolve each setting the way
``Model.compile`` and ``fit`` do, evaluate it on small probe batches shaped like the model's
output, and compare the values with Keras' own built-in losses and metrics.

    from autograder.checks.compile_settings import assert_compiled_for
    assert_compiled_for(model, optimizer="adam", loss="sparse_categorical_crossentropy",
                        metrics=["sparse_categorical_accuracy"], learning_rate=1e-3)

Names are Keras' function names (``keras.losses.<name>``, ``keras.metrics.<name>``) and the
lower-case optimizer names (``"adam"``, ``"sgd"``, ...). ``"accuracy"`` is not a metric of its
own: Keras 3 turns it into binary, categorical or sparse categorical accuracy from the shapes of
the labels and the output (``keras/src/trainers/compile_utils.py``), so a check asks for the
accuracy it means and the labels decide, as they would in ``fit``: with a sigmoid output of
several units and 0/1 labels (multi-label), ``"accuracy"`` is *categorical* accuracy, not binary.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..i18n.messages import N_
from .errors import CheckError
from .quiet import quiet

# How the labels of a probe batch look: integer classes (N,), one-hot (N, C), independent 0/1
# targets (N, C), or real numbers (N, C).
SPARSE, ONE_HOT, BINARY, REAL = "sparse", "one_hot", "binary", "real"
PROBE_SIZES = (7, 23, 40)  # three batches: a coincidence on one is not a match on all
RTOL = 1e-5


@dataclass(frozen=True)
class _Candidate:
    name: str      # what a message calls it
    labels: str    # the label kind it is evaluated with
    make: Callable  # () -> the reference: (y_true, y_pred) -> its value on the batch
    min_units: int = 1  # the output width it makes sense for


def _keras():
    import keras

    return keras


def _loss_fn(name, **kwargs):
    def reference(y_true, y_pred):
        keras = _keras()
        return keras.ops.mean(getattr(keras.losses, name)(y_true, y_pred, **kwargs))
    return lambda: reference


def _metric(cls_name, **kwargs):
    def reference(y_true, y_pred):
        return _metric_value(getattr(_keras().metrics, cls_name)(**kwargs), y_true, y_pred)
    return lambda: reference


# Built-in losses in the order they are tried. On one-hot labels KL divergence equals
# categorical crossentropy; it is listed after it and so is reported under that name.
LOSSES = [
    _Candidate("sparse_categorical_crossentropy", SPARSE, _loss_fn("sparse_categorical_crossentropy"), 2),
    _Candidate("categorical_crossentropy", ONE_HOT, _loss_fn("categorical_crossentropy"), 2),
    _Candidate("binary_crossentropy", BINARY, _loss_fn("binary_crossentropy")),
    _Candidate("mean_squared_error", REAL, _loss_fn("mean_squared_error")),
    _Candidate("mean_absolute_error", REAL, _loss_fn("mean_absolute_error")),
    _Candidate("mean_squared_logarithmic_error", REAL, _loss_fn("mean_squared_logarithmic_error")),
    _Candidate("mean_absolute_percentage_error", REAL, _loss_fn("mean_absolute_percentage_error")),
    _Candidate("huber", REAL, _loss_fn("huber")),
    _Candidate("log_cosh", REAL, _loss_fn("log_cosh")),
    _Candidate("hinge", BINARY, _loss_fn("hinge")),
    _Candidate("squared_hinge", BINARY, _loss_fn("squared_hinge")),
    _Candidate("categorical_hinge", ONE_HOT, _loss_fn("categorical_hinge"), 2),
    _Candidate("poisson", REAL, _loss_fn("poisson")),
    _Candidate("kl_divergence", ONE_HOT, _loss_fn("kl_divergence"), 2),
    # Right loss, wrong output: the model's output is already probabilities.
    _Candidate("sparse_categorical_crossentropy with from_logits=True", SPARSE,
               _loss_fn("sparse_categorical_crossentropy", from_logits=True), 2),
    _Candidate("categorical_crossentropy with from_logits=True", ONE_HOT,
               _loss_fn("categorical_crossentropy", from_logits=True), 2),
    _Candidate("binary_crossentropy with from_logits=True", BINARY,
               _loss_fn("binary_crossentropy", from_logits=True)),
]

METRICS = [
    _Candidate("binary_accuracy", BINARY, _metric("BinaryAccuracy")),
    _Candidate("categorical_accuracy", ONE_HOT, _metric("CategoricalAccuracy"), 2),
    _Candidate("sparse_categorical_accuracy", SPARSE, _metric("SparseCategoricalAccuracy"), 2),
    _Candidate("top_k_categorical_accuracy", ONE_HOT, _metric("TopKCategoricalAccuracy"), 2),
    _Candidate("sparse_top_k_categorical_accuracy", SPARSE, _metric("SparseTopKCategoricalAccuracy"), 2),
    _Candidate("mean_absolute_error", REAL, _metric("MeanAbsoluteError")),
    _Candidate("mean_squared_error", REAL, _metric("MeanSquaredError")),
    _Candidate("root_mean_squared_error", REAL, _metric("RootMeanSquaredError")),
    _Candidate("mean_squared_logarithmic_error", REAL, _metric("MeanSquaredLogarithmicError")),
    _Candidate("mean_absolute_percentage_error", REAL, _metric("MeanAbsolutePercentageError")),
    _Candidate("binary_crossentropy", BINARY, _metric("BinaryCrossentropy")),
    _Candidate("categorical_crossentropy", ONE_HOT, _metric("CategoricalCrossentropy"), 2),
    _Candidate("sparse_categorical_crossentropy", SPARSE, _metric("SparseCategoricalCrossentropy"), 2),
    _Candidate("precision", BINARY, _metric("Precision")),
    _Candidate("recall", BINARY, _metric("Recall")),
    _Candidate("auc", BINARY, _metric("AUC")),
]

# Other spellings a check may be asked for, mapped to the names above.
ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error", "msle": "mean_squared_logarithmic_error",
    "mape": "mean_absolute_percentage_error", "kld": "kl_divergence", "kullback_leibler_divergence":
    "kl_divergence", "rmse": "root_mean_squared_error", "logcosh": "log_cosh", "acc": "accuracy",
}

# Built-in optimizers by their lower-case name (subclasses first: AdamW is an Adam).
OPTIMIZER_NAMES = ["adamw", "adam", "adamax", "nadam", "sgd", "rmsprop", "adagrad", "adadelta",
                   "ftrl", "lion", "lamb", "adafactor", "muon"]


def canonical(name: str) -> str:
    """The name used in messages for ``name`` or one of its aliases ("mse" -> "mean_squared_error")."""
    key = str(name).lower()
    return ALIASES.get(key, key)


# --- probes --------------------------------------------------------------------------------

def _output_units(model) -> int:
    outputs = getattr(model, "outputs", None)
    if not outputs:
        raise CheckError("the model has no outputs yet: build it on an Input so its output shape is known")
    if len(outputs) != 1:
        raise CheckError(f"expected a model with one output, this one has {len(outputs)}")
    shape = tuple(outputs[0].shape)
    return int(shape[-1]) if len(shape) > 1 and shape[-1] is not None else 1


def probe(labels: str, units: int, size: int, seed: int = 0):
    """A probe batch ``(y_true, y_pred)``: labels of the given kind, probabilities as predictions.

    Predictions are softmax-like rows (positive, summing to 1) for ``units > 1`` and values in
    (0.05, 0.95) otherwise, so every probability loss and metric is defined on them.
    """
    rng = np.random.default_rng(1000 * seed + size + units)
    if units > 1:
        y_pred = rng.dirichlet(np.ones(units), size=size).astype("float32")
    else:
        y_pred = rng.uniform(0.05, 0.95, size=(size, 1)).astype("float32")
    if labels == SPARSE:
        y_true = rng.integers(0, units, size=size).astype("int32")
    elif labels == ONE_HOT:
        y_true = np.eye(units, dtype="float32")[rng.integers(0, units, size=size)]
    elif labels == BINARY:
        y_true = rng.integers(0, 2, size=(size, units)).astype("float32")
    else:
        y_true = rng.normal(0.5, 1.0, size=(size, units)).astype("float32")
    return y_true, y_pred


def _value(x) -> float:
    return float(np.asarray(_keras().ops.convert_to_numpy(x), dtype=np.float64).reshape(-1).mean())


def _same(a: float, b: float) -> bool:
    return bool(np.isfinite(a) and np.isfinite(b) and np.isclose(a, b, rtol=RTOL, atol=1e-6))


def _require_compiled(model, what: str):
    if not getattr(model, "compiled", False) and getattr(model, "optimizer", None) is None:
        raise CheckError(f"{what} is not compiled: call {what}.compile(optimizer=..., loss=..., metrics=...)")


def _single(setting, kind: str, what: str):
    """The one output's entry of a loss or metrics setting given per output (list or dict)."""
    if isinstance(setting, dict):
        if len(setting) != 1:
            raise CheckError(f"{what} has a {kind} per output ({sorted(setting)}); expected one output")
        return next(iter(setting.values()))
    return setting


# --- loss ----------------------------------------------------------------------------------

def loss_setting(model, what: str = "the model"):
    """What was passed as ``loss=`` to compile (a string, function or Loss object)."""
    _require_compiled(model, what)
    loss = _single(getattr(model, "loss", None), "loss", what)
    if isinstance(loss, (list, tuple)):
        if len(loss) != 1:
            raise CheckError(f"{what} has {len(loss)} losses; expected one")
        loss = loss[0]
    if loss is None:
        raise CheckError(f"{what} is compiled without a loss: pass loss=... to compile()")
    return loss


def _evaluate_loss(identifier, y_true, y_pred) -> float:
    from keras.src.trainers.compile_utils import get_loss

    loss = get_loss(identifier, y_true, y_pred)  # as compile/fit resolve it ("ce" included)
    return _value(loss(y_true, y_pred))


def _matches(evaluate, candidate: _Candidate, units: int) -> bool:
    for size in PROBE_SIZES:
        y_true, y_pred = probe(candidate.labels, units, size)
        try:
            with quiet():
                got = evaluate(y_true, y_pred)
                want = _value(candidate.make()(y_true, y_pred))
        except Exception:  # the setting cannot take these labels: it is not this candidate
            return False
        if not _same(got, want):
            return False
    return True


def identify_loss(model, what: str = "the model") -> str | None:
    """The name of the built-in loss that ``model``'s loss computes on probes, or None."""
    identifier = loss_setting(model, what)
    units = _output_units(model)
    for candidate in LOSSES:
        if units >= candidate.min_units and _matches(
                lambda t, p: _evaluate_loss(identifier, t, p), candidate, units):
            return candidate.name
    return None


def assert_loss(model, expected: str, what: str = "the model", section: str = "") -> None:
    """``model`` is compiled with a loss that computes like ``keras.losses.<expected>``."""
    expected = canonical(expected)
    identifier = loss_setting(model, what)
    units = _output_units(model)
    candidate = _by_name(LOSSES, expected)
    if units >= candidate.min_units and _matches(
            lambda t, p: _evaluate_loss(identifier, t, p), candidate, units):
        return
    found = identify_loss(model, what)
    if found != expected:
        shown = (N_(f"computes like {found}") if found else
                 N_(f"computes none of the built-in losses ({_spelled(loss_setting(model, what))})"))
        # f"...{_reread(section)}" written out: two placeholders side by side would split the text anywhere
        raise CheckError(f"{what}'s loss {shown}; expected {expected} (reread {section})" if section else
                         f"{what}'s loss {shown}; expected {expected}")


# --- metrics -------------------------------------------------------------------------------

def metric_settings(model, what: str = "the model") -> list:
    """What was passed as ``metrics=`` and ``weighted_metrics=`` to compile, as one flat list."""
    _require_compiled(model, what)
    config = getattr(getattr(model, "_compile_config", None), "config", None) or {}
    found = []
    for key in ("metrics", "weighted_metrics"):
        setting = _single(config.get(key), "metrics list", what)
        if setting is None:
            continue
        found.extend(setting if isinstance(setting, (list, tuple)) else [setting])
    return found


def _fresh_metric(identifier, y_true, y_pred):
    """The metric ``fit`` would build for ``identifier`` on these labels, not sharing its state."""
    from keras.src.trainers.compile_utils import get_metric

    keras = _keras()
    if isinstance(identifier, keras.metrics.Metric):
        try:
            identifier = type(identifier).from_config(identifier.get_config())
        except Exception:  # a custom metric without a full config: use it, then reset it
            pass
    return get_metric(identifier, y_true, y_pred)


def _metric_value(metric, y_true, y_pred) -> float:
    metric.reset_state()
    metric.update_state(y_true, y_pred)
    value = _value(metric.result())
    metric.reset_state()
    return value


def _by_name(candidates, name: str) -> _Candidate:
    for candidate in candidates:
        if candidate.name == name:
            return candidate
    known = ", ".join(c.name for c in candidates if " " not in c.name)
    raise ValueError(f"no built-in {name!r} to compare with; known: {known}")


def _metric_matches(identifier, candidate: _Candidate, units: int) -> bool:
    return units >= candidate.min_units and _matches(
        lambda t, p: _metric_value(_fresh_metric(identifier, t, p), t, p), candidate, units)


def identify_metric(identifier, units: int, labels: str | None = None) -> str | None:
    """The name of the built-in metric that ``identifier`` computes for this output width.

    ``"accuracy"`` computes whichever accuracy the labels make it, so the candidates evaluated
    on ``labels`` (the kind of labels the model is trained with) are tried first.
    """
    ordered = sorted(METRICS, key=lambda c: c.labels != labels)
    for candidate in ordered:
        if _metric_matches(identifier, candidate, units):
            return candidate.name
    return None


def identify_metrics(model, what: str = "the model", labels: str | None = None) -> list[str | None]:
    """The built-in metric each compiled metric computes, in order (None for one it cannot name)."""
    units = _output_units(model)
    return [identify_metric(m, units, labels) for m in metric_settings(model, what)]


def assert_metrics(model, expected, what: str = "the model", section: str = "", exact: bool = False) -> None:
    """``model`` tracks every metric in ``expected`` (others too, unless ``exact``).

    Each expected metric is evaluated on the labels it is meant for (integer classes for
    sparse_categorical_accuracy, one-hot rows for categorical_accuracy, 0/1 targets for
    binary_accuracy), where ``"accuracy"`` resolves as it would in ``fit``.
    """
    expected = [canonical(name) for name in ([expected] if isinstance(expected, str) else expected)]
    settings = metric_settings(model, what)
    units = _output_units(model)
    unused = list(settings)
    for name in expected:
        candidate = _by_name(METRICS, name)
        match = next((s for s in unused if _metric_matches(s, candidate, units)), None)
        if match is None:
            found = [identify_metric(s, units, candidate.labels) for s in settings]
            shown = ", ".join(N_(f"{_spelled(s)} (computes {f or N_('no built-in metric')})")
                              for s, f in zip(settings, found)) or N_("no metrics")
            accuracy = name == "binary_accuracy" and any(str(s).lower() in ("accuracy", "acc") for s in settings)
            # One expression, no placeholders side by side: the catalogue holds each whole message.
            raise CheckError(f"{what} should track {name}; it is compiled with {shown}"
                             + ('; with several sigmoid outputs and 0/1 labels, Keras 3 turns "accuracy" into '
                                'categorical accuracy: ask for "binary_accuracy"' if accuracy else "")
                             + (f" (reread {section})" if section else ""))
        unused.remove(match)
    if exact and unused:
        extra = ", ".join(_spelled(s) for s in unused)
        raise CheckError(f"{what} should track only {', '.join(expected)}; it also tracks {extra} (reread {section})"
                         if section else f"{what} should track only {', '.join(expected)}; it also tracks {extra}")


# --- optimizer -----------------------------------------------------------------------------

def _optimizer(model_or_optimizer, what: str):
    keras = _keras()
    opt = model_or_optimizer
    if not isinstance(opt, keras.optimizers.Optimizer):
        _require_compiled(opt, what)
        opt = getattr(opt, "optimizer", None)
    if opt is None:
        raise CheckError(f"{what} has no optimizer: pass optimizer=... to compile()")
    inner = getattr(opt, "inner_optimizer", None)  # LossScaleOptimizer (mixed precision) wraps one
    return inner if inner is not None else opt


def identify_optimizer(model_or_optimizer, what: str = "the model") -> str:
    """The lower-case name of the built-in optimizer class (``"adam"``), or the class name."""
    keras = _keras()
    opt = _optimizer(model_or_optimizer, what)
    for name in OPTIMIZER_NAMES:
        cls = next((getattr(keras.optimizers, n) for n in dir(keras.optimizers) if n.lower() == name), None)
        if cls is not None and isinstance(opt, cls):
            return name
    return type(opt).__name__


def learning_rate_of(model_or_optimizer, what: str = "the model") -> float:
    """The optimizer's current learning rate as a Python float (a schedule's current value)."""
    opt = _optimizer(model_or_optimizer, what)
    with quiet():
        return _value(opt.learning_rate)


def assert_optimizer(model_or_optimizer, expected: str, learning_rate: float | None = None,
                     what: str = "the model", section: str = "", rtol: float = 1e-6) -> None:
    """The optimizer is ``expected`` (e.g. "adam") and, if given, has this learning rate.

    Learning rates live in float32 variables (0.001 reads back as 0.0010000000474...), hence
    the relative tolerance.
    """
    expected = expected.lower()
    found = identify_optimizer(model_or_optimizer, what)
    if found != expected:
        raise CheckError(f"{what}'s optimizer is {found}; expected {expected} (reread {section})" if section else
                         f"{what}'s optimizer is {found}; expected {expected}")
    if learning_rate is not None:
        lr = learning_rate_of(model_or_optimizer, what)
        if not np.isclose(lr, learning_rate, rtol=rtol, atol=0.0):
            raise CheckError(f"{what}'s {expected} learning rate is {lr:.6g}; expected {learning_rate:g} "
                             f"(reread {section})" if section else
                             f"{what}'s {expected} learning rate is {lr:.6g}; expected {learning_rate:g}")


# --- all together --------------------------------------------------------------------------

def assert_compiled_for(model, optimizer: str | None = None, loss: str | None = None, metrics=None,
                        learning_rate: float | None = None, what: str = "the model", section: str = "",
                        exact_metrics: bool = False) -> None:
    """``model`` is compiled with this optimizer, loss and metrics, by what they compute."""
    _require_compiled(model, what)
    if optimizer is not None:
        assert_optimizer(model, optimizer, learning_rate, what, section)
    if loss is not None:
        assert_loss(model, loss, what, section)
    if metrics is not None:
        assert_metrics(model, metrics, what, section, exact=exact_metrics)


def _spelled(setting) -> str:
    if isinstance(setting, str):
        return repr(setting)
    name = getattr(setting, "__name__", None) or type(setting).__name__
    return name if callable(setting) and not hasattr(setting, "get_config") else f"{name}()"


__all__ = [
    "ALIASES", "LOSSES", "METRICS", "OPTIMIZER_NAMES", "assert_compiled_for", "assert_loss",
    "assert_metrics", "assert_optimizer", "canonical", "identify_loss", "identify_metric",
    "identify_metrics", "identify_optimizer", "learning_rate_of", "loss_setting", "metric_settings",
    "probe",
]
