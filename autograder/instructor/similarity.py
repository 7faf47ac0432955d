"""``keras-course similarity ASSIGNMENT``: which pairs of students handed in the same code.

Only what a student wrote is compared: the code of the solution cells (nbgrader's ``solution``
cells, found by their ``grade_id``), less every line the release put in that cell (the def line,
the docstring, the ``# YOUR CODE HERE`` stub) and less IPython magics and shell lines. Test cells
and outputs are never read. A cell whose nbgrader metadata the student deleted is kept unless it
is a released cell as released, less the lines the release holds.

The comparison is copydetect's: the code is tokenized with pygments, every name becomes ``V``
(so renaming changes nothing), comments and blank lines go, and each run of NOISE_THRESHOLD
tokens is fingerprinted; the released notebook's code is boilerplate, so what everyone got
matches nothing. A pair's similarity is the larger of the two shares of a student's
fingerprinted code that the other one has too (a student who copied one function of a long
notebook into a short one is caught).

Writes ``similarity.html`` (pairs ranked, each side by side with the shared code marked; student
code escaped, no scripts, nothing fetched) and prints the top pairs.
"""

from __future__ import annotations

import html
import io
import sys
import time
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

import nbformat
import numpy as np

from ..course import Course, CourseError, add_course_option
from ..nbgrader_settings import course_directory

# Tokens in a row two students must share to count (copydetect's k, its default). Filtered, a name is
# one character: ``x = layers.Dense(64, activation="relu")(x)`` is 18. On tests/similarity_corpus.py
# (ch05_cnn), independent solutions share up to 22% of their code at 15 and 9% at 20, through the
# Keras API alone; at 25, 6%, while one copied function in ten still makes 33%.
NOISE_THRESHOLD = 25
# Every shared run this long is found: equal to NOISE_THRESHOLD, winnowing keeps every fingerprint
# (window 1). Students' code is a few thousand tokens; a wider window only loses matches.
GUARANTEE_THRESHOLD = 25
# Pairs at or above this similarity get a side-by-side view in the report, as do the --top pairs.
REPORT_THRESHOLD = 0.2
MOST_PAIRS_SHOWN = 100  # side by side
MOST_PAIRS_LISTED = 500  # in the report's ranked table


@dataclass(frozen=True)
class CodePart:
    """Where one cell's code sits in a student's extracted code."""

    cell: str  # its grade id, or "cell N" (1-based) for a cell without nbgrader metadata
    start: int
    end: int


@dataclass
class StudentCode:
    student: str
    code: str = ""
    parts: list[CodePart] = field(default_factory=list)

    def add(self, cell: str, source: str) -> None:
        if self.code:
            self.code += "\n\n"
        self.parts.append(CodePart(cell, len(self.code), len(self.code) + len(source)))
        self.code += source


@dataclass(frozen=True)
class Release:
    """What every student was handed: the released notebook's code."""

    solution_cells: dict[str, str]  # grade id -> the released source (the stub and its scaffolding)
    cell_sources: frozenset[str]  # every released code cell, stripped
    lines: frozenset[str]  # every line of released code, stripped
    code: str  # all released code: copydetect's boilerplate


@dataclass(eq=False)  # compared by identity: it holds copydetect's fingerprints
class Pair:
    a: StudentCode
    b: StudentCode
    shares: tuple[float, float]  # of a's and of b's fingerprinted code, what the other has too
    matched_tokens: int  # of a's code, in runs b has too (copydetect's token_overlap)
    fingerprints: tuple = ()  # copydetect's CodeFingerprint of a and of b

    @property
    def similarity(self) -> float:
        return max(self.shares)

    def shared_code(self) -> tuple[np.ndarray, np.ndarray]:
        """Where the shared runs are: 2 x M [start, end) character offsets into a.code and into b.code."""
        from copydetect import compare_files

        _, _, slices = compare_files(*self.fingerprints)
        return tuple(np.asarray(s, dtype=int).reshape(2, -1) for s in slices)


@dataclass
class SimilarityReport:
    assignment: str
    students: list[StudentCode]
    pairs: list[Pair]  # every pair with anything in common, most similar first
    notes: list[str]  # submissions left out, and why
    seconds: float = 0.0

    @property
    def pair_count(self) -> int:
        return len(self.students) * (len(self.students) - 1) // 2

    def without_code(self) -> list[str]:
        return [s.student for s in self.students if not s.code.strip()]

    def table(self, top: int = 10) -> str:
        """The ``top`` most similar pairs as text."""
        lines = [f"{self.assignment}: {len(self.students)} submissions, {self.pair_count} pairs compared "
                 f"in {self.seconds:.1f} s; {len(self.pairs)} pairs share code beyond the release"]
        if not self.pairs:
            return lines[0]
        width = max([12, *(len(name) for p in self.pairs[:top] for name in (p.a.student, p.b.student))])
        lines.append(f"{'rank':>4}  {'student A':<{width}}  {'student B':<{width}}  {'similarity':>10}  "
                     f"{'matched tokens':>14}")
        for rank, pair in enumerate(self.pairs[:top], start=1):
            lines.append(f"{rank:>4}  {pair.a.student:<{width}}  {pair.b.student:<{width}}  "
                         f"{pair.similarity:>10.0%}  {pair.matched_tokens:>14}")
        return "\n".join(lines)


# --- what the student wrote ----------------------------------------------------------------------

def nbgrader_metadata(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}  # a student can write anything there


def is_test_cell(meta: dict) -> bool:
    return bool(meta.get("grade")) and not meta.get("solution")


def read_release(path: Path) -> Release:
    nb = nbformat.read(path, as_version=4)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    solutions = {nbgrader_metadata(c)["grade_id"]: c.source for c in code_cells
                 if nbgrader_metadata(c).get("solution") and nbgrader_metadata(c).get("grade_id")}
    return Release(solutions, frozenset(c.source.strip() for c in code_cells),
                   frozenset(line.strip() for c in code_cells for line in c.source.splitlines()),
                   "\n\n".join(c.source for c in code_cells))


def own_lines(source: str, released: frozenset[str] | set[str]) -> str:
    """``source`` less the lines of ``released`` (compared stripped) and IPython's magic and shell lines."""
    kept = [line for line in source.splitlines()
            if not (line.strip() and line.strip() in released) and not line.lstrip().startswith(("%", "!"))]
    return "\n".join(kept).strip("\n")


def extract_student_code(nb, release: Release, student: str) -> StudentCode:
    """The code ``student`` wrote in ``nb``, a part per cell; test cells and outputs never."""
    extracted = StudentCode(student)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        meta = nbgrader_metadata(cell)
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        if meta.get("solution") and meta.get("grade_id"):
            label = str(meta["grade_id"])
            stub = release.solution_cells.get(label)
            released = {line.strip() for line in stub.splitlines()} if stub is not None else release.lines
        elif meta.get("locked") or is_test_cell(meta) or source.strip() in release.cell_sources:
            continue  # the release's own cell: the instructor's code
        else:  # metadata deleted, or a cell of the student's own: whatever the release did not hold
            released, label = release.lines, f"cell {number}"
        code = own_lines(source, released)
        if code.strip():
            extracted.add(label, code)
    return extracted


# --- where the submissions are ---------------------------------------------------------------------

def released_notebook(course: Course, assignment: str) -> Path:
    chapter = course.chapter(assignment)  # an unknown assignment: say which ones exist
    settings = course_directory(course)
    path = Path(settings.format_path(settings.release_directory, ".", assignment)) / chapter.notebook.name
    if not path.is_file():
        raise CourseError(f"{assignment!r} is not released yet ({path} does not exist): "
                          f"run keras-course release {assignment}")
    return path


def submitted_notebooks(course: Course, assignment: str, notebook: str) -> dict[str, Path]:
    """student -> where their ``notebook`` is (whether or not it is there), as nbgrader lays them out."""
    settings = course_directory(course)
    pattern = Path(settings.format_path(settings.submitted_directory, "*", assignment))
    student_at = pattern.parts.index("*")
    folders = sorted(Path(pattern.anchor).glob(str(pattern.relative_to(pattern.anchor))))
    return {folder.parts[student_at]: folder / notebook for folder in folders if folder.is_dir()}


def read_submissions(course: Course, assignment: str, release: Release,
                     notebook: str) -> tuple[list[StudentCode], list[str]]:
    """Every readable submission's own code, and a note for each one left out."""
    found = submitted_notebooks(course, assignment, notebook)
    if not found:
        raise CourseError(f"no submissions of {assignment!r} in {course_directory(course).submitted_directory}/: "
                          f"collect them first (nbgrader collect or zip_collect)")
    students, notes = [], []
    for student, path in found.items():
        if not path.is_file():
            notes.append(f"skipped {student}: their submission has no {notebook}")
            continue
        try:
            students.append(extract_student_code(nbformat.read(path, as_version=4), release, student))
        except Exception as error:  # an untrusted file: whatever is wrong with it, the others are compared
            notes.append(f"skipped {student}: {path.name} is not a notebook we can read "
                         f"({type(error).__name__}: {_first_line(str(error))})")
    if len(students) < 2:
        who = f" ({students[0].student})" if students else ""
        raise CourseError(f"only {len(students)} readable submission(s) of {assignment!r}{who}: "
                          "nothing to compare" + "".join(f"; {note}" for note in notes))
    return students, notes


def _first_line(text: str, n: int = 120) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= n else line[: n - 1] + "…"


# --- the comparison ----------------------------------------------------------------------------------

def boilerplate_hashes(release: Release) -> set:
    """Every fingerprint of the released code (no winnowing: all of them), as copydetect takes boilerplate."""
    from copydetect import CodeFingerprint

    return set(CodeFingerprint("release.py", NOISE_THRESHOLD, 1, fp=io.StringIO(release.code),
                               language="python").hashes)


def fingerprint(student: StudentCode, boilerplate: set):
    """copydetect's CodeFingerprint of the student's code, less the fingerprints of the release."""
    from copydetect import CodeFingerprint
    from copydetect.utils import get_token_coverage

    window = GUARANTEE_THRESHOLD - NOISE_THRESHOLD + 1
    code = CodeFingerprint(f"{student.student}.py", NOISE_THRESHOLD, window, fp=io.StringIO(student.code),
                           language="python")
    # Boilerplate dropped here rather than by copydetect: its intersect1d(assume_unique=True) would also
    # drop a k-gram that the student's code merely repeats.
    for released in code.hashes & boilerplate:
        del code.hash_idx[released]
    code.hashes -= boilerplate
    code.token_coverage = get_token_coverage(code.hash_idx, NOISE_THRESHOLD, len(code.filtered_code))
    return code


def shared_tokens(fingerprints: list) -> np.ndarray:
    """tokens[i, j]: how many tokens of student i's code lie in runs that student j has too.

    What copydetect's compare_files counts for one pair (the union of the spans of the shared
    k-grams, as get_copied_slices merges them), counted here for every pair at once over the
    fingerprints two or more students hold: pair by pair, a class of 200 took 35 s of Python.
    """
    n, k = len(fingerprints), NOISE_THRESHOLD
    tokens = np.zeros((n, n), dtype=np.int64)
    hashes = [np.fromiter(f.hashes, dtype=np.int64, count=len(f.hashes)) for f in fingerprints]
    values, counts = np.unique(np.concatenate(hashes), return_counts=True)
    common = values[counts > 1]  # sorted; a fingerprint of one student only matches no one
    if not common.size:
        return tokens
    holders = np.zeros((common.size, n), dtype=bool)  # holders[h, j]: student j has common[h]
    for j, own in enumerate(hashes):
        holders[np.searchsorted(common, own[np.isin(own, common)]), j] = True
    for i, fingerprinted in enumerate(fingerprints):
        if not fingerprinted.hash_idx:
            continue
        starts = np.fromiter(chain.from_iterable(fingerprinted.hash_idx.values()), dtype=np.int64)
        hash_at = np.repeat(np.fromiter(fingerprinted.hash_idx.keys(), dtype=np.int64),
                            [len(v) for v in fingerprinted.hash_idx.values()])
        row = np.minimum(np.searchsorted(common, hash_at), common.size - 1)
        is_common = common[row] == hash_at
        length = len(fingerprinted.filtered_code)
        matched = np.zeros((length + 1, n), dtype=np.int32)  # row t + 1: k-grams starting at t that j has
        matched[starts[is_common] + 1] = holders[row[is_common]]
        started = np.cumsum(matched, axis=0)
        # token t is shared with j when a k-gram j has starts in (t - k, t]
        covered = started[1:] - started[np.maximum(np.arange(length) - k + 1, 0)] > 0
        tokens[i] = covered.sum(axis=0)
        tokens[i, i] = 0
    return tokens


def compare_students(students: list[StudentCode], release: Release) -> list[Pair]:
    """Every pair with any shared run, most similar first."""
    boilerplate = boilerplate_hashes(release)
    fingerprints = [fingerprint(s, boilerplate) for s in students]
    tokens = shared_tokens(fingerprints)
    coverage = np.array([f.token_coverage for f in fingerprints], dtype=float)[:, None]
    shares = np.divide(tokens, coverage, out=np.zeros(tokens.shape), where=coverage > 0)
    pairs = [Pair(students[i], students[j], (float(shares[i, j]), float(shares[j, i])), int(tokens[i, j]),
                  (fingerprints[i], fingerprints[j]))
             for i, j in zip(*np.nonzero(np.triu(tokens, k=1)))]
    pairs.sort(key=lambda p: (-p.similarity, -p.matched_tokens, p.a.student, p.b.student))
    return pairs


def find_similar_pairs(course: Course, assignment: str) -> SimilarityReport:
    started = time.perf_counter()
    release_path = released_notebook(course, assignment)
    release = read_release(release_path)
    students, notes = read_submissions(course, assignment, release, release_path.name)
    pairs = compare_students(students, release)
    return SimilarityReport(assignment, students, pairs, notes, time.perf_counter() - started)


# --- the HTML report -----------------------------------------------------------------------------------

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
td, th { padding: 2px 10px; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; }
.pair { margin-top: 2.5em; border-top: 2px solid #888; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
.side > div { min-width: 0; }
pre { background: #f7f7f7; padding: 6px; overflow-x: auto; font-size: 12px; line-height: 1.35; }
mark { background: #f6c177; }
summary { cursor: pointer; font-family: monospace; }
.notes { color: #8a4b00; }
"""


def highlighted_cells(student: StudentCode, slices: np.ndarray) -> list[tuple[str, str, bool]]:
    """Per cell: its label, its code as escaped HTML with the shared runs in <mark>, and whether any is."""
    from copydetect.utils import highlight_overlap

    cells = []
    for part in student.parts:
        starts, ends = np.clip(slices[0], part.start, part.end), np.clip(slices[1], part.start, part.end)
        inside = starts < ends
        own = np.array([starts[inside], ends[inside]], dtype=int) - part.start
        code, _ = highlight_overlap(student.code[part.start:part.end], own, "<mark>", "</mark>", escape_html=True)
        cells.append((part.cell, code, bool(inside.any())))
    return cells


def _code_column(student: StudentCode, slices: np.ndarray, share: float) -> str:
    e = html.escape
    rows = [f"<h3>{e(student.student)}: {share:.0%} of their code shared</h3>"]
    for label, code, marked in highlighted_cells(student, slices):
        rows.append(f"<details{' open' if marked else ''}><summary>{e(label)}</summary><pre>{code}</pre></details>")
    return "<div>" + "\n".join(rows) + "</div>"


def pairs_to_show(report: SimilarityReport, top: int) -> list[Pair]:
    shown = [p for rank, p in enumerate(report.pairs) if p.similarity >= REPORT_THRESHOLD or rank < top]
    return shown[:MOST_PAIRS_SHOWN]


def render_html(report: SimilarityReport, top: int = 10) -> str:
    e = html.escape
    shown = set(pairs_to_show(report, top))
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Similarity: {e(report.assignment)}</title><style>{STYLE}</style></head><body>",
           f"<h1>Similarity of the submissions of {e(report.assignment)}</h1>",
           f"<p>{len(report.students)} submissions, {report.pair_count} pairs compared. Only the code students "
           f"wrote is compared (solution cells less the release); runs of {NOISE_THRESHOLD} tokens or more that "
           f"two students share, names ignored, are marked. Similarity: the larger share of one student's code "
           f"that the other has too. Side by side below: pairs at {REPORT_THRESHOLD:.0%} or more, and the top "
           f"{top}.</p>"]
    if report.notes:
        out.append('<ul class="notes">' + "".join(f"<li>{e(n)}</li>" for n in report.notes) + "</ul>")
    if report.without_code():
        out.append(f"<p>No code beyond the release: {e(', '.join(report.without_code()))}.</p>")
    out.append("<table><tr><th>rank</th><th>student A</th><th>student B</th><th>similarity</th>"
               "<th>A shared</th><th>B shared</th><th>matched tokens</th></tr>")
    for rank, pair in enumerate(report.pairs[:MOST_PAIRS_LISTED], start=1):
        name = f'<a href="#pair-{rank}">{rank}</a>' if pair in shown else str(rank)
        out.append(f"<tr><td>{name}</td><td>{e(pair.a.student)}</td><td>{e(pair.b.student)}</td>"
                   f'<td class="num">{pair.similarity:.0%}</td><td class="num">{pair.shares[0]:.0%}</td>'
                   f'<td class="num">{pair.shares[1]:.0%}</td><td class="num">{pair.matched_tokens}</td></tr>')
    out.append("</table>")
    if len(report.pairs) > MOST_PAIRS_LISTED:
        out.append(f"<p>… and {len(report.pairs) - MOST_PAIRS_LISTED} more pairs, each at "
                   f"{report.pairs[MOST_PAIRS_LISTED - 1].similarity:.0%} or less.</p>")
    for rank, pair in enumerate(report.pairs, start=1):
        if pair not in shown:
            continue
        slices = pair.shared_code()
        out.append(f'<section class="pair" id="pair-{rank}"><h2>{rank}. {e(pair.a.student)} and '
                   f"{e(pair.b.student)}: {pair.similarity:.0%}</h2><div class=\"side\">"
                   f"{_code_column(pair.a, slices[0], pair.shares[0])}"
                   f"{_code_column(pair.b, slices[1], pair.shares[1])}</div></section>")
    out.append("</body></html>")
    return "\n".join(out)


def write_html_report(report: SimilarityReport, out: Path, top: int = 10) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "similarity.html"
    path.write_text(render_html(report, top), encoding="utf-8")
    return path


# --- the CLI verb ----------------------------------------------------------------------------------------

def run(args) -> int:
    """The table on stdout, notes on stderr, the report where --out says."""
    from ..course import load_course

    course = load_course(args.course)
    report = find_similar_pairs(course, args.assignment)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    print(report.table(args.top))
    path = write_html_report(report, Path(args.out or course.root / "reports" / args.assignment), args.top)
    print(f"report: {path}")
    return 0


def add_parser(commands) -> None:
    similarity = commands.add_parser("similarity", help="pairs of submissions whose own code is alike (copydetect)")
    similarity.add_argument("assignment", help="the chapter id, e.g. ch05_cnn")
    add_course_option(similarity)
    similarity.add_argument("--out", help="folder for similarity.html (default: COURSE/reports/ASSIGNMENT)")
    similarity.add_argument("--top", type=int, default=10, help="pairs to print, most similar first (default 10)")
    similarity.set_defaults(run=run)
