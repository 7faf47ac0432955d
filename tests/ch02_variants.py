"""Other ways to answer chapter 2: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
"""

# --- correct, written differently -----------------------------------------------------------

WRITTEN_DIFFERENTLY = {
    "conv2d_output_shape": '''
import math

def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    kernel = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,) * 2
    stride = strides if isinstance(strides, (tuple, list)) else (strides,) * 2
    sides = []
    for n, k, s in zip(input_shape[:2], kernel, stride):
        sides.append(math.ceil(n / s) if padding == "same" else math.floor((n - k) / s) + 1)
    return (*sides, filters)
''',
    "pool2d_output_shape": '''
def pool2d_output_shape(input_shape, pool_size=2, strides=None, padding="valid"):
    pool = np.broadcast_to(pool_size, 2)
    step = pool if strides is None else np.broadcast_to(strides, 2)
    size = np.array(input_shape[:2])
    out = -(-size // step) if padding == "same" else (size - pool) // step + 1
    return tuple(int(v) for v in out) + (input_shape[2],)
''',
    "dense_params": '''
def dense_params(input_dim, units, use_bias=True):
    return (input_dim + int(bool(use_bias))) * units
''',
    "conv2d_params": '''
def conv2d_params(input_channels, filters, kernel_size, use_bias=True):
    weights_per_filter = int(np.prod(np.broadcast_to(kernel_size, 2))) * input_channels
    return (weights_per_filter + (1 if use_bias else 0)) * filters
''',
    "rnn_params": '''
def rnn_params(kind, input_dim, units):
    if kind == "simple_rnn":
        return units * input_dim + units * units + units
    if kind == "lstm":
        return 4 * (units * input_dim + units * units + units)
    if kind == "gru":
        return 3 * (units * input_dim + units * units) + 2 * 3 * units
    raise ValueError("unknown kind " + repr(kind))
''',
    "sigmoid": '''
def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))
''',
    "hard_sigmoid": '''
def hard_sigmoid(x):
    return np.minimum(np.maximum(x + 3, 0), 6) / 6
''',
    "tanh": '''
def tanh(x):
    # 2 * sigmoid(2x) - 1, written with exp(-|2x|) only
    z = np.exp(-2 * np.abs(x))
    return np.sign(x) * (1 - z) / (1 + z)
''',
    "softsign": '''
def softsign(x):
    return np.divide(x, np.abs(x) + 1)
''',
    "relu": '''
def relu(x):
    return np.where(x > 0, x, np.zeros_like(x))
''',
    "linear": '''
def linear(x):
    return np.array(x, copy=True)
''',
    "softplus": '''
def softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
''',
    "elu": '''
def elu(x, alpha=1.0):
    out = np.array(x, copy=True)
    negative = x <= 0
    out[negative] = alpha * (np.exp(x[negative]) - 1)
    return out
''',
    "selu": '''
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

def selu(x):
    return SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(np.clip(x, None, 0)) - 1))
''',
    "softmax": '''
import scipy.special

def softmax(x, axis=-1):
    return np.exp(x - scipy.special.logsumexp(x, axis=axis, keepdims=True))
''',
    "residual_dense_block": '''
def residual_dense_block(x, units):
    y = layers.Dense(units)(x)
    y = layers.Activation("relu")(y)
    y = layers.Dense(units, activation=None)(y)
    if x.shape[-1] != units:
        x = layers.Dense(units, name=None)(x)
    return keras.ops.relu(layers.add([x, y]))
''',
    "build_two_branch_model": '''
def build_two_branch_model(image_shape=(28, 28, 1), num_features=10, num_classes=10):
    image_branch = keras.Sequential([
        layers.Conv2D(8, (3, 3), activation="relu"),
        layers.MaxPooling2D(),
        layers.Flatten(),
    ])
    image = keras.Input(image_shape)
    features = keras.Input((num_features,))
    joined = layers.concatenate([image_branch(image), layers.Dense(8, activation="tanh")(features)])
    logits = layers.Dense(num_classes)(joined)
    return keras.Model([image, features], layers.Softmax()(logits))
''',
    "build_sequence_classifier": '''
def build_sequence_classifier(vocab_size=10000, maxlen=100, num_classes=2, cell="lstm", units=32):
    tokens = keras.Input(shape=(maxlen,))
    x = layers.Embedding(input_dim=vocab_size, output_dim=16)(tokens)
    if cell == "simple_rnn":
        x = layers.SimpleRNN(units)(x)
    elif cell == "lstm":
        x = layers.LSTM(units=units)(x)
    elif cell == "gru":
        x = layers.GRU(units, reset_after=False)(x)
    else:
        raise ValueError(f"unknown cell {cell}")
    x = layers.Dense(num_classes)(x)
    return keras.Model(tokens, layers.Activation("softmax")(x))
''',
    "custom_layer": """
@keras.saving.register_keras_serializable()
class Linear(keras.layers.Layer):
    def __init__(self, units=32, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = int(units), bool(use_bias)

    def build(self, input_shape):
        features = input_shape[-1]
        self.w = self.add_weight(shape=(features, self.units), initializer=keras.initializers.GlorotUniform())
        if self.use_bias:
            self.b = self.add_weight(shape=[self.units], initializer="zeros", trainable=True)

    def call(self, x):
        y = keras.ops.einsum("...i,ij->...j", x, self.w)
        if self.use_bias:
            y = keras.ops.add(y, self.b)
        return y

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, use_bias=self.use_bias)
        return config
""",
}

# --- wrong: (solution cell, source, test cell that must fail, words its message must hold) ---

WRONG = [
    # the features joined as they come, without a Dense branch of their own
    ("build_two_branch_model", '''
def build_two_branch_model(image_shape=(28, 28, 1), num_features=10, num_classes=10):
    image, features = keras.Input(image_shape), keras.Input((num_features,))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(8, 3, padding="same", activation="relu")(image))
    joined = layers.Concatenate()([x, features])
    return keras.Model([image, features], layers.Dense(num_classes, activation="softmax")(joined))
''', "two_branch_model_public", "reaches the Concatenate through no Dense layer"),
    # right values from Keras itself, where the exercise asks for NumPy
    ("sigmoid", '''
def sigmoid(x):
    return keras.ops.convert_to_numpy(keras.activations.sigmoid(x))
''', "squashing_activations_public", "write it with NumPy operations"),
    ("softmax", '''
from keras.src.activations.activations import softmax as _keras_softmax

def softmax(x, axis=-1):
    return np.asarray(_keras_softmax(keras.ops.convert_to_tensor(x), axis=axis))
''', "softmax_hidden", "calls keras"),
    # right values, but floats: np.ceil / np.floor
    ("conv2d_output_shape", '''
def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    h, w, _ = input_shape
    if padding == "same":
        return (np.ceil(h / strides), np.ceil(w / strides), filters)
    return (np.floor((h - kernel_size) / strides) + 1, np.floor((w - kernel_size) / strides) + 1, filters)
''', "output_shapes_public", "should be a tuple of Python ints"),
    # keras.Input(shape=(maxlen)) is not a tuple: every call raises ValueError, the bad cells' too
    ("build_sequence_classifier", '''
def build_sequence_classifier(vocab_size=10000, maxlen=100, num_classes=2, cell="lstm", units=32):
    tokens = keras.Input(shape=(maxlen))
    x = layers.Embedding(vocab_size, 16)(tokens)
    x = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}[cell](units)(x)
    return keras.Model(tokens, layers.Dense(num_classes, activation="softmax")(x))
''', "sequence_classifier_hidden", "but it is a valid call"),
    ("conv2d_output_shape", '''
def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    h, w, _ = input_shape
    return ((h - kernel_size) // strides + 1, (w - kernel_size) // strides + 1, filters)
''', "output_shapes_public", "but Keras gives (14, 14, 16)"),
    ("conv2d_output_shape", '''
def conv2d_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    h, w, _ = input_shape
    if padding == "same":
        return (-(-h // strides), -(-w // strides), filters)
    return ((h - kernel_size) // strides + 1, (w - kernel_size) // strides + 1, filters)
''', "output_shapes_hidden", "TypeError"),
    ("pool2d_output_shape", '''
def pool2d_output_shape(input_shape, pool_size=2, strides=None, padding="valid"):
    h, w, c = input_shape
    strides = strides or 1
    return ((h - pool_size) // strides + 1, (w - pool_size) // strides + 1, c)
''', "output_shapes_public", "pool2d_output_shape((28, 28, 32)) is (27, 27, 32), but Keras gives (14, 14, 32)"),
    ("pool2d_output_shape", '''
def pool2d_output_shape(input_shape, pool_size=2, strides=None, padding="valid"):
    h, w, c = input_shape
    s = strides or pool_size
    return [(h - pool_size) // s + 1, (w - pool_size) // s + 1, c]
''', "output_shapes_public", "should return a tuple"),
    ("dense_params", '''
def dense_params(input_dim, units, use_bias=True):
    return (input_dim + 1) * units
''', "param_counts_public", "dense_params(784, 128, use_bias=False) is 100480, but Keras counts 100352"),
    ("conv2d_params", '''
def conv2d_params(input_channels, filters, kernel_size, use_bias=True):
    return (kernel_size * kernel_size + 1) * filters
''', "param_counts_public", "conv2d_params(3, 32, 3) is 320, but Keras counts 896"),
    ("rnn_params", '''
def rnn_params(kind, input_dim, units):
    gates = {"simple_rnn": 1, "lstm": 4, "gru": 3}[kind]
    return gates * units * (input_dim + units + 1)
''', "param_counts_public", "rnn_params('gru', 16, 32) is 4704, but Keras counts 4800"),
    ("rnn_params", '''
def rnn_params(kind, input_dim, units):
    if kind == "lstm":
        return 4 * units * (input_dim + units + 1)
    if kind == "gru":
        return 3 * units * (input_dim + units + 2)
    return units * (input_dim + units + 1)
''', "param_counts_public", 'rnn_params("transformer", 16, 32) should raise ValueError'),
    ("softmax", '''
def softmax(x, axis=-1):
    return np.exp(x) / np.sum(np.exp(x), axis=axis, keepdims=True)
''', "softmax_public", "overflow encountered in exp"),
    ("softmax", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x))
    return e / e.sum()
''', "softmax_public", "softmax(x) on float32 x of shape (4, 6) differs at index (0, 0)"),
    ("softmax", '''
def softmax(x, axis=-1):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
''', "softmax_hidden", "softmax(x, axis=0) on float64 x of shape (3, 4, 5) differs"),
    ("sigmoid", '''
def sigmoid(x):
    return 1 / (1 + np.exp(-x))
''', "squashing_activations_public", "overflow encountered in exp"),
    ("hard_sigmoid", '''
def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0, 1)
''', "squashing_activations_public", 'Reread "Sigmoid and hard sigmoid"'),
    ("tanh", '''
def tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))
''', "squashing_activations_public", "triggers NumPy's overflow encountered in exp"),
    ("relu", '''
def relu(x):
    x[x < 0] = 0
    return x
''', "rectifier_activations_public", "changed its input array x in place"),
    ("elu", '''
def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))
''', "rectifier_activations_public", "elu(x) on float32 x of shape (1, 13) triggers NumPy's overflow"),
    ("softplus", '''
def softplus(x):
    return np.log(1 + np.exp(x))
''', "rectifier_activations_public", "overflow encountered in exp"),
    ("selu", '''
def selu(x):
    return 1.05 * np.where(x > 0, x, 1.67 * np.expm1(np.minimum(x, 0)))
''', "rectifier_activations_public", 'Reread "ELU and SELU"'),
    ("elu", '''
def elu(x, alpha=1.0):
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
''', "rectifier_activations_hidden", "elu(x, alpha=0.5) on float64 x of shape (4, 4) differs"),
    ("residual_dense_block", '''
def residual_dense_block(x, units):
    shortcut = x if x.shape[-1] == units else layers.Dense(units)(x)
    y = layers.Dense(units, activation="relu")(x)
    y = layers.Dense(units)(y)
    return layers.Add()([y, shortcut])
''', "residual_dense_block_public", "a ReLU after the addition"),
    ("residual_dense_block", '''
def residual_dense_block(x, units):
    y = layers.Dense(units, activation="relu")(x)
    y = layers.Dense(units, activation="relu")(y)
    return layers.ReLU()(layers.Add()([y, x]))
''', "residual_dense_block_public", "residual_dense_block(keras.Input(shape=(16,)), 16) computes"),
    ("residual_dense_block", '''
def residual_dense_block(x, units):
    y = layers.Dense(units, activation="relu")(x)
    y = layers.Dense(units)(y)
    return layers.ReLU()(y)
''', "residual_dense_block_public", "expected 560 in 3: two Dense(16) layers and a projection"),
    ("build_two_branch_model", '''
def build_two_branch_model(image_shape=(28, 28, 1), num_features=10, num_classes=10):
    image = keras.Input(image_shape)
    features = keras.Input((num_features,))
    x = layers.Flatten()(image)
    joined = layers.Concatenate()([x, layers.Dense(8, activation="relu")(features)])
    return keras.Model([image, features], layers.Dense(num_classes, activation="softmax")(joined))
''', "two_branch_model_public", "has no convolution"),
    ("build_two_branch_model", '''
def build_two_branch_model(image_shape=(28, 28, 1), num_features=10, num_classes=10):
    image = keras.Input(image_shape)
    features = keras.Input((num_features,))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(8, 3, padding="same")(image))
    joined = layers.Concatenate()([layers.Dense(8, activation="relu")(features), x])
    return keras.Model([features, image], layers.Dense(num_classes, activation="softmax")(joined))
''', "two_branch_model_public", "in the order [image, features]"),
    ("build_two_branch_model", '''
def build_two_branch_model(image_shape=(28, 28, 1), num_features=10, num_classes=10):
    image = keras.Input(image_shape)
    features = keras.Input((num_features,))
    x = layers.GlobalAveragePooling2D()(layers.Conv2D(8, 3, padding="same")(image))
    joined = layers.Concatenate()([x, layers.Dense(8, activation="relu")(features)])
    return keras.Model([image, features], layers.Dense(10, activation="softmax")(joined))
''', "two_branch_model_hidden", "expected (3,)"),
    ("build_sequence_classifier", '''
def build_sequence_classifier(vocab_size=10000, maxlen=100, num_classes=2, cell="lstm", units=32):
    return keras.Sequential([keras.Input((maxlen,)), layers.Embedding(vocab_size, 16), layers.LSTM(units),
                             layers.Dense(num_classes, activation="softmax")])
''', "sequence_classifier_public", "should have one GRU layer (cell=\"gru\"), found ['LSTM']"),
    ("build_sequence_classifier", '''
def build_sequence_classifier(vocab_size=10000, maxlen=100, num_classes=2, cell="lstm", units=32):
    rnn = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}[cell]
    return keras.Sequential([keras.Input((maxlen,)), layers.Embedding(maxlen, 16), rnn(units),
                             layers.Dense(num_classes, activation="softmax")])
''', "sequence_classifier_public", "should have one Embedding with input_dim=10000"),
    ("build_sequence_classifier", '''
def build_sequence_classifier(vocab_size=10000, maxlen=100, num_classes=2, cell="lstm", units=32):
    rnn = {"simple_rnn": layers.SimpleRNN, "lstm": layers.LSTM, "gru": layers.GRU}
    if cell not in rnn:
        raise ValueError(cell)
    return keras.Sequential([keras.Input((maxlen,)), layers.Embedding(vocab_size, 16), rnn[cell](32),
                             layers.Dense(num_classes, activation="softmax")])
''', "sequence_classifier_hidden", "has 32 units, expected 8"),
]

LINEAR_TEMPLATE = """
@keras.saving.register_keras_serializable(package="course")
class Linear(layers.Layer):
    def __init__(self, units=32, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros") if self.use_bias else None

    def call(self, inputs):
        y = keras.ops.matmul(inputs, self.kernel)
        return y + self.bias if self.use_bias else y

    def get_config(self):
        return {**super().get_config(), "units": self.units, "use_bias": self.use_bias}
"""


def linear_with(old: str, new: str) -> str:
    """The solution's Linear with one slip."""
    assert old in LINEAR_TEMPLATE, old
    return LINEAR_TEMPLATE.replace(old, new)


# Correct in Keras 3 though the text asks for more: get_config left to Keras, which records plain
# __init__ arguments itself (Operation.__new__).
LINEAR_WITHOUT_GET_CONFIG = LINEAR_TEMPLATE[:LINEAR_TEMPLATE.index("    def get_config")]

WRONG += [
    # get_config forgets use_bias: the clone of Linear(6, use_bias=False) has a bias
    ("custom_layer", linear_with('"units": self.units, "use_bias": self.use_bias}', '"units": self.units}'),
     "custom_layer_hidden", "every argument __init__ takes"),
    # not registered: the model saves, but load_model cannot find the class
    ("custom_layer", linear_with('@keras.saving.register_keras_serializable(package="course")\n', ""),
     "custom_layer_public", "register_keras_serializable"),
    # the weights made in __init__, for a fixed width of 5
    ("custom_layer", """
@keras.saving.register_keras_serializable(package="course")
class Linear(layers.Layer):
    def __init__(self, units=32, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.units, self.use_bias = units, use_bias
        self.kernel = self.add_weight(shape=(5, units), initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(units,), initializer="zeros") if use_bias else None

    def call(self, inputs):
        y = keras.ops.matmul(inputs, self.kernel)
        return y + self.bias if self.use_bias else y
""",
     "custom_layer_public", "before its first call"),
    # the bias forgotten in call
    ("custom_layer", linear_with("return y + self.bias if self.use_bias else y", "return y"),
     "custom_layer_public", "with the judge's kernel and bias"),
    # a bias made even without use_bias
    ("custom_layer", linear_with('initializer="zeros") if self.use_bias else None', 'initializer="zeros")'),
     "custom_layer_public", "and no bias"),
    # **kwargs swallowed: name= and trainable= are lost
    ("custom_layer", linear_with("        super().__init__(**kwargs)\n", "        super().__init__()\n"),
     "custom_layer_hidden", "pass **kwargs on"),
    # the kernel left at zeros: every unit computes the same thing, and learns the same
    ("custom_layer", linear_with('initializer="glorot_uniform")', 'initializer="zeros")'),
     "custom_layer_public", "initializer=\"glorot_uniform\""),
    # the weights frozen
    ("custom_layer", linear_with('initializer="glorot_uniform")', 'initializer="glorot_uniform", trainable=False)'),
     "custom_layer_public", "should all be trainable"),
]
