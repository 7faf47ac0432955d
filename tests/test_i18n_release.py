"""A chapter in Chinese through nbgrader: released as its own assignment with the English code,
grade ids and points, and graded to the same scores as the English one."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from autograder.assign import release
from autograder.cli import main
from autograder.course import CourseError, load_course
from bad_submissions import cell_scores, write_submission
from conftest import copy_course, graded_id

pytestmark = pytest.mark.slow
CHAPTER = "ch01_setup"
CHINESE = f"{CHAPTER}_zh_CN"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = load_course(copy_course(tmp_path_factory.mktemp("i18n")))
    folders = release(course, [CHAPTER], ["en", "zh_CN"])
    assert [f.name for f in folders] == [CHAPTER, CHINESE]
    return course


def released(course, assignment):
    return nbformat.read(course.root / "release" / assignment / f"{assignment}.ipynb", as_version=4)


def test_the_chinese_release_has_the_english_code_and_chinese_text(course):
    english, chinese = released(course, CHAPTER), released(course, CHINESE)
    code = lambda nb: [(c.id, c.source, c.metadata) for c in nb.cells if c.cell_type == "code"]
    assert code(chinese) == code(english)  # solutions stripped and hidden tests removed alike
    assert chinese.metadata["keras_course"]["lang"] == "zh_CN"
    text = "\n".join(c.source for c in chinese.cells if c.cell_type == "markdown")
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 1000 and "术语表" in text
    assert "BEGIN HIDDEN TESTS" not in nbformat.writes(chinese)


def test_one_gradebook_grades_both_languages_to_the_same_scores(course):
    on_time = "2027-01-10 12:00:00.000000 UTC"  # before ch01's due date: no late penalty (course.toml)
    for assignment in (CHAPTER, CHINESE):
        solution = nbformat.read(course.source / assignment / f"{assignment}.ipynb", as_version=4)
        write_submission(course.root, "wen", solution, filename=f"{assignment}.ipynb", chapter=assignment,
                         timestamp=on_time)
    write_submission(course.root, "li", released(course, CHINESE), filename=f"{CHINESE}.ipynb", chapter=CHINESE,
                     timestamp=on_time)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", CHAPTER, CHINESE, "--course", str(course.root)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    english, chinese = cell_scores(course.root, "wen", CHAPTER), cell_scores(course.root, "wen", CHINESE)
    assert english == chinese and sum(english.values()) == course.chapter(CHAPTER).points


def test_feedback_on_a_chinese_notebook_speaks_chinese_and_shows_no_hidden_test(course):
    """After the grading test: li submitted the Chinese release untouched."""
    assert main(["feedback", CHINESE, "--course", str(course.root)]) == 0
    page = next((course.root / "feedback" / "li" / CHINESE).glob("*.html")).read_text(encoding="utf-8")
    assert "你的结果" in page and "尚未实现" in page  # the table and "not implemented yet", in Chinese
    assert "not implemented yet" not in page
    source = nbformat.read(course.source / CHINESE / f"{CHINESE}.ipynb", as_version=4)
    hidden = [line.strip() for cell in source.cells if "BEGIN HIDDEN TESTS" in cell.source
              for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].splitlines() if len(line.strip()) > 30]
    assert hidden and not [line for line in hidden if line in page]


def test_release_names_an_unknown_language_or_a_missing_translation(course, capsys):
    assert main(["release", CHAPTER, "--lang", "fr", "--course", str(course.root)]) == 2
    assert "'fr' is not one of the course's languages" in capsys.readouterr().err
    catalog = course.translations / "zh_CN" / f"{CHAPTER}.po"
    kept = catalog.read_bytes()
    nb = nbformat.read(course.source / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A remark added after the translation."))
    nbformat.write(nb, course.source / CHAPTER / f"{CHAPTER}.ipynb")
    try:
        assert main(["release", CHAPTER, "--lang", "zh_CN", "--course", str(course.root)]) == 2
        assert "not translated" in capsys.readouterr().err
    finally:
        nb.cells.pop()
        nbformat.write(nb, course.source / CHAPTER / f"{CHAPTER}.ipynb")
        catalog.write_bytes(kept)


def test_a_translation_has_the_chapters_points_and_dates():
    course = load_course(copy_course.__globals__["COURSE"])
    english, chinese = course.chapter(CHAPTER), course.chapter(CHINESE)
    assert (chinese.points, chinese.due, chinese.opens, chinese.chapter_id) == (english.points, english.due, english.opens, CHAPTER)
    assert [c.id for c in course.versions(CHINESE)] == [CHAPTER, CHINESE]
    with pytest.raises(CourseError, match="and each with _zh_CN"):
        course.chapter("ch01_setup_fr")
    assert graded_id  # the helper the solution filling uses elsewhere


def test_passback_posts_a_chapter_once_whichever_language_was_submitted(course):
    """After the grading test: wen submitted both languages; the latest counts, on one line item.
    A student who only holds an extension has nothing graded and is not posted."""
    from autograder.instructor.passback import Passback, ToolRegistration, gradebook_grades

    assert main(["extend", "newbie", CHAPTER, "--days", "1", "--create-student", "--course", str(course.root)]) == 0
    grades = gradebook_grades(course, CHINESE)
    assert set(grades) == {"wen", "li"} and grades["wen"].score == course.chapter(CHAPTER).points
    assert gradebook_grades(course, CHAPTER) == grades
    assert Passback(course, CHINESE, ToolRegistration("", "", "", ""), None).chapter.id == CHAPTER
