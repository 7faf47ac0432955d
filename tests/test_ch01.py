"""Chapter 1's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach
(the standard tests of tests/chapter_cells.py), and what is particular to this chapter."""

import keras

from ch01_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, standard_tests
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch01_setup" / "ch01_setup.ipynb", {
    "environment_report": ["environment_report"],
    "keras_config": ["keras_config"],
    "build_first_model": ["build_first_model"],
    "reproducible_weights": ["build_first_model", "reproducible_weights"],
})
globals().update(standard_tests(CHAPTER, WRITTEN_DIFFERENTLY, WRONG))


def test_hidden_tests_leave_keras_settings_as_they_were():
    CHAPTER.run("environment_report")
    assert keras.config.floatx() == "float32"
    assert keras.config.image_data_format() == "channels_last"
