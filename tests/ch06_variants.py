"""Other ways to answer chapter 6: correct ones written differently, and wrong ones.

Each entry replaces the source of one solution cell (by grade id). A correct variant must pass
the public and hidden tests; a wrong one must fail with a message that says what is wrong.
The GAN's train_step comes in two correct shapes besides the solution's two tapes:
one persistent tape over a single forward pass (WRITTEN_DIFFERENTLY) and one tape per network
with the real and generated images scored in one batch and Mean trackers (ALSO_CORRECT).
"""

# --- correct, written differently -----------------------------------------------------------

GENERATOR_FUNCTIONAL_UPSAMPLING = '''
def build_generator(latent_dim=100):
    z = keras.Input((latent_dim,), name="noise")
    x = layers.Dense(7 * 7 * 24)(z)
    x = layers.ReLU()(x)
    x = layers.Reshape((7, 7, 24))(x)
    for filters in (16, 8):
        x = layers.UpSampling2D(size=2)(x)
        x = layers.Conv2D(filters, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    x = layers.Conv2D(1, 3, padding="same")(x)
    return keras.Model(z, layers.Activation(keras.activations.tanh)(x), name="upsampling_generator")
'''

DISCRIMINATOR_FUNCTIONAL_ACTIVATION_LAYER = '''
def build_discriminator(input_shape=(28, 28, 1)):
    images = keras.Input(input_shape)
    x = images
    for filters in (8, 16):
        x = layers.Conv2D(filters, (3, 3), strides=(2, 2), padding="same")(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.GlobalAveragePooling2D()(x)
    logit = layers.Dense(1)(x)
    return keras.Model(images, layers.Activation("sigmoid")(logit))
'''

GAN_PERSISTENT_TAPE = '''
class GAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim = latent_dim
        self.d_tracker = keras.metrics.Mean(name="d_loss")
        self.g_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn

    @property
    def metrics(self):
        return [self.d_tracker, self.g_tracker]

    def train_step(self, data):
        if isinstance(data, tuple):
            data = data[0]
        n = keras.ops.shape(data)[0]
        noise = tf.random.normal(shape=(n, self.latent_dim))
        with tf.GradientTape(persistent=True) as tape:
            generated = self.generator(noise, training=True)
            on_real = self.discriminator(data, training=True)
            on_fake = self.discriminator(generated, training=True)
            d_loss = 0.5 * (self.loss_fn(keras.ops.ones_like(on_real), on_real)
                            + self.loss_fn(keras.ops.zeros_like(on_fake), on_fake))
            g_loss = self.loss_fn(keras.ops.ones_like(on_fake), on_fake)
        d_vars = self.discriminator.trainable_variables
        g_vars = self.generator.trainable_variables
        d_grads = tape.gradient(d_loss, d_vars)
        g_grads = tape.gradient(g_loss, g_vars)
        del tape
        self.d_optimizer.apply_gradients(zip(d_grads, d_vars))
        self.g_optimizer.apply_gradients(zip(g_grads, g_vars))
        self.d_tracker.update_state(d_loss)
        self.g_tracker.update_state(g_loss)
        return {"d_loss": self.d_tracker.result(), "g_loss": self.g_tracker.result()}
'''

GAN_ONE_BATCH_FOR_THE_DISCRIMINATOR = '''
class GAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim
        self.seed_generator = keras.random.SeedGenerator(1337)

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, real_images):
        batch_size = keras.ops.shape(real_images)[0]
        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        fakes = self.generator(z)
        images = keras.ops.concatenate([real_images, fakes], axis=0)
        labels = keras.ops.concatenate([keras.ops.ones((batch_size, 1)), keras.ops.zeros((batch_size, 1))], axis=0)
        with tf.GradientTape() as d_tape:
            d_loss = self.loss_fn(labels, self.discriminator(images, training=True))
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, d_weights), d_weights))

        z = keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)
        misleading_labels = keras.ops.ones((batch_size, 1))
        with tf.GradientTape() as g_tape:
            g_loss = self.loss_fn(misleading_labels, self.discriminator(self.generator(z, training=True)))
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, g_weights), g_weights))
        return dict(d_loss=d_loss, g_loss=g_loss)
'''

GENERATE_WITH_KERAS_RANDOM = '''
def generate_images(generator, n, latent_dim=100, seed=0):
    noise = keras.random.normal((n, latent_dim), seed=seed)
    out = generator.predict(noise, verbose=0)
    return np.squeeze(out * 0.5 + 0.5, axis=-1)
'''

GRID_WITH_ADD_SUBPLOT = '''
def plot_image_grid(images, rows=4, cols=4):
    fig = plt.figure(figsize=(cols, rows))
    for i in range(rows * cols):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(images[i], cmap="binary_r")
        ax.set_xticks([])
        ax.set_yticks([])
    return fig
'''

SAMPLE_GRID_WITH_LOOPS = '''
class SampleGrid(keras.callbacks.Callback):
    def __init__(self, noise, rows=2, cols=4):
        super().__init__()
        self.noise = np.asarray(noise)
        self.rows = rows
        self.cols = cols
        self.grids = []

    def on_epoch_end(self, epoch, logs=None):
        images = np.asarray(keras.ops.convert_to_numpy(self.model.generator.predict(self.noise, verbose=0)))
        rows = [np.concatenate([images[r * self.cols + c, :, :, 0] for c in range(self.cols)], axis=1)
                for r in range(self.rows)]
        self.grids.append(np.clip(np.concatenate(rows, axis=0) * 0.5 + 0.5, 0.0, 1.0))
'''

WRITTEN_DIFFERENTLY = {
    "build_generator": GENERATOR_FUNCTIONAL_UPSAMPLING,
    "build_discriminator": DISCRIMINATOR_FUNCTIONAL_ACTIVATION_LAYER,
    "GAN": GAN_PERSISTENT_TAPE,
    "generate_images": GENERATE_WITH_KERAS_RANDOM,
    "plot_image_grid": GRID_WITH_ADD_SUBPLOT,
    "SampleGrid": SAMPLE_GRID_WITH_LOOPS,
}

# More correct answers, tested in-process only: (solution cell, source).
ALSO_CORRECT = [
    ("GAN", GAN_ONE_BATCH_FOR_THE_DISCRIMINATOR),
]

# --- wrong: (solution cell, source, test cell that must fail, words its message must hold) ---

_GENERATOR_WITH_OUTPUT = '''
def build_generator(latent_dim=100):
    return keras.Sequential([
        keras.Input((latent_dim,)),
        layers.Dense(7 * 7 * 16), layers.LeakyReLU(0.2), layers.Reshape((7, 7, 16)),
        layers.Conv2DTranspose(8, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Conv2DTranspose(1, 4, strides=2, padding="same"{activation}),
    ])
'''

_DISCRIMINATOR_WITH_OUTPUT = '''
def build_discriminator(input_shape=(28, 28, 1)):
    return keras.Sequential([
        keras.Input({shape}),
        layers.Conv2D(8, 4, strides=2, padding="same"), layers.LeakyReLU(0.2),
        layers.Flatten(), layers.Dense(1{activation}),
    ])
'''

_GAN_TEMPLATE = '''
class GAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = latent_dim

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer
        self.loss_fn = loss_fn

    def train_step(self, data):
        loss_fn = {loss}
        n = tf.shape(data)[0]
        z = tf.random.normal((n, self.latent_dim))
        with tf.GradientTape() as tape:
            real = self.discriminator(data, training=True)
            fake = self.discriminator(self.generator(z, training=True), training=True)
            d_loss = loss_fn({real_label}, real) + loss_fn({fake_label}, fake)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        z = tf.random.normal((n, self.latent_dim))
        with tf.GradientTape() as tape:
            fake = self.discriminator(self.generator(z, training=True), training=True)
            g_loss = loss_fn({generator_label}, fake)
        grads = tape.gradient(g_loss, self.{g_weights})
        self.g_optimizer.apply_gradients(zip(grads, self.{g_weights}))
        return {{"d_loss": d_loss, "g_loss": g_loss}}
'''


def _gan(loss="self.loss_fn", real_label="tf.ones_like(real)", fake_label="tf.zeros_like(fake)",
         generator_label="tf.ones_like(fake)", g_weights="generator.trainable_weights"):
    return _GAN_TEMPLATE.format(loss=loss, real_label=real_label, fake_label=fake_label,
                                generator_label=generator_label, g_weights=g_weights)


WRONG = [
    # build_generator
    ("build_generator", '''
def build_generator(latent_dim=100):
    return keras.Sequential([keras.Input((latent_dim,)), layers.Dense(28 * 28 * 4, activation="relu"),
                             layers.Reshape((28, 28, 4)),
                             layers.Conv2DTranspose(1, 3, padding="same", activation="tanh")])
''', "generator_hidden", "none makes the image larger"),
    ("build_generator", _GENERATOR_WITH_OUTPUT.format(activation=', activation="sigmoid"'),
     "generator_public", "has no negative values"),
    ("build_generator", _GENERATOR_WITH_OUTPUT.format(activation=""),
     "generator_hidden", "should lie in [-1.0, 1.0]"),
    ("build_generator", '''
def build_generator(latent_dim=100):
    return keras.Sequential([keras.Input((latent_dim,)), layers.Dense(128, activation="relu"),
                             layers.Dense(28 * 28, activation="tanh"), layers.Reshape((28, 28, 1))])
''', "generator_hidden", "has no Conv2DTranspose or UpSampling2D layer"),
    ("build_generator", _GENERATOR_WITH_OUTPUT.format(activation=', activation="tanh"').replace(
        "keras.Input((latent_dim,))", "keras.Input((100,))"),
     "generator_hidden", "build the model from keras.Input(shape=(latent_dim,))"),
    # build_discriminator
    ("build_discriminator", _DISCRIMINATOR_WITH_OUTPUT.format(shape="input_shape", activation=""),
     "discriminator_hidden", 'end with activation="sigmoid"'),
    ("build_discriminator", _DISCRIMINATOR_WITH_OUTPUT.format(shape="input_shape", activation=', activation="softmax"'),
     "discriminator_hidden", "a Dense(1) with softmax always outputs 1"),
    ("build_discriminator", _DISCRIMINATOR_WITH_OUTPUT.format(shape="(28, 28, 1)", activation=', activation="sigmoid"'),
     "discriminator_hidden", "build the model from the input_shape argument"),
    # GAN
    ("GAN", _gan(g_weights="trainable_weights"), "gan_hidden",
     "a train_step changed the discriminator's weights"),
    ("GAN", _gan(real_label="tf.zeros_like(real)", fake_label="tf.ones_like(fake)", generator_label="tf.zeros_like(fake)"),
     "gan_hidden", "should widen the gap D(real) - D(G(z))"),
    ("GAN", _gan(generator_label="tf.zeros_like(fake)"), "gan_hidden",
     "should raise the discriminator's score of generated images"),
    ("GAN", _gan(loss="keras.losses.BinaryCrossentropy()"), "gan_hidden",
     "compute both losses with self.loss_fn"),
    ("GAN", _gan().replace("self.d_optimizer.apply_gradients(", "self.g_optimizer.apply_gradients("),
     "gan_public", "apply d_optimizer only to discriminator.trainable_weights"),
    ("GAN", _gan().replace(", training=True)", ")"), "gan_hidden", "the generator never ran in training mode"),
    ("GAN", _gan().replace("n = tf.shape(data)[0]", "n = 32"), "gan_hidden",
     "g_loss counts 32 generated images instead of 5"),
    # generate_images
    ("generate_images", '''
def generate_images(generator, n, latent_dim=100, seed=0):
    z = np.random.default_rng(seed).normal(size=(n, latent_dim)).astype("float32")
    return (keras.ops.convert_to_numpy(generator(z, training=True))[..., 0] + 1) / 2
''', "generate_images_hidden", "so that batch norm uses its moving statistics"),
    ("generate_images", '''
def generate_images(generator, n, latent_dim=100, seed=0):
    z = np.random.normal(size=(n, latent_dim))
    return (generator.predict(z, verbose=0)[..., 0] + 1) / 2
''', "generate_images_public", "gave other images on a second call"),
    ("generate_images", '''
def generate_images(generator, n, latent_dim=100, seed=0):
    z = np.random.default_rng(seed).normal(size=(n, latent_dim))
    return generator.predict(z, verbose=0)[..., 0]
''', "generate_images_hidden", "map the generator's tanh output from [-1, 1] to [0, 1]"),
    ("generate_images", '''
def generate_images(generator, n, latent_dim=100, seed=0):
    z = np.random.default_rng(seed).normal(size=(n, 100))
    return (generator.predict(z, verbose=0)[..., 0] + 1) / 2
''', "generate_images_hidden", "generate_images(generator, 7, latent_dim=12)"),
    ("generate_images", '''
def generate_images(generator, n, latent_dim=100, seed=0):
    z = np.random.default_rng(seed).normal(size=(n, latent_dim))
    return np.clip(generator.predict(z, verbose=0), 0, 1)
''', "generate_images_public", "expected (16, 28, 28)"),
    # plot_image_grid
    ("plot_image_grid", '''
def plot_image_grid(images, rows=4, cols=4):
    fig, axes = plt.subplots(rows, cols, squeeze=False)
    for ax, image in zip(axes.flat, images):
        ax.imshow(image)
        ax.axis("off")
    return fig
''', "plot_image_grid_public", "colormap: the digits are grey"),
    ("plot_image_grid", '''
def plot_image_grid(images, rows=4, cols=4):
    fig = plt.figure()
    for i, image in enumerate(images):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(image, cmap="gray")
        ax.axis("off")
    return fig
''', "plot_image_grid_hidden", "show only the first rows * cols = 6"),
    ("plot_image_grid", '''
def plot_image_grid(images, rows=4, cols=4):
    fig, axes = plt.subplots(rows, cols)
    for ax, image in zip(axes.flat, images):
        ax.imshow(image, cmap="gray")
        ax.axis("off")
    return fig
''', "plot_image_grid_hidden", "pass squeeze=False"),
    ("plot_image_grid", '''
def plot_image_grid(images, rows=4, cols=4):
    fig, axes = plt.subplots(rows, cols, squeeze=False)
    for ax, image in zip(axes.flat, images):
        ax.imshow(image, cmap="gray")
    return fig
''', "plot_image_grid_public", "still show ticks"),
    ("plot_image_grid", '''
def plot_image_grid(images, rows=4, cols=4):
    fig, axes = plt.subplots(4, 4, squeeze=False)
    for ax, image in zip(axes.flat, images):
        ax.imshow(image, cmap="gray")
        ax.axis("off")
    return fig
''', "plot_image_grid_hidden", "should lay the images out in 2 rows and 3 columns"),
]


# --- the same on JAX: Keras calls train_step(state, data) there -------------------------------------
# The notebook's cell gives the JAX plumbing (a seed generator, the optimizers' variables kept on the
# model, stateless_train_step); a JAX answer written differently does its own, without the helper.

GAN_JAX_OWN_SCOPE_ONE_BATCH = """
class GAN(keras.Model):
    def __init__(self, generator, discriminator, latent_dim):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.noise_seeds = keras.random.SeedGenerator(7)
        self.d_tracker = keras.metrics.Mean(name="d_loss")
        self.g_tracker = keras.metrics.Mean(name="g_loss")
        self.built = True

    def compile(self, d_optimizer, g_optimizer, loss_fn):
        super().compile()
        self.d_optimizer, self.g_optimizer, self.loss_fn = d_optimizer, g_optimizer, loss_fn
        d_optimizer.build(self.discriminator.trainable_variables)
        g_optimizer.build(self.generator.trainable_variables)
        self.both_optimizers = d_optimizer.variables + g_optimizer.variables

    @property
    def metrics(self):
        return [self.d_tracker, self.g_tracker]

    def train_step(self, state, data):
        import jax

        trainable, non_trainable, optimizer_variables, metrics_variables = state
        everything = self.trainable_variables + self.non_trainable_variables + self.metrics_variables
        with keras.StatelessScope(state_mapping=list(zip(everything, trainable + non_trainable + metrics_variables))) as scope:
            gen, disc = self.generator, self.discriminator
            n = keras.ops.shape(data)[0]
            noise = keras.random.normal((n, self.latent_dim), seed=self.noise_seeds)
            images = keras.ops.concatenate([data, gen(noise, training=True)], axis=0)
            labels = keras.ops.concatenate([keras.ops.ones((n, 1)), keras.ops.zeros((n, 1))], axis=0)

            def d_loss(weights, extra):
                scores, extra = disc.stateless_call(weights, extra, images, training=True)
                return self.loss_fn(labels, scores), extra

            (loss_d, extra), grads = jax.value_and_grad(d_loss, has_aux=True)(
                [v.value for v in disc.trainable_variables], [v.value for v in disc.non_trainable_variables])
            for v, x in zip(disc.non_trainable_variables, extra):
                v.assign(x)
            self.d_optimizer.apply(grads, disc.trainable_variables)

            noise = keras.random.normal((n, self.latent_dim), seed=self.noise_seeds)
            d_weights = [v.value for v in disc.trainable_variables]

            def g_loss(weights, extra, d_extra):
                fakes, extra = gen.stateless_call(weights, extra, noise, training=True)
                scores, d_extra = disc.stateless_call(d_weights, d_extra, fakes, training=True)
                return self.loss_fn(keras.ops.ones((n, 1)), scores), (extra, d_extra)

            (loss_g, (extra, d_extra)), grads = jax.value_and_grad(g_loss, has_aux=True)(
                [v.value for v in gen.trainable_variables], [v.value for v in gen.non_trainable_variables],
                [v.value for v in disc.non_trainable_variables])
            for v, x in zip(gen.non_trainable_variables + disc.non_trainable_variables, extra + d_extra):
                v.assign(x)
            self.g_optimizer.apply(grads, gen.trainable_variables)
            self.d_tracker.update_state(loss_d)
            self.g_tracker.update_state(loss_g)
            logs = {"d_loss": self.d_tracker.result(), "g_loss": self.g_tracker.result()}
        values = [scope.get_current_value(v) for v in everything]
        i, j = len(trainable), len(trainable) + len(non_trainable)
        return logs, (values[:i], values[i:j], optimizer_variables, values[j:])
"""


def _jax_gan_from_solution():
    """The notebook's own GAN cell (its given JAX plumbing and solution), for wrong answers to change."""
    import re

    from conftest import SOURCE, cells_by_id

    cell = cells_by_id(SOURCE / "ch06_gan" / "ch06_gan.ipynb")["GAN"]
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION\n", "", cell, flags=re.M)


def _jax_gan(**changes):
    """The solution's JAX step with one slip: each change replaces one exact piece of its code."""
    source = _jax_gan_from_solution()
    for old, new in changes.values():
        assert source.count(old) >= 1, old
        source = source.replace(old, new)
    return source


_JAX_REAL = "self.loss_fn(keras.ops.ones_like(real_scores), real_scores)"
_JAX_FAKE = "self.loss_fn(keras.ops.zeros_like(fake_scores), fake_scores))"
_JAX_G = "return self.loss_fn(keras.ops.ones_like(fake_scores), fake_scores), (g_state, d_state)"

WRONG_GAN_JAX = [
    ("GAN", _jax_gan(real=(_JAX_REAL, _JAX_REAL.replace("ones_like", "zeros_like")),
                     fake=(_JAX_FAKE, _JAX_FAKE.replace("zeros_like", "ones_like")),
                     g=(_JAX_G, _JAX_G.replace("ones_like", "zeros_like"))),
     "gan_hidden", "should widen the gap D(real) - D(G(z))"),
    ("GAN", _jax_gan(g=(_JAX_G, _JAX_G.replace("ones_like", "zeros_like"))), "gan_hidden",
     "should raise the discriminator's score of generated images"),
    ("GAN", _jax_gan(loss=("self.loss_fn(", "keras.losses.BinaryCrossentropy()(")), "gan_hidden",
     "compute both losses with self.loss_fn"),
    ("GAN", _jax_gan(apply=("self.d_optimizer.apply(grads, D.trainable_variables)",
                            "self.g_optimizer.apply(grads, D.trainable_variables)")),
     "gan_public", "apply d_optimizer only to discriminator.trainable_weights"),
    ("GAN", _jax_gan(mode=("fake_images = G(z, training=True)", "fake_images = G(z)"),
                     mode_g=("G.stateless_call(g_weights, g_state, z, training=True)",
                             "G.stateless_call(g_weights, g_state, z)")),
     "gan_hidden", "the generator never ran in training mode"),
    ("GAN", _jax_gan(batch=("batch_size = keras.ops.shape(real_images)[0]", "batch_size = 32")), "gan_hidden",
     "g_loss counts 32 generated images instead of 5"),
    ("GAN", _gan(), "gan_public", "Keras calls train_step(state, data) there"),  # TensorFlow's step on JAX
]

_SAMPLE_GRID = '''
class SampleGrid(keras.callbacks.Callback):
    def __init__(self, noise, rows=2, cols=4):
        super().__init__()
        self.noise, self.rows, self.cols = noise, rows, cols
        self.grids = []

    def on_epoch_end(self, epoch, logs=None):
        images = keras.ops.convert_to_numpy(self.model.generator(self.noise, training=False))[..., 0]
        height, width = images.shape[1:]
        tiled = images.reshape(self.rows, self.cols, height, width).transpose(0, 2, 1, 3)
        self.grids.append((tiled.reshape(self.rows * height, self.cols * width) + 1.0) / 2.0)
'''


def _sample_grid(old: str, new: str) -> str:
    assert old in _SAMPLE_GRID, old
    return _SAMPLE_GRID.replace(old, new)


WRONG += [
    # the images in training mode: BatchNormalization normalises with the batch's own statistics
    ("SampleGrid", _sample_grid("self.noise, training=False", "self.noise, training=True"), "sample_grid_hidden",
     "in inference mode"),
    # new noise every epoch: the pictures differ by more than the training
    ("SampleGrid", _sample_grid("self.model.generator(self.noise,",
                                "self.model.generator(keras.random.normal(keras.ops.shape(self.noise)),"),
     "sample_grid_public", "the same noise"),
    # tiled column by column
    ("SampleGrid", _sample_grid("images.reshape(self.rows, self.cols, height, width).transpose(0, 2, 1, 3)",
                                "images.reshape(self.cols, self.rows, height, width).transpose(1, 2, 0, 3)"),
     "sample_grid_public",
     "tile them row by row"),
    # left in [-1, 1]
    ("SampleGrid", _sample_grid("(tiled.reshape(self.rows * height, self.cols * width) + 1.0) / 2.0",
                                "tiled.reshape(self.rows * height, self.cols * width)"), "sample_grid_public",
     "scale them to [0, 1]"),
    # one image per epoch instead of the grid
    ("SampleGrid", _sample_grid("self.grids.append((tiled.reshape(self.rows * height, self.cols * width) + 1.0) / 2.0)",
                                "self.grids.append((images[0] + 1.0) / 2.0)"), "sample_grid_public",
     "one 2-D picture"),
]


# On JAX the TensorFlow answers above cannot run (a GradientTape sees no JAX computation): the JAX ones
# take their place, and the tests accept each on its backend.
if __import__("keras").config.backend() == "jax":
    WRITTEN_DIFFERENTLY = {**WRITTEN_DIFFERENTLY, "GAN": GAN_JAX_OWN_SCOPE_ONE_BATCH}
    ALSO_CORRECT = []
    WRONG = [wrong for wrong in WRONG if wrong[0] != "GAN"] + WRONG_GAN_JAX
