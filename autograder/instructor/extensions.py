"""``keras-course extend STUDENT ASSIGNMENT --until DATE | --days N | --clear``: a student's extension.

The extension is nbgrader's own (``SubmittedAssignment.extension``, set with
``Gradebook.grant_extension``), so the formgrader, nbgrader's late penalties and the course's ledger
(deadlines.py) all see the same due date. nbgrader keeps an extension on the student's submission
record: when the student has not submitted the chapter yet, an empty record is made and grading
fills it in later. A student the gradebook does not know is refused, unless ``--create-student``
says the name is right (grading adds students as it meets them; a misspelt name would otherwise
become a student of its own).

When the student has graded work, their ledger is applied again at once (late_penalties.py), so
the penalty changes now rather than at the next grading; late_days.json and the student's
deadlines file in the exchange are rewritten either way.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..course import Chapter, Course, CourseError, add_course_option, add_gradebook_option, load_course
from ..deadlines import LEDGER_FILE, Ledger, describe_extension, exchange_root, record_ledger, student_ledger

PLAIN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
END_OF_DAY = dt.time(23, 59, 59)


@dataclass(frozen=True)
class Granted:
    """What ``extend`` changed, for the instructor to read."""

    ledger: Ledger
    chapter: str
    penalty_before: float  # the chapter's late penalty in points, before and after
    penalty_after: float
    graded: bool  # the chapter has a graded submission
    written: list[Path]
    problem: str = ""  # why late_days.json or the student's deadlines file could not be written


def parse_until(text: str, zone: dt.tzinfo) -> dt.datetime:
    """``--until``: ISO 8601 (``2027-01-20T23:59+08:00``), or a plain date meaning the end of that
    day (23:59:59) in the course's time zone; a time without an offset is in that zone too."""
    text = text.strip()
    try:
        if PLAIN_DATE.match(text):
            return dt.datetime.combine(dt.date.fromisoformat(text), END_OF_DAY, tzinfo=zone)
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CourseError(f"--until {text!r} is not a date: give 2027-01-20 (the end of that day in the "
                          "course's time zone) or a time with its offset, like 2027-01-20T23:59+08:00") from None
    return when if when.tzinfo else when.replace(tzinfo=zone)


def extension_for(chapter: Chapter, zone: dt.tzinfo, until: str | None = None,
                  days: float | None = None) -> dt.timedelta:
    """The extension past the chapter's due date that ``--until`` or ``--days`` asks for."""
    if chapter.due is None:
        raise CourseError(f"{chapter.id} has no due date in course.toml: there is nothing to extend")
    if days is not None:
        if days <= 0:
            raise CourseError(f"--days should be more than 0, got {days:g} (--clear removes an extension)")
        return dt.timedelta(days=days)
    extension = parse_until(until, zone) - chapter.due
    if extension <= dt.timedelta(0):
        raise CourseError(f"--until {until} is not after {chapter.id}'s due date "
                          f"({chapter.due.astimezone(zone):%Y-%m-%d %H:%M %Z}); --clear removes an extension")
    return extension


def grant(course: Course, db_url: str, student: str, chapter_id: str, extension: dt.timedelta | None,
          create_student: bool = False, plugin=None, exchange: Path | None = None) -> Granted:
    """Store the extension (None: remove it), price the student's graded work again, record the ledger."""
    from nbgrader.api import Gradebook, MissingEntry

    from ..grading.late_penalties import apply_penalties
    from ..nbgrader_settings import gradebook_missing

    course.chapter(chapter_id)  # an unknown chapter: say which ones exist
    if gradebook_missing(db_url):
        raise CourseError(f"{course.root} has no gradebook yet: release {chapter_id} first "
                          f"(keras-course release {chapter_id})")
    with Gradebook(db_url) as gradebook:
        try:
            gradebook.find_assignment(chapter_id)
        except MissingEntry:
            raise CourseError(f"{chapter_id} is not in the gradebook ({db_url}): "
                              f"release it first (keras-course release {chapter_id})") from None
        try:
            gradebook.find_student(student)
        except MissingEntry:
            if not create_student:
                raise CourseError(f"no student {student!r} in the gradebook ({db_url}): check the name, or "
                                  "pass --create-student to add them (grading adds students it meets)") from None
            gradebook.add_student(student)
        before = _penalty(gradebook.update_or_create_submission(chapter_id, student))
        minutes = extension.total_seconds() / 60 if extension else 0
        gradebook.grant_extension(chapter_id, student, minutes=minutes)
        ledger = student_ledger(course, gradebook, student)
        if any(d.submitted for d in ledger.deadlines):
            apply_penalties(gradebook, ledger, plugin, course)
        after = _penalty(gradebook.find_submission(chapter_id, student))
    written, problem = [], ""
    try:
        written = record_ledger(course, ledger, exchange)
    except OSError as error:  # the extension is stored; only what people read of it is missing
        problem = f"could not record {student}'s deadlines: {error}"
    return Granted(ledger, chapter_id, before, after, ledger.deadline(chapter_id).submitted is not None,
                   written, problem)


def _penalty(submission) -> float:
    return float(sum(n.late_submission_penalty or 0.0 for n in submission.notebooks))


def describe(course: Course, granted: Granted) -> str:
    """What the student's due date is now, and what that changed."""
    zone = course.zone
    deadline = granted.ledger.deadline(granted.chapter)
    student = granted.ledger.student
    lines = [f"{student}: {granted.chapter} is now due {deadline.due.astimezone(zone):%a %Y-%m-%d %H:%M %Z}"
             + (f" (course due date {deadline.course_due.astimezone(zone):%Y-%m-%d %H:%M %Z}, extension "
                f"{describe_extension(deadline.extension.total_seconds())})" if deadline.extension else
                " (the course's due date, no extension)")]
    if granted.graded:
        lines.append(f"already graded: {deadline.days_late} day(s) late, {deadline.late_days_used} late day(s) "
                     f"used, late penalty {granted.penalty_after:g} point(s) (was {granted.penalty_before:g})")
    else:
        lines.append("not graded yet: grading will apply the extension")
    if granted.ledger.late_days:
        lines.append(f"{granted.ledger.late_days_left} of {granted.ledger.late_days} late day(s) left")
    if granted.problem:
        lines.append(f"warning: {granted.problem}")
    elif granted.written:
        published = [p for p in granted.written if p.name != LEDGER_FILE]
        lines.append(f"wrote {', '.join(str(p) for p in granted.written)}"
                     + ("" if published else " (no exchange here: the student's deadlines file was not written)"))
    return "\n".join(lines)


def run(args) -> int:
    """The CLI verb: store the extension and say what the student's due date is now."""
    from nbgrader.preprocessors import AssignLatePenalties

    from ..grading.grade import load_nbgrader_app

    course = load_course(args.course)
    chapter = course.chapter(args.assignment)
    if chapter.due is None:
        raise CourseError(f"{chapter.id} has no due date in course.toml: there is nothing to extend")
    extension = None if args.clear else extension_for(chapter, course.zone, args.until, args.days)
    app = load_nbgrader_app(course, args.db_url)
    plugin = None
    if course.late_policy.is_default:  # nbgrader's plugin prices late work, as grading does then
        step = AssignLatePenalties(config=app.config)
        step.init_plugin()
        plugin = step.plugin_inst
    granted = grant(course, app.coursedir.db_url, args.student, chapter.id, extension,
                    create_student=args.create_student, plugin=plugin, exchange=exchange_root(app.config))
    print(describe(course, granted))
    return 0


def add_parser(commands) -> None:
    extend = commands.add_parser("extend", help="give a student more time on a chapter (nbgrader's extension)")
    extend.add_argument("student", help="the student's id, as in the gradebook")
    extend.add_argument("assignment", help="the chapter id, e.g. ch02_layers")
    when = extend.add_mutually_exclusive_group(required=True)
    when.add_argument("--until", metavar="DATE", help="the new due date: 2027-01-20 (the end of that day in "
                      "the course's time zone) or a time with its offset, 2027-01-20T23:59+08:00")
    when.add_argument("--days", type=float, metavar="N", help="N days past the chapter's due date")
    when.add_argument("--clear", action="store_true", help="remove the student's extension")
    extend.add_argument("--create-student", action="store_true",
                        help="add the student to the gradebook if it does not know them yet")
    add_course_option(extend)
    add_gradebook_option(extend)
    extend.set_defaults(run=run)
