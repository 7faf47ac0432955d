"""Other ways to answer chapter 4: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
"""

# --- correct, written differently -----------------------------------------------------------

SCALE_WITH_DIVIDE = '''
def scale_images(x):
    if np.ndim(x) == 3:
        x = np.expand_dims(x, axis=-1)
    return np.divide(x, 255, dtype=np.float32)
'''

ONE_HOT_WITH_EYE = '''
def one_hot(labels, num_classes):
    labels = np.ravel(labels).astype(int)
    if np.any(labels < 0) or np.any(labels > num_classes - 1):
        wrong = [int(v) for v in labels if not 0 <= v < num_classes]
        raise ValueError(f"labels {wrong} are not class indices 0..{num_classes - 1}")
    return np.eye(num_classes, dtype="float32")[labels]
'''

DATASET_ZIPPED = '''
def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    features = tf.data.Dataset.from_tensor_slices(x)
    labels = tf.data.Dataset.from_tensor_slices(y)
    pipeline = tf.data.Dataset.zip((features, labels))
    if shuffle:
        pipeline = pipeline.shuffle(buffer_size=x.shape[0], seed=seed)
    pipeline = pipeline.batch(batch_size, drop_remainder=False)
    return pipeline.prefetch(buffer_size=tf.data.AUTOTUNE)
'''

BATCHES_WITH_PERMUTATION = '''
class ArrayBatches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=32, shuffle=True, seed=0, workers=1, use_multiprocessing=False,
                 max_queue_size=10):
        super().__init__(workers=workers, use_multiprocessing=use_multiprocessing, max_queue_size=max_queue_size)
        self.features = x
        self.labels = y
        self.size = batch_size
        self.random = np.random.RandomState(seed) if shuffle else None
        self.index = self.random.permutation(len(x)) if shuffle else np.arange(len(x))

    def __len__(self):
        return -(-len(self.features) // self.size)

    def __getitem__(self, i):
        start = i * self.size
        stop = min(start + self.size, len(self.features))
        picked = self.index[start:stop]
        return np.take(self.features, picked, axis=0), np.take(self.labels, picked, axis=0)

    def on_epoch_end(self):
        if self.random is not None:
            self.index = self.random.permutation(len(self.features))
'''

AUGMENTATION_ADDED = '''
def build_augmentation(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(name="augment")
    model.add(layers.RandomZoom(height_factor=(-0.2, 0.2), width_factor=(-0.2, 0.2)))
    model.add(layers.RandomRotation(factor=(-0.05, 0.05), fill_mode="constant"))
    model.add(layers.RandomFlip(mode="horizontal_and_vertical"))
    return model
'''

FOLDER_WITH_PREFETCH = '''
import os

def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    names = sorted(entry for entry in os.listdir(directory) if os.path.isdir(os.path.join(directory, entry)))
    dataset = keras.utils.image_dataset_from_directory(directory, class_names=names, image_size=image_size,
                                                       batch_size=batch_size, color_mode=color_mode, seed=seed)
    return dataset.prefetch(tf.data.AUTOTUNE), names
'''

WRITTEN_DIFFERENTLY = {
    "scale_images": SCALE_WITH_DIVIDE,
    "one_hot": ONE_HOT_WITH_EYE,
    "make_dataset": DATASET_ZIPPED,
    "ArrayBatches": BATCHES_WITH_PERMUTATION,
    "build_augmentation": AUGMENTATION_ADDED,
    "load_image_folder": FOLDER_WITH_PREFETCH,
    "build_small_cnn": """
def build_small_cnn(input_shape=(28, 28, 1), num_classes=10, dropout=0.0, l2=0.0, augmentation=None):
    inputs = keras.Input(shape=input_shape)
    x = augmentation(inputs) if augmentation is not None else inputs
    reg = dict(kernel_regularizer=keras.regularizers.l2(l2)) if l2 > 0 else {}
    x = layers.Conv2D(8, (3, 3), padding="same", **reg)(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(8, 3, activation="relu", **reg)(x)
    x = layers.Flatten()(layers.MaxPooling2D(pool_size=(2, 2))(x))
    x = layers.Dropout(rate=dropout)(x) if dropout > 0 else x
    logits = layers.Dense(num_classes, **reg)(x)
    return keras.Model(inputs, layers.Softmax()(logits))
""",
    "generalization_gap": """
def generalization_gap(model, x_train, y_train, x_val, y_val):
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    train_accuracy = model.evaluate(x_train, y_train, verbose=0, return_dict=True)["accuracy"]
    val_accuracy = model.evaluate(x_val, y_val, verbose=0, return_dict=True)["accuracy"]
    return dict(train_accuracy=train_accuracy, val_accuracy=val_accuracy, gap=train_accuracy - val_accuracy)
""",
    "overfitting_comparison": """
digits = load_mnist()
x_few, y_few = digits.x_train[:150].astype("float32")[..., None] / 255.0, digits.y_train[:150]
x_check, y_check = digits.x_test[:300].astype("float32")[..., None] / 255.0, digits.y_test[:300]
digit_augmentation = keras.Sequential([
    layers.RandomRotation(0.05, fill_mode="constant", seed=1),
    layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=2),
], name="digit_augmentation")

keras.utils.set_random_seed(5)
models = {"plain": build_small_cnn(), "regularized": build_small_cnn(dropout=0.4, l2=5e-4,
                                                                    augmentation=digit_augmentation)}
gaps = {}
for name, model in models.items():
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_few, y_few, epochs=15, batch_size=16, verbose=0)
    gaps[name] = generalization_gap(model, x_few, y_few, x_check, y_check)
plain_model, regularized_model = models["plain"], models["regularized"]
plain_gap, regularized_gap = gaps["plain"], gaps["regularized"]
regularization_narrowed_gap = bool(regularized_gap["gap"] < plain_gap["gap"])
""",
}

# --- wrong ------------------------------------------------------------------------------------

SCALE_NO_CHANNEL = '''
def scale_images(x):
    return x.astype("float32") / 255.0
'''

SCALE_FLOAT64 = '''
def scale_images(x):
    x = x / 255
    return x[..., None] if x.ndim == 3 else x
'''

SCALE_BY_256 = '''
def scale_images(x):
    x = x.astype("float32") / 256.0
    return x[..., None] if x.ndim == 3 else x
'''

SCALE_ALWAYS_ADDS_AXIS = '''
def scale_images(x):
    return (x.astype("float32") / 255.0)[..., np.newaxis]
'''

ONE_HOT_UNCHECKED = '''
def one_hot(labels, num_classes):
    return keras.utils.to_categorical(labels, num_classes)
'''

ONE_HOT_EYE_NOT_FLATTENED = '''
def one_hot(labels, num_classes):
    labels = np.asarray(labels)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError("label out of range")
    return np.eye(num_classes)[labels]
'''

ONE_HOT_NEGATIVE_WRAPS = '''
def one_hot(labels, num_classes):
    labels = np.asarray(labels).reshape(-1)
    if labels.max() >= num_classes:
        raise ValueError(f"label {labels.max()} too large")
    return np.eye(num_classes)[labels]
'''

DATASET_DROPS_REMAINDER = '''
def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
'''

DATASET_SAME_ORDER_EVERY_EPOCH = '''
def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=False)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
'''

DATASET_NUMPY_SHUFFLED_ONCE = '''
def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    if shuffle:
        order = np.random.default_rng(seed).permutation(len(x))
        x, y = x[order], y[order]
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size).prefetch(tf.data.AUTOTUNE)
'''

DATASET_NOT_PREFETCHED = '''
def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x), seed=seed)
    return ds.batch(batch_size)
'''

DATASET_IGNORES_SEED = '''
def make_dataset(x, y, batch_size=32, shuffle=True, seed=0):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if shuffle:
        ds = ds.shuffle(len(x))
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)
'''

BATCHES_FLOOR_LEN = '''
class ArrayBatches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=32, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x)) if shuffle else np.arange(len(x))

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self.order = self.rng.permutation(len(self.x))
'''

BATCHES_NEVER_RESHUFFLED = '''
class ArrayBatches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=32, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.order = np.random.default_rng(seed).permutation(len(x)) if shuffle else np.arange(len(x))

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]
'''

BATCHES_FIRST_EPOCH_UNSHUFFLED = '''
class ArrayBatches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=32, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.order = np.arange(len(x))

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.order)
'''

BATCHES_SHUFFLED_APART = '''
class ArrayBatches(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size=32, shuffle=True, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.shuffle = x.copy(), y.copy(), batch_size, shuffle
        self.rng = np.random.default_rng(seed)
        self.on_epoch_end()

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        if self.shuffle:
            self.rng.shuffle(self.x)
            self.rng.shuffle(self.y)
'''

AUGMENTATION_NO_ZOOM = '''
def build_augmentation(seed=0):
    return keras.Sequential([layers.RandomFlip("horizontal", seed=seed), layers.RandomRotation(0.1, seed=seed)])
'''

AUGMENTATION_WITH_RESCALING = '''
def build_augmentation(seed=0):
    return keras.Sequential([
        layers.Rescaling(1 / 255),
        layers.RandomFlip("horizontal", seed=seed),
        layers.RandomRotation(0.1, seed=seed),
        layers.RandomZoom(0.1, seed=seed),
    ])
'''

AUGMENTATION_LIST = '''
def build_augmentation(seed=0):
    return [layers.RandomFlip("horizontal", seed=seed), layers.RandomRotation(0.1, seed=seed),
            layers.RandomZoom(0.1, seed=seed)]
'''

FOLDER_ALWAYS_RGB = '''
def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, image_size=image_size, batch_size=batch_size, seed=seed)
    return ds, ds.class_names
'''

FOLDER_DEFAULT_SIZE = '''
def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, batch_size=batch_size, color_mode=color_mode, seed=seed)
    return ds, ds.class_names
'''

FOLDER_CATEGORICAL = '''
def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, label_mode="categorical", image_size=image_size,
                                                  batch_size=batch_size, color_mode=color_mode, seed=seed)
    return ds, ds.class_names
'''

FOLDER_UNSHUFFLED = '''
def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, image_size=image_size, batch_size=batch_size,
                                                  color_mode=color_mode, shuffle=False)
    return ds, ds.class_names
'''

FOLDER_SEED_IGNORED = '''
def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, image_size=image_size, batch_size=batch_size,
                                                  color_mode=color_mode, seed=42)
    return ds, ds.class_names
'''

FOLDER_NAMES_BY_DATE = '''
import os

def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, image_size=image_size, batch_size=batch_size,
                                                  color_mode=color_mode, seed=seed)
    folders = [os.path.join(directory, name) for name in os.listdir(directory)]
    return ds, [os.path.basename(f) for f in sorted(folders, key=os.path.getmtime)]
'''

WRONG = [
    ("scale_images", SCALE_NO_CHANNEL, "scale_images_public", "(N, H, W, 1)"),
    ("scale_images", SCALE_FLOAT64, "scale_images_public", "expected float32"),
    ("scale_images", SCALE_BY_256, "scale_images_public", "differs at index"),
    ("scale_images", SCALE_ALWAYS_ADDS_AXIS, "scale_images_hidden", "keep their shape"),
    ("one_hot", ONE_HOT_UNCHECKED, "one_hot_public", "raised IndexError, expected ValueError"),
    ("one_hot", ONE_HOT_EYE_NOT_FLATTENED, "one_hot_hidden", "flatten them first"),
    ("one_hot", ONE_HOT_NEGATIVE_WRAPS, "one_hot_hidden", "should raise ValueError"),
    ("make_dataset", DATASET_DROPS_REMAINDER, "make_dataset_public", "keep the last partial batch"),
    ("make_dataset", DATASET_DROPS_REMAINDER, "make_dataset_hidden", "keep the last partial batch"),
    ("make_dataset", DATASET_SAME_ORDER_EVERY_EPOCH, "make_dataset_public",
     "the first epoch and the second epoch give the same order"),
    ("make_dataset", DATASET_NUMPY_SHUFFLED_ONCE, "make_dataset_hidden",
     "the first epoch and the second epoch give the same order"),
    ("make_dataset", DATASET_NOT_PREFETCHED, "make_dataset_public", "not prefetched"),
    ("make_dataset", DATASET_IGNORES_SEED, "make_dataset_hidden", "should give the same order"),
    ("ArrayBatches", BATCHES_FLOOR_LEN, "ArrayBatches_public", "last partial batch counts"),
    ("ArrayBatches", BATCHES_NEVER_RESHUFFLED, "ArrayBatches_hidden",
     "the first epoch and the second epoch give the same order"),
    ("ArrayBatches", BATCHES_FIRST_EPOCH_UNSHUFFLED, "ArrayBatches_public",
     "the first epoch and the original order give the same order"),
    ("ArrayBatches", BATCHES_SHUFFLED_APART, "ArrayBatches_public", "shuffle x and y together"),
    ("build_augmentation", AUGMENTATION_NO_ZOOM, "build_augmentation_public", "no RandomZoom"),
    ("build_augmentation", AUGMENTATION_WITH_RESCALING, "build_augmentation_hidden", "training=False"),
    ("build_augmentation", AUGMENTATION_LIST, "build_augmentation_public", "keras.Sequential"),
    ("load_image_folder", FOLDER_ALWAYS_RGB, "load_image_folder_hidden", "1 channel"),
    ("load_image_folder", FOLDER_DEFAULT_SIZE, "load_image_folder_public", "expected (64, 64, 3)"),
    ("load_image_folder", FOLDER_CATEGORICAL, "load_image_folder_public", "integer class indices"),
    ("load_image_folder", FOLDER_NAMES_BY_DATE, "load_image_folder_hidden", "Keras sorts the folder names"),
    ("load_image_folder", FOLDER_UNSHUFFLED, "load_image_folder_hidden", "in the folders' order"),
    ("load_image_folder", FOLDER_SEED_IGNORED, "load_image_folder_hidden", "pass the seed argument on"),
]

FOLDER_RESCALED = '''
def load_image_folder(directory, image_size=(64, 64), batch_size=32, color_mode="rgb", seed=0):
    ds = keras.utils.image_dataset_from_directory(directory, image_size=image_size, batch_size=batch_size,
                                                  color_mode=color_mode, seed=seed)
    names = ds.class_names
    return ds.map(lambda x, y: (x / 255.0, y)), names
'''

WRONG.append(("load_image_folder", FOLDER_RESCALED, "load_image_folder_public", "values 0..255"))

ONE_HOT_SILENT_MESSAGE = '''
def one_hot(labels, num_classes):
    labels = np.asarray(labels).reshape(-1)
    if ((labels < 0) | (labels >= num_classes)).any():
        raise ValueError("invalid labels")
    return keras.utils.to_categorical(labels, num_classes)
'''

WRONG.append(("one_hot", ONE_HOT_SILENT_MESSAGE, "one_hot_hidden", "should mention '7'"))


# --- over-fitting and regularisation ---------------------------------------------------------------

SMALL_CNN_WITH = """
def build_small_cnn(input_shape=(28, 28, 1), num_classes=10, dropout=0.0, l2=0.0, augmentation=None):
    reg = keras.regularizers.L2(l2) if l2 else None
    stack = [keras.Input(input_shape)] + ([augmentation] if augmentation is not None else [])
    stack += [layers.Conv2D(16, 3, activation="relu", kernel_regularizer=CONV_REG), layers.MaxPooling2D(2),
              layers.Flatten()] + DROPOUT
    return keras.Sequential(stack + [layers.Dense(num_classes, activation="softmax", kernel_regularizer=reg)])
"""
COMPARISON = """
digits = load_mnist()
x_few, y_few = digits.x_train[:150].astype("float32")[..., None] / 255.0, digits.y_train[:150]
x_check, y_check = digits.x_test[CHECK].astype("float32")[..., None] / 255.0, digits.y_test[CHECK]
keras.utils.set_random_seed(0)
plain_model = build_small_cnn()
regularized_model = build_small_cnn(dropout=0.5, l2=1e-3, augmentation=keras.Sequential([
    layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=2)]))
for model in (plain_model, regularized_model):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x_few, y_few, epochs=10, batch_size=25, verbose=0)
plain_gap = generalization_gap(plain_model, x_few, y_few, x_check, y_check)
regularized_gap = generalization_gap(regularized_model, x_few, y_few, x_check, y_check)
regularization_narrowed_gap = CONCLUSION
"""

WRONG += [
    # the L2 penalty on the output layer only
    ("build_small_cnn", SMALL_CNN_WITH.replace("CONV_REG", "None").replace(
        "DROPOUT", "([layers.Dropout(dropout)] if dropout else [])"), "small_cnn_public", "every Conv2D and Dense kernel"),
    # a Dropout always there, of rate 0.5 whatever dropout says
    ("build_small_cnn", SMALL_CNN_WITH.replace("CONV_REG", "reg").replace("DROPOUT", "[layers.Dropout(0.5)]"),
     "small_cnn_public", "where dropout=0 asks for none"),
    # the augmentation block after the convolution, where it changes feature maps, not images
    ("build_small_cnn", """
def build_small_cnn(input_shape=(28, 28, 1), num_classes=10, dropout=0.0, l2=0.0, augmentation=None):
    reg = keras.regularizers.L2(l2) if l2 else None
    stack = [keras.Input(input_shape), layers.Conv2D(16, 3, activation="relu", kernel_regularizer=reg)]
    stack += [augmentation] if augmentation is not None else []
    stack += [layers.MaxPooling2D(2), layers.Flatten()] + ([layers.Dropout(dropout)] if dropout else [])
    return keras.Sequential(stack + [layers.Dense(num_classes, activation="softmax", kernel_regularizer=reg)])
""", "small_cnn_public", "right after the Input"),
    # accuracy in training mode: dropout and augmentation still on
    ("generalization_gap", """
def generalization_gap(model, x_train, y_train, x_val, y_val):
    def accuracy(x, y):
        return float(np.mean(np.argmax(model(x, training=True), axis=1) == y))
    train, val = accuracy(x_train, y_train), accuracy(x_val, y_val)
    return {"train_accuracy": train, "val_accuracy": val, "gap": train - val}
""", "overfitting_hidden", "regularized_gap"),
    # the gap the other way round
    ("generalization_gap", """
def generalization_gap(model, x_train, y_train, x_val, y_val):
    def accuracy(x, y):
        return float(np.mean(model.predict(x, verbose=0).argmax(axis=1) == y))
    train, val = accuracy(x_train, y_train), accuracy(x_val, y_val)
    return {"train_accuracy": train, "val_accuracy": val, "gap": val - train}
""", "overfitting_public", "train_accuracy - val_accuracy"),
    # the conclusion as a word, not a truth value
    ("overfitting_comparison", COMPARISON.replace("CHECK", ":300").replace("CONCLUSION", '"yes"'),
     "overfitting_hidden", "should be True or False"),
    # measured on other images than the ones the text names
    ("overfitting_comparison", COMPARISON.replace("CHECK", "-300:").replace(
        "CONCLUSION", 'regularized_gap["gap"] < plain_gap["gap"]'), "overfitting_hidden",
     "on the first 150 training and 300 test images"),
]
