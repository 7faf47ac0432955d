"""Download, at image build time, the data and pretrained weights the chapters load.

Keras caches them under $KERAS_HOME (datasets/, models/), so a student's first
``load_mnist()`` or ``keras.applications.MobileNetV2(weights="imagenet")`` reads the
cache instead of the internet. Run by docker/student.Dockerfile.
"""

import keras

# (application, keyword arguments) as the chapters call them; the weights file depends on them
# (MobileNetV2's on the input size). Chapter 5 shows VGG16 as a feature extractor, chapter 7
# fine-tunes MobileNetV2 on 96x96 images.
PRETRAINED = [
    (keras.applications.VGG16, {"include_top": False}),
    (keras.applications.MobileNetV2, {"include_top": False, "input_shape": (96, 96, 3)}),
]


def main() -> None:
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    print(f"MNIST: {len(x_train)} train / {len(x_test)} test images cached")
    for application, kwargs in PRETRAINED:
        model = application(weights="imagenet", **kwargs)
        print(f"{application.__name__}: {model.count_params():,} parameters cached")


if __name__ == "__main__":
    main()
