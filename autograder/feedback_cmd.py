"""``keras-course feedback ASSIGNMENT``: nbgrader's feedback, with our preprocessors, per student.

nbgrader's ``generate_feedback`` runs the preprocessors of course/nbgrader_config.py: hidden tests
cleared, tracebacks scrubbed, a results table first (feedback.py). This only drives it and says
where the files are.
"""

from __future__ import annotations

from pathlib import Path

from .course import Course, CourseError
from .nbgrader_cmd import run_nbgrader
from .nbgrader_settings import course_directory


def generate_feedback(course: Course, assignment: str, students: list[str] | None = None,
                      release: bool = False) -> list[Path]:
    course.chapter(assignment)  # an unknown assignment: say which ones exist
    settings = course_directory(course)
    autograded = Path(settings.root) / settings.autograded_directory
    if not any(autograded.glob(f"*/{assignment}")):
        raise CourseError(f"nothing of {assignment!r} is graded yet: run keras-course grade {assignment}")
    for student in students or [None]:
        only = ["--student", student] if student else []
        run_nbgrader(course.root, "generate_feedback", assignment, "--force", *only)
        if release:
            run_nbgrader(course.root, "release_feedback", assignment, *only)
    feedback = Path(settings.root) / settings.feedback_directory
    wanted = set(students or [])
    return sorted(p for p in feedback.glob(f"*/{assignment}/*.html")
                  if not wanted or p.parent.parent.name in wanted)
