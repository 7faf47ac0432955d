"""Late penalties from the course's late policy, in place of nbgrader's ``AssignLatePenalties``.

nbgrader prices each notebook alone, from its own lateness. Late days are shared by the whole
course, so this step, after a notebook is scored, recomputes the student's whole ledger
(deadlines.py) and sets ``late_submission_penalty`` on every notebook the student has in the
gradebook: a chapter graded later that spends late days re-prices the chapters due after it.
Penalty points are the ledger's share times the notebook's score. With the default policy (no
``[late_policy]`` in course.toml) nbgrader's own late-submission plugin prices the notebooks, as
before. Either way the ledger is written to late_days.json and to the student's deadlines file in
the exchange.

nbgrader reads a timestamp.txt zone such as ``+0800`` as 800 seconds; before pricing, the step
reads the submission's timestamp.txt itself and corrects the gradebook's time when it differs.

timestamp.txt is written in the student's own process: the step checks it against when the files
reached the exchange (their ctimes in ``<exchange>/<course id>/inbound/``, which no student can set)
and uses that time instead when the claim is not within ``clock_tolerance_minutes`` before it; the
rule, exactly, is in deadlines.py's docstring. The grading log says when it does, and the ledger marks
each chapter's time "timestamp.txt", "exchange" or "unverified" (no inbound folder to check against).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties
from traitlets import Bool, Float

from ..course import CourseError, load_course
from ..deadlines import (CLOCK_TOLERANCE, TIME_FROM_EXCHANGE, TIME_UNVERIFIED, Arrival, Ledger, SubmissionTime,
                         chapter_of, as_utc, check_arrival, exchange_root, judge_submission_time, naive_utc,
                         parse_submission_time, record_ledger, student_ledger)


class LedgerLatePenalties(AssignLatePenalties):
    """Price every notebook of the student from their ledger (course.toml's [late_policy])."""

    clock_tolerance_minutes = Float(
        CLOCK_TOLERANCE.total_seconds() / 60,
        help="How much earlier than its files' arrival in the exchange a timestamp.txt may say (the copy, "
             "the clocks of the student's server and of the exchange's disk); earlier, the exchange's time is used",
    ).tag(config=True)
    verify_submission_time = Bool(
        True,
        help="Check timestamp.txt against the ctimes of the submission's inbound folder in the exchange. "
             "Off only to grade submissions whose exchange was copied or restored (which resets ctimes): "
             "every time is then marked unverified",
    ).tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        try:
            course = load_course(Path(self.config.CourseDirectory.get("root") or ".").resolve())
        except CourseError as error:  # not one of our courses: nbgrader's own step
            self.log.warning("no course manifest (%s): nbgrader's late penalties apply", error)
            return super().preprocess(nb, resources)
        self.init_plugin()
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        student, assignment = info["student"], info["assignment"]
        arrival = self.arrival(course, student, assignment)
        with Gradebook(info["db_url"]) as gradebook:
            checked = correct_timestamp(gradebook, assignment, student, folder / "timestamp.txt", self.log,
                                        arrival, dt.timedelta(minutes=self.clock_tolerance_minutes))
            ledger = student_ledger(course, gradebook, student)
            if checked is not None:
                ledger = ledger.with_time_source(chapter_of(course, assignment), checked.source, checked.note)
            plugin = self.plugin_inst if course.late_policy.is_default else None
            apply_penalties(gradebook, ledger, plugin, course)
        for deadline in ledger.deadlines:
            if deadline.days_late:
                self.log.info("%s: %s %d day(s) late, %d late day(s) used, penalty %.0f%%", ledger.student,
                              deadline.chapter, deadline.days_late, deadline.late_days_used,
                              100 * deadline.penalty_share)
        try:
            record_ledger(course, ledger, exchange_root(self.config))
        except OSError as error:  # the grade stands; only what people read of it is missing
            self.log.warning("could not record %s's late days: %s", ledger.student, error)
        return nb, resources

    def arrival(self, course, student: str, assignment: str) -> Arrival:
        """When the exchange says the submission collect took reached it (deadlines.check_arrival)."""
        if not self.verify_submission_time:
            return Arrival(None, "not checked against the exchange (LedgerLatePenalties.verify_submission_time "
                                 "is off)")
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        collected = Path(coursedir.format_path(coursedir.submitted_directory, student, assignment))
        try:
            return check_arrival(exchange_root(self.config), coursedir.course_id or course.id, student, assignment,
                                 collected)
        except OSError as error:  # the exchange cannot be read here: say so, keep the claim
            return Arrival(None, f"the exchange could not be read: {error}")


def correct_timestamp(gradebook, assignment: str, student: str, timestamp_file: Path, log=None,
                      arrival: Arrival | None = None, tolerance: dt.timedelta = CLOCK_TOLERANCE
                      ) -> SubmissionTime | None:
    """Store the submission's time in the gradebook: the instant timestamp.txt names (where nbgrader's
    reading of it was another), or when the exchange says its files arrived, where the claim cannot be
    true (deadlines.judge_submission_time). None when the gradebook has no such submission."""
    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None
    try:
        text = timestamp_file.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    stored = as_utc(submission.timestamp)
    claimed = (parse_submission_time(text) if text else None) or stored  # nbgrader's reading, where ours has none
    if arrival is None:
        arrival = Arrival(None, "not checked against the exchange")
    checked = judge_submission_time(claimed, arrival, tolerance)
    if log and checked.source == TIME_FROM_EXCHANGE:
        log.warning("%s of %s: %s", assignment, student, checked.note)
    elif log and checked.source == TIME_UNVERIFIED:
        log.info("%s of %s: submission time unverified (%s)", assignment, student, checked.note)
    if checked.instant is not None and stored != checked.instant:
        if log:
            log.info("%s of %s submitted at %s (%r), not at %s", assignment, student, checked.instant, text,
                     submission.timestamp)
        submission.timestamp = naive_utc(checked.instant)
        gradebook.db.commit()
    return checked


def apply_penalties(gradebook, ledger: Ledger, plugin=None, course=None) -> dict[str, float]:
    """Set ``late_submission_penalty`` on every notebook of the student's chapters; points per chapter.

    From the ledger's share, or with ``plugin`` (nbgrader's LateSubmissionPlugin) from its price of
    the seconds late, clipped to the notebook's score as nbgrader clips it. On time: None, nbgrader's
    "no penalty".
    """
    points = {}
    for deadline in ledger.deadlines:
        for assignment in _assignments(course, deadline.chapter):  # each language's, priced as the chapter
            try:
                submission = gradebook.find_submission(assignment, ledger.student)
            except MissingEntry:
                continue
            for notebook in submission.notebooks:
                notebook.late_submission_penalty = _penalty(float(notebook.score or 0.0), deadline, ledger.student,
                                                            plugin)
            points[assignment] = sum(n.late_submission_penalty or 0.0 for n in submission.notebooks)
    gradebook.db.commit()
    return points


def _assignments(course, chapter_id: str) -> list[str]:
    if course is None:
        return [chapter_id]
    try:
        return [version.id for version in course.versions(chapter_id)]
    except CourseError:
        return [chapter_id]


def _penalty(score: float, deadline, student: str, plugin) -> float | None:
    if not deadline.seconds_late:
        return None
    if plugin is not None:
        price = plugin.late_submission_penalty(student, score, deadline.seconds_late)
        return None if price is None else min(max(float(price), 0.0), score)
    return round(deadline.penalty_share * score, 6) if deadline.penalty_share else None
