"""A class of chapter 5 submissions for ``keras-course similarity``: honest ones and planted copies.

Four students answer every exercise of ch05_cnn on their own, each in a style of their own (``.add``
calls, the functional API with helpers, configuration tables with loops, explicit layers with
NumPy). The planted copies are made from them the way students hide copying:

- ``renamed``: every function-local name renamed (and the cell's own helper functions);
- ``reordered``: functions within a cell and solution cells within the notebook in another order;
- ``recommented``: every comment removed, others added, blank lines changed;
- ``with_one_function``: an otherwise independent notebook with one function of another student.

None of this code has to run: the detector only reads it. It is plausible Python and parses
(``tests/test_similarity.py`` checks that).
"""

from __future__ import annotations

import ast
import io
import json
import random
import tokenize
from pathlib import Path

import nbformat

CHAPTER = "ch05_cnn"

# --- four independent solutions, by grade id ---------------------------------------------------
# Each keeps the release's scaffolding (the def line and docstring, the constants of build_vgg, the
# print of train_lenet) as students do: the detector must drop those lines itself.

ADD_CALLS = {
    "build_lenet5": '''def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    """LeNet-5: two 5x5 convolutions with subsampling, then three dense layers."""
    model = keras.Sequential(name="lenet5")
    model.add(keras.Input(shape=input_shape))
    model.add(layers.Conv2D(6, kernel_size=5, activation="tanh"))
    model.add(layers.AveragePooling2D(pool_size=2))
    model.add(layers.Conv2D(16, kernel_size=5, activation="tanh"))
    model.add(layers.AveragePooling2D(pool_size=2))
    model.add(layers.Flatten())
    model.add(layers.Dense(120, activation="tanh"))
    model.add(layers.Dense(84, activation="tanh"))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
''',
    "train_lenet": '''def pad_images(images):
    # 28x28 digits to LeNet's 32x32, one channel, values in [0, 1]
    scaled = images.astype("float32") / 255.0
    padded = np.pad(scaled, [(0, 0), (2, 2), (2, 2)], mode="constant")
    return np.expand_dims(padded, axis=-1)


x_train = pad_images(data.x_train)
x_test = pad_images(data.x_test)
keras.utils.set_random_seed(42)
lenet = build_lenet5()
lenet.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"], jit_compile=False)
history = lenet.fit(x_train, data.y_train, epochs=4, batch_size=64, validation_split=0.1, verbose=0)
scores = lenet.evaluate(x_test, data.y_test, verbose=0)
test_accuracy = scores[1]
print(f"test accuracy: {test_accuracy:.3f}")
''',
    "plot_history": '''def plot_history(history):
    """Loss and accuracy per epoch, training and validation, side by side."""
    fig, axes = plt.subplots(nrows=1, ncols=2, figsize=(11, 4))
    names = ["loss", "accuracy"]
    for i in range(2):
        name = names[i]
        axes[i].plot(history.history[name], label="training")
        axes[i].plot(history.history["val_" + name], label="validation")
        axes[i].set_title(name)
        axes[i].set_xlabel("epoch")
        axes[i].set_ylabel(name)
        axes[i].legend()
    fig.tight_layout()
    return fig
''',
    "build_alexnet": '''def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    """AlexNet as one tower, without local response normalization."""
    model = keras.Sequential(name="alexnet")
    model.add(keras.Input(shape=input_shape))
    model.add(layers.Conv2D(96, kernel_size=11, strides=4, activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=3, strides=2))
    model.add(layers.Conv2D(256, kernel_size=5, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=3, strides=2))
    model.add(layers.Conv2D(384, kernel_size=3, padding="same", activation="relu"))
    model.add(layers.Conv2D(384, kernel_size=3, padding="same", activation="relu"))
    model.add(layers.Conv2D(256, kernel_size=3, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=3, strides=2))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
''',
    "vgg_block": '''def vgg_block(x, filters, num_convs):
    """num_convs same-padded 3x3 ReLU convolutions, then a 2x2 max-pool with stride 2."""
    count = 0
    while count < num_convs:
        x = layers.Conv2D(filters, kernel_size=3, padding="same", activation="relu")(x)
        count += 1
    x = layers.MaxPooling2D(pool_size=2, strides=2)(x)
    return x
''',
    "build_vgg": '''VGG_CONVS_PER_BLOCK = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2),
                       16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_WIDTHS = (64, 128, 256, 512, 512)


def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    """VGG-A/B/D/E (11/13/16/19 weight layers): five VGG blocks, then three dense layers."""
    if depth not in VGG_CONVS_PER_BLOCK.keys():
        raise ValueError("unknown VGG depth: " + str(depth))
    inputs = keras.Input(shape=input_shape)
    x = inputs
    block_sizes = VGG_CONVS_PER_BLOCK[depth]
    for index in range(len(VGG_WIDTHS)):
        x = vgg_block(x, VGG_WIDTHS[index], block_sizes[index])
    x = layers.Flatten()(x)
    for _ in range(2):
        x = layers.Dense(4096, activation="relu")(x)
        x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs, name="vgg" + str(depth))
    return model
''',
    "save_model_files": '''import os


def save_model_files(model, folder):
    """model -> <folder>/<name>.keras (everything) and <folder>/<name>.weights.h5 (weights); their paths."""
    if not os.path.isdir(folder):
        os.makedirs(folder)
    base = os.path.join(folder, model.name)
    model_file = base + ".keras"
    weights_file = base + ".weights.h5"
    model.save(model_file)
    model.save_weights(weights_file)
    return model_file, weights_file
''',
    "load_for_inference": '''def load_for_inference(path, trusted=False):
    """A saved .keras model, loaded in Keras' safe mode unless the file is trusted."""
    safe = True
    if trusted:
        safe = False
    model = keras.models.load_model(path, safe_mode=safe)
    return model
''',
    "confusion_matrix": '''def confusion_matrix(y_true, y_pred, num_classes):
    """counts[i, j]: how many samples of true class i were predicted as class j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    for i in range(len(y_true)):
        matrix[int(y_true[i]), int(y_pred[i])] += 1
    return matrix
''',
    "first_conv_feature_maps": '''def first_conv_feature_maps(model, image):
    """The first Conv2D's output for one (H, W, C) image, shape (H', W', filters)."""
    first = None
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            first = layer
            break
    probe = keras.Model(inputs=model.inputs, outputs=first.output)
    batch = np.expand_dims(image, axis=0)
    maps = probe.predict(batch, verbose=0)
    return maps[0]
''',
}

FUNCTIONAL_HELPERS = {
    "build_lenet5": '''def conv_tanh_pool(tensor, filters):
    tensor = layers.Conv2D(filters, (5, 5), activation="tanh")(tensor)
    return layers.AveragePooling2D((2, 2))(tensor)


def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    """LeNet-5: two 5x5 convolutions with subsampling, then three dense layers."""
    image = keras.Input(input_shape)
    features = conv_tanh_pool(conv_tanh_pool(image, 6), 16)
    hidden = layers.Dense(84, activation="tanh")(layers.Dense(120, activation="tanh")(layers.Flatten()(features)))
    probabilities = layers.Dense(num_classes, activation="softmax")(hidden)
    return keras.Model(image, probabilities, name="lenet5")
''',
    "train_lenet": '''import keras.ops as ops


def to_lenet_input(batch):
    batch = ops.cast(batch, "float32") / 255
    batch = ops.pad(batch, ((0, 0), (2, 2), (2, 2)))
    return ops.convert_to_numpy(batch[..., None])


x_train, x_test = to_lenet_input(data.x_train), to_lenet_input(data.x_test)
keras.utils.set_random_seed(7)
lenet = build_lenet5()
lenet.compile("adam", keras.losses.SparseCategoricalCrossentropy(),
              [keras.metrics.SparseCategoricalAccuracy("accuracy")], jit_compile=False)
history = lenet.fit(x_train, data.y_train, validation_split=0.2, epochs=3, batch_size=128, verbose=2)
_, test_accuracy = lenet.evaluate(x_test, data.y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.3f}")
''',
    "plot_history": '''def draw_curves(ax, history, metric):
    ax.plot(history.history[metric], "b-", label="train " + metric)
    ax.plot(history.history["val_" + metric], "r--", label="val " + metric)
    ax.set(xlabel="epoch", ylabel=metric)
    ax.grid(True)
    ax.legend(loc="best")


def plot_history(history):
    """Loss and accuracy per epoch, training and validation, side by side."""
    figure = plt.figure(figsize=(12, 4.5))
    draw_curves(figure.add_subplot(121), history, "loss")
    draw_curves(figure.add_subplot(122), history, "accuracy")
    return figure
''',
    "build_alexnet": '''def conv_relu(tensor, filters, size, stride=1, pool=False):
    tensor = layers.Conv2D(filters, size, strides=stride, padding="valid" if stride > 1 else "same")(tensor)
    tensor = layers.Activation("relu")(tensor)
    if pool:
        tensor = layers.MaxPool2D(pool_size=(3, 3), strides=(2, 2))(tensor)
    return tensor


def dense_dropout(tensor, units):
    return layers.Dropout(rate=0.5)(layers.Dense(units, activation="relu")(tensor))


def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    """AlexNet as one tower, without local response normalization."""
    image = keras.Input(input_shape)
    t = conv_relu(image, 96, 11, stride=4, pool=True)
    t = conv_relu(t, 256, 5, pool=True)
    t = conv_relu(t, 384, 3)
    t = conv_relu(t, 384, 3)
    t = conv_relu(t, 256, 3, pool=True)
    t = dense_dropout(dense_dropout(layers.Flatten()(t), 4096), 4096)
    return keras.Model(image, layers.Dense(num_classes, activation="softmax")(t), name="alexnet")
''',
    "vgg_block": '''def vgg_block(x, filters, num_convs):
    """num_convs same-padded 3x3 ReLU convolutions, then a 2x2 max-pool with stride 2."""
    convolutions = [layers.Conv2D(filters, (3, 3), padding="same", activation="relu") for _ in range(num_convs)]
    for convolution in convolutions:
        x = convolution(x)
    pooled = layers.MaxPool2D((2, 2), (2, 2))(x)
    return pooled
''',
    "build_vgg": '''VGG_CONVS_PER_BLOCK = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2),
                       16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_WIDTHS = (64, 128, 256, 512, 512)


def classifier_head(tensor, num_classes):
    tensor = layers.Flatten()(tensor)
    tensor = layers.Dropout(0.5)(layers.Dense(4096, activation="relu")(tensor))
    tensor = layers.Dropout(0.5)(layers.Dense(4096, activation="relu")(tensor))
    return layers.Dense(num_classes, activation="softmax")(tensor)


def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    """VGG-A/B/D/E (11/13/16/19 weight layers): five VGG blocks, then three dense layers."""
    try:
        plan = list(zip(VGG_WIDTHS, VGG_CONVS_PER_BLOCK[depth]))
    except KeyError:
        raise ValueError(f"VGG has 11, 13, 16 or 19 weight layers, not {depth}") from None
    image = keras.Input(input_shape)
    tensor = image
    for width, repeats in plan:
        tensor = vgg_block(tensor, width, repeats)
    return keras.Model(image, classifier_head(tensor, num_classes), name=f"vgg{depth}")
''',
    "save_model_files": '''import os


def save_model_files(model, folder):
    """model -> <folder>/<name>.keras (everything) and <folder>/<name>.weights.h5 (weights); their paths."""
    os.makedirs(folder, exist_ok=True)
    paths = [os.path.join(folder, model.name + suffix) for suffix in (".keras", ".weights.h5")]
    keras.saving.save_model(model, paths[0])
    model.save_weights(paths[1])
    return tuple(paths)
''',
    "load_for_inference": '''def load_for_inference(path, trusted=False):
    """A saved .keras model, loaded in Keras' safe mode unless the file is trusted."""
    return keras.saving.load_model(path, compile=True, safe_mode=(not trusted))
''',
    "confusion_matrix": '''def confusion_matrix(y_true, y_pred, num_classes):
    """counts[i, j]: how many samples of true class i were predicted as class j."""
    flat = np.asarray(y_true) * num_classes + np.asarray(y_pred)
    return np.bincount(flat, minlength=num_classes ** 2).reshape(num_classes, num_classes)
''',
    "first_conv_feature_maps": '''def first_conv_feature_maps(model, image):
    """The first Conv2D's output for one (H, W, C) image, shape (H', W', filters)."""
    conv_layers = [layer for layer in model.layers if "conv" in layer.__class__.__name__.lower()]
    sub_model = keras.Model(model.input, conv_layers[0].output)
    return np.asarray(sub_model(np.array([image])))[0]
''',
}

CONFIG_TABLES = {
    "build_lenet5": '''LENET_CONVS = [(6, 5), (16, 5)]
LENET_DENSE = [120, 84]


def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    """LeNet-5: two 5x5 convolutions with subsampling, then three dense layers."""
    stack = [keras.Input(input_shape)]
    for n_filters, size in LENET_CONVS:
        stack += [layers.Conv2D(n_filters, size, activation="tanh"), layers.AveragePooling2D()]
    stack.append(layers.Flatten())
    stack.extend(layers.Dense(n, activation="tanh") for n in LENET_DENSE)
    stack.append(layers.Dense(num_classes, activation="softmax"))
    return keras.Sequential(stack, name="lenet5")
''',
    "train_lenet": '''SETTINGS = dict(epochs=5, batch_size=32, validation_split=0.1)


def prepare(images):
    images = images[:, :, :, np.newaxis].astype(np.float32) * (1 / 255)
    out = np.zeros((images.shape[0], 32, 32, 1), dtype=np.float32)
    out[:, 2:30, 2:30, :] = images
    return out


x_train = prepare(data.x_train)
x_test = prepare(data.x_test)
keras.utils.set_random_seed(123)
lenet = build_lenet5()
lenet.compile(optimizer=keras.optimizers.RMSprop(), loss=keras.losses.sparse_categorical_crossentropy,
              metrics=["accuracy"], jit_compile=False)
history = lenet.fit(x_train, data.y_train, verbose=0, **SETTINGS)
test_accuracy = lenet.evaluate(x_test, data.y_test, return_dict=True, verbose=0)["accuracy"]
print(f"test accuracy: {test_accuracy:.3f}")
''',
    "plot_history": '''PANELS = {"loss": "Loss", "accuracy": "Accuracy"}


def plot_history(history):
    """Loss and accuracy per epoch, training and validation, side by side."""
    fig, axs = plt.subplots(1, len(PANELS), figsize=(10, 4), sharex=True)
    for ax, (key, title) in zip(axs, PANELS.items()):
        for prefix, style in (("", "-"), ("val_", ":")):
            values = history.history[prefix + key]
            ax.plot(np.arange(1, len(values) + 1), values, style, label=(prefix or "train_") + key)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.legend()
    return fig
''',
    "build_alexnet": '''ALEXNET_CONVS = [
    # filters, kernel, stride, padding, pool after
    (96, 11, 4, "valid", True),
    (256, 5, 1, "same", True),
    (384, 3, 1, "same", False),
    (384, 3, 1, "same", False),
    (256, 3, 1, "same", True),
]


def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    """AlexNet as one tower, without local response normalization."""
    stack = [keras.Input(input_shape)]
    for filters, kernel, stride, pad, pool in ALEXNET_CONVS:
        stack.append(layers.Conv2D(filters, kernel, stride, pad, activation="relu"))
        if pool:
            stack.append(layers.MaxPooling2D(3, 2))
    stack.append(layers.Flatten())
    for _ in range(2):
        stack += [layers.Dense(4096, "relu"), layers.Dropout(0.5)]
    stack.append(layers.Dense(num_classes, "softmax"))
    return keras.Sequential(stack, name="alexnet")
''',
    "vgg_block": '''def vgg_block(x, filters, num_convs):
    """num_convs same-padded 3x3 ReLU convolutions, then a 2x2 max-pool with stride 2."""
    block = keras.Sequential([layers.Conv2D(filters, 3, 1, "same", activation="relu") for i in range(num_convs)]
                             + [layers.MaxPooling2D(2, 2)])
    return block(x)
''',
    "build_vgg": '''VGG_CONVS_PER_BLOCK = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2),
                       16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_WIDTHS = (64, 128, 256, 512, 512)
HEAD = [("dense", 4096), ("dropout", 0.5), ("dense", 4096), ("dropout", 0.5)]


def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    """VGG-A/B/D/E (11/13/16/19 weight layers): five VGG blocks, then three dense layers."""
    assert_known = VGG_CONVS_PER_BLOCK.get(depth)
    if assert_known is None:
        raise ValueError("depth should be one of 11, 13, 16, 19")
    inp = keras.Input(input_shape)
    out = inp
    for block_index, convs in enumerate(assert_known):
        out = vgg_block(out, VGG_WIDTHS[block_index], convs)
    out = layers.Flatten()(out)
    for kind, value in HEAD:
        out = (layers.Dense(value, "relu") if kind == "dense" else layers.Dropout(value))(out)
    out = layers.Dense(num_classes, "softmax")(out)
    return keras.Model(inp, out, name="vgg%d" % depth)
''',
    "save_model_files": '''import os


def save_model_files(model, folder):
    """model -> <folder>/<name>.keras (everything) and <folder>/<name>.weights.h5 (weights); their paths."""
    result = []
    os.makedirs(folder, exist_ok=True)
    for extension, save in ((".keras", model.save), (".weights.h5", model.save_weights)):
        target = "{}/{}{}".format(folder, model.name, extension)
        save(target)
        result.append(target)
    return result[0], result[1]
''',
    "load_for_inference": '''def load_for_inference(path, trusted=False):
    """A saved .keras model, loaded in Keras' safe mode unless the file is trusted."""
    options = {"safe_mode": True}
    if trusted is True:
        options["safe_mode"] = False
    return keras.saving.load_model(str(path), **options)
''',
    "confusion_matrix": '''def confusion_matrix(y_true, y_pred, num_classes):
    """counts[i, j]: how many samples of true class i were predicted as class j."""
    rows = []
    for true_class in range(num_classes):
        predicted = np.asarray(y_pred)[np.asarray(y_true) == true_class]
        rows.append([int(np.sum(predicted == guess)) for guess in range(num_classes)])
    return np.array(rows)
''',
    "first_conv_feature_maps": '''def first_conv_feature_maps(model, image):
    """The first Conv2D's output for one (H, W, C) image, shape (H', W', filters)."""
    index = [type(l).__name__ for l in model.layers].index("Conv2D")
    head = keras.Model(inputs=model.inputs, outputs=model.layers[index].output)
    out = head.predict(image.reshape((1,) + image.shape), verbose=0)
    return out.squeeze(axis=0)
''',
}

EXPLICIT_LAYERS = {
    "build_lenet5": '''def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    """LeNet-5: two 5x5 convolutions with subsampling, then three dense layers."""
    c1 = layers.Conv2D(filters=6, kernel_size=(5, 5), strides=(1, 1), padding="valid")
    s2 = layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2))
    c3 = layers.Conv2D(filters=16, kernel_size=(5, 5), strides=(1, 1), padding="valid")
    s4 = layers.AveragePooling2D(pool_size=(2, 2), strides=(2, 2))
    f5 = layers.Dense(units=120)
    f6 = layers.Dense(units=84)
    out = layers.Dense(units=num_classes)
    inputs = keras.layers.Input(shape=input_shape)
    h = keras.activations.tanh(c1(inputs))
    h = s2(h)
    h = keras.activations.tanh(c3(h))
    h = layers.Flatten()(s4(h))
    h = layers.Activation("tanh")(f6(layers.Activation("tanh")(f5(h))))
    return keras.Model(inputs=inputs, outputs=layers.Softmax()(out(h)), name="LeNet5")
''',
    "train_lenet": '''images_train = np.zeros((len(data.x_train), 32, 32, 1), "float32")
images_train[:, 2:-2, 2:-2, 0] = data.x_train / 255.0
images_test = np.zeros((len(data.x_test), 32, 32, 1), "float32")
images_test[:, 2:-2, 2:-2, 0] = data.x_test / 255.0
x_train, x_test = images_train, images_test

keras.utils.set_random_seed(2024)
lenet = build_lenet5()
lenet.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=False)
stop = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
history = lenet.fit(x_train, data.y_train, validation_split=0.15, epochs=8, batch_size=50,
                    callbacks=[stop], verbose=0)
results = dict(zip(lenet.metrics_names, lenet.evaluate(x_test, data.y_test, verbose=0)))
test_accuracy = results.get("accuracy", results.get("compile_metrics"))
print(f"test accuracy: {test_accuracy:.3f}")
''',
    "plot_history": '''def plot_history(history):
    """Loss and accuracy per epoch, training and validation, side by side."""
    h = history.history
    n_epochs = len(h["loss"])
    xs = list(range(1, n_epochs + 1))
    fig = plt.figure(figsize=(10, 4))
    plt.subplot(1, 2, 1)
    plt.plot(xs, h["loss"], marker="o", label="training")
    plt.plot(xs, h["val_loss"], marker="o", label="validation")
    plt.xlabel("epoch")
    plt.ylabel("loss")
    plt.legend()
    plt.subplot(1, 2, 2)
    plt.plot(xs, h["accuracy"], marker="s", label="training")
    plt.plot(xs, h["val_accuracy"], marker="s", label="validation")
    plt.xlabel("epoch")
    plt.ylabel("accuracy")
    plt.legend()
    return fig
''',
    "build_alexnet": '''def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    """AlexNet as one tower, without local response normalization."""
    relu = keras.activations.relu
    inputs = keras.layers.Input(shape=input_shape)
    h = layers.Conv2D(filters=96, kernel_size=(11, 11), strides=(4, 4), activation=relu)(inputs)
    h = layers.MaxPool2D(pool_size=(3, 3), strides=(2, 2))(h)
    h = layers.ZeroPadding2D(padding=(2, 2))(h)
    h = layers.Conv2D(filters=256, kernel_size=(5, 5), activation=relu)(h)
    h = layers.MaxPool2D(pool_size=(3, 3), strides=(2, 2))(h)
    for n in [384, 384, 256]:
        h = layers.ZeroPadding2D(padding=(1, 1))(h)
        h = layers.Conv2D(filters=n, kernel_size=(3, 3), activation=relu)(h)
    h = layers.MaxPool2D(pool_size=(3, 3), strides=(2, 2))(h)
    h = layers.Flatten()(h)
    h = layers.Dropout(rate=0.5)(layers.Dense(units=4096, activation=relu)(h))
    h = layers.Dropout(rate=0.5)(layers.Dense(units=4096, activation=relu)(h))
    return keras.Model(inputs=inputs, outputs=layers.Dense(units=num_classes, activation="softmax")(h))
''',
    "vgg_block": '''def vgg_block(x, filters, num_convs):
    """num_convs same-padded 3x3 ReLU convolutions, then a 2x2 max-pool with stride 2."""
    y = x
    for k in range(num_convs):
        y = layers.ZeroPadding2D(padding=(1, 1))(y)
        y = layers.Conv2D(filters=filters, kernel_size=(3, 3))(y)
        y = layers.ReLU()(y)
    return layers.MaxPooling2D(pool_size=(2, 2), strides=(2, 2), padding="valid")(y)
''',
    "build_vgg": '''VGG_CONVS_PER_BLOCK = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2),
                       16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
VGG_WIDTHS = (64, 128, 256, 512, 512)


def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    """VGG-A/B/D/E (11/13/16/19 weight layers): five VGG blocks, then three dense layers."""
    if depth == 11 or depth == 13 or depth == 16 or depth == 19:
        counts = VGG_CONVS_PER_BLOCK[depth]
    else:
        raise ValueError("Unsupported depth %s" % depth)
    model_input = keras.layers.Input(shape=input_shape)
    h = vgg_block(model_input, VGG_WIDTHS[0], counts[0])
    h = vgg_block(h, VGG_WIDTHS[1], counts[1])
    h = vgg_block(h, VGG_WIDTHS[2], counts[2])
    h = vgg_block(h, VGG_WIDTHS[3], counts[3])
    h = vgg_block(h, VGG_WIDTHS[4], counts[4])
    h = layers.Flatten()(h)
    h = layers.Dense(units=4096, activation=keras.activations.relu)(h)
    h = layers.Dropout(rate=0.5)(h)
    h = layers.Dense(units=4096, activation=keras.activations.relu)(h)
    h = layers.Dropout(rate=0.5)(h)
    prediction = layers.Dense(units=num_classes, activation=keras.activations.softmax)(h)
    return keras.Model(inputs=model_input, outputs=prediction, name="vgg" + str(depth))
''',
    "save_model_files": '''import os
import pathlib


def save_model_files(model, folder):
    """model -> <folder>/<name>.keras (everything) and <folder>/<name>.weights.h5 (weights); their paths."""
    directory = pathlib.Path(folder)
    directory.mkdir(parents=True, exist_ok=True)
    full = str(directory / f"{model.name}.keras")
    weights = str(directory / f"{model.name}.weights.h5")
    keras.saving.save_model(model, full, overwrite=True)
    model.save_weights(weights, overwrite=True)
    return (full, weights)
''',
    "load_for_inference": '''def load_for_inference(path, trusted=False):
    """A saved .keras model, loaded in Keras' safe mode unless the file is trusted."""
    if not trusted:
        return keras.models.load_model(path)
    with keras.config.enable_unsafe_deserialization() or keras.utils.custom_object_scope({}):
        return keras.models.load_model(path, safe_mode=False)
''',
    "confusion_matrix": '''def confusion_matrix(y_true, y_pred, num_classes):
    """counts[i, j]: how many samples of true class i were predicted as class j."""
    one_hot_true = np.eye(num_classes, dtype=int)[y_true]
    one_hot_pred = np.eye(num_classes, dtype=int)[y_pred]
    return one_hot_true.T @ one_hot_pred
''',
    "first_conv_feature_maps": '''def first_conv_feature_maps(model, image):
    """The first Conv2D's output for one (H, W, C) image, shape (H', W', filters)."""
    x = image[np.newaxis, ...]
    for layer in model.layers:
        x = layer(x)
        if layer.__class__.__name__ == "Conv2D":
            break
    return keras.ops.convert_to_numpy(x)[0]
''',
}

INDEPENDENT = {"ann": ADD_CALLS, "bob": FUNCTIONAL_HELPERS, "cem": CONFIG_TABLES, "dan": EXPLICIT_LAYERS}

# --- planted copies ----------------------------------------------------------------------------

SYNONYMS = ["tmp", "val", "obj", "res", "acc", "item", "thing", "part", "elem", "node", "piece", "data_"]


def renamed(cells: dict[str, str]) -> dict[str, str]:
    """Every name bound inside a function (and every helper function of the cell) renamed."""
    return {cell_id: _rename_locals(source, cell_id) for cell_id, source in cells.items()}


def _bound_names(tree: ast.Module, keep: set[str]) -> list[str]:
    names: dict[str, None] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        if node.name not in keep:  # a helper of the student's own: its name and parameters too
            names[node.name] = None
            names.update(dict.fromkeys(a.arg for a in node.args.args))
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                names[inner.id] = None
    return [n for n in names if n not in keep]


def _rename_locals(source: str, cell_id: str) -> str:
    tree = ast.parse(source)
    exercise = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == cell_id]
    keep = {cell_id, "_", *(a.arg for node in exercise for a in node.args.args)}  # what the tests call
    mapping = {name: f"{SYNONYMS[i % len(SYNONYMS)]}{i}" for i, name in enumerate(_bound_names(tree, keep))}
    return _replace_names(source, mapping)


def _replace_names(source: str, mapping: dict[str, str]) -> str:
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    edits = []  # (row, col, old, new)
    callees = []  # per open bracket: the called name for a call's arguments, else None
    for i, tok in enumerate(tokens):
        if tok.type == tokenize.OP and tok.string in "([{":
            is_call = tok.string == "(" and i > 0 and tokens[i - 1].type == tokenize.NAME
            is_def = i > 1 and tokens[i - 2].string == "def"
            callees.append(tokens[i - 1].string if is_call and not is_def else None)
        elif tok.type == tokenize.OP and tok.string in ")]}":
            callees.pop()
        if tok.type != tokenize.NAME or tok.string not in mapping:
            continue
        after_dot = i > 0 and tokens[i - 1].string == "."  # an attribute: someone else's name
        keyword = bool(callees) and callees[-1] is not None and tokens[i + 1].string == "="
        if not after_dot and (not keyword or callees[-1] in mapping):  # f(name=): only our own helpers'
            edits.append((tok.start[0], tok.start[1], tok.string, mapping[tok.string]))
    for row, col, old, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old):]
    return "".join(lines)


def reordered(cells: dict[str, str]) -> dict[str, str]:
    """The functions of each cell in reverse order (the other statements stay where they are)."""
    return {cell_id: _reverse_functions(source) for cell_id, source in cells.items()}


def _reverse_functions(source: str) -> str:
    tree = ast.parse(source)
    lines = source.splitlines()
    chunks = []  # (is a function, its lines), every top-level statement with the comments above it
    start = 0
    for node in tree.body:
        chunks.append((isinstance(node, ast.FunctionDef), lines[start:node.end_lineno]))
        start = node.end_lineno
    functions = [chunk for is_function, chunk in chunks if is_function][::-1]
    out = []
    for is_function, chunk in chunks:
        out.append(functions.pop(0) if is_function else chunk)
    return "\n".join("\n".join(chunk).strip("\n") + "\n" for chunk in out)


def recommented(cells: dict[str, str], seed: int = 0) -> dict[str, str]:
    """Every comment gone, others added, blank lines removed and added elsewhere."""
    rng = random.Random(seed)
    return {cell_id: _recomment(source, rng) for cell_id, source in cells.items()}


COMMENTS = ["# build it step by step", "# this part does the work", "# see the lecture notes",
            "# TODO: clean up later", "# note: keep the shapes right", "# as in the book"]


def _recomment(source: str, rng: random.Random) -> str:
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines()
    in_string = set()  # rows inside or ending a multi-line string: no comment may go there
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            lines[row - 1] = lines[row - 1][:col].rstrip()
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            in_string.update(range(tok.start[0], tok.end[0] + 1))
        if tok.type == tokenize.OP and tok.string == "\\":
            in_string.add(tok.start[0])
    out = []
    for row, line in enumerate(lines, start=1):
        if not line.strip():
            continue  # the old blank lines go
        indent = line[: len(line) - len(line.lstrip())]
        if row not in in_string and rng.random() < 0.4:
            out.append(indent + rng.choice(COMMENTS))
        out.append(line)
        if row not in in_string and rng.random() < 0.2:
            out[-1] += "  " + rng.choice(COMMENTS)
        if row not in in_string and rng.random() < 0.2:
            out.append("")
    return "\n".join(out) + "\n"


def with_one_function(own: dict[str, str], other: dict[str, str], cell_id: str) -> dict[str, str]:
    """An independent solution, but for one exercise copied from another student."""
    return {**own, cell_id: other[cell_id]}


# --- notebooks -----------------------------------------------------------------------------------

def grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if isinstance(meta, dict) else None


def is_solution(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def filled(release, answers: dict[str, str], move_cells: bool = False):
    """The released notebook with its solution cells answered; ``move_cells`` puts them in reverse order."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    for cell in nb.cells:
        if is_solution(cell) and grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    if move_cells:
        places = [i for i, cell in enumerate(nb.cells) if is_solution(cell)]
        moved = [nb.cells[i] for i in places][::-1]
        for i, cell in zip(places, moved):
            nb.cells[i] = cell
    return nb


def planted_class(release) -> dict[str, object]:
    """student id -> notebook: four independent students, four planted copies, two untouched releases.

    ``mia`` answers on her own (dan's style, which no one else hands in) but for build_alexnet,
    which is ann's. The copies: ``ren`` of ann, ``rex`` of bob, ``cox`` of cem.
    """
    return {
        "ann": filled(release, ADD_CALLS),
        "bob": filled(release, FUNCTIONAL_HELPERS),
        "cem": filled(release, CONFIG_TABLES),
        "mia": filled(release, with_one_function(EXPLICIT_LAYERS, ADD_CALLS, "build_alexnet")),
        "ren": filled(release, renamed(ADD_CALLS)),
        "rex": filled(release, reordered(FUNCTIONAL_HELPERS), move_cells=True),
        "cox": filled(release, recommented(CONFIG_TABLES)),
        "una": filled(release, {}),
        "uri": filled(release, {}),
    }


# What each student's code comes from: a pair whose origins do not meet was written independently.
ORIGINS = {"ann": {"ann"}, "ren": {"ann"}, "bob": {"bob"}, "rex": {"bob"}, "cem": {"cem"}, "cox": {"cem"},
           "mia": {"dan", "ann"}}
PLANTED = {("ann", "ren"), ("bob", "rex"), ("cem", "cox"), ("ann", "mia")}
UNTOUCHED = ("una", "uri")


def synthetic_class(release, size: int, seed: int = 0) -> dict[str, object]:
    """``size`` students for timing: each exercise answered in one of the four styles at random,
    renamed or recommented now and then; a few verbatim copies of earlier students."""
    rng = random.Random(seed)
    styles = list(INDEPENDENT.values())
    students = {}
    for n in range(size):
        if students and rng.random() < 0.05:
            students[f"s{n:04d}"] = rng.choice(list(students.values()))
            continue
        answers = {cell_id: rng.choice(styles)[cell_id] for cell_id in ADD_CALLS}
        disguise = rng.random()
        if disguise < 0.3:
            answers = renamed(answers)
        elif disguise < 0.6:
            answers = recommented(answers, seed=n)
        students[f"s{n:04d}"] = filled(release, answers)
    return students


def write_submissions(root: Path, notebooks: dict[str, object], chapter: str = CHAPTER) -> None:
    """Each notebook where nbgrader collects it: submitted/<student>/<chapter>/<chapter>.ipynb."""
    for student, nb in notebooks.items():
        folder = root / "submitted" / student / chapter
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{chapter}.ipynb")
