"""The keras-course command: bad input is a clear error; check and start do their jobs."""

import shutil
import subprocess
import sys

import pytest

from autograder.cli import main
from conftest import SOURCE, copy_course


def keras_course(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          cwd=cwd)


def test_check_missing_notebook_is_a_clear_error(capsys):
    assert main(["check", "no/such.ipynb"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_check_broken_notebook_is_a_clear_error(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_text('{"cells": [')
    assert main(["check", str(broken)]) == 2
    assert "is not a readable notebook" in capsys.readouterr().err
    assert broken.read_text() == '{"cells": ['  # left as it was


def test_check_notebook_without_checks_is_a_clear_error(tmp_path, capsys):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    plain = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")]), plain)
    assert main(["check", str(plain)]) == 2
    assert "has no check(" in capsys.readouterr().err


def test_unknown_course_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["release", "--course", str(tmp_path)]) == 2
    assert "course.toml" in capsys.readouterr().err


def test_wrong_arguments_exit_with_usage():
    done = keras_course("frobnicate")
    assert done.returncode == 2 and "usage: keras-course" in done.stderr


def public_check_cells(notebook) -> list:
    """The notebook's public check cells: one per exercise."""
    import nbformat

    return [cell for cell in nbformat.read(notebook, as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("_public")]


@pytest.mark.slow
def test_check_reports_every_exercise_and_exit_status(tmp_path):
    solution = keras_course("check", str(SOURCE / "ch05_cnn" / "ch05_cnn.ipynb"))
    assert solution.returncode == 0, solution.stdout + solution.stderr
    exercises = len(public_check_cells(SOURCE / "ch05_cnn" / "ch05_cnn.ipynb"))
    assert f"{exercises} of {exercises} exercises pass" in solution.stdout

    # The student's starting point: every exercise fails, and says what to do.
    stub = tmp_path / "ch05_cnn.ipynb"
    shutil.copy(SOURCE / "ch05_cnn" / "ch05_cnn.ipynb", stub)
    import nbformat

    nb = nbformat.read(stub, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = "raise NotImplementedError()"
    nbformat.write(nb, stub)
    started = keras_course("check", str(stub))
    assert started.returncode == 1
    assert f"0 of {exercises} exercises pass" in started.stdout
    assert "FAIL" in started.stdout and "is not defined yet: run the cell that defines it" in started.stdout


@pytest.mark.slow
def test_start_releases_into_work_folder_and_keeps_student_work(tmp_path):
    course = copy_course(tmp_path)
    work = tmp_path / "work"
    args = ("start", "--course", str(course), "--work", str(work), "--no-lab")

    first = keras_course(*args)
    assert first.returncode == 0, first.stderr
    notebook = work / "ch05_cnn" / "ch05_cnn.ipynb"
    assert "BEGIN HIDDEN TESTS" not in notebook.read_text()
    notebook.write_text(notebook.read_text().replace("YOUR CODE HERE", "MY WORK"))

    again = keras_course(*args)
    assert again.returncode == 0, again.stderr
    assert "MY WORK" in notebook.read_text()
    assert "left as they are" in again.stdout


def test_release_of_unknown_chapter_is_a_clear_error(tmp_path, capsys):
    course = copy_course(tmp_path)
    assert main(["release", "ch99_nope", "--course", str(course)]) == 2
    assert "no chapter 'ch99_nope'" in capsys.readouterr().err
    assert not (course / "release").exists()


def test_release_of_a_broken_notebook_is_a_clear_error_and_loses_nothing(tmp_path):
    course = copy_course(tmp_path)
    notebook = tmp_path / "source" / "ch05_cnn" / "ch05_cnn.ipynb"
    notebook.write_text('{"cells": [')
    done = keras_course("release", "--course", str(course))
    assert done.returncode == 2
    assert "ch05_cnn.ipynb is not a readable notebook" in done.stderr
    assert notebook.read_text() == '{"cells": ['
