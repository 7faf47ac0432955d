"""Download, at image build time, the data and pretrained weights the chapters load.

Keras caches them under $KERAS_HOME (datasets/, models/), so a student's first
``load_mnist()`` or ``keras.applications.MobileNetV2(weights="imagenet")`` reads the
cache instead of the internet. Run by docker/student.Dockerfile:

    python fetch_assets.py --required   # a download that fails fails the build (the default)
    python fetch_assets.py --optional   # it is listed in $KERAS_HOME/MISSING and the build goes on

``--optional`` is for machines that reach the package registries but not Google's storage
(docker/build-local.sh); an image built so says what it lacks, and the docker test names it.
"""

import argparse
import os
import sys
from pathlib import Path

import keras

# (application, keyword arguments) as the chapters call them; the weights file depends on them
# (MobileNetV2's on the input size). Chapter 5 shows VGG16 as a feature extractor, chapter 7
# fine-tunes MobileNetV2 on 96x96 images.
PRETRAINED = [
    (keras.applications.VGG16, {"include_top": False}),
    (keras.applications.MobileNetV2, {"include_top": False, "input_shape": (96, 96, 3)}),
]


def mnist() -> str:
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    return f"MNIST: {len(x_train)} train / {len(x_test)} test images cached"


def weights(application, kwargs) -> str:
    model = application(weights="imagenet", **kwargs)
    return f"{application.__name__}: {model.count_params():,} parameters cached"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--required", dest="optional", action="store_false", help="fail on a failed download")
    mode.add_argument("--optional", action="store_true", help="list failed downloads in $KERAS_HOME/MISSING")
    args = parser.parse_args(argv)

    home = Path(os.environ.get("KERAS_HOME", Path.home() / ".keras"))
    for folder in ("datasets", "models"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    assets = [("mnist", mnist, ())] + [(app.__name__, weights, (app, kw)) for app, kw in PRETRAINED]
    missing = []
    for name, fetch, fetch_args in assets:
        try:
            print(fetch(*fetch_args))
        except Exception as error:  # noqa: BLE001 - any failed download is reported the same way
            if not args.optional:
                raise
            missing.append(f"{name}: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
            print(f"NOT CACHED {missing[-1]}", file=sys.stderr)
    (home / "MISSING").unlink(missing_ok=True)
    if missing:
        (home / "MISSING").write_text("\n".join(missing) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
