"""What the course says to a student, in the student's language: gettext, by message template.

The checks build their messages as f-strings (``f"{what} has shape {shape}, expected {expected}"``),
and a graded cell's result keeps them in English: instructors' reports group failures by that
text. A message is translated where it is shown (a check's table, the judged cell's output, the
feedback page, ``keras-course check``), from the gettext catalogue
``autograder/locale/<lang>/LC_MESSAGES/keras_course.po``, whose entries are the templates: each
f-string's text with its placeholders as written in the source (``{what}``, ``{len(specs)}``).

``extract`` finds the templates in the source, with Python's ast: the messages of ``CheckError``,
``assert`` and ``AssertionError``, test descriptions (``.test("...")`` and the first line of a
public test's docstring) and the strings marked with ``N_("...")``; ``keras-course translate
--messages`` keeps the catalogue in line. ``translate`` matches a shown message against the
templates: placeholders match any text, which is carried into the translation (and translated
itself when it is a message too); a message made of several sentences is translated sentence by
sentence; what matches nothing stays English.
"""

from __future__ import annotations

import ast
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from . import SOURCE_LANGUAGE

LOCALE = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "keras_course"
LANG_VARIABLE = "KERAS_COURSE_LANG"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
MIN_LITERAL = 5  # letters a template needs outside its placeholders: "{a}: {b}" would match anything


def N_(text: str) -> str:
    """Marks a message for the catalogue, unchanged at run time (it is translated where shown)."""
    return text


# -- the language -------------------------------------------------------------------------------

def notebook_language(nb) -> str:
    """A notebook's language: its keras_course metadata (translated notebooks carry it), else English."""
    metadata = nb.get("metadata", {}) if isinstance(nb, dict) else getattr(nb, "metadata", {})
    lang = (metadata.get("keras_course") or {}).get("lang") if isinstance(metadata, dict) else None
    return lang if isinstance(lang, str) and lang else SOURCE_LANGUAGE


_chosen: str | None = None  # the judge's: the language of the notebook it is grading


def use_language(lang: str | None) -> None:
    """The language of what this process shows from now on (None: decide as current_language does)."""
    global _chosen
    _chosen = lang


def current_language() -> str:
    """The judge's choice; in a kernel, the language of the notebook it runs when that is a
    translation (Jupyter names it in JPY_SESSION_NAME: ch05_cnn_zh_CN.ipynb), else
    KERAS_COURSE_LANG (the hub sets it per user), else English."""
    if _chosen:
        return _chosen
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        stem = Path(session).stem
        for lang in available_languages():
            if stem.endswith(f"_{lang}"):
                return lang
    return os.environ.get(LANG_VARIABLE) or SOURCE_LANGUAGE


@functools.lru_cache(maxsize=1)  # read once: every shown result asks
def available_languages() -> list[str]:
    return sorted(p.name for p in LOCALE.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.po").is_file()) \
        if LOCALE.is_dir() else []


# -- templates ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Template:
    source: str  # the msgid: literal text and {placeholders}
    translation: str
    pattern: re.Pattern
    names: tuple[str, ...]  # the placeholders, in order


def compile_template(source: str, translation: str) -> Template | None:
    names = tuple(PLACEHOLDER.findall(source))
    literal = PLACEHOLDER.sub("", source)
    if names and sum(ch.isalpha() for ch in literal) < MIN_LITERAL:
        return None
    parts, last = [], 0
    for index, match in enumerate(PLACEHOLDER.finditer(source)):
        parts.append(re.escape(source[last:match.start()]))
        parts.append(f"(?P<p{index}>.+?)")
        last = match.end()
    parts.append(re.escape(source[last:]))
    return Template(source, translation, re.compile("".join(parts), re.S), names)


@functools.lru_cache(maxsize=8)
def catalogue(lang: str) -> tuple[dict[str, str], tuple[Template, ...]]:
    """Exact messages and templates (most literal text first) of a language; empty for English."""
    if lang == SOURCE_LANGUAGE or lang not in available_languages():  # never a path a notebook names
        return {}, ()
    path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        entries = [(m.id, m.string) for m in read_po(handle) if m.id and m.string and not m.fuzzy]
    exact = {source: text for source, text in entries if not PLACEHOLDER.search(source)}
    templates = [t for t in (compile_template(s, text) for s, text in entries if PLACEHOLDER.search(s)) if t]
    templates.sort(key=lambda t: -len(PLACEHOLDER.sub("", t.source)))
    return exact, tuple(templates)


def translate(message: str, lang: str, depth: int = 0) -> str:
    """``message`` in ``lang``: whole, else sentence by sentence (then clause by clause, at "; "
    and ": "); what matches nothing stays as it is."""
    if not message or lang == SOURCE_LANGUAGE or depth > 3:
        return message
    return _translate_split(message, lang, depth, SPLITS)


# Sentence ends, but not an ellipsis ("1, 2, ...") or "e.g." / "i.e."; then clauses.
SPLITS = (re.compile(r"(?<!\.\.)(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=\S)"), re.compile(r"(?<=;)\s+"),
          re.compile(r"(?<=:)\s+"))


def _translate_split(text: str, lang: str, depth: int, splits) -> str:
    whole = _translate_one(text, lang, depth)
    if whole is not None:
        return whole
    if text.endswith(".") and not text.endswith(".."):  # a sentence the template has without its full stop
        bare = _translate_one(text[:-1], lang, depth)
        if bare is not None:
            return bare if bare.endswith(("。", ".", "！", "？")) else bare + "。"
    for index, split in enumerate(splits):
        pieces = split.split(text)
        if len(pieces) > 1:
            return " ".join(_translate_split(piece, lang, depth, splits[index:]) for piece in pieces)
    return text


def _translate_one(text: str, lang: str, depth: int) -> str | None:
    exact, templates = catalogue(lang)
    stripped = text.strip()
    if stripped in exact:
        return exact[stripped]
    for template in templates:
        match = template.pattern.fullmatch(stripped)
        if match:
            values = {}
            for index, name in enumerate(template.names):
                value = match.group(f"p{index}")
                values.setdefault(name, translate(value, lang, depth + 1))
            return PLACEHOLDER.sub(lambda m: values.get(m.group(0), m.group(0)), template.translation)
    return None


# -- extraction ---------------------------------------------------------------------------------

MESSAGE_CALLS = {"CheckError", "AssertionError", "N_", "ValueError", "TypeError", "fail"}


def extract_from_source(text: str, where: str) -> list[tuple[str, str]]:
    """(template, location) of every message in Python source ``text``."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    found = []

    def add(node, line):
        for template in _templates(node):
            if template.strip() and any(ch.isalpha() for ch in PLACEHOLDER.sub("", template)):
                found.append((template.strip(), f"{where}:{line}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            add(node.msg, node.lineno)
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in MESSAGE_CALLS and node.args:
                add(node.args[0], node.lineno)
            elif name == "test" and isinstance(node.func, ast.Attribute) and node.args:
                add(node.args[0], node.lineno)  # TestCell.test("description")
        elif isinstance(node, ast.FunctionDef) and any(_is_public_test(d) for d in node.decorator_list):
            doc = ast.get_docstring(node)
            if doc:
                found.append((doc.strip().splitlines()[0], f"{where}:{node.lineno}"))
    return found


def _is_public_test(decorator) -> bool:
    return isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "public_test"


def _templates(node) -> list[str]:
    """The message templates of an expression: an f-string or a string, each operand of a ``+``,
    each branch of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        text = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                text.append(str(value.value))
            else:
                text.append("{" + ast.unparse(value.value) + "}")
        return ["".join(text)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _templates(node.left) + _templates(node.right)
    if isinstance(node, ast.IfExp):
        return _templates(node.body) + _templates(node.orelse)
    return []


def extract(paths: list[Path], notebooks: list[Path] = ()) -> dict[str, list[str]]:
    """template -> where it is, over Python files and the code cells of notebooks (hidden tests)."""
    import nbformat

    found: dict[str, list[str]] = {}
    for path in paths:
        for template, where in extract_from_source(path.read_text(encoding="utf-8"), str(path)):
            found.setdefault(template, []).append(where)
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                for template, where in extract_from_source(_without_magics(cell.source), f"{path}#{cell.get('id')}"):
                    found.setdefault(template, []).append(where)
    return found


def _without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


MESSAGE_SOURCES = ("autograder/checks", "autograder/exercises", "autograder/grading/hidden",
                   "autograder/testcell.py", "autograder/student.py", "autograder/probe_library.py",
                   "autograder/grading/feedback.py", "autograder/notebook_check.py")


def source_files(repo: Path) -> list[Path]:
    files = []
    for name in MESSAGE_SOURCES:
        path = repo / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def update_catalog(repo: Path, notebooks: list[Path], lang: str, path: Path | None = None) -> tuple[int, int, int]:
    """The language's catalogue in line with the messages in the source: (new, changed, removed).
    A template that changed keeps its old translation, marked fuzzy, when one is close enough."""
    import difflib

    from babel.messages.catalog import Catalog

    from .notebooks import read_catalog, write_catalog

    path = path or LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    old = read_catalog(path) if path.exists() else None
    previous = {m.id: m for m in old if m.id} if old else {}
    found = extract(source_files(repo), notebooks)
    dates = {"creation_date": old.creation_date, "revision_date": old.revision_date} if old else {}
    catalog = Catalog(locale=lang, project="keras-course", domain=DOMAIN, charset="utf-8", fuzzy=False,
                      msgid_bugs_address="", language_team=f"keras-course {lang}", **dates,
                      header_comment="# What the course's checks and tests say to a student. {placeholders} "
                      "are filled in at run time: keep each one, as written, in the translation.")
    new = changed = 0
    unused = {k: m for k, m in previous.items() if k not in found}
    for template in sorted(found):
        where = [(loc.rsplit(":", 1)[0].replace(str(repo) + "/", ""), 0) for loc in found[template][:3]]
        before = previous.get(template)
        if before is not None:
            catalog.add(template, before.string, locations=where, flags=before.flags)
            continue
        close = difflib.get_close_matches(template, list(unused), n=1, cutoff=0.8)
        if close and unused[close[0]].string:
            catalog.add(template, unused[close[0]].string, locations=where, flags={"fuzzy"}, previous_id=close[0])
            changed += 1
        else:
            catalog.add(template, "", locations=where)
            new += 1
    write_catalog(catalog, path)
    return new, changed, len(unused)


def problems(path: Path) -> list[str]:
    """Untranslated or fuzzy entries, and translations that lost or gained a placeholder."""
    from .notebooks import read_catalog

    found = []
    for message in read_catalog(path):
        if not message.id:
            continue
        if not message.string:
            found.append(f"not translated: {message.id!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif sorted(PLACEHOLDER.findall(message.id)) != sorted(set(PLACEHOLDER.findall(message.string))) and \
                set(PLACEHOLDER.findall(message.id)) != set(PLACEHOLDER.findall(message.string)):
            found.append(f"placeholders differ: {message.id!r} -> {message.string!r}")
    return found


def run_messages(course, lang: str, check: bool) -> int:
    repo = Path(__file__).resolve().parents[2]
    path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not check:
        notebooks = [chapter.notebook for chapter in course.chapters]
        new, changed, removed = update_catalog(repo, notebooks, lang, path)
        print(f"{path}: {new} new, {changed} changed (fuzzy), {removed} removed")
    if not path.exists():
        print(f"no {lang} catalogue of messages ({path}); run keras-course translate --messages")
        return 1
    trouble = problems(path)
    for line in trouble[:50]:
        print(line)
    if len(trouble) > 50:
        print(f"... and {len(trouble) - 50} more")
    print(f"{lang} messages: " + (f"{len(trouble)} to do" if trouble else "complete"))
    return 1 if trouble else 0
