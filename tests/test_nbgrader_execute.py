"""Plain ``nbgrader autograde`` (and so the formgrader's autograde button) grades through the judge
(slow): the course's config puts ``JudgedExecute`` in place of nbgrader's Execute, so test cells never
run in the student's kernel there either (autograder/grading/nbgrader_execute.py)."""

import os
from pathlib import Path
from unittest import mock

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from autograder.grading.nbgrader_execute import PLAIN_SWITCH
from autograder.nbgrader_cmd import run_nbgrader
from bad_submissions import cell_scores, write_submission
from conftest import copy_course
from forged_submissions import CHAPTER, FAKE_CHECK, Trick, forged, hidden_lines, public_text

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The solution and a fake-check trick, graded by nbgrader autograde as configured, and by nbgrader's own Execute."""
    course = load_course(copy_course(tmp_path_factory.mktemp("nbgrader-execute")))
    release(course, [CHAPTER])
    released = nbformat.read(course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solution = nbformat.read(course.source / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    submissions = {"solution": solution, "fake-check": forged(released, Trick(FAKE_CHECK))}
    for student, nb in submissions.items():
        write_submission(course.root, student, nb, filename=f"{CHAPTER}.ipynb", chapter=CHAPTER)
    log = run_nbgrader(course.root, "autograde", CHAPTER, "--force")
    judged = {student: cell_scores(course.root, student, CHAPTER) for student in submissions}
    notebook = nbformat.read(course.root / "autograded" / "fake-check" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    with mock.patch.dict(os.environ, {PLAIN_SWITCH: "1"}):
        run_nbgrader(course.root, "autograde", CHAPTER, "--force", "--student", "fake-check")
    plain = cell_scores(course.root, "fake-check", CHAPTER)
    return course, judged, plain, notebook, log


def test_nbgrader_autograde_gives_the_solution_every_point(graded):
    course, judged, _, _, log = graded
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        possible = {g.name: g.max_score for g in gb.find_notebook(CHAPTER, CHAPTER).grade_cells}
    assert judged["solution"] == possible, log


def test_a_fake_check_earns_nothing_through_the_judge_and_points_without_it(graded):
    """The control: nbgrader's own Execute runs the test cells in the kernel, where the notebook's own
    check() answers them; JudgedExecute never lets the kernel near them."""
    _, judged, plain, _, log = graded
    assert sum(judged["fake-check"].values()) == 0, log
    assert sum(plain.values()) > 0


def test_no_hidden_test_line_reaches_the_autograded_notebook(graded):
    course, _, _, notebook, _ = graded
    repo = Path(__file__).resolve().parent.parent
    public = public_text(repo, course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb")
    secret = hidden_lines(course.source / CHAPTER / f"{CHAPTER}.ipynb", public)
    outputs = nbformat.writes(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(outputs=cell.get("outputs", [])) for cell in notebook.cells if cell.cell_type == "code"]))
    assert secret and not [line for line in secret if line in outputs]
