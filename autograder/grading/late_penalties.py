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
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties

from ..course import CourseError, load_course
from ..deadlines import (Ledger, as_utc, exchange_root, naive_utc, parse_submission_time, record_ledger,
                         student_ledger)


class LedgerLatePenalties(AssignLatePenalties):
    """Price every notebook of the student from their ledger (course.toml's [late_policy])."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        try:
            course = load_course(Path(self.config.CourseDirectory.get("root") or ".").resolve())
        except CourseError as error:  # not one of our courses: nbgrader's own step
            self.log.warning("no course manifest (%s): nbgrader's late penalties apply", error)
            return super().preprocess(nb, resources)
        self.init_plugin()
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        with Gradebook(info["db_url"]) as gradebook:
            correct_timestamp(gradebook, info["assignment"], info["student"], folder / "timestamp.txt", self.log)
            ledger = student_ledger(course, gradebook, info["student"])
            plugin = self.plugin_inst if course.late_policy.is_default else None
            apply_penalties(gradebook, ledger, plugin)
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


def correct_timestamp(gradebook, assignment: str, student: str, timestamp_file: Path, log=None) -> None:
    """Store the instant timestamp.txt names, where nbgrader's reading of it was another."""
    try:
        text = timestamp_file.read_text(encoding="utf-8").strip()
        submission = gradebook.find_submission(assignment, student)
    except (OSError, MissingEntry):
        return
    instant = parse_submission_time(text)
    if instant is not None and as_utc(submission.timestamp) != instant:
        if log:
            log.info("%s of %s submitted at %s (%r), not at %s", assignment, student, instant, text,
                     submission.timestamp)
        submission.timestamp = naive_utc(instant)
        gradebook.db.commit()


def apply_penalties(gradebook, ledger: Ledger, plugin=None) -> dict[str, float]:
    """Set ``late_submission_penalty`` on every notebook of the student's chapters; points per chapter.

    From the ledger's share, or with ``plugin`` (nbgrader's LateSubmissionPlugin) from its price of
    the seconds late, clipped to the notebook's score as nbgrader clips it. On time: None, nbgrader's
    "no penalty".
    """
    points = {}
    for deadline in ledger.deadlines:
        try:
            submission = gradebook.find_submission(deadline.chapter, ledger.student)
        except MissingEntry:
            continue
        for notebook in submission.notebooks:
            notebook.late_submission_penalty = _penalty(float(notebook.score or 0.0), deadline, ledger.student, plugin)
        points[deadline.chapter] = sum(n.late_submission_penalty or 0.0 for n in submission.notebooks)
    gradebook.db.commit()
    return points


def _penalty(score: float, deadline, student: str, plugin) -> float | None:
    if not deadline.seconds_late:
        return None
    if plugin is not None:
        price = plugin.late_submission_penalty(student, score, deadline.seconds_late)
        return None if price is None else min(max(float(price), 0.0), score)
    return round(deadline.penalty_share * score, 6) if deadline.penalty_share else None
