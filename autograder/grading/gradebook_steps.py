"""nbgrader's autograde, split around execution: everything that touches the gradebook.

``nbgrader autograde`` does, per submission: sanitize (clear outputs, de-duplicate cell ids, restore
the kernelspec and the test cells from the gradebook), execute, then score (SaveAutoGrades, late
penalties). ``keras-course grade`` runs the same converter and preprocessors in the grader's
process, one submission at a time (SQLite wants one writer), and hands only the execution to the
sandboxed workers. ``prepare`` is nbgrader's sanitizing pass, ``finalize`` its scoring pass
without the Execute preprocessor.

Before nbgrader sees a submission it is staged (copied) into a private folder, where a renamed
notebook gets its expected name back; what was odd about it becomes a note for the summary.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.writers import FilesWriter
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.converters import Autograde
from nbgrader.converters.base import BaseConverter
from nbgrader.preprocessors import Execute


@dataclass
class Staged:
    """One submission after staging and nbgrader's sanitizing pass."""

    student: str
    notebooks: list[str] = field(default_factory=list)  # notebook ids to execute
    notes: list[str] = field(default_factory=list)
    problem: str = ""  # set when nothing can be executed (the gradebook then holds zeros)


class Gradebooks:
    """nbgrader's autograde steps for one assignment, with the course's own nbgrader config."""

    def __init__(self, app, assignment: str, staging: Path):
        self.app, self.assignment, self.staging = app, assignment, staging
        self.coursedir = app.coursedir
        self.submitted_directory = self.coursedir.submitted_directory  # converters point it at staging
        if "add_missing_cells" not in app.config.OverwriteCells:  # deleted test cells come back
            app.config.OverwriteCells.add_missing_cells = True
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            found = gb.find_assignment(assignment)
            self.expected = sorted(nb.name for nb in found.notebooks)
            self.sources = {nb.name: _source_layout(nb) for nb in found.notebooks}
            kernels = {nb.name: nb.kernelspec for nb in found.notebooks}
        self.kernel_name = _kernel_name(next(iter(kernels.values()), None))

    def autograded(self, student: str) -> Path:
        return Path(self.coursedir.format_path(self.coursedir.autograded_directory, student, self.assignment))

    def submitted(self, student: str) -> Path:
        return Path(self.coursedir.format_path(self.submitted_directory, student, self.assignment))

    # --- before execution ---------------------------------------------------------------------

    def prepare(self, student: str) -> Staged:
        staged = self._stage(student)
        if not staged.notebooks:
            self.record_zero(student)
            return staged
        converter = self._converter(student, sanitizing=True)
        converter.start()  # init_assignment (student, submission, timestamp), then sanitize
        return staged

    def _stage(self, student: str) -> Staged:
        """Copy the submission to staging/<student>/<assignment>, with what nbgrader expects."""
        staged = Staged(student)
        folder = self.staging / student / self.assignment
        shutil.rmtree(self.staging / student, ignore_errors=True)
        shutil.copytree(self.submitted(student), folder, symlinks=False)
        present = sorted(p.stem for p in folder.glob("*.ipynb"))
        unknown = [name for name in present if name not in self.expected]
        missing = [name for name in self.expected if name not in present]
        if len(missing) == 1 and len(unknown) == 1:  # one notebook, saved under another name
            (folder / f"{unknown[0]}.ipynb").rename(folder / f"{missing[0]}.ipynb")
            staged.notes.append(f"notebook {unknown[0]}.ipynb graded as {missing[0]}.ipynb")
            present, unknown, missing = sorted(self.expected), [], []
        staged.notes += [f"extra notebook {name}.ipynb not graded" for name in unknown]
        staged.notes += [f"notebook {name}.ipynb missing (0 points)" for name in missing]
        for name in [n for n in present if n in self.expected]:
            path = folder / f"{name}.ipynb"
            trouble = _unreadable(path)
            if trouble:
                staged.notes.append(f"{name}.ipynb is not a valid notebook ({trouble}): 0 points")
                path.unlink()
                continue
            staged.notes += _layout_notes(name, path, self.sources[name])
            _unmark_duplicates(path)
            staged.notebooks.append(name)
        if not staged.notebooks:
            staged.problem = staged.notes[-1] if staged.notes else "no notebook to grade"
        return staged

    def _converter(self, student: str, sanitizing: bool) -> Autograde:
        self.coursedir.student_id = student
        self.coursedir.assignment_id = self.assignment
        self.coursedir.submitted_directory = str(self.staging)
        converter = Autograde(coursedir=self.coursedir, parent=self.app)
        converter.force = True
        if sanitizing:  # the second pass only copies the sanitized notebook into autograded/
            converter.autograde_preprocessors = []
        else:
            converter.autograde_preprocessors = [p for p in converter.autograde_preprocessors
                                                 if not _is_execute(p)]
        return converter

    # --- after execution ----------------------------------------------------------------------

    def finalize(self, student: str, executed: dict[str, Path]) -> None:
        """nbgrader's scoring pass over the executed notebooks: grades into the gradebook."""
        folder = self.autograded(student)
        for name, path in executed.items():
            target = folder / f"{name}.ipynb"
            if target.exists():
                os.chmod(target, 0o644)  # nbgrader leaves its outputs read-only
            shutil.copyfile(path, target)
        converter = self._converter(student, sanitizing=False)
        converter.writer = FilesWriter(parent=converter, config=converter.config)  # as BaseConverter.start
        converter.exporter = converter.exporter_class(parent=converter, config=converter.config)
        converter._sanitizing = False
        converter._init_preprocessors()
        previous = os.getcwd()
        os.chdir(self.coursedir.root)
        try:
            for name in executed:
                BaseConverter.convert_single_notebook(converter, str(folder / f"{name}.ipynb"))
            converter.set_permissions(self.assignment, student)
        finally:
            os.chdir(previous)

    def record_zero(self, student: str) -> None:
        """Zero for every graded cell of a notebook that cannot run, as nbgrader does for a missing one."""
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            gb.update_or_create_student(student)
            gb.update_or_create_submission(self.assignment, student)
            for name in self.expected:
                for grade in gb.find_submission_notebook(name, self.assignment, student).grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
            gb.db.commit()

    def score(self, student: str) -> tuple[float, float]:
        """The submission's score less its late penalty (as nbgrader export counts it), and the maximum."""
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                submission = gb.find_submission(self.assignment, student)
            except MissingEntry:
                return 0.0, sum(gb.find_notebook(n, self.assignment).max_score for n in self.expected)
            penalty = float(submission.late_submission_penalty or 0.0)
            return max(0.0, float(submission.score) - penalty), float(submission.max_score)


def _is_execute(preprocessor) -> bool:
    """An Execute step, given as a class or as its import path (a config may name it either way):
    the workers execute, so the scoring pass leaves every Execute out (JudgedExecute included)."""
    if isinstance(preprocessor, str):
        from traitlets.utils.importstring import import_item

        preprocessor = import_item(preprocessor)
    return isinstance(preprocessor, type) and issubclass(preprocessor, Execute)


def _kernel_name(kernelspec: str | None) -> str:
    import json

    try:
        return json.loads(kernelspec)["name"] if kernelspec else "python3"
    except (ValueError, KeyError, TypeError):
        return "python3"


def _source_layout(notebook) -> dict:
    """The order of the release's graded and solution cells (as nbgrader stored them), and its locked ones."""
    return {"order": [c.name for c in notebook.source_cells],
            "tests": {c.name for c in notebook.source_cells if c.locked}}


def _unreadable(path: Path) -> str:
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as error:  # invalid JSON or not a notebook: say which, briefly
        return f"{type(error).__name__}: {str(error).splitlines()[0][:120] if str(error) else ''}"
    return ""


def _unmark_duplicates(path: Path) -> None:
    """Only the last cell with a grade id keeps its nbgrader metadata, as DeduplicateIds decides;
    removed here rather than emptied, which OverwriteCells' add_missing_cells cannot read."""
    nb = nbformat.read(path, as_version=4)
    seen, changed = set(), False
    for cell in reversed(nb.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is not None and grade_id in seen:
            del cell.metadata["nbgrader"]
            changed = True
        seen.add(grade_id)
    if changed:
        nbformat.write(nb, path)


def _layout_notes(name: str, path: Path, source: dict) -> list[str]:
    """What the student changed in the notebook's structure; nbgrader repairs what it can."""
    from nbgrader.utils import compute_checksum

    nb = nbformat.read(path, as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    ids = [i for i in ids if i]
    notes = []
    duplicated = sorted(i for i, n in Counter(ids).items() if n > 1)
    deleted = [i for i in source["order"] if i not in ids]
    if duplicated:
        notes.append(f"{name}: duplicated cells {', '.join(duplicated)} (the last copy is graded)")
    if deleted:
        notes.append(f"{name}: cells deleted or their metadata removed: {', '.join(deleted)} "
                     "(test cells are put back)")
    kept = [i for i in dict.fromkeys(ids) if i in source["order"]]
    if kept != [i for i in source["order"] if i in kept]:
        notes.append(f"{name}: cells reordered (they run in the student's order)")
    edited = sorted({c.metadata.nbgrader["grade_id"] for c in nb.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") in source["tests"]
                     and c.metadata.nbgrader.get("checksum", compute_checksum(c)) != compute_checksum(c)})
    if edited:
        notes.append(f"{name}: test cells edited: {', '.join(edited)} (the originals are restored)")
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    if kernel and kernel != "python3":
        notes.append(f"{name}: kernel {kernel!r} replaced by the assignment's own")
    return notes
