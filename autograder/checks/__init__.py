"""Assertions on Keras models and arrays, shared by public checks and hidden tests.

Every failure raises ``CheckError`` (an AssertionError) whose message says what was expected,
what was found and, where it can, what to change. Modules: architecture and summary (models,
layer by layer), behaviour (outputs, learning), arrays and numeric (values), compile_settings
(loss, metrics, optimizer by what they compute), datasets (one epoch of a pipeline), raises,
unallocated (models built for their shapes only, without drawing their weights).
"""

from .architecture import (
    ASPECTS, MAX_OR_AVERAGE, NONLINEAR, OPTIONAL, LayerSpec, assert_input_shape, assert_layers,
    assert_matches_spec, assert_output_shape, assert_param_count, assert_same_architecture,
    assert_spec_aspect, assert_weight_layers, build_reference, conv, count_weight_layers, dense, dropout,
    first_difference, flatten, pool,
)
from .arrays import assert_array_matches, call_cleanly, first_mismatch
from .behaviour import (
    assert_loss_decreases, assert_output_range, assert_probabilities, predict, sample_inputs, seed,
)
from .compile_settings import (
    assert_compiled_for, assert_loss, assert_metrics, assert_optimizer, learning_rate_of,
)
from .datasets import assert_batch_sizes, assert_element_spec, assert_one_epoch, assert_orders, epoch_batches
from .errors import CheckError, context
from .numeric import assert_close
from .quiet import quiet, quietly
from .raises import assert_accepts, assert_raises
from .summary import LayerSummary, flat_layers, summarize, summary_table
from .unallocated import build_without_weights, unallocated_weights

__all__ = [
    "MAX_OR_AVERAGE", "NONLINEAR", "OPTIONAL", "CheckError", "context", "LayerSpec", "LayerSummary",
    "assert_close", "assert_input_shape", "assert_layers", "assert_loss_decreases",
    "assert_matches_spec", "assert_output_range", "assert_output_shape", "assert_param_count",
    "assert_probabilities", "assert_same_architecture", "assert_weight_layers", "build_reference",
    "conv", "count_weight_layers", "dense", "dropout", "first_difference", "flatten", "pool",
    "predict", "quiet", "quietly", "sample_inputs", "seed", "summarize", "summary_table",
    "assert_array_matches", "call_cleanly", "first_mismatch", "assert_compiled_for", "assert_loss",
    "assert_metrics", "assert_optimizer", "learning_rate_of", "assert_batch_sizes", "assert_element_spec",
    "assert_one_epoch", "assert_orders", "epoch_batches", "assert_accepts", "assert_raises", "flat_layers",
    "build_without_weights", "unallocated_weights",
]
