"""keras-course report and feedback on a toy course graded by nbgrader: three students, two graded
cells of several tests each. The toy notebook needs no Keras, so nbgrader runs it in seconds."""

import csv
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder.cli import main
from autograder.course import CourseError, load_course
from autograder.grading.feedback import summary_markdown
from autograder.nbgrader_cmd import run_nbgrader
from autograder.report import build_report, item_analysis
from conftest import COURSE

SOLUTION = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
PUBLIC = """from autograder.testcell import TestCell
public = TestCell(points=2)
with public.test("double(2) is 4"):
    assert double(2) == 4, "double(2) should be 4"
with public.test("double(0) is 0"):
    assert double(0) == 0, "double(0) should be 0"
public.score()"""
HIDDEN = """# Hidden tests: other numbers.
### BEGIN HIDDEN TESTS
from autograder.testcell import TestCell
hidden = TestCell(points=3)
_SECRET_INPUTS = [-3, 10]
for _x in _SECRET_INPUTS:
    with hidden.test(f"double({_x})"):
        assert double(_x) == 2 * _x, f"double({_x}) should be {2 * _x}, found {double(_x)}"
with hidden.test("double of a float", weight=2):
    assert double(0.5) == 1.0, "double(0.5) should be 1.0"
hidden.score()
### END HIDDEN TESTS"""

ANSWERS = {
    "ann": "def double(x):\n    return x + x\n",            # right: 5 of 5
    "bob": "def double(x):\n    return 2 * int(x)\n",       # slips on floats: 2 + 3 * 2/4 = 3.5
    "cem": "def double(x):\n    return 4\n",                # hard-coded: passes one public test
}


def cell(source, grade_id, points=None, solution=False):
    meta = {"grade": points is not None, "grade_id": grade_id, "locked": not solution, "solution": solution,
            "schema_version": 3, "task": False}
    if points is not None:
        meta["points"] = points
    return new_code_cell(source, metadata={"nbgrader": meta})


@pytest.fixture(scope="module")
def toy_course(tmp_path_factory):
    top = tmp_path_factory.mktemp("toy")
    root = top / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    (root / "course.toml").write_text('[course]\nid = "toy"\n\n[[chapters]]\nid = "toy"\ntitle = "Toy"\n'
                                      'points = 5\n')
    nb = new_notebook(cells=[new_markdown_cell("# Toy"), cell(SOLUTION, "double", solution=True),
                             cell(PUBLIC, "double_public", 2), cell(HIDDEN, "double_hidden", 3)],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    (top / "source" / "toy").mkdir(parents=True)
    nbformat.write(nb, top / "source" / "toy" / "toy.ipynb")
    course = load_course(root)
    run_nbgrader(root, "db", "assignment", "add", "toy")
    run_nbgrader(root, "generate_assignment", "toy")
    released = nbformat.read(root / "release" / "toy" / "toy.ipynb", as_version=4)
    for student, answer in ANSWERS.items():
        released.cells[1].source = answer
        (root / "submitted" / student / "toy").mkdir(parents=True)
        nbformat.write(released, root / "submitted" / student / "toy" / "toy.ipynb")
        run_nbgrader(root, "db", "student", "add", student)
    run_nbgrader(root, "autograde", "toy")
    return course


pytestmark = pytest.mark.slow


def test_grades_per_student_and_cell(toy_course):
    report = build_report(toy_course, "toy")
    assert report.grades.cells == ["double_public", "double_hidden"]
    assert report.grades.scores == {"ann": {"double_public": 2.0, "double_hidden": 3.0},
                                    "bob": {"double_public": 2.0, "double_hidden": 1.5},
                                    "cem": {"double_public": 1.0, "double_hidden": 0.0}}


def test_item_analysis_names_what_the_class_missed(toy_course):
    items = {(i.cell, i.test): i for i in build_report(toy_course, "toy").items}
    floats = items["double_hidden", "double of a float"]
    assert (floats.runs, floats.passes, floats.possible) == (3, 1, 1.5)
    assert floats.mean_points == pytest.approx(0.5)
    assert floats.common_failures() == [("double(0.5) should be 1.0", 2)]
    zero = items["double_public", "double(0) is 0"]
    assert zero.pass_rate == pytest.approx(2 / 3) and zero.failures == {"double(0) should be 0": 1}


def test_report_command_writes_csvs_plots_and_a_table(toy_course, tmp_path, capsys):
    assert main(["report", "toy", "--course", str(toy_course.root), "--out", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert "toy: 3 students, 5 tests in 2 graded cells" in table
    assert table.index("double of a float") < table.index("double(2) is 4")  # hardest first
    with open(tmp_path / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows["bob"]["double_hidden"] == "1.5" and rows["bob"]["total"] == "3.5"
    assert rows["(max)"]["total"] == "5.0"
    with open(tmp_path / "items.csv") as f:
        items = list(csv.DictReader(f))
    assert items[0]["test"] == "double of a float" and items[0]["pass_rate"] == "0.333"
    for png in ("scores.png", "pass_rates.png"):
        assert (tmp_path / png).read_bytes()[:4] == b"\x89PNG"


def test_feedback_lists_every_test_but_no_hidden_code(toy_course, capsys):
    assert main(["feedback", "toy", "--course", str(toy_course.root)]) == 0
    files = capsys.readouterr().out.split()
    assert len(files) == 3
    bob = next(f for f in files if "/bob/" in f)
    text = open(bob).read()
    assert "Your results" in text and "3.5 of 5 points" in text
    assert "double of a float" in text and "double(0.5) should be 1.0" in text
    assert "_SECRET_INPUTS" not in text and "BEGIN HIDDEN TESTS" not in text


def test_unknown_assignment_is_a_clear_error(toy_course, capsys):
    assert main(["report", "nope", "--course", str(toy_course.root)]) == 2
    assert "no chapter 'nope'" in capsys.readouterr().err


def test_ungraded_assignment_is_a_clear_error(tmp_path, capsys):
    shutil.copy(COURSE / "nbgrader_config.py", tmp_path)
    (tmp_path / "course.toml").write_text('[course]\nid = "toy"\n[[chapters]]\nid = "toy"\ntitle = "T"\npoints = 1\n')
    assert main(["report", "toy", "--course", str(tmp_path)]) == 2
    assert "has no gradebook yet: release and grade 'toy' first" in capsys.readouterr().err
    assert main(["feedback", "toy", "--course", str(tmp_path)]) == 2
    assert "nothing of 'toy' is graded yet" in capsys.readouterr().err


def test_cell_that_crashed_counts_against_each_of_its_tests(tmp_path):
    ok = new_notebook(cells=[cell("", "c", 1)])
    ok.cells[0].outputs = [nbformat.v4.new_output("execute_result", execution_count=1, data={
        "text/plain": "1", "application/vnd.keras-course.check+json": {
            "points": 1, "score": 1, "outcomes": [{"description": "t", "passed": True, "weight": 1}]}})]
    crashed = new_notebook(cells=[cell("", "c", 1)])
    crashed.cells[0].outputs = [nbformat.v4.new_output("error", ename="DeadKernelError", evalue="", traceback=[])]
    paths = []
    for i, nb in enumerate((ok, crashed)):
        paths.append(tmp_path / f"{i}.ipynb")
        nbformat.write(nb, paths[-1])
    (item,) = item_analysis(paths)
    assert (item.runs, item.passes) == (2, 1)
    assert "did not run to the end: DeadKernelError" in item.common_failures()[0][0]


def test_summary_escapes_text_and_keeps_table_cells_apart():
    text = summary_markdown({"c": {"points": 1, "score": 0, "outcomes": [
        {"description": "a | b", "passed": False, "message": "<script>x</script>", "weight": 1}]}})
    assert "&lt;script&gt;" in text and "a &#124; b" in text
