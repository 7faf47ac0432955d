"""Extensions and late days: the ledger's rules at every boundary, on real nbgrader gradebooks.

Timestamps are written as students' machines would write them, in their own zones (+0800 east,
-0500 west of UTC); every rule is tried just before, exactly at and just after its boundary.
The fast tests run the late-penalty step on a real gradebook without executing notebooks; the
slow one grades two toy chapters for real, out of due-date order.
"""

import argparse
import csv
import datetime as dt
import json
import os
import secrets
import shutil
import stat
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_markdown_cell, new_notebook
from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties
from traitlets.config import Config

from autograder.course import Chapter, LatePolicy, load_course
from autograder.deadlines import (Arrival, Submission, build_ledger, check_arrival, days_late, deadlines_file,
                                  judge_submission_time, parse_submission_time, read_ledger, read_ledger_file)
from autograder.grading.late_penalties import LedgerLatePenalties
from autograder.instructor.extensions import add_parser, grant, parse_until
from autograder.nbgrader_cmd import environment_with_tools
from autograder.report import Report, read_grades, write_grades_csv
from autograder.student import deadlines
from conftest import COURSE

UTC = dt.timezone.utc
DUE = {"ch01": dt.datetime(2027, 1, 18, 23, 59, tzinfo=UTC),
       "ch02": dt.datetime(2027, 1, 25, 23, 59, tzinfo=UTC),
       "ch03": dt.datetime(2027, 2, 1, 23, 59, tzinfo=UTC)}
CHAPTERS = [Chapter(c, c.upper(), 10, None, due, COURSE / f"{c}.ipynb") for c, due in DUE.items()]
POLICY = LatePolicy(late_days=4, penalty_per_day=0.1, zero_after_days=7)
SECOND = dt.timedelta(seconds=1)
DAY = dt.timedelta(days=1)

POLICY_TOML = """
[late_policy]
late_days = 4
penalty_per_day = 0.1
zero_after_days = 7
"""
COURSE_TOML = """[course]
id = "late"
timezone = "{timezone}"
{policy}{chapters}"""


def chapters_toml(dues: dict) -> str:
    return "".join(f'\n[[chapters]]\nid = "{c}"\ntitle = "{c.upper()}"\npoints = 10\n'
                   f'due = {due.isoformat().replace("+00:00", "Z")}\n' for c, due in dues.items())


def at(text: str) -> dt.datetime:
    """A timestamp.txt as a student's machine writes it, read as the ledger reads it."""
    when = parse_submission_time(text)
    assert when is not None, text
    return when


def ledger_of(submissions: dict, policy: LatePolicy = POLICY):
    return build_ledger("ann", CHAPTERS, policy, submissions)


# -- the rules, on plain data -------------------------------------------------------------------

@pytest.mark.parametrize("late, days", [(dt.timedelta(0), 0), (dt.timedelta(microseconds=1), 1), (SECOND, 1),
                                        (DAY - SECOND, 1), (DAY, 1), (DAY + SECOND, 2), (7 * DAY, 7)])
def test_each_started_day_counts(late, days):
    assert days_late(late) == days


@pytest.mark.parametrize("text", [
    "2027-01-18 23:59:00.000000 UTC",  # nbgrader's own format
    "2027-01-19 07:59:00 +0800", "2027-01-19 07:59:00 +08:00", "2027-01-19 07:59:00 Asia/Shanghai",
    "2027-01-19T07:59:00+08:00", "2027-01-18 18:59:00 -0500", "2027-01-18 15:59:00 America/Los_Angeles",
    "2027-01-18 23:59:00",  # no zone: UTC, as nbgrader reads it
])
def test_timestamps_in_any_zone_name_the_same_instant(text):
    assert parse_submission_time(text) == DUE["ch01"]


def test_an_ambiguous_zone_abbreviation_is_left_to_nbgrader():
    assert parse_submission_time("2027-01-19 07:59:00 CST") is None  # China? US Central? Cuba?
    assert parse_submission_time("not a time") is None


@pytest.mark.parametrize("text, late_days", [
    ("2027-01-19 07:58:59 +0800", 0), ("2027-01-19 07:59:00 +0800", 0), ("2027-01-19 07:59:01 +0800", 1),
    ("2027-01-18 18:58:59 -0500", 0), ("2027-01-18 18:59:00 -0500", 0), ("2027-01-18 18:59:01 -0500", 1),
])
def test_the_due_date_in_the_students_own_zone(text, late_days):
    row = ledger_of({"ch01": Submission(at(text))}).deadline("ch01")
    assert (row.days_late, row.late_days_used, row.penalty_share) == (late_days, late_days, 0.0)


@pytest.mark.parametrize("text, late_days", [
    ("2027-01-21 07:58:59 +0800", 0), ("2027-01-21 07:59:00 +0800", 0), ("2027-01-21 07:59:01 +0800", 1),
    ("2027-01-20 18:59:00 -0500", 0), ("2027-01-20 18:59:01 -0500", 1),
])
def test_the_extended_due_date(text, late_days):
    ledger = ledger_of({"ch01": Submission(at(text), extension=2 * DAY)})
    row = ledger.deadline("ch01")
    assert row.due == DUE["ch01"] + 2 * DAY
    assert (row.days_late, row.late_days_used, ledger.late_days_left) == (late_days, late_days, 4 - late_days)


@pytest.mark.parametrize("text, days, used, share", [
    ("2027-01-23 07:58:59 +0800", 4, 4, 0.0),  # 4 days late, 4 late days: covered
    ("2027-01-23 07:59:00 +0800", 4, 4, 0.0),  # exactly 4 days late
    ("2027-01-23 07:59:01 +0800", 5, 4, 0.1),  # the 5th day is not covered
    ("2027-01-22 18:59:00 -0500", 4, 4, 0.0),
    ("2027-01-22 18:59:01 -0500", 5, 4, 0.1),
])
def test_where_late_days_run_out(text, days, used, share):
    ledger = ledger_of({"ch01": Submission(at(text))})
    row = ledger.deadline("ch01")
    assert (row.days_late, row.late_days_used, row.penalty_share, ledger.late_days_left) == (days, used, share, 0)


def test_late_days_left_from_one_chapter_cover_the_next_in_part():
    three_late = Submission(DUE["ch01"] + 3 * DAY)
    covered = ledger_of({"ch01": three_late, "ch02": Submission(DUE["ch02"] + DAY)})
    assert covered.deadline("ch02").penalty_share == 0.0 and covered.late_days_left == 0
    short = ledger_of({"ch01": three_late, "ch02": Submission(DUE["ch02"] + DAY + SECOND)})
    row = short.deadline("ch02")
    assert (row.days_late, row.late_days_used, row.penalty_share, short.late_days_left) == (2, 1, 0.1, 0)


@pytest.mark.parametrize("text, used, share", [
    ("2027-01-26 07:58:59 +0800", 4, 0.3),  # 7 days late: 4 late days, 3 days at 10%
    ("2027-01-26 07:59:00 +0800", 4, 0.3),  # exactly 7 days: not later than zero_after_days
    ("2027-01-26 07:59:01 +0800", 0, 1.0),  # later: 0, and no late day is spent on it
    ("2027-01-25 18:59:01 -0500", 0, 1.0),
])
def test_zero_after_days(text, used, share):
    ledger = ledger_of({"ch01": Submission(at(text))})
    row = ledger.deadline("ch01")
    assert (row.late_days_used, row.penalty_share, ledger.late_days_left) == (used, share, 4 - used)


def test_zero_after_days_counts_from_the_extended_due_date():
    late = Submission(DUE["ch01"] + 8 * DAY, extension=DAY)
    assert ledger_of({"ch01": late}).deadline("ch01").penalty_share == pytest.approx(0.3)


def test_penalty_is_capped_at_the_whole_score():
    policy = LatePolicy(late_days=0, penalty_per_day=0.4)
    assert ledger_of({"ch01": Submission(DUE["ch01"] + 3 * DAY)}, policy).deadline("ch01").penalty_share == 1.0


def test_late_days_go_in_due_date_order_whatever_the_order_of_the_chapters():
    submissions = {"ch03": Submission(DUE["ch03"] + 2 * DAY), "ch01": Submission(DUE["ch01"] + 3 * DAY)}
    in_order = ledger_of(submissions)
    reversed_chapters = build_ledger("ann", CHAPTERS[::-1], POLICY, submissions)
    assert in_order.deadline("ch01").late_days_used == 3 and in_order.deadline("ch03").penalty_share == 0.1
    assert {d.chapter: d for d in reversed_chapters.deadlines} == {d.chapter: d for d in in_order.deadlines}


def test_the_default_policy_counts_days_but_costs_nothing():
    ledger = ledger_of({"ch01": Submission(DUE["ch01"] + 30 * DAY)}, LatePolicy())
    row = ledger.deadline("ch01")
    assert (row.days_late, row.late_days_used, row.penalty_share, ledger.late_days_left) == (30, 0, 0.0, 0)


def test_a_chapter_without_a_due_date_is_never_late():
    chapters = [Chapter("free", "Free", 1, None, None, COURSE / "free.ipynb")]
    ledger = build_ledger("ann", chapters, POLICY, {"free": Submission(DUE["ch03"])})
    assert ledger.deadline("free").days_late == 0 and ledger.late_days_left == 4


# -- a real gradebook, graded by the late-penalty step ------------------------------------------

class Class:
    """A course root in tmp_path with a gradebook that holds the three chapters, one graded cell each."""

    def __init__(self, top, gradebook, timezone="UTC", policy=POLICY_TOML, dues=None):
        self.root = top / "course"
        self.root.mkdir()
        shutil.copy(COURSE / "nbgrader_config.py", self.root)
        (self.root / "course.toml").write_text(COURSE_TOML.format(timezone=timezone, policy=policy,
                                                                  chapters=chapters_toml({**DUE, **(dues or {})})))
        self.course = load_course(self.root)
        self.exchange = top / "exchange"
        self.exchange.mkdir()
        shutil.copy(gradebook, self.root / "gradebook.db")
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        self.config = Config()  # nbgrader's, as the course's nbgrader_config.py and the hub give it
        self.config.CourseDirectory.root = str(self.root)
        self.config.Exchange.root = str(self.exchange)

    def submit(self, student: str, chapter: str, timestamp: str, notebook: str = "{}") -> Path:
        """An inbound folder as nbgrader submit names and fills it: what a student's own process writes."""
        folder = self.exchange / "late" / "inbound" / f"{student}+{chapter}+{timestamp}+{secrets.token_urlsafe(9)}"
        folder.mkdir(parents=True)
        (folder / f"{chapter}.ipynb").write_text(notebook)
        (folder / "timestamp.txt").write_text(timestamp)
        (folder / "submission_secret.txt").write_text(secrets.token_hex(64))
        return folder

    def collect(self, inbound: Path) -> Path:
        """What nbgrader collect does with the inbound folder it takes: a copy in submitted/."""
        student, chapter = inbound.name.split("+")[:2]
        copy = self.root / "submitted" / student / chapter
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(inbound, copy)
        return copy

    def grade(self, student: str, chapter: str, timestamp: str | None = None, score: float = 10) -> None:
        """What nbgrader autograde does around execution: the timestamp as it reads it, the score, then our step.

        ``timestamp`` None: the collected submission's (collect); else a submission copied into submitted/ by hand.
        """
        collected = self.root / "submitted" / student / chapter
        if timestamp is None:
            timestamp = (collected / "timestamp.txt").read_text()
        else:
            collected.mkdir(parents=True, exist_ok=True)
            (collected / "timestamp.txt").write_text(timestamp)
        folder = self.root / "autograded" / student / chapter
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "timestamp.txt").write_text(timestamp)
        with Gradebook(self.db_url) as gb:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(chapter, student, timestamp=timestamp)
            gb.find_grade("answer", chapter, chapter, student).auto_score = score
            gb.db.commit()
        resources = {"nbgrader": {"student": student, "assignment": chapter, "notebook": chapter,
                                  "db_url": self.db_url}, "metadata": {"path": str(folder)}}
        LedgerLatePenalties(config=self.config).preprocess(new_notebook(), resources)

    def recorded(self, student: str, chapter: str) -> dict:
        return read_ledger_file(self.root)[student][chapter]

    def penalties(self, student: str) -> dict[str, float]:
        with Gradebook(self.db_url) as gb:
            return {s.assignment.name: s.late_submission_penalty for s in gb.find_student(student).submissions}

    def extend(self, *argv: str) -> int:
        parser = argparse.ArgumentParser(prog="keras-course")
        add_parser(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["extend", *argv, "--course", str(self.root), "--db-url", self.db_url])
        return args.run(args)


@pytest.fixture(autouse=True, scope="module")
def tools_on_path():
    """A new gradebook runs nbgrader's alembic, from this interpreter's bin folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", environment_with_tools()["PATH"])
        yield


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """The three chapters as keras-course release adds them, due dates included; made once (alembic is slow)."""
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}") as gb:
        for chapter, due in DUE.items():
            gb.add_assignment(chapter, duedate=due.isoformat())
            gb.add_notebook(chapter, chapter)
            gb.add_grade_cell("answer", chapter, chapter, max_score=10, cell_type="code")
    return path


@pytest.fixture
def klass(tmp_path, monkeypatch, empty_gradebook):
    monkeypatch.setenv("KERAS_COURSE_EXCHANGE", str(tmp_path / "exchange"))
    return Class(tmp_path, empty_gradebook)


def test_the_gradebook_gets_the_instant_the_students_zone_names(klass):
    klass.grade("ann", "ch01", "2027-01-19 07:59:00 +0800")  # nbgrader alone reads 7 h 46 min late
    with Gradebook(klass.db_url) as gb:
        submission = gb.find_submission("ch01", "ann")
        assert submission.timestamp == dt.datetime(2027, 1, 18, 23, 59) and submission.total_seconds_late == 0
    assert klass.penalties("ann") == {"ch01": 0.0}
    klass.grade("bob", "ch01", "2027-01-18 18:59:01 -0500")
    assert read_ledger(klass.course, "bob", klass.db_url).deadline("ch01").late_days_used == 1


def test_grading_out_of_due_date_order_reprices_every_chapter(klass):
    times = {"ch01": "2027-01-23 07:59:00 +0800",  # 4 days late
             "ch02": "2027-01-28 18:59:00 -0500",  # 3 days late
             "ch03": "2027-02-03 23:59:00 UTC"}    # 2 days late
    klass.grade("ann", "ch02", times["ch02"])
    klass.grade("ann", "ch03", times["ch03"], score=8)
    assert klass.penalties("ann") == {"ch02": 0.0, "ch03": pytest.approx(0.8)}  # 3 + 1 late days, 1 day at 10%
    klass.grade("ann", "ch01", times["ch01"])  # due first: it takes all 4 late days
    for chapter in ("ch01", "ch02", "ch03"):  # bob, graded in due-date order, ends where ann does
        klass.grade("bob", chapter, times[chapter], score=8 if chapter == "ch03" else 10)
    expected = {"ch01": 0.0, "ch02": pytest.approx(3.0), "ch03": pytest.approx(1.6)}
    assert klass.penalties("ann") == expected and klass.penalties("bob") == expected
    recorded = read_ledger_file(klass.root)
    assert recorded["ann"] == recorded["bob"]
    assert recorded["ann"]["left"] == 0
    assert recorded["ann"]["ch02"] == {"days_late": 3, "late_days_used": 0, "penalty_share": 0.3,
                                       "due": "2027-01-25T23:59:00+00:00", "submitted": "2027-01-28T23:59:00+00:00",
                                       "extension_seconds": None, "time_source": "unverified",
                                       "time_note": "no inbound folder of the student for ch02 in "
                                                    f"{klass.exchange / 'late' / 'inbound'}"}


def test_an_extension_granted_after_grading_changes_the_penalty_now(klass):
    klass.grade("ann", "ch01", "2027-01-23 07:59:00 +0800")  # 4 days: all late days
    klass.grade("ann", "ch02", "2027-01-27 23:59:00 UTC")  # 2 days: 20%
    assert klass.penalties("ann") == {"ch01": 0.0, "ch02": pytest.approx(2.0)}
    granted = grant(klass.course, klass.db_url, "ann", "ch01", dt.timedelta(days=3), exchange=klass.exchange)
    assert (granted.graded, granted.penalty_before, granted.penalty_after) == (True, 0.0, 0.0)
    assert klass.penalties("ann") == {"ch01": 0.0, "ch02": 0.0}  # ch01 now 1 day late: 3 late days left
    assert read_ledger_file(klass.root)["ann"]["left"] == 1
    grant(klass.course, klass.db_url, "ann", "ch01", None, exchange=klass.exchange)  # --clear
    assert klass.penalties("ann") == {"ch01": 0.0, "ch02": pytest.approx(2.0)}


def test_without_a_late_policy_nbgraders_own_plugin_prices_late_work(tmp_path, monkeypatch, empty_gradebook):
    klass = Class(tmp_path, empty_gradebook, policy="")
    assert klass.course.late_policy.is_default
    klass.config.LateSubmissionPlugin.penalty_method = "zero"  # nbgrader's: a late notebook scores 0
    klass.grade("ann", "ch01", "2027-01-19 07:59:01 +0800", score=7)  # 1 s late
    klass.grade("bob", "ch01", "2027-01-19 07:59:00 +0800")  # on time (nbgrader alone reads 7 h late)
    assert klass.penalties("ann") == {"ch01": 7.0} and klass.penalties("bob") == {"ch01": 0.0}
    step = AssignLatePenalties(config=klass.config)
    step.init_plugin()
    grant(klass.course, klass.db_url, "ann", "ch01", SECOND, plugin=step.plugin_inst, exchange=klass.exchange)
    assert klass.penalties("ann") == {"ch01": 0.0}
    assert read_ledger_file(klass.root)["ann"]["ch01"]["days_late"] == 0


def test_extend_until_a_date_and_what_it_prints(klass, capsys):
    klass.grade("ann", "ch02", "2027-01-27 23:59:00 UTC")  # 2 days late
    assert klass.extend("ann", "ch02", "--until", "2027-01-28T07:59+08:00") == 0  # 2027-01-27 23:59 UTC
    out = capsys.readouterr().out
    assert "ann: ch02 is now due Wed 2027-01-27 23:59 UTC" in out and "extension 2 days" in out
    assert "already graded: 0 day(s) late" in out and "4 of 4 late day(s) left" in out
    with Gradebook(klass.db_url) as gb:
        assert gb.find_submission("ch02", "ann").extension == 2 * DAY


def test_extend_a_plain_date_is_the_end_of_that_day_in_the_course_zone(tmp_path, monkeypatch, capsys,
                                                                         empty_gradebook):
    monkeypatch.setenv("KERAS_COURSE_EXCHANGE", str(tmp_path / "exchange"))
    klass = Class(tmp_path, empty_gradebook, timezone="America/Los_Angeles")
    klass.grade("ann", "ch01", "2027-01-19 07:59:00 UTC")
    assert klass.extend("ann", "ch01", "--until", "2027-01-20") == 0
    with Gradebook(klass.db_url) as gb:  # 2027-01-20 23:59:59 PST is 2027-01-21 07:59:59 UTC
        assert gb.find_submission("ch01", "ann").extension == 2 * DAY + 8 * dt.timedelta(hours=1) + 59 * SECOND
    assert "now due Wed 2027-01-20 23:59 PST" in capsys.readouterr().out


def test_extend_before_a_first_submission_needs_create_student(klass, capsys):
    from autograder.course import CourseError

    with pytest.raises(CourseError, match="no student 'cem' in the gradebook.*--create-student"):
        klass.extend("cem", "ch03", "--days", "2")
    assert klass.extend("cem", "ch03", "--days", "2", "--create-student") == 0
    assert "not graded yet: grading will apply the extension" in capsys.readouterr().out
    klass.grade("cem", "ch03", "2027-02-03 23:59:00 UTC")  # the extension survives grading
    assert klass.penalties("cem") == {"ch03": 0.0}
    assert read_ledger(klass.course, "cem", klass.db_url).late_days_left == 4


@pytest.mark.parametrize("argv, words", [
    (["ann", "ch99", "--days", "1"], "no chapter 'ch99'"),
    (["ann", "ch01", "--until", "next friday"], "is not a date: give 2027-01-20"),
    (["ann", "ch01", "--until", "2027-01-10"], "is not after ch01's due date"),
    (["ann", "ch01", "--days", "0"], "--days should be more than 0"),
])
def test_extend_errors_say_what_is_wrong(klass, argv, words):
    from autograder.course import CourseError

    with pytest.raises(CourseError, match=words):
        klass.extend(*argv)


def test_extend_takes_one_of_until_days_and_clear(klass, capsys):
    for argv in (["ann", "ch01", "--until", "2027-01-20", "--days", "1"], ["ann", "ch01"]):
        with pytest.raises(SystemExit) as exit_:
            klass.extend(*argv)
        assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "not allowed with argument" in err and "one of the arguments --until --days --clear is required" in err


def test_parse_until_reads_offsets_and_plain_dates():
    zone = load_course(COURSE).zone
    assert parse_until("2027-01-20T23:59+08:00", zone) == dt.datetime(2027, 1, 20, 15, 59, tzinfo=UTC)
    assert parse_until("2027-01-20", zone) == dt.datetime(2027, 1, 20, 23, 59, 59, tzinfo=UTC)


# -- what people read: the exchange file, deadlines(), the report -------------------------------

def test_the_students_deadlines_file_holds_only_their_own_dates(klass):
    klass.grade("ann", "ch01", "2027-01-20 07:59:00 +0800")
    klass.grade("bob", "ch01", "2027-01-18 23:00:00 UTC")
    path = deadlines_file(klass.exchange, "late", "ann")
    record = json.loads(path.read_text())
    assert record["student"] == "ann" and "bob" not in path.read_text()
    assert [c["id"] for c in record["chapters"]] == ["ch01", "ch02", "ch03"] and record["left"] == 3
    if os.geteuid() != 0 or not _has_user("ann"):  # nobody to give it to: readable, as the module says
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o711  # the class cannot be listed


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_as_root_the_deadlines_file_belongs_to_the_students_system_user(klass):
    klass.grade("nobody", "ch01", "2027-01-18 23:00:00 UTC")  # a system user every Linux has
    path = deadlines_file(klass.exchange, "late", "nobody")
    assert stat.S_IMODE(path.stat().st_mode) == 0o400 and path.stat().st_uid == _uid("nobody")


def test_deadlines_shows_the_extension_and_late_days_left_in_the_given_zone(klass, monkeypatch, capsys, tmp_path):
    klass.grade("ann", "ch01", "2027-01-20 07:59:00 +0800")  # 1 day late: 3 late days left
    grant(klass.course, klass.db_url, "ann", "ch02", dt.timedelta(days=2), create_student=True,
          exchange=klass.exchange)
    monkeypatch.setenv("JUPYTERHUB_USER", "ann")
    monkeypatch.setenv("KERAS_COURSE_ROOT", str(klass.root))  # the course id, as a student's config gives it
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "no-config"))
    monkeypatch.chdir(tmp_path)
    deadlines(tz="Asia/Shanghai")
    out = capsys.readouterr().out
    assert "Deadlines for ann in late, times in Asia/Shanghai" in out
    assert "Tue 2027-01-19 07:59" in out  # ch01: 23:59 UTC is 07:59 the next morning in Shanghai
    assert "Thu 2027-01-28 07:59 2 days" in out  # ch02, extended by 2 days
    assert "Late days left: 3 of 4." in out
    deadlines(tz="America/New_York")
    assert "Mon 2027-01-18 18:59" in capsys.readouterr().out


def as_self_learner(klass, monkeypatch, tmp_path) -> None:
    """A user with no deadlines file and no exchange, who can see the course's course.toml."""
    monkeypatch.setenv("JUPYTERHUB_USER", "self-learner")
    monkeypatch.setenv("KERAS_COURSE_ROOT", str(klass.root))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "no-config"))
    monkeypatch.chdir(tmp_path)


def test_deadlines_without_a_file_shows_the_course_dates(klass, monkeypatch, capsys, tmp_path):
    as_self_learner(klass, monkeypatch, tmp_path)
    deadlines(tz="UTC")
    out = capsys.readouterr().out
    assert "Mon 2027-01-18 23:59" in out and "These are the course's dates" in out
    monkeypatch.setenv("KERAS_COURSE_ROOT", str(tmp_path / "nowhere"))
    deadlines(tz="UTC")
    assert "No deadlines are known here" in capsys.readouterr().out


def test_report_lists_dates_late_days_and_penalties(klass, tmp_path):
    klass.grade("ann", "ch02", "2027-01-27 23:59:00 UTC", score=5)  # 2 days late: 2 late days
    klass.grade("bob", "ch01", "2027-01-23 07:59:01 +0800")  # 5 days late: 4 late days, 10%
    klass.grade("bob", "ch02", "2027-01-25 23:00:00 UTC")  # on time
    grant(klass.course, klass.db_url, "cem", "ch02", DAY, create_student=True, exchange=klass.exchange)
    report = Report("ch02", read_grades(klass.course, "ch02"), [])
    assert sorted(report.grades.scores) == ["ann", "bob"]  # cem's extension alone is no submission
    write_grades_csv(report, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert rows["ann"]["due"] == "2027-01-25T23:59+00:00" and rows["ann"]["submitted"] == "2027-01-27T23:59+00:00"
    assert (rows["ann"]["days_late"], rows["ann"]["late_days_used"], rows["ann"]["late_penalty"]) == ("2", "2", "0.0")
    assert rows["bob"]["days_late"] == "0" and rows["(max)"]["due"] == ""
    bob_ch01 = Report("ch01", read_grades(klass.course, "ch01"), [])
    assert "bob" in bob_ch01.late_table() and "1.00" in bob_ch01.late_table()
    table = report.item_table()
    late_rows = table.split("late submission(s)")[1].split("\n\n")[0]
    assert "ch02: 1 late submission(s), times in UTC" in table and "ann" in late_rows and "bob" not in late_rows


# -- the submission time checked against the exchange ------------------------------------------

def nbgrader_time(when: dt.datetime) -> str:
    """A time as nbgrader submit writes it (its timestamp_format, in UTC)."""
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f} UTC"


def stored_time(klass: Class, student: str, chapter: str) -> dt.datetime:
    with Gradebook(klass.db_url) as gb:
        return gb.find_submission(chapter, student).timestamp.replace(tzinfo=UTC)


@pytest.fixture
def exchange_class(tmp_path, monkeypatch, empty_gradebook):
    """A Class whose chapters fall due when the test says (relative to now: the exchange's ctimes are now)."""
    def make(**dues):
        monkeypatch.setenv("KERAS_COURSE_EXCHANGE", str(tmp_path / "exchange"))
        return Class(tmp_path, empty_gradebook, dues=dues)
    return make


ARRIVED = dt.datetime(2027, 1, 19, 12, 0, tzinfo=UTC)
FROM_EXCHANGE = Arrival(ARRIVED, "inbound folder ann+ch01+x+y last changed at")
TOLERANCE = dt.timedelta(minutes=10)


@pytest.mark.parametrize("claimed, instant, source", [
    (ARRIVED - TOLERANCE, ARRIVED - TOLERANCE, "timestamp.txt"),  # as early as a slow copy allows
    (ARRIVED - TOLERANCE - dt.timedelta(microseconds=1), ARRIVED, "exchange"),
    (ARRIVED, ARRIVED, "timestamp.txt"),
    (ARRIVED + dt.timedelta(microseconds=1), ARRIVED, "exchange"),  # after the files were there: impossible too
    (None, ARRIVED, "exchange"),  # no timestamp.txt at all
])
def test_the_rule_keeps_a_claim_only_within_the_tolerance_before_the_arrival(claimed, instant, source):
    checked = judge_submission_time(claimed, FROM_EXCHANGE, TOLERANCE)
    assert (checked.instant, checked.source) == (instant, source)
    assert (checked.note == "") == (source == "timestamp.txt")
    unverified = judge_submission_time(claimed, Arrival(None, "no inbound folder"), TOLERANCE)
    assert (unverified.instant, unverified.source, unverified.note) == (claimed, "unverified", "no inbound folder")


def test_a_forged_timestamp_is_priced_from_when_the_files_reached_the_exchange(exchange_class):
    now = dt.datetime.now(UTC)
    due = now - 5 * DAY - dt.timedelta(hours=1)  # the files reach the exchange now: 6 started days late
    klass = exchange_class(ch01=due)
    claim = (due - dt.timedelta(hours=1)).astimezone(dt.timezone(dt.timedelta(hours=8)))
    inbound = klass.submit("ann", "ch01", f"{claim:%Y-%m-%d %H:%M:%S} +0800")  # "an hour early", in her zone
    klass.collect(inbound)
    klass.grade("ann", "ch01")
    row = klass.recorded("ann", "ch01")
    assert row["time_source"] == "exchange"
    assert (row["days_late"], row["late_days_used"], row["penalty_share"]) == (6, 4, pytest.approx(0.2))
    assert klass.penalties("ann") == {"ch01": pytest.approx(2.0)} and read_ledger_file(klass.root)["ann"]["left"] == 0
    assert now - 2 * SECOND <= stored_time(klass, "ann", "ch01") <= dt.datetime.now(UTC)  # the files' ctime
    assert f"inbound folder {inbound.name} last changed at" in row["time_note"]
    assert row["time_note"].startswith(f"timestamp.txt says {claim.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, "
                                       "5 days 2 h before the exchange's time; ")
    table = Report("ch01", read_grades(klass.course, "ch01"), []).late_table()
    assert "exchange" in table.splitlines()[2] and "1 submission time(s) taken from the exchange" in table
    assert f"ann: {row['time_note']}" in table
    grant(klass.course, klass.db_url, "ann", "ch01", DAY, exchange=klass.exchange)  # re-priced, same source
    assert {k: klass.recorded("ann", "ch01")[k] for k in ("days_late", "time_source", "time_note")} == {
        "days_late": 5, "time_source": "exchange", "time_note": row["time_note"]}


def test_an_honest_claim_within_the_tolerance_keeps_its_time(klass):
    now = dt.datetime.now(UTC)  # the chapters are due in 2027: every claim here is on time
    claims = {"ann": now - dt.timedelta(minutes=9),  # a slow copy, or the server's clock ahead of the disk's
              "bob": now - dt.timedelta(minutes=11),  # more than the tolerance before the files came
              "cem": now + dt.timedelta(minutes=5)}  # after the files came
    for student, claim in claims.items():
        klass.collect(klass.submit(student, "ch01", nbgrader_time(claim)))
        klass.grade(student, "ch01")
    ann = klass.recorded("ann", "ch01")
    assert (ann["time_source"], ann["time_note"]) == ("timestamp.txt", "")
    assert stored_time(klass, "ann", "ch01") == claims["ann"] and ann["submitted"] == claims["ann"].isoformat()
    for student in ("bob", "cem"):
        assert klass.recorded(student, "ch01")["time_source"] == "exchange"
        assert now - 2 * SECOND <= stored_time(klass, student, "ch01") <= dt.datetime.now(UTC)
    assert "after the exchange's time" in klass.recorded("cem", "ch01")["time_note"]


def test_a_symlink_never_makes_a_submission_earlier(exchange_class, tmp_path):
    now = dt.datetime.now(UTC)
    klass = exchange_class(ch01=now - 2 * DAY - dt.timedelta(hours=1), ch02=now + 2 * SECOND)
    claim = nbgrader_time(now - 3 * DAY)
    # a link planted before the due date, to a notebook written after it: collect copies the late notebook
    stash = tmp_path / "stash"
    stash.mkdir()
    (stash / "ch02.ipynb").write_text('{"draft": 1}')
    planted = klass.submit("bob", "ch02", claim)
    (planted / "ch02.ipynb").unlink()
    (planted / "ch02.ipynb").symlink_to(stash / "ch02.ipynb")
    due = klass.course.chapter("ch02").due
    assert dt.datetime.now(UTC) < due - 0.3 * SECOND, "the set-up took too long"
    # a folder written now whose notebook is a link to a file older than the due date: 3 days late all the same
    inbound = klass.submit("ann", "ch01", claim)
    (inbound / "ch01.ipynb").unlink()
    (inbound / "ch01.ipynb").symlink_to(Path(os.__file__).resolve())
    klass.collect(inbound)
    klass.grade("ann", "ch01")
    assert (klass.recorded("ann", "ch01")["time_source"], klass.recorded("ann", "ch01")["days_late"]) == ("exchange", 3)
    time.sleep(max(0.0, (due - dt.datetime.now(UTC)).total_seconds()) + 0.3)
    (stash / "ch02.ipynb").write_text('{"finished": 1}')
    assert '"finished"' in (klass.collect(planted) / "ch02.ipynb").read_text()
    klass.grade("bob", "ch02")
    bob = klass.recorded("bob", "ch02")
    assert (bob["time_source"], bob["days_late"], bob["late_days_used"]) == ("exchange", 1, 1)
    assert stored_time(klass, "bob", "ch02") > due


def test_without_an_inbound_folder_the_time_is_unverified_and_the_report_says_so(klass, tmp_path):
    klass.grade("ann", "ch02", "2027-01-27 23:59:00 UTC")  # copied in by hand: 2 days late
    klass.grade("bob", "ch02", "2027-01-25 23:00:00 UTC")  # on time
    klass.submit("cem", "ch01", "2027-01-18 23:00:00 UTC")  # another chapter's folder is no proof
    klass.grade("cem", "ch02", "2027-01-25 23:00:00 UTC")
    assert {s: klass.recorded(s, "ch02")["time_source"] for s in ("ann", "bob", "cem")} == dict.fromkeys(
        ("ann", "bob", "cem"), "unverified")
    assert stored_time(klass, "ann", "ch02") == dt.datetime(2027, 1, 27, 23, 59, tzinfo=UTC)  # kept
    report = Report("ch02", read_grades(klass.course, "ch02"), [])
    table = report.late_table()
    assert table.splitlines()[2].startswith("ann") and table.splitlines()[2].endswith("unverified")
    assert "ch02: 3 submission time(s) unverified" in table and table.endswith(": ann, bob, cem")
    write_grades_csv(report, tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv") as f:
        assert {row["student"]: row["time_source"] for row in csv.DictReader(f)} == {
            "(max)": "", "ann": "unverified", "bob": "unverified", "cem": "unverified"}


def test_of_two_real_submissions_the_one_collect_took_is_checked(exchange_class, tmp_path):
    """nbgrader's own submit (in the student's process, its timestamp_format forged) and collect."""
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeCollect, ExchangeSubmit

    klass = exchange_class(ch01=dt.datetime.now(UTC) + 2 * SECOND)
    klass.config.LedgerLatePenalties.clock_tolerance_minutes = 0  # the two submissions are a second apart
    course = klass.exchange / "late"
    (course / "inbound").mkdir(parents=True)
    (course / "outbound" / "ch01").mkdir(parents=True)
    (course / "outbound" / "ch01" / "ch01.ipynb").write_text("{}")
    home = tmp_path / "home"
    (home / "ch01").mkdir(parents=True)

    def nbgrader(app, **settings):
        config = Config()
        config.Exchange.root = str(klass.exchange)
        config.CourseDirectory.course_id, config.CourseDirectory.assignment_id = "late", "ch01"
        for key, value in settings.items():
            section, name = key.split("__")
            setattr(config[section], name, value)
        coursedir = CourseDirectory(config=config)
        app(coursedir=coursedir, authenticator=Authenticator(config=config), config=config).start()

    def submit(notebook: str, **forged) -> None:
        (home / "ch01" / "ch01.ipynb").write_text(notebook)
        nbgrader(ExchangeSubmit, CourseDirectory__student_id="ann", Exchange__assignment_dir=str(home),
                 Exchange__cache=str(home / ".cache"), **forged)

    submit('{"draft": 1}')  # on time
    (first,) = (course / "inbound").iterdir()
    on_time = parse_submission_time((first / "timestamp.txt").read_text())
    due = klass.course.chapter("ch01").due
    assert dt.datetime.now(UTC) < due - 0.3 * SECOND, "the set-up took too long"
    time.sleep(max(0.0, (due - dt.datetime.now(UTC)).total_seconds()) + 0.3)
    claim = nbgrader_time(on_time + dt.timedelta(milliseconds=100))  # later than the first, before the due date
    submit('{"finished": 1}', Exchange__timestamp_format=claim)  # nbgrader's own setting, a fixed time
    (second,) = {*(course / "inbound").iterdir()} - {first}
    assert (second / "timestamp.txt").read_text() == claim
    nbgrader(ExchangeCollect, CourseDirectory__root=str(klass.root), CourseDirectory__db_url=klass.db_url)
    assert '"finished"' in (klass.root / "submitted" / "ann" / "ch01" / "ch01.ipynb").read_text()  # the latest
    klass.grade("ann", "ch01")
    row = klass.recorded("ann", "ch01")
    assert (row["time_source"], row["days_late"], row["late_days_used"]) == ("exchange", 1, 1)
    assert second.name in row["time_note"] and first.name not in row["time_note"]


def test_collected_files_no_inbound_folder_holds_are_bounded_by_the_collected_copy(exchange_class):
    klass = exchange_class(ch01=dt.datetime.now(UTC) - DAY + dt.timedelta(hours=1))  # the files came 23 h late
    claim = nbgrader_time(dt.datetime.now(UTC) - 2 * DAY)
    klass.submit("ann", "ch01", claim, notebook='{"draft": 1}')  # still there
    taken = klass.submit("ann", "ch01", claim, notebook='{"finished": 1}')
    klass.collect(taken)
    shutil.rmtree(taken)  # the folder collect took, removed since
    klass.grade("ann", "ch01")
    row = klass.recorded("ann", "ch01")
    assert (row["time_source"], row["days_late"]) == ("exchange", 1)
    assert "none of the student's 1 inbound folder(s) for ch01 holds the collected files" in row["time_note"]


def test_an_inbound_folder_too_large_to_read_whole_is_bounded_by_the_time_of_the_check(tmp_path):
    inbound = tmp_path / "exchange" / "late" / "inbound" / "ann+ch01+2027-01-18 23:00:00 UTC+r"
    inbound.mkdir(parents=True)
    for name in ("a", "b", "c", "timestamp.txt"):
        (inbound / name).write_text(name)
    collected = tmp_path / "submitted"
    shutil.copytree(inbound, collected)
    whole = check_arrival(tmp_path / "exchange", "late", "ann", "ch01", collected)
    assert "last changed at" in whole.how
    before = dt.datetime.now(UTC)
    partial = check_arrival(tmp_path / "exchange", "late", "ann", "ch01", collected, limit=3)
    assert "more than 3 entries" in partial.how and before <= partial.arrived <= dt.datetime.now(UTC)
    assert whole.arrived <= partial.arrived


def _has_user(name: str) -> bool:
    try:
        _uid(name)
    except KeyError:
        return False
    return True


def _uid(name: str) -> int:
    import pwd

    return pwd.getpwnam(name).pw_uid


# -- real grading: two toy chapters, two students, graded out of due-date order ----------------

TOY_TOML = """[course]
id = "toy-late"

[late_policy]
late_days = 1
penalty_per_day = 0.25

[[chapters]]
id = "toy1"
title = "Toy 1"
points = 5
due = 2027-01-18T23:59:00Z

[[chapters]]
id = "toy2"
title = "Toy 2"
points = 5
due = 2027-01-25T23:59:00Z
"""


@pytest.mark.slow
def test_real_grading_puts_the_ledgers_penalty_in_the_gradebook(tmp_path, monkeypatch):
    from test_report import HIDDEN, PUBLIC, SOLUTION, cell

    from autograder.assign import release
    from autograder.cli import main
    from autograder.nbgrader_cmd import run_nbgrader

    monkeypatch.setenv("KERAS_COURSE_EXCHANGE", str(tmp_path / "exchange"))
    (tmp_path / "exchange").mkdir()
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(COURSE / "nbgrader_config.py", root)
    (root / "course.toml").write_text(TOY_TOML)
    for chapter in ("toy1", "toy2"):
        (tmp_path / "source" / chapter).mkdir(parents=True)
        nbformat.write(new_notebook(cells=[new_markdown_cell("# Toy"), cell(SOLUTION, "double", solution=True),
                                           cell(PUBLIC, "double_public", 2), cell(HIDDEN, "double_hidden", 3)],
                                    metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                             "language": "python"}}),
                       tmp_path / "source" / chapter / f"{chapter}.ipynb")
    course = load_course(root)
    release(course)
    submitted = {("ann", "toy1"): "2027-01-19 12:00:00 +0800",  # 12 h late: her one late day
                 ("ann", "toy2"): "2027-01-27 18:59:00 -0500",  # 2 days late
                 ("bob", "toy1"): "2027-01-19 07:59:00 +0800",  # exactly on time
                 ("bob", "toy2"): "2027-01-27 12:00:00 UTC"}    # 36 h late, within a 2-day extension
    for (student, chapter), timestamp in submitted.items():
        folder = root / "submitted" / student / chapter
        folder.mkdir(parents=True)
        shutil.copy(root / "release" / chapter / f"{chapter}.ipynb", folder)
        nb = nbformat.read(folder / f"{chapter}.ipynb", as_version=4)
        nb.cells[1].source = "def double(x):\n    return x + x\n"
        nbformat.write(nb, folder / f"{chapter}.ipynb")
        (folder / "timestamp.txt").write_text(timestamp)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    grant(course, db_url, "bob", "toy2", 2 * DAY, create_student=True)

    def penalties(student):
        with Gradebook(db_url) as gb:
            return {s.assignment.name: (s.score, s.late_submission_penalty)
                    for s in gb.find_student(student).submissions}

    assert main(["grade", "toy2", "--course", str(root), "--workers", "2"]) == 0  # toy2 first
    assert penalties("ann") == {"toy2": (5.0, pytest.approx(1.25))}  # 1 late day, 1 day at 25%
    run_nbgrader(root, "autograde", "toy1")  # plain nbgrader, the course's config
    assert penalties("ann") == {"toy1": (5.0, 0.0), "toy2": (5.0, pytest.approx(2.5))}  # toy1 took the late day
    assert penalties("bob") == {"toy1": (5.0, 0.0), "toy2": (5.0, 0.0)}
    left = {s: json.loads(deadlines_file(tmp_path / "exchange", "toy-late", s).read_text())["left"]
            for s in ("ann", "bob")}
    assert left == {"ann": 0, "bob": 1}  # bob's +0800 timestamp is on time, not the 7 h 46 min nbgrader reads
    sources = {(s, c): read_ledger_file(root)[s][c]["time_source"] for s, c in submitted}
    assert set(sources.values()) == {"unverified"}  # copied into submitted/ by hand: no inbound folder to check
    with Gradebook(db_url) as gb:
        assert gb.find_submission("toy1", "bob").timestamp == dt.datetime(2027, 1, 18, 23, 59)


def test_a_chapters_languages_are_one_chapter_for_late_days(tmp_path):
    """ch01_setup and ch01_setup_zh_CN (course.py): the latest submission in either counts, and an
    extension granted on either applies."""
    import datetime as dt

    from autograder.course import load_course
    from autograder.deadlines import read_submissions
    from conftest import copy_course
    from nbgrader.api import Gradebook

    course = load_course(copy_course(tmp_path))
    due = course.chapter("ch01_setup").due.replace(tzinfo=None)
    with Gradebook(f"sqlite:///{tmp_path / 'gb.db'}") as gb:
        gb.add_student("ann")
        for assignment, days in (("ch01_setup", -1), ("ch01_setup_zh_CN", 2)):
            gb.add_assignment(assignment, duedate=due)
            gb.update_or_create_submission(assignment, "ann", timestamp=due + dt.timedelta(days=days))
        gb.grant_extension("ch01_setup", "ann", days=3)
        merged = read_submissions(gb, "ann", course)
        plain = read_submissions(gb, "ann")
    assert set(merged) == {"ch01_setup"} and set(plain) == {"ch01_setup", "ch01_setup_zh_CN"}
    assert merged["ch01_setup"].submitted.replace(tzinfo=None) == due + dt.timedelta(days=2)  # the later one
    assert merged["ch01_setup"].extension == dt.timedelta(days=3)  # granted on the English one


# -- deadlines() in the student's language ------------------------------------------------------

def _column(line: str, text: str) -> int:
    """Where ``text`` starts in a table line, in terminal columns (a CJK character takes two)."""
    from autograder.deadlines import display_width

    return display_width(line[:line.index(text)])


def test_deadlines_speak_the_students_language(klass, monkeypatch, capsys, tmp_path):
    """KERAS_COURSE_LANG (the hub sets it per user), as check() reads it: headings, weekdays,
    extensions and the policy in Chinese, from the catalogue; the columns still line up."""
    klass.grade("ann", "ch01", "2027-01-20 07:59:00 +0800")  # 1 day late: 3 late days left
    grant(klass.course, klass.db_url, "ann", "ch02", dt.timedelta(days=2), create_student=True,
          exchange=klass.exchange)
    monkeypatch.setenv("JUPYTERHUB_USER", "ann")
    monkeypatch.setenv("KERAS_COURSE_ROOT", str(klass.root))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "no-config"))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.setenv("KERAS_COURSE_LANG", "zh_CN")
    monkeypatch.chdir(tmp_path)
    deadlines(tz="Asia/Shanghai")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "ann 在 late 中的截止时间（时间按 Asia/Shanghai 显示）："
    assert lines[1].split() == ["章节", "截止时间", "延期", "提交时间", "迟交天数", "已用迟交天数", "扣分"]
    assert "周二 2027-01-19 07:59" in out  # ch01: 23:59 UTC is 07:59 the next (Tuesday) morning in Shanghai
    assert "周四 2027-01-28 07:59 2 天" in out  # ch02, extended by 2 days
    assert "剩余迟交天数：3 天（共 4 天）。" in out and "每迟交一天扣除该章得分的 10%" in out
    assert not any(word in out for word in ("Deadlines", "chapter", "Late days", "Tue", "days"))
    from autograder.deadlines import display_width

    heading, ch01, ch02 = lines[1], lines[2], lines[3]  # a column starts where its heading does
    assert _column(ch02, "2 天") == _column(heading, "延期") and _column(ch01, "周三") == _column(heading, "提交时间")
    assert len({display_width(line) for line in lines[1:5]}) == 1  # the last column aligns right
    monkeypatch.setenv("KERAS_COURSE_LANG", "en")
    deadlines(tz="Asia/Shanghai")
    assert "Deadlines for ann in late, times in Asia/Shanghai" in capsys.readouterr().out


def test_deadlines_without_a_file_say_so_in_the_students_language(klass, monkeypatch, capsys, tmp_path):
    as_self_learner(klass, monkeypatch, tmp_path)
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/self-learner/ch01_setup_zh_CN.ipynb")  # a Chinese notebook
    monkeypatch.setenv("KERAS_COURSE_LANG", "en")
    deadlines(tz="UTC")
    out = capsys.readouterr().out
    assert out.startswith("late 的截止时间（时间按 UTC 显示）：") and "周一 2027-01-18 23:59" in out
    assert "以上是课程的日期：在本机能看到的地方，没有 self-learner 的延期或已评分提交的记录。" in out
    monkeypatch.setenv("KERAS_COURSE_ROOT", str(tmp_path / "nowhere"))
    deadlines(tz="UTC")
    assert capsys.readouterr().out.startswith("这里查不到任何截止时间")
