"""The manifest loads, rejects bad input clearly, and agrees with the notebooks."""

import re

import nbformat
import pytest

from autograder.course import CourseError, LatePolicy, load_course
from autograder.exercises import exercise_ids
from conftest import COURSE, graded_id

COURSE_TOML = """
[course]
id = "demo"

[[chapters]]
id = "ch01_intro"
title = "Intro"
points = 5
due = 2027-01-10T12:00:00Z
"""


def write(tmp_path, text):
    (tmp_path / "course.toml").write_text(text)
    return tmp_path


def test_course_manifest_loads():
    course = load_course(COURSE)
    assert course.id == "keras-course"
    assert course.source == COURSE.parent / "source"
    ids = [c.id for c in course.chapters]
    assert "ch05_cnn" in ids and ids == sorted(ids), ids  # chapters are listed in course order
    assert all(c.notebook.is_file() for c in course.chapters)


def test_dates_are_timezone_aware(tmp_path):
    chapter = load_course(write(tmp_path, COURSE_TOML)).chapters[0]
    assert chapter.due.tzinfo is not None and chapter.opens is None


@pytest.mark.parametrize("text, words", [
    ("not toml [", "is not valid TOML"),
    ("[course]\nid='x'\n", "lists no [[chapters]]"),
    ("[course]\ntitle='x'\n", "[course] needs an id"),
    (COURSE_TOML + "\n[[chapters]]\nid='ch01_intro'\ntitle='again'\npoints=1\n", "appears twice"),
    ("[course]\nid='x'\n[[chapters]]\nid='a'\ntitle='A'\n", "missing points"),
    ("[course]\nid='x'\n[[chapters]]\nid='a'\ntitle='A'\npoints=1\ndue='soon'\n", "should be a date"),
    ("[course]\nid='x'\n[[chapters]]\nid='a'\ntitle='A'\npoints=1\nopens=2027-02-01T00:00:00Z\n"
     "due=2027-01-01T00:00:00Z\n", "is not after opens"),
    (COURSE_TOML + "[late_policy]\nlate_days = -1\n", "late_days should be a whole number of days, 0 or more"),
    (COURSE_TOML + "[late_policy]\nlate_days = 1.5\n", "late_days should be a whole number of days"),
    (COURSE_TOML + "[late_policy]\nlate_days = true\n", "late_days should be a whole number of days"),
    (COURSE_TOML + "[late_policy]\npenalty_per_day = 1.5\n", "penalty_per_day should be a number from 0 to 1"),
    (COURSE_TOML + "[late_policy]\npenalty_per_day = -0.1\n", "penalty_per_day should be a number from 0 to 1"),
    (COURSE_TOML + "[late_policy]\nzero_after_days = 'never'\n", "zero_after_days should be a number, 0 or more"),
    (COURSE_TOML + "[late_policy]\nlate_day = 2\n", "unknown key(s) late_day"),
    ("late_policy = 3\n" + COURSE_TOML, "late_policy should be a table"),
    (COURSE_TOML.replace('id = "demo"', 'id = "demo"\ntimezone = "Mars/Base"'),
     "timezone 'Mars/Base' is not a time zone"),
])
def test_bad_manifest_is_a_clear_error(tmp_path, text, words):
    with pytest.raises(CourseError, match=re.escape(words)):
        load_course(write(tmp_path, text))


def test_late_policy_and_time_zone_default_to_no_penalty_in_utc(tmp_path):
    course = load_course(write(tmp_path, COURSE_TOML))
    assert course.late_policy == LatePolicy() and course.late_policy.is_default and course.timezone == "UTC"


def test_late_policy_and_time_zone_load(tmp_path):
    text = COURSE_TOML.replace('id = "demo"', 'id = "demo"\ntimezone = "Asia/Shanghai"')
    course = load_course(write(tmp_path, text + "[late_policy]\nlate_days = 4\npenalty_per_day = 0.1\n"))
    assert course.late_policy == LatePolicy(late_days=4, penalty_per_day=0.1, zero_after_days=None)
    assert str(course.zone) == "Asia/Shanghai" and not course.late_policy.is_default
    assert load_course(COURSE).late_policy == LatePolicy(4, 0.1, 7)  # the course's own, documented in course.toml


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(CourseError, match="does not exist"):
        load_course(tmp_path)


def test_unknown_chapter_names_the_known_ones():
    course = load_course(COURSE)
    known = ", ".join(c.id for c in course.chapters)
    with pytest.raises(CourseError, match=re.escape(f"chapters: {known}")):
        course.chapter("ch99")


@pytest.mark.parametrize("chapter", load_course(COURSE).chapters, ids=lambda c: c.id)
def test_notebook_agrees_with_manifest_and_registry(chapter):
    nb = nbformat.read(chapter.notebook, as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    ids = [m["grade_id"] for m in meta if m]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    points = sum(m.get("points", 0) for m in meta if m.get("grade"))
    assert points == chapter.points, f"manifest says {chapter.points} points, notebook cells add up to {points}"

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not any(c.get("outputs") for c in code), "commit notebooks without outputs"
    checked = {m for c in code for m in re.findall(r'check\("([\w.-]+)"', c.source)}
    assert checked <= set(exercise_ids()), f"unknown exercises: {checked - set(exercise_ids())}"
    # Every exercise with a public check also has hidden tests that decide the grade.
    hidden = {graded_id(c).removesuffix("_hidden") for c in code
              if graded_id(c) and "BEGIN HIDDEN TESTS" in c.source}
    assert checked == hidden
    # A hidden-test region only ever sits in a graded cell (or nbgrader would not strip it).
    for cell in code:
        if "BEGIN HIDDEN TESTS" in cell.source:
            assert cell.metadata["nbgrader"]["grade"] and cell.metadata["nbgrader"]["locked"]


POINTS_IN_CODE = re.compile(r'(?:check\("[\w.-]+",\s*points=|TestCell\(points=)([\d.]+)\)')


@pytest.mark.parametrize("chapter", load_course(COURSE).chapters, ids=lambda c: c.id)
def test_graded_cells_score_with_the_points_of_their_metadata(chapter):
    """A graded test cell names its points in code (nbgrader reads the score it prints): they must
    be the points its metadata gives, or a full score would be cut or rejected."""
    nb = nbformat.read(chapter.notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        in_code = POINTS_IN_CODE.findall(cell.source)
        assert len(in_code) == 1, f"{meta['grade_id']}: end with check(..., points=N) or TestCell(points=N)"
        assert float(in_code[0]) == meta["points"], meta["grade_id"]
        last_line = cell.source.replace("### END HIDDEN TESTS", "").strip().splitlines()[-1]
        assert last_line.startswith(("check(", "hidden.score()")), f"{meta['grade_id']}: {last_line}"
