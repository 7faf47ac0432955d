"""autograder.checks.datasets: one epoch of a tf.data.Dataset or a PyDataset, read as fit reads it."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from autograder.checks.datasets import (assert_batch_sizes, assert_element_spec, assert_one_epoch, assert_orders,
                                        epoch_batches, epochs)
from autograder.checks.errors import CheckError


def examples(n, shape=(2,), dtype="float32"):
    x = np.arange(n * int(np.prod(shape))).reshape((n, *shape)).astype(dtype)
    return x, np.arange(n) % 3


class Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x)) if seed is not None else np.arange(len(x))
        self.ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        rows = self.order[i * self.batch_size:(i + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        self.ended += 1
        if self.rng is not None:
            self.order = self.rng.permutation(len(self.x))


def test_tf_dataset_epoch_in_order():
    x, y = examples(10)
    batches = epoch_batches(tf.data.Dataset.from_tensor_slices((x, y)).batch(4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    order = assert_one_epoch(batches, x, y, 4)
    assert order.tolist() == list(range(10))


def test_pydataset_epochs_call_on_epoch_end_and_reshuffle():
    x, y = examples(20, (3, 3, 1), "uint8")
    data = Batches(x, y, 6, seed=1)
    first, second = (assert_one_epoch(batches, x, y, 6) for batches in epochs(data, 2))
    assert data.ended == 2
    assert_orders({"epoch 1": first, "epoch 2": second}, different=[("epoch 1", "epoch 2")])
    with pytest.raises(CheckError, match="should give the same order, but they differ at position"):
        assert_orders({"epoch 1": first, "epoch 2": second}, same=[("epoch 1", "epoch 2")])


def test_seeded_tf_shuffle_repeats_per_seed():
    x, y = examples(30)

    def make(seed):
        return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(30, seed=seed).batch(7)

    a, b, c = (assert_one_epoch(epoch_batches(make(s)), x, y, 7) for s in (3, 3, 4))
    assert_orders({"seed 3": a, "seed 3 again": b, "seed 4": c}, same=[("seed 3", "seed 3 again")],
                  different=[("seed 3", "seed 4")])
    with pytest.raises(CheckError, match="give the same order"):
        assert_orders({"seed 3": a, "seed 3 again": b}, different=[("seed 3", "seed 3 again")])


def test_one_example_and_labels_of_shape_n_1():
    x, y = np.array([[5.0]], dtype="float32"), np.array([[2]])
    order = assert_one_epoch(epoch_batches(tf.data.Dataset.from_tensor_slices((x, y)).batch(32)), x, y, 32)
    assert order.tolist() == [0]


def test_dropped_remainder_is_named():
    x, y = examples(10)
    batches = epoch_batches(tf.data.Dataset.from_tensor_slices((x, y)).batch(4, drop_remainder=True))
    with pytest.raises(CheckError, match="drops the last 2 examples"):
        assert_one_epoch(batches, x, y, 4, what="make_dataset", section='"tf.data pipelines"')


@pytest.mark.parametrize("sizes, words", [([4, 4, 4], "sizes [4, 4, 4], expected [4, 4, 2]"),
                                          ([5, 5], "expected [4, 4, 2]")])
def test_wrong_batch_sizes(sizes, words):
    with pytest.raises(CheckError, match=words.replace("[", r"\[").replace("]", r"\]")):
        assert_batch_sizes(sizes, 10, 4)


def test_repeated_example_and_broken_pairs():
    x, y = examples(6)
    repeated = [(x[[0, 1, 2]], y[[0, 1, 2]]), (x[[0, 4, 5]], y[[0, 4, 5]])]
    with pytest.raises(CheckError, match="example 0 appears 2 times and example 3 never appears"):
        assert_one_epoch(repeated, x, y, 3)
    y_unique = np.arange(6)
    mixed = [(x[:3], y_unique[[1, 0, 2]]), (x[3:], y_unique[3:])]
    with pytest.raises(CheckError, match="shuffle x and y together"):
        assert_one_epoch(mixed, x, y_unique, 3)


def test_changed_features_and_dtypes():
    x, y = examples(4)
    with pytest.raises(CheckError, match="not one of x's rows"):
        assert_one_epoch([(x / 2, y)], x, y, 4)
    with pytest.raises(CheckError, match="dtype float64, expected float32"):
        assert_one_epoch([(x.astype("float64"), y)], x, y, 4)
    with pytest.raises(CheckError, match=r"shape \(4, 1, 2\)"):
        assert_element_spec(x[:, None], y, (2,), None, (), None)


def test_not_a_dataset_and_not_pairs():
    with pytest.raises(CheckError, match="forget to `return`"):
        epoch_batches(None)
    with pytest.raises(CheckError, match="tf.data.Dataset or a keras.utils.PyDataset"):
        epoch_batches(42)
    with pytest.raises(CheckError, match=r"\(x, y\) pairs"):
        epoch_batches(tf.data.Dataset.range(3).batch(2))
