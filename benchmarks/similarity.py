"""How long ``keras-course similarity`` takes for a class: a synthetic ch05_cnn class of N students.

    .venv/bin/python benchmarks/similarity.py [--students 200] [--repeat 1]

Builds a private copy of the course, releases ch05_cnn (nbgrader, not timed) and writes N
submissions from tests/similarity_corpus.py: each exercise answered in one of four independent
styles at random, some renamed or recommented, a few verbatim copies. Then it times the whole
``similarity`` command (reading the notebooks, extracting, fingerprinting, comparing every pair,
writing the HTML report) and prints the seconds and pairs compared per second.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from autograder.assign import release  # noqa: E402
from autograder.course import load_course  # noqa: E402
from autograder.instructor import similarity  # noqa: E402
from conftest import copy_course  # noqa: E402
from similarity_corpus import CHAPTER, synthetic_class, write_submissions  # noqa: E402


def similarity_command(course_root: Path, out: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    similarity.add_parser(parser.add_subparsers())
    return parser.parse_args(["similarity", CHAPTER, "--course", str(course_root), "--out", str(out)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="timed runs (the best is printed too)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = load_course(copy_course(Path(tmp)))
        print(f"releasing {CHAPTER} with nbgrader (not timed) ...", flush=True)
        release(course, [CHAPTER])
        released = nbformat.read(course.root / "release" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
        write_submissions(course.root, synthetic_class(released, args.students))
        command = similarity_command(course.root, Path(tmp) / "report")
        pairs = args.students * (args.students - 1) // 2
        times = []
        for _ in range(args.repeat):
            table = io.StringIO()
            started = time.perf_counter()
            with contextlib.redirect_stdout(table):
                command.run(command)
            times.append(time.perf_counter() - started)
        print(table.getvalue().splitlines()[0])
        size = (Path(tmp) / "report" / "similarity.html").stat().st_size
        print(f"similarity for {args.students} students ({pairs} pairs), whole command: "
              + ", ".join(f"{t:.1f} s" for t in times) + f"; best {min(times):.1f} s, "
              f"{pairs / min(times):,.0f} pairs/s; report {size / 2**20:.1f} MiB; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
