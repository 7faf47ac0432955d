"""nbgrader's Execute step through the judge: plain ``nbgrader autograde`` and the formgrader's
autograde button grade as ``keras-course grade`` does.

``course/nbgrader_config.py`` puts ``JudgedExecute`` where nbgrader's ``Execute`` stands in
``Autograde.autograde_preprocessors``. nbgrader still does everything around execution (outputs
cleared, test cells restored from the gradebook before; grades, late penalties after, the course's
late policy standing in for nbgrader's AssignLatePenalties: late_penalties.py); only the
execution moves: the sanitized notebook goes to a grading worker (worker.py) in a sandbox slot of
its own, whose kernel runs the student's cells and never receives a test cell, and whose judge
writes every graded cell's result. One worker per notebook, started and closed here: the
formgrader grades one submission at a time, and a class goes through ``keras-course grade``,
which keeps its workers warm (and leaves this step out: gradebook_steps drops every Execute).

A notebook that cannot be executed this way (no worker would start, the worker broke) raises, so
nbgrader reports the submission as not autograded instead of scoring it.
"""

from __future__ import annotations

import os
import queue
import shutil
import time
from pathlib import Path

import nbformat
from nbgrader.preprocessors import Execute

PLAIN_SWITCH = "KERAS_COURSE_PLAIN_EXECUTE"  # "1": nbgrader's own Execute, test cells in the kernel (benchmarks)


def judged_autograde_preprocessors() -> list:
    """nbgrader's autograde steps with JudgedExecute in place of Execute (for a course's config),
    nbgrader's own Execute when KERAS_COURSE_PLAIN_EXECUTE is "1"; either way the course's late
    policy (late_penalties.py) in place of AssignLatePenalties."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import AssignLatePenalties

    from .late_penalties import LedgerLatePenalties

    plain = os.environ.get(PLAIN_SWITCH) == "1"
    replacements = {AssignLatePenalties: LedgerLatePenalties, **({} if plain else {Execute: JudgedExecute})}
    return [replacements.get(step, step) for step in Autograde.class_traits()["autograde_preprocessors"].default()]


class JudgedExecute(Execute):
    """Execute the notebook in a sandboxed grading worker; graded test cells are judged outside the kernel."""

    def preprocess(self, nb, resources, km=None):
        folder = Path(resources.get("metadata", {}).get("path") or ".")
        name = resources.get("nbgrader", {}).get("notebook") or resources.get("unique_key") or "notebook"
        executed = execute_in_worker(nb, folder, name, cell_timeout=float(self.timeout or 30), config=self.config,
                                     db_url=resources.get("nbgrader", {}).get("db_url", ""))
        return executed, resources


def execute_in_worker(nb, files: Path, name: str, cell_timeout: float, config, db_url: str = ""):
    """The notebook as a grading worker executed and judged it, with the other files of ``files`` beside it."""
    from ..course import load_course
    from .grade import Job, claim_slots, grading_folder, worker_settings
    from .sandbox import Limits, detect_mode, hidden_paths

    root = Path(config.CourseDirectory.get("root") or ".").resolve()
    course = load_course(root)
    exchange = Path(config.Exchange.get("root", "/srv/nbgrader/exchange"))
    db_file = Path(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite:///") else None
    top = grading_folder()
    lock = None
    try:
        staged = top / "staging" / "submission"
        shutil.copytree(files, staged, ignore=shutil.ignore_patterns(f"{name}.ipynb", ".ipynb_checkpoints"))
        nbformat.write(nb, staged / f"{name}.ipynb")  # nbgrader's sanitized copy, hidden tests restored
        limits = Limits(cell_timeout=cell_timeout)
        kernel = (nb.metadata.get("kernelspec") or {}).get("name") or "python3"
        settings = worker_settings(limits, detect_mode("auto"), top, kernel,
                                   hidden_paths(root, course.source, exchange, db_file, top))
        lock = claim_slots(1)[0]
        job = Job(f"nbgrader/{name}", "nbgrader", name, staged, top / "executed" / f"{name}.ipynb", "nbgrader")
        _run(job, lock.slot, settings, limits.submission_timeout)
        return nbformat.read(job.output, as_version=4)
    finally:
        if lock is not None:
            lock.close()
        shutil.rmtree(top, ignore_errors=True)


def _run(job, slot: int, settings: dict, submission_timeout: float) -> None:
    """One job through one worker: ready, job, done (or the reason it could not be done)."""
    from .grade import Worker

    events: queue.Queue = queue.Queue()
    worker = Worker(slot, settings, events)
    deadline = time.monotonic() + submission_timeout + 300  # the worker's own limits act first
    try:
        sent = False
        while True:
            try:
                _, message = events.get(timeout=max(1.0, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("the grading worker did not finish in time") from None
            event = message.get("event")
            if event == "ready" and not sent:
                worker.send(job)
                sent = True
            elif event == "done":
                return
            elif event in ("failed", "broken", "exit"):
                raise RuntimeError(f"the grading worker could not execute the notebook: {message.get('reason')}")
    finally:
        worker.close()
        try:
            worker.process.wait(timeout=30)
        except Exception:  # noqa: BLE001 - a worker that will not stop is killed
            worker.process.kill()
