"""Explicit zero padding in front of a "valid" layer, compared with padding="same".

Older public code writes ``ZeroPadding2D((1, 1))`` then a "valid" 3x3 ``Conv2D``: exactly what a
"same" 3x3 convolution computes. A summary folds such a pair into one "same" layer, but only
where the two really compute the same thing: a convolution whose explicit padding equals what
"same" pads for this input. Pooling never folds: "same" pooling leaves the padded border out of
each pool, while zero padding pools the zeros (and "same" pooling with stride 2 on an even
input pads nothing at all). Any padding that does not fold gets a note for messages saying
what it does to the output.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n.messages import N_

SAME = 'padding="same"'

ZERO_PADDING_KINDS = {"ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D"}

# Convolutions whose padding="same" an explicit zero padding can reproduce exactly.
SAME_PADDABLE = {
    "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
    "DepthwiseConv2D",
}


@dataclass(frozen=True)
class PaddingFold:
    """What a zero-padding layer becomes in a summary."""

    identity: bool = False  # it pads nothing: leave it out
    same: bool = False  # the next layer computes what padding="same" would: fold into it
    note: str | None = None  # otherwise, what the padding does to the next layer, in words


def dims_text(values) -> str:
    """'3x3' for (3, 3); '?' when unknown."""
    return "x".join(str(v) for v in values) if values is not None else "?"


def zero_pads(layer) -> tuple[tuple[int, int], ...]:
    """(before, after) for each spatial dimension of a ZeroPadding layer."""
    padding = layer.get_config()["padding"]
    if isinstance(padding[0], int):  # ZeroPadding1D stores a single (left, right) pair
        padding = (padding,)
    return tuple((int(before), int(after)) for before, after in padding)


def pads_text(kind: str, pads) -> str:
    """The layer as a student writes it: ZeroPadding2D(1), ZeroPadding2D((1, 2)), ..."""
    if all(pair == (pads[0][0],) * 2 for pair in pads):
        return f"{kind}({pads[0][0]})"
    if len(pads) == 1:  # ZeroPadding1D((0, 2))
        return f"{kind}({pads[0]})"
    if all(before == after for before, after in pads):
        return f"{kind}({tuple(before for before, _ in pads)})"
    return f"{kind}({tuple(pads)})"


def same_pads(length, kernel: int, stride: int, dilation: int = 1):
    """(before, after) that padding="same" adds, by TensorFlow's rule (every Keras backend's).

    None when it depends on an unknown input length.
    """
    span = dilation * (kernel - 1) + 1
    if length is None:
        if stride != 1:
            return None
        total = span - 1
    else:
        total = max((_ceil_div(length, stride) - 1) * stride + span - length, 0)
    return total // 2, total - total // 2


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _spatial(tensor, data_format: str):
    try:
        shape = tuple(tensor.shape)
    except (AttributeError, ValueError, RuntimeError):
        return None  # never called, or called several times
    return shape[2:] if data_format == "channels_first" else shape[1:-1]


def _same_output(lengths, strides):
    """The output size padding="same" gives; None when an input length is unknown."""
    if lengths is None or None in lengths:
        return None
    return tuple(_ceil_div(n, s) for n, s in zip(lengths, strides))


def fold_zero_padding(pad_layer, next_layer) -> PaddingFold:
    """Whether a zero-padding layer folds into the layer after it, and if not, why."""
    pads = zero_pads(pad_layer)
    if all(pair == (0, 0) for pair in pads):
        return PaddingFold(identity=True)
    config = next_layer.get_config() if next_layer is not None else {}
    data_format = pad_layer.get_config().get("data_format") or "channels_last"
    if config.get("padding") != "valid" or config.get("data_format", data_format) != data_format:
        return PaddingFold()
    lengths = _spatial(pad_layer.input, data_format)
    found = _spatial(next_layer.output, data_format)
    what = pads_text(type(pad_layer).__name__, pads)
    if "pool_size" in config:
        return PaddingFold(note=_pooling_note(what, type(next_layer).__name__, config, lengths, found))
    if type(next_layer).__name__ not in SAME_PADDABLE:
        return PaddingFold()
    kernels, strides = config["kernel_size"], config["strides"]
    dilations = config.get("dilation_rate") or (1,) * len(kernels)
    wanted = tuple(same_pads(n, k, s, d) for n, k, s, d in
                   zip(lengths or (None,) * len(pads), kernels, strides, dilations))
    expected = _same_output(lengths, strides)
    # Same pads on every side, and (a second look) the output shape "same" gives.
    if pads == wanted and (expected is None or found == expected):
        return PaddingFold(same=True)
    kernel = dims_text(kernels) if len(kernels) > 1 else f"size {kernels[0]}"
    return PaddingFold(note=_conv_note(N_(f"{what} before a {kernel} conv"), wanted, found, expected))


def _size_change(found, expected, reference: str) -> str:
    """'grows the output by 2 pixels in each dimension compared with ... (10x10 instead of 8x8)'."""
    sizes = N_(f"({dims_text(found)} instead of {dims_text(expected)})")
    deltas = {f - e for f, e in zip(found, expected)}
    if len(deltas) > 1:
        return N_(f"changes the output size compared with {reference} {sizes}")
    delta = deltas.pop()
    pixels = N_(f"{abs(delta)} pixels") if abs(delta) != 1 else N_(f"{abs(delta)} pixel")
    # Each verb written out: a placeholder for it would leave the verb in English.
    return (N_(f"grows the output by {pixels} in each dimension compared with {reference} {sizes}") if delta > 0
            else N_(f"shrinks the output by {pixels} in each dimension compared with {reference} {sizes}"))


def _sides_text(pads) -> str:
    """'1 before and 1 after', or the pairs per dimension when they differ."""
    if len(set(pads)) == 1:
        return N_(f"{pads[0][0]} before and {pads[0][1]} after")
    return N_(f"{tuple(pads)} (before, after)")


def _conv_note(where: str, wanted, found, expected) -> str:
    if expected is None or found is None or None in wanted:
        return N_(f"{where}, which does not pad like {SAME}")
    if found == expected:
        return N_(f"{where}, which shifts the output: {SAME} pads {_sides_text(wanted)}")
    return N_(f"{where}, which {_size_change(found, expected, SAME)}")


def _pooling_note(what: str, kind: str, config, lengths, found) -> str:
    pool = "max-pool" if kind.startswith("Max") else "average-pool"
    note = N_(f'{what} before a {dims_text(config["pool_size"])} {pool}, which pools the padded zeros '
              f"where {SAME} leaves the border out of the pool")
    expected = _same_output(lengths, config["strides"])
    if expected is not None and found is not None and found != expected:
        note += N_(f", and {_size_change(found, expected, 'it')}")
    return note
