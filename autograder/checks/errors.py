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
