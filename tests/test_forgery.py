"""The forging corpus (tests/forged_submissions.py) graded by ``keras-course grade`` (slow).

Each trick earns no more than its real work; the solution, graded in the same run with tricks
around it, keeps full marks; and no line of a hidden test shows up in any output, in the feedback,
or among the files a submission can find, while other course copies sit world-readable in /tmp
and in a home folder.
"""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from bad_submissions import cell_scores, write_submission
from conftest import copy_course
from forged_submissions import (CHAPTER, HUNT, LEAKS, PRE_RUN_HOOK, Trick, forged, hidden_lines, public_text,
                                tricks)

pytestmark = pytest.mark.slow
LIMITS = ["--cell-timeout", "90", "--timeout", "400", "--memory", "3"]


@pytest.fixture(scope="module")
def decoys(tmp_path_factory):
    """Instructor notebooks of other course copies, world-readable in /tmp and in a home folder."""
    source = Path(__file__).resolve().parent.parent / "source" / CHAPTER / f"{CHAPTER}.ipynb"
    places = [Path("/tmp") / f"kc-decoy-{uuid.uuid4().hex[:8]}", Path.home() / f".kc-decoy-{uuid.uuid4().hex[:8]}"]
    for place in places:
        (place / "source" / CHAPTER).mkdir(parents=True)
        shutil.copy(source, place / "source" / CHAPTER)
        for path in [place, place / "source", place / "source" / CHAPTER, place / "source" / CHAPTER / source.name]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
    yield places
    for place in places:
        shutil.rmtree(place, ignore_errors=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory, decoys):
    top = tmp_path_factory.mktemp("forgery")
    course = load_course(copy_course(top))
    release(course, [CHAPTER])
    released = nbformat.read(course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    solution = nbformat.read(course.source / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    students = {name: forged(released, trick) for name, trick in tricks().items()}
    students.update({f"{name}-honest": forged(released, Trick(answers=trick.honest))
                     for name, trick in tricks().items() if trick.honest})
    students["solution"] = solution
    students["solution-that-spies"] = forged(solution, Trick(PRE_RUN_HOOK + HUNT))
    for student, nb in students.items():
        write_submission(course.root, student, nb, filename=f"{CHAPTER}.ipynb", chapter=CHAPTER)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", CHAPTER, "--course", str(course.root),
                           *LIMITS], capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, done.stdout + done.stderr
    feedback = subprocess.run([sys.executable, "-m", "autograder", "feedback", CHAPTER, "--course",
                               str(course.root)], capture_output=True, text=True, timeout=600)
    assert feedback.returncode == 0, feedback.stdout + feedback.stderr
    scores = {student: cell_scores(course.root, student, CHAPTER) for student in students}
    return course, scores, done.stdout


def test_no_trick_earns_more_than_its_real_work(graded):
    _, scores, summary = graded
    earned = {name: sum(points.values()) for name, points in scores.items()}
    allowed = {name: trick.most + (earned[f"{name}-honest"] if trick.honest else 0) for name, trick in tricks().items()}
    too_much = {name: (earned[name], allowed[name]) for name in tricks() if earned[name] > allowed[name]}
    assert not too_much, summary


def test_the_solution_keeps_full_marks_among_the_tricks(graded):
    _, scores, summary = graded
    assert sum(scores["solution"].values()) == 15, summary
    assert scores["solution-that-spies"] == scores["solution"], summary


def test_the_cached_answer_earns_the_public_share_and_no_hidden_point(graded):
    _, scores, _ = graded
    assert scores["cached"]["build_first_model_public"] == 2
    assert scores["cached"]["build_first_model_hidden"] < 3


def test_no_hidden_test_line_reaches_any_output_or_feedback(graded):
    course, _, _ = graded
    public = public_text(Path(__file__).resolve().parent.parent, course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb")
    secret = hidden_lines(course.source / CHAPTER / f"{CHAPTER}.ipynb", public)
    assert len(secret) > 20
    for student in [*LEAKS, "solution-that-spies"]:
        notebook = nbformat.read(course.root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        outputs = "\n".join(nbformat.writes(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell(outputs=c.get("outputs", [])) for c in notebook.cells if c.cell_type == "code"])))
        html = (course.root / "feedback" / student / CHAPTER / f"{CHAPTER}.html").read_text()
        for line in secret:
            assert line not in outputs, f"{student}'s outputs show a hidden test line: {line}"
            assert line not in html, f"{student}'s feedback shows a hidden test line: {line}"


def test_the_hunt_finds_no_notebook_with_hidden_tests(graded):
    course, _, _ = graded
    for student in ("hunt", "solution-that-spies"):
        notebook = nbformat.read(course.root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                          for o in c.get("outputs", []) if o.get("output_type") == "stream")
        assert "files with hidden tests found: 0" in printed, printed[:3000]


def test_feedback_hides_the_tests_even_when_the_course_config_leaves_it_out(graded):
    course, _, _ = graded
    config = course.root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\n# an instructor's own list, without the hiding steps\n"
                      "c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor]\n")
    done = subprocess.run([sys.executable, "-m", "autograder", "feedback", CHAPTER, "--course", str(course.root),
                           "--student", "solution"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    public = public_text(Path(__file__).resolve().parent.parent, course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb")
    html = (course.root / "feedback" / "solution" / CHAPTER / f"{CHAPTER}.html").read_text()
    leaked = [line for line in hidden_lines(course.source / CHAPTER / f"{CHAPTER}.ipynb", public) if line in html]
    assert not leaked
    assert "Your results" in html  # the summary table is there too
