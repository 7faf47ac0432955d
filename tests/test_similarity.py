"""keras-course similarity on a class of ch05_cnn released by nbgrader: four students who answered on
their own, four planted copies (renamed, reordered, recommented, one function copied), two who
handed in the release untouched, one broken notebook (tests/similarity_corpus.py)."""

import argparse
import ast
import json
import shutil

import nbformat
import pytest
from nbformat.v4 import new_output

from autograder.assign import release
from autograder.course import CourseError, load_course
from autograder.instructor import similarity
from autograder.instructor.similarity import extract_student_code, find_similar_pairs, read_release
from conftest import copy_course
from similarity_corpus import (ADD_CALLS, CHAPTER, INDEPENDENT, ORIGINS, PLANTED, UNTOUCHED, filled, grade_id,
                               planted_class, recommented, renamed, reordered, write_submissions)

IN_TEST_CELL = "SECRET_IN_A_TEST_CELL"
IN_OUTPUT = "SECRET_IN_AN_OUTPUT"
INJECTION = "</pre></details><script>alert('owned')</script>"
ODD_NAME = "<i>eve"


def released_path(root):
    return root / "release" / CHAPTER / f"{CHAPTER}.ipynb"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = load_course(copy_course(tmp_path_factory.mktemp("similarity")))
    release(course, [CHAPTER])
    notebooks = planted_class(nbformat.read(released_path(course.root), as_version=4))
    ann = notebooks["ann"]
    for cell in ann.cells:
        if grade_id(cell) == "lenet5_public":  # a test cell, edited by the student: never read
            cell.source += f"\n# {IN_TEST_CELL}"
        if grade_id(cell) == "build_lenet5":  # outputs: never read
            cell.outputs = [new_output("stream", name="stdout", text=f"{IN_OUTPUT}\n")]
    for cell in notebooks["ren"].cells:
        if grade_id(cell) == "build_lenet5":  # student code is untrusted: the report must escape it
            cell.source += f'\n\nbanner = "{INJECTION}"\n'
    notebooks[ODD_NAME] = notebooks["una"]
    write_submissions(course.root, notebooks)
    (course.root / "submitted" / "zed" / CHAPTER).mkdir(parents=True)
    (course.root / "submitted" / "zed" / CHAPTER / f"{CHAPTER}.ipynb").write_text('{"cells": [', encoding="utf-8")
    return course


@pytest.fixture(scope="module")
def report(course):
    return find_similar_pairs(course, CHAPTER)


def similarity_of(report, a, b) -> float:
    found = [p for p in report.pairs if {p.a.student, p.b.student} == {a, b}]
    return found[0].similarity if found else 0.0


def code_of(report, student) -> str:
    return next(s for s in report.students if s.student == student).code


def run_command(*argv) -> int:
    parser = argparse.ArgumentParser()
    similarity.add_parser(parser.add_subparsers())
    args = parser.parse_args(["similarity", *argv])
    return args.run(args)


def test_every_planted_copy_ranks_above_every_independent_pair(report):
    planted = {pair: similarity_of(report, *pair) for pair in PLANTED}
    independent = {(a, b): similarity_of(report, a, b) for a in ORIGINS for b in ORIGINS
                   if a < b and not ORIGINS[a] & ORIGINS[b]}
    assert len(independent) >= 10
    assert min(planted.values()) > max(independent.values()), (planted, independent)
    assert min(planted.values()) >= similarity.REPORT_THRESHOLD > max(independent.values())
    for whole_copy in [("ann", "ren"), ("bob", "rex"), ("cem", "cox")]:  # renamed, reordered, recommented
        assert similarity_of(report, *whole_copy) > 0.9, whole_copy
    ranked = [{p.a.student, p.b.student} for p in report.pairs]
    assert all(ranked.index(set(pair)) < 5 for pair in PLANTED)  # with ren-mia: ann's function in both


def test_the_untouched_release_matches_nothing(report):
    for student in (*UNTOUCHED, ODD_NAME):
        assert code_of(report, student) == ""
        assert not [p for p in report.pairs if student in (p.a.student, p.b.student)]


def test_only_the_students_own_code_is_extracted(report):
    ann = next(s for s in report.students if s.student == "ann")
    assert [part.cell for part in ann.parts] == list(ADD_CALLS)
    assert "model.add(layers.Conv2D(6, kernel_size=5" in ann.code
    for released in ("YOUR CODE HERE", "NotImplementedError", "def build_lenet5(input_shape",
                     '"""LeNet-5: two 5x5', "VGG_WIDTHS = (64", "test accuracy: {test_accuracy"):
        assert released not in ann.code, released
    for never in (IN_TEST_CELL, IN_OUTPUT, "TestCell", "check("):
        assert never not in ann.code, never
    part = ann.parts[0]
    assert ann.code[part.start:part.end].lstrip().startswith("model = keras.Sequential(")


def test_cells_without_nbgrader_metadata_are_compared_to_the_release(course):
    released = read_release(released_path(course.root))
    nb = filled(nbformat.read(released_path(course.root), as_version=4), ADD_CALLS)
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)  # the student's JupyterLab lost every cell's metadata
        if cell.cell_type == "code" and "def vgg_block" in cell.source:
            cell.source = "%matplotlib inline\n!pip install tqdm\n" + cell.source
    code = extract_student_code(nb, released, "ann")
    expected = extract_student_code(filled(nbformat.read(released_path(course.root), as_version=4), ADD_CALLS),
                                    released, "ann")
    assert code.code == expected.code  # the same code: untouched cells out, the release's lines out
    assert [part.cell for part in code.parts] != [part.cell for part in expected.parts]  # "cell N" now
    assert "%matplotlib" not in code.code and "pip install" not in code.code


def test_the_shares_are_copydetects(report):
    from copydetect import compare_files

    for pair in report.pairs:
        tokens, shares, _ = compare_files(*pair.fingerprints)
        assert tokens == pair.matched_tokens
        assert shares == pytest.approx(pair.shares, abs=1e-12)


def test_a_broken_notebook_is_skipped_with_a_note(report):
    assert "zed" not in [s.student for s in report.students]
    assert [note for note in report.notes if note.startswith("skipped zed:")]


def test_the_command_prints_the_top_pairs_and_writes_the_report(course, capsys):
    assert run_command(CHAPTER, "--course", str(course.root), "--top", "3") == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[1].split() == ["rank", "student", "A", "student", "B", "similarity", "matched", "tokens"]
    top = [line.split() for line in lines[2:5]]
    assert [row[0] for row in top] == ["1", "2", "3"]
    assert {frozenset(row[1:3]) for row in top} == {frozenset(p) for p in [("ann", "ren"), ("bob", "rex"),
                                                                           ("cem", "cox")]}
    assert all(row[3].endswith("%") and int(row[4]) > 500 for row in top)
    assert "note: skipped zed" in err
    assert lines[-1] == f"report: {course.root / 'reports' / CHAPTER / 'similarity.html'}"


def test_the_report_shows_the_pairs_side_by_side_and_escapes_student_code(course, report, tmp_path):
    page = similarity.write_html_report(report, tmp_path).read_text(encoding="utf-8")
    rank = 1 + [{p.a.student, p.b.student} for p in report.pairs].index({"ann", "ren"})
    section = page[page.index(f'<section class="pair" id="pair-{rank}">'):]
    section = section[:section.index("</section>")]
    assert '<div class="side">' in section and "<mark>" in section
    assert section.index("<h3>ann: 100% of their code shared") < section.index("<h3>ren: ")
    assert "model.add(layers.Conv2D(6, kernel_size=5, activation=&#34;tanh&#34;))" in section  # ann's code
    assert "tmp0 = keras.Sequential(name=&#34;lenet5&#34;)" in section  # ren's, renamed
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in section
    assert "<script" not in page and "</pre></details><script" not in page
    assert ODD_NAME not in page and "&lt;i&gt;eve" in page
    assert "http://" not in page and "https://" not in page  # self-contained
    for never in (IN_TEST_CELL, IN_OUTPUT):
        assert never not in page


def test_clear_errors(course, tmp_path):
    with pytest.raises(CourseError, match="no chapter 'ch99'"):
        run_command("ch99", "--course", str(course.root))
    other = load_course(copy_course(tmp_path))
    with pytest.raises(CourseError, match="not released yet"):
        find_similar_pairs(other, CHAPTER)
    shutil.copytree(course.root / "release", other.root / "release")
    with pytest.raises(CourseError, match="no submissions"):
        find_similar_pairs(other, CHAPTER)
    released = nbformat.read(released_path(other.root), as_version=4)
    write_submissions(other.root, {"ann": filled(released, ADD_CALLS)})
    with pytest.raises(CourseError, match=r"only 1 readable submission.*\(ann\)"):
        find_similar_pairs(other, CHAPTER)
    (other.root / "submitted" / "bob" / CHAPTER).mkdir(parents=True)  # a folder without the notebook
    with pytest.raises(CourseError, match="skipped bob: their submission has no ch05_cnn.ipynb"):
        find_similar_pairs(other, CHAPTER)
    write_submissions(other.root, {"bob": filled(released, INDEPENDENT["bob"])})
    assert len(find_similar_pairs(other, CHAPTER).students) == 2


def test_the_corpus_is_python():
    for answers in INDEPENDENT.values():
        for variant in (answers, renamed(answers), reordered(answers), recommented(answers)):
            for cell_id, source in variant.items():
                ast.parse(source, filename=cell_id)
    assert renamed(ADD_CALLS)["build_lenet5"] != ADD_CALLS["build_lenet5"]
    assert json.dumps(reordered(INDEPENDENT["bob"])) != json.dumps(INDEPENDENT["bob"])
