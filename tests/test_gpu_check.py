"""keras-course gpu-check: on CI (no GPU) it must say so, and still train and check on the CPU."""

import pytest

from autograder import gpu_check as gc
from autograder.cli import build_parser


def test_cli_registers_gpu_check():
    args = build_parser().parse_args(["gpu-check", "--epochs", "1", "--require-gpu"])
    assert args.epochs == 1 and args.require_gpu and args.run.__name__ == "_gpu_check"


def test_require_gpu_fails_plainly_without_one(monkeypatch):
    monkeypatch.setattr(gc, "visible_gpus", lambda: [])
    lines = []
    assert gc.gpu_check(require_gpu=True, out=lines.append) == 2
    assert "GPUs visible to Keras: none" in lines and lines[-1].startswith("error: no GPU")


def test_steady_epoch_leaves_out_the_first():
    assert gc.Run("cpu:0", [9.0, 2.0, 4.0], 0.9, None, None).steady_epoch == 3.0
    assert gc.Run("cpu:0", [5.0], 0.9, None, None).steady_epoch == 5.0


@pytest.mark.slow
def test_trains_on_each_device_and_runs_the_course_checks(monkeypatch):
    # No GPU on CI: pretend there is one. TensorFlow places "gpu:0" work on the CPU then, so the
    # two-device path (table rows, speed-up, checks of the GPU-trained model) runs all the same.
    monkeypatch.setattr(gc, "visible_gpus", lambda: ["Fake GPU"])
    lines = []
    status = gc.gpu_check(epochs=2, batch_size=256, out=lines.append)
    report = "\n".join(lines)
    assert "GPUs visible to Keras: Fake GPU" in report
    assert "| gpu:0 |" in report and "| cpu:0 |" in report and "GPU speed-up per epoch" in report
    assert "PASS lenet5: all 3 public checks passed" in report
    assert "train_lenet" in report
    assert status == (0 if "FAIL" not in report else 1)
