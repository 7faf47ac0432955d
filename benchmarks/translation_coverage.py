"""How much of what a student reads comes out in Chinese: every description and failure message
that the chapters' wrong answers (tests/chNN_variants.py) produce, translated, and those that
still hold three or more English words (code, names and numbers aside) listed.

    .venv/bin/python benchmarks/translation_coverage.py ch01 ch02 ch04 [--show]
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from autograder.i18n.messages import translate  # noqa: E402

CODE = re.compile(r"`[^`]*`|\{[^}]*\}|[A-Za-z_][\w.]*\(.*?\)|\b[A-Za-z_]+\w*[._]\w+\b|'[^']*'|\"[^\"]*\"")


def english_left(text: str) -> list[str]:
    return re.findall(r"\b[a-z]{4,}\b", CODE.sub("", text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chapters", nargs="+", help="ch01 ... ch07")
    parser.add_argument("--show", action="store_true", help="print each text that keeps English")
    args = parser.parse_args()
    total = kept = 0
    for short in args.chapters:
        variants = importlib.import_module(f"{short}_variants")
        chapter = importlib.import_module(f"test_{short}").CHAPTER
        for cell, source, failing_test, _ in variants.WRONG:
            which = failing_test.rsplit("_", 1)[1]
            _, results = chapter.run(chapter.exercise_of(failing_test), {cell: source}, (which,))
            for outcome in results[which].outcomes:
                for text in filter(None, (outcome.description, outcome.message)):
                    total += 1
                    chinese = translate(text, "zh_CN")
                    if len(english_left(chinese)) >= 3:
                        kept += 1
                        if args.show:
                            print(f"EN: {text}\nZH: {chinese}\n")
    print(f"{kept} of {total} texts keep English words ({', '.join(args.chapters)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
