"""The chapters in Simplified Chinese: built from the English notebooks and their catalogues
(translations/zh_CN/<chapter>.po), with the same code, cell ids and nbgrader fields, and with
every code span, link and formula of the English text still there."""

from __future__ import annotations

import re
import shutil
from collections import Counter

import nbformat
import pytest

from autograder.cli import main
from autograder.course import load_course
from autograder.i18n.notebooks import (GLOSSARY, TRANSLATIONS, TranslationError, catalog_path, problems,
                                       read_catalog, translate_notebook, update_catalog)
from conftest import COURSE, SOURCE

CHAPTERS = [chapter.id for chapter in load_course(COURSE).chapters]
CODE_SPAN = re.compile(r"`[^`]+`")  # a code span may wrap across lines
FENCE = re.compile(r"^[ \t]*```.*?^[ \t]*```", re.S | re.M)
LINK_TARGET = re.compile(r"\]\(([^)\s]+)\)")
MATH = re.compile(r"\$[^$\n]+\$")


def english(chapter: str):
    return nbformat.read(SOURCE / chapter / f"{chapter}.ipynb", as_version=4)


def chinese(chapter: str):
    return translate_notebook(english(chapter), read_catalog(catalog_path(chapter, "zh_CN")), "zh_CN")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_markdown_cell_of_every_chapter_is_translated(chapter):
    assert problems(english(chapter), read_catalog(catalog_path(chapter, "zh_CN"))) == []


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_chinese_notebook_has_the_english_code_ids_and_nbgrader_fields(chapter):
    source, translated = english(chapter), chinese(chapter)
    assert translated.metadata["keras_course"]["lang"] == "zh_CN"
    assert translated.metadata.kernelspec == source.metadata.kernelspec
    added = [c for c in translated.cells if c.id not in {s.id for s in source.cells}]
    assert [c.id for c in added] == ["glossary-zh-CN"] and "English" in added[0].source
    kept = [c for c in translated.cells if c.id != "glossary-zh-CN"]
    assert [c.id for c in kept] == [c.id for c in source.cells]
    for before, after in zip(source.cells, kept):
        assert after.cell_type == before.cell_type
        assert after.metadata == before.metadata  # nbgrader's grade ids, points, locks
        if before.cell_type == "code":
            assert after.source == before.source
        else:
            assert re.search(r"[\u4e00-\u9fff]", after.source), f"{chapter}/{before.id} has no Chinese"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_code_spans_links_and_formulas_survive_the_translation(chapter):
    """What a student must type or look up is the English text's, in both languages."""
    entries = {m.context: m for m in read_catalog(catalog_path(chapter, "zh_CN")) if m.context and m.context != GLOSSARY}
    lost = []
    for cell_id, entry in entries.items():
        for pattern in (CODE_SPAN, LINK_TARGET, MATH):
            missing = Counter(_found(pattern, entry.id)) - Counter(_found(pattern, entry.string))
            lost += [f"{cell_id}: {item}" for item in missing]
        if entry.id.count("```") != entry.string.count("```"):
            lost.append(f"{cell_id}: code blocks")
        if _table_shape(entry.id) != _table_shape(entry.string):
            lost.append(f"{cell_id}: table columns")
    assert lost == []


def _found(pattern, text: str) -> list[str]:
    """Matches outside fenced code blocks, with wrapped lines joined as Markdown joins them."""
    return [" ".join(match.split()) for match in pattern.findall(FENCE.sub("", text))]


def _table_shape(text: str) -> list[int]:
    return [line.count("|") for line in text.splitlines() if line.lstrip().startswith("|")]


# -- keeping the languages together as the English changes ------------------------------------------

@pytest.fixture
def chapter_copy(tmp_path):
    notebook = tmp_path / "ch01_setup.ipynb"
    shutil.copy(SOURCE / "ch01_setup" / "ch01_setup.ipynb", notebook)
    catalog = tmp_path / "zh_CN" / "ch01_setup.po"
    catalog.parent.mkdir()
    shutil.copy(catalog_path("ch01_setup", "zh_CN"), catalog)
    return notebook, catalog


def test_an_english_edit_makes_its_translation_fuzzy_and_the_build_names_it(chapter_copy):
    notebook, catalog = chapter_copy
    nb = nbformat.read(notebook, as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    old_text = markdown[1].source
    markdown[1].source += "\n\nOne more sentence."
    new_cell = nbformat.v4.new_markdown_cell("A new remark.")
    nb.cells.insert(3, new_cell)
    removed = markdown[2]
    nb.cells.remove(removed)
    nbformat.write(nb, notebook)

    update = update_catalog(notebook, catalog, "zh_CN")
    assert (update.changed, update.new, update.removed) == ([markdown[1].id], [new_cell.id], [removed.id])
    entries = {m.context: m for m in read_catalog(catalog) if m.context}
    assert entries[markdown[1].id].fuzzy
    previous = [line for line in catalog.read_text(encoding="utf-8").splitlines() if line.startswith("#|")]
    assert any(old_text.splitlines()[0] in line for line in previous)  # the old English, for the translator
    assert entries[markdown[1].id].string  # the old translation is kept for the translator to fix
    assert entries[new_cell.id].string == "" and removed.id not in entries
    with pytest.raises(TranslationError) as raised:
        translate_notebook(nb, read_catalog(catalog), "zh_CN")
    assert f"{markdown[1].id}: marked fuzzy" in str(raised.value) and f"{new_cell.id}: not translated" in str(raised.value)


def test_an_unchanged_notebook_leaves_the_catalogue_as_it_was(chapter_copy):
    notebook, catalog = chapter_copy
    before = {(m.context, m.id, m.string, m.fuzzy) for m in read_catalog(catalog)}
    update = update_catalog(notebook, catalog, "zh_CN")
    assert (update.new, update.changed, update.removed) == ([], [], [])
    assert {(m.context, m.id, m.string, m.fuzzy) for m in read_catalog(catalog)} == before


def test_a_broken_catalogue_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.po"
    bad.write_text('msgctxt "title"\nmsgid "unterminated\n', encoding="utf-8")
    with pytest.raises(TranslationError, match="not a valid PO file"):
        read_catalog(bad)
    with pytest.raises(TranslationError, match="no catalogue"):
        read_catalog(tmp_path / "absent.po")


def test_translate_check_reports_complete_catalogues(capsys):
    assert main(["translate", "--check", "--course", str(COURSE)]) == 0
    out = capsys.readouterr().out
    assert all(f"{chapter}: zh_CN complete" in out for chapter in CHAPTERS)
    assert TRANSLATIONS.is_dir()
