"""Per-layer summaries of a Keras model, in a form that ignores how the model was written.

Two models that compute the same thing should summarize the same: Sequential or functional,
an activation given as an argument or as its own layer (``Activation``, ``ReLU``, ``Softmax``),
also after a BatchNormalization or a Dropout, any layer names, ``MaxPool2D`` or ``MaxPooling2D``
(one class in Keras 3), ``ZeroPadding2D((1, 1))`` before a "valid" 3x3 conv or padding="same".
A summary reads a model as a chain of layers, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..i18n.messages import N_
from .errors import CheckError
from .padding import ZERO_PADDING_KINDS, dims_text, fold_zero_padding, pads_text, zero_pads
from .quiet import quietly

# Layers whose own activation argument a following activation layer can stand in for.
ACTIVATABLE = {
    "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
}

# Activation layers and the activation name each one means.
ACTIVATION_LAYERS = {
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "PReLU": "prelu",
    "ELU": "elu",
    "Softmax": "softmax",
}

LINEAR = {None, "linear"}

DROPOUT_KINDS = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "AlphaDropout"}

# Activations that commute with dropout (f(c * x) = c * f(x) for c >= 0), so that
# Dense -> Dropout -> ReLU computes what Dense(activation="relu") -> Dropout does.
COMMUTES_WITH_DROPOUT = {"relu", "leaky_relu"}

# Where a BatchNormalization folded into the layer before it sits.
BEFORE_ACTIVATION = "before activation"
AFTER_ACTIVATION = "after activation"


@dataclass(frozen=True)
class LayerSummary:
    """What one layer does, without its name or the way it was written."""

    index: int  # 1-based position among summarized layers (inputs skipped, activations folded)
    name: str
    kind: str  # class name, e.g. "Conv2D", "MaxPooling2D"
    output_shape: tuple | None
    params: int
    trainable: bool = True
    activation: str | None = None
    filters: int | None = None
    kernel_size: tuple | None = None
    strides: tuple | None = None
    padding: str | None = None
    pool_size: tuple | None = None
    units: int | None = None
    rate: float | None = None
    batch_norm: str | None = None  # BEFORE_ACTIVATION or AFTER_ACTIVATION when one is folded in
    batch_norm_params: int = 0
    # How an explicit zero padding was read, in words; never compared (the computation is).
    note: str | None = field(default=None, compare=False)

    def describe(self) -> str:
        """A short human description, e.g. 'Conv2D 96@11x11 stride 4 valid relu'."""
        if self.kind in ZERO_PADDING_KINDS:
            return pads_text(self.kind, self.padding)
        parts = [self.kind]
        if self.filters is not None:
            parts.append(f"{self.filters}@{dims_text(self.kernel_size)}")
        if self.units is not None:
            parts.append(str(self.units))
        if self.pool_size is not None:
            parts.append(dims_text(self.pool_size))
        if self.strides is not None and set(self.strides) != {1}:
            parts.append(f"stride {stride_text(self.strides)}")
        # Pooling is "valid" almost always: name its padding only when it is not.
        if self.padding == "same" or (self.padding and self.kind not in POOLING_KINDS):
            parts.append(self.padding)
        if self.rate is not None:
            parts.append(f"rate {self.rate:g}")
        if self.batch_norm == BEFORE_ACTIVATION:
            parts.append("+ BatchNormalization")
        if self.activation not in LINEAR:
            parts.append(("+ " if self.batch_norm == BEFORE_ACTIVATION else "") + self.activation)
        if self.batch_norm == AFTER_ACTIVATION:
            parts.append("+ BatchNormalization")
        return " ".join(parts)


POOLING_KINDS = {
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
}


def stride_text(values) -> str:
    """'4' for (4, 4), '2x1' for (2, 1)."""
    return str(values[0]) if len(set(values)) == 1 else dims_text(values)


def activation_name(fn) -> str | None:
    """Canonical name of an activation function or activation layer ('relu', 'softmax', ...)."""
    if fn is None:
        return None
    kind = type(fn).__name__
    if kind in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[kind]
    name = getattr(fn, "__name__", None) or kind
    return name.lower()


def same_activation(a: str | None, b: str | None) -> bool:
    """'leaky_relu' and 'leakyrelu' are the same thing; so are None and 'linear'."""
    if a in LINEAR and b in LINEAR:
        return True
    return a is not None and b is not None and a.replace("_", "") == b.replace("_", "")


def _tuple(value):
    if value is None:
        return None
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _output_shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError, RuntimeError):
        return None  # never called, or shared by several calls


def flat_layers(model):
    """Every layer in order, looking inside nested models (a Sequential used as a block)."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from flat_layers(layer)
        else:
            yield layer


def _own_activation(layer) -> str | None:
    kind = type(layer).__name__
    if kind == "ReLU" and (
        getattr(layer, "negative_slope", 0) or getattr(layer, "max_value", None) is not None
        or getattr(layer, "threshold", 0)
    ):
        return "relu_variant"
    if kind == "Softmax":
        return _softmax_name(layer)
    if kind in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[kind]
    return activation_name(getattr(layer, "activation", None))


def _softmax_name(layer) -> str:
    """'softmax' over the last axis (the default), else which axis: that is another function."""
    axis = layer.get_config().get("axis", -1)
    shape = _output_shape(layer)
    if axis == -1 or (shape is not None and axis == len(shape) - 1):
        return "softmax"
    return f"softmax over axis {axis}"


def summarize_layer(layer, index: int) -> LayerSummary:
    config = layer.get_config()
    kind = type(layer).__name__
    is_pool = kind in POOLING_KINDS
    return LayerSummary(
        index=index,
        name=layer.name,
        kind=kind,
        output_shape=_output_shape(layer),
        params=int(layer.count_params()) if layer.built else 0,
        trainable=bool(layer.trainable),
        activation=_own_activation(layer),
        filters=config.get("filters"),
        kernel_size=_tuple(config.get("kernel_size")),
        strides=_tuple(config.get("strides")) if (is_pool or "filters" in config) else None,
        padding=zero_pads(layer) if kind in ZERO_PADDING_KINDS else config.get("padding"),
        pool_size=_tuple(config.get("pool_size")) if is_pool else None,
        units=config.get("units"),
        rate=config.get("rate") if kind in DROPOUT_KINDS else None,
    )


@quietly
def summarize(model) -> list[LayerSummary]:
    """Summaries of a built model's layers: inputs skipped, activations and padding folded.

    A standalone activation layer right after a Dense or convolution with no activation of its
    own is folded into it, so ``Conv2D(6, 5, activation="relu")`` and ``Conv2D(6, 5), ReLU()``
    give the same summary. So is one after a BatchNormalization (which folds into the layer it
    normalizes) or, for ReLU, after a Dropout. A zero padding that makes a "valid" convolution
    compute what padding="same" does folds into it (see ``padding.py``).
    """
    check_is_model(model)
    chain = [layer for layer in flat_layers(model) if type(layer).__name__ != "InputLayer"]
    summaries: list[LayerSummary] = []
    padded_by = None  # a zero padding that folds into the next layer as padding="same"
    for layer, next_layer in zip(chain, chain[1:] + [None]):
        kind = type(layer).__name__
        if kind in ZERO_PADDING_KINDS:
            fold = fold_zero_padding(layer, next_layer)
            if fold.same:
                padded_by = pads_text(kind, zero_pads(layer))
            if not (fold.same or fold.identity):
                summaries.append(replace(summarize_layer(layer, len(summaries) + 1), note=fold.note))
            continue
        if kind == "BatchNormalization" and _fold_batch_norm(summaries, layer):
            continue
        if (kind in ACTIVATION_LAYERS or kind == "Activation") and _fold_activation(summaries, layer):
            continue
        summary = summarize_layer(layer, len(summaries) + 1)
        if padded_by:
            summary = replace(summary, padding="same", note=N_(f"{padded_by} before a valid {kind}"))
            padded_by = None
        summaries.append(summary)
    return summaries


def _fold_batch_norm(summaries: list[LayerSummary], layer) -> bool:
    """Fold a BatchNormalization into the Dense or convolution it follows."""
    previous = summaries[-1] if summaries else None
    if previous is None or previous.kind not in ACTIVATABLE or previous.batch_norm:
        return False
    order = BEFORE_ACTIVATION if previous.activation in LINEAR else AFTER_ACTIVATION
    summaries[-1] = replace(previous, batch_norm=order, batch_norm_params=int(layer.count_params()))
    return True


def _fold_activation(summaries: list[LayerSummary], layer) -> bool:
    """Fold an activation layer into the linear Dense or convolution before it."""
    activation = _own_activation(layer)
    target = len(summaries) - 1
    while target >= 0 and summaries[target].kind in DROPOUT_KINDS and activation in COMMUTES_WITH_DROPOUT:
        target -= 1
    if target < 0 or summaries[target].kind not in ACTIVATABLE or summaries[target].activation not in LINEAR:
        return False
    summaries[target] = replace(summaries[target], activation=activation)
    return True


def check_is_model(model) -> None:
    """A clear message for the usual mistakes: returning None, a layer or an unbuilt model."""
    import keras

    if model is None:
        raise CheckError("expected a keras.Model, got None: did the function forget to `return model`?")
    if not isinstance(model, keras.Model):
        raise CheckError(f"expected a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise CheckError(
            "the model is not built, so its shapes are unknown: start it with "
            "keras.Input(shape=input_shape)"
        )


def summary_table(model) -> str:
    """The summaries as a small text table, one line a layer."""
    summaries = summarize(model)
    rows = [("#", "layer", "output shape", "params")]
    for s in summaries:
        rows.append((str(s.index), s.describe(), str(s.output_shape), f"{s.params + s.batch_norm_params:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    total = sum(s.params + s.batch_norm_params for s in summaries)
    lines.append(f"total parameters: {total:,}")
    return "\n".join(lines)
