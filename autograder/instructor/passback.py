"""``keras-course passback ASSIGNMENT``: every graded student's score, posted to the LMS.

LTI 1.3 Assignment and Grade Services (AGS 2.0), as the tool: the hub recorded, at each student's
launch, the LMS course's line items URL and the LMS's id for the student (lms_launches.py). Here:

1. an access token from the LMS's token endpoint: OAuth 2 client credentials, the tool proving
   who it is with a JWT signed by its private key (RFC 7523; PyJWT signs, nothing hand-made);
2. per LMS course, the chapter's line item: the one whose resourceId is the chapter's id, made
   (with the chapter's points as its maximum) when there is none and the scopes allow it;
3. per student, a score (media type application/vnd.ims.lis.v1.score+json) with the time of
   posting, so the LMS keeps the latest: running passback again is safe, and a changed grade wins.

The score is nbgrader's: the gradebook's total less its late penalty, as ``nbgrader export``
computes it. A student without a launch, or whose grading is not finished, is skipped and named.
Failures (a refused token, a 4xx, a 5xx that outlasted the retries) fail that student's line
and make the command exit 1; nothing else stops.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..course import Course, CourseError, add_course_option, add_gradebook_option, load_course
from .lms_launches import Launch, LaunchStore

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
SCORE_SCOPE, LINEITEM_SCOPE, LINEITEM_READ_SCOPE = AGS + "score", AGS + "lineitem", AGS + "lineitem.readonly"
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RETRIED = {429, 500, 502, 503, 504}

REGISTRATION_ENV = {  # environment variable -> ToolRegistration field
    "KERAS_COURSE_LTI_ISSUER": "issuer",
    "KERAS_COURSE_LTI_CLIENT_ID": "client_id",
    "KERAS_COURSE_LTI_TOKEN_URL": "token_url",
    "KERAS_COURSE_LTI_PRIVATE_KEY": "private_key_file",
}


class PlatformError(Exception):
    """The LMS said no (or nothing): the message says what was asked and what came back."""


@dataclass(frozen=True)
class ToolRegistration:
    """How the LMS knows this tool: what the LMS admin registered (README, Grades back to the LMS)."""

    issuer: str
    client_id: str
    token_url: str
    private_key_file: str  # the tool's RSA private key (PEM); the LMS holds its public half
    key_id: str = ""  # the kid the LMS knows the public key by ('' : the key's RFC 7638 thumbprint)
    audience: str = ""  # the client assertion's aud ('' : the token URL, as Canvas and Moodle expect)

    @classmethod
    def from_env(cls, environ=None) -> ToolRegistration:
        env = os.environ if environ is None else environ
        missing = [name for name in REGISTRATION_ENV if not env.get(name)]
        if missing:
            raise CourseError(f"passback needs {', '.join(missing)} (see README.md, Grades back to the LMS)")
        fields = {field: env[name] for name, field in REGISTRATION_ENV.items()}
        return cls(**fields, key_id=env.get("KERAS_COURSE_LTI_KEY_ID", ""),
                   audience=env.get("KERAS_COURSE_LTI_TOKEN_AUDIENCE", ""))

    def private_key(self):
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        path = Path(self.private_key_file)
        try:
            return load_pem_private_key(path.read_bytes(), password=None)
        except FileNotFoundError:
            raise CourseError(f"the tool's private key {path} does not exist") from None
        except (ValueError, TypeError) as error:
            raise CourseError(f"{path} is not an unencrypted PEM private key: {error}") from None

    def kid(self) -> str:
        return self.key_id or key_thumbprint(self.private_key().public_key())


def public_jwk(public_key, kid: str = "") -> dict:
    """The public key as a JWK, the form the LMS registers (kid, alg and use set)."""
    from jwt.algorithms import RSAAlgorithm

    jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    return {**jwk, "kid": kid or key_thumbprint(public_key), "alg": "RS256", "use": "sig"}


def key_thumbprint(public_key) -> str:
    """RFC 7638: the SHA-256 of the JWK's required members in order, base64url without padding."""
    import base64

    from jwt.algorithms import RSAAlgorithm

    jwk = json.loads(RSAAlgorithm.to_jwk(public_key))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


class AgsClient:
    """HTTP to one LMS: tokens (cached per scope set), line items and scores, with retries.

    5xx, 429 and dropped connections are tried ``attempts`` times with a growing pause (the
    LMS's Retry-After when it sends one, up to ``max_pause``); a 401 gets one fresh token.
    """

    def __init__(self, registration: ToolRegistration, session=None, attempts: int = 4,
                 pause: float = 0.5, max_pause: float = 30.0, sleep=time.sleep):
        import requests

        self.registration = registration
        self.session = session or requests.Session()
        self.attempts, self.pause, self.max_pause, self.sleep = attempts, pause, max_pause, sleep
        self._key = registration.private_key()
        self._kid = registration.kid()
        self._tokens: dict[frozenset, str] = {}

    # --- OAuth 2 client credentials with a signed JWT (IMS Security Framework 4.1) -------------

    def client_assertion(self) -> str:
        import jwt

        now = int(time.time())
        claims = {"iss": self.registration.client_id, "sub": self.registration.client_id,
                  "aud": self.registration.audience or self.registration.token_url,
                  "iat": now, "exp": now + 300, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})

    def token(self, scopes: frozenset) -> str:
        if scopes not in self._tokens:
            form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                    "client_assertion": self.client_assertion(), "scope": " ".join(sorted(scopes))}
            response = self._send("POST", self.registration.token_url, data=form,
                                  headers={"Accept": "application/json"})
            if response.status_code != 200:
                raise PlatformError(f"the LMS refused a token (HTTP {response.status_code}): {_said(response)}")
            try:
                self._tokens[scopes] = response.json()["access_token"]
            except (ValueError, KeyError):
                raise PlatformError("the LMS's token response holds no access_token") from None
        return self._tokens[scopes]

    # --- requests ---------------------------------------------------------------------------

    def _send(self, method: str, url: str, **kwargs):
        import requests

        for attempt in range(1, self.attempts + 1):
            try:
                response = self.session.request(method, url, timeout=30, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt == self.attempts:
                    raise PlatformError(f"{method} {url}: no answer after {attempt} tries ({type(error).__name__})") from None
                self.sleep(self._pause(attempt, None))
                continue
            if response.status_code not in RETRIED or attempt == self.attempts:
                return response
            self.sleep(self._pause(attempt, response.headers.get("Retry-After")))
        raise AssertionError("unreachable")

    def _pause(self, attempt: int, retry_after: str | None) -> float:
        try:
            asked = float(retry_after) if retry_after else None
        except ValueError:  # an HTTP date: take our own pause
            asked = None
        return min(self.max_pause, asked if asked is not None else self.pause * 2 ** (attempt - 1))

    def call(self, method: str, url: str, scopes: frozenset, accept: str, headers: dict | None = None, **kwargs):
        """An AGS request with a bearer token; a 401 once gets a fresh token. Returns the response (2xx)."""
        for fresh in (False, True):
            sent = {"Authorization": f"Bearer {self.token(scopes)}", "Accept": accept, **(headers or {})}
            response = self._send(method, url, headers=sent, **kwargs)
            if response.status_code == 401 and not fresh:  # the token expired or was revoked
                self._tokens.pop(scopes, None)
                continue
            if not 200 <= response.status_code < 300:
                raise PlatformError(f"{method} {url}: HTTP {response.status_code}: {_said(response)}")
            return response
        raise AssertionError("unreachable")

    # --- AGS 2.0 ----------------------------------------------------------------------------

    def line_items(self, container: str, resource_id: str, scopes: frozenset) -> list[dict]:
        """The container's line items for ``resource_id``, every page of them (Link: rel="next")."""
        items, url, params = [], container, {"resource_id": resource_id}
        while url:
            response = self.call("GET", url, scopes, CONTAINER_MEDIA, params=params)
            page = response.json()
            items += page if isinstance(page, list) else []
            url, params = response.links.get("next", {}).get("url"), None
        return [item for item in items if item.get("resourceId") == resource_id]

    def create_line_item(self, container: str, item: dict, scopes: frozenset) -> dict:
        response = self.call("POST", container, scopes, LINEITEM_MEDIA, json=item,
                             headers={"Content-Type": LINEITEM_MEDIA})
        return response.json()

    def post_score(self, line_item: str, score: dict, scopes: frozenset) -> None:
        self.call("POST", scores_url(line_item), scopes, "application/json", data=json.dumps(score),
                  headers={"Content-Type": SCORE_MEDIA})


def scores_url(line_item: str) -> str:
    """AGS: the scores service is the line item's URL with /scores added to its path (not its query)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(line_item)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def _said(response) -> str:
    text = " ".join(response.text.split())
    return text[:200] or response.reason or "no body"


# --- what is posted ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Grade:
    student: str
    score: float  # after the late penalty
    maximum: float
    finished: bool  # False while a cell still needs a manual grade


@dataclass
class Posting:
    """One line of the table: a student's score and what the LMS made of it."""

    student: str
    lms_course: str
    score: float | None
    maximum: float
    status: str
    failed: bool = False


def gradebook_grades(course: Course, assignment: str, db_url: str = "") -> dict[str, Grade]:
    """Every graded student of the chapter in nbgrader's gradebook: score less late penalty.

    A chapter in several languages is several assignments (course.py); a student who submitted
    more than one gets the grade of their latest submission, as a resubmission would.
    """
    from nbgrader.api import Gradebook, MissingEntry

    from ..nbgrader_settings import course_directory, gradebook_missing

    db_url = db_url or course_directory(course).db_url
    if gradebook_missing(db_url):
        raise CourseError(f"no gradebook at {db_url.removeprefix('sqlite:///')}: grade {assignment} first")
    latest: dict[str, tuple] = {}
    with Gradebook(db_url) as gradebook:
        versions = [version.id for version in course.versions(assignment)]
        found = []
        for version in versions:
            try:
                found.append(gradebook.find_assignment(version))
            except MissingEntry:
                continue
        if not found:
            raise CourseError(f"the gradebook has no assignment {assignment!r}: release and grade it first")
        for release in found:
            for submission in release.submissions:
                if not _graded(submission):  # a record that only holds an extension (keras-course extend)
                    continue
                score = max(0.0, float(submission.score) - float(submission.late_submission_penalty or 0))
                grade = Grade(submission.student_id, round(score, 4), float(submission.max_score),
                              not submission.needs_manual_grade)
                when = submission.timestamp or dt.datetime.min
                if submission.student_id not in latest or when >= latest[submission.student_id][0]:
                    latest[submission.student_id] = (when, grade)
    return {student: grade for student, (_, grade) in latest.items()}


def _graded(submission) -> bool:
    return any(grade.auto_score is not None or grade.manual_score is not None
               for notebook in submission.notebooks for grade in notebook.grades)


def line_item_for(chapter, course: Course) -> dict:
    """What the LMS is told about a chapter when its line item is made."""
    item = {"scoreMaximum": chapter.points, "label": f"{course.title}: {chapter.title}",
            "resourceId": chapter.id, "tag": "keras-course"}
    if chapter.opens:
        item["startDateTime"] = _iso(chapter.opens)
    if chapter.due:
        item["endDateTime"] = _iso(chapter.due)
    return item


def score_for(grade: Grade, launch: Launch, now: dt.datetime) -> dict:
    return {"userId": launch.lms_user, "scoreGiven": grade.score, "scoreMaximum": grade.maximum,
            "activityProgress": "Completed", "gradingProgress": "FullyGraded",
            "timestamp": _iso(now, milliseconds=True)}


def _iso(when: dt.datetime, milliseconds: bool = False) -> str:
    return when.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds" if milliseconds else "seconds")


class Passback:
    """Posts one assignment's grades; ``client`` None is a dry run (nothing is sent)."""

    def __init__(self, course: Course, assignment: str, registration: ToolRegistration,
                 client: AgsClient | None, create_line_items: bool = True):
        self.course = course
        self.chapter = course.chapter(course.chapter(assignment).chapter_id)  # one line item for every language
        self.registration, self.client, self.create = registration, client, create_line_items
        self._line_items: dict[str, str] = {}  # container URL -> the chapter's line item URL

    def run(self, grades: dict[str, Grade], launches: list[Launch]) -> list[Posting]:
        by_user: dict[str, list[Launch]] = {}
        for launch in launches:
            by_user.setdefault(launch.hub_user, []).append(launch)
        postings = []
        for student in sorted(grades):
            grade = grades[student]
            mine = [launch for launch in by_user.get(student, []) if self._ours(launch)]
            if not by_user.get(student):
                postings.append(Posting(student, "-", grade.score, grade.maximum, "skipped: no LMS launch recorded"))
            elif not mine:
                postings.append(Posting(student, "-", grade.score, grade.maximum,
                                        "skipped: launched from another LMS registration"))
            elif not grade.finished:
                postings.append(Posting(student, "-", None, grade.maximum, "skipped: needs manual grading"))
            else:
                postings += [self._post(grade, launch) for launch in mine]
        for student in sorted(set(by_user) - set(grades)):
            postings.append(Posting(student, "-", None, self.chapter.points, "skipped: no graded submission"))
        return postings

    def _ours(self, launch: Launch) -> bool:
        return (launch.issuer, launch.client_id) == (self.registration.issuer, self.registration.client_id)

    def _post(self, grade: Grade, launch: Launch) -> Posting:
        where = launch.context_title or launch.context_id or launch.lineitems
        posting = Posting(grade.student, where, grade.score, grade.maximum, "")
        if SCORE_SCOPE not in launch.scopes:
            posting.status, posting.failed = "failed: the LMS did not grant the score scope", True
            return posting
        if self.client is None:
            posting.status = "would post (dry run)"
            return posting
        try:
            line_item = self._line_item(launch)
            self.client.post_score(line_item, score_for(grade, launch, dt.datetime.now(dt.timezone.utc)),
                                   frozenset({SCORE_SCOPE}))
        except PlatformError as error:
            posting.status, posting.failed = f"failed: {error}", True
            return posting
        posting.status = "posted"
        return posting

    def _line_item(self, launch: Launch) -> str:
        if launch.lineitems in self._line_items:
            return self._line_items[launch.lineitems]
        reading = {LINEITEM_SCOPE, LINEITEM_READ_SCOPE} & set(launch.scopes)
        if not reading:
            raise PlatformError("the LMS granted neither lineitem scope: the chapter's line item cannot be found")
        found = self.client.line_items(launch.lineitems, self.chapter.id, frozenset(reading))
        if found:
            url = found[0]["id"]
        elif self.create and LINEITEM_SCOPE in launch.scopes:
            url = self.client.create_line_item(launch.lineitems, line_item_for(self.chapter, self.course),
                                               frozenset({LINEITEM_SCOPE}))["id"]
        else:
            raise PlatformError(f"no line item with resourceId {self.chapter.id!r} in the LMS course, "
                                "and the tool may not make one (lineitem scope)")
        self._line_items[launch.lineitems] = url
        return url


def table(postings: list[Posting]) -> str:
    rows = [("student", "LMS course", "score", "LMS status")]
    for p in postings:
        score = "-" if p.score is None else f"{p.score:g}/{p.maximum:g}"
        rows.append((p.student, p.lms_course, score, p.status))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
                     for row in rows)


def run(args) -> int:
    course = load_course(args.course)
    course.chapter(args.assignment)  # an unknown chapter: say so before anything else
    registration = ToolRegistration.from_env()
    store = LaunchStore(args.launches) if args.launches else LaunchStore.in_course(course.root)
    grades = gradebook_grades(course, args.assignment, args.db_url)
    client = None if args.dry_run else AgsClient(registration)
    if client is None:
        registration.private_key()  # a dry run still says when the key would not do
    postings = Passback(course, args.assignment, registration, client,
                        create_line_items=not args.no_create).run(grades, store.launches())
    print(table(postings))
    failed = sum(p.failed for p in postings)
    posted = sum(p.status == "posted" for p in postings)
    print(f"{args.assignment}: {posted} posted, {failed} failed, "
          f"{sum(p.status.startswith('skipped') for p in postings)} skipped"
          + (" (dry run: nothing sent)" if args.dry_run else ""), file=sys.stderr)
    return 1 if failed else 0


def make_tool_key(path: Path) -> dict:
    """A new RSA key for the tool (PEM, readable by its owner only); returns its public JWK."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if path.exists():
        raise CourseError(f"{path} exists: the LMS knows its public key; remove it first to make a new one")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    return public_jwk(key.public_key())


def run_tool_key(args) -> int:
    path = Path(args.path)
    if args.show or args.pem:
        public = ToolRegistration("", "", "", str(path)).private_key().public_key()
        if args.pem:  # Moodle's "RSA key" field takes the public key as PEM
            from cryptography.hazmat.primitives import serialization

            print(public.public_bytes(serialization.Encoding.PEM,
                                      serialization.PublicFormat.SubjectPublicKeyInfo).decode(), end="")
        else:
            print(json.dumps(public_jwk(public), indent=1))
        return 0
    print(json.dumps(make_tool_key(path), indent=1))
    print(f"wrote {path}: set KERAS_COURSE_LTI_PRIVATE_KEY={path} and give the LMS the public JWK above",
          file=sys.stderr)
    return 0


def add_parser(commands) -> None:
    key = commands.add_parser("lti-key", help="make the tool's signing key for LTI 1.3 and print its public JWK")
    key.add_argument("path", help="where the private key goes (PEM, mode 600)")
    key.add_argument("--show", action="store_true", help="print the public JWK of an existing key (Canvas)")
    key.add_argument("--pem", action="store_true", help="print the public key of an existing key as PEM (Moodle)")
    key.set_defaults(run=run_tool_key)

    passback = commands.add_parser("passback", help="post every graded student's score to the LMS (LTI 1.3 AGS)")
    passback.add_argument("assignment", help="the chapter id, e.g. ch05_cnn")
    add_course_option(passback)
    passback.add_argument("--dry-run", action="store_true", help="show what would be posted; send nothing")
    passback.add_argument("--no-create", action="store_true",
                          help="never make a line item; fail where the LMS course has none for the chapter")
    passback.add_argument("--launches", help="the launches file (default: COURSE/lms_launches.json, kept by the hub)")
    add_gradebook_option(passback)
    passback.set_defaults(run=run)
