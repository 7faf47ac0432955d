"""Feedback that shows students their results but never the hidden tests.

nbgrader's autograded notebooks hold the hidden tests again (they are put back for grading), and
IPython tracebacks quote the failing line. These preprocessors run in ``nbgrader
generate_feedback``: ``ClearHiddenTestCells`` (nbgrader's ClearHiddenTests, on test cells only)
removes the hidden regions from their sources, ``JudgeResultsOnly`` keeps of a test cell's outputs only its result (whatever else a
kernel managed to print there is dropped), ``ScrubTracebacks`` cuts each error in a graded cell
down to its one-line message, which the checks write to teach, and ``ResultsSummary`` opens the
feedback with a table of every test's outcome, points and message. ``keras-course feedback``
always runs them (``FEEDBACK_PREPROCESSORS``), whatever the course's nbgrader_config.py says.
"""

from __future__ import annotations

import html

import nbformat
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor

from ..i18n.messages import N_, notebook_language, translate
from ..testcell import is_test_cell


# What a bare error means to a student when it comes without a message of its own.
EMPTY_MESSAGES = {"NotImplementedError": "an exercise this test needs is not done yet (YOUR CODE HERE)"}


def is_graded(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


class ClearHiddenTestCells(ClearHiddenTests):
    """nbgrader's ClearHiddenTests on test cells only: a student's own cell that happens to say
    "BEGIN HIDDEN TESTS" is theirs to show, and must not stop their feedback. A test cell whose
    markers do not pair up shows none of its source."""

    def preprocess_cell(self, cell, resources, index):
        if not is_test_cell(cell):
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except RuntimeError:
            cell.source = ""
            return cell, resources


class JudgeResultsOnly(NbGraderPreprocessor):
    """A test cell shows its result or its error, nothing printed or displayed besides.

    ``keras-course grade`` writes nothing else there; a notebook graded by plain ``nbgrader
    autograde`` ran its tests in the kernel, where anything could be printed.
    """

    def preprocess_cell(self, cell, resources, index):
        if is_test_cell(cell):
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") in ("execute_result", "error")]
        return cell, resources


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


class ResultsSummary(NbGraderPreprocessor):
    """Put a table of every test at the top of the feedback: cell, test, outcome, points, message.

    It reads the results each graded cell leaves as its last output (see testcell.py): hidden
    tests show their description, points and failure message, never their code.
    """

    def preprocess(self, nb, resources):
        from ..report import cell_results

        results = cell_results(nb)
        if results:
            nb.cells.insert(0, nbformat.v4.new_markdown_cell(summary_markdown(results, notebook_language(nb))))
        return nb, resources


# What keras-course feedback runs, in this order, whatever a course's config leaves out.
FEEDBACK_PREPROCESSORS = ("nbgrader.preprocessors.GetGrades", "autograder.grading.feedback.ClearHiddenTestCells",
                          "autograder.grading.feedback.JudgeResultsOnly", "autograder.grading.feedback.ScrubTracebacks",
                          "autograder.grading.feedback.ResultsSummary")


def feedback_preprocessors(configured) -> list[str]:
    """Ours first, then whatever else the course configured (a style sheet, say), by import name."""
    names = [p if isinstance(p, str) else f"{p.__module__}.{p.__qualname__}" for p in configured or []]
    replaced = {"nbgrader.preprocessors.getgrades.GetGrades", "nbgrader.preprocessors.GetGrades",
                "nbgrader.preprocessors.clearhiddentests.ClearHiddenTests", "nbgrader.preprocessors.ClearHiddenTests"}
    return list(FEEDBACK_PREPROCESSORS) + [n for n in names if n not in FEEDBACK_PREPROCESSORS and n not in replaced]


def summary_markdown(results: dict, lang: str = "en") -> str:
    """The results table as Markdown (with HTML-escaped text), one row per test, in ``lang``."""
    _ = lambda message: translate(message, lang)  # noqa: E731
    earned = sum(r.get("score", 0.0) for r in results.values() if isinstance(r, dict))
    possible = sum(r.get("points", 0.0) for r in results.values() if isinstance(r, dict))
    got, out_of = f"{earned:g}", f"{possible:g}"
    rows = [_(N_("## Your results")), "", _(N_(f"Tests passed in the graded cells: **{got} of {out_of} points** "
                                            "(cells that did not report are listed too).")), "",
            "| " + " | ".join(_(h) for h in (N_("cell"), N_("test"), N_("result"), N_("points"), N_("what to fix")))
            + " |", "|---|---|---|---|---|"]
    for cell, result in results.items():
        if isinstance(result, str):
            rows.append(f"| {cell} | {_(N_('(whole cell)'))} | {_(N_('did not run'))} | 0 | {_cell_text(_(result))} |")
            continue
        outcomes = result.get("outcomes", [])
        total_weight = sum(o.get("weight", 1.0) for o in outcomes) or 1.0
        for o in outcomes:
            share = result.get("points", 0.0) * o.get("weight", 1.0) / total_weight
            mark, got = (_(N_("passed")), share) if o["passed"] else (_(N_("failed")), 0.0)
            rows.append(f"| {cell} | {_cell_text(_(o['description']))} | {mark} | {got:.2f} / {share:.2f} "
                        f"| {_cell_text(_(o.get('message', '')))} |")
    return "\n".join(rows)


def _cell_text(text: str) -> str:
    """Text that stays inside one Markdown table cell and renders as plain text."""
    return html.escape(text).replace("|", "&#124;").replace("\n", " ")
