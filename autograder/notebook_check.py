"""``keras-course check NOTEBOOK``: run a notebook headless and report its public checks.

Each ``check("exercise")`` call leaves a JSON result in its cell's output (see student.py);
this module executes the notebook, reads those results back and makes one row per exercise.
No hub and no nbgrader are needed, so a self-learner gets the same answers as a student.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .i18n.messages import N_, notebook_language, translate
from .student import RESULT_MIME

CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.-]+)["']""")


class NotebookError(Exception):
    """The notebook cannot be read or run at all."""


@dataclass(frozen=True)
class ExerciseReport:
    exercise: str
    status: str  # "pass", "fail", "error" (the check cell crashed) or "not run"
    message: str = ""


@dataclass(frozen=True)
class NotebookReport:
    notebook: Path
    exercises: list[ExerciseReport]
    stopped: str = ""  # why execution stopped early, if it did
    lang: str = "en"  # the notebook's language: the table's words and the checks' messages

    @property
    def passed(self) -> bool:
        return bool(self.exercises) and all(e.status == "pass" for e in self.exercises)

    def table(self) -> str:
        _ = lambda message: translate(message, self.lang)  # noqa: E731
        passing, total = sum(e.status == "pass" for e in self.exercises), len(self.exercises)
        heads = [_(N_("exercise")), _(N_("result")), _(N_("message"))]
        width = max([len(heads[0])] + [len(e.exercise) for e in self.exercises])
        lines = [f"{self.notebook.name}: " + _(N_(f"{passing} of {total} exercises pass the public checks")),
                 f"{heads[0].ljust(width)}  {heads[1]:7}  {heads[2]}"]
        for e in self.exercises:
            status = _(STATUS_WORDS[e.status]) if self.lang != "en" else (e.status.upper() if e.status != "pass" else "pass")
            lines.append(f"{e.exercise.ljust(width)}  {status:7}  {_(e.message)}".rstrip())
        if self.stopped:
            lines.append(_(N_(f"execution stopped early: {self.stopped}")))
        return "\n".join(lines)


STATUS_WORDS = {"pass": N_("pass"), "fail": N_("FAIL"), "error": N_("ERROR"), "not run": N_("NOT RUN")}


def read_notebook(path: Path):
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise NotebookError(f"{path} does not exist") from None
    except Exception as error:  # nbformat raises several kinds for broken JSON or schema
        raise NotebookError(f"{path} is not a readable notebook: {error}") from None


def _first_failure(result: dict, lang: str) -> str:
    failures = [o for o in result.get("outcomes", []) if not o.get("passed")]
    if not failures:
        return ""
    others = len(failures) - 1
    more = " " + translate(N_(f"(+{others} more)"), lang) if others else ""
    return f"{translate(failures[0]['description'], lang)}: {translate(failures[0]['message'], lang)}{more}"


def report_from_outputs(nb, path: Path, stopped: str = "") -> NotebookReport:
    """One row per check() call, in notebook order, from an executed notebook."""
    rows, lang = [], notebook_language(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for exercise in CHECK_CALL.findall(cell.source):
            outputs = cell.get("outputs", [])
            result = next((o["data"][RESULT_MIME] for o in outputs
                           if o.get("output_type") in ("display_data", "execute_result")
                           and RESULT_MIME in o.get("data", {})
                           and o["data"][RESULT_MIME].get("exercise") == exercise), None)
            error = next((o for o in outputs if o.get("output_type") == "error"), None)
            if result is not None:
                status = "pass" if result.get("passed") else "fail"
                rows.append(ExerciseReport(exercise, status, _first_failure(result, lang)))
            elif error is not None:
                rows.append(ExerciseReport(exercise, "error", f"{error.get('ename')}: {error.get('evalue')}"))
            else:
                rows.append(ExerciseReport(exercise, "not run", N_("the cell did not run")))
    return NotebookReport(path, rows, stopped, lang)


def check_notebook(path: Path | str, timeout: int = 600, kernel_name: str | None = None,
                   kernel_log: bool = False) -> NotebookReport:
    """Execute a copy of the notebook (the file is not changed) and report its checks.

    The kernel's own log (TensorFlow's start-up lines and the like) is dropped unless
    ``kernel_log``: what matters is in the cell outputs.
    """
    import subprocess

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    path = Path(path).resolve()
    nb = read_notebook(path)
    if not CHECK_CALL.search("\n".join(c.source for c in nb.cells if c.cell_type == "code")):
        raise NotebookError(f"{path.name} has no check(\"...\") cells: is it a course notebook?")
    kernel = kernel_name or nb.metadata.get("kernelspec", {}).get("name", "python3")
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    stopped = ""
    try:
        client.execute(**({} if kernel_log else {"stderr": subprocess.DEVNULL}))
    except CellTimeoutError:
        stopped = f"a cell ran longer than {timeout} s"
    except DeadKernelError as error:
        stopped = f"the kernel died ({error})"
    return report_from_outputs(nb, path, stopped)
