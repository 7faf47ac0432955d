"""nbgrader's settings for a course, read from its nbgrader_config.py as nbgrader itself reads them.

Where the gradebook lives (``db_url``: SQLite in the course folder by default, PostgreSQL when
the config says so) and where each step's files go are nbgrader's to decide, not ours.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from .course import Course


def nbgrader_config(course: Course):
    return PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()


def course_directory(course: Course) -> CourseDirectory:
    return CourseDirectory(config=nbgrader_config(course))


def gradebook_missing(db_url: str) -> bool:
    """A SQLite gradebook that does not exist yet (nbgrader would make an empty one on opening it)."""
    return db_url.startswith("sqlite:///") and not Path(db_url.removeprefix("sqlite:///")).is_file()
