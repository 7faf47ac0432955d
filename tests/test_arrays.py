"""autograder.checks.arrays: first-difference messages and clean-call checks."""

import warnings

import numpy as np
import pytest

from autograder.checks.arrays import (
    assert_array_matches, assert_finite, call_cleanly, first_mismatch,
)
from autograder.checks.errors import CheckError


def test_equal_arrays_pass_within_tolerance():
    assert_array_matches(np.float32([1.0, 2.0]), [1.0 + 5e-7, 2.0 + 1e-5])
    assert first_mismatch([1.0, np.nan], [1.0, np.nan]) is None


def test_first_difference_names_index_values_and_tolerance():
    found = np.zeros((2, 3))
    expected = found.copy()
    expected[1, 0], expected[1, 2] = 0.5, 9.0
    with pytest.raises(CheckError) as error:
        assert_array_matches(found, expected, what="softmax(x)", section="Activations")
    message = str(error.value)
    for words in ("softmax(x) differs at index (1, 0)", "found 0", "expected 0.5", "atol 1e-06", "rtol 1e-05",
                  "2 of 6 values differ", 'Reread "Activations"'):
        assert words in message, message


@pytest.mark.parametrize("actual, words", [
    (None, "returned None"),
    (np.zeros(3), "has shape (3,), expected (2, 2)"),
    (np.array([[1.0, np.nan], [0.0, 0.0]]), "is NaN at index (0, 1)"),
    (np.array([["a", "b"], ["c", "d"]]), "should hold numbers"),
])
def test_bad_results_are_named(actual, words):
    with pytest.raises(CheckError, match=__import__("re").escape(words)):
        assert_array_matches(actual, np.ones((2, 2)))


def test_finite():
    assert_finite(np.ones(3))
    with pytest.raises(CheckError, match=r"holds inf at index \(2,\)"):
        assert_finite(np.array([1.0, 2.0, np.inf]))


def test_call_cleanly_returns_the_result_and_allows_underflow():
    assert call_cleanly(np.exp, np.float64(-1000.0)) == 0.0


@pytest.mark.parametrize("func, words", [
    (lambda x: np.exp(x), "overflow"),
    (lambda x: np.log(x - x), "divide by zero"),
    (lambda x: np.sqrt(-x), "invalid value"),
])
def test_call_cleanly_catches_floating_point_errors(func, words):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as inside a graded test: still caught
        with pytest.raises(CheckError, match=words):
            call_cleanly(func, np.float64(1000.0), what="f(1000)")


def test_call_cleanly_catches_runtime_warnings_that_numpy_errstate_misses():
    def warns(x):
        warnings.warn("overflow in a custom loop", RuntimeWarning)
        return x

    with pytest.raises(CheckError, match="emits a RuntimeWarning: overflow in a custom loop"):
        call_cleanly(warns, 1.0)
