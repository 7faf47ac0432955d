"""check(): a readable pass or fail, a one-line failure for IPython, a JSON result for the CLI."""

import pytest

from autograder import check
from autograder.exercises import public_tests
from autograder.student import CheckFailed, CheckResult, Outcome, run_public_checks
from ch05_variants import WRITTEN_DIFFERENTLY


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(KeyError, match="lenet5"):
        check("lenet")


def test_missing_name_says_which_cell_to_run(capsys):
    with pytest.raises(CheckFailed, match="plot_history: 1 of 1 public checks failed"):
        check("plot_history", {})
    assert "plot_history is not defined yet: run the cell that defines it" in capsys.readouterr().out


def test_crash_in_student_code_is_reported_not_raised(capsys):
    def plot_history(history):
        return 1 / 0

    result = run_public_checks("plot_history", {"plot_history": plot_history})
    assert not result.passed
    assert "ZeroDivisionError: division by zero" in result.failures[0].message


def test_passing_check_shows_the_result_and_returns_nothing(capsys):
    import matplotlib.pyplot as plt

    namespace = {"plt": plt}
    exec(WRITTEN_DIFFERENTLY["plot_history"], namespace)
    assert check("plot_history", namespace) is None  # no second echo as Out[n]
    assert "PASS plot_history: all 1 public checks passed" in capsys.readouterr().out
    assert run_public_checks("plot_history", namespace).to_dict()["passed"] is True


def test_failure_renders_as_one_line_in_ipython():
    assert CheckFailed("vgg: 1 of 3 public checks failed")._render_traceback_() == [
        "CheckFailed: vgg: 1 of 3 public checks failed"]


def test_result_text_and_html_name_each_failure():
    result = CheckResult("vgg", [Outcome("a", "has 13 convs", True),
                                 Outcome("b", "rejects depth 12", False, "should raise <ValueError>")])
    assert "[x ] rejects depth 12" in result.text() and "should raise <ValueError>" in result.text()
    assert "&lt;ValueError&gt;" in result.html()
    assert not result.passed and result.headline() == "vgg: 1 of 2 public checks failed"


def test_same_model_is_built_once_per_check(capsys):
    calls = []

    def vgg_block(x, filters, num_convs):
        calls.append((filters, num_convs))
        raise NotImplementedError

    run_public_checks("vgg_block", {"vgg_block": vgg_block})
    assert calls == [(64, 2)]


def test_every_public_test_has_a_description():
    for exercise in ("lenet5", "train_lenet", "plot_history", "alexnet", "vgg_block", "vgg"):
        assert all(t.description and t.needs for t in public_tests(exercise))
