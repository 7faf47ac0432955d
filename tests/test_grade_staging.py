"""keras-course grade's nbgrader steps without execution (slow: releases chapter 5): bad notebooks
are staged and sanitized by nbgrader with a note each, test cells come back, a broken file scores 0."""

import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from autograder.grading.grade import load_nbgrader_app
from autograder.grading.gradebook_steps import Gradebooks
from bad_submissions import CHAPTER, CHAPTER_POINTS, bad_corpus, write_submission
from conftest import copy_course

pytestmark = pytest.mark.slow

NOTES = {"cells-deleted": "cells deleted", "cells-reordered": "reordered", "cells-duplicated": "duplicated",
         "tests-edited": "test cells edited", "wrong-kernel": "replaced by the assignment's own",
         "renamed": "graded as ch05_cnn.ipynb", "invalid-json": "not a valid notebook"}


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    course = load_course(copy_course(tmp_path_factory.mktemp("staging")))
    release(course, [CHAPTER])
    released = nbformat.read(course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    corpus = bad_corpus([])
    for student in NOTES:
        case = corpus[student]
        write_submission(course.root, student, case.build(released) if case.build else None, case.filename)
    books = Gradebooks(load_nbgrader_app(course), CHAPTER, Path(tempfile.mkdtemp()))
    return books, {student: books.prepare(student) for student in NOTES}


@pytest.mark.parametrize("student", sorted(NOTES))
def test_each_bad_notebook_is_prepared_with_its_note(staged, student):
    _, results = staged
    assert any(NOTES[student] in note for note in results[student].notes), results[student].notes


def test_deleted_test_cells_are_put_back_and_a_broken_file_scores_zero(staged):
    books, results = staged
    nb = nbformat.read(books.autograded("cells-deleted") / f"{CHAPTER}.ipynb", as_version=4)
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    assert {"lenet5_hidden", "vgg_public"} <= ids
    assert results["invalid-json"].notebooks == []
    assert books.score("invalid-json") == (0.0, CHAPTER_POINTS)
    assert books.submitted("renamed").joinpath("my_ch05 (copy).ipynb").is_file()  # nothing lost
