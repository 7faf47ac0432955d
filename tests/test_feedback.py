"""Feedback never shows hidden-test code, in sources or in tracebacks."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.feedback import ScrubTracebacks


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
