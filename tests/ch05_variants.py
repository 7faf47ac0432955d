"""Other ways to answer chapter 5: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
"""

# --- correct, written differently -----------------------------------------------------------

LENET_FUNCTIONAL_RELU_LAYERS = '''
def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    inputs = keras.Input(input_shape, name="digits")
    x = layers.Conv2D(filters=6, kernel_size=(5, 5), name="c1")(inputs)
    x = layers.Activation("relu")(x)
    x = layers.MaxPool2D(pool_size=(2, 2))(x)
    x = layers.Conv2D(16, (5, 5), padding="valid")(x)
    x = layers.ReLU()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    for units in (120, 84):
        x = layers.Dense(units)(x)
        x = layers.Activation("tanh")(x)
    x = layers.Dense(num_classes)(x)
    outputs = layers.Softmax()(x)
    return keras.Model(inputs=inputs, outputs=outputs)
'''

ALEXNET_SEQUENTIAL_ACTIVATION_LAYERS = '''
def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    model = keras.Sequential(name="my_alexnet")
    model.add(keras.Input(shape=input_shape))
    for filters, size, stride, padding in [(96, 11, 4, "valid"), (256, 5, 1, "same")]:
        model.add(layers.Conv2D(filters, size, strides=(stride, stride), padding=padding))
        model.add(layers.ReLU())
        model.add(layers.MaxPool2D(pool_size=3, strides=2))
    for filters in (384, 384, 256):
        model.add(layers.Conv2D(filters, 3, padding="same", activation=keras.activations.relu))
    model.add(layers.MaxPool2D((3, 3), (2, 2)))
    model.add(layers.Flatten())
    for _ in range(2):
        model.add(layers.Dense(4096))
        model.add(layers.Activation("relu"))
        model.add(layers.Dropout(rate=0.5))
    model.add(layers.Dense(num_classes))
    model.add(layers.Activation("softmax"))
    return model
'''

VGG_BLOCK_ACTIVATION_LAYERS = '''
def vgg_block(x, filters, num_convs):
    convs = [layers.Conv2D(filters, (3, 3), padding="same") for _ in range(num_convs)]
    for conv in convs:
        x = layers.ReLU()(conv(x))
    return layers.MaxPool2D(pool_size=(2, 2), strides=(2, 2))(x)
'''

VGG_TABLE_WITH_SEQUENTIAL_HEAD = '''
CONFIGS = {"A": (1, 1, 2, 2, 2), "B": (2, 2, 2, 2, 2), "D": (2, 2, 3, 3, 3), "E": (2, 2, 4, 4, 4)}
DEPTH_TO_CONFIG = {11: "A", 13: "B", 16: "D", 19: "E"}


def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    try:
        convs = CONFIGS[DEPTH_TO_CONFIG[depth]]
    except KeyError:
        raise ValueError(f"no VGG with {depth} weight layers") from None
    inputs = keras.Input(input_shape)
    x = inputs
    for i, n in enumerate(convs):
        x = vgg_block(x, min(64 * 2 ** i, 512), n)
    head = keras.Sequential([
        layers.Flatten(),
        layers.Dense(4096, activation="relu"), layers.Dropout(0.5),
        layers.Dense(4096, activation="relu"), layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])
    return keras.Model(inputs, head(x))
'''

PLOT_WITH_ADD_SUBPLOT = '''
def plot_history(history):
    h = history.history
    fig = plt.figure(figsize=(9, 3))
    left = fig.add_subplot(1, 2, 1)
    left.plot(h["loss"], "o-", label="train")
    left.plot(h["val_loss"], "o-", label="val")
    left.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    left.legend()
    right = fig.add_subplot(1, 2, 2)
    right.plot(h["accuracy"], label="train")
    right.plot(h["val_accuracy"], label="val")
    right.set_xlabel("epoch")
    right.set_ylabel("accuracy")
    right.legend(loc="lower right")
    return fig
'''

TRAIN_WITH_PREPARE_IMAGES = '''
from autograder.data import prepare_images

keras.utils.set_random_seed(1)
lenet = build_lenet5()
lenet.compile(optimizer=keras.optimizers.Adam(learning_rate=2e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["accuracy"], jit_compile=False)
history = lenet.fit(prepare_images(data.x_train, pad_to=32), data.y_train, batch_size=128,
                    epochs=12, validation_split=0.15, verbose=0)
test_accuracy = lenet.evaluate(prepare_images(data.x_test, pad_to=32), data.y_test, verbose=0,
                               return_dict=True)["accuracy"]
'''

WRITTEN_DIFFERENTLY = {
    "build_lenet5": LENET_FUNCTIONAL_RELU_LAYERS,
    "build_alexnet": ALEXNET_SEQUENTIAL_ACTIVATION_LAYERS,
    "vgg_block": VGG_BLOCK_ACTIVATION_LAYERS,
    "build_vgg": VGG_TABLE_WITH_SEQUENTIAL_HEAD,
    "plot_history": PLOT_WITH_ADD_SUBPLOT,
    "train_lenet": TRAIN_WITH_PREPARE_IMAGES,
    "save_model_files": """
from pathlib import Path

def save_model_files(model, folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / (model.name + ".keras"), folder / (model.name + ".weights.h5"))
    keras.saving.save_model(model, paths[0])
    model.save_weights(str(paths[1]))
    return tuple(str(p) for p in paths)
""",
    "confusion_matrix": """
def confusion_matrix(y_true, y_pred, num_classes):
    table = np.zeros([num_classes] * 2, dtype="int64")
    for t, p in zip(y_true, y_pred):
        table[t][p] += 1
    return table
""",
    "first_conv_feature_maps": """
def first_conv_feature_maps(model, image):
    # the layers applied one by one, up to and including the first convolution
    x = keras.ops.expand_dims(keras.ops.convert_to_tensor(image), 0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):  # a functional model lists its input
            continue
        x = layer(x)
        if isinstance(layer, keras.layers.Conv2D):
            return np.array(x[0])
""",
    "load_for_inference": """
def load_for_inference(path, trusted=False):
    if trusted:
        with keras.saving.custom_object_scope({}):
            return keras.models.load_model(path, safe_mode=False)
    return keras.models.load_model(path)
""",
}

# --- correct, in the style of older public VGG code (Keras 1 and 2 era) ------------------------
# ZeroPadding2D((1, 1)) before each "valid" 3x3 convolution (what padding="same" computes),
# input_shape= on the first layer of a Sequential (Keras 3 warns but builds the model), activations
# as their own layers. The graded cells must give these full marks without a warning leaking out.

VGG_BLOCK_ZERO_PADDING = '''
def vgg_block(x, filters, num_convs):
    for _ in range(num_convs):
        x = layers.ZeroPadding2D((1, 1))(x)
        x = layers.Conv2D(filters, (3, 3))(x)
        x = layers.Activation("relu")(x)
    return layers.MaxPooling2D((2, 2), strides=(2, 2))(x)
'''

VGG_SEQUENTIAL_ZERO_PADDING = '''
def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    convs = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
    if depth not in convs:
        raise ValueError("depth must be 11, 13, 16 or 19")
    model = keras.Sequential()
    model.add(layers.ZeroPadding2D((1, 1), input_shape=input_shape))
    for block, (filters, n) in enumerate(zip((64, 128, 256, 512, 512), convs[depth])):
        for i in range(n):
            if block or i:
                model.add(layers.ZeroPadding2D((1, 1)))
            model.add(layers.Conv2D(filters, (3, 3), activation="relu"))
        model.add(layers.MaxPool2D((2, 2), strides=(2, 2)))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096))
    model.add(layers.Activation(keras.activations.relu))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096))
    model.add(layers.Dropout(0.5))
    model.add(layers.ReLU(max_value=None))
    model.add(layers.Dense(num_classes))
    model.add(layers.Activation("softmax"))
    return model
'''

WRITTEN_DIFFERENTLY_OLD_STYLE = {
    "vgg_block": VGG_BLOCK_ZERO_PADDING,
    "build_vgg": VGG_SEQUENTIAL_ZERO_PADDING,
}

# --- wrong: (solution cell, source, test cell that must fail, words its message must hold) ---

_SAVE = """
import os

def save_model_files(model, folder):
    os.makedirs(folder, exist_ok=True)
    model_path, weights_path = f"{folder}/{model.name}.keras", f"{folder}/{model.name}.weights.h5"
    model.save(model_path)
    model.save_weights(weights_path)
    return model_path, weights_path
"""


def _save_with(old: str, new: str) -> str:
    """A correct save_model_files with one slip."""
    assert old in _SAVE, old
    return _SAVE.replace(old, new)


WRONG = [
    ("build_lenet5", '''
def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    return keras.Sequential([keras.Input((32, 32, 1)), layers.Conv2D(6, 5, activation="tanh"),
        layers.AveragePooling2D(2), layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Flatten(), layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax")])
''', "lenet5_hidden", "build the model from the input_shape argument"),
    ("build_lenet5", '''
def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    return keras.Sequential([keras.Input(input_shape), layers.Conv2D(6, 5, activation="tanh"),
        layers.AveragePooling2D(2), layers.Conv2D(16, 5, activation="tanh"), layers.AveragePooling2D(2),
        layers.Flatten(), layers.Dense(120, activation="tanh"), layers.Dense(84, activation="tanh"),
        layers.Dense(10, activation="softmax")])
''', "lenet5_hidden", "expected Dense with 7 units, found 10 units"),
    ("build_lenet5", '''
def build_lenet5(input_shape=(32, 32, 1), num_classes=10):
    return keras.Sequential([keras.Input(input_shape), layers.Conv2D(6, 5),
        layers.AveragePooling2D(2), layers.Conv2D(16, 5), layers.AveragePooling2D(2),
        layers.Flatten(), layers.Dense(120), layers.Dense(84),
        layers.Dense(num_classes, activation="softmax")])
''', "lenet5_public", "found no activation"),
    ("build_alexnet", '''
def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(96, 11, strides=4, activation="relu")(inputs)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Conv2D(256, 5, activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "alexnet_public", 'expected Conv2D with padding="same", found padding="valid"'),
    ("build_alexnet", '''
def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    inputs = keras.Input(input_shape)
    x = layers.Conv2D(96, 11, strides=4, activation="relu")(inputs)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dense(4096, activation="relu")(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "alexnet_public", "expected Dropout, found Dense 4096 relu"),
    ("vgg_block", '''
def vgg_block(x, filters, num_convs):
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return layers.MaxPooling2D(2)(x)
''', "vgg_block_hidden", "expected 4 layers, found 3"),
    ("build_vgg", '''
def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    convs = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}[depth]
    inputs = keras.Input(input_shape)
    x = inputs
    for width, n in zip((64, 128, 256, 512, 512), convs):
        x = vgg_block(x, width, n)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "vgg_public", "expected Flatten, found GlobalAveragePooling2D"),
    ("build_vgg", '''
def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    inputs = keras.Input(input_shape)
    x = inputs
    for width, n in zip((64, 128, 256, 512, 512), (2, 2, 3, 3, 3)):
        x = vgg_block(x, width, n)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "vgg_public", "build_vgg(depth=12) should raise ValueError"),
    ("build_vgg", '''
def build_vgg(depth=16, input_shape=(224, 224, 3), num_classes=1000):
    convs = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
    if depth not in convs:
        raise ValueError(depth)
    inputs = keras.Input(input_shape)
    x = inputs
    for width, n in zip((64, 128, 256, 512, 512), convs[depth]):
        x = vgg_block(x, width, n)
    x = layers.Flatten()(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(4096, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    return keras.Model(inputs, layers.Dense(1000, activation="softmax")(x))
''', "vgg_hidden", "expected Dense with 10 units, found 1000 units"),
    ("plot_history", '''
def plot_history(history):
    fig, ax = plt.subplots()
    ax.plot(history.history["loss"], label="loss")
    ax.plot(history.history["accuracy"], label="accuracy")
    ax.legend()
    return fig
''', "plot_history_public", "expected 2 axes with curves"),
    ("vgg_block", VGG_BLOCK_ZERO_PADDING.replace("ZeroPadding2D((1, 1))", "ZeroPadding2D(2)"),
     "vgg_block_public", "before a 3x3 conv, which grows the output by 2 pixels in each dimension"),
    ("build_vgg", VGG_SEQUENTIAL_ZERO_PADDING.replace("model.add(layers.ZeroPadding2D((1, 1)))",
                                                      "model.add(layers.ZeroPadding2D(((0, 2), (0, 2))))"),
     "vgg_hidden", "which shifts the output"),
    # no folder made: saving into a folder that does not exist fails
    ("save_model_files", _save_with("    os.makedirs(folder, exist_ok=True)\n", ""), "save_and_load_public",
     "os.makedirs"),
    # the legacy HDF5 format under the .keras name's place
    ("save_model_files", _save_with('f"{folder}/{model.name}.keras"', 'f"{folder}/{model.name}.h5"'),
     "save_and_load_public", "the extension .keras"),
    # a fixed file name, whatever the model's name
    ("save_model_files", _save_with("{model.name}", "model"), "save_and_load_hidden", "model.name"),
    # the weights file is the whole model again: load_weights reads no weights file from it
    ("save_model_files", _save_with("    model.save_weights(weights_path)\n",
                                    '    model.save(f"{folder}/copy.keras")\n'
                                    '    os.rename(f"{folder}/copy.keras", weights_path)\n'),
     "save_and_load_public", "model.save_weights"),
    # the paths swapped
    ("save_model_files", _save_with("return model_path, weights_path", "return weights_path, model_path"),
     "save_and_load_public", "as the model file"),
    # always unsafe: the Lambda's bytecode is run
    ("load_for_inference", """
def load_for_inference(path, trusted=False):
    return keras.saving.load_model(path, safe_mode=False)
""", "save_and_load_public", "keep Keras' safe mode"),
    # trusted ignored: a trusted Lambda model is refused too
    ("load_for_inference", """
def load_for_inference(path, trusted=False):
    return keras.saving.load_model(path)
""", "save_and_load_hidden", "trusted=True) loads with safe_mode=False"),
    # rows and columns swapped
    ("confusion_matrix", """
def confusion_matrix(y_true, y_pred, num_classes):
    counts = np.zeros((num_classes, num_classes), dtype=int)
    np.add.at(counts, (y_pred, y_true), 1)
    return counts
""", "looking_inside_public", "the transpose of the expected table"),
    # only the classes that occur: a smaller table when some never appear
    ("confusion_matrix", """
def confusion_matrix(y_true, y_pred, num_classes):
    size = int(max(np.max(y_true), np.max(y_pred))) + 1
    counts = np.zeros((size, size), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts
""", "looking_inside_hidden", "every class counted even when no sample has it"),
    # frequencies instead of counts
    ("confusion_matrix", """
def confusion_matrix(y_true, y_pred, num_classes):
    counts = np.zeros((num_classes, num_classes))
    np.add.at(counts, (y_true, y_pred), 1)
    return counts / len(y_true)
""", "looking_inside_public", "expected integers"),
    # the maps before the activation: the Conv2D's kernel applied by hand, no relu
    ("first_conv_feature_maps", """
def first_conv_feature_maps(model, image):
    conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    before = keras.Model(model.inputs, conv.input)(image[None])
    maps = keras.ops.conv(before, conv.kernel, strides=conv.strides, padding=conv.padding) + conv.bias
    return keras.ops.convert_to_numpy(maps)[0]
""", "looking_inside_public", "its activation included"),
    # the batch axis kept
    ("first_conv_feature_maps", """
def first_conv_feature_maps(model, image):
    conv = next(layer for layer in model.layers if isinstance(layer, layers.Conv2D))
    return keras.ops.convert_to_numpy(keras.Model(model.inputs, conv.output)(image[None]))
""", "looking_inside_public", "return the maps of the one image"),
    # the last convolution, not the first
    ("first_conv_feature_maps", """
def first_conv_feature_maps(model, image):
    conv = [layer for layer in model.layers if isinstance(layer, layers.Conv2D)][-1]
    return keras.ops.convert_to_numpy(keras.Model(model.inputs, conv.output)(image[None]))[0]
""", "looking_inside_public", "take the first Conv2D in model.layers"),
]
