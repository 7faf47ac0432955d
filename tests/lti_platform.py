"""An LMS for the tests: LTI 1.3 launches and Assignment and Grade Services 2.0, as the specs say.

A real HTTP server on 127.0.0.1 (a thread), strict where the specs are:
- launches (IMS Security Framework 5.1, OpenID Connect implicit flow): an authorization endpoint
  that answers the tool's login initiation with an id token it signs, and its JWKS;
- tokens (Security Framework 4.1, RFC 7523): client credentials with a JWT assertion, whose
  signature (the tool's registered public key, by kid), audience (the token URL), issuer and
  subject (the client id), expiry and one-time jti are checked; scopes must have been granted;
- AGS 2.0: line item containers (resource_id filter, paged with Link rel="next"), line items
  made with their media type, scores posted with theirs (application/vnd.ims.lis.v1.score+json),
  each score validated and kept only when its timestamp is not older than the last one.

Faults on demand: ``fail(method, path_end, status, times)`` answers with ``status`` that many
times; ``refuse_tokens`` makes the token endpoint refuse every request.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
ALL_AGS_SCOPES = (AGS + "lineitem", AGS + "lineitem.readonly", AGS + "result.readonly", AGS + "score")
SCORE_MEDIA = "application/vnd.ims.lis.v1.score+json"
LINEITEM_MEDIA = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_MEDIA = "application/vnd.ims.lis.v2.lineitemcontainer+json"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LIS = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@dataclass
class Context:
    """One LMS course: its members (LMS user ids) and line items."""

    id: str
    title: str
    members: set[str]
    moodle_style: bool = False  # line item URLs with a query string, as Moodle makes them
    line_items: dict[str, dict] = field(default_factory=dict)
    scores: dict[str, dict[str, dict]] = field(default_factory=dict)  # line item id -> user -> score


class Platform:
    def __init__(self, client_id: str = "keras-course-tool", deployment_id: str = "deployment-1",
                 granted: tuple[str, ...] = ALL_AGS_SCOPES, page_size: int = 2):
        self.client_id, self.deployment_id, self.granted, self.page_size = client_id, deployment_id, granted, page_size
        self.filters_by_resource = True  # False: ignores resource_id, as some LMSs do (the client must filter)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.tool_keys: dict[str, object] = {}  # kid -> the tool's public key, as registered
        self.contexts: dict[str, Context] = {}
        self.tokens: dict[str, tuple[frozenset, float]] = {}
        self.used_jti: set[str] = set()
        self.faults: list[list] = []  # [method, path end, status, times left]
        self.refuse_tokens = ""  # an OAuth error code to answer every token request with
        self.log: list[tuple[str, str, int]] = []  # (method, path, status) of every request
        self.logins: dict[str, tuple[str, str, list[str]]] = {}  # login_hint -> (context, user, roles)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- set-up -----------------------------------------------------------------------------

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def token_url(self) -> str:
        return self.url + "/token"

    def register_tool_key(self, public_key, kid: str) -> None:
        self.tool_keys[kid] = public_key

    def add_context(self, context_id: str, title: str, members, moodle_style: bool = False) -> Context:
        self.contexts[context_id] = Context(context_id, title, set(members), moodle_style)
        return self.contexts[context_id]

    def lineitems_url(self, context_id: str) -> str:
        query = "?type_id=7" if self.contexts[context_id].moodle_style else ""
        return f"{self.url}/contexts/{context_id}/lineitems{query}"

    def fail(self, method: str, path_end: str, status: int, times: int = 1) -> None:
        self.faults.append([method, path_end, status, times])

    def scores(self, context_id: str, resource_id: str) -> dict[str, dict]:
        context = self.contexts[context_id]
        ids = [i for i, item in context.line_items.items() if item.get("resourceId") == resource_id]
        assert len(ids) <= 1, f"{len(ids)} line items for {resource_id} in {context_id}"
        return context.scores.get(ids[0], {}) if ids else {}

    # --- launches ---------------------------------------------------------------------------

    def jwks(self) -> dict:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def launch_claims(self, context_id: str, user: str, roles: list[str], nonce: str,
                      scopes: tuple[str, ...] | None = None, resource_link: str = "link-1") -> dict:
        now = int(time.time())
        context = self.contexts[context_id]
        return {
            "iss": self.issuer, "aud": self.client_id, "azp": self.client_id, "sub": user,
            "iat": now, "exp": now + 300, "nonce": nonce, "name": user,
            LTI + "message_type": "LtiResourceLinkRequest", LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id, LTI + "roles": roles,
            LTI + "target_link_uri": "", LTI + "resource_link": {"id": resource_link},
            LTI + "context": {"id": context.id, "label": context.id, "title": context.title},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": list(self.granted if scopes is None else scopes),
                "lineitems": self.lineitems_url(context_id)},
        }

    def id_token(self, claims: dict) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def expect_login(self, login_hint: str, context_id: str, user: str, roles: list[str]) -> None:
        self.logins[login_hint] = (context_id, user, roles)

    # --- the token endpoint -----------------------------------------------------------------

    def token_response(self, form: dict[str, str]) -> tuple[int, dict]:
        if self.refuse_tokens:
            return 401, {"error": self.refuse_tokens}
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return 400, {"error": "invalid_request", "error_description": "client_assertion_type"}
        assertion = form.get("client_assertion", "")
        try:
            kid = jwt.get_unverified_header(assertion).get("kid")
            claims = jwt.decode(assertion, self.tool_keys[kid], algorithms=["RS256"], audience=self.token_url,
                                options={"require": ["iss", "sub", "aud", "iat", "exp", "jti"]})
        except (KeyError, jwt.PyJWTError) as error:
            return 401, {"error": "invalid_client", "error_description": f"{type(error).__name__}: {error}"}
        if claims["iss"] != self.client_id or claims["sub"] != self.client_id:
            return 401, {"error": "invalid_client", "error_description": "iss and sub must be the client id"}
        if claims["exp"] - claims["iat"] > 3600:
            return 401, {"error": "invalid_client", "error_description": "assertion lives too long"}
        with self._lock:
            if claims["jti"] in self.used_jti:
                return 401, {"error": "invalid_client", "error_description": "jti replayed"}
            self.used_jti.add(claims["jti"])
        scopes = frozenset(form.get("scope", "").split())
        if not scopes or not scopes <= set(self.granted):
            return 400, {"error": "invalid_scope"}
        token = secrets.token_urlsafe(16)
        self.tokens[token] = (scopes, time.time() + 3600)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(sorted(scopes))}

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def allowed(self, headers, *scopes: str) -> bool:
        value = headers.get("Authorization", "")
        if not value.startswith("Bearer "):
            return False
        granted, expires = self.tokens.get(value.removeprefix("Bearer "), (frozenset(), 0))
        return expires > time.time() and bool(granted & set(scopes))


def _handler(platform: Platform):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the test reads platform.log
            pass

        def _answer(self, status: int, body=None, media: str = "application/json", headers: dict | None = None):
            platform.log.append((self.command, self.path, status))
            data = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _fault(self) -> int:
            path = urlsplit(self.path).path
            with platform._lock:
                for fault in platform.faults:
                    if fault[0] == self.command and path.endswith(fault[1]) and fault[3] > 0:
                        fault[3] -= 1
                        return fault[2]
            return 0

        def do_GET(self):
            self._body()
            if status := self._fault():
                return self._answer(status, {"error": "injected"})
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/jwks":
                return self._answer(200, platform.jwks())
            if url.path == "/auth":
                return self._authorize(query)
            match = re.fullmatch(r"/contexts/([^/]+)/lineitems", url.path)
            if match and match.group(1) in platform.contexts:
                return self._list(platform.contexts[match.group(1)], query)
            self._answer(404, {"error": "not found"})

        def do_POST(self):
            body = self._body()
            if status := self._fault():
                return self._answer(status, {"error": "injected"})
            url = urlsplit(self.path)
            if url.path == "/token":
                form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
                return self._answer(*platform.token_response(form))
            match = re.fullmatch(r"/contexts/([^/]+)/lineitems", url.path)
            if match and match.group(1) in platform.contexts:
                return self._create(platform.contexts[match.group(1)], body)
            match = re.fullmatch(r"/contexts/([^/]+)/lineitems/(\d+)(?:/lineitem)?/scores", url.path)
            if match and match.group(1) in platform.contexts:
                return self._score(platform.contexts[match.group(1)], match.group(2), body)
            self._answer(404, {"error": "not found"})

        # --- OpenID Connect authorization (the launch) -----------------------------------------

        def _authorize(self, query: dict):
            needed = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
            wrong = [k for k, v in needed.items() if query.get(k) != v]
            if wrong or query.get("client_id") != platform.client_id or query.get("login_hint") not in platform.logins:
                return self._answer(400, {"error": "invalid_request", "wrong": wrong})
            context, user, roles = platform.logins[query["login_hint"]]
            token = platform.id_token(platform.launch_claims(context, user, roles, query["nonce"]))
            form = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                           for k, v in (("id_token", token), ("state", query["state"])))
            page = f'<form method="post" action="{html.escape(query["redirect_uri"])}">{form}</form>'
            self._answer(200, page, media="text/html")

        # --- AGS 2.0 ---------------------------------------------------------------------

        def _list(self, context: Context, query: dict):
            if not platform.allowed(self.headers, AGS + "lineitem", AGS + "lineitem.readonly"):
                return self._answer(401, {"error": "invalid_token"})
            if CONTAINER_MEDIA not in self.headers.get("Accept", ""):
                return self._answer(406, {"error": f"Accept {CONTAINER_MEDIA}"})
            items = [item for item in context.line_items.values()
                     if "resource_id" not in query or not platform.filters_by_resource
                     or item.get("resourceId") == query["resource_id"]]
            start = int(query.get("page", 0)) * platform.page_size
            page = items[start:start + platform.page_size]
            headers = {}
            if start + platform.page_size < len(items):
                more = {**query, "page": str(int(query.get("page", 0)) + 1)}
                headers["Link"] = f'<{platform.url}/contexts/{context.id}/lineitems?{urlencode(more)}>; rel="next"'
            self._answer(200, page, media=CONTAINER_MEDIA, headers=headers)

        def _create(self, context: Context, body: bytes):
            if not platform.allowed(self.headers, AGS + "lineitem"):
                return self._answer(401, {"error": "invalid_token"})
            if self.headers.get("Content-Type", "").split(";")[0] != LINEITEM_MEDIA:
                return self._answer(415, {"error": f"Content-Type must be {LINEITEM_MEDIA}"})
            item = json.loads(body)
            if not isinstance(item.get("scoreMaximum"), (int, float)) or item["scoreMaximum"] <= 0 or not item.get("label"):
                return self._answer(400, {"error": "scoreMaximum > 0 and label are required"})
            number = str(len(context.line_items) + 1)
            query = "?type_id=7" if context.moodle_style else ""
            tail = "/lineitem" if context.moodle_style else ""
            item["id"] = f"{platform.url}/contexts/{context.id}/lineitems/{number}{tail}{query}"
            context.line_items[number] = item
            self._answer(201, item, media=LINEITEM_MEDIA)

        def _score(self, context: Context, number: str, body: bytes):
            if not platform.allowed(self.headers, AGS + "score"):
                return self._answer(401, {"error": "invalid_token"})
            if self.headers.get("Content-Type", "").split(";")[0] != SCORE_MEDIA:
                return self._answer(415, {"error": f"Content-Type must be {SCORE_MEDIA}"})
            if number not in context.line_items:
                return self._answer(404, {"error": "no such line item"})
            score = json.loads(body)
            problem = _score_problem(score, context)
            if problem:
                return self._answer(400, {"error": problem})
            with platform._lock:
                kept = context.scores.setdefault(number, {})
                last = kept.get(score["userId"])
                if last and _instant(last["timestamp"]) > _instant(score["timestamp"]):
                    return self._answer(409, {"error": "a later score is on record"})
                kept[score["userId"]] = score
            self._answer(204)

    return Handler


def _score_problem(score: dict, context: Context) -> str:
    if score.get("userId") not in context.members:
        return f"userId {score.get('userId')!r} is not a member of {context.id}"
    if score.get("activityProgress") not in ACTIVITY or score.get("gradingProgress") not in GRADING:
        return "activityProgress and gradingProgress must be from the AGS vocabularies"
    if not ISO_WITH_ZONE.match(str(score.get("timestamp", ""))):
        return "timestamp must be ISO 8601 with a time zone"
    if "scoreGiven" in score:
        given, maximum = score["scoreGiven"], score.get("scoreMaximum")
        if not isinstance(given, (int, float)) or given < 0:
            return "scoreGiven must be a number >= 0"
        if not isinstance(maximum, (int, float)) or maximum <= 0:
            return "scoreMaximum must be given with scoreGiven, > 0"
    return ""


def _instant(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
