"""Plain `nbgrader autograde` against `keras-course grade` on one set of submissions, side by side.

    .venv/bin/python benchmarks/grading.py [--count 40] [--chapters ch05_cnn ...] [--workers 1 2 0]

Builds a private copy of the course, releases the chapters, and writes ``--count`` submissions
spread over them: the solution, the release as is, and a partly correct answer (tests/
bad_submissions.py, from tests/<chNN>_variants.py), in turn. Then, on that one machine:

1. plain execution of the same notebooks (nbclient, one after another): the floor;
2. ``nbgrader autograde`` for every chapter, with nbgrader's own Execute (``KERAS_COURSE_PLAIN_EXECUTE=1``;
   the course's config would otherwise send each notebook through a grading worker);
3. ``keras-course grade`` for every chapter, with each ``--workers`` value (0: one per core): one
   command per chapter, as nbgrader, or with ``--together`` one command for all of them.

It prints the wall time, throughput (submissions per minute), the ratio to nbgrader, the peak
memory of the whole process tree, the grading overhead (time over plain execution), and whether
every score equals nbgrader's. Not part of the test run: it takes as long as grading the set
several times. Timings on a shared machine are noisy; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("KERAS_COURSE_DATA", "digits")

from autograder.assign import release  # noqa: E402
from autograder.course import load_course  # noqa: E402
from autograder.grading.nbgrader_execute import PLAIN_SWITCH  # noqa: E402
from autograder.grading.sandbox import process_tree_rss  # noqa: E402
from bad_submissions import partly_correct  # noqa: E402
from conftest import copy_course  # noqa: E402
from notebook_times import cell_seconds  # noqa: E402 (this folder: the script's own)


class PeakMemory(threading.Thread):
    """The largest resident memory of a process and its descendants, sampled every 0.2 s."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            self.peak = max(self.peak, process_tree_rss(self.pid))


def timed(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak memory of the process tree, and what the command said on stderr."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=stderr)
        memory = PeakMemory(process.pid)
        memory.start()
        process.wait()
        memory.done.set()
        stderr.seek(0)
        said = stderr.read()
    if process.returncode not in (0, 1):
        print(f"  warning: {' '.join(command[:4])} exited {process.returncode}")
    return time.perf_counter() - started, memory.peak, said


TIMING = re.compile(r"time: ([\d.]+) s executing notebooks, ([\d.]+) s of it judging test cells.*?: "
                    r"(\d+) probes, ([\d.]+) s waiting on kernels")


def judge_time(said: str) -> list[float]:
    """keras-course grade's own account (its "time:" line): executing, judging, probes, waiting."""
    found = [0.0, 0.0, 0.0, 0.0]
    for match in TIMING.finditer(said):
        found = [a + float(b) for a, b in zip(found, match.groups())]
    return found


def build_set(top: Path, chapters: list[str], count: int):
    course = load_course(copy_course(top))
    release(course, chapters)
    kinds = ("solution", "as-released", "partly-correct")
    for n in range(count):
        chapter = chapters[n % len(chapters)]
        kind = kinds[(n // len(chapters)) % len(kinds)]
        released = nbformat.read(course.root / "release" / chapter / f"{chapter}.ipynb", as_version=4)
        nb = {"solution": lambda: nbformat.read(course.source / chapter / f"{chapter}.ipynb", as_version=4),
              "as-released": lambda: released,
              "partly-correct": lambda: partly_correct(released, chapter)}[kind]()
        write_submission_for(course.root, f"s{n:03d}-{kind}", chapter, nb)
    return course


def write_submission_for(course_root: Path, student: str, chapter: str, nb) -> None:
    folder = course_root / "submitted" / student / chapter
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{chapter}.ipynb")


def hidden_test_cells(source_path: Path) -> dict[str, object]:
    """grade id -> hidden test cell of an instructor notebook."""
    source = nbformat.read(source_path, as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells if "BEGIN HIDDEN TESTS" in c.source}


def plain_execution(course, chapters: list[str]) -> tuple[float, dict[str, float]]:
    """Every submission run once with nbclient; the wall time and where it went."""
    from nbclient import NotebookClient

    parts = {"kernel start and messaging": 0.0, "imports (first code cell)": 0.0,
             "hidden test cells": 0.0, "other cells (student code, public checks)": 0.0}
    hidden_by_chapter = {c: hidden_test_cells(course.source / c / f"{c}.ipynb") for c in chapters}
    started = time.perf_counter()
    for path in sorted((course.root / "submitted").glob("*/*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        hidden = hidden_by_chapter[path.parent.name]
        one = time.perf_counter()
        # The hidden tests are put back first, as the autograder does, so that they are timed too.
        for i, cell in enumerate(nb.cells):
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in hidden:
                nb.cells[i] = hidden[grade_id]
        NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True, record_timing=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        wall = time.perf_counter() - one
        code = [c for c in nb.cells if c.cell_type == "code"]
        first = cell_seconds(code[0]) if code else 0.0
        in_hidden = sum(cell_seconds(c) for c in code if c.metadata.get("nbgrader", {}).get("grade_id") in hidden)
        rest = sum(cell_seconds(c) for c in code[1:]) - in_hidden
        parts["imports (first code cell)"] += first
        parts["hidden test cells"] += in_hidden
        parts["other cells (student code, public checks)"] += rest
        parts["kernel start and messaging"] += wall - first - in_hidden - rest
    return time.perf_counter() - started, parts


def scores(course) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        return {(s.assignment.name, s.student.id): round(s.score, 2)
                for a in gb.assignments for s in a.submissions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--chapters", nargs="*", help="default: every chapter of course/course.toml")
    parser.add_argument("--workers", nargs="*", type=int, default=[1, 2, 0], help="0: one per core")
    parser.add_argument("--skip-plain", action="store_true", help="skip the plain-execution floor")
    parser.add_argument("--together", action="store_true",
                        help="keras-course grade every chapter in one command (one start-up of its workers), "
                             "not one command per chapter as nbgrader needs")
    args = parser.parse_args()
    chapters = args.chapters or [c.id for c in load_course(ROOT / "course").chapters]
    bin_dir = Path(sys.executable).parent
    env_path = f"{bin_dir}:{os.environ.get('PATH', '')}"
    os.environ["PATH"] = env_path
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}, {args.count} submissions of {chapters}")
    with tempfile.TemporaryDirectory(prefix="grading-bench-") as tmp:
        course = build_set(Path(tmp), chapters, args.count)
        plain, parts = (None, {}) if args.skip_plain else plain_execution(course, chapters)
        rows, judged = [], []
        nb_time, nb_peak = 0.0, 0
        os.environ[PLAIN_SWITCH] = "1"  # the baseline is nbgrader's own Execute (the course's config judges)
        for chapter in chapters:
            seconds, peak, _ = timed([sys.executable, "-m", "nbgrader", "autograde", chapter, "--force"], course.root)
            nb_time, nb_peak = nb_time + seconds, max(nb_peak, peak)
        del os.environ[PLAIN_SWITCH]
        reference = scores(course)
        rows.append(("nbgrader autograde", nb_time, nb_peak, True))
        # 0 means one per core; a count given twice (e.g. 2 and 0 on two cores) runs once.
        for workers in dict.fromkeys(w or os.cpu_count() for w in args.workers):
            total, top, spent = 0.0, 0, [0.0, 0.0, 0.0, 0.0]
            for group in [chapters] if args.together else [[chapter] for chapter in chapters]:
                seconds, peak, said = timed([sys.executable, "-m", "autograder", "grade", *group, "--course",
                                             str(course.root), "--workers", str(workers)], course.root)
                total, top = total + seconds, max(top, peak)
                spent = [a + b for a, b in zip(spent, judge_time(said))]
            ours = scores(course)
            how = " (all chapters, one command)" if args.together and len(chapters) > 1 else ""
            rows.append((f"keras-course grade --workers {workers}{how}", total, top, ours == reference))
            for key in sorted(k for k in reference if ours.get(k) != reference[k]):
                print(f"  --workers {workers}: {key[0]} {key[1]}: nbgrader {reference[key]}, keras-course {ours.get(key)}")
            judged.append((workers, spent))
        print(f"load average after: {os.getloadavg()}")
        if plain:
            print(f"plain execution of the same notebooks: {plain:.0f} s, of which")
            for part, seconds in parts.items():
                print(f"  {part:44} {seconds:7.0f} s  {seconds / plain:5.1%}")
        print(f"{'':66} {'wall s':>8} {'subs/min':>9} {'vs nbgrader':>12} {'peak GiB':>9} "
              f"{'overhead':>9} same scores")
        for name, seconds, peak, same in rows:
            overhead = f"{seconds / plain:.2f}x" if plain else "-"
            print(f"{name:66} {seconds:8.0f} {args.count / seconds * 60:9.2f} {nb_time / seconds:11.2f}x "
                  f"{peak / 2**30:9.2f} {overhead:>9} {same}")
        print("where keras-course grade's workers spent their time (summed over workers):")
        for workers, (executing, judging, probes, waiting) in judged:
            print(f"  --workers {workers}: {executing:.0f} s executing notebooks; judging test cells {judging:.0f} s "
                  f"({judging / max(executing, 1e-9):.0%}): {probes:.0f} probes, {waiting:.0f} s of it waiting on "
                  f"the kernels' answers, {judging - waiting:.0f} s in the judge (reference models, checks)")


if __name__ == "__main__":
    main()
