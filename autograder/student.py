"""``check("exercise")``: run one exercise's public tests from inside a notebook.

A student calls it in the cell after an exercise. It prints a pass or, for each failing test,
a message that says what to fix, and raises ``CheckFailed`` when something fails so that the
cell (and an nbgrader test cell that holds it) fails too. The result also carries a JSON bundle
that ``keras-course check`` reads back from the executed notebook.
"""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field
from html import escape

from .exercises import public_tests

RESULT_MIME = "application/vnd.keras-course.check+json"


@dataclass(frozen=True)
class Outcome:
    test: str
    description: str
    passed: bool
    message: str = ""


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def headline(self) -> str:
        n = len(self.outcomes)
        if self.passed:
            return f"{self.exercise}: all {n} public checks passed"
        return f"{self.exercise}: {len(self.failures)} of {n} public checks failed"

    def text(self) -> str:
        lines = [("PASS " if self.passed else "FAIL ") + self.headline()]
        for o in self.outcomes:
            lines.append(f"  [{'ok' if o.passed else 'x '}] {o.description}")
            if o.message:
                lines.append(f"       {o.message}")
        return "\n".join(lines)

    def html(self) -> str:
        color = "#1a7f37" if self.passed else "#cf222e"
        items = "".join(
            f"<li>{'&#10004;' if o.passed else '&#10008;'} {escape(o.description)}"
            + (f"<br><code>{escape(o.message)}</code>" if o.message else "") + "</li>"
            for o in self.outcomes)
        return (f'<div style="border-left:4px solid {color};padding:4px 10px">'
                f'<b style="color:{color}">{escape(self.headline())}</b><ul>{items}</ul></div>')

    def to_dict(self) -> dict:
        return {"exercise": self.exercise, "passed": self.passed,
                "outcomes": [asdict(o) for o in self.outcomes]}


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
    from .checks import seed

    missing = [name for name in test.needs if name not in namespace]
    if missing:
        return Outcome(test.name, test.description, False,
                       f"{missing[0]} is not defined yet: run the cell that defines it, then this check again")
    seed(0)  # the same random start for every student and every run
    try:
        test.func(*(namespace[name] for name in test.needs))
    except NotImplementedError:
        return Outcome(test.name, test.description, False,
                       "not implemented yet: fill in the cells marked YOUR CODE HERE")
    except AssertionError as error:
        return Outcome(test.name, test.description, False, str(error) or "assertion failed")
    except Exception as error:  # the student's code crashed: say how, not where in our code
        return Outcome(test.name, test.description, False, f"{type(error).__name__}: {error}")
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


def run_public_checks(exercise: str, namespace: dict) -> CheckResult:
    """Run the public tests of ``exercise`` against the names in ``namespace``; show nothing."""
    tests = public_tests(exercise)
    needed = _remembering(namespace, {name for test in tests for name in test.needs})
    return CheckResult(exercise, [_run(test, needed) for test in tests])


def check(exercise: str, namespace: dict | None = None) -> None:
    """Run the public tests of ``exercise``, show the result, and raise CheckFailed on a failure.

    ``namespace`` defaults to the caller's globals, which in a notebook are the notebook's own.
    Returns None so that a notebook does not echo the result a second time as ``Out[n]``;
    ``run_public_checks`` gives the result itself.
    """
    if namespace is None:
        namespace = inspect.currentframe().f_back.f_globals
    result = run_public_checks(exercise, namespace)
    _show(result)
    if not result.passed:
        raise CheckFailed(result.headline())
