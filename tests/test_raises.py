"""autograder.checks.raises: what a student reads when a bad argument is not rejected properly."""

import pytest

from autograder.checks.errors import CheckError
from autograder.checks.raises import assert_raises


def reject(message):
    def call():
        raise ValueError(message)
    return call


def test_returns_the_message_when_it_holds_every_word():
    assert assert_raises(reject("Theano was REMOVED; use jax"), "f('theano')", ["removed", "jax"]) == \
        "Theano was REMOVED; use jax"


@pytest.mark.parametrize("call, words", [
    (lambda: None, "f(x) should raise ValueError; reread \"S\""),
    (lambda: {}["x"], "f(x) raised KeyError, expected ValueError"),
    (reject("unknown"), "its message should mention 'removed'"),
])
def test_says_what_went_wrong(call, words):
    with pytest.raises(CheckError) as error:
        assert_raises(call, "f(x)", ["removed"], section='"S"')
    assert words in str(error.value)


def test_another_exception_type():
    def call():
        raise TypeError("no")
    assert_raises(call, "f(x)", error=TypeError)
