"""``keras-course report ASSIGNMENT``: what an instructor reads to see which idea the class missed.

Two sources, each the truth for its part:
- nbgrader's gradebook gives every student's score per graded cell (manual grades included);
- the autograded notebooks give every test's outcome: each graded cell's last output carries the
  JSON result of its tests (see testcell.py), so a cell's score can be split into its tests.

Writes ``grades.csv`` (a row per student, a column per graded cell, then when the submission was
due and came and what lateness cost), ``items.csv`` (per test: pass rate, mean points, the most
common failure messages), ``scores.png`` and ``pass_rates.png``, and prints the item analysis,
hardest test first, then the late submissions. Lateness comes from the gradebook (due date,
extension, timestamp, penalty) and from late_days.json, the ledger grading wrote (deadlines.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import Course, CourseError
from .deadlines import TIME_FROM_EXCHANGE, TIME_UNVERIFIED, as_utc, days_late, read_ledger_file
from .nbgrader_cmd import environment_with_tools
from .nbgrader_settings import course_directory, gradebook_missing
from .testcell import RESULT_MIME


@dataclass
class TestStats:
    """How the class did on one test of one graded cell."""

    cell: str
    test: str
    possible: float  # the test's share of the cell's points
    runs: int = 0
    passes: int = 0
    points: float = 0.0  # earned, summed over students
    failures: Counter = field(default_factory=Counter)

    @property
    def pass_rate(self) -> float:
        return self.passes / self.runs if self.runs else 0.0

    @property
    def mean_points(self) -> float:
        return self.points / self.runs if self.runs else 0.0

    def common_failures(self, n: int = 3) -> list[tuple[str, int]]:
        return self.failures.most_common(n)


@dataclass
class Lateness:
    """When one student's submission was due and when it came, and what its lateness cost."""

    due: dt.datetime | None  # the student's own: the course's due date plus their extension
    submitted: dt.datetime | None
    extension: dt.timedelta | None
    days_late: int
    late_days_used: int | None  # None: grading recorded no ledger for the student (late_days.json)
    penalty: float  # points, as the gradebook holds it
    time_source: str | None = None  # where grading took ``submitted`` from (deadlines.py); None: not recorded
    time_note: str = ""  # why, when it is not timestamp.txt

    def csv_fields(self, zone: dt.tzinfo) -> list:
        return [_iso_time(self.due, zone), _iso_time(self.submitted, zone),
                round(self.extension.total_seconds() / 86400, 3) if self.extension else "",
                self.days_late, "" if self.late_days_used is None else self.late_days_used, round(self.penalty, 2),
                self.time_source or ""]


@dataclass
class GradeTable:
    """Scores from the gradebook: a row per student, a column per graded cell."""

    cells: list[str]
    max_scores: dict[str, float]
    scores: dict[str, dict[str, float]]  # student -> cell -> score
    late: dict[str, Lateness] = field(default_factory=dict)  # student -> their submission's dates

    def total(self, student: str) -> float:
        return sum(self.scores[student].values())

    @property
    def max_total(self) -> float:
        return sum(self.max_scores.values())


@dataclass
class Report:
    assignment: str
    grades: GradeTable
    items: list[TestStats]
    zone: dt.tzinfo = dt.timezone.utc  # the course's time zone, for the dates people read

    def item_table(self, width: int = 110) -> str:
        """The item analysis as text, hardest test first; then the late submissions, if any."""
        lines = [f"{self.assignment}: {len(self.grades.scores)} students, "
                 f"{len(self.items)} tests in {len(self.grades.cells)} graded cells",
                 f"{'pass':>5} {'points':>11}  {'cell':<22} test / most common failure"]
        for item in sorted(self.items, key=lambda i: (i.pass_rate, i.cell)):
            lines.append(f"{item.pass_rate:>5.0%} {item.mean_points:>5.2f}/{item.possible:<5.2f}  "
                         f"{item.cell[:22]:<22} {item.test}"[:width])
            for message, count in item.common_failures(1):
                lines.append(f"{'':>19}  {count} x {message}"[:width])
        late = self.late_table()
        return "\n".join(lines) + (f"\n\n{late}" if late else "")

    def late_table(self) -> str:
        """A row per late submission: due, submitted, extension, days late, late days used, penalty and
        where the submission time comes from; then why grading did not take timestamp.txt's time, and the
        submissions whose time nothing could check (no inbound folder in the exchange)."""
        late = {s: info for s, info in sorted(self.grades.late.items()) if info.days_late}
        overridden = {s: info for s, info in sorted(self.grades.late.items()) if info.time_source == TIME_FROM_EXCHANGE}
        unverified = sorted(s for s, info in self.grades.late.items() if info.time_source == TIME_UNVERIFIED)
        sections = []
        if late:
            rows = [f"{self.assignment}: {len(late)} late submission(s), times in {self.zone}",
                    f"{'student':<16} {'due':<16}  {'submitted':<16}  {'extension':>9}  {'days late':>9}  "
                    f"{'late days used':>14}  {'penalty':>7}  time from"]
            for student, info in late.items():
                used = "?" if info.late_days_used is None else info.late_days_used
                extension = f"{info.extension.total_seconds() / 86400:g} d" if info.extension else "-"
                rows.append(f"{student[:16]:<16} {_time(info.due, self.zone):<16}  "
                            f"{_time(info.submitted, self.zone):<16}  {extension:>9}  {info.days_late:>9}  {used:>14}  "
                            f"{info.penalty:>7.2f}  {info.time_source or '?'}")
            sections.append(rows)
        if overridden:
            sections.append([f"{self.assignment}: {len(overridden)} submission time(s) taken from the exchange, "
                             "not from timestamp.txt (the student's own claim):",
                             *(f"  {student}: {info.time_note or 'see the grading log'}"
                               for student, info in overridden.items())])
        if unverified:
            sections.append([f"{self.assignment}: {len(unverified)} submission time(s) unverified (timestamp.txt, "
                             f"no inbound folder in the exchange to check it against): {', '.join(unverified)}"])
        return "\n\n".join("\n".join(rows) for rows in sections)


def _time(when: dt.datetime | None, zone: dt.tzinfo) -> str:
    return f"{when.astimezone(zone):%Y-%m-%d %H:%M}" if when else "-"


def _iso_time(when: dt.datetime | None, zone: dt.tzinfo) -> str:
    return when.astimezone(zone).isoformat(timespec="minutes") if when else ""


def read_grades(course: Course, assignment: str) -> GradeTable:
    """Every submission's score per graded cell, as nbgrader's gradebook holds it."""
    from nbgrader.api import Gradebook, MissingEntry

    db_url = course_directory(course).db_url
    if gradebook_missing(db_url):
        raise CourseError(f"{course.root} has no gradebook yet: release and grade {assignment!r} first")
    os.environ["PATH"] = environment_with_tools()["PATH"]  # a new gradebook runs alembic
    with Gradebook(db_url) as gradebook:
        try:
            submissions = gradebook.assignment_submissions(assignment)
        except MissingEntry:
            raise CourseError(f"the gradebook has no assignment {assignment!r}: release and grade it first") from None
        cells: dict[str, float] = {}
        scores: dict[str, dict[str, float]] = {}
        late: dict[str, Lateness] = {}
        ledgers = read_ledger_file(course.root)
        for submission in submissions:
            if _holds_only_an_extension(submission):
                continue
            row = scores.setdefault(submission.student.id, {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    cells.setdefault(grade.name, float(grade.max_score))
                    row[grade.name] = float(grade.score)
            late[submission.student.id] = _lateness(course, assignment, submission,
                                                    ledgers.get(submission.student.id, {}).get(assignment))
    if not scores:
        raise CourseError(f"no graded submissions of {assignment!r} yet: run keras-course grade {assignment}")
    return GradeTable(list(cells), cells, scores, late)


def _holds_only_an_extension(submission) -> bool:
    """A record keras-course extend made before the student submitted: not a submission yet."""
    return submission.timestamp is None and all(g.auto_score is None and g.manual_score is None
                                                for n in submission.notebooks for g in n.grades)


def _lateness(course: Course, assignment: str, submission, ledger: dict | None) -> Lateness:
    """The submission's dates from the gradebook; days late and late days used from the ledger grading wrote."""
    course_due = course.chapter(assignment).due
    due = course_due + submission.extension if course_due and submission.extension else course_due
    submitted = as_utc(submission.timestamp)
    late = days_late(submitted - due) if due and submitted else 0
    recorded = ledger if ledger and ledger.get("submitted") == (submitted and submitted.isoformat()) else {}
    return Lateness(due, submitted, submission.extension, recorded.get("days_late", late),
                    recorded.get("late_days_used"), float(submission.late_submission_penalty or 0.0),
                    recorded.get("time_source"), recorded.get("time_note") or "")


def cell_results(nb) -> dict[str, dict | str]:
    """Each graded cell's test results (the JSON its last output carries), or why there are none."""
    results = {}
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        outputs = cell.get("outputs", [])
        found = [o["data"][RESULT_MIME] for o in outputs if RESULT_MIME in o.get("data", {})]
        error = next((o for o in outputs if o.get("output_type") == "error"), None)
        if found:
            results[meta["grade_id"]] = found[-1]
        elif error is not None:
            results[meta["grade_id"]] = f"the cell did not run to the end: {error.get('ename')}: {error.get('evalue')}"
        else:
            results[meta["grade_id"]] = "the cell showed no test results"
    return results


def item_analysis(autograded: list[Path]) -> list[TestStats]:
    """Per test, over all autograded notebooks: runs, passes, points, failure messages.

    A cell that crashed before it could report counts as a failure of each of its tests (as
    other students' results name them), with the crash as the message.
    """
    items: dict[tuple[str, str], TestStats] = {}
    crashed: list[tuple[str, str]] = []  # (cell, why), one per notebook whose cell did not report
    for path in autograded:
        for cell, result in cell_results(nbformat.read(path, as_version=4)).items():
            if isinstance(result, str):
                crashed.append((cell, result))
                continue
            outcomes = result.get("outcomes", [])
            total_weight = sum(o.get("weight", 1.0) for o in outcomes) or 1.0
            for outcome in outcomes:
                share = result.get("points", 0.0) * outcome.get("weight", 1.0) / total_weight
                stats = items.setdefault((cell, outcome["description"]),
                                         TestStats(cell, outcome["description"], round(share, 2)))
                stats.runs += 1
                if outcome["passed"]:
                    stats.passes += 1
                    stats.points += share
                else:
                    stats.failures[outcome.get("message") or "failed"] += 1
    for cell, why in crashed:
        for stats in (s for (c, _), s in items.items() if c == cell):
            stats.runs += 1
            stats.failures[why] += 1
    return list(items.values())


def autograded_notebooks(course: Course, assignment: str) -> list[Path]:
    settings = course_directory(course)
    folder = Path(settings.format_path(settings.autograded_directory, "*", assignment))
    return sorted(Path(folder.anchor).glob(str(folder.relative_to(folder.anchor) / "*.ipynb")))


def build_report(course: Course, assignment: str) -> Report:
    course.chapter(assignment)  # an unknown assignment: say which ones exist
    return Report(assignment, read_grades(course, assignment),
                  item_analysis(autograded_notebooks(course, assignment)), course.zone)


# due and submitted in the course's time zone (ISO 8601, with the offset); extension in days;
# late_penalty in points, as the gradebook holds it (total is before it is taken off); time_source:
# where grading took the submission time from, "timestamp.txt", "exchange" or "unverified" (deadlines.py).
LATE_COLUMNS = ["due", "submitted", "extension_days", "days_late", "late_days_used", "late_penalty", "time_source"]


def write_grades_csv(report: Report, path: Path) -> None:
    grades = report.grades
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *grades.cells, "total", "max_total", *LATE_COLUMNS])
        writer.writerow(["(max)", *(grades.max_scores[c] for c in grades.cells), grades.max_total, "",
                         *([""] * len(LATE_COLUMNS))])
        for student in sorted(grades.scores):
            row = grades.scores[student]
            late = grades.late.get(student)
            writer.writerow([student, *(row.get(c, 0.0) for c in grades.cells),
                             round(grades.total(student), 2), grades.max_total,
                             *(late.csv_fields(report.zone) if late else [""] * len(LATE_COLUMNS))])


def write_items_csv(report: Report, path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["cell", "test", "students", "pass_rate", "mean_points", "possible_points",
                         "failure_1", "count_1", "failure_2", "count_2", "failure_3", "count_3"])
        for item in sorted(report.items, key=lambda i: (i.pass_rate, i.cell)):
            common = [x for message, count in item.common_failures(3) for x in (message, count)]
            writer.writerow([item.cell, item.test, item.runs, round(item.pass_rate, 3),
                             round(item.mean_points, 3), item.possible, *common])


def plot_scores(report: Report, path: Path) -> None:
    """A histogram of total scores, in percent of the maximum."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grades = report.grades
    percents = [100 * grades.total(s) / grades.max_total for s in grades.scores] if grades.max_total else []
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(percents, bins=range(0, 105, 5), color="#4c72b0", edgecolor="white")
    ax.set(xlabel="score (% of maximum)", ylabel="students", xlim=(0, 100),
           title=f"{report.assignment}: scores of {len(percents)} students")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_pass_rates(report: Report, path: Path) -> None:
    """One bar per test, hardest at the top: where the class needs help."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    items = sorted(report.items, key=lambda i: (-i.pass_rate, i.cell))
    labels = [_short(f"{i.cell}: {i.test}", 70) for i in items]
    fig, ax = plt.subplots(figsize=(10, 1.0 + 0.28 * max(len(items), 1)))
    ax.barh(range(len(items)), [100 * i.pass_rate for i in items], color="#55a868")
    ax.set_yticks(range(len(items)), labels, fontsize=7)
    ax.set(xlabel="students passing (%)", xlim=(0, 100), title=f"{report.assignment}: pass rate per test")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def write_report(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "grades.csv", out / "items.csv", out / "scores.png", out / "pass_rates.png"]
    write_grades_csv(report, paths[0])
    write_items_csv(report, paths[1])
    plot_scores(report, paths[2])
    plot_pass_rates(report, paths[3])
    return paths
