"""Feedback never shows hidden-test code, in sources or in tracebacks."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.grading.feedback import ScrubTracebacks


def graded_cell(source, traceback):
    cell = new_code_cell(source, metadata={"nbgrader": {"grade": True, "grade_id": "t", "points": 1,
                                                        "locked": True, "solution": False}})
    cell.outputs = [new_output("error", ename="CheckError", evalue="layer 3: expected Conv2D",
                               traceback=traceback)]
    return cell


def test_traceback_in_graded_cell_becomes_one_line():
    secret = "assert_matches_spec(build_lenet5((40, 36, 1), 2), SECRET_SPEC)"
    nb = new_notebook(cells=[graded_cell("check('x')", ["Traceback", f"----> 3 {secret}", "CheckError: ..."])])
    nb, _ = ScrubTracebacks().preprocess(nb, {})
    assert nb.cells[0].outputs[0].traceback == ["CheckError: layer 3: expected Conv2D"]
    assert secret not in nbformat.writes(nb)


def test_ungraded_cells_keep_their_traceback():
    cell = graded_cell("x = 1", ["Traceback", "line"])
    cell.metadata = {}
    nb, _ = ScrubTracebacks().preprocess(new_notebook(cells=[cell]), {})
    assert nb.cells[0].outputs[0].traceback == ["Traceback", "line"]


def test_enabled_when_nbgrader_registers_it():
    # nbgrader's converters register preprocessor classes as they are; one that is off by
    # default (nbconvert's default) would silently never run.
    assert ScrubTracebacks().enabled


def test_bare_not_implemented_error_says_what_to_do():
    cell = graded_cell("# hidden", ["Traceback", "secret line"])
    cell.outputs[0].update(ename="NotImplementedError", evalue="")
    nb, _ = ScrubTracebacks().preprocess(new_notebook(cells=[cell]), {})
    assert nb.cells[0].outputs[0].traceback == [
        "NotImplementedError: an exercise this test needs is not done yet (YOUR CODE HERE)"]


def test_test_cells_show_the_judges_result_only_and_no_hidden_region():
    from autograder.grading.feedback import ClearHiddenTestCells, JudgeResultsOnly

    cell = graded_cell("# visible\n### BEGIN HIDDEN TESTS\nSECRET_CALL()\n### END HIDDEN TESTS", [])
    cell.outputs = [new_output("stream", name="stdout", text="SECRET printed by the kernel"),
                    new_output("execute_result", data={"text/plain": "1"}, execution_count=None)]
    student = new_code_cell("print('### BEGIN HIDDEN TESTS, my own words')",
                            metadata={"nbgrader": {"solution": True, "grade": False, "grade_id": "a"}})
    nb = new_notebook(cells=[cell, student])
    for step in (ClearHiddenTestCells(), JudgeResultsOnly()):
        nb, _ = step.preprocess(nb, {})
    assert "SECRET" not in nbformat.writes(nb)
    assert [o.output_type for o in nb.cells[0].outputs] == ["execute_result"]
    assert "my own words" in nb.cells[1].source  # a student's cell is theirs, markers or not


def test_a_test_cell_with_unpaired_markers_shows_no_source():
    from autograder.grading.feedback import ClearHiddenTestCells

    cell = graded_cell("### BEGIN HIDDEN TESTS\nSECRET_CALL()", [])
    nb, _ = ClearHiddenTestCells().preprocess(new_notebook(cells=[cell]), {})
    assert nb.cells[0].source == ""


def test_keras_course_feedback_runs_its_preprocessors_whatever_the_config_lists():
    from autograder.grading.feedback import FEEDBACK_PREPROCESSORS, feedback_preprocessors

    assert feedback_preprocessors([])[:len(FEEDBACK_PREPROCESSORS)] == list(FEEDBACK_PREPROCESSORS)
    kept = feedback_preprocessors(["nbgrader.preprocessors.ClearHiddenTests", "my.course.Stylesheet"])
    assert kept == [*FEEDBACK_PREPROCESSORS, "my.course.Stylesheet"]
