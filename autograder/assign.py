"""Release chapters: nbgrader's student versions, and a self-learner's working copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from .course import Course, CourseError
from .nbgrader_cmd import run_nbgrader
from .notebook_check import read_notebook


def release(course: Course, chapter_ids: list[str] | None = None) -> list[Path]:
    """Generate the student version of each chapter into course/release/<id>/.

    The gradebook learns each chapter's due date from the manifest first, so late
    submissions are counted from it.
    """
    chapters = [course.chapter(c) for c in chapter_ids] if chapter_ids else list(course.chapters)
    released = []
    for chapter in chapters:
        if not chapter.notebook.is_file():
            raise CourseError(f"chapter {chapter.id}: its notebook {chapter.notebook} does not exist")
        read_notebook(chapter.notebook)  # a broken notebook: say so plainly, before nbgrader does
        add = ["db", "assignment", "add", chapter.id]
        if chapter.due:
            add.append(f"--duedate={chapter.due.isoformat()}")
        run_nbgrader(course.root, *add)
        run_nbgrader(course.root, "generate_assignment", chapter.id, "--force")
        released.append(course.root / "release" / chapter.id)
    return released


def copy_to_workspace(released: list[Path], work: Path) -> list[str]:
    """Copy released chapters into ``work``, adding missing files and never overwriting one.

    A student's edited notebook stays as it is; a file the release gained since is added.
    Returns one line per chapter saying what happened, for the person to read.
    """
    lines = []
    for folder in released:
        target = work / folder.name
        added = 0
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            destination = target / file.relative_to(folder)
            if not destination.exists():
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, destination)
                destination.chmod(0o644)  # nbgrader releases read-only files; students edit them
                added += 1
        kept = sum(1 for p in folder.rglob("*") if p.is_file()) - added
        lines.append(f"{folder.name}: {added} file(s) copied into {target}"
                     + (f", {kept} already there and left as they are" if kept else ""))
    return lines
