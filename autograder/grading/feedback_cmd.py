"""``keras-course feedback ASSIGNMENT``: nbgrader's feedback, with our preprocessors, per student.

nbgrader's ``generate_feedback`` with the preprocessors of feedback.py always on (hidden tests
cleared, test cells showing their results only, tracebacks scrubbed, a results table first),
given on its command line so that no course config can leave them out; the course's other
feedback preprocessors run after them. This drives it and says where the files are.
"""

from __future__ import annotations

from pathlib import Path

from ..course import Course, CourseError
from ..nbgrader_cmd import run_nbgrader
from .feedback import feedback_preprocessors
from ..nbgrader_settings import course_directory, nbgrader_config


def configured_preprocessors(course: Course) -> list:
    config = nbgrader_config(course)
    return list(config.GenerateFeedback.preprocessors) if "preprocessors" in config.GenerateFeedback else []


def generate_feedback(course: Course, assignment: str, students: list[str] | None = None,
                      release: bool = False) -> list[Path]:
    course.chapter(assignment)  # an unknown assignment: say which ones exist
    settings = course_directory(course)
    steps = [f"--GenerateFeedback.preprocessors={name}" for name in feedback_preprocessors(configured_preprocessors(course))]
    autograded = Path(settings.root) / settings.autograded_directory
    if not any(autograded.glob(f"*/{assignment}")):
        raise CourseError(f"nothing of {assignment!r} is graded yet: run keras-course grade {assignment}")
    for student in students or [None]:
        only = ["--student", student] if student else []
        run_nbgrader(course.root, "generate_feedback", assignment, "--force", *only, *steps)
        if release:
            run_nbgrader(course.root, "release_feedback", assignment, *only)
    feedback = Path(settings.root) / settings.feedback_directory
    wanted = set(students or [])
    return sorted(p for p in feedback.glob(f"*/{assignment}/*.html")
                  if not wanted or p.parent.parent.name in wanted)
