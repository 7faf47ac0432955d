"""autograder.checks.compile_settings: loss, metrics and optimizer read by what they compute."""

import keras
import pytest

from autograder.checks.compile_settings import (
    assert_compiled_for, assert_loss, assert_metrics, assert_optimizer, identify_loss, identify_metrics,
    identify_optimizer, learning_rate_of,
)
from autograder.checks.errors import CheckError


def model(units, activation):
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(units, activation=activation)(inputs))


def compiled(units, activation, **settings):
    m = model(units, activation)
    m.compile(**settings)
    return m


SPARSE_SPELLINGS = [
    dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]),
    dict(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(),
         metrics=[keras.metrics.SparseCategoricalAccuracy()]),
    dict(optimizer="Adam", loss=keras.losses.sparse_categorical_crossentropy, metrics=["acc", "mae"]),
    dict(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="crossentropy",
         metrics=["sparse_categorical_accuracy"]),
    dict(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=("accuracy",)),
]


@pytest.mark.parametrize("settings", SPARSE_SPELLINGS)
def test_sparse_classifier_any_spelling(settings):
    m = compiled(10, "softmax", **settings)
    assert_compiled_for(m, "adam", "sparse_categorical_crossentropy", ["sparse_categorical_accuracy"],
                        learning_rate=1e-3)


def test_identify_names_what_is_computed():
    m = compiled(10, "softmax", optimizer="sgd", loss="categorical_crossentropy",
                 metrics=["accuracy", "top_k_categorical_accuracy"])
    assert identify_loss(m) == "categorical_crossentropy"
    assert identify_metrics(m, labels="one_hot") == ["categorical_accuracy", "top_k_categorical_accuracy"]
    assert identify_optimizer(m) == "sgd"
    assert identify_optimizer(m.optimizer) == "sgd"


def test_adamw_is_not_adam():
    m = compiled(3, "softmax", optimizer=keras.optimizers.AdamW(), loss="sparse_categorical_crossentropy")
    with pytest.raises(CheckError, match="adamw; expected adam"):
        assert_optimizer(m, "adam")


def test_learning_rate_float32_tolerance():
    m = compiled(3, "softmax", optimizer=keras.optimizers.Adam(learning_rate=0.003), loss="mse")
    assert learning_rate_of(m) != 0.003  # float32 storage
    assert_optimizer(m, "adam", learning_rate=0.003)
    with pytest.raises(CheckError, match="learning rate is 0.003; expected 0.001"):
        assert_optimizer(m, "adam", learning_rate=0.001)


def test_wrong_loss_named():
    m = compiled(10, "softmax", optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(CheckError, match="computes like categorical_crossentropy; expected sparse_categorical"):
        assert_loss(m, "sparse_categorical_crossentropy", section="Losses")
    with pytest.raises(CheckError, match=r"reread Losses"):
        assert_loss(m, "sparse_categorical_crossentropy", section="Losses")


def test_from_logits_on_probabilities_is_named():
    m = compiled(10, "softmax", optimizer="adam",
                 loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.raises(CheckError, match="from_logits=True"):
        assert_loss(m, "sparse_categorical_crossentropy")


def test_multilabel_accuracy_string_is_categorical():
    m = compiled(5, "sigmoid", optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    with pytest.raises(CheckError, match="binary_accuracy"):
        assert_metrics(m, ["binary_accuracy"])
    m = compiled(5, "sigmoid", optimizer="adam", loss="binary_crossentropy",
                 metrics=[keras.metrics.BinaryAccuracy()])
    assert_metrics(m, ["binary_accuracy"])


def test_binary_single_output_accuracy_string():
    m = compiled(1, "sigmoid", optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    assert_compiled_for(m, "adam", "binary_crossentropy", ["binary_accuracy"])


def test_regression():
    m = compiled(1, None, optimizer="adam", loss=keras.losses.MeanSquaredError(),
                 metrics=[keras.metrics.MeanAbsoluteError()])
    assert_compiled_for(m, "adam", "mse", ["mae"])
    with pytest.raises(CheckError, match="should track mean_absolute_error"):
        assert_metrics(compiled(1, None, optimizer="adam", loss="mse", metrics=["mse"]), "mae")


def test_exact_metrics():
    m = compiled(3, "softmax", optimizer="adam", loss="sparse_categorical_crossentropy",
                 metrics=["accuracy", "mae"])
    assert_metrics(m, ["sparse_categorical_accuracy"])
    with pytest.raises(CheckError, match="also tracks 'mae'"):
        assert_metrics(m, ["sparse_categorical_accuracy"], exact=True)


def test_student_metric_state_untouched():
    metric = keras.metrics.SparseCategoricalAccuracy()
    metric.update_state([0, 1], [[0.9, 0.1], [0.2, 0.8]])
    m = compiled(3, "softmax", optimizer="adam", loss="sparse_categorical_crossentropy", metrics=[metric])
    assert_metrics(m, "sparse_categorical_accuracy")
    assert float(metric.result()) == 1.0


def test_uncompiled_model():
    with pytest.raises(CheckError, match="not compiled"):
        assert_compiled_for(model(3, "softmax"), loss="mse")


def test_unknown_expected_name_is_a_programming_error():
    m = compiled(3, "softmax", optimizer="adam", loss="mse", metrics=["accuracy"])
    with pytest.raises(ValueError, match="known"):
        assert_metrics(m, "accuracy")
