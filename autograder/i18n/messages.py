"""What the course says to a student, in the student's language: gettext, by message template.

The checks build their messages as f-strings (``f"{what} has shape {shape}, expected {expected}"``),
and a graded cell's result keeps them in English: instructors' reports group failures by that
text. A message is translated where it is shown (a check's table, the judged cell's output, the
feedback page, ``keras-course check``), from the gettext catalogue
``autograder/locale/<lang>/LC_MESSAGES/keras_course.po``, whose entries are the templates: each
f-string's text with its placeholders as written in the source (``{what}``, ``{len(specs)}``).

``extract`` finds the templates in the source, with Python's ast: the messages of ``CheckError``,
``assert`` and ``AssertionError``, test descriptions (``.test("...")`` and the first line of a
public test's docstring), the strings marked with ``N_("...")``, and the words a check is given
(``what=``, ``label=``, ``section=``, ``hint=``, by keyword or by position, and those parameters'
defaults). A message put together with ``+`` and conditionals is a template for each whole text it
can make. ``keras-course translate --messages`` keeps the catalogue in line. ``translate`` matches
a shown message against the templates: placeholders (balanced braces: an f-string's expression may
hold braces) match any text, which is carried into the translation (and translated itself when it
is a message too, inside its quotes when it is quoted); a message made of several sentences is
translated sentence by sentence; what matches nothing stays English.
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

def placeholder_spans(text: str) -> list[tuple[int, int]]:
    """Where the {placeholders} of a template are: balanced braces, so that a placeholder may hold
    an expression with braces of its own (``{'' if ok else f' of {len(result)}'}``)."""
    spans, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            start = index if depth == 0 else start
            depth += 1
        elif char == "}" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, index + 1))
    return spans


def placeholders(text: str) -> list[str]:
    """The {placeholders} of a template, in order."""
    return [text[start:end] for start, end in placeholder_spans(text)]


def fill_placeholders(text: str, value) -> str:
    """``text`` with each placeholder replaced by ``value(placeholder)``."""
    parts, last = [], 0
    for start, end in placeholder_spans(text):
        parts += [text[last:start], value(text[start:end])]
        last = end
    return "".join(parts) + text[last:]


def literal_text(template: str) -> str:
    """A template's own words: its text without the placeholders."""
    return fill_placeholders(template, lambda _: "")


@dataclass(frozen=True)
class Template:
    source: str  # the msgid: literal text and {placeholders}
    translation: str
    pattern: re.Pattern
    names: tuple[str, ...]  # the placeholders, in order
    separators: tuple[str, ...] = ()  # the literal text between each placeholder and the next


def compile_template(source: str, translation: str) -> Template | None:
    """A template's pattern: its literal text, each placeholder matching any text (an empty one
    too: ``{args}`` in ``f"f(x{args})"`` often is)."""
    names = tuple(placeholders(source))
    if names and sum(ch.isalpha() for ch in literal_text(source)) < MIN_LITERAL:
        return None
    parts, literals, last = [], [], 0
    for index, (start, end) in enumerate(placeholder_spans(source)):
        literals.append(source[last:start])
        parts.append(re.escape(source[last:start]))
        parts.append(f"(?P<p{index}>.*?)")
        last = end
    parts.append(re.escape(source[last:]))
    return Template(source, translation, re.compile("".join(parts), re.S), names, tuple(literals[1:]))


@functools.lru_cache(maxsize=8)
def catalogue(lang: str) -> tuple[dict[str, str], tuple[Template, ...]]:
    """Exact messages and templates (most literal text first) of a language; empty for English."""
    if lang == SOURCE_LANGUAGE or lang not in available_languages():  # never a path a notebook names
        return {}, ()
    path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        entries = [(m.id, m.string) for m in read_po(handle) if m.id and m.string and not m.fuzzy]
    exact = {source: text for source, text in entries if not placeholder_spans(source)}
    templates = [t for t in (compile_template(s, text) for s, text in entries if placeholder_spans(s)) if t]
    templates.sort(key=lambda t: -len(literal_text(t.source)))
    return exact, tuple(templates)


def translate(message: str, lang: str, depth: int = 0) -> str:
    """``message`` in ``lang``: whole, else sentence by sentence (then clause by clause, at "; "
    and ": "); what matches nothing stays as it is."""
    if not message or lang == SOURCE_LANGUAGE or depth > 3 or not message.strip():
        return message
    core = message.strip()  # the space around it stays (" at index (0, 0)" is a value after a word),
    start = message.index(core)  # but not beside a full-width mark: "（kernel），" not "（kernel） ，"
    before, after = message[:start], message[start + len(core):]
    translated = _translate_split(core, lang, depth, SPLITS)
    if translated != core:
        before = "" if translated[:1] in FULL_WIDTH else before
        after = "" if translated[-1:] in FULL_WIDTH else after
    return before + translated + after


# Sentence ends, but not an ellipsis ("1, 2, ...") or "e.g." / "i.e."; then clauses.
SPLITS = (re.compile(r"(?<!\.\.)(?<!e\.g\.)(?<!i\.e\.)(?<=[.!?])\s+(?=\S)"), re.compile(r"(?<=;)\s+"),
          re.compile(r"(?<=:)\s+"))


QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d"}
FULL_WIDTH = set("，。；：、（）！？“”")  # marks that need no space beside them


def _translate_split(text: str, lang: str, depth: int, splits) -> str:
    whole = _translate_one(text, lang, depth)
    if whole is not None:
        return whole
    if text.endswith(".") and not text.endswith(".."):  # a sentence the template has without its full stop
        bare = _translate_one(text[:-1], lang, depth)
        if bare is not None:
            return bare if bare.endswith(("。", ".", "！", "？")) else bare + "。"
    stripped = text.strip()
    if len(stripped) > 2 and QUOTES.get(stripped[0]) == stripped[-1]:  # a quoted message: a section's title
        inner = translate(stripped[1:-1], lang, depth + 1)
        if inner != stripped[1:-1]:
            return stripped[0] + inner + stripped[-1]
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
            for name, value in zip(template.names, _values(template, match, lang, depth)):
                values.setdefault(name, value)
            return fill_placeholders(template.translation, lambda name: values.get(name, name))
    return None


def _values(template: Template, match: re.Match, lang: str, depth: int) -> list[str]:
    """The placeholders' values, translated. Two placeholders apart by a space or a mark alone
    (``{what} {on}``) are split where the pattern first finds that mark; another such mark may be
    the right one (``Linear(4, use_bias=False) on inputs ...``): the split that lets most of the
    two translate wins."""
    raw = [match.group(f"p{index}") for index in range(len(template.names))]
    done: dict[str, str] = {}

    def translated(value: str) -> str:
        if value not in done:
            done[value] = translate(value, lang, depth + 1)
        return done[value]

    def score(*values: str) -> int:
        return sum(translated(value) != value for value in values)

    for index, separator in enumerate(template.separators):
        if not separator or len(separator) > 2 or any(ch.isalnum() for ch in separator):
            continue
        joined = raw[index] + separator + raw[index + 1]
        best, best_score = (raw[index], raw[index + 1]), score(raw[index], raw[index + 1])
        at = joined.find(separator)
        while at != -1:
            first, second = joined[:at], joined[at + len(separator):]
            if first and second and score(first, second) > best_score:
                best, best_score = (first, second), score(first, second)
            at = joined.find(separator, at + 1)
        raw[index], raw[index + 1] = best
    return [translated(value) for value in raw]


# -- extraction ---------------------------------------------------------------------------------

MESSAGE_CALLS = {"CheckError", "AssertionError", "N_", "ValueError", "TypeError", "fail"}
# Arguments of a plain function call (the checks': assert_array_matches(..., what=...)), by
# keyword or by position, and parameters' defaults (what: str = "the model"), that a message is
# made of; a method's (ax.plot(label=...)) are not.
MESSAGE_KEYWORDS = {"what", "label", "section", "hint", "how_built"}
MAX_VARIANTS = 16  # the most texts one message expression is spelled out into


def extract_from_source(text: str, where: str, signatures: dict[str, set[tuple[str, ...]]] | None = None
                        ) -> list[tuple[str, str]]:
    """(template, location) of every message in Python source ``text``. ``signatures``: the
    parameters of the functions it may call (``function_parameters``), to tell a message passed
    by position (``assert_raises(call, f"...")``, where the parameter is ``what``)."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    signatures = {**(signatures or {})}
    for name, params in function_parameters(tree).items():
        signatures[name] = signatures.get(name, set()) | params
    found = []

    def add(node, line, prose_only=False):
        for template in _templates(node):
            if template.strip() and any(ch.isalpha() for ch in literal_text(template)) and \
                    not (prose_only and _is_code(template)):
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
            if isinstance(node.func, ast.Name):  # a check's own words: assert_...(..., what=f"...")
                for keyword in node.keywords:
                    if keyword.arg in MESSAGE_KEYWORDS:
                        add(keyword.value, node.lineno, prose_only=True)
                for index, arg in enumerate(node.args):
                    if any(index < len(params) and params[index] in MESSAGE_KEYWORDS
                           for params in signatures.get(name, ())):
                        add(arg, node.lineno, prose_only=True)
        elif isinstance(node, ast.FunctionDef):
            if any(_is_public_test(d) for d in node.decorator_list):
                doc = ast.get_docstring(node)
                if doc:
                    found.append((doc.strip().splitlines()[0], f"{where}:{node.lineno}"))
            arguments = [*node.args.posonlyargs, *node.args.args]
            defaults = [*([None] * (len(arguments) - len(node.args.defaults))), *node.args.defaults]
            for argument, default in [*zip(arguments, defaults), *zip(node.args.kwonlyargs, node.args.kw_defaults)]:
                if default is not None and argument.arg in MESSAGE_KEYWORDS:  # what: str = "the model"
                    add(default, node.lineno, prose_only=True)
    return found


def function_parameters(tree) -> dict[str, set[tuple[str, ...]]]:
    """name -> the positional parameters of each function of that name defined in ``tree``."""
    found: dict[str, set[tuple[str, ...]]] = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params = tuple(a.arg for a in [*node.args.posonlyargs, *node.args.args])
            found.setdefault(node.name, set()).add(params)
    return found


def _is_public_test(decorator) -> bool:
    return isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "public_test"


def _templates(node) -> list[str]:
    """The message templates of an expression: an f-string or a string; a ``+`` of strings and
    conditionals as each whole text it can make (a message reads best translated whole), another
    value added in as a placeholder, as an f-string would hold it (then each operand as well);
    each branch of a conditional."""
    whole = _variants(node)
    if whole is not None and len(whole) <= MAX_VARIANTS:
        pure = _variants(node, values=False) is not None
        return whole if pure else whole + _parts(node)
    return _parts(node)


def _parts(node) -> list[str]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _templates(node.left) + _templates(node.right)
    if isinstance(node, ast.IfExp):
        return _templates(node.body) + _templates(node.orelse)
    return _variants(node, values=False) or []


def _variants(node, values: bool = True, operand: bool = False) -> list[str] | None:
    """Every text a string expression (strings, f-strings, ``+`` and conditionals of them) can
    make, as templates; with ``values``, anything else added to a string is a {placeholder}.
    None for an expression that is not such a text."""
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
    if isinstance(node, ast.IfExp):
        body, orelse = _variants(node.body, values, operand), _variants(node.orelse, values, operand)
        return None if body is None or orelse is None else list(dict.fromkeys(body + orelse))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _variants(node.left, values, True), _variants(node.right, values, True)
        if left is None or right is None or len(left) * len(right) > MAX_VARIANTS:
            return None
        return list(dict.fromkeys(a + b for a in left for b in right))
    if values and operand:
        return ["{" + ast.unparse(node) + "}"]
    return None


CODE_ONLY = re.compile(r"[\w.]+(\([^()]*(\([^()]*\)[^()]*)*\))*")  # a name, a call, calls on a call


def _is_code(template: str) -> bool:
    """A call or a name (``build_first_model(20, 3)``), not words to translate."""
    literal = literal_text(template).strip()
    return sum(ch.isalpha() for ch in literal) < MIN_LITERAL or bool(CODE_ONLY.fullmatch(literal))


def extract(paths: list[Path], notebooks: list[Path] = ()) -> dict[str, list[str]]:
    """template -> where it is, over Python files and the code cells of notebooks (hidden tests)."""
    import nbformat

    found: dict[str, list[str]] = {}
    sources = {path: path.read_text(encoding="utf-8") for path in paths}
    signatures: dict[str, set[tuple[str, ...]]] = {}
    for text in sources.values():
        try:
            for name, params in function_parameters(ast.parse(text)).items():
                signatures[name] = signatures.get(name, set()) | params
        except SyntaxError:
            pass
    for path, text in sources.items():
        for template, where in extract_from_source(text, str(path), signatures):
            found.setdefault(template, []).append(where)
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                for template, where in extract_from_source(_without_magics(cell.source), f"{path}#{cell.get('id')}",
                                                           signatures):
                    found.setdefault(template, []).append(where)
    return found


def _without_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


MESSAGE_SOURCES = ("autograder/checks", "autograder/exercises", "autograder/grading/hidden",
                   "autograder/testcell.py", "autograder/student.py", "autograder/probe_library.py",
                   "autograder/grading/feedback.py", "autograder/notebook_check.py", "autograder/deadlines.py")


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
        elif set(placeholders(message.id)) != set(placeholders(message.string)):
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
