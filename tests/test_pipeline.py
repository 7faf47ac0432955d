"""nbgrader end to end on a temporary copy of the course: generate, release, fetch, submit,
collect, autograde, feedback, export. The solution and a correct answer written differently
score full marks, the release submitted as it is scores 0, and no hidden test reaches a student."""

import csv
from pathlib import Path

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from autograder.nbgrader_cmd import run_nbgrader
from ch05_variants import WRITTEN_DIFFERENTLY
from conftest import SOURCE, copy_course, graded_id

pytestmark = pytest.mark.slow

CHAPTER = "ch05_cnn"
# Text that only the hidden tests contain: none of it may reach a student.
HIDDEN_MARKERS = ["BEGIN HIDDEN TESTS", "_lenet5_spec", "_alexnet_spec", "_vgg_spec", "_other.history",
                  "_test_images"]
SOLUTION_MARKERS = ["BEGIN SOLUTION", "layers.Conv2D(96, 11, strides=4"]


def texts_under(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file())


def with_answers(release_nb: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        if graded_id(cell) in answers:
            cell.source = answers[graded_id(cell)]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Run the whole pipeline once; the tests below read what it left."""
    top = tmp_path_factory.mktemp("pipeline")
    course = load_course(copy_course(top))
    exchange = f"--Exchange.root={top / 'exchange'}"
    (top / "exchange").mkdir()

    release(course)
    released = course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb"

    # One student goes through the exchange, as on the hub: fetch and submit the release as is.
    home = top / "home"
    home.mkdir()
    run_nbgrader(course.root, "release_assignment", CHAPTER, exchange)
    run_nbgrader(home, "fetch_assignment", CHAPTER, "--course", course.id, exchange)
    run_nbgrader(home, "submit", CHAPTER, "--course", course.id, exchange)
    run_nbgrader(course.root, "collect", CHAPTER, exchange)
    exchange_students = [p.name for p in (course.root / "submitted").iterdir()]

    # Two more arrive as files, as from an LMS: the solution, and an answer written differently.
    submissions = {
        "alice": nbformat.read(SOURCE / CHAPTER / f"{CHAPTER}.ipynb", as_version=4),
        "carol": with_answers(released, WRITTEN_DIFFERENTLY),
    }
    for student, nb in submissions.items():
        folder = course.root / "submitted" / student / CHAPTER
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{CHAPTER}.ipynb")
    for student in [*submissions, *exchange_students]:
        run_nbgrader(course.root, "db", "student", "add", student)

    run_nbgrader(course.root, "autograde", CHAPTER)
    run_nbgrader(course.root, "generate_feedback", CHAPTER)
    run_nbgrader(course.root, "export", "--to", str(top / "grades.csv"))
    with open(top / "grades.csv") as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    return course, exchange_students, scores


def test_release_holds_no_hidden_tests_or_solutions(graded):
    course, _, _ = graded
    text = texts_under(course.root / "release")
    for marker in HIDDEN_MARKERS + SOLUTION_MARKERS:
        assert marker not in text


def test_solution_scores_full_marks(graded):
    _, _, scores = graded
    assert scores["alice"] == (30.0, 30.0)


def test_answer_written_differently_scores_full_marks(graded):
    _, _, scores = graded
    assert scores["carol"] == (30.0, 30.0)


def test_release_submitted_as_is_scores_zero(graded):
    _, exchange_students, scores = graded
    assert len(exchange_students) == 1
    assert scores[exchange_students[0]] == (0.0, 30.0)


def test_feedback_shows_results_but_no_hidden_tests(graded):
    course, exchange_students, _ = graded
    feedback = course.root / "feedback"
    files = sorted(feedback.rglob("*.html"))
    assert {f.parent.parent.name for f in files} == {"alice", "carol", *exchange_students}
    text = texts_under(feedback)
    for marker in HIDDEN_MARKERS:
        assert marker not in text, marker
    failing = (feedback / exchange_students[0] / CHAPTER / f"{CHAPTER}.html").read_text()
    assert "fill in the cells marked YOUR CODE HERE" in failing  # what to do, from the public checks
    assert "CheckFailed: lenet5: 3 of 3 public checks failed" in failing
