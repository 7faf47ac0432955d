"""keras-course passback against an LMS that implements LTI 1.3's token endpoint and AGS 2.0 as the
specs say (tests/lti_platform.py), with grades from a real nbgrader gradebook (the toy course of
test_report.py, graded by nbgrader) and launches as the hub records them."""

from __future__ import annotations

import json
import stat

import pytest
from nbgrader.api import Gradebook

from autograder.cli import main
from autograder.instructor.lms_launches import LaunchStore, launch_from_claims
from autograder.instructor.passback import (SCORE_SCOPE, Grade, Passback, ToolRegistration, key_thumbprint,
                                            make_tool_key, scores_url)
from autograder.nbgrader_settings import course_directory
from lti_platform import AGS, LIS, Platform
from test_report import toy_course  # noqa: F401 (a fixture: three students graded by nbgrader)

pytestmark = pytest.mark.slow  # the toy course is graded by nbgrader once per module (seconds)


@pytest.fixture(scope="module")
def tool_key(tmp_path_factory):
    path = tmp_path_factory.mktemp("tool") / "tool-key.pem"
    make_tool_key(path)
    return path


@pytest.fixture
def platform(tool_key):
    with Platform() as lms:
        key = ToolRegistration("", "", "", str(tool_key)).private_key().public_key()
        lms.register_tool_key(key, key_thumbprint(key))
        lms.add_context("course-a", "Deep Learning, spring", {"lms-ann", "lms-bob"})
        lms.add_context("course-b", "Deep Learning, evening class", {"lms-bob"}, moodle_style=True)
        yield lms


@pytest.fixture
def registered(platform, tool_key, monkeypatch):
    monkeypatch.setenv("KERAS_COURSE_LTI_ISSUER", platform.issuer)
    monkeypatch.setenv("KERAS_COURSE_LTI_CLIENT_ID", platform.client_id)
    monkeypatch.setenv("KERAS_COURSE_LTI_TOKEN_URL", platform.token_url)
    monkeypatch.setenv("KERAS_COURSE_LTI_PRIVATE_KEY", str(tool_key))
    return platform


def launch(platform: Platform, hub_user: str, context: str, lms_user: str, scopes=None, **changes):
    claims = platform.launch_claims(context, lms_user, [LIS + "Learner"], nonce="n", scopes=scopes)
    claims.update(changes)
    return launch_from_claims(hub_user, claims)


@pytest.fixture
def launches(registered, tmp_path):
    """ann launched from course A; bob from A and from B; cem never launched from the LMS."""
    store = LaunchStore(tmp_path / "launches.json")
    for hub_user, context, lms_user in (("ann", "course-a", "lms-ann"), ("bob", "course-a", "lms-bob"),
                                        ("bob", "course-b", "lms-bob")):
        store.record(launch(registered, hub_user, context, lms_user))
    return store


def passback(toy_course, store, *extra):  # noqa: F811
    return main(["passback", "toy", "--course", str(toy_course.root), "--launches", str(store.path), *extra])


def gradebook_scores(course) -> dict[str, float]:
    """What nbgrader's gradebook holds, read here on its own: score less late penalty."""
    with Gradebook(course_directory(course).db_url) as gb:
        return {s.student_id: s.score - (s.late_submission_penalty or 0)
                for s in gb.find_assignment("toy").submissions}


def test_each_graded_students_score_reaches_each_of_their_lms_courses(toy_course, launches, registered, capsys):  # noqa: F811
    assert passback(toy_course, launches) == 0
    out = capsys.readouterr().out
    expected = gradebook_scores(toy_course)
    assert set(expected) == {"ann", "bob", "cem"} and expected["ann"] == 5 and expected["bob"] < 5
    course_a, course_b = registered.scores("course-a", "toy"), registered.scores("course-b", "toy")
    assert {user: s["scoreGiven"] for user, s in course_a.items()} == {"lms-ann": expected["ann"],
                                                                      "lms-bob": expected["bob"]}
    assert {user: s["scoreGiven"] for user, s in course_b.items()} == {"lms-bob": expected["bob"]}
    for score in [*course_a.values(), *course_b.values()]:
        assert score["scoreMaximum"] == 5 and score["gradingProgress"] == "FullyGraded"
    item = next(iter(registered.contexts["course-a"].line_items.values()))
    assert item["resourceId"] == "toy" and item["scoreMaximum"] == 5 and item["label"].endswith("Toy")
    assert "?type_id=7" in next(iter(registered.contexts["course-b"].line_items.values()))["id"]
    assert "cem" in out and "skipped: no LMS launch recorded" in out
    assert out.count("posted") == 3


def test_running_it_again_finds_the_line_items_and_the_latest_score_wins(toy_course, launches, registered):  # noqa: F811
    assert passback(toy_course, launches) == 0
    first = dict(registered.scores("course-a", "toy"))
    assert passback(toy_course, launches) == 0
    assert len(registered.contexts["course-a"].line_items) == 1 and len(registered.contexts["course-b"].line_items) == 1
    again = registered.scores("course-a", "toy")
    assert again["lms-ann"]["timestamp"] > first["lms-ann"]["timestamp"]
    assert again["lms-ann"]["scoreGiven"] == first["lms-ann"]["scoreGiven"]


def test_a_line_item_on_a_later_page_is_found_not_made_twice(toy_course, launches, registered):  # noqa: F811
    registered.filters_by_resource = False  # the LMS lists every line item, two a page
    context = registered.contexts["course-a"]
    for number, resource in enumerate(("other-1", "other-2", "other-3", "toy"), start=1):
        context.line_items[str(number)] = {"id": f"{registered.url}/contexts/course-a/lineitems/{number}",
                                           "resourceId": resource, "label": resource, "scoreMaximum": 5}
    assert passback(toy_course, launches) == 0
    assert len(context.line_items) == 4 and set(context.scores) == {"4"}
    assert any("page=1" in path for method, path, _ in registered.log if method == "GET")


def test_a_dry_run_sends_nothing_and_says_what_it_would_post(toy_course, launches, registered, capsys):  # noqa: F811
    assert passback(toy_course, launches, "--dry-run") == 0
    assert registered.log == []
    out = capsys.readouterr().out
    assert out.count("would post (dry run)") == 3


def test_a_refused_token_fails_every_line_and_the_command(toy_course, launches, registered, capsys):  # noqa: F811
    registered.refuse_tokens = "invalid_client"
    assert passback(toy_course, launches) == 1
    out = capsys.readouterr().out
    assert out.count("failed: the LMS refused a token (HTTP 401)") == 3 and "invalid_client" in out


def test_the_platform_refuses_an_assertion_for_another_audience_or_signed_by_another_key(
        toy_course, launches, monkeypatch, tmp_path, capsys):  # noqa: F811
    monkeypatch.setenv("KERAS_COURSE_LTI_TOKEN_AUDIENCE", "https://elsewhere.example/token")
    assert passback(toy_course, launches) == 1
    assert "InvalidAudienceError" in capsys.readouterr().out
    monkeypatch.delenv("KERAS_COURSE_LTI_TOKEN_AUDIENCE")
    make_tool_key(tmp_path / "stranger.pem")  # a key the LMS never registered
    monkeypatch.setenv("KERAS_COURSE_LTI_PRIVATE_KEY", str(tmp_path / "stranger.pem"))
    assert passback(toy_course, launches) == 1
    assert "invalid_client" in capsys.readouterr().out


def test_the_tools_assertion_is_short_lived_single_use_and_signed_for_the_token_url(registered, tool_key):
    import jwt

    from autograder.instructor.passback import AgsClient

    client = AgsClient(ToolRegistration.from_env())
    assertion = client.client_assertion()
    public = ToolRegistration("", "", "", str(tool_key)).private_key().public_key()
    claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=registered.token_url)
    assert claims["iss"] == claims["sub"] == registered.client_id and 0 < claims["exp"] - claims["iat"] <= 300
    assert jwt.get_unverified_header(assertion)["kid"] == key_thumbprint(public)
    assert client.client_assertion() != assertion  # a fresh jti each time: the LMS refuses replays
    form = {"grant_type": "client_credentials", "client_assertion_type":
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion": assertion,
            "scope": SCORE_SCOPE}
    assert registered.token_response(form)[0] == 200
    assert registered.token_response(form) == (401, {"error": "invalid_client", "error_description": "jti replayed"})
    stale = jwt.decode(assertion, options={"verify_signature": False})
    stale.update(iat=stale["iat"] - 900, exp=stale["exp"] - 900, jti="another")
    expired = jwt.encode(stale, client._key, algorithm="RS256", headers={"kid": key_thumbprint(public)})
    status, answer = registered.token_response({**form, "client_assertion": expired})
    assert status == 401 and "ExpiredSignatureError" in answer["error_description"]


def test_server_errors_are_retried_and_a_lasting_one_fails_only_its_line(toy_course, launches, registered, capsys):  # noqa: F811
    registered.fail("POST", "/token", 503, times=1)
    registered.fail("POST", "/scores", 502, times=2)
    assert passback(toy_course, launches) == 0
    assert len(registered.scores("course-a", "toy")) == 2
    registered.faults.clear()
    registered.fail("POST", "/lineitem/scores", 503, times=99)  # course B (Moodle-style URLs) is down
    assert passback(toy_course, launches) == 1
    out = capsys.readouterr().out
    assert "HTTP 503" in out and out.count("posted") == 5  # 3 the first time, 2 now


def test_a_client_error_is_not_retried_and_names_what_the_lms_said(toy_course, launches, registered, capsys):  # noqa: F811
    registered.contexts["course-b"].members.discard("lms-bob")  # the LMS dropped bob from course B
    assert passback(toy_course, launches) == 1
    out = capsys.readouterr().out
    assert "HTTP 400" in out and "not a member of course-b" in out
    score_posts = [p for m, p, status in registered.log if m == "POST" and "course-b" in p and "/scores" in p]
    assert len(score_posts) == 1


def test_an_expired_token_is_renewed_once(toy_course, launches, registered):  # noqa: F811
    from autograder.instructor.passback import AgsClient, gradebook_grades

    client = AgsClient(ToolRegistration.from_env())
    passing = Passback(toy_course, "toy", ToolRegistration.from_env(), client)
    grades = gradebook_grades(toy_course, "toy")
    passing.run({"ann": grades["ann"]}, launches.launches())
    registered.revoke_tokens()  # as if an hour passed
    postings = passing.run({"ann": grades["ann"]}, launches.launches())
    assert [p.status for p in postings if p.student == "ann"] == ["posted"]
    assert sum(1 for m, p, _ in registered.log if p == "/token") == 4  # to find and make the line item and to score, then a fresh one


def test_without_the_lineitem_scope_nothing_is_made_and_the_line_says_why(toy_course, registered, tmp_path, capsys):  # noqa: F811
    store = LaunchStore(tmp_path / "launches.json")
    store.record(launch(registered, "ann", "course-a", "lms-ann", scopes=(AGS + "score",)))
    assert passback(toy_course, store) == 1
    assert "neither lineitem scope" in capsys.readouterr().out
    store.record(launch(registered, "ann", "course-a", "lms-ann", scopes=(AGS + "score", AGS + "lineitem.readonly")))
    assert passback(toy_course, store) == 1
    assert "may not make one" in capsys.readouterr().out
    assert registered.contexts["course-a"].line_items == {}
    store.record(launch(registered, "ann", "course-a", "lms-ann"))
    assert passback(toy_course, store, "--no-create") == 1
    assert passback(toy_course, store) == 0


def test_a_launch_from_another_registration_is_skipped_and_named(toy_course, registered, tmp_path, capsys):  # noqa: F811
    store = LaunchStore(tmp_path / "launches.json")
    store.record(launch(registered, "ann", "course-a", "lms-ann", azp="another-tool"))
    assert passback(toy_course, store) == 0
    assert "skipped: launched from another LMS registration" in capsys.readouterr().out
    assert registered.log == []


def test_unfinished_grading_is_skipped_and_the_late_penalty_is_taken_off(toy_course, launches, registered):  # noqa: F811
    registration = ToolRegistration.from_env()
    dry = Passback(toy_course, "toy", registration, client=None)
    postings = dry.run({"ann": Grade("ann", 5, 5, finished=False)}, launches.launches())
    assert [p.status for p in postings if p.student == "ann"] == ["skipped: needs manual grading"]
    from autograder.instructor.passback import gradebook_grades

    with Gradebook(course_directory(toy_course).db_url) as gb:
        notebook = gb.find_submission_notebook("toy", "toy", "ann")
        notebook.late_submission_penalty = 1.5
        gb.db.commit()
    try:
        assert gradebook_grades(toy_course, "toy")["ann"].score == 3.5
    finally:
        with Gradebook(course_directory(toy_course).db_url) as gb:
            gb.find_submission_notebook("toy", "toy", "ann").late_submission_penalty = None
            gb.db.commit()


def test_missing_settings_an_unknown_chapter_or_no_gradebook_are_clear_errors(toy_course, tmp_path, monkeypatch, capsys):  # noqa: F811
    for name in ("KERAS_COURSE_LTI_ISSUER", "KERAS_COURSE_LTI_CLIENT_ID", "KERAS_COURSE_LTI_TOKEN_URL",
                 "KERAS_COURSE_LTI_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert main(["passback", "toy", "--course", str(toy_course.root)]) == 2
    assert "passback needs KERAS_COURSE_LTI_ISSUER" in capsys.readouterr().err
    assert main(["passback", "ch99", "--course", str(toy_course.root)]) == 2
    assert "no chapter 'ch99'" in capsys.readouterr().err
    monkeypatch.setenv("KERAS_COURSE_LTI_ISSUER", "https://lms.example")
    monkeypatch.setenv("KERAS_COURSE_LTI_CLIENT_ID", "tool")
    monkeypatch.setenv("KERAS_COURSE_LTI_TOKEN_URL", "https://lms.example/token")
    monkeypatch.setenv("KERAS_COURSE_LTI_PRIVATE_KEY", str(tmp_path / "absent.pem"))
    assert main(["passback", "toy", "--course", str(toy_course.root), "--dry-run"]) == 2
    assert "absent.pem does not exist" in capsys.readouterr().err


def test_scores_go_to_the_line_items_path_not_its_query():
    assert scores_url("https://lms/x/lineitems/5/lineitem?type_id=2") == "https://lms/x/lineitems/5/lineitem/scores?type_id=2"
    assert scores_url("https://lms/api/lti/courses/1/line_items/7/") == "https://lms/api/lti/courses/1/line_items/7/scores"


def test_the_tool_key_is_private_to_its_owner_and_never_overwritten(tmp_path, capsys):
    path = tmp_path / "keys" / "tool.pem"
    assert main(["lti-key", str(path)]) == 0
    jwk = json.loads(capsys.readouterr().out)
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and "d" not in jwk  # the public half only
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert main(["lti-key", str(path)]) == 2
    assert "exists" in capsys.readouterr().err
    assert main(["lti-key", str(path), "--show"]) == 0
    assert json.loads(capsys.readouterr().out) == jwk
    assert main(["lti-key", str(path), "--pem"]) == 0
    pem = capsys.readouterr().out
    assert pem.startswith("-----BEGIN PUBLIC KEY-----") and "PRIVATE" not in pem


# -- what the hub keeps of a launch ---------------------------------------------------------------

def test_a_launch_keeps_its_lms_course_and_a_new_launch_replaces_only_its_own(tmp_path):
    with Platform() as lms:
        lms.add_context("c1", "One", {"u1"})
        lms.add_context("c2", "Two", {"u1"})
        store = LaunchStore(tmp_path / "launches.json")
        store.record(launch(lms, "alice", "c1", "u1"))
        store.record(launch(lms, "alice", "c2", "u1"))
        store.record(launch(lms, "alice", "c1", "u1", scopes=(AGS + "score",)))
    kept = store.for_user("alice")
    assert [(k.context_id, k.scopes) for k in kept] == [("c2", tuple(lms.granted)), ("c1", (AGS + "score",))]
    assert kept[0].lms_user == "u1" and kept[0].lineitems.endswith("/contexts/c2/lineitems")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600  # LMS ids are the instructor's to see
    assert launch_from_claims("bob", {"sub": "u2"}) is None  # no grade services claim: nothing to keep


def test_a_damaged_launches_file_is_a_clear_error_and_the_next_launch_rewrites_it(tmp_path):
    store = LaunchStore(tmp_path / "launches.json")
    store.path.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        store.launches()
    with Platform() as lms:
        lms.add_context("c1", "One", {"u1"})
        store.record(launch(lms, "alice", "c1", "u1"))
    assert [k.hub_user for k in store.launches()] == ["alice"]


def test_key_thumbprint_follows_rfc_7638():
    # RFC 7638, section 3.1's example key and its thumbprint
    from jwt.algorithms import RSAAlgorithm

    n = ("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
         "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgd"
         "AZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
         "kEgU8awapJzKnqDKgw")
    key = RSAAlgorithm.from_jwk(json.dumps({"kty": "RSA", "n": n, "e": "AQAB"}))
    assert key_thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_recorded_launches_keep_the_scopes_as_a_tuple_through_the_file(tmp_path):
    store = LaunchStore(tmp_path / "l.json")
    with Platform() as lms:
        lms.add_context("c", "C", {"u"})
        store.record(launch(lms, "zoe", "c", "u"))
    assert isinstance(store.launches()[0].scopes, tuple)
