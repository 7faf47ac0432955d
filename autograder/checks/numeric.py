"""Numeric closeness with a message that says where and by how much."""

from __future__ import annotations

import numpy as np

from .errors import CheckError


def assert_close(actual, expected, rtol: float = 1e-5, atol: float = 1e-8, what: str = "the value") -> None:
    if actual is None:  # np.asarray(None, dtype=float) is a silent NaN of shape ()
        raise CheckError(f"{what} should be numeric, found None: did the function forget to `return` it?")
    try:
        actual = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckError(f"{what} should be numeric, found {type(actual).__name__}") from None
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise CheckError(f"{what} has shape {actual.shape}, expected {expected.shape}")
    if np.isnan(actual).any() and not np.isnan(expected).any():
        raise CheckError(f"{what} contains NaN")
    close = np.isclose(actual, expected, rtol=rtol, atol=atol)
    if close.all():
        return
    diff = np.abs(actual - expected)
    # The largest difference among the values that are off; a NaN there counts as the largest
    # (nanargmax would skip it and point at a value that matches).
    off = np.where(close, -1.0, np.nan_to_num(diff, nan=np.inf))
    worst = np.unravel_index(np.argmax(off), diff.shape) if diff.ndim else ()
    at = f" at index {tuple(int(i) for i in worst)}" if worst else ""
    raise CheckError(
        f"{what} differs from the expected value{at}: found {actual[worst]:.6g}, expected "
        f"{expected[worst]:.6g} ({int((~close).sum())} of {close.size} values off; "
        f"tolerance rtol={rtol:g}, atol={atol:g})")
