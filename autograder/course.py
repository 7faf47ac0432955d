"""The course manifest (course/course.toml): chapters, points, dates, languages and the late policy.

A chapter in another language is an nbgrader assignment of its own, ``<chapter id>_<lang>``
(e.g. ``ch01_setup_zh_CN``), with the chapter's points, dates, code and grade ids; its notebook is
built from the English one and the language's catalogue (i18n/notebooks.py) when it is released.
nbgrader adds up every notebook of an assignment, so two languages in one assignment would count
the chapter twice and grade the unused notebook as a zero; as two assignments, each has the
chapter's points, and the tools that speak of chapters (late days, passback) take a student's
latest submission in either language.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
import zoneinfo
from dataclasses import dataclass, field, replace
from pathlib import Path

MANIFEST = "course.toml"


class CourseError(Exception):
    """The course folder or its manifest is missing or wrong; the message says which and how."""


SOURCE_LANGUAGE = "en"
KNOWN_LANGUAGES = ("en", "zh_CN")  # those with catalogues in translations/ and autograder/locale/


@dataclass(frozen=True)
class Chapter:
    id: str  # the nbgrader assignment: the manifest's id, and _<lang> after it for a translation
    title: str
    points: float
    opens: dt.datetime | None
    due: dt.datetime | None
    notebook: Path  # the instructor's notebook: source/<id>/<id>.ipynb (a translation's is built)
    lang: str = SOURCE_LANGUAGE
    base_id: str = ""  # the manifest's id, whatever the language ('' : the same as id)

    @property
    def chapter_id(self) -> str:
        return self.base_id or self.id


@dataclass(frozen=True)
class LatePolicy:
    """What a late submission costs ([late_policy] in the manifest; the defaults cost nothing).

    A day late is each started 24 hours past the student's due date (extension included),
    counted between instants, so no time zone changes it. deadlines.py applies the policy.
    """

    late_days: int = 0  # each student's allowance for the whole course, spent automatically
    penalty_per_day: float = 0.0  # share of a chapter's score lost per day not covered by late days
    zero_after_days: float | None = None  # more days late than this: the chapter scores 0

    @property
    def is_default(self) -> bool:
        """No late days and no penalty: nbgrader's own late-submission plugin decides, as before."""
        return self == LatePolicy()


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    root: Path  # the nbgrader course root, holding nbgrader_config.py and the manifest
    source: Path  # the instructor notebooks
    chapters: tuple[Chapter, ...]
    late_policy: LatePolicy = field(default_factory=LatePolicy)
    timezone: str = "UTC"  # the course's display zone (an IANA name); dates are stored as instants
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)  # the first is the notebooks' own
    translations: Path | None = None  # the catalogues of the chapters' text: <translations>/<lang>/<id>.po

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def chapter(self, chapter_id: str) -> Chapter:
        """The chapter, or its translation for an assignment id such as ch01_setup_zh_CN."""
        for chapter in self.chapters:
            if chapter.id == chapter_id:
                return chapter
        for lang in self.languages[1:]:
            if chapter_id.endswith(f"_{lang}"):
                base = chapter_id.removesuffix(f"_{lang}")
                if any(c.id == base for c in self.chapters):
                    return self.in_language(self.chapter(base), lang)
        known = ", ".join(c.id for c in self.chapters)
        raise CourseError(f"no chapter {chapter_id!r} in {self.root / MANIFEST}; chapters: {known}"
                          + (f" (and each with _{', _'.join(self.languages[1:])})" if len(self.languages) > 1 else ""))

    def in_language(self, chapter: Chapter, lang: str) -> Chapter:
        """``chapter`` as the assignment of language ``lang``."""
        if lang not in self.languages:
            raise CourseError(f"{lang!r} is not one of the course's languages ({', '.join(self.languages)}; "
                              f"[course] languages in {self.root / MANIFEST})")
        base = chapter.chapter_id
        if lang == self.languages[0]:
            return self.chapter(base)
        assignment = f"{base}_{lang}"
        return replace(chapter, id=assignment, notebook=self.source / assignment / f"{assignment}.ipynb",
                       lang=lang, base_id=base)

    def versions(self, chapter_id: str) -> list[Chapter]:
        """Every language's assignment of one chapter, the notebooks' own language first."""
        base = self.chapter(chapter_id).chapter_id
        return [self.in_language(self.chapter(base), lang) for lang in self.languages]


def find_course_root(start: Path | None = None) -> Path:
    """KERAS_COURSE_ROOT, else the nearest course/ folder at or above ``start`` (the cwd)."""
    if os.environ.get("KERAS_COURSE_ROOT"):
        return Path(os.environ["KERAS_COURSE_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder, folder / "course"):
            if (candidate / MANIFEST).is_file():
                return candidate
    raise CourseError(
        f"no {MANIFEST} found in {here} or above: run from the course repository, "
        "pass --course PATH, or set KERAS_COURSE_ROOT")


def _date(value, where: str) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    raise CourseError(f"{where} should be a date and time like 2027-02-15T23:59:00Z, got {value!r}")


def _number(table: dict, key: str, where: str, whole: bool = False, most: float | None = None):
    """``table[key]`` if it is a number in range (None when absent), else a CourseError naming the key."""
    value = table.get(key)
    if value is None:
        return None
    kinds = (int,) if whole else (int, float)
    wanted = "a whole number of days, 0 or more" if whole else "a number, 0 or more"
    if most is not None:
        wanted = f"a number from 0 to {most:g}"
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0 or (most is not None and value > most):
        raise CourseError(f"{where} {key} should be {wanted}, got {value!r}")
    return value


def _late_policy(data: dict, path: Path) -> LatePolicy:
    table = data.get("late_policy", {})
    where = f"{path}: [late_policy]"
    if not isinstance(table, dict):
        raise CourseError(f"{path}: late_policy should be a table, [late_policy]")
    unknown = sorted(set(table) - {"late_days", "penalty_per_day", "zero_after_days"})
    if unknown:  # a misspelt key would otherwise leave a default in force, silently
        raise CourseError(f"{where} has unknown key(s) {', '.join(unknown)}; "
                          "known: late_days, penalty_per_day, zero_after_days")
    late_days = _number(table, "late_days", where, whole=True)
    penalty = _number(table, "penalty_per_day", where, most=1)
    zero_after = _number(table, "zero_after_days", where)
    return LatePolicy(late_days or 0, float(penalty or 0.0), None if zero_after is None else float(zero_after))


def _timezone(info: dict, path: Path) -> str:
    name = info.get("timezone", "UTC")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise CourseError(f"{path}: [course] timezone {name!r} is not a time zone name "
                          "(an IANA name like 'UTC' or 'Europe/Paris')") from None
    return name


def load_course(root: Path | str | None = None) -> Course:
    root = Path(root).resolve() if root else find_course_root()
    path = root / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"the course manifest {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise CourseError(f"{path} is not valid TOML: {error}") from None

    info = data.get("course", {})
    if "id" not in info:
        raise CourseError(f"{path}: [course] needs an id")
    source = (root / info.get("source", "../source")).resolve()
    chapters, seen = [], set()
    for number, entry in enumerate(data.get("chapters", []), start=1):
        where = f"{path}: chapter {number}"
        missing = [key for key in ("id", "title", "points") if key not in entry]
        if missing:
            raise CourseError(f"{where} is missing {', '.join(missing)}")
        chapter_id = entry["id"]
        if chapter_id in seen:
            raise CourseError(f"{where}: chapter id {chapter_id!r} appears twice")
        seen.add(chapter_id)
        opens, due = _date(entry.get("opens"), f"{where} opens"), _date(entry.get("due"), f"{where} due")
        if opens and due and due <= opens:
            raise CourseError(f"{where}: due ({due}) is not after opens ({opens})")
        chapters.append(Chapter(chapter_id, entry["title"], float(entry["points"]), opens, due,
                                source / chapter_id / f"{chapter_id}.ipynb"))
    if not chapters:
        raise CourseError(f"{path} lists no [[chapters]]")
    return Course(info["id"], info.get("title", info["id"]), root, source, tuple(chapters),
                  _late_policy(data, path), _timezone(info, path), _languages(info, path),
                  (root / info.get("translations", "../translations")).resolve())


def _languages(info: dict, path: Path) -> tuple[str, ...]:
    languages = info.get("languages", [SOURCE_LANGUAGE])
    if not isinstance(languages, list) or not languages or languages[0] != SOURCE_LANGUAGE:
        raise CourseError(f"{path}: [course] languages must be a list starting with {SOURCE_LANGUAGE!r} "
                          f"(the notebooks' own), got {languages!r}")
    unknown = [lang for lang in languages if lang not in KNOWN_LANGUAGES]
    if unknown or len(set(languages)) != len(languages):
        raise CourseError(f"{path}: [course] languages {languages!r}: each once, from {', '.join(KNOWN_LANGUAGES)}")
    return tuple(languages)


COURSE_HELP = "the course folder holding course.toml (default: found from the current folder)"


def add_course_option(parser) -> None:
    """--course, as every keras-course verb that reads the course takes it."""
    parser.add_argument("--course", help=COURSE_HELP)


def add_gradebook_option(parser) -> None:
    """--db-url, as every verb that reads or writes nbgrader's gradebook takes it."""
    parser.add_argument("--db-url", default=os.environ.get("KERAS_COURSE_DB_URL", ""),
                        help="nbgrader's gradebook URL (default: KERAS_COURSE_DB_URL, else the course's config)")
