"""Compare a model with an expected architecture and name the first difference.

An expected architecture is a list of ``LayerSpec`` (built with ``conv``, ``pool``, ``dense``,
``dropout``, ``flatten``) or another model (``assert_same_architecture``). Messages read like
"layer 7: expected Conv2D with 256 filters, found 128 filters". Models are compared through
their summaries (``summary.py``), so the way a layer is spelled does not matter, only what it
computes.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..i18n.messages import N_
from .errors import CheckError
from .padding import ZERO_PADDING_KINDS
from .quiet import quietly
from .reference_cache import reference_cache
from .summary import LINEAR, LayerSummary, check_is_model, same_activation, stride_text, summarize
from .unallocated import unallocated_weights

# An activation spec that accepts any nonlinearity (tanh as in 1998, relu today, ...).
NONLINEAR = "nonlinear"
MAX_OR_AVERAGE = ("MaxPooling2D", "AveragePooling2D")
# A batch_norm spec that accepts a layer with or without BatchNormalization after it.
OPTIONAL = "optional"


@dataclass(frozen=True)
class LayerSpec:
    """One expected layer. Fields left as None are not checked.

    ``batch_norm`` says whether a BatchNormalization follows the layer: False (the default: it
    must not), True (it must, on either side of the activation), OPTIONAL, or exactly
    "before activation" / "after activation" (what a summarized layer has).
    """

    kind: str | tuple[str, ...]
    filters: int | None = None
    kernel_size: tuple | None = None
    strides: tuple | None = None
    padding: str | None = None
    pool_size: tuple | None = None
    units: int | None = None
    rate: float | None = None
    activation: str | None = None
    batch_norm: bool | str | None = False

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.kind if isinstance(self.kind, tuple) else (self.kind,)

    def describe(self) -> str:
        return " or ".join(self.kinds)


def _pair(value) -> tuple:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def conv(filters, kernel_size, strides=1, padding="valid", activation="relu", batch_norm=False) -> LayerSpec:
    return LayerSpec("Conv2D", filters=filters, kernel_size=_pair(kernel_size),
                     strides=_pair(strides), padding=padding, activation=activation,
                     batch_norm=batch_norm)


def pool(pool_size=2, strides=None, kind="MaxPooling2D", padding="valid") -> LayerSpec:
    strides = pool_size if strides is None else strides  # Keras' own default
    return LayerSpec(kind, pool_size=_pair(pool_size), strides=_pair(strides), padding=padding)


def dense(units, activation=None, batch_norm=False) -> LayerSpec:
    return LayerSpec("Dense", units=units, activation=activation or "linear", batch_norm=batch_norm)


def dropout(rate) -> LayerSpec:
    return LayerSpec("Dropout", rate=rate)


def flatten() -> LayerSpec:
    return LayerSpec("Flatten")


def spec_of(summary: LayerSummary) -> LayerSpec:
    """The exact spec a summarized layer satisfies (to compare two models)."""
    names = {f.name for f in fields(LayerSpec)}
    spec = LayerSpec(**{k: v for k, v in vars(summary).items() if k in names})
    return replace(spec, batch_norm=summary.batch_norm or False)  # None would mean "not checked"


def _requires_batch_norm(spec: LayerSpec) -> bool:
    return spec.batch_norm not in (False, None, OPTIONAL)


@quietly
def build_reference(spec: list[LayerSpec], input_shape) -> "keras.Model":
    """A model made from a spec: it gives every layer's expected output shape and parameters."""
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input(shape=tuple(input_shape))])
    for s in spec:
        kind = s.kinds[0]
        activation = "relu" if s.activation == NONLINEAR else s.activation
        if kind == "Conv2D":
            layer = layers.Conv2D(s.filters, s.kernel_size, strides=s.strides, padding=s.padding,
                                  activation=activation)
        elif kind == "Dense":
            layer = layers.Dense(s.units, activation=activation)
        elif kind in MAX_OR_AVERAGE:
            layer = getattr(layers, kind)(s.pool_size, strides=s.strides, padding=s.padding or "valid")
        elif kind == "Dropout":
            layer = layers.Dropout(s.rate)
        elif kind == "Flatten":
            layer = layers.Flatten()
        else:
            raise ValueError(f"build_reference does not know how to build {kind}")
        model.add(layer)
        if _requires_batch_norm(s):  # the order around the activation changes no shape
            model.add(layers.BatchNormalization())
    return model


@reference_cache
def reference_summary(spec: list[LayerSpec], input_shape) -> list[LayerSummary]:
    """The summary of ``build_reference(spec, input_shape)``: expected shapes and parameter counts."""
    with unallocated_weights():  # shapes and counts only; drawing its weights costs seconds
        return summarize(build_reference(spec, input_shape))


# What each checked field is called in a message, given its value.
_PHRASES = {
    "filters": lambda v: N_(f"{v} filters"),
    "units": lambda v: N_(f"{v} units"),
    "kernel_size": lambda v: N_(f"kernel {'x'.join(map(str, v))}"),
    "pool_size": lambda v: N_(f"pool size {'x'.join(map(str, v))}"),
    "strides": lambda v: N_(f"strides {stride_text(v)}"),
    "padding": lambda v: f'padding="{v}"',
    "rate": lambda v: f"rate {v:g}",
    "activation": lambda v: (N_("a nonlinear activation (tanh, relu, ...)") if v == NONLINEAR
                             else N_(f'activation "{v}"')),
    "batch_norm": lambda v: _batch_norm_phrase(v),
}


def _batch_norm_phrase(v) -> str:
    if v is True:
        return "BatchNormalization"
    if not v:
        return N_("no BatchNormalization")
    if v == "before activation":
        return N_("BatchNormalization before its activation")
    if v == "after activation":
        return N_("BatchNormalization after its activation")
    return f"BatchNormalization {v}"


def _activation_matches(expected, found) -> bool:
    if expected == NONLINEAR:
        return found not in LINEAR
    return same_activation(expected, found)


def _batch_norm_matches(expected, found, activation) -> bool:
    if expected == OPTIONAL:
        return True
    if expected is False or found is None:
        return expected is False and found is None
    # Around a linear layer, before or after "its activation" is the same thing.
    return expected is True or expected == found or activation in LINEAR


def _field_matches(name: str, expected, summary: LayerSummary) -> bool:
    found = getattr(summary, name)
    if name == "activation":
        return _activation_matches(expected, found)
    if name == "batch_norm":
        return _batch_norm_matches(expected, found, summary.activation)
    return expected == found


def _found_text(name: str, summary: LayerSummary) -> str:
    found = getattr(summary, name)
    if name == "activation" and found in LINEAR:
        return N_("no activation")
    text = _PHRASES[name](found) if found is not None or name == "batch_norm" else N_("none")
    if name == "padding" and summary.note:  # padding="same" written as an explicit zero padding
        text += f" ({summary.note})"
    return text


def first_difference(summary: LayerSummary, spec: LayerSpec) -> str | None:
    """What differs between a layer and its spec, in words; None when it matches."""
    where = N_(f"layer {summary.index} ({summary.name})")
    if summary.kind not in spec.kinds:
        # A zero padding that did not fold: say what it does to the layer after it.
        found = summary.note if summary.kind in ZERO_PADDING_KINDS and summary.note else summary.describe()
        return N_(f"{where}: expected {spec.describe()}, found {found}")
    for name, phrase in _PHRASES.items():
        expected = getattr(spec, name)
        if expected is not None and not _field_matches(name, expected, summary):
            found = _found_text(name, summary)
            return N_(f"{where}: expected {summary.kind} with {phrase(expected)}, found {found}")
    return None


def _without_ignored(summaries: list[LayerSummary], ignore) -> list[LayerSummary]:
    """Summaries without the kinds in ``ignore``; a folded BatchNormalization counts as one."""
    kept = [s for s in summaries if s.kind not in ignore]
    if "BatchNormalization" in ignore:
        kept = [replace(s, batch_norm=None, batch_norm_params=0) for s in kept]
    return kept


def _compare(model, specs: list[LayerSpec], reference: list[LayerSummary] | None, ignore=()):
    found = _without_ignored(summarize(model), ignore)
    # With a layer missing or added in the middle, the count is the more useful half of the story.
    count = N_(f"expected {len(specs)} layers, found {len(found)}; ") if len(found) != len(specs) else ""
    for summary, spec in zip(found, specs):
        problem = first_difference(summary, spec)
        if problem:
            raise CheckError(count + problem)
    if len(found) > len(specs):
        extra = ", ".join(s.describe() for s in found[len(specs):])
        raise CheckError(
            f"expected {len(specs)} layers, found {len(found)}: remove the extra layers after "
            f"layer {found[len(specs) - 1].index if specs else 0} ({extra})")
    if len(found) < len(specs):
        missing = ", ".join(s.describe() for s in specs[len(found):])
        raise CheckError(f"expected {len(specs)} layers, found {len(found)}: missing at the end: {missing}")
    if reference is None:
        return
    for summary, ref in zip(found, reference):
        where = N_(f"layer {summary.index} ({summary.describe()})")
        if ref.output_shape is not None and summary.output_shape != ref.output_shape:
            raise CheckError(f"{where}: expected output shape {ref.output_shape}, found {summary.output_shape}")
        if summary.params != ref.params:
            raise CheckError(f"{where}: expected {ref.params:,} parameters, found {summary.params:,}")
        if ref.batch_norm and summary.batch_norm_params != ref.batch_norm_params:
            raise CheckError(f"{where}: expected {ref.batch_norm_params:,} BatchNormalization parameters, "
                             f"found {summary.batch_norm_params:,}")


def assert_layers(model, spec: list[LayerSpec], ignore=()) -> None:
    """Layer kinds and hyperparameters match the spec, in order."""
    _compare(model, spec, None, ignore)


def assert_input_shape(model, input_shape, how_built: str = "the model") -> None:
    check_is_model(model)
    expected = (None, *tuple(input_shape))
    found = tuple(model.input_shape) if not isinstance(model.input_shape, list) else model.input_shape
    if found != expected:
        raise CheckError(
            f"{how_built} takes inputs of shape {found}, expected {expected}: "
            "build the model from the input_shape argument instead of a fixed shape")


def assert_output_shape(model, output_shape, how_built: str = "the model") -> None:
    check_is_model(model)
    expected = (None, *tuple(output_shape))
    found = tuple(model.output_shape)
    if found != expected:
        raise CheckError(
            f"{how_built} gives outputs of shape {found}, expected {expected}: "
            "the last layer should have num_classes units")


def assert_matches_spec(model, spec: list[LayerSpec], input_shape) -> None:
    """Input shape, layers, every output shape and every parameter count match the spec."""
    assert_input_shape(model, input_shape)
    _compare(model, spec, reference_summary(spec, input_shape))


# The aspects of an architecture that ``assert_spec_aspect`` judges one at a time, so that one
# wrong hyper-parameter costs the share of that aspect and not the whole exercise.
ASPECTS = ("layers", "settings", "shapes", "params")


def assert_spec_aspect(model, spec: list[LayerSpec], input_shape, aspect: str) -> None:
    """One aspect of ``assert_matches_spec``:

    * ``layers``: the kinds of layer, in order (a missing or extra layer fails here);
    * ``settings``: each layer's hyper-parameters (filters, units, kernels, strides, padding,
      rates, activations), for layers in the expected places;
    * ``shapes``: the input shape and every layer's output shape;
    * ``params``: every layer's parameter count, and so the total.
    """
    if aspect not in ASPECTS:
        raise ValueError(f"aspect must be one of {ASPECTS}, got {aspect!r}")
    check_is_model(model)
    found = summarize(model)
    if aspect == "layers":
        kinds_only = [LayerSpec(s.kind, batch_norm=s.batch_norm if _requires_batch_norm(s) else OPTIONAL)
                      for s in spec]
        _compare(model, kinds_only, None)
        return
    if aspect == "settings":
        aligned = [(f, s) for f, s in zip(found, spec) if f.kind in s.kinds]
        if not aligned:
            raise CheckError("no layer is where the exercise puts it, so no setting can be checked")
        for summary, expected in aligned:
            problem = first_difference(summary, expected)
            if problem:
                raise CheckError(problem)
        if len(aligned) < len(spec):
            raise CheckError(f"only {len(aligned)} of {len(spec)} layers are where the exercise puts them; "
                             "their settings are right, the others cannot be checked")
        return
    reference = reference_summary(spec, input_shape)
    if aspect == "shapes":
        assert_input_shape(model, input_shape)
        expected = [r.output_shape for r in reference]
        shapes = [f.output_shape for f in found]
        if shapes != expected:
            index = next((i for i, (a, b) in enumerate(zip(shapes, expected)) if a != b), min(len(shapes), len(expected)))
            if index < min(len(shapes), len(expected)):
                raise CheckError(f"layer {found[index].index} ({found[index].describe()}): expected output shape "
                                 f"{expected[index]}, found {shapes[index]}")
            raise CheckError(f"expected {len(expected)} layer outputs, found {len(shapes)}; the last one should "
                             f"be {expected[-1]}, found {shapes[-1] if shapes else 'none'}")
        return
    total, expected_total = sum(f.params for f in found), sum(r.params for r in reference)
    if total != expected_total:
        raise CheckError(f"the model has {total:,} parameters, expected {expected_total:,} "
                         f"({abs(total - expected_total):,} {'more' if total > expected_total else 'fewer'})")


def assert_same_architecture(model, reference, ignore=("Dropout",)) -> None:
    """Same layers, shapes and parameters as a reference model (e.g. keras.applications.VGG16).

    Layers of the kinds in ``ignore`` are skipped on both sides: Dropout has no parameters and
    does not change shapes, and keras.applications leaves it out.
    """
    expected = _without_ignored(summarize(reference), ignore)
    assert_input_shape(model, reference.input_shape[1:])
    _compare(model, [spec_of(s) for s in expected], expected, ignore)


def assert_param_count(model, expected: int, what: str = "the model") -> None:
    check_is_model(model)
    found = int(model.count_params())
    if found != expected:
        diff = found - expected
        more = f"{abs(diff):,} {'more' if diff > 0 else 'fewer'}"
        raise CheckError(f"{what} has {found:,} parameters, expected {expected:,} ({more})")


WEIGHT_KINDS = {"Dense", "Conv1D", "Conv2D", "Conv3D", "SeparableConv2D", "DepthwiseConv2D",
                "Conv2DTranspose"}


def count_weight_layers(model) -> dict[str, int]:
    """How many layers of each weight-carrying kind the model has, e.g. {'Conv2D': 13, 'Dense': 3}."""
    counts: dict[str, int] = {}
    for s in summarize(model):
        if s.kind in WEIGHT_KINDS:
            counts[s.kind] = counts.get(s.kind, 0) + 1
    return counts


def assert_weight_layers(model, **expected: int) -> None:
    """E.g. ``assert_weight_layers(vgg16, Conv2D=13, Dense=3)``."""
    found = count_weight_layers(model)
    for kind, n in expected.items():
        if found.get(kind, 0) != n:
            raise CheckError(f"expected {n} {kind} layers, found {found.get(kind, 0)}")
