"""Release chapters: nbgrader's student versions, and a self-learner's working copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from .course import Course, CourseError
from .nbgrader_cmd import run_nbgrader
from .notebook_check import read_notebook


def release(course: Course, chapter_ids: list[str] | None = None, languages: list[str] | None = None) -> list[Path]:
    """Generate the student version of each chapter into course/release/<id>/, in each language.

    ``chapter_ids``: chapters (default: all), or one language's assignment such as ch01_setup_zh_CN;
    ``languages``: which of the course's languages (default: the notebooks' own, English; the
    command's --lang defaults to all). A translation's
    instructor notebook is built first, from the English one and its catalogue, into
    source/<id>_<lang>/, so nbgrader generates it like any other. The gradebook learns each
    chapter's due date from the manifest first, so late submissions are counted from it.
    """
    released = []
    for chapter in _versions(course, chapter_ids, languages):
        if chapter.lang != course.languages[0]:
            _build_translation(course, chapter)
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


def _versions(course: Course, chapter_ids: list[str] | None, languages: list[str] | None) -> list:
    languages = list(languages or course.languages[:1])
    for lang in languages:
        course.in_language(course.chapters[0], lang)  # an unknown language: say which there are
    chosen = [course.chapter(c) for c in chapter_ids] if chapter_ids else list(course.chapters)
    versions = []
    for chapter in chosen:
        if chapter.base_id:
            versions.append(chapter)  # one language's assignment, named as such
        else:
            versions += [course.in_language(chapter, lang) for lang in languages]
    return versions


def _build_translation(course: Course, chapter) -> None:
    from .i18n.notebooks import build_translated_notebook

    english = course.chapter(chapter.chapter_id).notebook
    if not english.is_file():
        raise CourseError(f"chapter {chapter.chapter_id}: its notebook {english} does not exist")
    build_translated_notebook(english, chapter.lang, chapter.notebook, course.translations)
    for extra in english.parent.iterdir():  # data files beside the notebook go with it
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy2(extra, chapter.notebook.parent / extra.name)


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
