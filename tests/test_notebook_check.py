"""keras-course check reads check() results back from an executed notebook."""

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograder.notebook_check import check_notebook, report_from_outputs
from autograder.student import RESULT_MIME
from ch05_variants import WRITTEN_DIFFERENTLY



def result_output(exercise, passed, message=""):
    outcome = {"test": "t", "description": "does the thing", "passed": passed, "message": message}
    return new_output("display_data", data={"text/plain": "...", RESULT_MIME: {
        "exercise": exercise, "passed": passed, "outcomes": [outcome]}})


def test_one_row_per_check_call_in_notebook_order():
    passing = new_code_cell('check("lenet5")', outputs=[result_output("lenet5", True)])
    failing = new_code_cell('check("alexnet")', outputs=[
        result_output("alexnet", False, "layer 3: expected Conv2D"),
        new_output("error", ename="CheckFailed", evalue="alexnet: 1 of 1 public checks failed", traceback=[])])
    crashed = new_code_cell('check("vgg")', outputs=[
        new_output("error", ename="KeyError", evalue="no exercise called 'vgg'", traceback=[])])
    never_ran = new_code_cell('check("vgg_block")')
    report = report_from_outputs(new_notebook(cells=[passing, failing, crashed, never_ran]), Path("x.ipynb"))
    assert [(e.exercise, e.status) for e in report.exercises] == [
        ("lenet5", "pass"), ("alexnet", "fail"), ("vgg", "error"), ("vgg_block", "not run")]
    assert report.exercises[1].message == "does the thing: layer 3: expected Conv2D"
    assert not report.passed
    table = report.table()
    assert "x.ipynb: 1 of 4 exercises pass the public checks" in table
    assert "alexnet    FAIL     does the thing: layer 3: expected Conv2D" in table


@pytest.mark.slow
def test_executed_check_cell_shows_its_result_once(tmp_path):
    path = tmp_path / "mini.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("import matplotlib.pyplot as plt\nfrom autograder import check\n"
                                                     + WRITTEN_DIFFERENTLY["plot_history"]),
                                       new_code_cell('check("plot_history")')]), path)
    report = check_notebook(path, timeout=120)
    assert [(e.exercise, e.status) for e in report.exercises] == [("plot_history", "pass")]
    assert report.passed
