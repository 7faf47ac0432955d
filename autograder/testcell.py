"""Graded test cells that earn partial credit: each test is worth its share of the cell's points.

nbgrader gives a graded cell all its points when it runs without error, none when it raises or
writes to stderr, and ``N`` points when its last output is the number ``N``. A cell written with
``TestCell`` runs its tests one by one, never raises, and ends with that number, so a slip in
one test costs that test's share and not the whole cell::

    ### BEGIN HIDDEN TESTS
    from autograder.testcell import TestCell

    hidden = TestCell(points=4)
    for shape in [(28, 28, 1), (40, 36, 3)]:
        with hidden.test(f"build_lenet5(input_shape={shape})"):
            assert_matches_spec(build_lenet5(input_shape=shape), spec, shape)
    with hidden.test("rejects depth 12", weight=2):   # worth twice as much as the others
        ...
    hidden.score()          # the last line: shows each test's outcome and gives nbgrader the score
    ### END HIDDEN TESTS

Public cells do the same through ``check("lenet5", points=2)`` (see student.py).

Each test runs isolated from the notebook's state and noise: the same random seed and Keras'
default settings whatever the student's cells changed, and warnings, logging and stderr
swallowed, because nbgrader scores a cell 0 for any stderr output, a Keras warning included.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import warnings
from dataclasses import asdict, dataclass, field
from html import escape

from .i18n.messages import N_, current_language, translate
from .remote import begin_test


RESULT_MIME = "application/vnd.keras-course.check+json"

# What a bare error means to a student when it comes without a message of its own.
NOT_DONE = N_("not implemented yet: fill in the cells marked YOUR CODE HERE")


@dataclass(frozen=True)
class Outcome:
    """One test of a graded cell: what it checks, whether it passed, why not, and its share."""

    test: str
    description: str
    passed: bool
    message: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class CellResult:
    """The outcomes of one cell's tests, and (for a graded cell) the points they earn.

    In a notebook it shows as a table; to nbgrader its plain-text form is the score alone.
    """

    exercise: str
    outcomes: list[Outcome] = field(default_factory=list)
    points: float | None = None  # None: an ungraded check(), which raises instead of scoring
    lang: str = field(default_factory=current_language)  # what text() and html() speak; to_dict stays English

    @property
    def passed(self) -> bool:
        return bool(self.outcomes) and all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    @property
    def score(self) -> float:
        """The points earned: the passing share of the weights, rounded down to 1/100 point."""
        total = sum(o.weight for o in self.outcomes)
        if not self.points or total <= 0:
            return 0.0
        earned = sum(o.weight for o in self.outcomes if o.passed) / total * self.points
        return min(float(self.points), int(earned * 100 + 1e-6) / 100)

    def outcome_points(self, outcome: Outcome) -> float:
        total = sum(o.weight for o in self.outcomes)
        return round(outcome.weight / total * self.points, 2) if self.points and total else 0.0

    def _(self, message: str) -> str:
        return translate(message, self.lang)

    def headline(self) -> str:
        n = len(self.outcomes)
        kind = self._(N_("public checks") if self.exercise else N_("tests"))  # check() names its exercise
        what = f"{self.exercise}: " if self.exercise else ""
        if not self.outcomes:
            text = what + self._(N_("no tests ran"))
        elif self.passed:
            text = what + self._(N_(f"all {n} {kind} passed"))
        else:
            failed = len(self.failures)
            text = what + self._(N_(f"{failed} of {n} {kind} failed"))
        if self.points is not None:
            score, points = f"{self.score:g}", f"{self.points:g}"
            text += " " + self._(N_(f"({score} of {points} points)"))
        return text

    def text(self) -> str:
        lines = [("PASS " if self.passed else "FAIL ") + self.headline()]
        for o in self.outcomes:
            lines.append(f"  [{'ok' if o.passed else 'x '}] {self._(o.description)}{self._worth(o)}")
            if o.message:
                lines.append(f"       {self._(o.message)}")
        return "\n".join(lines)

    def html(self) -> str:
        color = "#1a7f37" if self.passed else "#cf222e"
        items = "".join(
            f"<li>{'&#10004;' if o.passed else '&#10008;'} {escape(self._(o.description))}{escape(self._worth(o))}"
            + (f"<br><code>{escape(self._(o.message))}</code>" if o.message else "") + "</li>"
            for o in self.outcomes)
        return (f'<div style="border-left:4px solid {color};padding:4px 10px">'
                f'<b style="color:{color}">{escape(self.headline())}</b><ul>{items}</ul></div>')

    def _worth(self, outcome: Outcome) -> str:
        if self.points is None or len(self.outcomes) < 2:
            return ""
        points = f"{self.outcome_points(outcome):g}"
        return " " + self._(N_(f"({points} pt)"))

    def to_dict(self) -> dict:
        data = {"exercise": self.exercise, "passed": self.passed,
                "outcomes": [asdict(o) for o in self.outcomes]}
        if self.points is not None:
            data.update(points=self.points, score=self.score)
        return data

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # nbgrader reads text/plain of a graded cell's result as its score; people see the HTML.
        plain = f"{self.score:g}" if self.points is not None else self.text()
        return {"text/plain": plain, "text/html": self.html(), RESULT_MIME: self.to_dict()}


def is_test_cell(cell) -> bool:
    """A graded cell that is not the student's answer: its source is the instructor's tests."""
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(nbgrader.get("grade")) and not nbgrader.get("solution")


def explain_failure(error: BaseException) -> str:
    """The message a student reads for a failed test: the check's own words, or what crashed."""
    if isinstance(error, NotImplementedError) and not str(error):
        return NOT_DONE
    if isinstance(error, AssertionError):
        return str(error) or N_("assertion failed")
    if isinstance(error, NameError):
        return N_(f"{error}: run the cell that defines it (and keep the name the exercise asks for)")
    if isinstance(error, SystemExit) or type(error).__name__ == "SystemExit":
        return N_("the code called sys.exit(); return a value or raise an error instead")
    return f"{type(error).__name__}: {error}"


KERAS_DEFAULTS = {"floatx": "float32", "image_data_format": "channels_last", "epsilon": 1e-07,
                  "dtype_policy": "float32"}


def keras_settings() -> dict:
    """Keras' global settings that change what a model computes, by name.

    The dtype policy is one of them: new layers follow it, and ``set_floatx`` no longer changes
    it once a layer has been made (Keras creates the policy from floatx the first time).
    """
    import keras

    values = {name: getattr(keras.config, name)() for name in KERAS_DEFAULTS if name != "dtype_policy"}
    return {**values, "dtype_policy": keras.config.dtype_policy().name}


def apply_keras_settings(settings: dict) -> None:
    """Set the settings ``keras_settings`` gives (unknown names and bad values are left alone)."""
    import keras

    current = keras_settings()
    for name, value in settings.items():
        if name in KERAS_DEFAULTS and current.get(name) != value:
            try:
                getattr(keras.config, f"set_{name}")(value)
            except (ValueError, TypeError):
                continue


@contextlib.contextmanager
def keras_defaults(seed: int = 0):
    """Keras' default settings and a fixed seed for the block; the notebook's own come back after."""
    import keras

    saved = keras_settings()
    try:
        apply_keras_settings(KERAS_DEFAULTS)
        keras.utils.set_random_seed(seed)
        yield
    finally:
        apply_keras_settings(saved)


@contextlib.contextmanager
def no_output():
    """Swallow everything a test might print: warnings, logging, and stdout/stderr at every level.

    The file descriptors are redirected too, since TensorFlow's C++ code writes to fd 2 and
    ipykernel forwards what it finds there into the cell as stderr.
    """
    sink = io.StringIO()
    with contextlib.ExitStack() as stack:
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore")
        previous_disable = logging.root.manager.disable
        logging.disable(logging.CRITICAL)
        stack.callback(logging.disable, previous_disable)
        stack.enter_context(_fd_to_devnull(2))
        stack.enter_context(contextlib.redirect_stdout(sink))
        stack.enter_context(contextlib.redirect_stderr(sink))
        yield sink


@contextlib.contextmanager
def _fd_to_devnull(fd: int):
    try:
        sys.stderr.flush()
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):  # no such descriptor (some embedded shells)
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


class _Test:
    """``with cell.test(...)``: run the block as one test and record how it went."""

    def __init__(self, cell: TestCell, description: str, weight: float):
        self.cell, self.description, self.weight = cell, description, weight

    def __enter__(self):
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(no_output())
        self._stack.enter_context(keras_defaults())
        begin_test(0)  # the student's kernel starts each test from the same seed too
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        self._stack.close()
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            return False  # an interrupt (the grader's time limit) stops the cell as usual
        passed = kind is None
        self.cell.record(Outcome(f"test {len(self.cell.outcomes) + 1}", self.description, passed,
                                 "" if passed else explain_failure(error), self.weight))
        return True  # a failed test costs its share, never the rest of the cell


class TestCell:
    """The tests of one graded cell, worth ``points`` together (see the module docstring)."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, points: float, exercise: str = ""):
        if not points or points <= 0:
            raise ValueError(f"a graded cell is worth a positive number of points, got {points!r}")
        self.points, self.exercise = points, exercise
        self.outcomes: list[Outcome] = []

    def test(self, description: str, weight: float = 1.0) -> _Test:
        if weight <= 0:
            raise ValueError(f"a test's weight must be positive, got {weight!r}")
        return _Test(self, description, weight)

    def record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def score(self) -> CellResult:
        """The cell's result; as a cell's last line it shows the table and gives nbgrader the score."""
        return CellResult(self.exercise, list(self.outcomes), self.points)
