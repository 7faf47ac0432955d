"""The judge's checks hold when the student's code runs in another process: the judge's own
NumPy error state and warning filters never reach the kernel, so checks that need them there
run as named probes (autograder/probe_library.py)."""

import warnings

import numpy as np
import pytest

from autograder.checks import CheckError, call_cleanly
from autograder.remote import LocalBridge


class LaxKernelBridge(LocalBridge):
    """A local bridge whose "kernel" has its own, lax settings, as a separate process would."""

    def send(self, request_text: str) -> str:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return super().send(request_text)


def students(source: str) -> LaxKernelBridge:
    namespace: dict = {}
    exec("import numpy as np\n" + source, namespace)
    return LaxKernelBridge(namespace)


def test_an_overflow_in_the_students_process_fails_the_check():
    sigmoid = students("def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n").lookup("sigmoid")
    with pytest.raises(CheckError, match="overflow encountered in exp"):
        call_cleanly(sigmoid, np.array([-1000.0, 0.0, 1000.0]), what="sigmoid(x)")


def test_a_warning_in_the_students_process_fails_the_check():
    noisy = students("import warnings\ndef f(x):\n    warnings.warn('careful', RuntimeWarning)\n    return x\n")
    with pytest.raises(CheckError, match="emits a RuntimeWarning: careful"):
        call_cleanly(noisy.lookup("f"), np.ones(3), what="f(x)")


def test_a_clean_answer_passes_and_an_in_place_change_comes_back():
    bridge = students("def stable(x):\n    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), 0.5)\n"
                      "def clip(x):\n    x[x < 0] = 0\n    return x\n")
    assert call_cleanly(bridge.lookup("stable"), np.array([-1000.0, 1000.0])).shape == (2,)
    x = np.array([-1.0, 2.0])
    call_cleanly(bridge.lookup("clip"), x)
    assert x.tolist() == [0.0, 2.0]  # the judge sees what the student's function did to its input


def test_a_function_check_remembers_still_leads_to_its_kernel():
    """check() wraps the student's functions to remember results; a test that must act in the
    student's kernel (write an image folder there, say) finds the kernel through the wrapper."""
    from autograder.remote import bridge_of
    from autograder.student import _Remembered

    bridge = students("def f(x):\n    return x\n")
    assert bridge_of(_Remembered(bridge.lookup("f"))) is bridge
    assert bridge_of(len) is None
