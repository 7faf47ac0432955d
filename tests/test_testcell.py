"""Graded cells earn partial credit: each test its share, read by nbgrader from the last output."""

import sys
import warnings

import pytest
from nbformat.v4 import new_code_cell, new_output
from nbgrader.utils import determine_grade

from autograder.testcell import RESULT_MIME, CellResult, Outcome, TestCell, no_output


def graded_cell_with(result: CellResult):
    """A graded code cell as nbgrader sees it after execution: the result as its last output."""
    cell = new_code_cell("hidden.score()", metadata={"nbgrader": {
        "grade": True, "grade_id": "t", "points": result.points, "locked": True, "solution": False}})
    cell.outputs = [new_output("execute_result", data=result._repr_mimebundle_(), execution_count=1)]
    return cell


def test_each_test_earns_its_share():
    cell = TestCell(points=4)
    with cell.test("passes"):
        pass
    with cell.test("fails"):
        raise AssertionError("wrong shape")
    result = cell.score()
    assert result.score == 2.0 and not result.passed
    assert [o.passed for o in result.outcomes] == [True, False]
    assert result.outcomes[1].message == "wrong shape"


def test_weights_and_rounding_never_exceed_the_points():
    cell = TestCell(points=5)
    for passed in (True, True, False):
        with cell.test("one"):
            assert passed
    with cell.test("heavy", weight=3):
        pass
    assert cell.score().score == 4.16  # 5 * 5/6 = 4.1666..., rounded down
    everything = TestCell(points=3)
    for _ in range(7):
        with everything.test("ok"):
            pass
    assert everything.score().score == 3.0


def test_nbgrader_reads_the_score_from_the_cell_output():
    cell = TestCell(points=3)
    for passed in (True, False, True):
        with cell.test("t"):
            assert passed
    assert determine_grade(graded_cell_with(cell.score())) == (2.0, 3.0)


def test_no_test_ran_scores_zero():
    result = TestCell(points=2).score()
    assert result.score == 0 and "no tests ran" in result.headline()
    assert determine_grade(graded_cell_with(result)) == (0.0, 2.0)


def test_crashes_are_explained_and_contained():
    cell = TestCell(points=4)
    with cell.test("not done"):
        raise NotImplementedError()
    with cell.test("crash"):
        {}["missing"]
    with cell.test("exits"):
        sys.exit(0)
    with cell.test("undefined"):
        build_vgg  # noqa: F821
    messages = [o.message for o in cell.score().outcomes]
    assert messages[0] == "not implemented yet: fill in the cells marked YOUR CODE HERE"
    assert messages[1] == "KeyError: 'missing'"
    assert "sys.exit()" in messages[2]
    assert "build_vgg" in messages[3] and "run the cell that defines it" in messages[3]


def test_an_interrupt_still_stops_the_cell():
    cell = TestCell(points=1)
    with pytest.raises(KeyboardInterrupt):
        with cell.test("runs too long"):
            raise KeyboardInterrupt
    assert cell.outcomes == []


def test_tests_print_nothing_to_stderr(capfd):
    import logging

    cell = TestCell(points=1)
    with cell.test("noisy but right"):
        warnings.warn("a Keras-style warning", UserWarning)
        print("to stderr", file=sys.stderr)
        print("progress bar")
        logging.getLogger("tensorflow").warning("retracing")
        import os
        os.write(2, b"C++ log line\n")
    out, err = capfd.readouterr()
    assert err == "" and out == ""
    assert cell.score().score == 1.0


def test_no_output_restores_stderr_afterwards(capfd):
    with no_output():
        pass
    print("after", file=sys.stderr)
    assert "after" in capfd.readouterr().err


def test_each_test_starts_from_keras_defaults_and_restores_the_notebooks():
    import keras

    keras.config.set_floatx("float16")
    keras.config.set_image_data_format("channels_first")
    try:
        cell = TestCell(points=1)
        with cell.test("defaults"):
            assert keras.config.floatx() == "float32"
            assert keras.config.image_data_format() == "channels_last"
            first = keras.random.uniform((3,), seed=None)
        with cell.test("same seed"):
            import numpy as np

            np.testing.assert_allclose(keras.random.uniform((3,), seed=None), first)
        assert cell.score().passed, cell.score().text()
        assert keras.config.floatx() == "float16"
    finally:
        keras.config.set_floatx("float32")
        keras.config.set_image_data_format("channels_last")


def test_result_shows_a_table_to_people_and_a_number_to_nbgrader():
    result = CellResult("", [Outcome("t1", "has 13 convs", True), Outcome("t2", "rejects <12>", False, "no error")],
                        points=3)
    bundle = result._repr_mimebundle_()
    assert bundle["text/plain"] == "1.5"
    assert "rejects &lt;12&gt; (1.5 pt)" in bundle["text/html"] and "1.5 of 3 points" in bundle["text/html"]
    assert bundle[RESULT_MIME]["score"] == 1.5 and bundle[RESULT_MIME]["points"] == 3


@pytest.mark.parametrize("points, weight", [(0, 1), (-1, 1), (2, 0)])
def test_bad_points_or_weight_are_clear_errors(points, weight):
    with pytest.raises(ValueError, match="positive"):
        TestCell(points=points).test("t", weight=weight)
