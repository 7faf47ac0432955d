"""The one exception every check raises, and a way to say what was being checked."""

from contextlib import contextmanager


class CheckError(AssertionError):
    """A check failed; the message says what was expected, what was found, and what to fix.

    It is an AssertionError so that nbgrader, pytest and plain ``assert`` users all treat it
    as a failed test rather than a crash.
    """


@contextmanager
def context(label: str):
    """Prefix the message of a failing check with what was being checked.

    ``with context("build_vgg(depth=11)"): ...`` turns "layer 3: ..." into
    "build_vgg(depth=11): layer 3: ...", so a student knows which call to try.
    """
    try:
        yield
    except CheckError as error:
        raise CheckError(f"{label}: {error}") from None


def stage_error(report: dict, describe) -> CheckError:
    """What a multi-step probe's failed stage (``report["failed"]``, see probe_library._stage) means
    for a test: the release stub's bare NotImplementedError is raised as itself (the test cell then
    says what to do), anything else is the CheckError ``describe(stage, error)`` words, ``error``
    being the exception's class and the first line of its message."""
    failed = report.get("failed") or {}
    kind, message = failed.get("type"), str(failed.get("message") or "").strip()
    if kind == "NotImplementedError" and not message:
        raise NotImplementedError
    first = message.splitlines()[0] if message else ""
    return CheckError(describe(failed.get("stage"), f"{kind}: {first[:200]}{'...' if len(first) > 200 else ''}"))
