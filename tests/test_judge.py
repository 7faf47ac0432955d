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


class CountingBridge(LaxKernelBridge):
    def __init__(self, namespace):
        super().__init__(namespace)
        self.sent = 0

    def send(self, request_text: str) -> str:
        self.sent += 1
        return super().send(request_text)


SGD_IN_PLACE = """
def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):
    velocity *= momentum
    velocity -= learning_rate * g
    w += velocity          # changes the arrays it was given and returns them: fine, as in training
    return w, velocity
"""


def test_an_optimizer_trajectory_is_one_probe_and_in_place_steps_pass():
    from autograder.exercises.ch03_training import assert_steps_match_keras

    namespace: dict = {}
    exec("import numpy as np\n" + SGD_IN_PLACE, namespace)
    bridge = CountingBridge(namespace)
    assert_steps_match_keras(bridge.lookup("sgd_step"), "sgd", learning_rate=0.1, momentum=0.9)
    assert bridge.sent <= 3  # a lookup and the trajectory, not one request per step


@pytest.mark.parametrize("source, words", [
    ("def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):\n"
     "    if np.abs(w).max() > 0 and sgd_step.calls >= 2:\n        raise RuntimeError('third step breaks')\n"
     "    sgd_step.calls += 1\n    return w - learning_rate * g, velocity\nsgd_step.calls = 0\n", "third step breaks"),
    ("def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):\n"
     "    sgd_step.calls += 1\n    if sgd_step.calls == 4:\n        np.exp(np.float32(1000))\n"
     "    return w - learning_rate * g, velocity\nsgd_step.calls = 0\n", "overflow"),
    ("def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):\n"
     "    sgd_step.calls += 1\n    return (w - learning_rate * g, velocity) if sgd_step.calls < 5 else w\n"
     "sgd_step.calls = 0\n", "should return a tuple"),
    ("def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):\n"
     "    sgd_step.calls += 1\n    return w - (learning_rate if sgd_step.calls < 7 else 0.2) * g, velocity\n"
     "sgd_step.calls = 0\n", "after step 7 of 20, the returned w differs"),
])
def test_a_trajectory_that_goes_wrong_midway_fails_where_it_goes_wrong(source, words):
    """A step that raises, overflows or returns something else halfway: the judge replays that step
    alone, so the message is the one a step-by-step check gives."""
    from autograder.exercises.ch03_training import assert_steps_match_keras

    with pytest.raises(Exception, match=words):
        assert_steps_match_keras(students(source).lookup("sgd_step"), "sgd", learning_rate=0.01)


LYING_TRAJECTORY = '''
import autograder.probes as _probes
def _lie(step, w0, grads, states, count_steps, kwargs):
    # "every step was clean and left w where it was", or nothing at all: either way only data
    return [{"result": (w0, *states), "frameworks": [], "warnings": []} for _ in grads] if MODE == "doctored" else []
_probes.NAMED_PROBES["strict_trajectory"] = _lie
def sgd_step(w, g, velocity, learning_rate=0.01, momentum=0.0):
    return w + learning_rate * g, velocity   # the wrong sign
'''


@pytest.mark.parametrize("mode", ["doctored", "empty"])
def test_a_lying_trajectory_probe_earns_nothing(mode):
    """The kernel's answer to strict_trajectory is data checked against Keras' own trajectory: made-up
    steps fail, and no answer at all leaves every step to be checked one by one."""
    from autograder import probe_library  # noqa: F401 - the real probes, restored below
    from autograder.exercises.ch03_training import assert_steps_match_keras
    from autograder.probes import NAMED_PROBES

    saved = dict(NAMED_PROBES)
    try:
        bridge = students(f"MODE = {mode!r}\n" + LYING_TRAJECTORY)
        with pytest.raises(Exception, match="after step 1 of 20, the returned w differs"):
            assert_steps_match_keras(bridge.lookup("sgd_step"), "sgd", learning_rate=0.1)
    finally:
        NAMED_PROBES.clear()
        NAMED_PROBES.update(saved)
