"""The course manifest (course/course.toml): chapters, points and dates."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "course.toml"


class CourseError(Exception):
    """The course folder or its manifest is missing or wrong; the message says which and how."""


@dataclass(frozen=True)
class Chapter:
    id: str
    title: str
    points: float
    opens: dt.datetime | None
    due: dt.datetime | None
    notebook: Path  # the instructor's notebook: source/<id>/<id>.ipynb


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    root: Path  # the nbgrader course root, holding nbgrader_config.py and the manifest
    source: Path  # the instructor notebooks
    chapters: tuple[Chapter, ...]

    def chapter(self, chapter_id: str) -> Chapter:
        for chapter in self.chapters:
            if chapter.id == chapter_id:
                return chapter
        known = ", ".join(c.id for c in self.chapters)
        raise CourseError(f"no chapter {chapter_id!r} in {self.root / MANIFEST}; chapters: {known}")


def find_course_root(start: Path | None = None) -> Path:
    """KERAS_COURSE_ROOT, else the nearest course/ folder at or above ``start`` (the cwd)."""
    if os.environ.get("KERAS_COURSE_ROOT"):
        return Path(os.environ["KERAS_COURSE_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder, folder / "course"):
            if (candidate / MANIFEST).is_file():
                return candidate
    raise CourseError(
        f"no {MANIFEST} found in {here} or above: run from the course repository, "
        "pass --course PATH, or set KERAS_COURSE_ROOT")


def _date(value, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    raise CourseError(f"{where} should be a date and time like 2027-02-15T23:59:00Z, got {value!r}")


def load_course(root: Path | str | None = None) -> Course:
    root = Path(root).resolve() if root else find_course_root()
    path = root / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"the course manifest {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{path} is not valid TOML: {error}") from None

    info = data.get("course", {})
    if "id" not in info:
        raise CourseError(f"{path}: [course] needs an id")
    source = (root / info.get("source", "../source")).resolve()
    chapters, seen = [], set()
    for number, entry in enumerate(data.get("chapters", []), start=1):
        where = f"{path}: chapter {number}"
        missing = [key for key in ("id", "title", "points") if key not in entry]
        if missing:
            raise CourseError(f"{where} is missing {', '.join(missing)}")
        chapter_id = entry["id"]
        if chapter_id in seen:
            raise CourseError(f"{where}: chapter id {chapter_id!r} appears twice")
        seen.add(chapter_id)
        opens, due = _date(entry.get("opens"), f"{where} opens"), _date(entry.get("due"), f"{where} due")
        if opens and due and due <= opens:
            raise CourseError(f"{where}: due ({due}) is not after opens ({opens})")
        chapters.append(Chapter(chapter_id, entry["title"], float(entry["points"]), opens, due,
                                source / chapter_id / f"{chapter_id}.ipynb"))
    if not chapters:
        raise CourseError(f"{path} lists no [[chapters]]")
    return Course(info["id"], info.get("title", info["id"]), root, source, tuple(chapters))
