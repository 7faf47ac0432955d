"""How much of what a student reads comes out in Chinese: every description and failure message
that the chapters' wrong answers (tests/chNN_variants.py) produce, translated, and those that
still hold three or more English words (code, names and numbers aside) listed.

    .venv/bin/python benchmarks/translation_coverage.py ch01 ch02 ch04 [--show]

tests/test_i18n_messages.py runs ``coverage`` on a few chapters and keeps the share of texts
that keep English under a bound.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from autograder.i18n.messages import translate  # noqa: E402

CODE = re.compile(r"`[^`]*`|\{[^}]*\}|[A-Za-z_][\w.]*\(.*?\)|\b[A-Za-z_]+\w*[._]\w+\b|'[^']*'|\"[^\"]*\"")
ENGLISH_WORDS = 3  # a text with this many English words left (code aside) keeps English


def english_left(text: str) -> list[str]:
    return re.findall(r"\b[a-z]{4,}\b", CODE.sub("", text))


def keeps_english(translated: str) -> bool:
    return len(english_left(translated)) >= ENGLISH_WORDS


def chapter_texts(short: str) -> Iterator[str]:
    """The description and the failure message of every outcome of the chapter's wrong answers
    (``short``: ch01 ... ch07), in English, as the grader records them."""
    from chapter_cells import Chapter

    variants = importlib.import_module(f"{short}_variants")
    tests = importlib.import_module(f"test_{short}")
    chapter = getattr(tests, "CHAPTER", None) or Chapter(tests.NOTEBOOK, tests.NEEDS)
    for cell, source, failing_test, _ in variants.WRONG:
        which = failing_test.rsplit("_", 1)[1]
        _, results = chapter.run(chapter.exercise_of(failing_test), {cell: source}, (which,))
        for outcome in results[which].outcomes:
            yield from filter(None, (outcome.description, outcome.message))


def coverage(texts: Iterable[str], lang: str = "zh_CN") -> tuple[int, list[tuple[str, str]]]:
    """(how many texts, [(English, translation) of those whose translation keeps English])."""
    total, kept = 0, []
    for text in texts:
        total += 1
        translated = translate(text, lang)
        if keeps_english(translated):
            kept.append((text, translated))
    return total, kept


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="+", help="ch01 ... ch07")
    parser.add_argument("--show", action="store_true", help="print each text that keeps English")
    args = parser.parse_args()
    total = kept = 0
    for short in args.chapters:
        count, left = coverage(chapter_texts(short))
        total, kept = total + count, kept + len(left)
        if args.show:
            for text, chinese in left:
                print(f"EN: {text}\nZH: {chinese}\n")
        if len(args.chapters) > 1:
            print(f"{short}: {len(left)} of {count} texts keep English words")
    print(f"{kept} of {total} texts keep English words ({', '.join(args.chapters)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
