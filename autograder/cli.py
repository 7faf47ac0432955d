"""The ``keras-course`` command: what students, self-learners and instructors run."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .course import COURSE_HELP, CourseError, load_course
from .i18n.notebooks import TranslationError
from .nbgrader_cmd import NbgraderError
from .notebook_check import NotebookError


def _check(args) -> int:
    from .notebook_check import check_notebook

    status = 0
    for path in args.notebooks:
        print(f"running {path} ...", file=sys.stderr, flush=True)
        try:
            report = check_notebook(path, timeout=args.timeout, kernel_name=args.kernel,
                                    kernel_log=args.kernel_log)
        except NotebookError as error:
            print(f"error: {error}", file=sys.stderr)
            status = 2
            continue
        print(report.table())
        if not report.passed and status == 0:
            status = 1
    return status


def _release(args) -> int:
    from .assign import release

    course = load_course(args.course)
    for folder in release(course, args.chapters or None, _languages(course, args.lang)):
        print(f"released {folder.name} -> {folder}")
    return 0


def _languages(course, lang: str) -> list[str]:
    """--lang: one of the course's languages, or all of them."""
    return list(course.languages) if lang == "all" else [lang]


def _gpu_check(args) -> int:
    from .gpu_check import gpu_check

    return gpu_check(epochs=args.epochs, batch_size=args.batch_size, require_gpu=args.require_gpu)


def _start(args) -> int:
    """Release every chapter into a work folder and open JupyterLab on it."""
    from .assign import copy_to_workspace, release

    course = load_course(args.course)
    work = Path(args.work).resolve()
    print(f"Releasing {len(course.chapters)} chapter(s) of {course.title} ...", flush=True)
    for line in copy_to_workspace(release(course, None, _languages(course, args.lang)), work):
        print(line)
    if args.no_lab:
        return 0
    lab = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={work}",
           f"--ServerApp.port={args.port}", "--ServerApp.ip=127.0.0.1"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        lab.append("--allow-root")  # Jupyter refuses root without it (containers, CI)
    if args.no_browser:
        lab.append("--no-browser")
    print(f"Opening JupyterLab on {work} (Ctrl-C to stop)", flush=True)
    os.execv(sys.executable, lab)


def _hub(args) -> int:
    """Run the course's JupyterHub (local profile) until Ctrl-C."""
    from .hub import HubSettings, run_hub

    environ = dict(os.environ)
    if args.port:
        environ["HUB_PORT"] = str(args.port)
    if args.course:
        environ["KERAS_COURSE_ROOT"] = args.course
    return run_hub(HubSettings.from_env(environ))


def _feedback(args) -> int:
    from .grading.feedback_cmd import generate_feedback

    course = load_course(args.course)
    files = generate_feedback(course, args.assignment, args.student or None, release=args.release)
    for path in files:
        print(path)
    print(f"{len(files)} feedback file(s) for {args.assignment}"
          + (", released to the exchange" if args.release else ""), file=sys.stderr)
    return 0


def _report(args) -> int:
    from .report import build_report, write_report

    course = load_course(args.course)
    report = build_report(course, args.assignment)
    print(report.item_table())
    out = Path(args.out or course.root / "reports" / args.assignment)
    for path in write_report(report, out):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keras-course", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="run a notebook headless and report its public checks")
    check.add_argument("notebooks", nargs="+", type=Path, metavar="NOTEBOOK")
    check.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    check.add_argument("--kernel", help="Jupyter kernel name (default: the notebook's own)")
    check.add_argument("--kernel-log", action="store_true", help="show the kernel's own log on stderr")
    check.set_defaults(run=_check)

    rel = commands.add_parser("release", help="generate the student version of chapters (nbgrader)")
    rel.add_argument("chapters", nargs="*", help="chapter ids (default: all)")
    rel.add_argument("--lang", default="all", help="en, zh_CN or all (default): each language is an "
                     "assignment of its own, <chapter>_<lang> for a translation")
    rel.add_argument("--course", help=COURSE_HELP)
    rel.set_defaults(run=_release)

    gpu = commands.add_parser("gpu-check", help="show the GPU to Keras: train a course model on GPU and CPU")
    gpu.add_argument("--epochs", type=int, default=3, help="epochs on each device (default 3)")
    gpu.add_argument("--batch-size", type=int, default=128)
    gpu.add_argument("--require-gpu", action="store_true", help="exit with status 2 when Keras sees no GPU")
    gpu.set_defaults(run=_gpu_check)

    feedback = commands.add_parser("feedback", help="per-student HTML feedback: every test's outcome, points "
                                   "and message, never hidden-test code")
    feedback.add_argument("assignment")
    feedback.add_argument("--course", help=COURSE_HELP)
    feedback.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    feedback.add_argument("--release", action="store_true", help="also release it to the exchange for students")
    feedback.set_defaults(run=_feedback)

    report = commands.add_parser("report", help="grades CSV, item analysis per test and plots for an assignment")
    report.add_argument("assignment")
    report.add_argument("--course", help=COURSE_HELP)
    report.add_argument("--out", help="folder for the CSV and PNG files (default: COURSE/reports/ASSIGNMENT)")
    report.set_defaults(run=_report)

    start = commands.add_parser("start", help="release the course into a work folder and open JupyterLab")
    start.add_argument("--course", help=COURSE_HELP)
    start.add_argument("--work", default="work", help="where your copies of the chapters go (default: ./work)")
    start.add_argument("--port", type=int, default=8888)
    start.add_argument("--no-browser", action="store_true", help="do not open a browser window")
    start.add_argument("--no-lab", action="store_true", help="release and copy only; do not start JupyterLab")
    start.add_argument("--lang", default="en", help="en (default), zh_CN or all: the chapters' language")
    start.set_defaults(run=_start)

    hub = commands.add_parser("hub", help="run the course's JupyterHub on 127.0.0.1 with demo accounts")
    hub.add_argument("--course", help=COURSE_HELP)
    hub.add_argument("--port", type=int, help="the hub's port (default: HUB_PORT, else 8000)")
    hub.set_defaults(run=_hub)

    from .i18n import notebooks as translations

    translations.add_parser(commands)
    _add_grader_verbs(commands)
    return parser


def _add_grader_verbs(commands) -> None:
    """Verbs whose options live with them: grading and the instructor tools. A student's image has
    neither package (docker/student.Dockerfile), and its keras-course has neither verb."""
    try:
        from .grading.grade import add_parser as add_grade_parser
        from .instructor import extensions, passback, similarity
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith(("autograder.grading", "autograder.instructor")):
            raise
        return
    add_grade_parser(commands)
    passback.add_parser(commands)
    similarity.add_parser(commands)
    extensions.add_parser(commands)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (CourseError, NbgraderError, NotebookError, TranslationError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
