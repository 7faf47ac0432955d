"""Every chapter's solution gets full marks from one ``keras-course grade`` of all chapters (slow): the judge and the
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
from test_source_rules import LYING_STRICT_CALL

pytestmark = pytest.mark.slow


def forged_chapter2(course):
    """Chapter 2's solution with sigmoid written with Keras, and the kernel's run-time watch switched off."""
    nb = nbformat.read(course.source / "ch02_layers" / "ch02_layers.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "sigmoid":
            cell.source = "import keras\ndef sigmoid(x):\n    return np.asarray(keras.activations.sigmoid(x))\n"
    first_code = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "code")
    nb.cells.insert(first_code + 1, nbformat.v4.new_code_cell(LYING_STRICT_CALL))
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = load_course(copy_course(tmp_path_factory.mktemp("chapters")))
    chapters = [chapter.id for chapter in course.chapters]
    release(course, chapters)
    for chapter in chapters:
        solution = nbformat.read(course.source / chapter / f"{chapter}.ipynb", as_version=4)
        write_submission(course.root, "solution", solution, filename=f"{chapter}.ipynb", chapter=chapter)
    write_submission(course.root, "forger", forged_chapter2(course), filename="ch02_layers.ipynb", chapter="ch02_layers")
    # Every chapter in one command: one pool of workers grades them all (and the table names them).
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", *chapters, "--course", str(course.root)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout + done.stderr
    table = done.stdout.splitlines()
    assert table[0].split()[:2] == ["chapter", "student"]
    assert sorted(line.split()[0] for line in table[1:]) == sorted([*chapters, "ch02_layers"])  # the forger's too
    return course, chapters, done.stdout + done.stderr


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


def test_a_forged_watch_does_not_pass_a_keras_sigmoid_as_numpy(graded):
    """The kernel says sigmoid called no framework; the judge reads the submitted code and fails it
    there, and only there (checks/source.py)."""
    course, _, logs = graded
    solution, forger = (cell_scores(course.root, who, "ch02_layers") for who in ("solution", "forger"))
    squashing = [name for name in solution if name.startswith("squashing_activations")]
    assert sum(forger[name] for name in squashing) < sum(solution[name] for name in squashing), logs
    assert {k: v for k, v in forger.items() if k not in squashing} == \
        {k: v for k, v in solution.items() if k not in squashing}
