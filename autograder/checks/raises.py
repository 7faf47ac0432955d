"""``assert_raises``: a student's function rejects a bad argument with the right exception.

An unsupported argument value is a ``ValueError`` in Keras and in this course; the check says
when nothing was raised, when another exception was, and when the message lacks words it must
hold (the supported choices, say)::

    assert_raises(lambda: keras_config("theano"), 'keras_config("theano")', ["removed"],
                  section='"Choosing a backend"')
"""

from __future__ import annotations

from .errors import CheckError

# Each message is written out with and without "; reread {section}": a placeholder side by side with
# another (f"{kind}{_reread(section)}") would let a translation split the text at any character.


def assert_raises(call, what: str, words=(), section: str | None = None, error: type = ValueError) -> str:
    """``call()`` raises ``error`` whose message holds every word in ``words`` (any case); returns it."""
    kind = error.__name__
    try:
        call()
    except error as raised:
        message = str(raised)
    except Exception as raised:  # noqa: BLE001 - a student's function may raise anything
        raise CheckError(f"{what} raised {type(raised).__name__}, expected {kind}: an unsupported argument "
                         f"value is a {kind}; reread {section}" if section else
                         f"{what} raised {type(raised).__name__}, expected {kind}: an unsupported argument "
                         f"value is a {kind}") from None
    else:
        raise CheckError(f"{what} should raise {kind}; reread {section}" if section else
                         f"{what} should raise {kind}")
    for word in words:
        if word.lower() not in message.lower():
            raise CheckError(f"{what} raised {kind}({message!r}); its message should mention {word!r}; "
                             f"reread {section}" if section else
                             f"{what} raised {kind}({message!r}); its message should mention {word!r}")
    return message


def assert_accepts(call, what: str, section: str | None = None) -> None:
    """``call()`` works. A test that demands an error for bad arguments makes a valid call first,
    so that an answer which fails on every call does not pass it by raising the same error."""
    try:
        call()
    except Exception as raised:  # noqa: BLE001 - a student's function may raise anything
        raise CheckError(f"{what} raised {type(raised).__name__} ({str(raised)[:120]}), but it is a valid call: "
                         f"the error for a bad argument must come from checking that argument; reread {section}"
                         if section else
                         f"{what} raised {type(raised).__name__} ({str(raised)[:120]}), but it is a valid call: "
                         f"the error for a bad argument must come from checking that argument") from None
