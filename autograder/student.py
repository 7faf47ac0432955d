"""``check("exercise")``: run one exercise's public tests from inside a notebook.

A student calls it in the cell after an exercise. It shows a pass or, for each failing test,
a message that says what to fix. Called plainly, it raises ``CheckFailed`` when something fails;
as ``check("vgg", points=3)``, the last line of a graded cell, it returns the result instead,
which nbgrader reads as the points earned, one share per passing test (see testcell.py). The
result also carries a JSON bundle that ``keras-course check`` reads back from the notebook.

The tests reach the student's functions the way the grader's judge does: through a bridge
(remote.py), which turns what the functions return into plain data and back. In a notebook the
bridge is local, so a student's check and the grader run the same tests on the same values;
when a notebook is graded, the judge runs them in its own process against the kernel.
"""

from __future__ import annotations

import inspect

from .exercises import public_tests
from .remote import Bridge, LocalBridge, begin_test
from .testcell import RESULT_MIME, CellResult, Outcome, explain_failure, keras_defaults, no_output

# Kept under its old name: results read back by `keras-course check` and older notebooks.
CheckResult = CellResult

__all__ = ["RESULT_MIME", "CheckFailed", "CheckResult", "Outcome", "check", "deadlines", "run_public_checks"]


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
        self.__wrapped__ = func  # checks that must run the student's function themselves find it here
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

    def call_without_weights(self, *args, **kwargs):
        return self.func.call_without_weights(*args, **kwargs)


def _remembering(value):
    from .remote import RemoteClass, RemoteFunction

    return _Remembered(value) if isinstance(value, RemoteFunction) and not isinstance(value, RemoteClass) else value


def _run(test, found: dict) -> Outcome:
    missing = [name for name in test.needs if name not in found]
    if missing:
        return Outcome(test.name, test.description, False,
                       f"{missing[0]} is not defined yet: run the cell that defines it, then this check again")
    try:
        with no_output(), keras_defaults():  # the same start for every student; no warning costs points
            begin_test(0)
            test.func(*(found[name] for name in test.needs))
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


def run_public_checks(exercise: str, bridge: Bridge | dict, points: float | None = None) -> CellResult:
    """Run the public tests of ``exercise`` against the student's names behind ``bridge`` (or in a
    namespace dict, through a local bridge); show nothing."""
    if isinstance(bridge, dict):
        bridge = LocalBridge(bridge)
    tests = public_tests(exercise)
    found = {}
    with no_output():
        for name in dict.fromkeys(name for test in tests for name in test.needs):
            try:
                found[name] = _remembering(bridge.lookup(name))
            except NameError:
                pass
    try:
        return CellResult(exercise, [_run(test, found) for test in tests], points)
    finally:
        with no_output():
            bridge.forget()


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
    return _report(run_public_checks(exercise, LocalBridge(namespace), points), points)


def _report(result: CellResult, points: float | None):
    if points is not None:
        return result
    _show(result)
    if not result.passed:
        raise CheckFailed(result.headline())
    return None


def check_through(bridge: Bridge):
    """``check`` for test cells that the judge runs: the student's names are behind ``bridge``."""

    def check(exercise: str, namespace: dict | None = None, points: float | None = None):
        return _report(run_public_checks(exercise, bridge, points), points)

    return check


def deadlines(tz=None, student: str | None = None) -> None:
    """Print every chapter's due date in your time zone, your extensions, days late and late days left.

    ``tz``: an IANA name such as ``"Asia/Shanghai"`` (default: the TZ environment variable, else this
    machine's zone). On the course's hub the dates are yours, as grading and extensions left them
    (deadlines.py writes them to the exchange); elsewhere they are the course's own dates. The table
    speaks your language, as ``check()`` does (a Chinese notebook's, else KERAS_COURSE_LANG).
    """
    from .deadlines import show_deadlines

    print(show_deadlines(tz, student))
