"""nbgrader's settings for a course, read from its nbgrader_config.py as nbgrader itself reads them.

Where the gradebook lives (``db_url``: SQLite in the course folder by default, PostgreSQL when
the config says so) and where each step's files go are nbgrader's to decide, not ours.
"""

from __future__ import annotations

from nbgrader.coursedir import CourseDirectory
from traitlets.config.loader import PyFileConfigLoader

from .course import Course


def nbgrader_config(course: Course):
    return PyFileConfigLoader("nbgrader_config.py", path=str(course.root)).load_config()


def course_directory(course: Course) -> CourseDirectory:
    return CourseDirectory(config=nbgrader_config(course))
