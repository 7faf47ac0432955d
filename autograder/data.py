"""Course datasets: MNIST, with an offline fallback that keeps MNIST's array contract.

Notebooks call ``load_mnist()``. When the MNIST download is not possible (offline
classroom, CI sandbox), scikit-learn's bundled 8x8 digits are reshaped to look like
MNIST, so the same notebook code runs unchanged, only on a smaller data set.
"""

from __future__ import annotations

import gzip
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ENV_VAR = "KERAS_COURSE_DATA"
SOURCES = ("auto", "mnist", "digits")

# MNIST digits are size-normalised to a 20x20 box centred in a 28x28 image.
_CANVAS = 28
_BOX = 20

_IDX_IMAGES_MAGIC = 2051  # 0x0803: unsigned bytes, 3 dimensions
_IDX_LABELS_MAGIC = 2049  # 0x0801: unsigned bytes, 1 dimension


# eq=False: the generated __eq__/__hash__ would compare numpy arrays and fail.
@dataclass(frozen=True, eq=False)
class Dataset:
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str  # "mnist" or "digits"

    def describe(self) -> str:
        """One line, e.g. 'MNIST: 60000 train / 10000 test images, 28x28 uint8'."""
        name = "MNIST" if self.source == "mnist" else "Digits (scikit-learn, resized)"
        height, width = self.x_train.shape[1:3]
        return (
            f"{name}: {len(self.x_train)} train / {len(self.x_test)} test images, "
            f"{height}x{width} {self.x_train.dtype}"
        )


def load_mnist(source: str = "auto") -> Dataset:
    """Load MNIST as ``keras.datasets.mnist.load_data()`` does, or an offline stand-in.

    source: "auto" tries the real download and falls back to scikit-learn's digits;
    "mnist" requires the real data; "digits" never touches the network. With "auto",
    the environment variable KERAS_COURSE_DATA (auto|mnist|digits) decides instead,
    so CI can skip a download attempt that is bound to fail (or hang).
    """
    origin = f"source={source!r}"
    if source == "auto" and os.environ.get(ENV_VAR):
        source = os.environ[ENV_VAR].strip().lower()
        origin = f"{ENV_VAR}={source}"
    if source not in SOURCES:
        raise ValueError(f"Unknown data source {source!r} ({origin}); use one of {SOURCES}.")

    if source == "digits":
        data = _load_digits()
        print(f"Using scikit-learn's digits resized to 28x28 ({origin}): {_counts(data)}")
        return data

    try:
        data = _load_real_mnist()
    except Exception as exc:  # keras raises a bare Exception for URL failures
        if source == "mnist":
            raise RuntimeError(
                f"Could not load MNIST with keras.datasets.mnist.load_data() "
                f"({_short(exc)}). Use load_mnist('digits') or set {ENV_VAR}=digits "
                f"to work offline."
            ) from exc
        data = _load_digits()
        print(
            f"MNIST could not be downloaded ({_short(exc)}); using scikit-learn's digits "
            f"resized to 28x28 instead: {_counts(data)}"
        )
        return data
    print(f"Loaded MNIST (keras.datasets): {_counts(data)}")
    return data


def _load_real_mnist() -> Dataset:
    # Imported here so the offline path does not pay for importing Keras and its backend.
    import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    return Dataset(x_train, y_train, x_test, y_test, source="mnist")


def _load_digits() -> Dataset:
    from scipy import ndimage
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()  # 1797 images, 8x8, float values 0..16
    images = digits.images * (255.0 / 16.0)
    # Bilinear (order=1) cannot overshoot, so no ringing to clip; 8 * 2.5 = 20.
    images = ndimage.zoom(images, (1, _BOX / 8, _BOX / 8), order=1)
    x = np.zeros((len(images), _CANVAS, _CANVAS), dtype=np.uint8)
    start = (_CANVAS - _BOX) // 2
    x[:, start : start + _BOX, start : start + _BOX] = np.clip(np.rint(images), 0, 255)
    y = digits.target.astype(np.uint8)

    # Fixed seed and stratification: every run and every student sees the same split.
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, stratify=y, random_state=0
    )
    return Dataset(x_train, y_train, x_test, y_test, source="digits")


def _counts(data: Dataset) -> str:
    return f"{len(data.x_train)} train / {len(data.x_test)} test"


def _short(exc: BaseException, limit: int = 120) -> str:
    # Keras re-raises the URLError as a bare Exception with the URL first; the original
    # error ("Name or service not known", "timed out") is what a student can act on.
    for _ in range(10):
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            break
        exc = inner
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def load_idx(images_path, labels_path) -> tuple[np.ndarray, np.ndarray]:
    """Read an original MNIST IDX pair (gzip or plain): uint8 images (N, H, W), labels (N,)."""
    images = _read_idx(images_path, _IDX_IMAGES_MAGIC, ndim=3)
    labels = _read_idx(labels_path, _IDX_LABELS_MAGIC, ndim=1)
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels."
        )
    return images, labels


def _read_idx(path, magic: int, ndim: int) -> np.ndarray:
    path = Path(path)
    raw = path.read_bytes()
    # Detect gzip by its own magic bytes, not the file name.
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path}: corrupt gzip data ({exc}).") from exc

    # Magic first, so a labels file passed as images is named as such, not "too short".
    if len(raw) < 4:
        raise ValueError(f"{path}: empty or too short to be an IDX file ({len(raw)} bytes).")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        kind = "images" if magic == _IDX_IMAGES_MAGIC else "labels"
        raise ValueError(
            f"{path}: bad magic number {found}, expected {magic} for an IDX {kind} file."
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: too short for an IDX header ({len(raw)} bytes).")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise ValueError(
            f"{path}: header says shape {shape} ({expected} bytes) but the file holds "
            f"{len(raw) - header} data bytes."
        )
    # copy(): frombuffer over bytes is read-only; keras.datasets gives writable arrays.
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape).copy()


def prepare_images(x, pad_to: int | None = None) -> np.ndarray:
    """Scale 0..255 pixels to 0..1 float32 and add a channel axis: (N, H, W) -> (N, H, W, 1).

    pad_to=32 zero-pads 28x28 digits to 32x32, the input size of the classic LeNet-5.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(
            f"Expected a batch of greyscale images with shape (N, H, W), got shape {x.shape}."
        )
    if x.size and (x.min() < 0 or x.max() > 255):
        raise ValueError(
            f"Expected raw pixel values in 0..255, got {x.min()}..{x.max()}."
        )
    out = x.astype(np.float32) / np.float32(255)
    if pad_to is not None:
        height, width = x.shape[1:]
        if pad_to < max(height, width):
            raise ValueError(f"pad_to={pad_to} is smaller than the images ({height}x{width}).")
        top, left = (pad_to - height) // 2, (pad_to - width) // 2
        out = np.pad(
            out, ((0, 0), (top, pad_to - height - top), (left, pad_to - width - left))
        )
    return out[..., np.newaxis]
