"""nbgrader end to end on a temporary copy of the course, every chapter of the manifest: generate,
release, fetch, submit, collect, autograde, feedback, export. For each chapter the solution and a
correct answer written differently score full marks, the release submitted as it is scores 0,
and no hidden test (nor solution) reaches a student.

Each chapter's other answers come from tests/<chNN>_variants.py (``WRITTEN_DIFFERENTLY``: source of
solution cells by grade id).
"""

import csv
import html
import importlib
import re
from pathlib import Path

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from autograder.nbgrader_cmd import run_nbgrader
from conftest import COURSE, copy_course, graded_id

pytestmark = pytest.mark.slow

CHAPTERS = [chapter.id for chapter in load_course(COURSE).chapters]
EXCHANGE_CHAPTER = "ch05_cnn"  # one chapter also goes through the exchange, as on the hub
REGION = re.compile(r"### BEGIN (HIDDEN TESTS|SOLUTION)\n(.*?)### END \1", re.S)


def variants(chapter: str):
    return importlib.import_module(f"{chapter.split('_')[0]}_variants")


def region_lines(notebook: Path, kind: str) -> set[str]:
    """Lines that only the hidden-test (or solution) regions of a source notebook contain."""
    nb = nbformat.read(notebook, as_version=4)
    inside, outside = set(), set()
    for cell in nb.cells:
        rest = cell.source
        for match in REGION.finditer(cell.source):
            if match.group(1) == kind:
                inside.update(line.strip() for line in match.group(2).splitlines())
            rest = rest.replace(match.group(0), "")
        outside.update(line.strip() for line in rest.splitlines())
    visible = "\n".join(outside)  # a region line that is part of a visible line is no evidence of a leak
    return {line for line in inside if len(line) >= 25 and line not in visible}


def readable_text(folder: Path) -> str:
    """All text under a folder as a person would read it: HTML tags stripped, entities decoded."""
    texts = [p.read_text(errors="replace") for p in folder.rglob("*") if p.is_file()]
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(texts)))


def with_answers(release_nb: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.read(release_nb, as_version=4)
    for cell in nb.cells:
        if graded_id(cell) in answers:
            cell.source = answers[graded_id(cell)]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Run the whole pipeline once for every chapter; the tests below read what it left."""
    top = tmp_path_factory.mktemp("pipeline")
    course = load_course(copy_course(top))
    exchange = f"--Exchange.root={top / 'exchange'}"
    (top / "exchange").mkdir()
    release(course)

    # One student goes through the exchange, as on the hub: fetch and submit the release as is.
    home = top / "home"
    home.mkdir()
    run_nbgrader(course.root, "release_assignment", EXCHANGE_CHAPTER, exchange)
    run_nbgrader(home, "fetch_assignment", EXCHANGE_CHAPTER, "--course", course.id, exchange)
    run_nbgrader(home, "submit", EXCHANGE_CHAPTER, "--course", course.id, exchange)
    run_nbgrader(course.root, "collect", EXCHANGE_CHAPTER, exchange)
    exchange_student = next(p.name for p in (course.root / "submitted").iterdir())

    # The others arrive as files, as from an LMS: the solution, an answer written differently,
    # and (for the chapters that did not go through the exchange) the release as it is.
    students = {"alice", "carol", "dave", exchange_student, "eve"}
    for chapter in CHAPTERS:
        released = course.root / "release" / chapter / f"{chapter}.ipynb"
        submissions = {
            "alice": nbformat.read(course.source / chapter / f"{chapter}.ipynb", as_version=4),
            "carol": with_answers(released, variants(chapter).WRITTEN_DIFFERENTLY),
        }
        if chapter != EXCHANGE_CHAPTER:
            submissions["eve"] = nbformat.read(released, as_version=4)
        old_style = getattr(variants(chapter), "WRITTEN_DIFFERENTLY_OLD_STYLE", None)
        if old_style:  # Keras 2 era code from public repositories: ZeroPadding2D, input_shape=, ...
            submissions["dave"] = with_answers(released, {**variants(chapter).WRITTEN_DIFFERENTLY, **old_style})
        for student, nb in submissions.items():
            folder = course.root / "submitted" / student / chapter
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{chapter}.ipynb")
    for student in students:
        run_nbgrader(course.root, "db", "student", "add", student)

    for chapter in CHAPTERS:
        run_nbgrader(course.root, "autograde", chapter)
        run_nbgrader(course.root, "generate_feedback", chapter)
    run_nbgrader(course.root, "export", "--to", str(top / "grades.csv"))
    with open(top / "grades.csv") as f:
        scores = {(row["assignment"], row["student_id"]): (float(row["score"]), float(row["max_score"]))
                  for row in csv.DictReader(f)}
    return course, exchange_student, scores


def points(course, chapter: str) -> float:
    return float(course.chapter(chapter).points)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_holds_no_hidden_tests_or_solutions(graded, chapter):
    course, _, _ = graded
    text = readable_text(course.root / "release" / chapter)
    source = course.source / chapter / f"{chapter}.ipynb"
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    for line in region_lines(source, "HIDDEN TESTS") | region_lines(source, "SOLUTION"):
        assert line not in text, line


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_scores_full_marks(graded, chapter):
    course, _, scores = graded
    assert scores[chapter, "alice"] == (points(course, chapter),) * 2


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_answer_written_differently_scores_full_marks(graded, chapter):
    course, _, scores = graded
    assert scores[chapter, "carol"] == (points(course, chapter),) * 2


def test_old_style_answers_score_full_marks(graded):
    """Explicit ZeroPadding2D before "valid" convs and input_shape= on a Sequential: the same model."""
    course, _, scores = graded
    assert scores[EXCHANGE_CHAPTER, "dave"] == (points(course, EXCHANGE_CHAPTER),) * 2


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_submitted_as_is_scores_zero(graded, chapter):
    course, exchange_student, scores = graded
    student = exchange_student if chapter == EXCHANGE_CHAPTER else "eve"
    assert scores[chapter, student] == (0.0, points(course, chapter))


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_feedback_shows_results_but_no_hidden_tests(graded, chapter):
    course, exchange_student, _ = graded
    feedback = course.root / "feedback"
    files = sorted(feedback.rglob(f"{chapter}/*.html"))
    student = exchange_student if chapter == EXCHANGE_CHAPTER else "eve"
    assert {f.parent.parent.name for f in files} - {"dave"} == {"alice", "carol", student}
    text = readable_text(feedback)
    # Lines a student's own answer may hold too (carol's) are not evidence of a leak.
    submitted = [variants(chapter).WRITTEN_DIFFERENTLY, getattr(variants(chapter), "WRITTEN_DIFFERENTLY_OLD_STYLE", {})]
    answers = {line.strip() for answer in submitted for source in answer.values() for line in source.splitlines()}
    for line in region_lines(course.source / chapter / f"{chapter}.ipynb", "HIDDEN TESTS") - answers:
        assert line not in text, line
    failing = readable_text(feedback / student / chapter)
    # What to do, from the public checks and the hidden tests' own descriptions and messages.
    assert "fill in the cells marked YOUR CODE HERE" in failing
    assert re.search(r"\d+ of \d+ tests failed \(0 of \d+ points\)", failing)


def test_feedback_lists_each_hidden_test_with_its_outcome(graded):
    course, exchange_student, _ = graded
    failing = readable_text(course.root / "feedback" / exchange_student / EXCHANGE_CHAPTER)
    assert "lenet5: 3 of 3 public checks failed (0 of 2 points)" in failing
    assert "build_vgg(depth=17) raises ValueError" in failing  # a hidden test's description
    passing = readable_text(course.root / "feedback" / "alice" / EXCHANGE_CHAPTER)
    assert "all 7 tests passed (5 of 5 points)" in passing
