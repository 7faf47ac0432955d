"""What checks and tests say to a student, in Chinese: the gettext catalogue of message templates
(autograder/locale/zh_CN/LC_MESSAGES/keras_course.po), and where it is shown."""

from __future__ import annotations

import re

import pytest

from autograder.i18n import messages
from autograder.i18n.messages import (LOCALE, PLACEHOLDER, compile_template, current_language, extract_from_source,
                                      notebook_language, problems, translate, use_language)
from autograder.testcell import CellResult, Outcome

CATALOGUE = LOCALE / "zh_CN" / "LC_MESSAGES" / "keras_course.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_message_is_translated_and_keeps_its_placeholders():
    assert problems(CATALOGUE) == []


def test_the_catalogue_holds_every_message_of_the_source(tmp_path):
    """keras-course translate --messages leaves nothing new to translate: the catalogue is current."""
    from pathlib import Path

    from autograder.course import load_course
    from autograder.i18n.messages import update_catalog
    from conftest import COURSE

    copy = tmp_path / "keras_course.po"
    copy.write_bytes(CATALOGUE.read_bytes())
    new, changed, removed = update_catalog(Path(messages.__file__).resolve().parents[2],
                                           [c.notebook for c in load_course(COURSE).chapters], "zh_CN", copy)
    assert (new, changed, removed) == (0, 0, 0)


@pytest.mark.parametrize("message, kept", [
    ("expected 7 layers, found 5: missing at the end: Dense, Dense", ["7", "5", "Dense, Dense"]),
    ("not implemented yet: fill in the cells marked YOUR CODE HERE", []),
    ("1 of 2 public checks failed", ["1", "2"]),
])
def test_a_real_message_comes_out_in_chinese_with_its_values(message, kept):
    chinese = translate(message, "zh_CN")
    assert CJK.search(chinese) and chinese != message
    assert all(value in chinese for value in kept)


def test_a_message_made_of_sentences_is_translated_sentence_by_sentence():
    first = "not implemented yet: fill in the cells marked YOUR CODE HERE"
    chinese = translate(f"{first}. Something no template knows.", "zh_CN")
    assert chinese.startswith(translate(first, "zh_CN"))
    assert chinese.endswith("Something no template knows.")  # what matches nothing stays English


def test_templates_need_words_of_their_own_and_carry_values_across():
    assert compile_template("{a}: {b}", "{a}：{b}") is None  # would match anything
    template = compile_template("expected {n} layers, found {len(found)}", "应有 {n} 层，实际 {len(found)} 层")
    match = template.pattern.fullmatch("expected 3 layers, found 2")
    assert match and match.groups() == ("3", "2")
    assert PLACEHOLDER.findall(template.translation) == list(template.names)


def test_extraction_finds_check_errors_asserts_descriptions_and_docstrings():
    source = '''
from autograder.exercises import public_test
@public_test("x")
def test_shape(f):
    """f(2) has shape (2,); more text"""
    assert f(2).shape == (2,), f"f(2) has shape {f(2).shape}, expected (2,)"
    raise CheckError("a" + f"layer {i} is wrong" + suffix(section))
with hidden.test(f"build(depth={depth})"):
    pass
'''
    found = {template for template, _ in extract_from_source(source, "x.py")}
    assert {"f(2) has shape (2,); more text", "f(2) has shape {f(2).shape}, expected (2,)",
            "layer {i} is wrong", "build(depth={depth})"} <= found


def test_results_show_in_the_language_and_stay_english_as_data():
    result = CellResult("lenet5", [Outcome("a", "build_lenet5() builds", True),
                                   Outcome("b", "other", False, "not implemented yet: fill in the cells marked YOUR CODE HERE")],
                        points=2, lang="zh_CN")
    assert CJK.search(result.headline()) and CJK.search(result.html()) and CJK.search(result.text())
    assert result.to_dict()["outcomes"][1]["message"].startswith("not implemented yet")  # reports group by it
    assert "not implemented" in CellResult("e", result.outcomes, 2, lang="en").text()


def test_the_language_comes_from_the_notebook_then_the_setting(monkeypatch):
    monkeypatch.delenv("KERAS_COURSE_LANG", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert current_language() == "en"
    monkeypatch.setenv("KERAS_COURSE_LANG", "zh_CN")
    assert current_language() == "zh_CN"
    monkeypatch.setenv("KERAS_COURSE_LANG", "en")
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/ann/ch05_cnn_zh_CN/ch05_cnn_zh_CN.ipynb")
    assert current_language() == "zh_CN"  # a Chinese notebook speaks Chinese
    use_language("en")
    try:
        assert current_language() == "en"  # the judge's choice, from the notebook it grades
    finally:
        use_language(None)
    assert notebook_language({"metadata": {"keras_course": {"lang": "zh_CN"}}}) == "zh_CN"
    assert notebook_language({"metadata": {}}) == "en"


def test_a_notebook_cannot_point_the_catalogue_at_a_file_of_its_choosing(tmp_path):
    evil = tmp_path / "LC_MESSAGES"
    evil.mkdir()
    (evil / "keras_course.po").write_text('msgid "not implemented yet: fill in the cells marked YOUR CODE HERE"\n'
                                          'msgstr "all tests passed"\n')
    lang = f"../../../../../../..{tmp_path}"
    message = "not implemented yet: fill in the cells marked YOUR CODE HERE"
    assert translate(message, lang) == message
