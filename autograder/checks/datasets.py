"""Checks for input pipelines: a ``tf.data.Dataset`` or a ``keras.utils.PyDataset`` over epochs.

A pipeline is read the way ``model.fit`` reads it: one epoch is every batch in order (for a
PyDataset, ``data[0]`` .. ``data[len(data) - 1]``, then ``on_epoch_end()``). Each example is
recognised by its features, so the arrays a test feeds in need distinct rows (``np.arange``
reshaped does it)::

    batches = epoch_batches(make_dataset(x, y, batch_size=4))
    order = assert_one_epoch(batches, x, y, batch_size=4, what="make_dataset(x, y, batch_size=4)",
                             section='"tf.data pipelines"')
    # order[i] is the index in x of the i-th example the epoch gave

``assert_one_epoch`` checks the number of batches and their sizes (the last partial batch kept),
that every example appears exactly once, that its label travelled with it, and the shapes and
dtypes of the elements. ``assert_orders`` then compares the orders of several epochs or seeds.
"""

from __future__ import annotations

import math

import numpy as np

from ..remote import is_instance, type_name
from ..i18n.messages import N_
from .errors import CheckError

__all__ = ["assert_batch_sizes", "assert_element_spec", "assert_one_epoch", "assert_orders", "epoch_batches",
           "epochs"]


def _reread(section: str | None) -> str:
    return N_(f' Reread {section}.') if section else ""


def _numpy(value):
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)


def _as_pair(batch, what: str, section: str | None):
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        kind = type_name(batch) + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
        raise CheckError(f"{what} should give (x, y) pairs of batches, found a {kind}." + _reread(section))
    return _numpy(batch[0]), _numpy(batch[1])


def _is_tf_dataset(data) -> bool:
    try:
        import tensorflow as tf
    except ImportError:  # another backend without TensorFlow: only PyDatasets then
        return False
    return is_instance(data, tf.data.Dataset)


def epoch_batches(data, what: str = "the dataset", section: str | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """One epoch of ``data`` as NumPy ``(x, y)`` batches, read as ``model.fit`` reads it.

    A ``tf.data.Dataset`` is iterated once; a PyDataset (anything with ``__len__`` and
    ``__getitem__``) gives ``data[0]`` to ``data[len(data) - 1]``, and then its
    ``on_epoch_end()`` runs, as fit calls it after every epoch.
    """
    if data is None:
        raise CheckError(f"{what} is None: did the function forget to `return` it?" + _reread(section))
    if _is_tf_dataset(data):
        return [_as_pair(batch, what, section) for batch in data]
    if hasattr(data, "__len__") and hasattr(data, "__getitem__"):
        count = len(data)
        batches = [_as_pair(data[i], f"{what}[{i}]", section) for i in range(count)]
        if hasattr(data, "on_epoch_end"):
            data.on_epoch_end()
        return batches
    raise CheckError(f"{what} should be a tf.data.Dataset or a keras.utils.PyDataset, found "
                     f"{type_name(data)}." + _reread(section))


def epochs(data, count: int, what: str = "the dataset", section: str | None = None) -> list[list]:
    """``count`` epochs of ``data``, each a list of ``(x, y)`` batches (see ``epoch_batches``)."""
    return [epoch_batches(data, what, section) for _ in range(count)]


def assert_batch_sizes(sizes, num_examples: int, batch_size: int, what: str = "the dataset",
                       section: str | None = None) -> None:
    """Full batches of ``batch_size``, then the remainder as a last, smaller batch (not dropped)."""
    sizes = [int(s) for s in sizes]
    full, rest = divmod(num_examples, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if sizes == expected:
        return
    if sizes == [batch_size] * full and rest:
        raise CheckError(f"{what} gives {len(sizes)} batches of {batch_size} and drops the last {rest} "
                         f"examples: keep the last partial batch (batch(..., drop_remainder=False), "
                         f"math.ceil in __len__)." + _reread(section))
    raise CheckError(f"{what} gives batches of sizes {_short(sizes)}, expected {_short(expected)} "
                     f"({num_examples} examples in batches of {batch_size}, the last one smaller if "
                     f"{batch_size} does not divide {num_examples}; {math.ceil(num_examples / batch_size)} "
                     f"batches in all)." + _reread(section))


def _short(values: list, limit: int = 8) -> str:
    if len(values) <= limit:
        return str(values)
    return "[" + ", ".join(map(str, values[:limit - 2])) + f", ... ({len(values)} in all), {values[-1]}]"


def assert_element_spec(batch_x: np.ndarray, batch_y: np.ndarray, x_shape, x_dtype, y_shape, y_dtype,
                        what: str = "the dataset", section: str | None = None) -> None:
    """One batch's shapes (without the batch axis) and dtypes; ``None`` skips a check."""
    for name, value, shape, dtype in (("x", batch_x, x_shape, x_dtype), ("y", batch_y, y_shape, y_dtype)):
        if shape is not None and tuple(value.shape[1:]) != tuple(shape):
            raise CheckError(f"{what}: a batch of {name} has shape {tuple(value.shape)}, expected (batch, "
                             f"{', '.join(map(str, shape))}): one element of {name} "
                             f"should have shape {tuple(shape)}." + _reread(section))
        if dtype is not None and np.dtype(value.dtype) != np.dtype(dtype):
            raise CheckError(f"{what}: a batch of {name} has dtype {value.dtype}, expected "
                             f"{np.dtype(dtype)}." + _reread(section))


def _row_keys(x: np.ndarray) -> list[bytes]:
    x = np.ascontiguousarray(x)
    return [x[i].tobytes() for i in range(len(x))]


def assert_one_epoch(batches, x, y, batch_size: int, what: str = "the dataset", section: str | None = None,
                     check_dtypes: bool = True) -> np.ndarray:
    """One epoch's batches hold every example of ``(x, y)`` exactly once, in batches of
    ``batch_size`` (the last partial batch kept), each label with its own features, with the
    shapes and (``check_dtypes``) dtypes of ``x`` and ``y``. Returns the order: the index in ``x``
    of each example as the epoch gave it. The rows of ``x`` must be distinct.
    """
    x, y = np.asarray(x), np.asarray(y)
    if not batches:
        raise CheckError(f"{what} gives no batches at all, expected {math.ceil(len(x) / batch_size)}."
                         + _reread(section))
    for bx, by in batches:
        if len(bx) != len(by):
            raise CheckError(f"{what} gives a batch of {len(bx)} x with {len(by)} y: x and y must be batched "
                             "together." + _reread(section))
        assert_element_spec(bx, by, x.shape[1:], x.dtype if check_dtypes else None, y.shape[1:],
                            y.dtype if check_dtypes else None, what, section)
    assert_batch_sizes([len(bx) for bx, _ in batches], len(x), batch_size, what, section)
    index = {key: i for i, key in enumerate(_row_keys(x))}
    if len(index) != len(x):
        raise ValueError("assert_one_epoch needs distinct rows in x to tell the examples apart")
    order = []
    for bx, by in batches:
        bx = bx.astype(x.dtype, copy=False)
        for key, label in zip(_row_keys(bx), by):
            if key not in index:
                raise CheckError(f"{what} gives an example that is not one of x's rows: the features were "
                                 "changed on the way (scaled, cast or mixed up)." + _reread(section))
            i = index[key]
            if not np.array_equal(np.asarray(label), y[i]):
                raise CheckError(f"{what} pairs example {i} of x with the label {np.asarray(label).tolist()}, "
                                 f"but its label is {y[i].tolist()}: shuffle x and y together (one "
                                 "permutation for both)." + _reread(section))
            order.append(i)
    order = np.array(order)
    counts = np.bincount(order, minlength=len(x))
    if (counts != 1).any():
        twice = int(np.argmax(counts > 1)) if (counts > 1).any() else None
        missing = int(np.argmin(counts)) if (counts == 0).any() else None
        parts = [f"example {twice} appears {counts[twice]} times"] if twice is not None else []
        parts += [f"example {missing} never appears"] if missing is not None else []
        raise CheckError(f"{what}: in one epoch {' and '.join(parts)}; every example must appear exactly "
                         "once per epoch (shuffle a permutation, do not sample)." + _reread(section))
    return order


def assert_orders(orders: dict, same=(), different=(), what: str = "the dataset",
                  section: str | None = None) -> None:
    """Compare epoch orders by label: ``same`` pairs must be equal, ``different`` pairs must differ.

    ``orders`` maps a description ("the first epoch with seed 3") to an order; a pair is a tuple
    of two of its keys. Only meaningful for enough examples that a shuffle cannot repeat by chance.
    """
    for a, b in same:
        if not np.array_equal(orders[a], orders[b]):
            first = int(np.argmax(np.asarray(orders[a]) != np.asarray(orders[b])))
            raise CheckError(f"{what}: {a} and {b} should give the same order, but they differ at position "
                             f"{first} (example {orders[a][first]} vs {orders[b][first]})." + _reread(section))
    for a, b in different:
        if np.array_equal(orders[a], orders[b]):
            # the whole message a template too: the "..." of a long order would split its sentence
            raise CheckError(f"{what}: {a} and {b} give the same order {_short(list(map(int, orders[a])))}, "
                             f"they should differ.{_reread(section)}" if section else
                             f"{what}: {a} and {b} give the same order {_short(list(map(int, orders[a])))}, "
                             "they should differ.")
