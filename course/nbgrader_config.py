"""nbgrader configuration of the course. The manifest (course.toml) is the one place that
names the course and its chapters; instructor notebooks live in ../source."""

import os
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from autograder.course import load_course
from autograder.grading.feedback import ClearHiddenTestCells, JudgeResultsOnly, ResultsSummary, ScrubTracebacks
from autograder.grading.nbgrader_execute import judged_autograde_preprocessors

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)
course = load_course(Path(__file__).resolve().parent)

c.CourseDirectory.root = str(course.root)
c.CourseDirectory.course_id = course.id
c.CourseDirectory.source_directory = os.path.relpath(course.source, course.root)

# The exchange where the hub's students fetch and submit: the hub and grader images and the hub's
# commands name it in KERAS_COURSE_EXCHANGE (nbgrader's own default, /usr/local/share/nbgrader/exchange,
# is not where the docker and k8s profiles mount it).
if os.environ.get("KERAS_COURSE_EXCHANGE"):
    c.Exchange.root = os.environ["KERAS_COURSE_EXCHANGE"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Training cells take seconds on a GPU but can take minutes on a shared CPU grader.
c.Execute.timeout = 600

# nbgrader autograde and the formgrader's button: test cells judged outside the student's kernel,
# as keras-course grade does (autograder/grading/nbgrader_execute.py). KERAS_COURSE_PLAIN_EXECUTE=1
# leaves nbgrader's own Execute in place (test cells in the kernel: benchmarks only, never grades).
c.Autograde.autograde_preprocessors = judged_autograde_preprocessors()

# Feedback goes to students: no hidden-test source, no tracebacks that quote it. keras-course
# feedback runs these whatever this says (autograder/grading/feedback.py); plain nbgrader reads this list.
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTestCells, JudgeResultsOnly, ScrubTracebacks, ResultsSummary,
                                    CSSHTMLHeaderPreprocessor]
