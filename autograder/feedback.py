"""Feedback that shows students their results but never the hidden tests.

nbgrader's autograded notebooks hold the hidden tests again (they are put back for grading), and
IPython tracebacks quote the failing line. These preprocessors run in ``nbgrader
generate_feedback`` (see course/nbgrader_config.py): nbgrader's own ClearHiddenTests removes the
hidden regions from the cell sources, and ``ScrubTracebacks`` cuts each error in a graded cell
down to its one-line message, which the checks write to teach.
"""

from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor


# What a bare error means to a student when it comes without a message of its own.
EMPTY_MESSAGES = {"NotImplementedError": "an exercise this test needs is not done yet (YOUR CODE HERE)"}


def is_graded(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


class ScrubTracebacks(NbGraderPreprocessor):
    """Replace the traceback of every error in a graded cell by 'ErrorName: message'.

    An nbgrader preprocessor, so it is enabled by default: nbconvert's plain Preprocessor is
    not, and nbgrader's converters would register it switched off.
    """

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and is_graded(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    name = output.get("ename", "Error")
                    message = output.get("evalue") or EMPTY_MESSAGES.get(name, "")
                    output["traceback"] = [f"{name}: {message}"]
        return cell, resources
