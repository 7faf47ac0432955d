"""A chapter in another language, kept as a translation of the English notebook, never a copy.

The English instructor notebook (source/<chapter>/<chapter>.ipynb) is the one source of truth.
Its markdown cells, each keyed by its cell id, are the messages of a gettext catalogue,
translations/<lang>/<chapter>.po, which translators fill in with any PO editor. The translated
notebook is built from both: the English notebook with each markdown cell's text replaced by its
translation, and a glossary cell (the catalogue's "glossary" entry) after the title. Code cells,
cell ids, nbgrader metadata, grade ids and points are the English notebook's, so one gradebook
grades both languages the same way.

When the English text changes, ``update_catalog`` keeps every translation whose English is
unchanged, marks the changed ones fuzzy (keeping the old English beside them, so the translator
sees what changed), adds new cells and drops removed ones. A build refuses a catalogue with
untranslated or fuzzy cells and names them: the two languages cannot drift apart silently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

GLOSSARY = "glossary"  # the catalogue entry (by context) whose translation is the glossary cell
GLOSSARY_SOURCE = "Glossary: the English terms of this chapter"
REPO = Path(__file__).resolve().parents[2]
TRANSLATIONS = REPO / "translations"


class TranslationError(Exception):
    """A catalogue is missing, or does not cover the notebook; the message names the cells."""


@dataclass
class CatalogUpdate:
    new: list[str] = field(default_factory=list)  # cell ids
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.new)} new", f"{len(self.changed)} changed (fuzzy)", f"{len(self.removed)} removed"]
        return ", ".join(parts)


def catalog_path(chapter_id: str, lang: str, translations: Path = TRANSLATIONS) -> Path:
    return translations / lang / f"{chapter_id}.po"


def markdown_cells(nb) -> list[tuple[str, str]]:
    """(cell id, text) of every markdown cell, in order."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            if not cell.get("id"):
                raise TranslationError(f"markdown cell {index} has no id: save the notebook with nbformat 4.5 or later")
            cells.append((cell.id, cell.source))
    return cells


def read_catalog(path: Path):
    from babel.messages.pofile import read_po

    try:
        with open(path, "rb") as handle:
            return read_po(handle, abort_invalid=True)
    except FileNotFoundError:
        raise TranslationError(f"no catalogue {path}: run keras-course translate to make it") from None
    except Exception as error:  # Babel's PoFileError and friends: say where
        raise TranslationError(f"{path} is not a valid PO file: {error}") from None


def write_catalog(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".po.tmp")
    with open(temporary, "wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, include_previous=True, sort_output=False,
                 ignore_obsolete=True)
    temporary.replace(path)


def update_catalog(notebook: Path, path: Path, lang: str) -> CatalogUpdate:
    """Bring ``path`` in line with the notebook's markdown cells (made when missing)."""
    from babel.messages.catalog import Catalog

    nb = nbformat.read(notebook, as_version=4)
    old = read_catalog(path) if path.exists() else None
    dates = {"creation_date": old.creation_date, "revision_date": old.revision_date} if old else {}
    catalog = Catalog(locale=lang, project="keras-course", version=notebook.stem, domain=notebook.stem,
                      fuzzy=False, charset="utf-8", msgid_bugs_address="", language_team=f"keras-course {lang}",
                      last_translator=old.last_translator if old else "", **dates,  # no churn in git
                      header_comment=f"# {notebook.stem}: the markdown cells of {notebook.name}, keyed by "
                      "cell id; code cells are not translated.")
    update = CatalogUpdate()
    previous = {m.context: m for m in old if m.id and m.context} if old else {}
    glossary = previous.get(GLOSSARY)
    catalog.add(GLOSSARY_SOURCE, glossary.string if glossary else "", context=GLOSSARY,
                auto_comments=["The glossary cell, after the title: each term in this language beside the English one."],
                flags=glossary.flags if glossary else ())
    for cell_id, text in markdown_cells(nb):
        before = previous.get(cell_id)
        if before is None:
            catalog.add(text, "", context=cell_id)
            update.new.append(cell_id)
        elif before.id == text:
            catalog.add(text, before.string, context=cell_id, flags=before.flags,
                        previous_id=before.previous_id)
        else:
            catalog.add(text, before.string, context=cell_id, flags={"fuzzy"}, previous_id=before.id)
            update.changed.append(cell_id)
    ids = {cell_id for cell_id, _ in markdown_cells(nb)}
    update.removed = sorted(c for c in previous if c != GLOSSARY and c not in ids)
    write_catalog(catalog, path)
    return update


def problems(nb, catalog) -> list[str]:
    """What keeps ``catalog`` from translating ``nb``: untranslated or fuzzy cells, stale English."""
    entries = {m.context: m for m in catalog if m.id and m.context}
    found = []
    for cell_id, text in [(GLOSSARY, GLOSSARY_SOURCE), *markdown_cells(nb)]:
        entry = entries.get(cell_id)
        if entry is None or not entry.string:
            found.append(f"{cell_id}: not translated")
        elif entry.fuzzy:
            found.append(f"{cell_id}: marked fuzzy (the English changed; check the translation, then remove the flag)")
        elif entry.id != text:
            found.append(f"{cell_id}: translates an older English text (run keras-course translate)")
    return found


def translate_notebook(nb, catalog, lang: str):
    """The notebook in ``lang``: a deep copy with translated markdown and the glossary cell."""
    trouble = problems(nb, catalog)
    if trouble:
        shown = "; ".join(trouble[:8]) + (f"; and {len(trouble) - 8} more" if len(trouble) > 8 else "")
        raise TranslationError(f"the {lang} catalogue does not cover the notebook: {shown}")
    entries = {m.context: m.string for m in catalog if m.id and m.context}
    translated = copy.deepcopy(nb)
    for cell in translated.cells:
        if cell.cell_type == "markdown":
            cell.source = entries[cell.id]
    glossary = nbformat.v4.new_markdown_cell(entries[GLOSSARY])
    glossary.id = f"{GLOSSARY}-{lang}".replace("_", "-")
    title = next((i for i, c in enumerate(translated.cells) if c.cell_type == "markdown"), -1)
    translated.cells.insert(title + 1, glossary)
    translated.metadata.setdefault("keras_course", {})["lang"] = lang
    return translated


def build_translated_notebook(notebook: Path, lang: str, out: Path, translations: Path = TRANSLATIONS) -> Path:
    """Write the ``lang`` version of ``notebook`` to ``out`` (a file path); returns it."""
    nb = nbformat.read(notebook, as_version=4)
    translated = translate_notebook(nb, read_catalog(catalog_path(notebook.stem, lang, translations)), lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(translated, out)
    return out


def run(args) -> int:
    """keras-course translate: bring the catalogues in line with the English notebooks; with
    --check, only say what is untranslated or fuzzy (exit 1 if anything is)."""
    from ..course import load_course

    course = load_course(args.course)
    if args.messages:
        from .messages import run_messages

        return run_messages(course, args.lang, args.check)
    chapters = [course.chapter(c) for c in args.chapters] if args.chapters else list(course.chapters)
    translations = Path(args.translations) if args.translations else (course.translations or TRANSLATIONS)
    incomplete = 0
    for chapter in chapters:
        path = catalog_path(chapter.id, args.lang, translations)
        if not args.check:
            print(f"{path}: {update_catalog(chapter.notebook, path, args.lang).summary()}")
        if not path.exists():
            print(f"{chapter.id}: no {args.lang} catalogue ({path}); run keras-course translate without --check")
            incomplete += 1
            continue
        trouble = problems(nbformat.read(chapter.notebook, as_version=4), read_catalog(path))
        incomplete += bool(trouble)
        for line in trouble:
            print(f"{chapter.id}: {line}")
        if not trouble:
            print(f"{chapter.id}: {args.lang} complete")
    return 1 if incomplete else 0


def add_parser(commands) -> None:
    from ..course import add_course_option
    from . import LANGUAGES, SOURCE_LANGUAGE

    translate = commands.add_parser("translate", help="update a language's catalogues of the chapters' text "
                                    "(translations/LANG/CHAPTER.po) from the English notebooks")
    translate.add_argument("chapters", nargs="*", help="chapter ids (default: all)")
    translate.add_argument("--lang", default="zh_CN", choices=[l for l in LANGUAGES if l != SOURCE_LANGUAGE])
    translate.add_argument("--check", action="store_true", help="change nothing; exit 1 if a cell is untranslated or fuzzy")
    translate.add_argument("--messages", action="store_true", help="the checks' and tests' messages "
                           "(autograder/locale/LANG/LC_MESSAGES/keras_course.po) instead of the chapters' text")
    add_course_option(translate)
    translate.add_argument("--translations", help="the catalogues' folder (default: the repository's translations/)")
    translate.set_defaults(run=run)
