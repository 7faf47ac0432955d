"""Other ways to answer chapter 7: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
"""

# --- correct, written differently -----------------------------------------------------------

SPLIT_WITH_FLATNONZERO = '''
def split_digits(x, y):
    labels = np.array(y, copy=True)
    first = np.flatnonzero(labels <= 4)
    second = np.flatnonzero(labels >= 5)
    return ((np.take(x, first, axis=0), labels[first]),
            (np.take(x, second, axis=0), labels[second] - 5))
'''

BASE_SEQUENTIAL_GLOBAL_POOLING = '''
def build_base_cnn(input_shape=(28, 28, 1), num_classes=5):
    return keras.Sequential([
        keras.Input(input_shape),
        layers.Conv2D(8, (3, 3), activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPool2D(),
        layers.Conv2D(16, 3, padding="same"),
        layers.ReLU(),
        layers.BatchNormalization(),
        layers.GlobalAveragePooling2D(name="features"),
        layers.Dense(num_classes),
        layers.Softmax(),
    ])
'''

# The base's graph cut at "features" (works for Sequential bases through .inputs), a head with
# Dropout and a separate softmax layer.
TRANSFER_GET_LAYER_OUTPUT = '''
def build_transfer_model(base_model, num_classes):
    for layer in base_model.layers:
        layer.trainable = False
    features = base_model.get_layer(name="features").output
    x = layers.Dropout(0.3)(features)
    x = layers.Dense(num_classes)(x)
    outputs = layers.Activation("softmax")(x)
    return keras.Model(inputs=base_model.inputs, outputs=outputs)
'''

UNFREEZE_COUNTING_DOWN = '''
def unfreeze_top_layers(model, n):
    position = {layer.name: i for i, layer in enumerate(model.layers)}["features"]
    base = [layer for layer in model.layers[: position + 1] if type(layer).__name__ != "InputLayer"]
    if n < 0 or n > len(base):
        raise ValueError(f"cannot unfreeze {n} of {len(base)} layers")
    for layer in base:
        layer.trainable = False
    for layer in reversed(base[len(base) - n:]):
        if not isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = True
    return model
'''

COMPILE_WITH_OBJECTS = '''
def compile_for_fine_tuning(model, base_learning_rate):
    optimizer = keras.optimizers.Adam(learning_rate=0.05 * base_learning_rate)
    model.compile(optimizer=optimizer, loss=keras.losses.SparseCategoricalCrossentropy(),
                  metrics=[keras.metrics.SparseCategoricalAccuracy()])
    return model
'''

WRITTEN_DIFFERENTLY = {
    "split_digits": SPLIT_WITH_FLATNONZERO,
    "build_base_cnn": BASE_SEQUENTIAL_GLOBAL_POOLING,
    "build_transfer_model": TRANSFER_GET_LAYER_OUTPUT,
    "unfreeze_top_layers": UNFREEZE_COUNTING_DOWN,
    "compile_for_fine_tuning": COMPILE_WITH_OBJECTS,
}

# Another correct pair: the feature layers as one nested model, called with training=False (the
# keras.applications pattern); unfreeze_top_layers looks inside it.
NESTED = {
    "build_transfer_model": '''
def build_transfer_model(base_model, num_classes):
    extractor = keras.Model(base_model.inputs, base_model.get_layer("features").output)
    extractor.trainable = False
    inputs = keras.Input(shape=tuple(base_model.inputs[0].shape[1:]))
    x = extractor(inputs, training=False)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
''',
    "unfreeze_top_layers": '''
def unfreeze_top_layers(model, n):
    extractor = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    base = [layer for layer in extractor.layers if not isinstance(layer, layers.InputLayer)]
    if not 0 <= n <= len(base):
        raise ValueError(n)
    extractor.trainable = True
    for i, layer in enumerate(base):
        layer.trainable = i >= len(base) - n and not isinstance(layer, layers.BatchNormalization)
    return model
''',
}

# --- wrong: (solution cell, source, test cell that must fail, words its message must hold) ---

# Unfreezes the top n layers, BatchNormalization included.
_UNFREEZE_BATCH_NORM_TOO = '''
def unfreeze_top_layers(model, n):
    names = [layer.name for layer in model.layers]
    base = model.layers[1:names.index("features") + 1]
    if not 0 <= n <= len(base):
        raise ValueError(n)
    for i, layer in enumerate(base):
        layer.trainable = i >= len(base) - n
    return model
'''



def _compile_answer(optimizer: str, loss: str = "sparse_categorical_crossentropy", first: str = "") -> str:
    """A compile_for_fine_tuning with this optimizer and loss, doing ``first`` before compiling."""
    return (f"\ndef compile_for_fine_tuning(model, base_learning_rate):\n{first}"
            f"    model.compile(optimizer={optimizer}, loss={loss!r}, metrics=[\"accuracy\"])\n"
            "    return model\n")


_TRANSFER_HEAD = '''
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs)
'''

WRONG = [
    # a copy of the base with its weights, frozen, instead of the base's own layers
    ("build_transfer_model", '''
def build_transfer_model(base_model, num_classes):
    copy = keras.models.clone_model(base_model)
    copy.set_weights(base_model.get_weights())
    for layer in copy.layers:
        layer.trainable = False
    x = copy.get_layer("features").output
    return keras.Model(copy.inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "transfer_model_hidden", "are still trainable"),
    # a flat unfreeze_top_layers on the nested transfer model: "features" is not among its layers, so
    # every call raises ValueError, the bad n's included
    ("unfreeze_top_layers", NESTED["build_transfer_model"] + _UNFREEZE_BATCH_NORM_TOO, "unfreeze_top_layers_hidden",
     "but it is a valid call"),
    ("split_digits", '''
def split_digits(x, y):
    low = y < 5
    return (x[low], y[low]), (x[~low], y[~low])
''', "split_digits_public", "must be relabelled 0-4"),
    ("split_digits", '''
def split_digits(x, y):
    order = np.argsort(y, kind="stable")
    x, y = x[order], y[order]
    low = y < 5
    return (x[low], y[low]), (x[~low], y[~low] - 5)
''', "split_digits_hidden", "keep the input's order"),
    ("split_digits", '''
def split_digits(x, y):
    low = y < 5
    y[~low] -= 5
    return (x[low], y[low]), (x[~low], y[~low])
''', "split_digits_hidden", "changed the arrays it was given"),
    ("build_base_cnn", '''
def build_base_cnn(input_shape=(28, 28, 1), num_classes=5):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, activation="relu")(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu", name="features")(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "base_cnn_public", "has no BatchNormalization layer"),
    ("build_base_cnn", '''
def build_base_cnn(input_shape=(28, 28, 1), num_classes=5):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(16, 3, activation="relu", name="features")(x)
    x = layers.Flatten()(x)
    return keras.Model(inputs, layers.Dense(num_classes, activation="softmax")(x))
''', "base_cnn_public", "outputs rank 4 tensors"),
    ("build_base_cnn", '''
def build_base_cnn(input_shape=(28, 28, 1), num_classes=5):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(16, 3, activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D(name="features")(x)
    return keras.Model(inputs, layers.Dense(5, activation="softmax")(x))
''', "base_cnn_hidden", "expected (10,)"),
    ("build_transfer_model", '''
def build_transfer_model(base_model, num_classes):
    inputs = keras.Input(shape=base_model.inputs[0].shape[1:])
    x = inputs
    for layer in base_model.layers[1:]:
        x = layer(x)
        if layer.name == "features":
            break
''' + _TRANSFER_HEAD, "transfer_model_public", "all of them should be frozen"),
    ("build_transfer_model", '''
def build_transfer_model(base_model, num_classes):
    for layer in base_model.layers[:-1]:
        layer.trainable = False
    return keras.Model(base_model.inputs, base_model.outputs)
''', "transfer_model_hidden", "still holds the base's own classifier"),
    ("build_transfer_model", '''
def build_transfer_model(base_model, num_classes):
    for layer in base_model.layers:
        layer.trainable = False
    x = base_model.layers[-2].output
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(base_model.inputs, outputs)
''', "transfer_model_hidden", "still holds the base's own classifier"),
    ("build_transfer_model", '''
def build_transfer_model(base_model, num_classes):
    for layer in base_model.layers:
        layer.trainable = False
    x = base_model.get_layer("features").output
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(base_model.input, outputs)
''', "transfer_model_hidden", "a Sequential model has no .input"),
    ("build_transfer_model", '''
def build_transfer_model(base_model, num_classes):
    copy = keras.models.clone_model(base_model)
    for layer in copy.layers:
        layer.trainable = False
    x = copy.get_layer("features").output
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(copy.inputs, outputs)
''', "transfer_model_public", "does not reuse the base's layers"),
    ("unfreeze_top_layers", _UNFREEZE_BATCH_NORM_TOO, "unfreeze_top_layers_public",
     "BatchNormalization layers must stay frozen"),
    ("unfreeze_top_layers", _UNFREEZE_BATCH_NORM_TOO, "unfreeze_top_layers_hidden",
     "BatchNormalization layers must stay frozen"),
    ("unfreeze_top_layers", '''
def unfreeze_top_layers(model, n):
    names = [layer.name for layer in model.layers]
    base = [layer for layer in model.layers[1:names.index("features") + 1] if layer.weights]
    if not 0 <= n <= len(base):
        raise ValueError(n)
    for i, layer in enumerate(base):
        layer.trainable = i >= len(base) - n and not isinstance(layer, layers.BatchNormalization)
    return model
''', "unfreeze_top_layers_hidden", "expected 165 trainable and 298 non-trainable parameters"),
    ("unfreeze_top_layers", '''
def unfreeze_top_layers(model, n):
    names = [layer.name for layer in model.layers]
    base = model.layers[1:names.index("features") + 1]
    for layer in base[-n:] if n else []:
        if not isinstance(layer, layers.BatchNormalization):
            layer.trainable = True
    return model
''', "unfreeze_top_layers_hidden", "should raise ValueError"),
    ("compile_for_fine_tuning", _compile_answer("keras.optimizers.Adam(base_learning_rate)"),
     "compile_for_fine_tuning_public", "at most 0.0001"),
    ("compile_for_fine_tuning", _compile_answer("keras.optimizers.Adam(base_learning_rate / 10)",
                                                loss="categorical_crossentropy"),
     "compile_for_fine_tuning_public", "expected sparse_categorical_crossentropy"),
    ("compile_for_fine_tuning", _compile_answer("keras.optimizers.Adam(1e-4)"),
     "compile_for_fine_tuning_hidden", "at most 1e-06"),
    ("compile_for_fine_tuning", _compile_answer("keras.optimizers.Adam(base_learning_rate / 10)",
                                                first="    for layer in model.layers:\n        layer.trainable = True\n"),
     "compile_for_fine_tuning_hidden", "changed which layers train"),
    ("compile_for_fine_tuning", _compile_answer("keras.optimizers.SGD(base_learning_rate / 10)"),
     "compile_for_fine_tuning_hidden", "optimizer is sgd; expected adam"),
]
