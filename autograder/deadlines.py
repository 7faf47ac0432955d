"""Deadlines, extensions and late days: the one place that computes them.

A student's *ledger* says, for every chapter, when it is due for them (the manifest's date plus
their extension), when they submitted, how many days late that was, how many of their late days
it used and what share of its score it loses (course.LatePolicy). It is computed from scratch, from
the manifest and from what nbgrader's gradebook holds (each submission's timestamp and extension),
and late days are spent in the order of the chapters' due dates: grading ch03 before ch02 gives
the same ledger as grading them in order.

Grading (grading/late_penalties.py) and ``keras-course extend`` (instructor/extensions.py) turn the
ledger into nbgrader's late penalties and write it where people read it: ``late_days.json`` in the
course root (``keras-course report``) and ``<exchange>/<course id>/deadlines/<student>.json``, which
a student's ``deadlines()`` shows in their own time zone.

Times are instants: nbgrader stores naive UTC, the ledger holds aware UTC datetimes, and only what
people read is in a time zone.

The submission time is checked against the exchange. timestamp.txt is written by ``nbgrader submit``
in the student's own process, so it says whatever the student wants; the ctime (inode change time)
of a file is set by the system clock alone, and only ever moves forward. Grading looks in
``<exchange>/<course id>/inbound/`` for the student's folders of the chapter
(``<student>+<chapter>+<timestamp>+<random>``, as nbgrader submit names them) and takes the one(s)
holding the very files collect copied into ``submitted/`` (byte for byte, timestamp.txt and
submission_secret.txt included: what collect took, whatever the names say). The latest ctime of that
folder and of everything in it (``os.lstat``; where an entry is a symlink, the ctime of what it points
to as well, since collect copies the target: a link can only make the time later, never earlier;
at most MAX_ENTRIES entries) is ``arrived``, an upper bound of when those files reached the exchange.
With ``claimed`` the instant timestamp.txt names (nbgrader's reading of it where it names no clear
zone) and ``tolerance`` CLOCK_TOLERANCE (10 minutes, for the copy and for the clocks of the student's
server and of the exchange's disk):

- ``arrived - tolerance <= claimed <= arrived``: the submission time is ``claimed`` (the more precise
  of the two), ``time_source`` "timestamp.txt";
- otherwise (claimed earlier than that, later than the files' arrival, or no claim at all): the
  submission time is ``arrived``, ``time_source`` "exchange", with a note saying what was claimed;
- the student has inbound folders for the chapter but none holds the collected files (removed or
  changed since collect): ``arrived`` is the latest ctime of the collected copy itself (when collect
  wrote it), and the rule above applies, "exchange" when it overrides;
- an inbound folder with more than MAX_ENTRIES entries, or one that cannot be read: ``arrived`` is
  the time of the check;
- no inbound folder of the student for the chapter (a submission copied in by hand, an LMS download,
  no exchange on this machine) or no collected copy to compare: timestamp.txt is kept, ``time_source``
  "unverified".

The ledger's time is also the gradebook's timestamp, and late_days.json and ``keras-course report``
say where each time came from. Copying or restoring the exchange resets its ctimes: grade what was
submitted before such a move before it, or with ``LedgerLatePenalties.verify_submission_time = False``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import re
import stat
import tempfile
import time
import unicodedata
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from .course import Chapter, Course, CourseError, LatePolicy, find_course_root, load_course
from .i18n import SOURCE_LANGUAGE
from .i18n.messages import N_, current_language, translate

DAY = dt.timedelta(days=1)
UTC = dt.timezone.utc
LEDGER_FILE = "late_days.json"  # in the course root: every student's ledger, for keras-course report
DEADLINES_FOLDER = "deadlines"  # in <exchange>/<course id>/: one file per student, for deadlines()
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"  # nbgrader's own default Exchange.root
EXCHANGE_VARIABLE = "KERAS_COURSE_EXCHANGE"  # the hub's exchange (autograder/hub.py)
INBOUND_FOLDER = "inbound"  # in <exchange>/<course id>/: nbgrader submit's folders, one per submission

# Where a ledger's submission time comes from (the module's docstring says when each is used).
TIME_FROM_TIMESTAMP = "timestamp.txt"  # the student's claim, consistent with the exchange
TIME_FROM_EXCHANGE = "exchange"  # when the files reached the exchange at the latest: the claim was not
TIME_UNVERIFIED = "unverified"  # the student's claim, with nothing in the exchange to check it against
# How much earlier than its files' last change on the exchange a timestamp.txt may be: nbgrader takes
# the time before it copies (a large submission over a slow disk takes a while), and the student's
# server and the exchange's disk (an NFS server) may not agree to the second. A claim inside the window
# is kept; outside it the exchange's time is used. LedgerLatePenalties.clock_tolerance_minutes sets it.
CLOCK_TOLERANCE = dt.timedelta(minutes=10)
MAX_ENTRIES = 10_000  # files and folders of one inbound folder looked at; beyond: the check's own time


# -- the ledger: pure arithmetic on plain data ---------------------------------------------------

@dataclass(frozen=True)
class Submission:
    """What the gradebook holds for one chapter of one student."""

    submitted: dt.datetime | None = None  # aware; None: not submitted, or not graded yet
    extension: dt.timedelta | None = None


@dataclass(frozen=True)
class Deadline:
    """One chapter of a student's ledger."""

    chapter: str
    course_due: dt.datetime | None  # the manifest's due date; None: the chapter is never late
    extension: dt.timedelta | None = None
    submitted: dt.datetime | None = None
    seconds_late: float = 0.0  # past ``due``, the extended due date
    days_late: int = 0  # each started 24 h past ``due``
    late_days_used: int = 0
    penalty_share: float = 0.0  # of the chapter's score; 1.0: the chapter scores 0
    time_source: str | None = None  # TIME_FROM_*, TIME_UNVERIFIED; None: not submitted, or not known
    time_note: str = ""  # why the time is not timestamp.txt's, for the instructor

    @property
    def due(self) -> dt.datetime | None:
        """The student's own due date: the manifest's, plus their extension."""
        if self.course_due is None or not self.extension:
            return self.course_due
        return self.course_due + self.extension


@dataclass(frozen=True)
class Ledger:
    """A student's deadlines for the whole course, in the manifest's order of chapters."""

    student: str
    deadlines: tuple[Deadline, ...]
    late_days: int  # the course's allowance
    late_days_left: int

    def deadline(self, chapter: str) -> Deadline:
        for deadline in self.deadlines:
            if deadline.chapter == chapter:
                return deadline
        raise KeyError(f"no chapter {chapter!r} in {self.student}'s ledger")

    def with_time_source(self, chapter: str, source: str | None, note: str = "") -> Ledger:
        """The same ledger, the chapter's submission time marked as coming from ``source``."""
        rows = tuple(replace(d, time_source=source, time_note=note) if d.chapter == chapter else d
                     for d in self.deadlines)
        return replace(self, deadlines=rows)


def days_late(late: dt.timedelta) -> int:
    """Each started 24 hours counts as a day: 1 s late is 1 day, exactly 24 h is 1, 24 h and 1 s is 2."""
    if late <= dt.timedelta(0):
        return 0
    whole, rest = divmod(late, DAY)
    return whole + (1 if rest else 0)


def build_ledger(student: str, chapters: Iterable[Chapter], policy: LatePolicy,
                 submissions: Mapping[str, Submission]) -> Ledger:
    """The student's ledger from the chapters' due dates, the policy and their submissions.

    Late days go to the chapters in the order of their due dates (the manifest's, ties in course
    order), whatever order they were graded in.
    """
    chapters = list(chapters)
    left, priced = policy.late_days, {}
    for chapter in sorted((c for c in chapters if c.due), key=lambda c: c.due):
        priced[chapter.id] = _price(chapter, submissions.get(chapter.id, Submission()), policy, left)
        left -= priced[chapter.id].late_days_used
    rows = []
    for chapter in chapters:
        submission = submissions.get(chapter.id, Submission())
        rows.append(priced.get(chapter.id) or Deadline(chapter.id, None, submission.extension, submission.submitted))
    return Ledger(student, tuple(rows), policy.late_days, left)


def _price(chapter: Chapter, submission: Submission, policy: LatePolicy, left: int) -> Deadline:
    """One chapter's lateness, given the late days still left before it."""
    deadline = Deadline(chapter.id, chapter.due, submission.extension, submission.submitted)
    if submission.submitted is None:
        return deadline
    late = max(submission.submitted - deadline.due, dt.timedelta(0))
    deadline = replace(deadline, seconds_late=late.total_seconds(), days_late=days_late(late))
    if policy.zero_after_days is not None and late > policy.zero_after_days * DAY:
        return replace(deadline, penalty_share=1.0)  # no late day would save it: none is spent
    used = min(deadline.days_late, left)
    share = min(1.0, round((deadline.days_late - used) * policy.penalty_per_day, 6))
    return replace(deadline, late_days_used=used, penalty_share=share)


# -- times as nbgrader stores and writes them ----------------------------------------------------

def as_utc(when: dt.datetime | None) -> dt.datetime | None:
    """An aware UTC datetime from nbgrader's naive UTC (or from any aware time)."""
    if when is None:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def naive_utc(when: dt.datetime) -> dt.datetime:
    """How nbgrader's gradebook stores a time."""
    return when.astimezone(UTC).replace(tzinfo=None)


_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def parse_submission_time(text: str) -> dt.datetime | None:
    """The instant a timestamp.txt names, or None when its zone cannot be told for sure.

    nbgrader writes ``2027-01-19 07:59:00.123456 UTC`` (date, time, zone), and its own reader
    takes a numeric zone such as ``+0800`` for 800 seconds and ``+08:00`` or an unknown
    abbreviation for UTC; here ``+0800``, ``+08:00``, ``-0500``, ``UTC`` and IANA names (``Asia/Shanghai``)
    are read as what they say, as is ISO 8601 (``2027-01-19T07:59:00+08:00``). No zone means UTC.
    """
    parts = text.split()
    try:
        if len(parts) == 3:
            zone = _zone(parts[2])
            when = dt.datetime.fromisoformat(" ".join(parts[:2]))
            if zone is None or when.tzinfo is not None:
                return None  # an abbreviation like CST names several zones: leave nbgrader's reading
            return when.replace(tzinfo=zone).astimezone(UTC)
        when = dt.datetime.fromisoformat(" ".join(parts))
    except ValueError:
        return None
    return as_utc(when)


def _zone(name: str) -> dt.tzinfo | None:
    offset = _OFFSET.match(name)
    if offset:
        sign = -1 if offset[1] == "-" else 1
        return dt.timezone(sign * dt.timedelta(hours=int(offset[2]), minutes=int(offset[3])))
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


# -- when the files reached the exchange: a time the student cannot forge -----------------------

@dataclass(frozen=True)
class Arrival:
    """What the exchange says of when a submission's files arrived."""

    arrived: dt.datetime | None  # aware UTC, an upper bound of the arrival; None: nothing to check against
    how: str  # where ``arrived`` comes from, or why there is none


@dataclass(frozen=True)
class SubmissionTime:
    """The instant the ledger uses for a submission, and where it comes from."""

    instant: dt.datetime | None
    source: str  # TIME_FROM_TIMESTAMP, TIME_FROM_EXCHANGE or TIME_UNVERIFIED
    note: str = ""  # for the instructor, when it is not timestamp.txt's time


def judge_submission_time(claimed: dt.datetime | None, arrival: Arrival,
                          tolerance: dt.timedelta = CLOCK_TOLERANCE) -> SubmissionTime:
    """The rule of the module's docstring: the claim when ``arrived - tolerance <= claimed <= arrived``,
    else ``arrived``; the claim, unverified, when the exchange has nothing to say."""
    arrived = arrival.arrived
    if arrived is None:
        return SubmissionTime(claimed, TIME_UNVERIFIED, arrival.how)
    if claimed is not None and arrived - tolerance <= claimed <= arrived:
        return SubmissionTime(claimed, TIME_FROM_TIMESTAMP)
    if claimed is None:
        said = "no time in timestamp.txt"
    else:
        apart = abs(arrived - claimed)
        gap = describe_extension(apart.total_seconds()) if apart >= dt.timedelta(minutes=1) else "less than a minute"
        said = (f"timestamp.txt says {_utc_text(claimed)}, {gap} "
                f"{'before' if claimed < arrived else 'after'} the exchange's time")
    return SubmissionTime(arrived, TIME_FROM_EXCHANGE,
                          f"{said}; {arrival.how} {_utc_text(arrived)}: that time is used")


def check_arrival(exchange: Path, course_id: str, student: str, assignment: str, collected: Path | None,
                  limit: int = MAX_ENTRIES) -> Arrival:
    """When the submission that collect copied to ``collected`` (submitted/<student>/<assignment>)
    reached the exchange at the latest, from the ctimes of its inbound folder."""
    inbound = Path(exchange) / course_id / INBOUND_FOLDER
    folders = inbound_folders(exchange, course_id, student, assignment)
    if not folders:
        return Arrival(None, f"no inbound folder of the student for {assignment} in {inbound}")
    if collected is None or not Path(collected).is_dir():
        return Arrival(None, "no collected copy of the submission to compare with the student's inbound folders")
    held = [folder for folder in folders if holds_files(folder, Path(collected))]
    if held:
        where, subject, lead = held, f"inbound folder {' and '.join(f.name for f in held)}", ""
    else:  # taken away or changed since collect: collect's own copy is the last sight of them
        where, subject = [Path(collected)], "the collected copy"
        lead = f"none of the student's {len(folders)} inbound folder(s) for {assignment} holds the collected files; "
    latest, complete = 0.0, True
    for folder in where:
        when, whole = latest_change(folder, limit)
        latest, complete = max(latest, when), complete and whole
    if not complete:  # everything in it was there when it was looked at
        return Arrival(_from_epoch(time.time()),
                       f"{lead}{subject} has more than {limit} entries or cannot be read whole; checked at")
    return Arrival(_from_epoch(latest), f"{lead}{subject} last changed at")


def inbound_folders(exchange: Path, course_id: str, student: str, assignment: str) -> list[Path]:
    """The student's submissions of the assignment in the exchange, named as nbgrader submit names them:
    ``<student>+<assignment>+<timestamp>+<random>`` (no ``+<random>`` when add_random_string is off)."""
    inbound = Path(exchange) / course_id / INBOUND_FOLDER
    prefix = f"{student}+{assignment}+"
    try:
        names = os.listdir(inbound)
    except OSError:
        return []
    return sorted(inbound / name for name in names if name.startswith(prefix) and len(name) > len(prefix))


def holds_files(folder: Path, collected: Path) -> bool:
    """Whether every file of the collected copy is in ``folder`` with the same bytes: collect copies a
    submission's files (less those nbgrader ignores), following symlinks as it copies."""
    files = [os.path.join(top, name) for top, _, names in os.walk(collected) for name in names]
    for mine in sorted(files, key=os.path.getsize):  # timestamp.txt and the secret first: they tell most apart
        if not _same_bytes(mine, os.path.join(folder, os.path.relpath(mine, collected))):
            return False
    return bool(files)


def latest_change(path: Path, limit: int = MAX_ENTRIES) -> tuple[float, bool]:
    """The latest ctime (epoch seconds) of ``path`` and of everything under it, and whether all was seen.

    Each entry is lstat'ed, so that a symlink's own ctime counts; where it points to something, that
    thing's ctime counts too and a folder it points to is walked, since collect copies the target: a
    link can only make the time later. A folder is walked once; at most ``limit`` entries in all.
    """
    latest, complete, walked, count = 0.0, True, set(), 0
    pending = [os.fspath(path)]
    while pending:
        current = pending.pop()
        count += 1
        if count > limit:
            return latest, False
        try:
            found = os.lstat(current)
        except OSError:  # gone while being read: changed now, later than anything seen
            complete = False
            continue
        latest = max(latest, found.st_ctime)
        if stat.S_ISLNK(found.st_mode):
            try:
                found = os.stat(current)
            except OSError:
                continue  # points nowhere: nothing of it was copied
            latest = max(latest, found.st_ctime)
        if stat.S_ISDIR(found.st_mode) and (found.st_dev, found.st_ino) not in walked:
            walked.add((found.st_dev, found.st_ino))
            try:
                pending.extend(os.path.join(current, name) for name in os.listdir(current))
            except OSError:
                complete = False
    return latest, complete


def _same_bytes(mine: str, theirs: str, chunk: int = 1 << 20) -> bool:
    """``theirs`` is a regular file with ``mine``'s bytes (never waiting on a pipe a student planted)."""
    try:
        handle = os.open(theirs, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    with open(handle, "rb") as other:
        found = os.fstat(other.fileno())
        if not stat.S_ISREG(found.st_mode) or found.st_size != os.path.getsize(mine):
            return False
        with open(mine, "rb") as own:
            while True:
                block = own.read(chunk)
                if block != other.read(len(block) or 1):
                    return False
                if not block:
                    return True


def _from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, UTC)


def _utc_text(when: dt.datetime) -> str:
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


# -- the gradebook --------------------------------------------------------------------------------

def read_submissions(gradebook, student: str, course: Course | None = None) -> dict[str, Submission]:
    """Each chapter's timestamp and extension, as nbgrader's gradebook holds them for the student.

    With ``course``, a chapter's languages (ch01_setup, ch01_setup_zh_CN: course.py) are one
    chapter: its latest submission in either counts, and an extension granted on either applies.
    """
    from nbgrader.api import MissingEntry

    try:
        found = gradebook.find_student(student)
    except MissingEntry:
        return {}
    merged: dict[str, Submission] = {}
    for record in found.submissions:
        chapter = chapter_of(course, record.assignment.name)
        this = Submission(as_utc(record.timestamp), record.extension)
        before = merged.get(chapter)
        if before is None:
            merged[chapter] = this
            continue
        times = [t for t in (before.submitted, this.submitted) if t is not None]
        extensions = [e for e in (before.extension, this.extension) if e]
        merged[chapter] = Submission(max(times) if times else None, max(extensions) if extensions else None)
    return merged


def chapter_of(course: Course | None, assignment: str) -> str:
    if course is None:
        return assignment
    try:
        return course.chapter(assignment).chapter_id
    except CourseError:  # an assignment the manifest does not know: kept under its own name
        return assignment


def student_ledger(course: Course, gradebook, student: str) -> Ledger:
    """The student's ledger from an open nbgrader Gradebook."""
    return build_ledger(student, course.chapters, course.late_policy, read_submissions(gradebook, student, course))


def read_ledger(course: Course, student: str, db_url: str = "") -> Ledger:
    """The student's ledger from the course's gradebook (``db_url``: the course config's by default)."""
    from nbgrader.api import Gradebook

    from .nbgrader_settings import course_directory

    with Gradebook(db_url or course_directory(course).db_url) as gradebook:
        return student_ledger(course, gradebook, student)


# -- where the ledger is written: the course root and the exchange ------------------------------

def ledger_record(ledger: Ledger) -> dict:
    """The student's entry of late_days.json: {chapter: {...}, "left": late days left}."""
    record: dict = {d.chapter: {"days_late": d.days_late, "late_days_used": d.late_days_used,
                                "penalty_share": d.penalty_share, "due": _iso(d.due),
                                "submitted": _iso(d.submitted), "extension_seconds": _seconds(d.extension),
                                "time_source": d.time_source, "time_note": d.time_note}
                    for d in ledger.deadlines}
    record["left"] = ledger.late_days_left
    return record


def read_ledger_file(root: Path) -> dict:
    """late_days.json of the course root: {student: {chapter: {...}, "left": n}}; {} when there is none."""
    try:
        return json.loads((Path(root) / LEDGER_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def write_ledger_file(root: Path, ledger: Ledger) -> Path:
    """Put the student's ledger into late_days.json, leaving the other students' as they are."""
    return _write_ledger_file(root, ledger)[0]


def _write_ledger_file(root: Path, ledger: Ledger) -> tuple[Path, Ledger]:
    """late_days.json rewritten, and the ledger as written: where a chapter's time came from is only
    known when it is graded, so a chapter whose submission time is unchanged keeps what was recorded."""
    root = Path(root)
    with _locked(root):  # two graders (or a grader and extend) must not drop each other's student
        everyone = read_ledger_file(root)
        ledger = known_time_sources(ledger, everyone.get(ledger.student, {}))
        everyone[ledger.student] = ledger_record(ledger)
        return write_atomically(root / LEDGER_FILE, json.dumps(everyone, indent=1, sort_keys=True) + "\n"), ledger


def known_time_sources(ledger: Ledger, recorded: Mapping) -> Ledger:
    """The ledger, with the recorded time source of every chapter it does not say one of and whose
    submission time is the one recorded (re-pricing after grading another chapter, an extension)."""
    rows = []
    for deadline in ledger.deadlines:
        entry = recorded.get(deadline.chapter)
        if (deadline.time_source is None and deadline.submitted is not None and isinstance(entry, Mapping)
                and entry.get("submitted") == _iso(deadline.submitted)):
            deadline = replace(deadline, time_source=entry.get("time_source"), time_note=entry.get("time_note") or "")
        rows.append(deadline)
    return replace(ledger, deadlines=tuple(rows))


def exchange_root(config=None) -> Path:
    """nbgrader's exchange: ``Exchange.root`` of the config, else KERAS_COURSE_EXCHANGE, else nbgrader's default."""
    if config is not None and "root" in config.Exchange:
        return Path(config.Exchange.root)
    return Path(os.environ.get(EXCHANGE_VARIABLE) or DEFAULT_EXCHANGE)


def deadlines_file(exchange: Path, course_id: str, student: str) -> Path:
    return Path(exchange) / course_id / DEADLINES_FOLDER / f"{student}.json"


def publish_deadlines(exchange: Path, course: Course, ledger: Ledger) -> Path | None:
    """Write the student's deadlines into the exchange, for their deadlines(); None without an exchange.

    Run as root, with a system user of the student's name (the local hub's profile), the file is
    theirs alone (0400). Otherwise it cannot be: it is 0644 and, in a folder that cannot be listed,
    readable by anyone who knows the student's name (dates and late days, not grades).
    """
    if not Path(exchange).is_dir():
        return None  # no exchange on this machine (a self-learner, a test): nobody to publish to
    path = deadlines_file(exchange, course.id, ledger.student)
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o711)  # students open their own file by name; nobody lists the class
    owner = _student_account(ledger.student)
    text = json.dumps(student_record(course, ledger), indent=1) + "\n"
    return write_atomically(path, text, mode=0o400 if owner else 0o644, owner=owner)


def record_ledger(course: Course, ledger: Ledger, exchange: Path | None = None) -> list[Path]:
    """late_days.json and the student's deadlines file in the exchange (when there is one)."""
    path, ledger = _write_ledger_file(course.root, ledger)
    written = [path]
    published = publish_deadlines(exchange if exchange is not None else exchange_root(), course, ledger)
    return written + ([published] if published else [])


def student_record(course: Course, ledger: Ledger) -> dict:
    """What the student's deadlines file holds: their ledger, with titles and the policy."""
    return {"course": course.id, "student": ledger.student, "timezone": course.timezone,
            "policy": asdict(course.late_policy), "late_days": ledger.late_days, "left": ledger.late_days_left,
            "chapters": [{"id": d.chapter, "title": course.chapter(d.chapter).title, "course_due": _iso(d.course_due),
                          "due": _iso(d.due), "extension_seconds": _seconds(d.extension),
                          "submitted": _iso(d.submitted), "time_source": d.time_source, "days_late": d.days_late,
                          "late_days_used": d.late_days_used, "penalty_share": d.penalty_share}
                         for d in ledger.deadlines]}


def write_atomically(path: Path, text: str, mode: int = 0o644, owner: tuple[int, int] | None = None) -> Path:
    """Replace ``path`` with ``text`` at once: a reader sees the old file or the new one, never half."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            f.write(text)
            os.fchmod(f.fileno(), mode)
            if owner:
                os.fchown(f.fileno(), *owner)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return path


@contextlib.contextmanager
def _locked(folder: Path):
    """An exclusive lock on ``folder`` itself, so no lock file is left behind."""
    import fcntl  # POSIX, like the grader; a student's deadlines() never locks

    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _student_account(student: str) -> tuple[int, int] | None:
    """The student's system uid and gid, when this runs as root and such a user exists."""
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return None
    import pwd

    try:
        account = pwd.getpwnam(student)
    except KeyError:
        return None
    return account.pw_uid, account.pw_gid


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(UTC).isoformat() if when else None


def _seconds(extension: dt.timedelta | None) -> float | None:
    return extension.total_seconds() if extension else None


# -- what people read ---------------------------------------------------------------------------
# A student's table (``deadlines()``) speaks their language (i18n.messages.current_language): the
# words below are marked for the catalogue and translated as they are printed.

UNITS = {"day": N_("day"), "days": N_("days"), "h": N_("h"), "min": N_("min")}
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
HEADINGS = (N_("chapter"), N_("due"), N_("extension"), N_("submitted"), N_("days late"), N_("late days used"),
            N_("penalty"))
WIDTHS = (16, 20, 17, 20, 9, 14, 7)  # the least width of each column; the last three align right


def describe_extension(seconds: float | None, lang: str = SOURCE_LANGUAGE) -> str:
    """``2 days``, ``1 day 6 h``, ``3 h 30 min``; ``-`` for none."""
    if not seconds:
        return "-"
    minutes = round(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = ((days, "day" if days == 1 else "days"), (hours, "h"), (minutes, "min"))
    return " ".join(f"{count} {translate(UNITS[unit], lang)}" for count, unit in units if count) or "-"


def describe_policy(policy: LatePolicy, lang: str = SOURCE_LANGUAGE) -> str:
    """The late policy in a sentence or two."""
    if policy.is_default:
        return translate(N_("Late submissions cost no points in this course."), lang)
    parts = []
    if policy.late_days:
        parts.append(N_(f"You have {policy.late_days} late day(s) for the whole course, spent automatically "
                        "in the order of the due dates."))
    if policy.penalty_per_day:
        parts.append(N_(f"Each day late beyond your late days costs {policy.penalty_per_day:.0%} of the "
                        "chapter's score.") if policy.late_days else
                     N_(f"Each day late costs {policy.penalty_per_day:.0%} of the chapter's score."))
    if policy.zero_after_days is not None:
        parts.append(N_(f"More than {policy.zero_after_days:g} day(s) late scores 0."))
    parts.append(N_("A day late is each started 24 hours past your due date."))
    return _sentences([translate(part, lang) for part in parts])


def _sentences(parts: list[str]) -> str:
    """Sentences one after the other: with a space between them, unless they end in a full-width stop."""
    text = ""
    for part in parts:
        text += part if not text or text.endswith(("。", "！", "？")) else " " + part
    return text


def display_zone(tz: str | dt.tzinfo | None = None, lang: str = SOURCE_LANGUAGE) -> tuple[dt.tzinfo | None, str]:
    """The zone to show times in and its name: ``tz``, else the TZ variable, else this machine's own (None)."""
    if isinstance(tz, dt.tzinfo):
        return tz, str(tz)
    name = (tz or os.environ.get("TZ", "")).lstrip(":")
    if name:
        try:
            return zoneinfo.ZoneInfo(name), name
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            if tz:
                raise ValueError(f"unknown time zone {tz!r}: give an IANA name such as 'Asia/Shanghai'") from None
            # TZ may be a POSIX rule (EST5EDT): the machine's own time functions read it
    abbreviation = dt.datetime.now().astimezone().tzname()
    return None, translate(N_(f"this machine's time zone ({abbreviation})"), lang)


def local_time(when: dt.datetime | str | None, zone: dt.tzinfo | None, lang: str = SOURCE_LANGUAGE) -> str:
    """``Tue 2027-01-19 07:59`` in ``zone`` (None: this machine's), the weekday in ``lang``."""
    if not when:
        return "-"
    when = dt.datetime.fromisoformat(when) if isinstance(when, str) else when
    when = when.astimezone(zone) if zone else when.astimezone()
    return f"{translate(WEEKDAYS[when.weekday()], lang)} {when.strftime('%Y-%m-%d %H:%M')}"


def render_deadlines(record: dict, zone: dt.tzinfo | None, zone_name: str, note: str = "",
                     lang: str = SOURCE_LANGUAGE) -> str:
    """A student's deadlines file (or the course's dates alone) as a table in ``zone``, in ``lang``."""
    course, student = record["course"], record.get("student")
    title = (N_(f"Deadlines for {student} in {course}, times in {zone_name}:") if student else
             N_(f"Deadlines in {course}, times in {zone_name}:"))
    rows = [[translate(heading, lang) for heading in HEADINGS]]
    for chapter in record["chapters"]:
        submitted = chapter.get("submitted")
        rows.append([chapter["id"], local_time(chapter.get("due"), zone, lang),
                     describe_extension(chapter.get("extension_seconds"), lang), local_time(submitted, zone, lang),
                     str(chapter.get("days_late", 0)) if submitted else "-",
                     str(chapter.get("late_days_used", 0)) if submitted else "-",
                     format(chapter.get("penalty_share", 0), ".0%") if submitted else "-"])
    widths = [max([least, *(display_width(row[column]) for row in rows)]) for column, least in enumerate(WIDTHS)]
    lines = [translate(title, lang)]
    lines += [" ".join(pad(cell, width, right=column >= 4) for column, (cell, width) in enumerate(zip(row, widths)))
              for row in rows]
    policy = LatePolicy(**{k: v for k, v in record.get("policy", {}).items() if k in LatePolicy.__dataclass_fields__})
    if policy.late_days and student:
        lines.append(translate(N_(f"Late days left: {record.get('left', policy.late_days)} of {policy.late_days}."),
                               lang))
    lines.append(describe_policy(policy, lang))
    if note:
        lines.append(translate(note, lang))
    return "\n".join(lines)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: two for each wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


def course_record(course: Course) -> dict:
    """The course's own dates, for someone whose deadlines file is not here (a self-learner)."""
    return {"course": course.id, "student": None, "timezone": course.timezone,
            "policy": asdict(course.late_policy), "late_days": course.late_policy.late_days,
            "left": course.late_policy.late_days,
            "chapters": [{"id": c.id, "title": c.title, "course_due": _iso(c.due), "due": _iso(c.due)}
                         for c in course.chapters]}


def current_user() -> str:
    """The student's name as nbgrader's exchange knows it: the hub's user, else the login name."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def show_deadlines(tz: str | dt.tzinfo | None = None, student: str | None = None, lang: str | None = None) -> str:
    """The student's deadlines as text: from their deadlines file in the exchange when there is one,
    else the course's dates from course.toml, else a line saying that none are known. In ``lang``,
    by default the student's (as ``check()`` speaks it: i18n.messages.current_language)."""
    lang = lang or current_language()
    zone, zone_name = display_zone(tz, lang)
    student = student or current_user()
    exchange, course_id = _student_settings()
    course = _reachable_course()
    course_id = course_id or (course.id if course else None)
    if course_id:
        with contextlib.suppress(OSError, ValueError):
            record = json.loads(deadlines_file(exchange, course_id, student).read_text(encoding="utf-8"))
            return render_deadlines(record, zone, zone_name, lang=lang)
    if course:
        return render_deadlines(course_record(course), zone, zone_name, lang=lang,
                                note=N_("These are the course's dates: no extension or graded submission of "
                                        f"{student} is recorded where this machine can see it."))
    return translate(N_("No deadlines are known here: no deadlines file in the exchange and no course.toml "
                        "(set KERAS_COURSE_ROOT to the course folder to see the course's dates)."), lang)


def _student_settings() -> tuple[Path, str | None]:
    """The exchange and the course id as the student's nbgrader reads them: its config files in the
    Jupyter config path and the current folder (the hub writes them), else KERAS_COURSE_EXCHANGE."""
    config = _nbgrader_config_files()
    if EXCHANGE_VARIABLE in os.environ and "root" not in config.Exchange:
        config.Exchange.root = os.environ[EXCHANGE_VARIABLE]
    course_id = config.CourseDirectory.course_id if "course_id" in config.CourseDirectory else None
    return exchange_root(config), course_id or None


def _nbgrader_config_files():
    from traitlets.config import Config
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    try:
        from jupyter_core.paths import jupyter_config_path
        folders = [*reversed(jupyter_config_path()), os.getcwd()]  # the last one read wins, as in nbgrader
    except ImportError:
        folders = [os.getcwd()]
    merged = Config()
    for folder in folders:
        for loader in (JSONFileConfigLoader, PyFileConfigLoader):
            suffix = "json" if loader is JSONFileConfigLoader else "py"
            try:
                merged.merge(loader(f"nbgrader_config.{suffix}", path=folder).load_config())
            except Exception:  # noqa: BLE001 - missing or broken: nbgrader says so; here it only hides a date
                continue
    return merged


def _reachable_course() -> Course | None:
    try:
        return load_course(find_course_root())
    except CourseError:
        return None
