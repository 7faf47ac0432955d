"""Every chapter's solution gets full marks from ``keras-course grade`` (slow): the judge and the
sandboxed kernel are two processes with two file systems, which the chapter tests, run in one
process through a local bridge, cannot show (an image folder written where only the judge can
read it, the kernel's own NumPy error state, Keras' global dtype policy)."""

import subprocess
import sys

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from bad_submissions import cell_scores, write_submission
from conftest import copy_course

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = load_course(copy_course(tmp_path_factory.mktemp("chapters")))
    chapters = [chapter.id for chapter in course.chapters]
    release(course, chapters)
    for chapter in chapters:
        solution = nbformat.read(course.source / chapter / f"{chapter}.ipynb", as_version=4)
        write_submission(course.root, "solution", solution, filename=f"{chapter}.ipynb", chapter=chapter)
    logs = {}
    for chapter in chapters:
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", chapter, "--course", str(course.root)],
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stdout + done.stderr
        logs[chapter] = done.stdout
    return course, chapters, logs


def test_every_solution_gets_every_point_of_every_cell(graded):
    from nbgrader.api import Gradebook

    course, chapters, logs = graded
    short = {}
    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for chapter in chapters:
            possible = {g.name: g.max_score for g in gb.find_notebook(chapter, chapter).grade_cells}
            earned = cell_scores(course.root, "solution", chapter)
            short.update({f"{chapter}/{name}": (earned.get(name), points) for name, points in possible.items()
                          if earned.get(name) != points})
    assert not short, (short, logs)
