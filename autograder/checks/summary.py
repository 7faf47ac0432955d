"""Per-layer summaries of a Keras model, in a form that ignores how the model was written.

Two models that compute the same thing should summarize the same: Sequential or functional,
an activation given as an argument or as its own layer (``Activation``, ``ReLU``, ``Softmax``),
any layer names, ``MaxPool2D`` or ``MaxPooling2D`` (one class in Keras 3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .errors import CheckError

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

    def describe(self) -> str:
        """A short human description, e.g. 'Conv2D 96@11x11 stride 4 valid relu'."""
        parts = [self.kind]
        if self.filters is not None:
            parts.append(f"{self.filters}@{_dims(self.kernel_size)}")
        if self.units is not None:
            parts.append(str(self.units))
        if self.pool_size is not None:
            parts.append(_dims(self.pool_size))
        if self.strides is not None and set(self.strides) != {1}:
            parts.append(f"stride {stride_text(self.strides)}")
        # Pooling is "valid" almost always: name its padding only when it is not.
        if self.padding == "same" or (self.padding and self.kind not in POOLING_KINDS):
            parts.append(self.padding)
        if self.rate is not None:
            parts.append(f"rate {self.rate:g}")
        if self.activation not in LINEAR:
            parts.append(self.activation)
        return " ".join(parts)


POOLING_KINDS = {
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
}


def _dims(values) -> str:
    return "x".join(str(v) for v in values) if values is not None else "?"


def stride_text(values) -> str:
    """'4' for (4, 4), '2x1' for (2, 1)."""
    return str(values[0]) if len(set(values)) == 1 else _dims(values)


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


def _flat_layers(model):
    """Every layer in order, looking inside nested models (a Sequential used as a block)."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from _flat_layers(layer)
        else:
            yield layer


def _own_activation(layer) -> str | None:
    kind = type(layer).__name__
    if kind in ACTIVATION_LAYERS:
        if kind == "ReLU" and (
            getattr(layer, "negative_slope", 0) or getattr(layer, "max_value", None) is not None
            or getattr(layer, "threshold", 0)
        ):
            return "relu_variant"
        return ACTIVATION_LAYERS[kind]
    return activation_name(getattr(layer, "activation", None))


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
        padding=config.get("padding"),
        pool_size=_tuple(config.get("pool_size")) if is_pool else None,
        units=config.get("units"),
        rate=config.get("rate") if kind in {"Dropout", "SpatialDropout2D", "AlphaDropout"} else None,
    )


def summarize(model) -> list[LayerSummary]:
    """Summaries of a built model's layers: inputs skipped, activation layers folded.

    A standalone activation layer right after a Dense or convolution with no activation of its
    own is folded into it, so ``Conv2D(6, 5, activation="relu")`` and ``Conv2D(6, 5), ReLU()``
    give the same summary.
    """
    check_is_model(model)
    summaries: list[LayerSummary] = []
    for layer in _flat_layers(model):
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if kind in ACTIVATION_LAYERS or kind == "Activation":
            previous = summaries[-1] if summaries else None
            if previous and previous.kind in ACTIVATABLE and previous.activation in LINEAR:
                summaries[-1] = replace(previous, activation=_own_activation(layer))
                continue
        summaries.append(summarize_layer(layer, len(summaries) + 1))
    return summaries


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
        rows.append((str(s.index), s.describe(), str(s.output_shape), f"{s.params:,}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    total = sum(s.params for s in summaries)
    lines.append(f"total parameters: {total:,}")
    return "\n".join(lines)
