"""``keras-course grade ASSIGNMENT``: autograde every submission in parallel, sandboxed, into nbgrader's gradebook.

The grader's own process does everything that touches the gradebook, one submission at a time
(gradebook_steps.py: nbgrader's sanitizing and scoring passes); workers (grade_worker.py) only
execute notebooks, each in a warm kernel of its own inside a sandbox (sandbox.py). For
well-behaved submissions the scores are those of ``nbgrader autograde``. A submission that breaks
something is graded with what ran and a reason; only an error of the grader itself counts as
"failed". ``--shard I/N`` grades the students whose id hashes to I (0-based), for fanning out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..course import Course, CourseError, add_course_option, add_gradebook_option
from .sandbox import Limits, Mode, detect_mode, hidden_paths


@dataclass(frozen=True)
class Shard:
    index: int  # 0-based, as Kubernetes' JOB_COMPLETION_INDEX
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise CourseError(f"--shard takes I/N with 0 <= I < N, e.g. 0/4; got {text!r}") from None
        if not 0 <= index < count:
            raise CourseError(f"--shard {text}: I must be at least 0 and below N")
        return cls(index, count)

    def holds(self, student: str) -> bool:
        """A stable hash, the same on every machine and Python (unlike hash())."""
        digest = hashlib.sha256(student.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index


@dataclass
class GradeResult:
    """One submission's line of the summary."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    status: str = "graded"  # "graded" (into the gradebook, whatever the score) or "failed"
    reason: str = ""
    seconds: float = 0.0
    assignment: str = ""


@dataclass
class Job:
    """One notebook of one submission, for a worker to execute."""

    id: str
    student: str
    notebook: str
    files: Path
    output: Path
    key: str = ""  # the submission's key in Grader.pending: "<assignment>/<student>"

    def message(self) -> str:
        return json.dumps({"id": self.id, "notebook": f"{self.notebook}.ipynb", "files": str(self.files),
                           "output": str(self.output)})


@dataclass
class Pending:
    """A submission whose notebooks are out with the workers."""

    books: Gradebooks
    student: str
    staged: Staged
    started: float
    jobs: set[str] = field(default_factory=set)
    executed: dict[str, Path] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    failed: str = ""


class Worker:
    """A grade_worker process; its JSON messages go to the shared event queue."""

    def __init__(self, slot: int, settings: dict, events: queue.Queue):
        self.slot, self.job = slot, None
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder.grading.worker", "--settings", json.dumps({**settings, "slot": slot})],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, args=(events,), daemon=True).start()

    def _read(self, events: queue.Queue) -> None:
        for line in self.process.stdout:
            try:
                events.put((self, json.loads(line)))
            except ValueError:
                continue
        events.put((self, {"event": "exit", "reason": f"worker exited ({self.process.wait()})"}))

    def send(self, job: Job) -> None:
        self.job = job
        self.process.stdin.write(job.message() + "\n")
        self.process.stdin.flush()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()


class Progress:
    """A bar on a terminal, plain lines otherwise; always on stderr, so stdout stays the table."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.tty = self.stream.isatty()

    def update(self, result: GradeResult) -> None:
        self.done += 1
        who = f"{result.assignment} {result.student}" if result.assignment else result.student
        text = f"{self.done}/{self.total} {who}: {result.score:g}/{result.max_score:g} {result.status}"
        if self.tty:
            filled = int(30 * self.done / self.total)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {text[:60]:<60}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"graded {text}\n")
        self.stream.flush()


def summary_table(results: list[GradeResult]) -> str:
    """student, score, status, reason; with a chapter column first when several chapters were graded."""
    several = len({r.assignment for r in results}) > 1
    rows = [("chapter",) * several + ("student", "score", "status", "reason")]
    rows += [(r.assignment,) * several + (r.student, f"{r.score:g}/{r.max_score:g}", r.status, r.reason or "-")
             for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [f"{v:>{w}}" if i == len(widths) - 2 else f"{v:<{w}}" for i, (v, w) in enumerate(zip(row, widths))]
        lines.append(f"{'  '.join(cells)}  {row[-1]}".rstrip())
    return "\n".join(lines)


def timing_line(timing: dict) -> str:
    """Where the workers' time went: executing notebooks, of which judging test cells, of which
    waiting on the kernels' answers to probes."""
    total, judged, waited = timing["seconds"], timing["judge_seconds"], timing["probe_seconds"]
    share = f" ({judged / total:.0%} of it)" if total else ""
    return (f"time: {total:.1f} s executing notebooks, {judged:.1f} s of it judging test cells{share}: "
            f"{timing['probes']} probes, {waited:.1f} s waiting on kernels, {judged - waited:.1f} s in the judge")


def load_nbgrader_app(course: Course, db_url: str = ""):
    """nbgrader's own configuration of the course, as ``nbgrader autograde`` would load it."""
    from nbgrader.apps import AutogradeApp

    previous = Path.cwd()
    os.chdir(course.root)
    try:
        # A logger of our own: traitlets' default one runs logging.config.dictConfig, which closes
        # every handler already there, absl's included, and absl then closes the stream it holds
        # (a test runner's capture file, in a test process that imported TensorFlow earlier).
        log = logging.getLogger("keras_course.nbgrader")
        log.setLevel(logging.ERROR)  # our summary says what went wrong, in one line each
        app = AutogradeApp(log=log)
        app.initialize([f"--CourseDirectory.db_url={db_url}"] if db_url else [])
    finally:
        os.chdir(previous)
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy's notes on nbgrader's sessions
    return app


def submitters(books: Gradebooks) -> list[str]:
    """Every student with a submission of the assignment, sorted."""
    root = Path(books.coursedir.format_path(books.submitted_directory, ".", "."))
    return sorted(p.parent.name for p in root.glob(f"*/{books.assignment}") if p.is_dir())


def select_students(work: list[tuple[Gradebooks, list[str]]], wanted: list[str] | None,
                    shard: Shard | None) -> list[tuple[Gradebooks, list[str]]]:
    """Each assignment's submitters, narrowed to ``wanted`` and the shard. A student asked for must have
    submitted at least one of the assignments (not every one)."""
    unknown = [s for s in wanted or [] if not any(s in students for _, students in work)]
    if unknown:
        names = " and ".join(books.assignment for books, _ in work)
        raise CourseError(f"no submission of {names} by {', '.join(unknown)}")
    return [(books, [s for s in students if (not wanted or s in wanted) and (not shard or shard.holds(s))])
            for books, students in work]


def grading_folder() -> Path:
    """A new folder for one grading run: 0711, so that slot users pass through to their own 0700
    folders and see nothing else, with private ``staging/`` and ``executed/`` folders."""
    top = Path(tempfile.mkdtemp(prefix="keras-course-grade-"))
    top.chmod(0o711)
    for private in ("staging", "executed"):
        (top / private).mkdir(mode=0o700)
    return top


def worker_settings(limits: Limits, mode: Mode, top: Path, kernel: str, hidden: list[Path], fork: bool = True,
                    threads: int = 0) -> dict:
    """What a grading worker (worker.py) is started with; ``Worker`` adds its slot."""
    return {"limits": asdict(limits), "mode": mode.name, "top": str(top), "kernel": kernel, "fork": fork,
            "threads": threads, "hidden": [str(p) for p in hidden]}


def archive_earlier(books: Gradebooks, student: str) -> str:
    """Keep an earlier autograded version of a resubmitted assignment under archive/; return a note."""
    graded, submitted = books.autograded(student), books.submitted(student)
    old, new = _timestamp(graded), _timestamp(submitted)
    if not graded.exists() or old == new:
        return ""
    label = (old or time.strftime("%Y%m%dT%H%M%S", time.gmtime(graded.stat().st_mtime))).replace(" ", "T")
    target = Path(books.coursedir.root) / "archive" / "autograded" / student / books.assignment / label.replace(":", "")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(target, ignore_errors=True)
    shutil.move(str(graded), str(target))
    return f"resubmitted: earlier version archived in {target.relative_to(books.coursedir.root)}"


def _timestamp(folder: Path) -> str:
    with contextlib.suppress(OSError):
        return (folder / "timestamp.txt").read_text().strip()
    return ""


def claim_slots(count: int, folder: Path = Path(tempfile.gettempdir())) -> list:
    """Lock ``count`` free slot numbers for this run: two runs on one machine never share a slot's
    user or cgroup (each kills whatever its slots' users left). Keep the returned files open."""
    import fcntl

    claimed, number = [], 0
    while len(claimed) < count:
        handle = open(folder / f"keras-course-grade-slot-{number}.lock", "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            handle.slot = number
            claimed.append(handle)
        except OSError:
            handle.close()
        number += 1
    return claimed


class Grader:
    """Schedules submissions onto warm workers and keeps the gradebook single-writer."""

    def __init__(self, work: list[tuple[Gradebooks, list[str]]], workers: int, settings: dict, top: Path):
        self.top, self.settings = top, settings
        self.todo = deque((books, student) for books, students in work for student in students)
        self.jobs: deque[Job] = deque()
        self.pending: dict[str, Pending] = {}
        self.results: list[GradeResult] = []
        # Where the workers' time went, summed over notebooks (see worker.Execution).
        self.timing = {"seconds": 0.0, "judge_seconds": 0.0, "probes": 0, "probe_seconds": 0.0}
        self.events: queue.Queue = queue.Queue()
        self.locks = claim_slots(workers)
        self.workers = [Worker(lock.slot, settings, self.events) for lock in self.locks]
        self.ready: list[Worker] = []
        self.restarts = 0

    def run(self, progress: Progress) -> list[GradeResult]:
        try:
            while self.todo or self.jobs or self.pending:
                worker, message = self.events.get()
                self._handle(worker, message, progress)
                self._dispatch(progress)
        finally:
            for worker in self.workers:
                worker.close()
            for worker in self.workers:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    worker.process.wait(timeout=30)
            for lock in self.locks:
                lock.close()
        return sorted(self.results, key=lambda r: (r.assignment, r.student))

    def _handle(self, worker: Worker, message: dict, progress: Progress) -> None:
        event = message["event"]
        if event == "ready":
            self.ready.append(worker)
        elif event in ("done", "failed"):
            job, worker.job = worker.job, None
            pending = self.pending[job.key]
            pending.jobs.discard(job.id)
            if event == "done":
                pending.executed[job.notebook] = job.output
                for key in self.timing:
                    self.timing[key] += message.get(key, 0)
                pending.reasons += message["notes"] + ([message["stopped"]] if message["stopped"] else [])
            else:
                pending.failed = f"execution failed: {message['reason']}"
            self._finish_if_complete(job.key, progress)
        elif event in ("broken", "exit"):
            self._replace(worker, message["reason"], progress)

    def _replace(self, worker: Worker, reason: str, progress: Progress) -> None:
        if worker not in self.workers:  # its "broken" came first, then its "exit"
            return
        if worker in self.ready:
            self.ready.remove(worker)
        if worker.job:
            pending = self.pending[worker.job.key]
            pending.jobs.discard(worker.job.id)
            pending.failed = f"the grading worker stopped: {reason}"
            self._finish_if_complete(worker.job.key, progress)
            worker.job = None
        if worker.process.poll() is None:
            worker.close()
        if self.restarts >= 2 * len(self.workers):
            self.workers.remove(worker)
            if not self.workers:  # nothing can run: every submission left fails with the reason
                self._fail_all(reason, progress)
            return
        self.restarts += 1
        self.workers[self.workers.index(worker)] = Worker(worker.slot, self.settings, self.events)

    def _fail_all(self, reason: str, progress: Progress) -> None:
        left = [(p.books, p.student) for p in self.pending.values()] + list(self.todo)
        for books, student in left:
            self._record(GradeResult(student, status="failed", reason=f"no worker could start: {reason}",
                                     assignment=books.assignment), progress)
        self.todo.clear()
        self.jobs.clear()
        self.pending.clear()

    def _dispatch(self, progress: Progress) -> None:
        while self.ready and (self.jobs or self.todo):
            if not self.jobs:
                self._prepare(*self.todo.popleft(), progress)
                continue
            self.ready.pop(0).send(self.jobs.popleft())
        # One submission prepared ahead while every worker is busy: the next free worker starts at once.
        while not self.jobs and self.todo and not self.ready:
            self._prepare(*self.todo.popleft(), progress)

    def _prepare(self, books: Gradebooks, student: str, progress: Progress) -> None:
        started = time.monotonic()
        try:
            archived = archive_earlier(books, student)
            staged = books.prepare(student)
        except Exception as error:
            self._record(GradeResult(student, status="failed", reason=f"nbgrader could not prepare it: {error}",
                                     seconds=time.monotonic() - started, assignment=books.assignment), progress)
            return
        if archived:
            staged.notes.insert(0, archived)
        key = f"{books.assignment}/{student}"
        pending = Pending(books, student, staged, started, reasons=list(staged.notes))
        self.pending[key] = pending
        for notebook in staged.notebooks:
            name = hashlib.sha1(key.encode()).hexdigest()
            job = Job(f"{key}/{notebook}", student, notebook, books.autograded(student),
                      self.top / "executed" / f"{name}-{notebook}.ipynb", key)
            pending.jobs.add(job.id)
            self.jobs.append(job)
        self._finish_if_complete(key, progress)

    def _finish_if_complete(self, key: str, progress: Progress) -> None:
        pending = self.pending[key]
        if pending.jobs:
            return
        del self.pending[key]
        books, student = pending.books, pending.student
        result = GradeResult(student, reason="; ".join(pending.reasons), assignment=books.assignment)
        try:
            if pending.executed:
                books.finalize(student, pending.executed)
            elif pending.failed:
                books.record_zero(student)
            result.score, result.max_score = books.score(student)
        except Exception as error:
            pending.failed = pending.failed or f"nbgrader could not save the grades: {error}"
        if pending.failed:
            result.status = "failed"
            result.reason = "; ".join([pending.failed, *pending.reasons])
        result.seconds = round(time.monotonic() - pending.started, 1)
        self._record(result, progress)

    def _record(self, result: GradeResult, progress: Progress) -> None:
        self.results.append(result)
        progress.update(result)


@dataclass
class GradeOptions:
    assignments: list[str]  # one chapter, or several graded by one pool of workers
    workers: int = 0  # 0: one per core
    students: list[str] | None = None
    shard: Shard | None = None
    limits: dict = field(default_factory=dict)  # Limits fields to change from their defaults
    sandbox: str = "auto"
    db_url: str = ""  # nbgrader's gradebook, e.g. PostgreSQL shared by the shards (default: the config's)
    fork_kernels: bool = True  # warm kernels forked from a server per slot (kernel_forkserver.py)


def grade(course: Course, options: GradeOptions, progress_stream=None) -> tuple[list[GradeResult], Mode]:
    """Grade the submissions the options select; raise CourseError when there is nothing to grade."""
    from .gradebook_steps import Gradebooks  # nbgrader: imported only when grading

    app = load_nbgrader_app(course, options.db_url)
    top = grading_folder()
    try:
        work = []
        for assignment in options.assignments:
            try:
                books = Gradebooks(app, assignment, top / "staging")
            except Exception as error:
                raise CourseError(f"assignment {assignment!r} is not in the gradebook "
                                  f"({app.coursedir.db_url}): run keras-course release first ({error})") from None
            work.append((books, submitters(books)))
        work = select_students(work, options.students, options.shard)
        names = " and ".join(options.assignments)
        count = sum(len(students) for _, students in work)
        if not count and not options.shard:
            raise CourseError(f"no submissions of {names} in "
                              f"{Path(app.coursedir.root) / app.coursedir.submitted_directory}")
        kernels = {books.kernel_name for books, students in work if students}
        if len(kernels) > 1:
            raise CourseError(f"{names} run in different kernels ({', '.join(sorted(kernels))}): grade them one by one")
        mode = detect_mode(options.sandbox)
        limits = replace(Limits(cell_timeout=float(app.config.Execute.get("timeout", 30))), **options.limits)
        workers = max(1, min(options.workers or os.cpu_count() or 1, count or 1))
        settings = worker_settings(limits, mode, top, next(iter(kernels), "python3"),
                                   hidden_paths(*_private_paths(course, app), top), options.fork_kernels,
                                   threads=max(1, (os.cpu_count() or 1) // workers))
        if not count:
            return [], mode
        grader = Grader(work, workers, settings, top)
        slots = ", ".join(str(lock.slot) for lock in grader.locks)
        print(f"grading {count} submission(s) of {names}: {workers} worker(s) in slot(s) "
              f"{slots}, sandbox {mode.name}", file=progress_stream or sys.stderr, flush=True)
        results = grader.run(Progress(count, progress_stream))
        print(timing_line(grader.timing), file=progress_stream or sys.stderr, flush=True)
        return results, mode
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _private_paths(course: Course, app) -> tuple[Path, Path, Path, Path | None]:
    exchange = Path(app.config.Exchange.get("root", "/srv/nbgrader/exchange"))
    url = app.coursedir.db_url
    db_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    return Path(app.coursedir.root), course.source, exchange, db_file


def run(args) -> int:
    """The CLI verb: progress on stderr, the table on stdout; exit 1 if any submission failed."""
    from ..course import load_course

    course = load_course(args.course)
    for assignment in args.assignment:
        course.chapter(assignment)  # an unknown one: a CourseError that names the known chapters
    overrides = {"cell_timeout": args.cell_timeout, "submission_timeout": args.timeout,
                 "memory_bytes": args.memory and int(args.memory * 2**30), "max_processes": args.max_processes}
    args.assignment = list(dict.fromkeys(args.assignment))  # a chapter named twice is graded once
    options = GradeOptions(args.assignment, args.workers, args.student or None,
                           Shard.parse(args.shard) if args.shard else None,
                           {k: v for k, v in overrides.items() if v}, args.sandbox, args.db_url,
                           fork_kernels=not args.cold_kernels)
    results, mode = grade(course, options)
    if mode.warning:
        print(f"warning: {mode.warning}", file=sys.stderr)
    if not results:
        print(f"shard {args.shard}: no submission of {' and '.join(args.assignment)} falls in this shard",
              file=sys.stderr)
        return 0
    print(summary_table(results))
    return 1 if any(r.status == "failed" for r in results) else 0


def add_parser(commands) -> None:
    grade_cmd = commands.add_parser("grade", help="autograde every submission, in parallel and sandboxed")
    grade_cmd.add_argument("assignment", nargs="+",
                           help="the chapter id, e.g. ch05_cnn; several are graded by one pool of workers")
    add_course_option(grade_cmd)
    grade_cmd.add_argument("--workers", type=int, default=0, help="notebooks run at once (default: one per core)")
    grade_cmd.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    grade_cmd.add_argument("--shard", metavar="I/N", help="grade only shard I (0-based) of N, by a hash of the id")
    grade_cmd.add_argument("--cell-timeout", type=float, help="seconds a cell may run (default: nbgrader's Execute.timeout)")
    grade_cmd.add_argument("--timeout", type=float, help="seconds a submission may run (default 1800)")
    grade_cmd.add_argument("--memory", type=float, help="GiB a submission may use (default 8)")
    grade_cmd.add_argument("--max-processes", type=int, help="processes and threads per submission (default 512)")
    grade_cmd.add_argument("--sandbox", choices=("auto", "user", "userns", "none"), default="auto",
                           help="auto: the strongest this machine allows (see README, Grading)")
    grade_cmd.add_argument("--cold-kernels", action="store_true",
                           help="start every kernel from scratch instead of forking warm ones (slower)")
    add_gradebook_option(grade_cmd)
    grade_cmd.set_defaults(run=run)
