"""Chapter 2's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach
(the standard tests of tests/chapter_cells.py), and what is particular to this chapter."""

import pytest

from ch02_variants import LINEAR_WITHOUT_GET_CONFIG, WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, assert_full_marks, standard_tests
from conftest import SOURCE
from test_source_rules import LYING_STRICT_CALL, restored_probes  # noqa: F401 - a fixture

CHAPTER = Chapter(SOURCE / "ch02_layers" / "ch02_layers.ipynb", {
    "output_shapes": ["conv2d_output_shape", "pool2d_output_shape"],
    "param_counts": ["dense_params", "conv2d_params", "rnn_params"],
    "squashing_activations": ["sigmoid", "hard_sigmoid", "tanh", "softsign"],
    "rectifier_activations": ["relu", "linear", "softplus", "elu", "selu"],
    "softmax": ["softmax"],
    "residual_dense_block": ["residual_dense_block"],
    "two_branch_model": ["build_two_branch_model"],
    "sequence_classifier": ["build_sequence_classifier"],
    "custom_layer": ["custom_layer"],
})
globals().update(standard_tests(CHAPTER, WRITTEN_DIFFERENTLY, WRONG))


def test_one_wrong_activation_costs_a_small_share():
    """A hard_sigmoid in Keras 2's formula loses its own tests, not the other activations' points."""
    slip = {"hard_sigmoid": "def hard_sigmoid(x):\n    return np.clip(0.2 * x + 0.5, 0, 1)\n"}
    _, results = CHAPTER.run("squashing_activations", slip)
    earned = sum(r.score for r in results.values())
    possible = sum(r.points for r in results.values())
    assert possible * 0.6 <= earned < possible


NAIVE_SIGMOID = "def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n"  # right values; exp(1000) overflows on the way
WARNING_SHARE = 3 * 0.5 / 10  # squashing_activations_hidden: 3 points, weights 4 x (1 + 1 + 0.5)


def test_an_overflow_warning_alone_costs_only_its_test():
    """A naive sigmoid gives the right values on +-1000 with NumPy's overflow warning: it loses the
    hidden test of warnings (a small share), not the test of values."""
    _, results = CHAPTER.run("squashing_activations", {"sigmoid": NAIVE_SIGMOID}, ("hidden",))
    hidden = results["hidden"]
    assert hidden.points - hidden.score == pytest.approx(WARNING_SHARE), hidden.text()
    assert "overflow" in hidden.text()


def test_a_forged_warning_report_earns_at_most_the_warning_share(restored_probes):
    """The warnings are reported by the student's own process, which can lie (see test_source_rules):
    what a lie can earn is that one small test, never the values."""
    forged = LYING_STRICT_CALL + "\n" + NAIVE_SIGMOID
    _, honest = CHAPTER.run("squashing_activations", {"sigmoid": NAIVE_SIGMOID}, ("hidden",))
    _, lying = CHAPTER.run("squashing_activations", {"sigmoid": forged}, ("hidden",))
    assert lying["hidden"].score - honest["hidden"].score <= WARNING_SHARE + 1e-9


def test_a_layer_without_get_config_earns_full_marks():
    """Keras 3 writes get_config itself for a layer whose __init__ takes plain values: the tests judge
    what from_config(get_config()) makes, so a Linear that leaves it to Keras loses nothing."""
    assert_full_marks(CHAPTER.run("custom_layer", {"custom_layer": LINEAR_WITHOUT_GET_CONFIG})[1])


# A kernel that says every model loads: the trial's last stages answered by the layer itself, never saved.
LYING_LAYER_TRIAL = """
import autograder.probes as _probes
import autograder.probe_library as _library
_real = _library.custom_layer_trial
def _lie(layer_class, kwargs, x, values, save=True):
    report = _real(layer_class, kwargs, x, values, save=False)
    if "clone_output" in report:
        report["loaded_output"] = report["clone_output"]
    return report
_probes.NAMED_PROBES["custom_layer_trial"] = _lie
"""
SAVE_SHARE = 3 * 0.5 / 5.5 + 1 / 3  # custom_layer_hidden: 3 points, weights 5 x 1 + 0.5; public: 1 of 3 tests


def test_a_forged_save_earns_at_most_the_saving_share(restored_probes):
    """Only the student's process can say that a model holding the layer loads back: an unregistered
    class whose kernel claims it does earns the saving tests' small share and nothing more."""
    unregistered = next(source for cell, source, _, words in WRONG if words == "register_keras_serializable")
    _, honest = CHAPTER.run("custom_layer", {"custom_layer": unregistered})
    _, lying = CHAPTER.run("custom_layer", {"custom_layer": LYING_LAYER_TRIAL + unregistered})
    gain = sum(r.score for r in lying.values()) - sum(r.score for r in honest.values())
    assert 0 < gain <= SAVE_SHARE + 0.02, {k: r.text() for k, r in lying.items()}
