"""Download, at image build time, the data and pretrained weights the chapters load.

Keras caches them under $KERAS_HOME (datasets/, models/), so a student's first
``load_mnist()`` or ``keras.applications.MobileNetV2(weights="imagenet")`` reads the
cache instead of the internet. Run by docker/student.Dockerfile.
"""

import keras

# (application, keyword arguments) as the chapters use them: chapter 5 shows VGG16 as a
# feature extractor, chapter 7 does transfer learning from MobileNetV2 and EfficientNetB0.
PRETRAINED = [
    (keras.applications.VGG16, {"include_top": False}),
    (keras.applications.MobileNetV2, {"include_top": False, "input_shape": (224, 224, 3)}),
    (keras.applications.EfficientNetB0, {"include_top": False}),
]


def main() -> None:
    (x_train, _), (x_test, _) = keras.datasets.mnist.load_data()
    print(f"MNIST: {len(x_train)} train / {len(x_test)} test images cached")
    for application, kwargs in PRETRAINED:
        model = application(weights="imagenet", **kwargs)
        print(f"{application.__name__}: {model.count_params():,} parameters cached")


if __name__ == "__main__":
    main()
