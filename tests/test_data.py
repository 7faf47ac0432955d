"""Tests for autograder.data: the MNIST loader, its offline fallback, IDX reading, preprocessing.

No test touches the network: the Keras download is monkeypatched wherever it would run.
"""

import gzip
from pathlib import Path

import numpy as np
import pytest

from autograder.data import ENV_VAR, Dataset, load_idx, load_mnist, prepare_images

MNIST_TEST_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist-test"
MNIST_TEST_LABEL_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    # A CI setting of KERAS_COURSE_DATA must not change what these tests exercise.
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return load_mnist("digits")


def _keras_mnist_module(monkeypatch, load_data):
    keras = pytest.importorskip("keras")
    monkeypatch.setattr(keras.datasets.mnist, "load_data", load_data)


def _offline(*args, **kwargs):
    raise OSError("simulated: no network")


# --- the digits fallback keeps MNIST's contract -------------------------------------------


def test_fallback_matches_mnist_contract(digits):
    assert digits.source == "digits"
    assert digits.x_train.shape == (1437, 28, 28)
    assert digits.y_train.shape == (1437,)
    assert digits.x_test.shape == (360, 28, 28)
    assert digits.y_test.shape == (360,)
    for array in (digits.x_train, digits.y_train, digits.x_test, digits.y_test):
        assert array.dtype == np.uint8
    for x in (digits.x_train, digits.x_test):
        assert x.min() == 0 and x.max() == 255
        # Digits sit in the centred 20x20 box, as in MNIST: a 4-pixel black border.
        assert not x[:, :4].any() and not x[:, -4:].any()
        assert not x[:, :, :4].any() and not x[:, :, -4:].any()
        # Every image has some ink, with grey anti-aliased edges like MNIST...
        assert x.reshape(len(x), -1).max(axis=1).min() > 0
        # ...and mostly grey rather than saturated (MNIST: about 4 % of ink pixels are 255).
        assert ((x > 0) & (x < 255)).any()
        assert (x == 255).sum() < 0.1 * (x > 0).sum()
    assert set(np.unique(digits.y_train)) == set(range(10))
    assert set(np.unique(digits.y_test)) == set(range(10))


def test_fallback_split_is_deterministic_and_stratified(digits):
    again = load_mnist("digits")
    for name in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(again, name), getattr(digits, name))
    train_counts = np.bincount(digits.y_train, minlength=10)
    test_counts = np.bincount(digits.y_test, minlength=10)
    # Stratified 80/20: each class's share of the test set is within one image of 20 %.
    assert np.all(np.abs(test_counts - 0.2 * (train_counts + test_counts)) <= 1)


def test_forced_digits_never_calls_keras(monkeypatch, capsys):
    _keras_mnist_module(monkeypatch, lambda: pytest.fail("download attempted"))
    result = load_mnist("digits")
    assert result.source == "digits"
    out = capsys.readouterr().out
    assert "scikit-learn's digits" in out and "1437 train / 360 test" in out


def test_describe(digits):
    assert digits.describe() == (
        "Digits (scikit-learn, resized): 1437 train / 360 test images, 28x28 uint8"
    )
    fake = Dataset(
        np.zeros((6, 28, 28), np.uint8), np.zeros(6, np.uint8),
        np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8), source="mnist",
    )
    assert fake.describe() == "MNIST: 6 train / 2 test images, 28x28 uint8"


# --- choosing the source -------------------------------------------------------------------


def test_auto_falls_back_when_offline(monkeypatch, capsys):
    _keras_mnist_module(monkeypatch, _offline)
    result = load_mnist("auto")
    assert result.source == "digits"
    assert result.x_train.shape == (1437, 28, 28)
    out = capsys.readouterr().out
    assert "MNIST could not be downloaded" in out
    assert "OSError: simulated: no network" in out
    assert "1437 train / 360 test" in out


def test_auto_uses_keras_when_download_works(monkeypatch, capsys):
    fake = (
        (np.full((5, 28, 28), 7, np.uint8), np.arange(5, dtype=np.uint8)),
        (np.zeros((3, 28, 28), np.uint8), np.arange(3, dtype=np.uint8)),
    )
    _keras_mnist_module(monkeypatch, lambda: fake)
    result = load_mnist()
    assert result.source == "mnist"
    assert result.x_train is fake[0][0] and result.y_test is fake[1][1]
    assert "Loaded MNIST (keras.datasets): 5 train / 3 test" in capsys.readouterr().out


def test_fallback_message_names_the_root_cause(monkeypatch, capsys):
    # The shape of keras' get_file failure: a bare Exception raised while handling the URLError.
    def keras_style_failure():
        try:
            raise OSError("[Errno -2] Name or service not known")
        except OSError as exc:
            raise Exception("URL fetch failure on https://example.invalid/mnist.npz") from exc

    _keras_mnist_module(monkeypatch, keras_style_failure)
    load_mnist()
    assert "(OSError: [Errno -2] Name or service not known)" in capsys.readouterr().out


def test_forced_mnist_reports_the_failure(monkeypatch):
    _keras_mnist_module(monkeypatch, _offline)
    with pytest.raises(RuntimeError, match="no network.*digits") as info:
        load_mnist("mnist")
    assert isinstance(info.value.__cause__, OSError)


def test_env_var_selects_digits_without_download(monkeypatch, capsys):
    _keras_mnist_module(monkeypatch, lambda: pytest.fail("download attempted"))
    monkeypatch.setenv(ENV_VAR, "digits")
    assert load_mnist().source == "digits"
    assert f"{ENV_VAR}=digits" in capsys.readouterr().out


def test_explicit_source_wins_over_env_var(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "mnist")
    assert load_mnist("digits").source == "digits"


@pytest.mark.parametrize("source", ["cifar", "MNIST "])
def test_unknown_source_is_rejected(source):
    with pytest.raises(ValueError, match="Unknown data source"):
        load_mnist(source)


def test_unknown_env_var_value_is_rejected(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "fashion")
    with pytest.raises(ValueError, match=ENV_VAR):
        load_mnist()


# --- IDX files -----------------------------------------------------------------------------


def _idx_bytes(magic: int, array: np.ndarray) -> bytes:
    dims = np.array(array.shape, dtype=">u4").tobytes()
    return magic.to_bytes(4, "big") + dims + array.astype(np.uint8).tobytes()


def test_load_idx_reads_real_mnist_test_split():
    if not MNIST_TEST_DIR.is_dir():
        pytest.skip(f"MNIST test split not available at {MNIST_TEST_DIR}")
    x, y = load_idx(
        MNIST_TEST_DIR / "t10k-images-idx3-ubyte.gz",
        MNIST_TEST_DIR / "t10k-labels-idx1-ubyte.gz",
    )
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert y.shape == (10000,) and y.dtype == np.uint8
    assert x.min() == 0 and x.max() == 255
    assert np.bincount(y).tolist() == MNIST_TEST_LABEL_COUNTS
    assert y[:5].tolist() == [7, 2, 1, 0, 4]
    x[0, 0, 0] = 1  # writable, like keras.datasets' arrays


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
def test_load_idx_round_trip(tmp_path, compress):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(4, 5, 6), dtype=np.uint8)
    labels = np.array([3, 1, 4, 1], dtype=np.uint8)
    write = gzip.compress if compress else bytes
    (tmp_path / "images").write_bytes(write(_idx_bytes(2051, images)))
    (tmp_path / "labels").write_bytes(write(_idx_bytes(2049, labels)))
    x, y = load_idx(tmp_path / "images", tmp_path / "labels")
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_load_idx_rejects_bad_magic(tmp_path):
    labels = _idx_bytes(2049, np.zeros(2))
    (tmp_path / "labels").write_bytes(labels)
    bad = bytearray(_idx_bytes(2051, np.zeros((2, 3, 3))))
    bad[:4] = (1234).to_bytes(4, "big")
    (tmp_path / "images").write_bytes(gzip.compress(bytes(bad)))
    with pytest.raises(ValueError, match="bad magic number 1234, expected 2051"):
        load_idx(tmp_path / "images", tmp_path / "labels")
    # Swapped arguments are caught by the same check.
    with pytest.raises(ValueError, match="expected 2051"):
        load_idx(tmp_path / "labels", tmp_path / "images")


_GOOD_IMAGES = _idx_bytes(2051, np.zeros((2, 3, 3)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty or too short to be an IDX file"),
        (_GOOD_IMAGES[:10], "too short for an IDX header"),
        (_GOOD_IMAGES[:-1], r"shape \(2, 3, 3\) \(18 bytes\) but the file holds 17"),
        (_GOOD_IMAGES + b"\0", "but the file holds 19"),
        (gzip.compress(_GOOD_IMAGES)[:-6], "corrupt gzip data"),
    ],
    ids=["empty", "header-only", "truncated", "trailing", "broken-gzip"],
)
def test_load_idx_rejects_corrupt_images(tmp_path, content, message):
    (tmp_path / "images").write_bytes(content)
    (tmp_path / "labels").write_bytes(_idx_bytes(2049, np.zeros(2)))
    with pytest.raises(ValueError, match=message):
        load_idx(tmp_path / "images", tmp_path / "labels")


def test_load_idx_rejects_count_mismatch(tmp_path):
    (tmp_path / "images").write_bytes(_idx_bytes(2051, np.zeros((2, 3, 3))))
    (tmp_path / "labels").write_bytes(_idx_bytes(2049, np.zeros(3)))
    with pytest.raises(ValueError, match="2 images but .* 3 labels"):
        load_idx(tmp_path / "images", tmp_path / "labels")


# --- prepare_images ------------------------------------------------------------------------


def test_prepare_images_scales_and_adds_channel():
    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    out = prepare_images(x)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, :, 0], [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)


def test_prepare_images_pads_for_lenet(digits):
    plain = prepare_images(digits.x_test)
    padded = prepare_images(digits.x_test, pad_to=32)
    assert padded.shape == (360, 32, 32, 1) and padded.dtype == np.float32
    assert padded.min() == 0.0 and padded.max() == 1.0
    np.testing.assert_array_equal(padded[:, 2:30, 2:30], plain)
    assert padded.sum() == pytest.approx(plain.sum())  # the border is zeros


@pytest.mark.parametrize("shape", [(28, 28), (2, 28, 28, 1), (2,)])
def test_prepare_images_rejects_wrong_rank(shape):
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        prepare_images(np.zeros(shape, np.uint8))


def test_prepare_images_rejects_bad_values_and_padding():
    with pytest.raises(ValueError, match="0..255"):
        prepare_images(np.full((1, 2, 2), 300))
    with pytest.raises(ValueError, match="pad_to"):
        prepare_images(np.zeros((1, 28, 28), np.uint8), pad_to=20)

