"""The judge's reference cache: one computation per set of arguments, copies out, random state kept."""

import random

import numpy as np

from autograder.checks.reference_cache import reference_cache


def test_computes_once_per_arguments_and_hands_out_copies():
    calls = []

    @reference_cache
    def reference(x, scale=1):
        calls.append(1)
        return [np.asarray(x) * scale]

    first = reference(np.arange(3), scale=2)
    first[0][0] = 99  # a test that changes what it got
    again = reference(np.arange(3), scale=2)
    assert again[0].tolist() == [0, 2, 4] and len(calls) == 1
    reference(np.arange(3), scale=3)
    reference(np.arange(3.0), scale=2)  # same values, another dtype: another key
    assert len(calls) == 3


def test_arrays_are_keyed_by_every_byte_not_by_their_elided_repr():
    @reference_cache
    def total(x):
        return float(x.sum())

    big = np.zeros(5000)
    assert total(big) == 0.0
    big[2500] = 1.0  # repr(big) is the same "[0. 0. 0. ... 0. 0. 0.]"
    assert total(big) == 1.0


def test_random_state_is_the_same_after_a_miss_and_a_hit():
    @reference_cache
    def draws(n):
        return [random.random() for _ in range(n)] + list(np.random.rand(n))

    random.seed(1), np.random.seed(1)
    draws(2)
    after_miss = (random.random(), np.random.rand())
    random.seed(1), np.random.seed(1)
    draws(2)
    after_hit = (random.random(), np.random.rand())
    random.seed(1), np.random.seed(1)
    assert after_miss == after_hit == (random.random(), np.random.rand())


def test_arguments_without_an_exact_key_are_computed_every_time():
    calls = []

    @reference_cache
    def length(items):
        calls.append(1)
        return len(items)

    assert length({1, 2}) == 2 and length({1, 2}) == 2  # a set: computed, not cached
    assert len(calls) == 2
