"""Array comparisons for NumPy exercises, and "no NaN, no warnings" checks for NumPy functions.

``assert_array_matches`` reports the *first* element that differs (in row-major order): its
index, the value found, the value expected and the tolerance, so a student can reproduce it::

    assert_array_matches(softmax(x), reference, what="softmax(x)", section="Activations")
    # softmax(x) differs at index (0, 3): found 0.25, expected 0.5
    # (|found - expected| must be <= atol 1e-06 + rtol 1e-05 * |expected|; 4 of 12 values differ).
    # Reread "Activations".

``call_cleanly`` runs a student's NumPy function the way a strict grader does: overflow, division
by zero and invalid operations raise (underflow to 0 is fine), and any RuntimeWarning the function
emits is a failure that names the warning.
"""

from __future__ import annotations


import numpy as np

from ..i18n.messages import N_
from .errors import CheckError

__all__ = [
    "assert_array_matches", "assert_finite", "assert_same_shape", "call_cleanly", "first_mismatch",
]

FLOATING_ERRORS = {"over": "raise", "divide": "raise", "invalid": "raise", "under": "ignore"}


def _reread(section: str | None) -> str:
    return N_(f' Reread "{section}".') if section else ""


# A message with a reread is written out with f"{_reread(section)}" in it, and once without: so that the
# catalogue holds the whole text (a template of its own, matched before a shorter one such as the
# "what" of an activation, which ends in a placeholder and would otherwise take in the whole message).


def _format(value) -> str:
    value = np.asarray(value)
    if value.dtype.kind in "fc":
        return f"{value.item():.8g}" if value.ndim == 0 else np.array2string(value, precision=8)
    return repr(value.item()) if value.ndim == 0 else np.array2string(value)


def _as_array(actual, what: str, section: str | None) -> np.ndarray:
    if actual is None:
        raise CheckError(f"{what} returned None: did the function forget to `return` its result?"
                         f"{_reread(section)}" if section else
                         f"{what} returned None: did the function forget to `return` its result?")
    try:
        return np.asarray(actual)
    except Exception:  # noqa: BLE001 - anything that is not array-like
        raise CheckError(f"{what} should be an array of numbers, found {type(actual).__name__}."
                         f"{_reread(section)}" if section else
                         f"{what} should be an array of numbers, found {type(actual).__name__}.") from None


def first_mismatch(actual, expected, rtol: float = 1e-5, atol: float = 1e-6):
    """``None`` when every element is close (NaN matches NaN), else ``(index, found, expected, count)``.

    ``index`` is a tuple (``()`` for a 0-d array) of the first differing element in row-major
    order, ``count`` how many elements differ. Shapes must already agree.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    with np.errstate(all="ignore"):
        close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    flat = int(np.argmin(close.ravel()))
    index = tuple(int(i) for i in np.unravel_index(flat, close.shape)) if close.ndim else ()
    return index, actual[index], expected[index], int((~close).sum())


def assert_same_shape(actual, expected_shape, what: str = "the result", section: str | None = None) -> None:
    shape = np.shape(actual)
    if tuple(shape) != tuple(expected_shape):
        raise CheckError(f"{what} has shape {tuple(shape)}, expected {tuple(expected_shape)}: keep the "
                         "input's shape (NumPy operations work element by element)."
                         f"{_reread(section)}" if section else
                         f"{what} has shape {tuple(shape)}, expected {tuple(expected_shape)}: keep the "
                         "input's shape (NumPy operations work element by element).")


def assert_finite(actual, what: str = "the result", section: str | None = None) -> None:
    """No NaN and no infinity anywhere; the message names the first bad element."""
    values = _as_array(actual, what, section)
    if values.dtype.kind not in "biufc":
        raise CheckError(f"{what} should hold numbers, found dtype {values.dtype}."
                         f"{_reread(section)}" if section else
                         f"{what} should hold numbers, found dtype {values.dtype}.")
    bad = ~np.isfinite(values)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0]) if values.ndim else ()
        raise CheckError(f"{what} holds {_format(values[index])} at index {index}: a large input overflowed "
                         "somewhere; rewrite the formula so no intermediate value grows past the float range."
                         f"{_reread(section)}" if section else
                         f"{what} holds {_format(values[index])} at index {index}: a large input overflowed "
                         "somewhere; rewrite the formula so no intermediate value grows past the float range.")


def assert_array_matches(actual, expected, rtol: float = 1e-5, atol: float = 1e-6, what: str = "the result",
                         section: str | None = None, allow_nan: bool = False) -> None:
    """``actual`` equals ``expected`` element by element within ``atol + rtol * |expected|``.

    Fails on a missing return, a shape that differs, a NaN or infinity that the expected array
    does not have, and reports the first differing element otherwise.
    """
    values = _as_array(actual, what, section)
    expected = np.asarray(expected)
    if values.dtype.kind not in "biufc":
        raise CheckError(f"{what} should hold numbers, found dtype {values.dtype}."
                         f"{_reread(section)}" if section else
                         f"{what} should hold numbers, found dtype {values.dtype}.")
    assert_same_shape(values, expected.shape, what, section)
    if not allow_nan:
        with np.errstate(all="ignore"):
            nan = np.isnan(values.astype(np.float64)) & ~np.isnan(expected.astype(np.float64))
        if nan.any():
            index = tuple(int(i) for i in np.argwhere(nan)[0]) if nan.ndim else ()
            raise CheckError(f"{what} is NaN at index {index}, expected {_format(expected[index])}: an "
                             "intermediate value overflowed (inf - inf, inf / inf or 0 * inf)."
                             f"{_reread(section)}" if section else
                             f"{what} is NaN at index {index}, expected {_format(expected[index])}: an "
                             "intermediate value overflowed (inf - inf, inf / inf or 0 * inf).")
    mismatch = first_mismatch(values, expected, rtol=rtol, atol=atol)
    if mismatch is None:
        return
    index, found, wanted, count = mismatch
    at = N_(f" at index {index}") if index else ""
    raise CheckError(
        f"{what} differs{at}: found {_format(found)}, expected {_format(wanted)} "
        f"(|found - expected| must be <= atol {atol:g} + rtol {rtol:g} * |expected|; "
        f"{count} of {values.size} values differ)."
        f"{_reread(section)}" if section else
        f"{what} differs{at}: found {_format(found)}, expected {_format(wanted)} "
        f"(|found - expected| must be <= atol {atol:g} + rtol {rtol:g} * |expected|; "
        f"{count} of {values.size} values differ).")


def call_cleanly(func, *args, what: str | None = None, section: str | None = None, numpy_only: bool = False,
                 allow_warnings: bool = False, **kwargs):
    """Call ``func`` and return its result, failing if it overflows, divides by zero or warns.

    NumPy's floating-point errors raise inside the call (underflow excepted), and warnings are
    recorded whatever filters the caller set, so a RuntimeWarning is never silently swallowed.
    The call runs where the function lives (the ``strict_call`` probe): a student's function in
    its own kernel, whose error state and warning filters are its own, not the judge's. With
    ``numpy_only``, a call into Keras, TensorFlow, JAX or PyTorch fails the check too. With
    ``allow_warnings``, NumPy's floating-point errors and RuntimeWarnings are let through (a test of
    values alone: those are reported by the student's own process, so a test of its own judges them).
    """
    what = what or f"{getattr(func, '__name__', 'the function')}(...)"
    from ..probe_library import strict_call
    from ..remote import bridge_of, run_probe

    target = getattr(func, "__wrapped__", func)
    if bridge_of(target) is not None:  # the student's function: strict where it runs, in its kernel
        answer = run_probe("strict_call", target, list(args), dict(kwargs), allow_warnings)
    else:
        answer = strict_call(func, list(args), dict(kwargs), allow_warnings)
    if numpy_only and isinstance(answer, dict):  # the notebook's code, as submitted, is a second witness
        from ..remote import frameworks_in_submission

        answer = {**answer, "frameworks": [*(answer.get("frameworks") or []), *frameworks_in_submission(target)]}
    return judge_strict_answer(answer, args, what, section, numpy_only)


def judge_strict_answer(answer, args, what: str, section: str | None = None, numpy_only: bool = False):
    """What ``call_cleanly`` concludes from one ``strict_call`` answer: the result, or a CheckError."""
    if not isinstance(answer, dict):
        raise CheckError(f"{what} could not be checked")
    if answer.get("floating_error"):
        raise CheckError(f"{what} triggers NumPy's {answer['floating_error']} (it would print a RuntimeWarning): "
                         "an intermediate value such as np.exp of a large number grows past the float "
                         "range. Rewrite the formula so that it stays finite for inputs like +-1000."
                         f"{_reread(section)}" if section else
                         f"{what} triggers NumPy's {answer['floating_error']} (it would print a RuntimeWarning): "
                         "an intermediate value such as np.exp of a large number grows past the float "
                         "range. Rewrite the formula so that it stays finite for inputs like +-1000.")
    if answer.get("warnings"):
        raise CheckError(f"{what} emits a RuntimeWarning: {answer['warnings'][0]}. Rewrite the formula so that "
                         "it stays finite for inputs like +-1000."
                         f"{_reread(section)}" if section else
                         f"{what} emits a RuntimeWarning: {answer['warnings'][0]}. Rewrite the formula so that "
                         "it stays finite for inputs like +-1000.")
    # Keras first (what the code called), then the backend it reached: the same message on every backend.
    used = sorted({name for name in answer.get("frameworks") or [] if isinstance(name, str)},
                  key=lambda name: (name != "keras", name))
    if numpy_only and used:
        raise CheckError(f"{what} calls {', '.join(used)}: write it with NumPy operations (np.exp, np.where, "
                         "np.maximum, ...), as the exercise asks."
                         f"{_reread(section)}" if section else
                         f"{what} calls {', '.join(used)}: write it with NumPy operations (np.exp, np.where, "
                         "np.maximum, ...), as the exercise asks.")
    for index, value in answer.get("changed") or []:  # what it did to its inputs, done to ours too
        original = args[index] if type(index) is int and 0 <= index < len(args) else None
        if isinstance(original, np.ndarray) and isinstance(value, np.ndarray) and value.shape == original.shape \
                and original.flags.writeable and value is not original:
            original[...] = value
    return answer.get("result")
