"""What LTI 1.3 launches said about grading, kept per hub user for `keras-course passback`.

A launch from the LMS carries, besides who the student is, where their grades go: the Assignment
and Grade Services claim (the line items URL of the LMS course and the scopes the tool may use)
and the LMS's own id for the student (``sub``). The hub's authenticator records both here at each
launch (hub_config/auth.py); passback reads them. One entry per hub user and LMS course, so a hub
linked to several LMS courses (or platforms) posts each course's grades to its own line items.

The file lives beside nbgrader's gradebook, in the course root: both are the instructor's, both
are what passback needs. Writes take a lock and replace the file whole, so two launches at once
lose nothing and a reader never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

LAUNCHES_FILE = "lms_launches.json"

AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
DEPLOYMENT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"


@dataclass(frozen=True)
class Launch:
    """One hub user's latest launch from one LMS course."""

    hub_user: str
    lms_user: str  # the LMS's id for the student (the id token's sub): what a score is posted for
    issuer: str
    client_id: str
    deployment_id: str
    context_id: str  # the LMS course
    context_title: str
    lineitems: str  # the LMS course's line items container URL
    scopes: tuple[str, ...]
    launched_at: str  # ISO 8601, UTC

    @property
    def course_key(self) -> tuple[str, str, str, str]:
        """What makes two launches come from the same LMS course."""
        return (self.issuer, self.client_id, self.deployment_id, self.context_id)


def launch_from_claims(hub_user: str, claims: dict, now: dt.datetime | None = None) -> Launch | None:
    """The grading part of a validated id token; None when the LMS gave no line items URL
    (a launch from outside an LMS course, or a tool registered without grade services)."""
    ags = claims.get(AGS_CLAIM) or {}
    if not isinstance(ags, dict) or not ags.get("lineitems") or not claims.get("sub"):
        return None
    context = claims.get(CONTEXT_CLAIM) or {}
    audience = claims.get("aud")
    client_id = claims.get("azp") or (audience[0] if isinstance(audience, list) and audience else audience) or ""
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    return Launch(hub_user=hub_user, lms_user=str(claims["sub"]), issuer=str(claims.get("iss", "")),
                  client_id=str(client_id), deployment_id=str(claims.get(DEPLOYMENT_CLAIM, "")),
                  context_id=str(context.get("id", "")), context_title=str(context.get("title", "")),
                  lineitems=str(ags["lineitems"]), scopes=tuple(str(s) for s in ags.get("scope", ())),
                  launched_at=when.isoformat(timespec="seconds"))


class LaunchStore:
    """The launches file: ``record`` from the hub, ``launches`` for passback."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    @classmethod
    def in_course(cls, course_root: Path | str) -> LaunchStore:
        return cls(Path(course_root) / LAUNCHES_FILE)

    def launches(self) -> list[Launch]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except ValueError as error:
            raise ValueError(f"{self.path} is not valid JSON ({error}); it is rewritten at the next launch") from None
        return [Launch(**{**entry, "scopes": tuple(entry.get("scopes", ()))}) for entry in data.get("launches", [])]

    def for_user(self, hub_user: str) -> list[Launch]:
        return [launch for launch in self.launches() if launch.hub_user == hub_user]

    def record(self, launch: Launch) -> None:
        """Keep ``launch``, replacing the user's earlier launch from the same LMS course."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                kept = [old for old in self.launches()
                        if (old.hub_user, old.course_key) != (launch.hub_user, launch.course_key)]
            except ValueError:  # a damaged file: the launches from now on are what counts
                kept = []
            entries = [asdict(entry) for entry in [*kept, launch]]
            self._replace(json.dumps({"launches": entries}, indent=1, sort_keys=True))

    def _replace(self, text: str) -> None:
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.chmod(temporary, 0o600)  # LMS user ids are personal data: the instructor's only
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
