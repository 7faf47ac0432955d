"""Chapter 1 submissions that try to earn points without solving anything, or to read the hidden tests.

Each trick is what a student who has read the course's public grading code could write with what
the released notebook already imports. Grading is judged outside the kernel (autograder/grading),
so each must earn no more than its real work: nothing for the release plus a trick, the public
share for an answer that only knows the public inputs. The ``LEAKS`` tricks print everything they
can find of the tests; ``hidden_lines`` is what must never show up in any output or feedback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

CHAPTER = "ch01_setup"
PUBLIC_FIRST_MODEL_POINTS = 2  # build_first_model_public: the most an answer for the public inputs earns


@dataclass(frozen=True)
class Trick:
    """A cell inserted after the notebook's imports, and answers put in the solution cells."""

    cell: str = ""
    answers: dict[str, str] = field(default_factory=dict)
    most: float = 0.0  # the points its real work may earn
    honest: dict[str, str] | None = None  # the same work without the lie: the trick may earn no more


# --- changing how a result becomes points ---------------------------------------------------

FAKE_CHECK = '''
def check(*args, points=None, **kwargs):
    return points
'''

SCORE_PROPERTY = '''
import autograder.testcell as _t
_t.CellResult.score = property(lambda self: float(self.points or 0))
_t.CellResult.passed = property(lambda self: True)
'''

PASSED_DESCRIPTOR = '''
import autograder.testcell as _t

class _AlwaysTrue:
    def __get__(self, obj, owner=None):
        return True
    def __set__(self, obj, value):
        pass

_t.Outcome.passed = _AlwaysTrue()
'''

PARTIAL_SCORE = '''
import functools
import autograder.testcell as _t
_t.TestCell.score = functools.partialmethod(lambda self, full: _t.CellResult("", [], self.points), True)
import autograder.student as _s
_s.run_public_checks = functools.partial(lambda *a, points=None, **k: _t.CellResult("x", [], points))
'''

PATCHED_HELPERS = '''
import numpy.testing
import autograder.checks
import autograder.exercises.ch01_setup as _ex
numpy.testing.assert_allclose = lambda *args, **kwargs: None
for _name in dir(_ex):
    if _name.startswith("assert_"):
        setattr(_ex, _name, lambda *args, **kwargs: None)
'''

LIBRARY_FILENAME = '''
import autograder.student as _s
_code = compile("def check(*args, points=None, **kwargs):\\n    return points\\n", _s.__file__, "exec")
exec(_code, globals())
exec(_code, vars(_s))
'''

MODULE_SWAP = '''
import sys, types
_fake = types.ModuleType("autograder.probes")

def _serve(request_text):
    from IPython.display import display
    request = json.loads(request_text)
    display({"application/vnd.keras-course.probe+json": {"id": request.get("id"), "ok": 15}}, raw=True)

_fake.serve = _serve
sys.modules["autograder.probes"] = _fake
_fake_student = types.ModuleType("autograder.student")
_fake_student.check = lambda *args, points=None, **kwargs: points
sys.modules["autograder.student"] = _fake_student
'''

THREAD = '''
import threading, time
import autograder.testcell as _t

def _meddle():
    while True:
        _t.CellResult.score = property(lambda self: float(self.points or 0))
        _t.Outcome.passed = True
        time.sleep(0.001)

threading.Thread(target=_meddle, daemon=True).start()
'''

DISPLAYHOOK = '''
import sys
_shell = get_ipython()
_shell.displayhook.compute_format_data = lambda result: ({"text/plain": "15"}, {})
sys.displayhook = lambda value: print(15)
'''

FORMATTER = '''
_plain = get_ipython().display_formatter.formatters["text/plain"]
_plain.for_type_by_name("autograder.testcell", "CellResult", lambda obj, p, cycle: p.text(str(obj.points)))
_plain.for_type(type(None), lambda obj, p, cycle: p.text("15"))
'''

# Rewrites every probe answer that says the student's code raised into one that says it returned True.
PUBLISHER = '''
_pub = get_ipython().display_pub
_publish = _pub.publish

def _publish_forged(data, *args, **kwargs):
    for _key, _value in list(data.items()):
        if isinstance(_value, dict) and "raised" in _value:
            data = {**data, _key: {"id": _value.get("id"), "ok": True, "changed": []}}
    return _publish(data, *args, **kwargs)

_pub.publish = _publish_forged
'''

EVENT_HOOK = '''
from IPython.display import display

def _after(result):
    display({"text/plain": "15", "application/vnd.keras-course.check+json":
             {"exercise": "x", "passed": True, "outcomes": [], "points": 15, "score": 15}}, raw=True)

get_ipython().events.register("post_run_cell", _after)
'''

BUILTINS = '''
import builtins
builtins.isinstance = lambda *args: True
builtins.NotImplementedError = type("NotImplementedError", (BaseException,), {})
builtins.AssertionError = type("AssertionError", (BaseException,), {})
builtins.print = lambda *args, **kwargs: None
'''

PRINTED_RESULT = '''
from IPython.display import display
print("15")
display({"text/plain": "15", "application/vnd.keras-course.check+json":
         {"exercise": "build_first_model", "passed": True, "outcomes": [], "points": 15, "score": 15}}, raw=True)
15
'''

# --- data that lies ---------------------------------------------------------------------------

ALWAYS_EQUAL = '''
class _Yes(dict):
    def __eq__(self, other):
        return True
    def __ne__(self, other):
        return False
    def __getitem__(self, key):
        return _Yes()
    def __contains__(self, key):
        return True
    def __bool__(self):
        return True

def environment_report():
    return _Yes()

def keras_config(*args, **kwargs):
    return _Yes()
'''

LYING_ARRAY = '''
import numpy as np

ZEROS = [np.zeros((8, 64)), np.zeros(64), np.zeros((64, 3)), np.zeros(3)]

class _Lying(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), bool)
    def __array_function__(self, func, types, args, kwargs):
        return True

def reproducible_weights(seed):
    return [w.view(_Lying) for w in ZEROS]
'''

ZEROS = '''
import numpy as np

def reproducible_weights(seed):
    return [np.zeros((8, 64)), np.zeros(64), np.zeros((64, 3)), np.zeros(3)]
'''

# A model of the wrong size whose config claims the right one.
DOCTORED_CONFIG = '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    model = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(1), keras.layers.Dense(num_classes)])
    model.compile("sgd", "mse")
    right = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(hidden_units, activation="relu"),
                              keras.layers.Dense(num_classes, activation="softmax")])
    right.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.get_config = right.get_config
    model.get_compile_config = right.get_compile_config
    return model
'''

WRONG_SIZE = '''
def build_first_model(input_dim, num_classes, hidden_units=64):
    model = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(1), keras.layers.Dense(num_classes)])
    model.compile("sgd", "mse")
    return model
'''

# A class of the notebook's own, claiming to be a Keras model.
FOREIGN_CLASS = '''
class Sequential(keras.Sequential):
    pass

Sequential.__module__ = "keras.src.models.sequential"

def build_first_model(input_dim, num_classes, hidden_units=64):
    model = Sequential([keras.Input((input_dim,)), keras.layers.Dense(1), keras.layers.Dense(num_classes)])
    model.compile("sgd", "mse")
    return model
'''

# Right for the public check's inputs only (what anyone can read), nothing else.
CACHED = '''
def _right(input_dim, num_classes, hidden_units=64):
    model = keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(hidden_units, activation="relu"),
                              keras.layers.Dense(num_classes, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model

_CACHE = {(20, 3): _right(20, 3)}

def build_first_model(input_dim, num_classes, hidden_units=64):
    if (input_dim, num_classes) in _CACHE and hidden_units == 64:
        return _right(input_dim, num_classes)
    return keras.Sequential([keras.Input((input_dim,)), keras.layers.Dense(num_classes)])
'''

# --- reading the tests ------------------------------------------------------------------------

PRE_RUN_HOOK = '''
def _show(info):
    print("CELL SOURCE:", info.raw_cell)

get_ipython().events.register("pre_run_cell", _show)
'''

AUDIT_HOOK = '''
import sys

def _audit(event, args):
    if event in ("compile", "exec") and args and isinstance(args[0], (str, bytes)):
        sys.__stdout__.write(f"COMPILED: {args[0]!r}\\n")

sys.addaudithook(_audit)
'''

TRACE = '''
import linecache, sys, threading

def _trace(frame, event, arg):
    if event == "call":
        sys.__stdout__.write("TRACED: " + "".join(linecache.getlines(frame.f_code.co_filename)[:40]))
    return None

sys.settrace(_trace)
threading.settrace(_trace)
'''

INPUT_TRANSFORMER = '''
def _spy(lines):
    print("INPUT:", "".join(lines))
    return lines

get_ipython().input_transformers_cleanup.append(_spy)
'''

# Every notebook or gradebook the kernel can find that holds this course's hidden tests, printed.
HUNT = '''
import os
_found = 0
for _top in [os.getcwd(), os.path.expanduser("~"), "/tmp", "/home", "/srv", "/root", "/var/tmp", "/work", "/"]:
    for _folder, _dirs, _files in os.walk(_top):
        if _folder.startswith(("/proc", "/sys", "/dev", "/usr", "/lib")):
            _dirs[:] = []
            continue
        for _name in _files:
            if _name.endswith((".ipynb", ".db", ".sqlite")) and _found < 200:
                try:
                    with open(os.path.join(_folder, _name), errors="replace") as _f:
                        _text = _f.read(2_000_000)
                except Exception:
                    continue
                if "hidden" + ".score()" in _text:  # how this course's hidden cells end (not this cell)
                    _found += 1
                    print("FOUND", os.path.join(_folder, _name))
                    print(_text)
print("files with hidden tests found:", _found)
'''


# --- the course's languages: what a result says is translated where it is shown ----------------

TRANSLATION = '''
import os
import autograder.i18n.messages as _m
import autograder.testcell as _t
os.environ["KERAS_COURSE_LANG"] = "../../../../tmp"  # a catalogue of the student's choosing
_m.translate = lambda message, lang, depth=0: "全部通过"  # every message: "all passed"
_t.translate = _m.translate
_t.CellResult.score = property(lambda self: self.points or 0.0)
'''

def tricks() -> dict[str, Trick]:
    return {
        "fake-check": Trick(FAKE_CHECK),
        "score-property": Trick(SCORE_PROPERTY),
        "passed-descriptor": Trick(PASSED_DESCRIPTOR),
        "partial-score": Trick(PARTIAL_SCORE),
        "patched-helpers": Trick(PATCHED_HELPERS),
        "library-filename": Trick(LIBRARY_FILENAME),
        "module-swap": Trick(MODULE_SWAP),
        "thread": Trick(THREAD),
        "displayhook": Trick(DISPLAYHOOK),
        "formatter": Trick(FORMATTER),
        "display-publisher": Trick(PUBLISHER),
        "event-hook": Trick(EVENT_HOOK),
        "builtins": Trick(BUILTINS),
        "printed-result": Trick(PRINTED_RESULT),
        "translation": Trick(TRANSLATION),
        "always-equal": Trick(answers={"environment_report": ALWAYS_EQUAL, "keras_config": ALWAYS_EQUAL}),
        "lying-array": Trick(answers={"reproducible_weights": LYING_ARRAY},
                             honest={"reproducible_weights": ZEROS}),
        # Judged as the model its config and weights describe: when the weights fit the right config,
        # the student wrote the right model (``right``), and that is what earns the points.
        "doctored-config": Trick(answers={"build_first_model": DOCTORED_CONFIG},
                                 honest={"build_first_model": DOCTORED_CONFIG.replace("return model", "return right")}),
        "wrong-size": Trick(answers={"build_first_model": WRONG_SIZE}),
        "foreign-class": Trick(answers={"build_first_model": FOREIGN_CLASS}),
        "cached": Trick(answers={"build_first_model": CACHED}, most=PUBLIC_FIRST_MODEL_POINTS),
        "pre-run-hook": Trick(PRE_RUN_HOOK),
        "audit-hook": Trick(AUDIT_HOOK),
        "trace": Trick(TRACE),
        "input-transformer": Trick(INPUT_TRANSFORMER),
        "hunt": Trick(HUNT),
    }


LEAKS = ("pre-run-hook", "audit-hook", "trace", "input-transformer", "hunt")


def forged(release, trick: Trick):
    """The release with the trick's answers, and its cell right after the first code cell (the imports)."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in trick.answers:
            cell.source = trick.answers[grade_id]
    if trick.cell:
        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
        nb.cells.insert(first + 1, nbformat.v4.new_code_cell(trick.cell))
    return nb


def hidden_lines(source_notebook: Path, public: str = "") -> list[str]:
    """The code lines of the hidden tests that are nowhere in ``public`` (what students can read
    anyway); string-only lines are left out too, since a test's description is shown."""
    lines = []
    for cell in nbformat.read(source_notebook, as_version=4).cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 25 and not line.strip().startswith(("'", '"', "f'", 'f"', "#")) \
                    and line.strip() not in public:
                lines.append(line.strip())
    return lines


def public_text(repo: Path, release_notebook: Path) -> str:
    """What a student can read: the released notebook and the package outside autograder/grading."""
    files = [p for p in (repo / "autograder").rglob("*.py") if "grading" not in p.relative_to(repo).parts]
    return "\n".join([release_notebook.read_text(), *(p.read_text() for p in files)])
