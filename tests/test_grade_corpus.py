"""keras-course grade end to end on chapter 5 (slow): the same scores as ``nbgrader autograde`` for
well-behaved submissions, a clear result and reason for each bad one (tests/bad_submissions.py),
two shards that together grade everyone once, and a resubmission that archives the earlier one."""

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import nbformat
import pytest

from autograder.assign import release
from autograder.course import load_course
from autograder.grading.nbgrader_execute import PLAIN_SWITCH
from autograder.nbgrader_cmd import run_nbgrader
from autograder.grading.sandbox import detect_mode
from bad_submissions import CHAPTER, CHAPTER_POINTS, bad_corpus, cell_scores, well_behaved, write_submission
from conftest import copy_course

pytestmark = pytest.mark.slow
SANDBOXED = detect_mode().name != "none"
POINTS = f"{CHAPTER_POINTS:g}"  # the chapter's points as the summary table writes them
TIGHT = ["--cell-timeout", "20", "--timeout", "150", "--memory", "2", "--max-processes", "300"]


def keras_course_grade(course_root: Path, *args: str) -> tuple[int, dict[str, list[str]], str]:
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", CHAPTER, "--course", str(course_root),
                           *args], capture_output=True, text=True, timeout=1500)
    rows = {}
    for line in done.stdout.splitlines()[1:]:
        student, score, status, *reason = line.split(None, 3)
        rows[student] = [score, status, reason[0] if reason else ""]
    return done.returncode, rows, done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    top = tmp_path_factory.mktemp("grading")
    course = load_course(copy_course(top))
    release(course, [CHAPTER])
    return course


@pytest.fixture(scope="module")
def compared(course):
    """Well-behaved submissions graded by nbgrader autograde, then again by keras-course grade."""
    source = course.source / CHAPTER / f"{CHAPTER}.ipynb"
    released = course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb"
    students = well_behaved(source, released)
    for student, nb in students.items():
        write_submission(course.root, student, nb)
    with mock.patch.dict(os.environ, {PLAIN_SWITCH: "1"}):  # nbgrader's own Execute: the scores to match
        run_nbgrader(course.root, "autograde", CHAPTER)
    by_nbgrader = {student: cell_scores(course.root, student) for student in students}
    args = [a for s in students for a in ("--student", s)]
    status, rows, log = keras_course_grade(course.root, *args)
    by_us = {student: cell_scores(course.root, student) for student in students}
    return by_nbgrader, by_us, status, rows, log


def test_scores_equal_nbgrader_autograde_cell_by_cell(compared):
    by_nbgrader, by_us, status, rows, log = compared
    assert status == 0, log
    assert by_us == by_nbgrader
    assert rows["solution"][:2] == [f"{POINTS}/{POINTS}", "graded"]
    assert rows["as-released"][0] == f"0/{POINTS}"
    assert 0 < sum(by_us["partly-correct"].values()) < CHAPTER_POINTS


@pytest.fixture(scope="module")
def corpus(course, compared):
    snoop = [str(course.root / "gradebook.db"), str(course.source / CHAPTER / f"{CHAPTER}.ipynb"),
             str(course.root / "submitted" / "solution" / CHAPTER / f"{CHAPTER}.ipynb"), "/etc/shadow"]
    released = nbformat.read(course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    bad = bad_corpus(snoop)
    for student, case in bad.items():
        write_submission(course.root, student, case.build(released) if case.build else None, case.filename)
    students = [a for s in bad for a in ("--student", s)]
    shards = [keras_course_grade(course.root, *students, *TIGHT, "--shard", f"{i}/2") for i in range(2)]
    return bad, shards


def test_two_shards_grade_every_submission_exactly_once(corpus):
    bad, shards = corpus
    graded = [student for _, rows, _ in shards for student in rows]
    assert sorted(graded) == sorted(bad)


def test_every_bad_submission_is_graded_with_its_reason(corpus):
    bad, shards = corpus
    rows = {student: row for _, found, _ in shards for student, row in found.items()}
    for student, case in bad.items():
        score, status, reason = rows[student]
        assert status == "graded", (student, rows[student])
        assert float(score.split("/")[0]) <= case.most, (student, rows[student])
        assert score.split("/")[1] == POINTS, (student, rows[student])
        assert case.reason in reason, (student, rows[student])
    assert all(status == 0 for status, _, _ in shards), [log[-2000:] for _, _, log in shards]


def test_restored_test_cells_are_the_originals(course, corpus):
    scores = cell_scores(course.root, "tests-edited")
    assert sum(scores.values()) == 0  # 'all tests passed' and 100 points did not survive
    graded = nbformat.read(course.root / "autograded" / "tests-edited" / CHAPTER / f"{CHAPTER}.ipynb", 4)
    public = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "lenet5_public")
    assert "check(" in public.source
    deleted = cell_scores(course.root, "cells-deleted")
    assert set(deleted) >= {"lenet5_hidden", "vgg_public"}


def autograded_output(course, student: str) -> str:
    """What the student's cells printed when graded (not their source, which names the words too)."""
    nb = nbformat.read(course.root / "autograded" / student / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    return "\n".join(str(output.get("text", "")) + str(output.get("evalue", ""))
                     for cell in nb.cells for output in cell.get("outputs", []))


@pytest.mark.skipif(not SANDBOXED, reason="needs root or user namespaces")
def test_sandbox_reads_no_course_files_and_has_no_network(course, corpus):
    snooped = autograded_output(course, "reads-outside")
    assert "DENIED" in snooped and "READ " not in snooped
    network = autograded_output(course, "network")
    assert "NO NETWORK" in network and "CONNECTED" not in network


@pytest.mark.skipif(not SANDBOXED, reason="needs root or user namespaces")
def test_a_kernel_cannot_read_its_fork_servers_memory(course, corpus):
    for student in ("kills-fork-server", "stops-fork-server"):
        attempt = autograded_output(course, student)
        assert "MEMORY DENIED" in attempt and "MEMORY READ" not in attempt, attempt


@pytest.mark.skipif(detect_mode().name != "user", reason="kernels keep the grader's uid: nothing tells them apart")
def test_no_sandbox_process_is_left_running(corpus):
    """Only this run's slots count: another grader on the machine has processes of its own."""
    import fcntl
    import pwd
    import re
    import tempfile

    _, shards = corpus
    slots = {int(n) for _, _, log in shards for n in re.search(r"in slot\(s\) ([\d, ]+),", log).group(1).split(",")}
    for slot in sorted(slots):
        # Hold the slot's lock while looking: a grader that claimed it since would have its own processes.
        with open(Path(tempfile.gettempdir()) / f"keras-course-grade-slot-{slot}.lock", "a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # taken again by another run since ours ended
            uid = pwd.getpwnam(f"kc-grade-{slot}").pw_uid
            left = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _owner(p) == uid]
            assert left == [], f"slot {slot}: {left}"


def _owner(path: Path):
    try:
        return path.stat().st_uid
    except OSError:
        return None


def test_a_resubmission_is_graded_and_the_earlier_one_archived(course, corpus):
    released = nbformat.read(course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    write_submission(course.root, "sys-exit", released, timestamp="2027-02-12 08:00:00.000000 UTC")
    status, rows, log = keras_course_grade(course.root, "--student", "sys-exit", *TIGHT)
    assert status == 0, log
    assert "earlier version archived" in rows["sys-exit"][2]
    archived = list((course.root / "archive" / "autograded" / "sys-exit" / CHAPTER).iterdir())
    assert len(archived) == 1 and "sys.exit(3)" in (archived[0] / f"{CHAPTER}.ipynb").read_text()
    latest = course.root / "autograded" / "sys-exit" / CHAPTER / "timestamp.txt"
    assert latest.read_text().startswith("2027-02-12")
