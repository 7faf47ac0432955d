"""Chapter 2's public and hidden tests, run in-process against the solution, against correct
answers written differently, and against wrong answers whose failure messages must teach
(the standard tests of tests/chapter_cells.py), and what is particular to this chapter."""

from ch02_variants import WRITTEN_DIFFERENTLY, WRONG
from chapter_cells import Chapter, standard_tests
from conftest import SOURCE

CHAPTER = Chapter(SOURCE / "ch02_layers" / "ch02_layers.ipynb", {
    "output_shapes": ["conv2d_output_shape", "pool2d_output_shape"],
    "param_counts": ["dense_params", "conv2d_params", "rnn_params"],
    "squashing_activations": ["sigmoid", "hard_sigmoid", "tanh", "softsign"],
    "rectifier_activations": ["relu", "linear", "softplus", "elu", "selu"],
    "softmax": ["softmax"],
    "residual_dense_block": ["residual_dense_block"],
    "two_branch_model": ["build_two_branch_model"],
    "sequence_classifier": ["build_sequence_classifier"],
})
globals().update(standard_tests(CHAPTER, WRITTEN_DIFFERENTLY, WRONG))


def test_one_wrong_activation_costs_a_small_share():
    """A hard_sigmoid in Keras 2's formula loses its own tests, not the other activations' points."""
    slip = {"hard_sigmoid": "def hard_sigmoid(x):\n    return np.clip(0.2 * x + 0.5, 0, 1)\n"}
    _, results = CHAPTER.run("squashing_activations", slip)
    earned = sum(r.score for r in results.values())
    possible = sum(r.points for r in results.values())
    assert possible * 0.6 <= earned < possible
