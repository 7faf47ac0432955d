"""``check("exercise")``: run one exercise's public tests from inside a notebook.

A student calls it in the cell after an exercise. It shows a pass or, for each failing test,
a message that says what to fix. Called plainly, it raises ``CheckFailed`` when something fails;
as ``check("vgg", points=3)``, the last line of a graded cell, it returns the result instead,
which nbgrader reads as the points earned, one share per passing test (see testcell.py). The
result also carries a JSON bundle that ``keras-course check`` reads back from the notebook.
"""

from __future__ import annotations

import inspect

from .exercises import public_tests
from .integrity import mark_if_replaced
from .testcell import RESULT_MIME, CellResult, Outcome, explain_failure, keras_defaults, no_output

# Kept under its old name: results read back by `keras-course check` and older notebooks.
CheckResult = CellResult

__all__ = ["RESULT_MIME", "CheckFailed", "CheckResult", "Outcome", "check", "run_public_checks"]


class CheckFailed(AssertionError):
    """Raised when a check fails. IPython shows only this one line, not a long traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"CheckFailed: {self}"]


class _Remembered:
    """A student's function that returns the same result for the same simple arguments.

    Within one check() several tests often build the same model (VGG16 takes seconds to
    build); remembering it makes a check faster without changing what it tests.
    """

    def __init__(self, func):
        self.func = func
        self.results: dict = {}

    def __call__(self, *args, **kwargs):
        try:
            key = (args, tuple(sorted(kwargs.items())))
            hash(key)
        except TypeError:  # tensors and other unhashable arguments: just call
            return self.func(*args, **kwargs)
        if key not in self.results:
            self.results[key] = self.func(*args, **kwargs)
        return self.results[key]


def _remembering(namespace: dict, names) -> dict:
    return {name: _Remembered(namespace[name]) if inspect.isfunction(namespace.get(name)) else namespace[name]
            for name in names if name in namespace}


def _run(test, namespace: dict) -> Outcome:
    missing = [name for name in test.needs if name not in namespace]
    if missing:
        return Outcome(test.name, test.description, False,
                       f"{missing[0]} is not defined yet: run the cell that defines it, then this check again")
    try:
        with no_output(), keras_defaults():  # the same start for every student; no warning costs points
            test.func(*(namespace[name] for name in test.needs))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # the student's code failed or crashed: say how, not where in ours
        return Outcome(test.name, test.description, False, explain_failure(error))
    return Outcome(test.name, test.description, True)


def _show(result: CheckResult) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:
        get_ipython = None
    if get_ipython is not None and get_ipython() is not None:
        display({"text/plain": result.text(), "text/html": result.html(),
                 RESULT_MIME: result.to_dict()}, raw=True)
    else:
        print(result.text())


def run_public_checks(exercise: str, namespace: dict, points: float | None = None) -> CellResult:
    """Run the public tests of ``exercise`` against the names in ``namespace``; show nothing."""
    tests = public_tests(exercise)
    needed = _remembering(namespace, {name for test in tests for name in test.needs})
    return CellResult(exercise, [_run(test, needed) for test in tests], points)


def check(exercise: str, namespace: dict | None = None, points: float | None = None):
    """Run the public tests of ``exercise`` and show the result.

    Without ``points`` (a student checking their work anywhere): raise CheckFailed on a failure,
    and return None so that a notebook does not echo the result a second time as ``Out[n]``.
    With ``points`` (the last line of a graded cell): return the result, which shows as a table
    and tells nbgrader the points earned, one share per passing test; never raise.
    ``namespace`` defaults to the caller's globals, which in a notebook are the notebook's own.
    """
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    result = run_public_checks(exercise, namespace, points)
    if points is not None:
        mark_if_replaced(result.outcomes, namespace)  # see integrity.py
        return result
    _show(result)
    if not result.passed:
        raise CheckFailed(result.headline())
    return None
