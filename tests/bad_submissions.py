"""Submissions of chapter 5 for grading tests: well-behaved ones and a corpus of bad ones.

Each is built from the chapter's release (or its source) when a test needs it, so the corpus
follows the notebook as it changes. ``BAD`` maps a student id to what the grader must say about
it: a phrase of the summary's reason, and the most points it may earn.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from autograder.course import load_course

CHAPTER = "ch05_cnn"
# from course/course.toml: a new exercise in the chapter needs no edit here
CHAPTER_POINTS = load_course(Path(__file__).resolve().parent.parent / "course").chapter(CHAPTER).points


def graded_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def with_answers(nb, answers: dict[str, str]):
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in nb.cells:
        if graded_id(cell) in answers:
            cell.source = answers[graded_id(cell)]
    return nb


def variants(chapter: str = CHAPTER):
    return importlib.import_module(f"{chapter.split('_')[0]}_variants")


def partly_correct(release, chapter: str = CHAPTER):
    """Right LeNet, AlexNet and vgg_block (written differently), the first wrong answer of each other
    exercise that has one, and the rest as released."""
    module = variants(chapter)
    answers = {k: v for k, v in module.WRITTEN_DIFFERENTLY.items() if k in ("build_lenet5", "build_alexnet",
                                                                              "vgg_block")}
    for cell_id, source, *_ in getattr(module, "WRONG", []):
        answers.setdefault(cell_id, source)
    return with_answers(release, answers)


def well_behaved(source_nb: Path, release_nb: Path, chapter: str = CHAPTER) -> dict[str, object]:
    """student id -> notebook: the solution, the release as is, and a partly correct answer."""
    release = nbformat.read(release_nb, as_version=4)
    return {"solution": nbformat.read(source_nb, as_version=4), "as-released": release,
            "partly-correct": partly_correct(release, chapter)}


# --- the bad ones ---------------------------------------------------------------------------

def _answer(cell_id: str, source: str):
    return lambda release: with_answers(release, {cell_id: source})


def _edit(change):
    def build(release):
        nb = nbformat.from_dict(json.loads(json.dumps(release)))
        change(nb)
        return nb
    return build


def _cells(nb, *ids):
    return [next(c for c in nb.cells if graded_id(c) == i) for i in ids]


def _delete(nb):
    nb.cells = [c for c in nb.cells if graded_id(c) not in ("lenet5_hidden", "vgg_public")]


def _reorder(nb):
    first, second = _cells(nb, "build_lenet5", "vgg_block")
    i, j = nb.cells.index(first), nb.cells.index(second)
    nb.cells[i], nb.cells[j] = second, first


def _duplicate(nb):
    (cell,) = _cells(nb, "lenet5_public")
    nb.cells.insert(nb.cells.index(cell), nbformat.from_dict(json.loads(json.dumps(cell))))


def _edit_tests(nb):
    public, hidden = _cells(nb, "lenet5_public", "vgg_public")
    public.source = "print('all tests passed')"
    hidden.metadata.nbgrader["points"] = 100


def _wrong_kernel(nb):
    nb.metadata["kernelspec"] = {"name": "python2", "display_name": "Python 2", "language": "python"}


SNOOP = '''
import glob, os
for _pattern in %r:
    for _path in glob.glob(_pattern) or [_pattern]:
        try:
            with open(_path, "rb") as _f:
                _f.read(1)
            print("READ", _path)
        except Exception as _error:
            print("DENIED", _path, type(_error).__name__)
'''

NETWORK = '''
import socket
for _host in [("1.1.1.1", 53), ("127.0.0.1", 22), ("pypi.org", 443)]:
    try:
        socket.create_connection(_host, timeout=3).close()
        print("CONNECTED", _host)
    except Exception as _error:
        print("NO NETWORK", _host, type(_error).__name__)
'''

FORK_BOMB = '''
import os, time
for _ in range(100000):
    if os.fork() == 0:
        time.sleep(300)
        os._exit(0)
'''

FAKE_CHECK = '''
def check(*args, points=None, **kwargs):
    return points
'''

FAKE_HELPERS = '''
import numpy.testing
import autograder.checks
autograder.checks.assert_matches_spec = lambda *args, **kwargs: None
numpy.testing.assert_allclose = lambda *args, **kwargs: None
'''

# A kernel forked by the slot's fork server (autograder/grading/kernel_forkserver.py) tries to reach it.
ATTACK_FORK_SERVER = '''
import os, signal
_server = os.getppid()
try:
    with open(f"/proc/{_server}/mem", "rb") as _f:
        print("MEMORY READ", len(_f.read(1)))
except Exception as _error:
    print("MEMORY DENIED", type(_error).__name__)
os.kill(_server, signal.%s)
'''


@dataclass(frozen=True)
class Bad:
    build: object  # release notebook -> notebook, or None for a file that is not one
    reason: str  # a phrase the summary's reason must hold ("" for none required)
    most: float = 0.0  # the most points it may earn
    filename: str = f"{CHAPTER}.ipynb"


def bad_corpus(snoop_paths: list[str]) -> dict[str, Bad]:
    return {
        "invalid-json": Bad(None, "not a valid notebook"),
        "cells-deleted": Bad(_edit(_delete), "cells deleted"),
        "cells-reordered": Bad(_edit(_reorder), "reordered"),
        "cells-duplicated": Bad(_edit(_duplicate), "duplicated"),
        "tests-edited": Bad(_edit(_edit_tests), "test cells edited"),
        "renamed": Bad(lambda r: r, "graded as ch05_cnn.ipynb", filename="my_ch05 (copy).ipynb"),
        "wrong-kernel": Bad(_edit(_wrong_kernel), "replaced by the assignment's own"),
        "infinite-loop": Bad(_answer("build_lenet5", "while True:\n    pass\n"), "ran out of time"),
        "memory-bomb": Bad(_answer("build_lenet5", "_x = []\nwhile True:\n    _x.append(bytearray(100 * 2**20))\n"),
                           "memory limit"),
        "fork-bomb": Bad(_answer("build_lenet5", FORK_BOMB), "process limit"),
        "sys-exit": Bad(_answer("build_lenet5", "import sys\nsys.exit(3)\n"), "sys.exit()"),
        "os-exit": Bad(_answer("build_lenet5", "import os\nos._exit(3)\n"), "the kernel died in cell"),
        "crash": Bad(_answer("build_lenet5", "import ctypes\nctypes.string_at(0)\n"), "the kernel died in cell"),
        "huge-output": Bad(_answer("build_lenet5", "for _ in range(40):\n    print('x' * 2**20)\n"), "output of cell"),
        "reads-outside": Bad(_answer("build_lenet5", SNOOP % (snoop_paths,)), ""),
        "network": Bad(_answer("build_lenet5", NETWORK), ""),
        "fake-check": Bad(_answer("build_lenet5", FAKE_CHECK), ""),  # the judge has its own check
        "fake-helpers": Bad(_answer("build_lenet5", FAKE_HELPERS), ""),
        "kills-fork-server": Bad(_answer("build_lenet5", ATTACK_FORK_SERVER % "SIGKILL"), ""),
        "stops-fork-server": Bad(_answer("build_lenet5", ATTACK_FORK_SERVER % "SIGSTOP"), ""),
    }


def write_submission(course_root: Path, student: str, nb, filename: str = f"{CHAPTER}.ipynb",
                     timestamp: str = "2027-02-10 12:00:00.000000 UTC", chapter: str = CHAPTER) -> Path:
    folder = course_root / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.ipynb"):
        old.unlink()
    if nb is None:
        (folder / filename).write_text('{"cells": [ this is not json')
    else:
        nbformat.write(nb, folder / filename)
    (folder / "timestamp.txt").write_text(timestamp)
    return folder


def cell_scores(course_root: Path, student: str, chapter: str = CHAPTER) -> dict[str, float]:
    """The gradebook's score of each graded cell of one student's notebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}") as gb:
        notebook = gb.find_submission_notebook(chapter, chapter, student)
        return {grade.name: grade.score for grade in notebook.grades}
